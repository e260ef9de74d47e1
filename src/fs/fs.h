/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs: the FUSE front of alphafs (libfuse 3.14 low-level API).
 *
 *   /live/latest.jpg     the newest whole frame, pinned per open
 *   /live/stream.mjpeg   endless concatenated JPEGs, non-seekable
 *   /info/device         camera identity, snapshotted at open
 *   /info/status         connection state and counters, snapshotted at open
 *
 * The filesystem knows the frame store and, through struct fs_config, two
 * snapshot callbacks of the camera owner; nothing about USB or PTP. No
 * handler ever waits on the camera: a stream read (or a latest.jpg open
 * before the first frame) that has nothing to return is parked and answered
 * later by the frame-store listener, by an interrupt, by the disconnect
 * timer or by fs_shutdown (research/fuse.md section 0 and 2).
 *
 * Threads: libfuse workers run the handlers; the store's producer thread
 * runs the listener that answers parked requests and sends poll
 * notifications (never a handler: doc/README.notifications); one timer
 * thread of ours fails parked requests after reconnect_timeout while the
 * camera is disconnected; one stop thread of ours runs the shutdown.
 * Every thread we create blocks the termination signals.
 *
 * Shutdown (shutdown.c has the why of each step). libfuse's signal
 * handlers are not used: on SIGTERM, SIGINT or SIGHUP our handler wakes
 * the stop thread, which, with the request loop still answering,
 *   1. refuses new opens (ENODEV) and answers parked reads with EOF;
 *      reads in progress finish their frame, then get EOF; FLUSH is
 *      answered ENOSYS (the kernel stops sending it: close() succeeds
 *      even after we are gone);
 *   2. waits for the open files to be closed (at most FS_DRAIN_IDLE_MS
 *      after the last request on one, FS_DRAIN_MAX_MS in all);
 *   3. detaches the mount from its path (lazily; only if the mount on top
 *      there is ours), so the kernel ends the connection once nothing
 *      uses it and the loop returns by itself;
 *   4. or, if a file stays open, ends the loop (fuse_session_exit, then a
 *      signal to the loop thread);
 * then fs_unmount closes the session's device (fuse_session_unmount, kept
 * from unmounting by path a mount that is not ours). fusermount3 -u from
 * outside ends the connection, and the loop, as in step 3.
 *
 * Lock order: fs->lock, then the frame store's (leaf) lock. Neither is held
 * while replying to the kernel or calling fuse_req_interrupt_func. Store
 * listeners run without the store's lock, so the listener may take
 * fs->lock. An open handle (fi->fh) is filled before its open takes and
 * releases fs->lock, and read/poll/release touch it only after taking
 * fs->lock (they dispatch on the inode): the kernel orders open before
 * read, but only the lock makes that order visible to thread checkers.
 */
#ifndef ALPHAFS_FS_H
#define ALPHAFS_FS_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "camera/camera.h"
#include "frame/frame.h"

/* ---- public API (mount.alphafs, tests, bench) --------------------------- */

/*
 * Where info/device and info/status get the camera's side. Both callbacks
 * are optional (NULL: the file says "no camera information") and must not
 * wait on the camera (camera_get_info / camera_get_status qualify). They
 * are called from FUSE worker threads with no fs lock held.
 */
struct fs_config {
	struct frame_store *store; /* not owned; must outlive the fs */
	int (*get_info)(void *arg, struct camera_info *out);
	void (*get_status)(void *arg, struct camera_status *out);
	void *info_arg;
	/* While the store is DISCONNECTED: parked stream reads wait this long
	 * for the camera to come back, then fail with EIO. 0 = fail at once. */
	unsigned reconnect_timeout_s;
	/* Serve the last frame from latest.jpg while disconnected instead of
	 * failing open with ENODEV. */
	bool stale_frames;
	/* Text shown as the source in info/status ("emulate", "usb:001,004"). */
	const char *source;
};

struct fs;

/*
 * Creates the filesystem state and registers a listener on cfg->store.
 * Starts no thread and touches no FUSE session yet. Returns NULL on NOMEM.
 * Thread: any. The caller destroys it with fs_destroy.
 */
struct fs *fs_create(const struct fs_config *cfg);

