/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs: the FUSE front of alphafs (libfuse 3.14 low-level API).
 *
 *   /live/latest.jpg     the newest whole frame, pinned per open
 *   /live/stream.mjpeg   endless concatenated JPEGs, non-seekable
 *   /live/frames/        the last N frames, NNNNNNNNNN.jpg + .json each
 *   /info/device         camera identity, snapshotted at open
 *   /info/status         connection state and counters, snapshotted at open
 *   /control/NAME        one camera setting per file (the program lists
 *                        them): read its value, write a new one; the
 *                        write is answered when the camera reports it
 *   /control/NAME.choices   the values the camera allows
 *   /events              one line per camera event from the open on, like
 *                        tail -f; a reader that falls behind a bounded
 *                        backlog is told how many lines it missed
 *
 * This header is the module's public part (mount.alphafs, tests, bench);
 * fs_internal.h is what the fs sources share with each other.
 *
 * The filesystem knows the frame store and, through struct fs_config, two
 * callbacks that hand it the camera's part of info/device and info/status
 * as text; nothing about cameras, USB or PTP. No
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
 *   2. waits for the open files to be closed (a file still open keeps
 *      us until it has had no request for FS_DRAIN_IDLE_MS; at most
 *      FS_DRAIN_MAX_MS in all);
 *   3. detaches the mount from its path (lazily; only if the mount on top
 *      there is ours), so the kernel ends the connection once nothing
 *      uses it and the loop returns by itself;
 *   4. or, if a file stays open, ends the loop (fuse_session_exit, then a
 *      signal to the loop thread);
 * then fs_unmount closes the session's device (fuse_session_unmount, kept
 * from unmounting by path a mount that is not ours). fusermount3 -u from
 * outside ends the connection, and the loop, as in step 3.
 */
#ifndef ALPHAFS_FS_H
#define ALPHAFS_FS_H

#define FUSE_USE_VERSION 314

#include <fuse_lowlevel.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame/frame.h"
#include "util/util.h"

/*
 * One control/ file, described by the program (fs/control.c serves it).
 * The callbacks get the program's arg (fs_config.control_arg) and the
 * entry; they run on FUSE worker threads, with no fs lock held, and must
 * not wait on the camera. Error results are ALPHAFS_ERR_* codes; the
 * caller sees alphafs_err_errno of them.
 */
struct fs;
struct fs_pending;
struct fs_control {
	const char *name; /* "iso"; the companion is "iso.choices" */
	unsigned mode;	  /* permission bits, e.g. 0644 or 0444 */
	uintptr_t key;	  /* the program's own (a property code) */
	/* Whether the file is there now (the camera has the setting); NULL:
	 * always. */
	bool (*present)(void *arg, const struct fs_control *c);
	/* Appends the value text (one line) to out. */
	int (*read)(void *arg, const struct fs_control *c, struct buf *out);
	/* Appends NAME.choices' text; NULL: no companion file. */
	int (*read_choices)(void *arg, const struct fs_control *c,
			    struct buf *out);
	/*
	 * A write(2) of text (not kept after the call). < 0: refused now,
	 * nothing more happens. 0: accepted; fs_control_done(p, result) must
	 * then be called exactly once, from any thread, and write(2) returns
	 * when it is (or with EINTR / ECANCELED when the writer got a signal
	 * or the filesystem stops first). NULL: every write is refused with
	 * EROFS.
	 */
	int (*write)(void *arg, const struct fs_control *c, const char *text,
		     size_t len, struct fs_pending *p);
};

/* Answers the write behind p (0: the whole write succeeded; else the
 * ALPHAFS_ERR_* code) and frees p. Any thread; p is gone afterwards. The
 * filesystem must still exist: the program stops whatever holds pending
 * writes (the camera) before fs_destroy. */
void fs_control_done(struct fs_pending *p, int result);
/* True once the writer behind p stopped waiting (a signal, the end of
 * the mount): the work may stop early. Any thread. */
bool fs_control_cancelled(struct fs_pending *p);

/* Posts one line (without newline; cut at FS_EVENT_LINE_MAX - 1 bytes) to
 * every reader of /events, and wakes those waiting. Any thread (the
 * camera's owner, normally); never waits on a reader. */
#define FS_EVENT_LINE_MAX 256
void fs_events_post(struct fs *fs, const char *line, size_t len);

/*
 * Where info/device and info/status get the camera's side: text that the
 * callbacks append to out (a capped buffer; camera_info_format and
 * camera_status_format write it). Both are optional. device_text returns
 * < 0, having appended nothing, while there is no camera information (the
 * file then says so); without status_text, info/status counts the frames
 * the store saw. Neither may wait on the camera (the camera's snapshots
 * qualify): they are called from FUSE worker threads with no fs lock held.
 */
