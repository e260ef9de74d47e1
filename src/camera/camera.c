/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The camera owner's lifecycle (create, start, stop, destroy), the
 * snapshots other threads read (info, status) and the request queue.
 * Locking rules are in camera_internal.h.
 */
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

struct camera *camera_create(const struct ptp_transport_opener *open,
			     const struct camera_options *opt,
			     struct frame_store *store)
{
	struct camera *cam;

	if (!open || !open->open || !store)
		return NULL;
	cam = mem_calloc(1, sizeof(*cam));
	if (!cam)
		return NULL;
	cam->open = *open;
	if (opt)
		cam->opt = *opt;
	else
		camera_options_default(&cam->opt);
	if (cam->opt.usb_timeout_ms == 0)
		cam->opt.usb_timeout_ms = CAMERA_TIMEOUT_DEFAULT_MS;
	cam->store = store;
	cam->status.live_view_status = -1;
	cam->readers_gone_ns = clock_now_ns();
	atomic_init(&cam->stop, false);
	if (pthread_mutex_init(&cam->lock, NULL) != 0)
		goto err_mutex;
	if (clock_cond_init(&cam->wake) < 0)
		goto err_cond;
	return cam;
err_cond:
	pthread_mutex_destroy(&cam->lock);
err_mutex:
	mem_free(cam);
	return NULL;
}

/* The owner thread must not take the process's termination signals:
 * libfuse handles them on the main thread (thread_start blocks them). */
static int spawn_owner(struct camera *cam)
{
	int rc = thread_start(&cam->thread, CAMERA_THREAD_NAME,
			      camera_owner_main, cam);

	if (rc < 0)
		return rc;
	cam->thread_started = true;
	return 0;
}

static void set_accepting(struct camera *cam, bool on)
{
	pthread_mutex_lock(&cam->lock);
	cam->accepting = on;
	pthread_mutex_unlock(&cam->lock);
}

int camera_start(struct camera *cam, char *err, size_t cap)
{
	struct err_detail e = { 0 };
	int rc;

	if (cam->started || cam->thread_started)
		return ALPHAFS_ERR_STATE;
	atomic_store(&cam->stop, false);
	rc = camera_transport_open(cam, &e);
	if (rc == 0)
		rc = camera_session_setup(cam, &e);
	if (rc == 0) {
		/* Before the thread exists, so it can only move on from here. */
		camera_note_connected(cam, true, "");
		camera_note_live_view(cam, CAMERA_LV_STARTING, -1);
		frame_store_set_state(cam->store, FRAME_STORE_CONNECTING,
				      "starting live view");
		set_accepting(cam, true);
		rc = spawn_owner(cam);
		if (rc < 0)
			set_accepting(cam, false);
	}
	if (rc < 0) {
		if (e.code == 0)
			err_set(&e, rc, "%s", alphafs_strerror(rc));
		if (err && cap)
			err_format(&e, err, cap);
		camera_transport_close(cam);
		camera_note_connected(cam, false, e.msg);
		return rc;
	}
	cam->started = true;
	return 0;
}

void camera_stop(struct camera *cam)
{
	if (!cam || !cam->started)
		return;
	pthread_mutex_lock(&cam->lock);
	atomic_store(&cam->stop, true);
	cam->accepting = false;
	pthread_cond_broadcast(&cam->wake);
	pthread_mutex_unlock(&cam->lock);
	if (cam->thread_started) {
		pthread_join(cam->thread, NULL);
		cam->thread_started = false;
	}
	/* Requests that came in while the thread wound down. */
	camera_queue_fail_all(cam, ALPHAFS_ERR_CLOSED);
	camera_still_fail(cam, ALPHAFS_ERR_CLOSED, "the camera was stopped");
	camera_transport_close(cam);
	camera_note_connected(cam, false, "stopped");
	cam->started = false;
}

void camera_destroy(struct camera *cam)
{
	if (!cam)
		return;
	camera_stop(cam);
	camera_transport_close(cam);
	camera_props_finish(cam);
	camera_info_finish(&cam->info);
	sony_ext_info_finish(&cam->ext);
	pthread_cond_destroy(&cam->wake);
	pthread_mutex_destroy(&cam->lock);
	mem_free(cam);
}

int camera_get_info(struct camera *cam, struct camera_info *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&cam->lock);
	rc = cam->info_valid ? camera_info_copy(out, &cam->info) : ALPHAFS_ERR_STATE;
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

void camera_get_status(struct camera *cam, struct camera_status *out)
{
	pthread_mutex_lock(&cam->lock);
	*out = cam->status;
	pthread_mutex_unlock(&cam->lock);
}

int camera_submit(struct camera *cam, const struct camera_request *req)
{
	int rc = 0;

	if (!req || !req->run)
		return ALPHAFS_ERR_INVALID;
	pthread_mutex_lock(&cam->lock);
	if (!cam->accepting) {
		rc = ALPHAFS_ERR_CLOSED;
	} else if (cam->queue.n == CAMERA_QUEUE_MAX) {
		rc = ALPHAFS_ERR_BUSY;
	} else {
		size_t at = (cam->queue.head + cam->queue.n) % CAMERA_QUEUE_MAX;

		cam->queue.v[at] = *req;
		cam->queue.n++;
		pthread_cond_broadcast(&cam->wake);
	}
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

/* ---- owner-thread helpers ------------------------------------------- */

bool camera_queue_pop(struct camera *cam, struct camera_request *out)
{
	bool got = false;

	pthread_mutex_lock(&cam->lock);
	if (cam->queue.n > 0) {
		*out = cam->queue.v[cam->queue.head];
		cam->queue.head = (cam->queue.head + 1) % CAMERA_QUEUE_MAX;
		cam->queue.n--;
		got = true;
	}
	pthread_mutex_unlock(&cam->lock);
	return got;
}

/* done callbacks run without the lock (they may submit again). */
void camera_queue_fail_all(struct camera *cam, int code)
{
	struct camera_request r;

	while (camera_queue_pop(cam, &r))
		if (r.done)
			r.done(code, r.arg);
}

void camera_wait_until(struct camera *cam, uint64_t deadline_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000u),
			       .tv_nsec = (long)(deadline_ns % 1000000000u) };

	pthread_mutex_lock(&cam->lock);
	while (!atomic_load(&cam->stop) && cam->queue.n == 0 &&
	       !cam->readers_changed && !cam->still_pending &&
	       clock_now_ns() < deadline_ns)
		pthread_cond_timedwait(&cam->wake, &cam->lock, &ts);
	pthread_mutex_unlock(&cam->lock);
}

