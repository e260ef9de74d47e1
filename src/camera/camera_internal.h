/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * camera internals shared by camera.c (lifecycle, snapshots, queue),
 * connect.c (transport, session, handshake, recovery) and loop.c (the
 * owner thread). Not for other modules.
 *
 * Threads and locks:
 *   - The owner thread alone touches `t`, `s`, `session_ready`, `ext`,
 *     `serial`, `transactions_base` and the loop state; camera_start does
 *     too, but before the thread exists, and camera_stop after it has been
 *     joined.
 *   - `lock` guards `info`, `status`, the request queue, `accepting` and
 *     `stop` (also read atomically without it). It is held only to copy
 *     small structs: never during a transaction, a wait on the camera, a
 *     request callback, or a frame store call.
 *   - Lock order: cam->lock is never held while calling into the frame
 *     store, because store listeners may call camera_get_status (which
 *     takes cam->lock). The store's own lock is a leaf.
 */
#ifndef ALPHAFS_CAMERA_INTERNAL_H
#define ALPHAFS_CAMERA_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "camera/camera.h"
#include "camera/schedule.h"
#include "sony/propfmt.h"
#include "sony/sony.h"

#define CAMERA_SESSION_ID 1
/* The owner thread's name in top -H, ps -L and a debugger. */
#define CAMERA_THREAD_NAME "alphafs-camera"
/* Per-transfer timeout on the owner thread: libgphoto2's live-view value
 * (dossier §4.2), and what bounds camera_stop while a transfer runs. */
#define CAMERA_TIMEOUT_DEFAULT_MS 1000
/* Requests waiting for the owner thread; submit answers BUSY beyond. */
#define CAMERA_QUEUE_MAX 32

/* When to poll live view (AccessDenied, DeviceBusy and the frame clock)
 * is schedule.c's business. */
/* Live view refused (no frame) this long despite a handshake: one full
 * session reset, for a stale remote owner (competitors.md §9.4, §10). */
#define CAMERA_STALL_RESET_MS 3000
/* Session recoveries in a row without a frame before the camera is
 * treated as gone and reopened from scratch. */
#define CAMERA_RECOVER_TRIES 3
/* Pause between recovery attempts, and between reopen attempts while the
 * camera is unplugged. */
#define CAMERA_RECOVER_WAIT_MS 200
#define CAMERA_REOPEN_WAIT_MS 500
/* Session setup answered non-OK (busy while settling): tries, pause. */
#define CAMERA_SETUP_TRIES 50
#define CAMERA_SETUP_RETRY_MS 20
/* Live view after a handshake (warmup.c): 0xD221 LiveViewStatus is read
 * this often while it is 0; the wait is given up after
 * CAMERA_LV_START_DEFAULT_MS (real bodies take up to ~3 s, A7R IV), and
 * once given up, checked again every CAMERA_LV_RECHECK_MS. */
#define CAMERA_LV_STATUS_POLL_MS 100
#define CAMERA_LV_START_DEFAULT_MS 8000
#define CAMERA_LV_RECHECK_MS 2000
/* Events taken off the interrupt pipe between two polls. */
#define CAMERA_EVENTS_PER_ROUND 8
/* A failed allocation in the loop: wait this long and go on. */
#define CAMERA_NOMEM_WAIT_MS 50
/* While resting, the interrupt pipe is read this often. */
#define CAMERA_REST_EVENTS_MS 100
/* Properties (props.c): re-read 0x9209 (without parameters, dossier §7)
 * at least this often when the body sends no C203, and this often while a
 * write waits for the camera (libgphoto2 re-reads every 200 ms). */
#define CAMERA_PROPS_REFRESH_MS 1000
#define CAMERA_WALK_READ_MS 200
/* Frames count as flowing (property work then runs right after one, in
 * the gap before the next) while the newest is younger than this. */
#define CAMERA_PROPS_FLOW_MS 250
/* A write-walk: one step (or the 0x9205 value) must show within this
 * long (libgphoto2: 3 s), and a walk takes at most this many steps
 * (libgphoto2: 100). */
#define CAMERA_WALK_STEP_MS 3000
#define CAMERA_WALK_STEPS_MAX 100
/* Control writes accepted by the owner and waiting for their walk. */
#define CAMERA_JOBS_MAX 16
/* One event line (timestamp, kind, details), newline not included. */
#define CAMERA_EVENT_LINE_MAX 256

struct camera_queue {
	struct camera_request v[CAMERA_QUEUE_MAX];
	size_t head, n;
};