/*
 * fuse_session_new on args (consumed as libfuse documents: the caller keeps
 * ownership of args), our handlers for SIGTERM, SIGINT and SIGHUP (SIGPIPE
 * ignored), then mounts on mountpoint (absolute and canonical; copied).
 * On failure returns ALPHAFS_ERR_INVALID (bad options), ALPHAFS_ERR_IO
 * (mount failed) or NOMEM, with a one-line reason in err; everything done
 * so far is undone. A termination signal from here on stops the mount
 * cleanly once fs_run runs. Thread: the main thread, once.
 */
int fs_mount(struct fs *fs, struct fuse_args *args, const char *mountpoint,
	     char *err, size_t cap);

/*
 * Runs the multithreaded session loop until unmount (fusermount3 -u) or a
 * termination signal, which ends it in the order above (readers first).
 * max_threads 0 means the libfuse default. Returns 0 on a normal end,
 * ALPHAFS_ERR_IO when the loop failed. Starts and stops the disconnect
 * timer and the stop thread. Thread: the main thread (it receives
 * signals), once per fs_mount.
 */
int fs_run(struct fs *fs, unsigned max_threads, bool clone_fd);

/*
 * Answers every parked request at once (stream reads with EOF: the stream
 * ends cleanly on unmount; latest.jpg opens with ENODEV) and makes later
 * ones answer the same way, so readers blocked in read() return promptly.
 * Idempotent. Thread: any (normally the main thread after fs_run).
 */
void fs_shutdown(struct fs *fs);

/*
 * fs_shutdown, removes the signal handlers, closes the session's device
 * and unmounts (lazily, by path, unless the kernel has ended the
 * connection already or the mount at the path is not ours any more), and
 * destroys the FUSE session (if fs_mount succeeded). Safe to call twice.
 * Thread: main.
 */
void fs_unmount(struct fs *fs);

/* fs_unmount, removes the store listener, frees everything. NULL-safe. */
void fs_destroy(struct fs *fs);

/* Counters shown in info/status, also read by tests. */
struct fs_stats {
	uint64_t stream_frames;	 /* whole frames handed to stream readers */
	uint64_t stream_skipped; /* frames slow readers jumped over */
	uint64_t stream_bytes;
	uint64_t latest_opens;	 /* latest.jpg opens (one frame each) */
	uint64_t interrupted;	 /* parked requests ended with EINTR */
	uint64_t eagain;	 /* O_NONBLOCK reads answered EAGAIN */
	uint32_t readers;	 /* open stream.mjpeg handles */
	uint32_t parked;	 /* requests parked right now */
	uint32_t latest_open;	 /* open latest.jpg handles */
};
void fs_get_stats(struct fs *fs, struct fs_stats *out);

/* ---- inside the module (the fs sources) ---------------------------------------- */

enum fs_ino {
	FS_INO_ROOT = FUSE_ROOT_ID,
	FS_INO_LIVE,
	FS_INO_INFO,
	FS_INO_LATEST,
	FS_INO_STREAM,
	FS_INO_DEVICE,
	FS_INO_STATUS,
	FS_INO_END,
};

/*
 * What one open of a regular file reads: a pinned frame (latest.jpg) or a
 * generated text (info files). Immutable, reference-counted; one snapshot may
 * be held by an open handle and by the advertisement table at once.
 */
struct fs_snap {
	atomic_uint refs;
	enum fs_ino ino;
	struct frame *frame; /* owned reference, or NULL */
	uint8_t *text;	     /* mem_alloc'd, or NULL */
	const uint8_t *data;
	size_t len;
	uint64_t wall_ns; /* st_mtime */
};

/* Per-open state of stream.mjpeg. All fields under fs->lock. */
struct fs_reader {
	struct frame *cur; /* one pinned frame at most */
	size_t off;	   /* bytes of cur already returned */
	uint64_t last_seq; /* seq of cur (0 before the first) */
	struct fuse_pollhandle *ph;
	struct fs_handle *h; /* the open handle owning this reader */
	struct fs_reader *next, *prev;
	uint64_t skipped;
};

/* An open handle (fi->fh). */
struct fs_handle {
	enum fs_ino ino;
	pid_t pid;		/* the opener (stat consistency) */
	struct fs_snap *snap;	/* regular files */
	bool flushed;		/* close(2) seen (FLUSH); RELEASE may lag */
	struct fs_reader *rd;	/* stream.mjpeg */
	struct fs_handle *next; /* list of open snapshot handles */
};

enum fs_park_kind { FS_PARK_READ, FS_PARK_OPEN };

