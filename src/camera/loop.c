/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The owner thread: pulls live-view frames, publishes the whole ones, runs
 * queued requests between frames and recovers from faults.
 *
 * When to poll is the schedule's (schedule.h): locked to the camera's
 * frame clock, "no frame yet" (AccessDenied) retried on a short bounded
 * grid, DeviceBusy and other non-OK answers backed off within a fixed
 * budget. Nobody reading for opt.linger_ms: the loop rests (no live-view
 * polls; requests and events still handled) until a reader comes.
 *
 * Budgets (every one fixed; no branch raises them):
 *   - no frame for CAMERA_STALL_RESET_MS despite the handshake: one full
 *     session reset per stall (a stale remote owner), then the stall is
 *     reported in the store's state and polling goes on;
 *   - a transport failure (timeout, stall, desynced pipe): Device Reset +
 *     OpenSession + handshake, at most CAMERA_RECOVER_TRIES attempts
 *     CAMERA_RECOVER_WAIT_MS apart, and at most CAMERA_RECOVER_TRIES
 *     recoveries without a frame in between; beyond that the transport is
 *     dropped and reopened as after an unplug;
 *   - unplugged: the same body is looked for every CAMERA_REOPEN_WAIT_MS
 *     until it returns or the camera is stopped.
 * Every wait ends early on camera_stop or a new request, and each
 * transaction is bounded by the per-transfer timeout, so stop returns
 * within about one timeout.
 */
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull

struct loop {
	struct camera_sched sched; /* when to poll live view */
	uint64_t hold_ns;	   /* no poll before this (allocation failed) */
	uint64_t next_reopen_ns; /* while disconnected */
	uint64_t progress_ns;	 /* last frame, or last (re)handshake */
	bool stall_reset_done;	 /* one reset per stall */
	bool stall_reported;
	unsigned recoveries; /* recoveries since the last frame */
	struct camera_lv_counts n;     /* not yet added to the status */
	struct camera_warmup warm;     /* live view coming up */
	bool resting;		       /* nobody reads: no live-view polls */
	uint64_t next_events_ns;       /* while resting */
	uint64_t last_frame_ns;	       /* when the newest frame came */
	bool after_frame;	       /* a frame came, no property work yet */
};

/* Progress: a frame, or a new start of live view. */
static void loop_progress(struct loop *L, uint64_t now)
{
	L->progress_ns = now;
	L->stall_reset_done = false;
	L->stall_reported = false;
}

/* A new session, a recovery or a wake: the frame clock is learnt again. */
static void loop_restart(struct loop *L, uint64_t now)
{
	camera_sched_restart(&L->sched, now);
	L->hold_ns = 0;
	loop_progress(L, now);
}

static void flush_counters(struct camera *cam, struct loop *L)
{
	camera_note_counters(cam, &L->n);
	camera_note_schedule(cam, &L->sched);
	memset(&L->n, 0, sizeof(L->n));
}

static void go_disconnected(struct camera *cam, struct loop *L, const char *why)
{
	log_warn(SONY, "camera disconnected: %s", why);
	camera_transport_close(cam);
	camera_note_connected(cam, false, why);
	frame_store_set_state(cam->store, FRAME_STORE_DISCONNECTED, why);
	camera_queue_fail_all(cam, ALPHAFS_ERR_NO_DEVICE);
	camera_still_fail(cam, ALPHAFS_ERR_NO_DEVICE, why);
	camera_props_drop(cam, ALPHAFS_ERR_NO_DEVICE, true);
	camera_event_post(cam, "disconnected %s", why);
	L->next_reopen_ns = clock_now_ns() + CAMERA_REOPEN_WAIT_MS * NS_PER_MS;
	L->recoveries = 0;
	L->resting = false; /* a new session rests again if nobody reads */
}

