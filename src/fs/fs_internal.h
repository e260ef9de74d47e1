/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs internals shared by the fs sources: the inode numbers, snapshots,
 * open handles, parked requests, struct fs, and what each file offers the
 * others (fs.c the session, tree.c, readonly.c, snap.c, info.c, latest.c,
 * stream.c, park.c). Not for other modules: they have fs.h.
 *
 * Lock order: fs->lock, then the frame store's (leaf) lock. Neither is held
 * while replying to the kernel or calling fuse_req_interrupt_func. Store
 * listeners run without the store's lock, so the listener may take
 * fs->lock. An open handle (fi->fh) is filled before its open takes and
 * releases fs->lock, and read/poll/release touch it only after taking
 * fs->lock (they dispatch on the inode): the kernel orders open before
 * read, but only the lock makes that order visible to thread checkers.
 */
#ifndef ALPHAFS_FS_INTERNAL_H
#define ALPHAFS_FS_INTERNAL_H

#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>

#include "fs/drain.h"
#include "fs/fs.h"

enum fs_ino {
	FS_INO_ROOT = FUSE_ROOT_ID,
	FS_INO_LIVE,
	FS_INO_INFO,
	FS_INO_LATEST,
	FS_INO_STREAM,
	FS_INO_DEVICE,
	FS_INO_STATUS,
	FS_INO_FRAMES, /* live/frames/ (only with cfg.frames_keep > 0) */
	FS_INO_CONTROL, /* the control/ directory */
	FS_INO_EVENTS,
	FS_INO_CAPTURES, /* captures/ (only with cfg.captures_max > 0) */
	FS_INO_END,
	/* Not an inode: the kind of a live/frames/ file's snapshot and
	 * handle (their inodes are FS_FRAMES_INO_BASE and up, frames.c). */
	FS_INO_FRAME_FILE,
	/* Not an inode either: a captures/ file (captures.c). */
	FS_INO_CAPTURE_FILE,
};
/* control/ files (control.c): entry i of fs_config.controls is inode
 * FS_INO_CONTROL_FIRST + 2 i, its NAME.choices the one after. */
#define FS_INO_CONTROL_FIRST 0x1000u
#define FS_INO_CONTROL_LAST (FS_INO_CONTROL_FIRST + 2 * FS_CONTROLS_MAX - 1)

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
	fuse_ino_t node;  /* FS_INO_FRAME_FILE, _CAPTURE_FILE: its inode */
	/* Optional: called with owner when the last reference goes (bytes
	 * that data points to and someone else owns). */
	void (*release)(void *owner);
	void *owner;
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

/* Per-open state of /events (events.c). All fields under fs->lock. */
struct fs_ev_reader {
	uint64_t cursor; /* sequence number of the next line to take */
	char line[FS_EVENT_LINE_MAX + 64]; /* the line being handed out */
	size_t line_len, line_off;
	uint64_t dropped; /* lines this reader missed */
	struct fuse_pollhandle *ph;
	struct fs_handle *h;
	struct fs_ev_reader *next, *prev;
};

/* An open handle (fi->fh). */
struct fs_handle {
	enum fs_ino ino;	/* or a control/ inode (control.c) */
	pid_t pid;		/* the opener (stat consistency) */
	bool reader;		/* holds one reader (fs_reader_add_locked) */
	struct fs_snap *snap;	/* regular files */
	bool flushed;		/* close(2) seen (FLUSH); RELEASE may lag */
	struct fs_reader *rd;	/* stream.mjpeg */
	struct fs_ev_reader *ev; /* events */
	struct fs_handle *next; /* list of open snapshot handles */
	/* Shutdown's drain (shutdown.c), under fs->lock: the last request on
	 * this file, and the stop thread's watch over it. */
	uint64_t last_ns;
	struct drain_watch drain;
};

enum fs_park_kind { FS_PARK_READ, FS_PARK_OPEN, FS_PARK_EVENTS };