/* The live-view warm-up (warmup.c), owner thread only. */
struct camera_warmup {
	bool active;	    /* since the handshake, until the first frame */
	bool gave_up;	    /* reported; checked every CAMERA_LV_RECHECK_MS */
	bool has_status;    /* the body lists 0xD221 LiveViewStatus */
	bool status_on;	    /* 0xD221 said 1: poll frames */
	int status;	    /* last 0xD221 value, -1 none */
	bool props_logged;  /* one log line per session for a bad 0x9209 */
	uint64_t since_ns;  /* handshake */
	uint64_t next_ns;   /* next 0xD221 read or recheck */
};

/* The still job (capture.c), owner thread only. */
enum camera_still_step {
	STILL_IDLE,
	STILL_START,	/* read 0x9209 */
	STILL_SETTLE,	/* 0xD215 = 1 before the shot: wait */
	STILL_DRAIN,	/* a stale image to take and drop */
	STILL_PRESS,	/* S1 (unless held), S2 */
	STILL_FOCUS,	/* wait for 0xD213 */
	STILL_RELEASE,	/* S2 up, S1 up */
	STILL_ANNOUNCE, /* wait for 0xD215 >= 0x8000 */
	STILL_DOWNLOAD, /* GetObjectInfo + GetObject */
	STILL_MORE,	/* RAW+JPEG: wait for the second object */
};

struct camera_still_job {
	enum camera_still_step step;
	struct camera_still_request req;
	struct camera_still_result res;
	uint64_t next_ns;     /* no step before */
	uint64_t deadline_ns; /* of the current wait */
	bool pressed_s1, pressed_s2; /* to release */
	bool event_object;    /* C201 seen (bodies without 0xD215) */
	bool waited_more;
	unsigned expected;    /* objects 0x5004 promises */
	unsigned downloaded;  /* objects taken, dropped ones included */
	uint64_t exposure_ms; /* from 0xD20D */
	unsigned announce_ms;
	int abort_rc;	      /* ops.object refused: drop the rest */
	int failed_rc;	      /* S2 refused: release, then report */
	char failed_why[ERR_DETAIL_MAX];
};

/* ---- walk.c: the write-walk state machine (pure) ---------------------- */
enum camera_walk_action {
	CAMERA_WALK_WAIT,	/* nothing to send now (read again later) */
	CAMERA_WALK_SEND_VALUE, /* send the target with 0x9205 */
	CAMERA_WALK_STEP_UP,	/* send a +1 step with 0x9207 */
	CAMERA_WALK_STEP_DOWN,	/* send a -1 step */
	CAMERA_WALK_DONE,	/* the camera reports the target */
	CAMERA_WALK_FAIL,	/* gave up: fail_code, why */
};

struct camera_walk {
	const struct sony_control *c;
	bool by_steps;
	struct ptp_value wanted; /* what was written */
	struct ptp_value target; /* where we go (the start when restoring) */
	struct ptp_value start;	 /* the value before the first step */
	struct ptp_value last;	 /* the value when the last step was sent */
	bool started, sent, moved_since_step, restoring, finished;
	int dir;		 /* +1 / -1 */
	unsigned steps;
	uint64_t began_ns, deadline_ns;
	int fail_code;
	char why[ERR_DETAIL_MAX];
};
/* A walk of c to target, set by steps (2.00 SONY_SET_STEP) or directly. */
void camera_walk_begin(struct camera_walk *w, const struct sony_control *c,
		       bool by_steps, const struct ptp_value *target,
		       uint64_t now);
/* What to do now that the camera reports d (its descriptor, with the
 * current value): see enum camera_walk_action. */
enum camera_walk_action camera_walk_next(struct camera_walk *w,
					 const struct ptp_prop_desc *d,
					 uint64_t now);
/* The action asked for was sent (the camera answered OK) at now. */
void camera_walk_sent(struct camera_walk *w, uint64_t now);
/* Ends the walk with code (a transaction failed) and why; returns code. */
int camera_walk_fail(struct camera_walk *w, int code, const char *why);

/* ---- props.c: the property cache and the control writes --------------- */
/* What the camera last reported (0x9209), immutable once published;
 * reference-counted so readers on other threads never wait on the owner. */
struct camera_props_snap {
	atomic_uint refs;
	struct sony_prop_table t;
	uint64_t read_ns;
};

/* One control write: made by camera_control_write, run by the owner. */
struct camera_job {
	struct camera *cam;
	const struct sony_control *c;
	struct ptp_value value; /* parsed and allowed; the enum member */
	void (*done)(int result, void *arg);
	bool (*cancelled)(void *arg);
	void *arg;
	struct camera_walk walk;
};