/* A request waiting for a frame (list under fs->lock). */
struct fs_park {
	fuse_req_t req;
	enum fs_park_kind kind;
	struct fs_reader *rd;	/* FS_PARK_READ */
	size_t size;		/* FS_PARK_READ: bytes asked for */
	struct fuse_file_info fi; /* FS_PARK_OPEN: copy to reply with */
	pid_t pid;		/* FS_PARK_OPEN */
	uint64_t deadline_ns;	/* 0 = none; else fail with EIO then */
	struct fs_park *next;
};

/* Per-caller advertisement (research/fuse.md 2.2): the snapshot whose size
 * getattr reported to `pid`, which an open by pid soon after takes. */
#define FS_ADVERT_SLOTS 64
#define FS_ADVERT_TTL_NS (1000ull * 1000 * 1000)
struct fs_advert {
	pid_t pid;
	enum fs_ino ino;
	struct fs_snap *snap;
	uint64_t mono_ns;     /* made: a stat reuses it for FS_ADVERT_TTL_NS,
				 so a polling stat still sees new frames */
	uint64_t reported_ns; /* last told to the caller: an open takes it
				 within FS_ADVERT_TTL_NS of that */
};

/* Shutdown: how long the open files may keep us (shutdown.c, step 3). */
#define FS_DRAIN_IDLE_MS 700u /* after the last request on an open file */
#define FS_DRAIN_MAX_MS 5000u  /* in all */

struct fs {
	struct fs_config cfg;
	int listener_id;
	uint64_t start_mono_ns;
	uint64_t start_wall_ns;
	uint64_t disconnected_ns; /* CLOCK_MONOTONIC; 0 while connected */

	pthread_mutex_t lock;
	pthread_cond_t timer_cond; /* CLOCK_MONOTONIC */
	pthread_cond_t idle_cond;  /* busy dropped to 0 */
	unsigned busy;		   /* listener calls in progress */
	bool detached;		   /* listener calls must not reply any more */
	bool closing;
	bool timer_stop;
	struct fs_park *parked;
	uint32_t nparked;
	struct fs_reader readers; /* list head (sentinel) */
	struct fs_handle *snap_handles;
	struct fs_advert adverts[FS_ADVERT_SLOTS];
	struct fs_stats stats;
	enum frame_store_state last_state;

	struct fuse_session *se;
	bool mounted;
	bool handlers_set;

	/* Shutdown (shutdown.c). */
	char *mountpoint;	    /* mem_strdup'd */
	unsigned mount_id;	    /* ours in the mount table; 0 unknown */
	sem_t stop_sem;		    /* posted by the signal handler, fs_run */
	atomic_uint stop_signals;   /* termination signals received */
	_Atomic uint64_t last_activity_ns; /* last request on an open file */
	struct sigaction old_sa[4]; /* SIGTERM, SIGINT, SIGHUP, SIGPIPE */
	/* Under lock: */
	pthread_cond_t drain_cond;  /* a handle went, or the loop ended */
	pthread_t loop_thread;
	bool loop_ended;
	bool flush_off;		    /* FLUSH answered ENOSYS: no more come */
	pid_t self_pid;		    /* the FLUSH switch's helper: its opens
				       pass while stopping (0: none) */
};


/* tree.c: the fixed tree. */
struct fs_node {
	enum fs_ino ino;
	enum fs_ino parent;
	const char *name;
	unsigned mode; /* S_IFDIR | 0555 or S_IFREG | 0444 */
	double attr_timeout;
};
const struct fs_node *fs_node_get(fuse_ino_t ino);
const struct fs_node *fs_node_find(fuse_ino_t parent, const char *name);
/* Fills lookup, getattr and readdir into ops. */
void fs_tree_ops(struct fuse_lowlevel_ops *ops);
/* readonly.c: fills every tree- or attribute-changing operation with one
 * that refuses (EACCES, EPERM for setattr) instead of the kernel's ENOSYS. */
void fs_readonly_ops(struct fuse_lowlevel_ops *ops);

/* snap.c: snapshots and the advertisement table. Callers hold fs->lock
 * for the _locked functions. */