/* Device Reset + a new session and handshake, within the budgets above. */
static void recover(struct camera *cam, struct loop *L, const char *what)
{
	struct err_detail e = { 0 };
	char why[ERR_DETAIL_MAX];
	int rc = ALPHAFS_ERR_IO;

	/* A transfer cut by camera_stop is not a fault to recover from. */
	if (camera_stopping(cam))
		return;
	if (++L->recoveries > CAMERA_RECOVER_TRIES) {
		snprintf(why, sizeof(why), "camera stopped answering: %s", what);
		go_disconnected(cam, L, why);
		return;
	}
	log_info(SONY, "recovering the session: %s", what);
	for (unsigned i = 0; i < CAMERA_RECOVER_TRIES && !camera_stopping(cam); i++) {
		if (i > 0)
			camera_wait_until(cam, clock_now_ns() +
						       CAMERA_RECOVER_WAIT_MS * NS_PER_MS);
		err_clear(&e);
		rc = camera_session_recover(cam, &e);
		camera_note_reset(cam, false);
		if (rc == 0 || rc == ALPHAFS_ERR_NO_DEVICE)
			break;
	}
	if (rc == 0) {
		cam->s1_held = false; /* a new session */
		/* A write in the middle of a walk does not survive the reset;
		 * the values it read do. */
		camera_props_drop(cam, ALPHAFS_ERR_IO, false);
		loop_restart(L, clock_now_ns());
		camera_warmup_begin(cam, &L->warm, clock_now_ns());
		return;
	}
	snprintf(why, sizeof(why), "%s (recovery failed: %s)", what,
		 e.msg[0] ? e.msg : alphafs_strerror(rc));
	go_disconnected(cam, L, why);
}

static void post_connected(struct camera *cam)
{
	struct camera_info ci;

	if (camera_get_info(cam, &ci) < 0)
		return;
	camera_event_post(cam, "connected %s %s", ci.model, ci.serial);
	camera_info_finish(&ci);
}

static void reconnect_step(struct camera *cam, struct loop *L)
{
	struct err_detail e = { 0 };
	uint64_t now = clock_now_ns();
	int rc;

	if (cam->opt.exit_on_disconnect || now < L->next_reopen_ns) {
		camera_wait_until(cam, cam->opt.exit_on_disconnect ? UINT64_MAX
								    : L->next_reopen_ns);
		return;
	}
	rc = camera_transport_reopen(cam, &e);
	if (rc == 0)
		rc = camera_session_setup(cam, &e);
	if (rc < 0) {
		camera_transport_close(cam);
		L->next_reopen_ns = clock_now_ns() + CAMERA_REOPEN_WAIT_MS * NS_PER_MS;
		if (rc != ALPHAFS_ERR_NOT_FOUND && rc != ALPHAFS_ERR_NO_DEVICE)
			camera_note_why(cam, e.msg);
		return;
	}
	log_info(SONY, "camera reconnected on %s", cam->t->name);
	camera_note_reset(cam, true);
	camera_note_connected(cam, true, "");
	post_connected(cam);
	loop_restart(L, clock_now_ns());
	camera_warmup_begin(cam, &L->warm, clock_now_ns());
}

/* Runs what was queued, one request at a time, between two polls. */
static void run_requests(struct camera *cam, struct loop *L)
{
	struct camera_request r;
	int rc;

	for (unsigned i = 0; i < CAMERA_QUEUE_MAX && camera_queue_pop(cam, &r); i++) {
		if (!cam->t || !cam->session_ready)
			rc = ALPHAFS_ERR_NO_DEVICE;
		else
			rc = r.run(&cam->s, r.arg);
		if (r.done)
			r.done(rc, r.arg);
		if (cam->t && rc == ALPHAFS_ERR_NO_DEVICE)
			go_disconnected(cam, L, "camera gone during a request");
		else if (cam->t && cam->s.desynced)
			recover(cam, L, "a request left the session out of step");
	}
}

/* "Not this time" (the schedule says when again): act on a stall that
 * lasts. */