void camera_note_connected(struct camera *cam, bool connected, const char *why)
{
	pthread_mutex_lock(&cam->lock);
	if (cam->status.connected != connected || cam->status.since_wall_ns == 0)
		cam->status.since_wall_ns = clock_wall_ns();
	if (cam->status.start_mono_ns == 0)
		cam->status.start_mono_ns = clock_now_ns();
	cam->status.connected = connected;
	if (why)
		snprintf(cam->status.why, sizeof(cam->status.why), "%s", why);
	pthread_mutex_unlock(&cam->lock);
}

void camera_note_still(struct camera *cam, int rc, unsigned objects,
		       unsigned drained, const char *why)
{
	pthread_mutex_lock(&cam->lock);
	if (rc < 0) {
		cam->status.still_failures++;
		snprintf(cam->status.still_why, sizeof(cam->status.still_why),
			 "%s", why && why[0] ? why : alphafs_strerror(rc));
	} else {
		cam->status.stills++;
	}
	cam->status.still_objects += objects;
	cam->status.stills_drained += drained;
	pthread_mutex_unlock(&cam->lock);
}

const char *camera_live_view_name(enum camera_live_view lv)
{
	switch (lv) {
	case CAMERA_LV_NONE:
		return "-";
	case CAMERA_LV_STARTING:
		return "starting live view";
	case CAMERA_LV_ON:
		return "on";
	case CAMERA_LV_FAILED:
		return "unavailable";
	case CAMERA_LV_IDLE:
		return "idle";
	}
	return "?";
}

void camera_note_live_view(struct camera *cam, enum camera_live_view lv,
			   int status)
{
	pthread_mutex_lock(&cam->lock);
	cam->status.live_view = lv;
	cam->status.live_view_status = status;
	pthread_mutex_unlock(&cam->lock);
}

void camera_note_props(struct camera *cam, bool mismatch, bool cut_short)
{
	pthread_mutex_lock(&cam->lock);
	cam->status.props_count_mismatch += mismatch;
	cam->status.props_cut_short += cut_short;
	pthread_mutex_unlock(&cam->lock);
}

void camera_note_why(struct camera *cam, const char *why)
{
	pthread_mutex_lock(&cam->lock);
	snprintf(cam->status.why, sizeof(cam->status.why), "%s", why);
	pthread_mutex_unlock(&cam->lock);
}

/* Adds the loop's counts since the last call; transactions are copied
 * from the session (plus the sessions before it). */
void camera_note_counters(struct camera *cam, const struct camera_lv_counts *d)
{
	uint64_t tr = cam->transactions_base + cam->s.transactions;

	pthread_mutex_lock(&cam->lock);
	cam->status.frames_captured += d->frames;
	cam->status.polls_denied += d->denied;
	cam->status.busy_retries += d->busy;
	cam->status.frames_padded += d->padded;
	cam->status.padding_bytes += d->padding_bytes;
	cam->status.frame_transfer_ns += d->transfer_ns;
	cam->status.transactions = tr;
	pthread_mutex_unlock(&cam->lock);
}

void camera_note_reset(struct camera *cam, bool reconnect)
{
	pthread_mutex_lock(&cam->lock);
	if (reconnect)
		cam->status.reconnects++;
	else
		cam->status.session_resets++;
	pthread_mutex_unlock(&cam->lock);
}

void camera_set_readers(struct camera *cam, bool present)
{
	pthread_mutex_lock(&cam->lock);
	if (cam->readers != present) {
		cam->readers = present;
		if (!present)
			cam->readers_gone_ns = clock_now_ns();
		cam->readers_changed = true;
		pthread_cond_broadcast(&cam->wake);
	}
	pthread_mutex_unlock(&cam->lock);
}

bool camera_readers_get(struct camera *cam, uint64_t *gone_ns)
{
	bool present;

	pthread_mutex_lock(&cam->lock);
	present = cam->readers;
	*gone_ns = cam->readers_gone_ns;
	cam->readers_changed = false;
	pthread_mutex_unlock(&cam->lock);
	return present;
}

void camera_note_rest(struct camera *cam, bool resting)
{
	pthread_mutex_lock(&cam->lock);
	if (resting) {
		cam->status.rests++;
		cam->status.live_view = CAMERA_LV_IDLE;
	} else {
		cam->status.wakes++;
		if (cam->status.live_view == CAMERA_LV_IDLE)
			cam->status.live_view = CAMERA_LV_ON;
	}
	pthread_mutex_unlock(&cam->lock);
}

void camera_note_schedule(struct camera *cam, const struct camera_sched *s)
{
	pthread_mutex_lock(&cam->lock);
	cam->status.frame_period_ns = s->line_ok ? s->period_ns : 0;
	cam->status.schedule_tracking = s->mode == CAMERA_SCHED_TRACK;
	cam->status.schedule_relearns = s->relearns;
	pthread_mutex_unlock(&cam->lock);
}