/* A request waiting for a frame (list under fs->lock). */
struct fs_park {
	fuse_req_t req;
	enum fs_park_kind kind;
	struct fs_reader *rd;	/* FS_PARK_READ */
	struct fs_ev_reader *ev; /* FS_PARK_EVENTS */
	size_t size;		/* FS_PARK_READ, _EVENTS: bytes asked for */
	struct fuse_file_info fi; /* FS_PARK_OPEN: copy to reply with */
	pid_t pid;		/* FS_PARK_OPEN */
	/* FS_PARK_OPEN after a rest: only a frame newer than this (0: any),
	 * and fail with ETIMEDOUT at deadline_ns (0: no deadline). */
	uint64_t after_seq;
	uint64_t deadline_ns;
	bool reader;		/* holds one reader until answered */
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


/* The /events backlog (events.c): the newest FS_EVENTS_BACKLOG lines. */
#define FS_EVENTS_BACKLOG 256
struct fs_event {
	uint16_t len; /* newline included */
	char text[FS_EVENT_LINE_MAX];
};
struct fs_events {
	struct fs_event ring[FS_EVENTS_BACKLOG];
	uint64_t next_seq; /* of the next line posted; lines count from 1 */
	uint64_t last_wall_ns;
	struct fs_ev_reader readers; /* list head (sentinel) */
};

/* A control write waiting for fs_control_done (control.c). Under
 * fs->lock: req (NULL once answered), next. */
struct fs_pending {
	struct fs *fs;
	fuse_req_t req;
	size_t size;
	atomic_bool cancelled;
	struct fs_pending *next;
};

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
	/* What the timer thread waits for: the deadline it sleeps until,
	 * 0 while it sleeps with none (or is not waiting). Only a deadline
	 * earlier than this wakes it (park.c). */
	uint64_t timer_due;
	struct fs_park *parked;
	uint32_t nparked;
	struct fs_reader readers; /* list head (sentinel) */
	struct fs_handle *snap_handles;
	struct fs_advert adverts[FS_ADVERT_SLOTS];
	struct fs_stats stats;
	enum frame_store_state last_state;
	unsigned readers_held;	/* stream, latest and others' readers */
	bool readers_told;	/* what cfg.readers was last told */
	struct fs_frames *frames; /* live/frames/, NULL when off */
	struct fs_captures *captures; /* captures/, NULL when off */
	struct fs_events events;
	struct fs_pending *pending; /* control writes waiting */

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
/* Appends one directory entry to a readdir reply buffer if it fits;
 * false when full. */
bool fs_dir_add(fuse_req_t req, char *buf, size_t cap, size_t *used,
		const char *name, fuse_ino_t ino, unsigned mode, off_t next);
/* "." and ".." of directory dir (a node of the fixed tree) at offsets 1
 * and 2, those after off; false when the buffer is full. */
bool fs_dir_add_dots(fuse_req_t req, char *buf, size_t cap, size_t *used,
		     off_t off, fuse_ino_t dir);
/* Seconds the kernel may cache a name (tree.c). */
#define FS_ENTRY_TIMEOUT 60.0

/* control.c: the control/ directory. */
/* True for a control/ file's inode; *idx its entry, *choices the
 * companion. */
bool fs_control_ino(fuse_ino_t ino, size_t *idx, bool *choices);
void fs_control_lookup(struct fs *fs, fuse_req_t req, const char *name);
void fs_control_getattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino);
void fs_control_setattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
			struct stat *attr, int to_set);
void fs_control_readdir(struct fs *fs, fuse_req_t req, size_t size,
			off_t off);
void fs_control_open(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi);
void fs_control_write(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		      const char *buf, size_t size);
/* Answers every waiting write with ECANCELED (fs_shutdown). */
void fs_control_release_all(struct fs *fs);

/* events.c: the /events file. */
void fs_events_init(struct fs *fs);
void fs_events_open(struct fs *fs, fuse_req_t req, struct fuse_file_info *fi);
void fs_events_read(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    size_t size, struct fuse_file_info *fi);
void fs_events_poll(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    struct fuse_pollhandle *ph);
void fs_events_release(struct fs *fs, struct fs_handle *h);
/* Takes up to cap bytes of whole or continued lines for ev into out;
 * the count. fs->lock held. */
size_t fs_events_take_locked(struct fs *fs, struct fs_ev_reader *ev,
			     char *out, size_t cap);
/* True when ev has something to read now. fs->lock held. */
bool fs_events_ready_locked(struct fs *fs, struct fs_ev_reader *ev);
/* When the newest line was posted (st_mtime of /events); fs->lock not
 * held. */
uint64_t fs_events_mtime(struct fs *fs);
/* readonly.c: fills every tree- or attribute-changing operation with one
 * that refuses (EACCES, EPERM for setattr) instead of the kernel's ENOSYS. */
void fs_readonly_ops(struct fuse_lowlevel_ops *ops);

/* snap.c: snapshots and the advertisement table. Callers hold fs->lock
 * for the _locked functions. */
struct fs_snap *fs_snap_new_frame(struct frame *f); /* takes the ref */
struct fs_snap *fs_snap_new_text(enum fs_ino ino, uint8_t *text, size_t len);
/* A snapshot of bytes owned elsewhere: release(owner) runs when the last
 * reference goes (also when this fails: NULL on NOMEM). */
struct fs_snap *fs_snap_new_owned(enum fs_ino ino, const uint8_t *data,
				  size_t len, void (*release)(void *owner),
				  void *owner);
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
 * interrupted meanwhile); the handle takes over one reader when `reader`
 * (released with it). */