struct fs_snap *fs_snap_new_frame(struct frame *f); /* takes the ref */
struct fs_snap *fs_snap_new_text(enum fs_ino ino, uint8_t *text, size_t len);
struct fs_snap *fs_snap_get(struct fs_snap *s);
/* Drops a reference; frees on the last. NULL-safe, any thread, any lock. */
void fs_snap_put(struct fs_snap *s);
/* Newest content of ino for a stat or open by pid (advertised snapshot,
 * open handle's snapshot, or a fresh one). NULL: no frame yet (latest) or
 * NOMEM. `for_open` consumes the advertisement. Takes fs->lock itself. */
struct fs_snap *fs_snap_for(struct fs *fs, enum fs_ino ino, pid_t pid,
			    bool for_open);
void fs_adverts_clear_locked(struct fs *fs);

/* info.c: the text of info/device and info/status (mem_alloc'd). */
int fs_info_device(struct fs *fs, uint8_t **out, size_t *len);
int fs_info_status(struct fs *fs, uint8_t **out, size_t *len);

/* latest.c / stream.c / info.c handlers. */
/* True for an open that asks to write or truncate (refused: EACCES). */
bool fs_open_wants_write(const struct fuse_file_info *fi);
void fs_latest_open(struct fs *fs, fuse_req_t req, struct fuse_file_info *fi);
void fs_snap_open(struct fs *fs, fuse_req_t req, enum fs_ino ino,
		  struct fuse_file_info *fi);
void fs_snap_read(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		  size_t size, off_t off);
void fs_snap_release(struct fs *fs, struct fs_handle *h);
/* Replies to an open with a snapshot handle (drops it if the open was
 * interrupted meanwhile). */
void fs_snap_reply_open(struct fs *fs, fuse_req_t req,
			struct fuse_file_info *fi, struct fs_snap *s, pid_t pid);
void fs_stream_open(struct fs *fs, fuse_req_t req, struct fuse_file_info *fi);
void fs_stream_read(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    size_t size, struct fuse_file_info *fi);
void fs_stream_poll(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    struct fuse_pollhandle *ph);
void fs_stream_release(struct fs *fs, struct fs_handle *h);

/* stream.c: takes the next chunk for rd (at most size bytes, never past
 * its frame's end), jumping to the newest frame at a frame boundary.
 * Returns a frame reference with *off and *len set, or NULL when there is
 * nothing newer. Caller holds fs->lock. */
struct frame *fs_reader_take_locked(struct fs *fs, struct fs_reader *rd,
				    size_t size, size_t *off, size_t *len);

/* True when a read on rd would return data at once. fs->lock held. */
bool fs_reader_ready_locked(struct fs *fs, struct fs_reader *rd);

/* park.c */
/* Parks req (or answers it at once when interrupted meanwhile). Called
 * without fs->lock. `p` is mem_alloc'd by the caller and owned from here. */
void fs_park(struct fs *fs, struct fs_park *p);
/* The frame-store listener: answers what can be answered. */
void fs_park_handle_store(void *arg);
/* Fails every parked request (fs_shutdown). */
void fs_park_release_all(struct fs *fs);
/* Waits for a running listener call to end; later calls do nothing (the
 * session is about to be destroyed). */
void fs_park_detach(struct fs *fs);
int fs_timer_start(struct fs *fs, pthread_t *tid);
void fs_timer_stop(struct fs *fs, pthread_t tid);
/* Creates a thread with the termination signals blocked. */
int fs_thread_create(pthread_t *tid, void *(*fn)(void *), void *arg);

/* shutdown.c */
/* Installs (removes) our handlers for the termination signals; one fs per
 * process. Returns ALPHAFS_ERR_IO when sigaction fails. */
int fs_signals_install(struct fs *fs);
void fs_signals_remove(struct fs *fs);
/* Records the id of our mount at fs->mountpoint (after mounting). */
void fs_mount_remember(struct fs *fs);
/* True unless the mount on top at our path is known not to be ours. */
bool fs_mount_is_top(struct fs *fs);
/* fuse_session_unmount, by path only if the mount there is ours. */
void fs_session_unmount(struct fs *fs);
/* Starts the stop thread (from the loop thread, before the loop) and
 * stops it (after the loop; it may be in the middle of a stop). */
int fs_stopper_start(struct fs *fs, pthread_t *tid);
void fs_stopper_join(struct fs *fs, pthread_t tid);
/* A request on an open file arrived (the drain waits while they come). */
void fs_note_activity(struct fs *fs);
/* True when an open must be refused because we are stopping. */
bool fs_open_refused(struct fs *fs, fuse_req_t req);

#endif