static void on_no_frame(struct camera *cam, struct loop *L, uint64_t now)
{
	char why[ERR_DETAIL_MAX];
	uint64_t idle_ms = (now - L->progress_ns) / NS_PER_MS;

	if (L->warm.active || camera_still_active(cam)) {
		/* Refusals while live view comes up are the warm-up's
		 * business (warmup.c), not a stall; while a still is taken
		 * the body withholds frames for the exposure (up to 30 s). */
		L->progress_ns = now;
		return;
	}
	if (idle_ms < CAMERA_STALL_RESET_MS)
		return;
	if (!L->stall_reset_done) {
		L->stall_reset_done = true;
		L->stall_reported = false;
		snprintf(why, sizeof(why), "live view refused for %u ms after the handshake",
			 CAMERA_STALL_RESET_MS);
		recover(cam, L, why);
		L->stall_reset_done = true; /* recover() restarted the loop */
		return;
	}
	if (L->stall_reported)
		return;
	L->stall_reported = true;
	snprintf(why, sizeof(why),
		 "live view refused for %llu ms even after a session reset: another program may hold the camera's remote session, or the camera shows a menu",
		 (unsigned long long)idle_ms);
	log_warn(SONY, "%s", why);
	camera_note_why(cam, why);
	frame_store_set_state(cam->store, FRAME_STORE_CONNECTING, why);
}

static void on_frame(struct camera *cam, struct loop *L, struct frame *f,
		     uint64_t now)
{
	/* Status first: whoever the publish wakes sees live view on. */
	camera_warmup_done(cam, &L->warm);
	frame_store_publish(cam->store, f);
	L->n.frames++;
	L->recoveries = 0;
	loop_progress(L, now);
	L->last_frame_ns = now;
	L->after_frame = true;
}

static void poll_once(struct camera *cam, struct loop *L)
{
	struct sony_lv_result res;
	char why[ERR_DETAIL_MAX];
	uint64_t sent = clock_now_ns(), now;
	int rc = sony_liveview_fetch(&cam->s, &res);

	now = clock_now_ns();
	switch (rc) {
	case 0:
		if (res.padding) {
			L->n.padded++;
			L->n.padding_bytes += res.padding;
		}
		L->n.transfer_ns += now - sent;
		camera_sched_note(&L->sched, CAMERA_POLL_FRAME, sent, now);
		on_frame(cam, L, res.frame, now);
		return;
	case ALPHAFS_ERR_AGAIN:
		L->n.denied++;
		camera_sched_note(&L->sched, CAMERA_POLL_DENIED, sent, now);
		on_no_frame(cam, L, now);
		return;
	case ALPHAFS_ERR_PTP_RESPONSE:
		if (res.rc == PTP_RC_DEVICE_BUSY)
			L->n.busy++;
		else
			log_dbg(SONY, "live view: %s", cam->s.err.msg);
		camera_sched_note(&L->sched, CAMERA_POLL_BUSY, sent, now);
		on_no_frame(cam, L, now);
		return;
	case ALPHAFS_ERR_REJECTED:
		log_dbg(SONY, "live view: frame dropped: %s",
			frame_reject_text((enum frame_reject)res.reject));
		frame_store_count_reject(cam->store, (enum frame_reject)res.reject);
		/* The camera made a frame all the same: its clock moved. */
		camera_sched_note(&L->sched, CAMERA_POLL_FRAME, sent, now);
		if (cam->s.desynced)
			recover(cam, L, "a frame was cut short on the wire");
		return;
	case ALPHAFS_ERR_NOMEM:
		L->hold_ns = now + CAMERA_NOMEM_WAIT_MS * NS_PER_MS;
		return;
	case ALPHAFS_ERR_NO_DEVICE:
		snprintf(why, sizeof(why), "camera unplugged or switched off (%s)",
			 cam->s.err.msg[0] ? cam->s.err.msg : "no device");
		go_disconnected(cam, L, why);
		return;
	default:
		snprintf(why, sizeof(why), "%s", cam->s.err.msg[0] ? cam->s.err.msg
								 : alphafs_strerror(rc));
		recover(cam, L, why);
		return;
	}
}