struct fs_config {
	struct frame_store *store; /* not owned; must outlive the fs */
	int (*device_text)(void *arg, struct buf *out);
	void (*status_text)(void *arg, struct buf *out);
	void *info_arg;
	/* While the store is DISCONNECTED: parked stream reads wait this long
	 * for the camera to come back, then fail with EIO. 0 = fail at once. */
	unsigned reconnect_timeout_s;
	/* Serve the last frame from latest.jpg while disconnected instead of
	 * failing open with ENODEV. */
	bool stale_frames;
	/* Text shown as the source in info/status ("emulate", "usb:001,004"). */
	const char *source;
	/* Optional: told true when the first reader comes (a stream.mjpeg
	 * open, a latest.jpg open or one waiting for a frame, a file of
	 * another module that holds a reader: fs_reader_hold) and false when
	 * the last one goes, so the camera may rest while nobody reads
	 * (camera_set_readers). Called in that order, with the fs's lock
	 * held: it must not block or call into the fs. While the store is
	 * FRAME_STORE_IDLE (or after it, until the next frame) latest.jpg and
	 * stream.mjpeg wait for a frame newer than the ones it holds: a
	 * latest.jpg open at most FS_WAKE_WAIT_S, then ETIMEDOUT. */
	void (*readers)(void *arg, bool present);
	void *readers_arg;
	/* live/frames/ lists the last frames_keep frames (1..FS_FRAMES_MAX)
	 * and finds by name those of the frames_keep before them; 0: no
	 * live/frames/ directory. */
	unsigned frames_keep;
	/* Optional: the focus-frame block of a frame (struct frame's focus)
	 * decoded as one JSON value appended to out, returning 0; < 0 with
	 * nothing appended when its layout is unknown (the .json then shows
	 * only its hex). Pure (sony_focus_json); any FUSE worker thread. */
	int (*focus_json)(const uint8_t *block, size_t len, struct buf *out);
	/* The control/ files (not copied: must outlive the fs); at most
	 * FS_CONTROLS_MAX. */
	const struct fs_control *controls;
	size_t ncontrols;
	void *control_arg;
	/* captures/ keeps at most captures_max stills (1..FS_CAPTURES_MAX;
	 * a new one drops the oldest); 0: no captures/ directory. Their
	 * bytes are spooled to a private directory made under captures_dir
	 * (mkdtemp, 0700, removed by fs_destroy), or kept in memory when
	 * captures_dir is NULL. */
	unsigned captures_max;
	uint64_t captures_max_bytes; /* 0: no byte bound */
	const char *captures_dir;
};
/* The default of mount.alphafs -o frames, and the most it takes. */
#define FS_FRAMES_DEFAULT 8
#define FS_FRAMES_MAX 256
#define FS_CONTROLS_MAX 64
/* The default of mount.alphafs -o captures_max, and the most it takes. */
#define FS_CAPTURES_DEFAULT 100
#define FS_CAPTURES_MAX 10000
#define FS_CAPTURE_NAME_MAX 64

/* What fs_captures_add did. */
struct fs_capture_added {
	char name[FS_CAPTURE_NAME_MAX];	   /* as listed (a repeat takes "-2") */
	/* the oldest, dropped to make room (names, space-separated; cut when
	 * long), or "" */
	char dropped[256];
	unsigned ndropped;
	char why[256];			   /* when it failed: one line */
};
/*
 * Places a still in captures/ as name (a plain file name, "DSC01234.JPG";
 * a name already listed takes "-2", "-3"... before its extension), with
 * mtime_ns as its mtime (CLOCK_REALTIME ns). Takes data (mem_alloc'd; freed
 * here in every case). The still is listed only once its bytes are all
 * in place. The oldest are dropped while captures_max are listed or the
 * new one would pass captures_max_bytes (out->dropped). Returns 0; UNSUPPORTED without captures/; INVALID for a
 * bad name or no bytes; IO when the spool file could not be written (the
 * spool's file system full: out->why); NOMEM. Any thread (the camera's
 * owner); never waits on a reader.
 */
int fs_captures_add(struct fs *fs, const char *name, uint64_t mtime_ns,
		    uint8_t *data, size_t len, struct fs_capture_added *out);

struct fs_captures_stats {
	unsigned listed;
	uint64_t bytes;	  /* of the listed stills */
	uint64_t added, removed, dropped; /* removed: by rm; dropped: the
					     oldest, for captures_max */
	char spool[4096]; /* the spool directory, or "memory" */
};
/* Any thread. All zero without captures/. */
void fs_captures_stats(struct fs *fs, struct fs_captures_stats *s);

/* How long a latest.jpg open waits for a fresh frame after a rest. */
#define FS_WAKE_WAIT_S 10

struct fs;

/*
 * Creates the filesystem state and registers a listener on cfg->store
 * (two with live/frames/). Starts no thread and touches no FUSE session
 * yet. Returns NULL on NOMEM, or for frames_keep above FS_FRAMES_MAX.
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
	uint64_t frames_opens;	 /* opens of live/frames/ files */
	uint32_t frames_open;	 /* open live/frames/ handles (.jpg and .json):
				    readers, like latest_open */
	uint64_t events_posted;	 /* lines posted to /events */
	uint64_t events_dropped; /* lines slow readers missed */
	uint32_t events_readers; /* open /events handles */
	uint32_t writes_waiting; /* control writes not answered yet */
	uint64_t captures_opens; /* opens of captures/ files */
	uint32_t captures_open;	 /* open captures/ handles */
};
void fs_get_stats(struct fs *fs, struct fs_stats *out);

#endif