/* Owner-thread state of the property cache and the write queue. */
struct camera_props {
	struct camera_props_snap *cur; /* the newest read (also published) */
	bool dirty;		       /* a C203 came since the last read */
	uint64_t next_read_ns;
	struct camera_job *jobs[CAMERA_JOBS_MAX]; /* accepted, in order */
	size_t njobs;
	struct camera_job *active;
	bool active_needs_read; /* read before the first decision */
	bool act_next;		/* read done: the walk acts in the next gap */
};

struct camera {
	struct ptp_transport_opener open; /* its arg is not owned */
	struct camera_options opt;
	struct frame_store *store; /* not owned */

	/* Owner-thread state (see the header comment). */
	struct ptp_transport *t; /* NULL while disconnected */
	struct ptp_session s;
	bool session_ready; /* open and handshaken */
	struct sony_ext_info ext;
	char serial[64];	  /* the body to reconnect to (same serial) */
	uint64_t transactions_base; /* counts of sessions before this one */
	struct camera_still_job still; /* capture.c */
	bool s1_held;		       /* a FOCUS_LOCK holds the half press */
	unsigned still_seq;	       /* for names the camera did not give */

	pthread_t thread;
	bool thread_started;
	bool started; /* camera_start succeeded and stop has not run */

	/* Shared state, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake; /* stop, a new request */
	atomic_bool stop;
	bool accepting; /* camera_submit queues requests */
	bool readers;	     /* camera_set_readers */
	bool readers_changed; /* ... since the owner last looked */
	uint64_t readers_gone_ns; /* when the last reader went */
	struct camera_queue queue;
	bool still_busy;    /* a still job is accepted and not done */
	bool still_pending; /* ... and waits for the owner to take it */
	struct camera_still_request still_req;
	struct camera_info info;
	bool info_valid;
	struct camera_status status;
	struct camera_props_snap *snap; /* newest property read, or NULL */
	char control_why[ERR_DETAIL_MAX]; /* last control refusal/failure */

	/* Owner-thread state of props.c. */
	struct camera_props props;
	/* Where event lines go; set before camera_start. */
	struct camera_event_sink sink;
};

/* ---- info.c ----------------------------------------------------------- */
/* Deep copy (lists duplicated); NOMEM leaves dst finished. */
int camera_info_copy(struct camera_info *dst, const struct camera_info *src);
/* Appends to l the codes of add it does not hold yet. */
int camera_list_merge(struct ptp_u16_list *l, const struct ptp_u16_list *add);

/* ---- connect.c -------------------------------------------------------- */
/* Opens the transport through cam->open (the camera it designates).
 * NOT_FOUND / WRONG_MODE / BUSY / ACCESS / UNSUPPORTED... with err set. */
int camera_transport_open(struct camera *cam, struct err_detail *err);
/* For a reconnect: opens the same body (same serial) if it is back. */
int camera_transport_reopen(struct camera *cam, struct err_detail *err);
/* Drops the session and the transport. */
void camera_transport_close(struct camera *cam);
/*
 * Session setup on an open transport: optional device status / reset,
 * OpenSession(1), GetDeviceInfo, the remote-capable check (WRONG_MODE),
 * the Sony handshake; publishes the identity into cam->info.
 */
int camera_session_setup(struct camera *cam, struct err_detail *err);
/* Device Reset + clear halts, then camera_session_setup. */
int camera_session_recover(struct camera *cam, struct err_detail *err);

/* ---- camera.c (called by the owner thread) --------------------------- */
/* Live-view counts the loop gathers between two status updates. */
struct camera_lv_counts {
	uint64_t frames;	/* published */
	uint64_t denied;	/* AccessDenied: no new frame yet */
	uint64_t busy;		/* DeviceBusy */
	uint64_t padded;	/* frames with bytes after the EOI */
	uint64_t padding_bytes;
	uint64_t transfer_ns;	/* frames' GetObject times, summed */
};
/* Status updates under cam->lock. */
void camera_note_connected(struct camera *cam, bool connected, const char *why);
/* Adds d to the status counters (and the transaction count). */
void camera_note_counters(struct camera *cam, const struct camera_lv_counts *d);
void camera_note_reset(struct camera *cam, bool reconnect);
void camera_note_why(struct camera *cam, const char *why);
/* Takes the next queued request; false when none. */
bool camera_queue_pop(struct camera *cam, struct camera_request *out);
/* Fails every queued request with code (NO_DEVICE, CLOSED). */
void camera_queue_fail_all(struct camera *cam, int code);
/* Waits until deadline_ns (CLOCK_MONOTONIC), a request, a change of
 * readers, a still job or stop. */
void camera_wait_until(struct camera *cam, uint64_t deadline_ns);
static inline bool camera_stopping(struct camera *cam)
{
	return atomic_load(&cam->stop);
}

void camera_note_live_view(struct camera *cam, enum camera_live_view lv,
			   int status);