/*
 * While frames flow, property work (a 0x9209 read, a step) waits for the
 * next frame and runs right after it, in the widest gap before the one
 * after: live view never waits for control. When frames do not flow (live
 * view starting or refused, a camera that paused it) it runs when due.
 */
/* ---- rest while nobody reads ------------------------------------------- */

static void go_rest(struct camera *cam, struct loop *L, uint64_t now)
{
	char why[ERR_DETAIL_MAX];

	L->resting = true;
	L->next_events_ns = now;
	flush_counters(cam, L);
	camera_note_rest(cam, true);
	snprintf(why, sizeof(why),
		 "nobody has read for %u s: live view paused until a file is opened",
		 cam->opt.linger_ms / 1000);
	log_info(SONY, "%s", why);
	frame_store_set_state(cam->store, FRAME_STORE_IDLE, why);
}

static void wake_up(struct camera *cam, struct loop *L, uint64_t now)
{
	L->resting = false;
	camera_note_rest(cam, false);
	log_info(SONY, "a reader came: live view resumed");
	loop_restart(L, now);
	/* A warm-up the rest cut into starts its bound again. */
	if (L->warm.active)
		camera_warmup_begin(cam, &L->warm, now);
}

/*
 * Before each poll: rest when nobody has read for opt.linger_ms (no
 * live-view polls; the interrupt pipe is still read every
 * CAMERA_REST_EVENTS_MS, requests still run), wake when a reader comes.
 * True while resting (this round is spent).
 */
static bool rest_step(struct camera *cam, struct loop *L)
{
	uint64_t gone, now = clock_now_ns();
	bool present = camera_readers_get(cam, &gone);

	if (!L->resting) {
		if (present || cam->opt.linger_ms == 0 ||
		    now - gone < (uint64_t)cam->opt.linger_ms * NS_PER_MS)
			return false;
		go_rest(cam, L, now);
	} else if (present) {
		wake_up(cam, L, now);
		return false;
	}
	if (now >= L->next_events_ns) {
		if (camera_events_drain(cam) == ALPHAFS_ERR_NO_DEVICE) {
			go_disconnected(cam, L, "camera unplugged or switched off while live view was paused");
			return true;
		}
		L->next_events_ns = now + CAMERA_REST_EVENTS_MS * NS_PER_MS;
	}
	camera_wait_until(cam, L->next_events_ns);
	return true;
}

static bool frames_flowing(const struct loop *L, uint64_t now)
{
	return !L->warm.active && L->last_frame_ns &&
	       now - L->last_frame_ns < CAMERA_PROPS_FLOW_MS * NS_PER_MS;
}

/* Waits until deadline, or sooner when the property work is due and
 * need not wait for a frame, or the still job's next step is due (a
 * request or stop ends the wait early too). */
static void wait_for(struct camera *cam, struct loop *L, uint64_t deadline)
{
	uint64_t props = camera_props_next_ns(cam);
	uint64_t still = camera_still_next_ns(cam);

	if (frames_flowing(L, clock_now_ns()) && !L->after_frame)
		props = UINT64_MAX;
	if (still < deadline)
		deadline = still;
	camera_wait_until(cam, props < deadline ? props : deadline);
}

/* The still job's next step, when due; a transport failure in it is
 * handled as one in a request. */
static void run_still(struct camera *cam, struct loop *L)
{
	int rc;

	if (!cam->session_ready) {
		camera_still_fail(cam, ALPHAFS_ERR_NO_DEVICE,
				  "no camera session for the still");
		return;
	}
	rc = camera_still_step(cam, clock_now_ns());
	if (cam->t && rc == ALPHAFS_ERR_NO_DEVICE)
		go_disconnected(cam, L, "camera gone during a still capture");
	else if (cam->t && cam->s.desynced)
		recover(cam, L, "a still capture left the session out of step");
}