void fs_snap_reply_open(struct fs *fs, fuse_req_t req,
			struct fuse_file_info *fi, struct fs_snap *s, pid_t pid,
			bool reader);
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

/* readers.c: who reads, for the camera's rest (fs_config.readers). A
 * reader is held while a stream.mjpeg or latest.jpg is open or a
 * latest.jpg open waits; other modules' files (live/frames/) hold one
 * with fs_reader_hold while open. */
/* delta +1 or -1; tells cfg.readers on 0 <-> 1. fs->lock held. */
void fs_reader_add_locked(struct fs *fs, int delta);
/* The same, taking fs->lock. */
void fs_reader_hold(struct fs *fs);
void fs_reader_release(struct fs *fs);

/* frames.c: live/frames/. Inodes of its files start here, far above the
 * fixed ones. */
#define FS_FRAMES_INO_BASE (UINT64_C(1) << 40)
struct fs_frames;
/* With cfg.frames_keep > 0: the ring and its store listener (fs->frames).
 * 0, INVALID above FS_FRAMES_MAX, NOMEM. */
int fs_frames_create(struct fs *fs);
void fs_frames_destroy(struct fs *fs);
/* True for the inode of a live/frames/ file. */
bool fs_frames_ino(fuse_ino_t ino);
void fs_frames_lookup(struct fs *fs, fuse_req_t req, const char *name);
void fs_frames_getattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino);
void fs_frames_readdir(struct fs *fs, fuse_req_t req, size_t size, off_t off);
void fs_frames_open(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi);

/* captures.c: captures/. Inodes of its files: FS_CAPTURES_INO_BASE + id,
 * below live/frames/'s. */
#define FS_CAPTURES_INO_BASE (UINT64_C(1) << 39)
struct fs_captures;
/* With cfg.captures_max > 0: the list, and the spool directory when
 * cfg.captures_dir is set (fs->captures). 0, INVALID above
 * FS_CAPTURES_MAX, IO (no spool directory), NOMEM. */
int fs_captures_create(struct fs *fs);
/* Frees every still and removes the spool directory. */
void fs_captures_destroy(struct fs *fs);
bool fs_captures_ino(fuse_ino_t ino);
/* The directory's mtime: when a still last came or went (no inotify on
 * FUSE: scripts poll it). fs->lock not held. */
uint64_t fs_captures_mtime(struct fs *fs);
void fs_captures_lookup(struct fs *fs, fuse_req_t req, const char *name);
void fs_captures_getattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino);
void fs_captures_readdir(struct fs *fs, fuse_req_t req, size_t size,
			 off_t off);
void fs_captures_open(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi);
/* rm captures/NAME: ENOENT, or the still leaves (its bytes with the last
 * open handle). */
void fs_captures_unlink(struct fs *fs, fuse_req_t req, const char *name);

/* park.c */
/* Parks a copy of *what (req, kind and that kind's fields filled by the
 * handler), or answers at once: when interrupted meanwhile, when a frame
 * came since the handler looked, or ENOMEM. Called without fs->lock. */
void fs_park(struct fs *fs, const struct fs_park *what);
/* The frame-store listener: answers what can be answered. */
void fs_park_handle_store(void *arg);
/* Answers every parked request that can be answered now (a new event
 * line, ...). Called without fs->lock. */
void fs_park_answer(struct fs *fs);
/* Fails every parked request (fs_shutdown). */
void fs_park_release_all(struct fs *fs);
/* Waits for a running listener call to end; later calls do nothing (the
 * session is about to be destroyed). */
void fs_park_detach(struct fs *fs);
/* The disconnect timer's thread (FS_TIMER_THREAD_NAME). */
int fs_timer_start(struct fs *fs, pthread_t *tid);
void fs_timer_stop(struct fs *fs, pthread_t tid);

/*
 * Thread names (top -H, ps -L, a debugger). libfuse starts its workers
 * itself and offers no hook: each worker names itself on its first
 * request (fs_worker_name, from every handler that takes the fs), and a
 * worker that libfuse starts from a named one inherits the name, so only
 * a worker that has not served a request yet shows the program's name.
 */
#define FS_WORKER_THREAD_NAME "alphafs-fuse"
#define FS_TIMER_THREAD_NAME "alphafs-timer"
#define FS_STOP_THREAD_NAME "alphafs-stop"
void fs_worker_name(void);

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
/* A request on an open file arrived (the drain waits while they come);
 * h is that file's handle, or NULL when it is going (RELEASE). */
void fs_note_activity(struct fs *fs, struct fs_handle *h);
/* True when an open must be refused because we are stopping. */
bool fs_open_refused(struct fs *fs, fuse_req_t req);

#endif