/* The schedule's state, for info/status. */
void camera_note_schedule(struct camera *cam, const struct camera_sched *s);
/* Readers now: whether any are there and since when none are; clears
 * readers_changed. */
bool camera_readers_get(struct camera *cam, uint64_t *gone_ns);
/* A rest began (true) or ended. */
void camera_note_rest(struct camera *cam, bool resting);
/* A still job ended with rc, objects delivered and stale ones dropped;
 * why: the reason of a failure, kept for info/status. */
void camera_note_still(struct camera *cam, int rc, unsigned objects,
		       unsigned drained, const char *why);
void camera_note_props(struct camera *cam, bool mismatch, bool cut_short);

/* ---- warmup.c ---------------------------------------------------------- */
enum camera_warmup_step {
	CAMERA_WARMUP_POLL, /* poll a frame now */
	CAMERA_WARMUP_WAIT, /* nothing to do before *next_ns */
	CAMERA_WARMUP_GONE, /* the camera went away (NO_DEVICE) */
};
/* A new session is handshaken: live view is starting. */
void camera_warmup_begin(struct camera *cam, struct camera_warmup *w,
			 uint64_t now);
/* What the loop does next while warming up (reads 0xD221 when due). */
enum camera_warmup_step camera_warmup_step(struct camera *cam,
					   struct camera_warmup *w,
					   uint64_t now, uint64_t *next_ns);
/* The first frame came: live view is on. */
void camera_warmup_done(struct camera *cam, struct camera_warmup *w);

/* ---- capture.c (owner thread) -------------------------------------------- */
/* Takes a submitted job when idle and runs its next step if due. Returns
 * 0, or the transport error a step hit (the job is finished; the loop
 * then recovers the session, or goes disconnected on NO_DEVICE). */
int camera_still_step(struct camera *cam, uint64_t now);
/* When the next step is due: UINT64_MAX with no job, 0 when one was just
 * submitted. */
uint64_t camera_still_next_ns(struct camera *cam);
/* A job is running (a long exposure withholds live view: no stall). */
bool camera_still_active(struct camera *cam);
/* An event from the interrupt pipe: a hint to read 0x9209 now. */
void camera_still_event(struct camera *cam, const struct ptp_event *ev);
/* Fails the running and the submitted job with code (NO_DEVICE, CLOSED),
 * and forgets a held half press (the session is gone). */
void camera_still_fail(struct camera *cam, int code, const char *why);
/* ---- props.c (owner thread unless said) ---------------------------------- */
/* One round of property work between two frames: a read when due (C203,
 * the slow refresh, a write waiting), then the next action of the active
 * write. At most a few transactions. Returns 0 or the transport error of
 * a transaction (NO_DEVICE, or one that left the session desynced). */
int camera_props_tick(struct camera *cam, uint64_t now);
/* When props.c next has something to do (CLOCK_MONOTONIC ns). */
uint64_t camera_props_next_ns(struct camera *cam);
/* True when property work cannot wait for the periodic read: a C203 came,
 * or a control write is queued or walking. */
bool camera_props_pending(struct camera *cam);
/* A C203 arrived: read 0x9209 at the next tick. */
void camera_props_changed(struct camera *cam);
/* Takes t (a fresh 0x9209 read by someone else, e.g. the warm-up) as
 * the newest snapshot; t is emptied. */
void camera_props_absorb(struct camera *cam, struct sony_prop_table *t);
/* The session is gone (code NO_DEVICE, CLOSED) or was reset (IO): every
 * write fails with code (the active one only, for IO), the snapshot is
 * dropped. Any thread once the owner has stopped. */
void camera_props_drop(struct camera *cam, int code, bool all);
/* Frees the snapshot (camera_destroy). */
void camera_props_finish(struct camera *cam);
/* A control refusal or failure, for info/status (any thread). */
void camera_note_control(struct camera *cam, bool failed, const char *fmt,
			 ...) PRINTF_LIKE(3, 4);

/* ---- events.c ----------------------------------------------------------- */
/* Takes what the interrupt pipe holds (at most CAMERA_EVENTS_PER_ROUND),
 * without waiting, and acts on it: C203 -> a property read, C201/C202 ->
 * an event line. Returns the last read's result (ALPHAFS_ERR_NO_DEVICE:
 * the camera went). Owner thread. */
int camera_events_drain(struct camera *cam);
/* Acts on one decoded event (what camera_events_drain does with each);
 * separate so the fuzz target drives the same path. Owner thread. */
void camera_event_handle(struct camera *cam, const struct ptp_event *ev);

/* ---- loop.c ------------------------------------------------------------ */
void *camera_owner_main(void *arg);

#endif