/*
 * Between two frames: what the interrupt pipe holds (a non-blocking
 * look), then the property work (a read when due, one step of a control
 * write) when it is its turn (frames_flowing). A transaction that lost
 * the camera or the pipe's state is handled as the live-view poll's
 * would be.
 */
static void props_round(struct camera *cam, struct loop *L)
{
	uint64_t now = clock_now_ns();
	int rc;

	/* While frames flow, all of it waits for a frame and runs right
	 * after it: even a look at the interrupt pipe costs up to a
	 * millisecond, and before a poll it would blur the poll times the
	 * schedule learns the camera's clock from. */
	if (frames_flowing(L, now) && !L->after_frame)
		return;
	if (camera_events_drain(cam) == ALPHAFS_ERR_NO_DEVICE) {
		go_disconnected(cam, L, "camera unplugged or switched off");
		return;
	}
	/* Resting: no periodic re-read (nothing costs the camera or the
	 * bus while nobody reads); a C203 or a control write still runs. */
	if (L->resting && !camera_props_pending(cam))
		return;
	L->after_frame = false;
	rc = camera_props_tick(cam, now);
	if (rc == ALPHAFS_ERR_NO_DEVICE)
		go_disconnected(cam, L, "camera unplugged or switched off during a property read");
	else if (cam->t && cam->s.desynced)
		recover(cam, L, cam->s.err.msg[0] ? cam->s.err.msg
						   : "a property read failed");
}

/* While live view comes up: poll now, or wait (a request or stop ends the
 * wait early), or the camera went away. */
static bool warmup_allows_poll(struct camera *cam, struct loop *L)
{
	uint64_t next = 0;

	switch (camera_warmup_step(cam, &L->warm, clock_now_ns(), &next)) {
	case CAMERA_WARMUP_POLL:
		return true;
	case CAMERA_WARMUP_WAIT:
		wait_for(cam, L, next);
		return false;
	case CAMERA_WARMUP_GONE:
		go_disconnected(cam, L, "camera unplugged or switched off while live view was starting");
		return false;
	}
	return false;
}

void *camera_owner_main(void *arg)
{
	struct camera *cam = arg;
	struct loop L = { 0 };
	uint64_t next;

	camera_sched_init(&L.sched, clock_now_ns(), 0);
	if (cam->opt.fps_limit > 0)
		camera_sched_set_min_interval(&L.sched,
					      NS_PER_S / cam->opt.fps_limit);
	loop_progress(&L, clock_now_ns());
	if (cam->t && cam->session_ready)
		camera_warmup_begin(cam, &L.warm, clock_now_ns());
	while (!camera_stopping(cam)) {
		run_requests(cam, &L);
		if (camera_stopping(cam))
			break;
		if (!cam->t) {
			camera_still_fail(cam, ALPHAFS_ERR_NO_DEVICE,
					  "the camera is disconnected");
			reconnect_step(cam, &L);
			continue;
		}
		props_round(cam, &L);
		if (!cam->t)
			continue;
		run_still(cam, &L);
		if (!cam->t)
			continue;
		if (rest_step(cam, &L))
			continue;
		next = camera_sched_next(&L.sched);
		if (next < L.hold_ns)
			next = L.hold_ns;
		if (clock_now_ns() < next) {
			wait_for(cam, &L, next);
			continue;
		}
		if (!warmup_allows_poll(cam, &L))
			continue;
		poll_once(cam, &L);
		flush_counters(cam, &L);
	}
	flush_counters(cam, &L);
	camera_queue_fail_all(cam, ALPHAFS_ERR_CLOSED);
	camera_props_drop(cam, ALPHAFS_ERR_CLOSED, true);
	camera_still_fail(cam, ALPHAFS_ERR_CLOSED, "the camera was stopped");
	return NULL;
}
