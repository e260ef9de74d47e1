/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated camera object: its lock and condition variable, the device
 * side of the three pipes and EP0, the event queue, delayed actions, plug
 * state and statistics. The PTP logic is in responder.c.
 *
 * Locking: one mutex per camera protects everything; every public entry
 * point takes it and no callback leaves the file with it held. Nothing
 * sleeps with it held: delays (latency, steps, capture) are timestamps
 * checked when the host next looks, and emu_camera_wait blocks on the
 * condition variable (CLOCK_MONOTONIC), which releases the lock.
 */
#include <string.h>

#include "emu_internal.h"

#define DEFAULT_FPS 30
#define DEFAULT_WIDTH EMU_DEFAULT_WIDTH
#define DEFAULT_HEIGHT EMU_DEFAULT_HEIGHT
/* With the scene's texture this gives 60-130 KB at 1024 x 680, the range
 * real bodies of this generation send (bench_emu_frames prints it). */
#define DEFAULT_QUALITY 80
#define FPS_MAX 240
#define WIDTH_MIN 128 /* the frame marker needs 8 MCUs a row */
#define SIZE_MIN 64
#define SIZE_MAX_PX 4096
#define QUALITY_MAX 100
#define RAW_MIN 64
#define NS_PER_S 1000000000ull
#define NS_PER_MS 1000000ull
#define CANCEL_BUSY_MS 20 /* Get Device Status answers Busy this long */
#define STATUS_LEN 4	  /* u16 wLength + u16 code (dossier §1.5) */
#define CANCEL_LEN 6	  /* u16 0x4001 + u32 tid */
#define USB_TYPE_STD_ENDPOINT_OUT 0x02
#define USB_REQ_CLEAR_FEATURE 0x01
#define USB_FEATURE_ENDPOINT_HALT 0

/* ---- descriptors (ilce-6300-usb.md) ------------------------------------- */
const uint8_t emu_usb_descriptors[57] = {
	/* device: USB 2.0, class per interface, EP0 64, 054C:079C,
	 * bcdDevice 1.00, strings 1/2/3, one configuration */
	0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x4C, 0x05, 0x9C, 0x07,
	0x00, 0x01, 0x01, 0x02, 0x03, 0x01,
	/* configuration 1: 39 bytes, 1 interface, bus powered, 500 mA */
	0x09, 0x02, 0x27, 0x00, 0x01, 0x01, 0x00, 0x80, 0xFA,
	/* interface 0 alt 0: 3 endpoints, Image / Still Capture / PTP */
	0x09, 0x04, 0x00, 0x00, 0x03, 0x06, 0x01, 0x01, 0x00,
	/* 0x81 bulk IN 512 */
	0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00,
	/* 0x02 bulk OUT 512 */
	0x07, 0x05, 0x02, 0x02, 0x00, 0x02, 0x00,
	/* 0x83 interrupt IN 32, bInterval 7 */
	0x07, 0x05, 0x83, 0x03, 0x20, 0x00, 0x07,
};

void emu_config_default(struct emu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->fps = DEFAULT_FPS;
	cfg->width = DEFAULT_WIDTH;
	cfg->height = DEFAULT_HEIGHT;
	cfg->jpeg_quality = DEFAULT_QUALITY;
	cfg->warmup_ms = EMU_WARMUP_DEFAULT_MS;
	cfg->jitter_us = EMU_JITTER_DEFAULT_US;
	cfg->step_ms = EMU_STEP_DEFAULT_MS;
}

static bool config_fix(struct emu_config *c)
{
	c->fps = c->fps ? c->fps : DEFAULT_FPS;
	c->width = c->width ? c->width : DEFAULT_WIDTH;
	c->height = c->height ? c->height : DEFAULT_HEIGHT;
	c->jpeg_quality = c->jpeg_quality ? c->jpeg_quality : DEFAULT_QUALITY;
	c->still_width = c->still_width ? c->still_width : EMU_STILL_WIDTH;
	c->still_height = c->still_height ? c->still_height : EMU_STILL_HEIGHT;
	c->still_quality = c->still_quality ? c->still_quality
					    : EMU_STILL_QUALITY;
	c->raw_bytes = c->raw_bytes ? c->raw_bytes : EMU_RAW_BYTES;
	c->serial[sizeof(c->serial) - 1] = '\0';
	c->model[sizeof(c->model) - 1] = '\0';
	return c->fps <= FPS_MAX && c->width >= WIDTH_MIN &&
	       c->width <= SIZE_MAX_PX && c->height >= SIZE_MIN &&
	       c->height <= SIZE_MAX_PX && c->jpeg_quality <= QUALITY_MAX &&
	       c->warmup_ms <= EMU_WARMUP_MAX_MS &&
	       c->jitter_us <= EMU_JITTER_MAX_US &&
	       c->still_width >= EMU_STILL_MIN_PX &&
	       c->still_width <= EMU_STILL_MAX_PX &&
	       c->still_height >= EMU_STILL_MIN_PX &&
	       c->still_height <= EMU_STILL_MAX_PX &&
	       c->still_quality <= QUALITY_MAX && c->raw_bytes >= RAW_MIN &&
	       c->raw_bytes <= EMU_RAW_BYTES_MAX &&
	       c->step_ms <= EMU_STEP_MAX_MS;
}

uint64_t emu_camera_now(const struct emu_camera *cam)
{
	return cam->clock ? cam->clock(cam->clock_arg) : clock_now_ns();
}

static void faults_reset(struct emu_camera *cam, const struct emu_faults *f)
{
	memset(&cam->fs, 0, sizeof(cam->fs));
	if (f)
		cam->fs.f = *f;
	cam->fs.busy_left = cam->fs.f.busy;
	cam->fs.not_ready_left = cam->fs.f.not_ready;
	cam->fs.capture_fail_left = cam->fs.f.capture_fail;
	cam->fs.lost_left = cam->fs.f.capture_lost;
	cam->fs.rng = cam->cfg.seed;
}

struct emu_camera *emu_camera_create(const struct emu_config *cfg)
{
	struct emu_camera *cam = mem_calloc(1, sizeof(*cam));

	if (!cam)
		return NULL;
	if (cfg)
		cam->cfg = *cfg;
	else
		emu_config_default(&cam->cfg);
	if (!config_fix(&cam->cfg) || clock_cond_init(&cam->cond) < 0) {
		mem_free(cam);
		return NULL;
	}
	pthread_mutex_init(&cam->lock, NULL);
	cam->sensor_ready = true;
	emu_inq_init(&cam->inq);
	emu_outasm_init(&cam->out);
	cam->pattern = emu_pattern_create(cam->cfg.width, cam->cfg.height,
					  cam->cfg.jpeg_quality);
	if (!cam->pattern || emu_model_props_init(&cam->props) < 0) {
		emu_camera_destroy(cam);
		return NULL;
	}
	emu_sensor_init(cam);
	emu_props_apply_mode(cam);
	cam->plugged = true;
	faults_reset(cam, &cam->cfg.faults);
	if (emu_still_init(cam) < 0) {
		emu_camera_destroy(cam);
		return NULL;
	}
	return cam;
}

void emu_camera_destroy(struct emu_camera *cam)
{
	if (!cam)
		return;
	if (cam->sensor_ready)
		emu_sensor_finish(cam);
	emu_inq_clear(&cam->inq);
	emu_outasm_finish(&cam->out);
	emu_pattern_destroy(cam->pattern);
	emu_still_finish(cam);
	sony_props_finish(&cam->props);
	pthread_cond_destroy(&cam->cond);
	pthread_mutex_destroy(&cam->lock);
	mem_free(cam);
}

/* ---- events and delayed actions ------------------------------------ */

void emu_camera_queue_event(struct emu_camera *cam, uint16_t code,
			    uint32_t param)
{
	unsigned slot;

	if (cam->ev_n == EMU_EVENT_QUEUE_MAX) {
		log_warn(EMU, "event queue full, 0x%04X dropped", code);
		return;
	}
	slot = (cam->ev_head + cam->ev_n) % EMU_EVENT_QUEUE_MAX;
	cam->events[slot].code = code;
	cam->events[slot].param = param;
	cam->ev_n++;
	pthread_cond_broadcast(&cam->cond);
}

bool emu_camera_schedule(struct emu_camera *cam, const struct emu_action *a)
{
	if (cam->nactions == EMU_ACTIONS_MAX)
		return false;
	cam->actions[cam->nactions++] = *a;
	return true;
}

/* Applies every action due by now, oldest due time first. */
static void tick(struct emu_camera *cam)
{
	uint64_t now = emu_camera_now(cam);

	for (;;) {
		unsigned best = cam->nactions;
		struct emu_action a;

		for (unsigned i = 0; i < cam->nactions; i++)
			if (cam->actions[i].due_ns <= now &&
			    (best == cam->nactions ||
			     cam->actions[i].due_ns < cam->actions[best].due_ns))
				best = i;
		if (best == cam->nactions)
			return;
		a = cam->actions[best];
		memmove(&cam->actions[best], &cam->actions[best + 1],
			(cam->nactions - best - 1) * sizeof(a));
		cam->nactions--;
		emu_responder_action(cam, &a);
	}
}

static uint64_t next_due(const struct emu_camera *cam)
{
	uint64_t t = emu_inq_ready_at(&cam->inq);

	for (unsigned i = 0; i < cam->nactions; i++)
		if (cam->actions[i].due_ns < t)
			t = cam->actions[i].due_ns;
	return t;
}

void emu_camera_close_session(struct emu_camera *cam)
{
	cam->session_id = 0;
	cam->sdio_seen = 0;
	cam->liveview_ready = false;
	cam->awaiting_data = false;
	cam->answered_valid = false;
}

/* ---- device side of the pipes -------------------------------------- */

static void do_unplug(struct emu_camera *cam)
{
	cam->plugged = false;
	emu_inq_clear(&cam->inq);
	emu_outasm_reset(&cam->out);
	cam->out.halted = false;
	cam->in_halted = false;
	cam->ev_n = 0;
	cam->nactions = 0;
	cam->lv_delivered = false; /* power cycled */
	emu_camera_close_session(cam);
	emu_still_unplug(cam);
	pthread_cond_broadcast(&cam->cond);
}

int emu_camera_bulk_out(struct emu_camera *cam, const uint8_t *data,
			size_t len)
{
	int rc;

	pthread_mutex_lock(&cam->lock);
	tick(cam);
	if (!cam->plugged)
		rc = ALPHAFS_ERR_NO_DEVICE;
	else if (cam->out.halted)
		rc = ALPHAFS_ERR_PIPE;
	else if (cam->inq.n >= EMU_IN_QUEUE_MAX)
		rc = ALPHAFS_ERR_AGAIN; /* NAK: answers unread */
	else
		rc = emu_outasm_write(&cam->out, data, len,
				      emu_responder_container, cam);
	pthread_cond_broadcast(&cam->cond);
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

int emu_camera_bulk_in(struct emu_camera *cam, uint8_t *buf, size_t cap,
		       size_t *got)
{
	int rc;

	*got = 0;
	pthread_mutex_lock(&cam->lock);
	tick(cam);
	if (!cam->plugged)
		rc = ALPHAFS_ERR_NO_DEVICE;
	else if (cam->in_halted)
		rc = ALPHAFS_ERR_PIPE;
	else
		rc = emu_inq_read(&cam->inq, buf, cap, got,
				  emu_camera_now(cam));
	if (rc == ALPHAFS_ERR_NO_DEVICE && cam->plugged) {
		log_info(EMU, "unplugged in the middle of a data phase");
		do_unplug(cam);
	}
	pthread_cond_broadcast(&cam->cond);
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

int emu_camera_interrupt_in(struct emu_camera *cam, uint8_t *buf, size_t cap,
			    size_t *got)
{
	struct ptp_params ev = { .type = PTP_TYPE_EVENT, .tid = PTP_TID_EVENT,
				 .nparams = 1 };
	uint8_t bytes[PTP_EVENT_MAX_SIZE];
	int rc = 0, len;

	*got = 0;
	pthread_mutex_lock(&cam->lock);
	tick(cam);
	if (!cam->plugged)
		rc = ALPHAFS_ERR_NO_DEVICE;
	else if (cam->ev_n == 0)
		rc = ALPHAFS_ERR_AGAIN;
	if (rc == 0) {
		ev.code = cam->events[cam->ev_head].code;
		ev.params[0] = cam->events[cam->ev_head].param;
		cam->ev_head = (cam->ev_head + 1) % EMU_EVENT_QUEUE_MAX;
		cam->ev_n--;
		len = ptp_params_encode(bytes, sizeof(bytes), &ev);
		if (len > 0 && (size_t)len <= cap) {
			memcpy(buf, bytes, (size_t)len);
			*got = (size_t)len;
		} else {
			rc = ALPHAFS_ERR_OVERFLOW; /* the event is lost */
		}
	}
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

static bool ep_ready(struct emu_camera *cam, uint8_t ep, uint64_t now)
{
	if (!cam->plugged)
		return true;
	switch (ep) {
	case PTP_EP_BULK_IN:
		return cam->in_halted || emu_inq_ready_at(&cam->inq) <= now;
	case PTP_EP_INTR_IN:
		return cam->ev_n > 0;
	case PTP_EP_BULK_OUT:
		return cam->out.halted || cam->inq.n < EMU_IN_QUEUE_MAX;
	default:
		return true;
	}
}

static void ns_to_timespec(uint64_t ns, struct timespec *ts)
{
	ts->tv_sec = (time_t)(ns / NS_PER_S);
	ts->tv_nsec = (long)(ns % NS_PER_S);
}

bool emu_camera_wait(struct emu_camera *cam, uint8_t ep, unsigned timeout_ms)
{
	uint64_t deadline = clock_now_ns() + timeout_ms * NS_PER_MS;
	bool ready;

	pthread_mutex_lock(&cam->lock);
	for (;;) {
		uint64_t now = emu_camera_now(cam), real = clock_now_ns();
		uint64_t wake = deadline, due;
		struct timespec ts;

		tick(cam);
		ready = ep_ready(cam, ep, now);
		if (ready || real >= deadline)
			break;
		/* Wake for the next latency or action deadline, measured on
		 * the camera's clock (which tests may drive themselves). */
		due = next_due(cam);
		if (due != UINT64_MAX && due > now && due - now < wake - real)
			wake = real + (due - now);
		ns_to_timespec(wake, &ts);
		pthread_cond_timedwait(&cam->cond, &cam->lock, &ts);
	}
	pthread_mutex_unlock(&cam->lock);
	return ready;
}

/* ---- EP0 ----------------------------------------------------------------- */

static void device_reset(struct emu_camera *cam)
{
	emu_camera_close_session(cam);
	emu_inq_clear(&cam->inq);
	emu_outasm_reset(&cam->out);
	cam->out.halted = false;
	cam->in_halted = false;
	cam->fs.hung = false;
	cam->fs.hang_pending = false;
	cam->stats.resets++;
}

static int get_status(struct emu_camera *cam, uint8_t *data, uint16_t len,
		      size_t *got)
{
	uint8_t st[STATUS_LEN];
	bool busy = emu_camera_now(cam) < cam->cancel_until_ns;

	put_u16le(st, STATUS_LEN);
	put_u16le(st + 2, busy ? PTP_RC_DEVICE_BUSY : PTP_RC_OK);
	*got = len < STATUS_LEN ? len : STATUS_LEN;
	memcpy(data, st, *got);
	return 0;
}

static int cancel(struct emu_camera *cam, const uint8_t *data, uint16_t len)
{
	uint32_t tid;

	if (len != CANCEL_LEN || get_u16le(data) != PTP_CANCEL_CODE)
		return ALPHAFS_ERR_PIPE;
	tid = get_u32le(data + 2);
	emu_inq_drop_tid(&cam->inq, tid);
	if (cam->awaiting_data && cam->pending.tid == tid)
		cam->awaiting_data = false;
	emu_outasm_reset(&cam->out);
	cam->cancel_until_ns = emu_camera_now(cam) + CANCEL_BUSY_MS * NS_PER_MS;
	return 0;
}

static int clear_halt_locked(struct emu_camera *cam, uint8_t ep)
{
	switch (ep) {
	case PTP_EP_BULK_IN:
		cam->in_halted = false;
		return 0;
	case PTP_EP_BULK_OUT:
		/* drop the half-received container (dossier §1.6) */
		cam->out.halted = false;
		emu_outasm_reset(&cam->out);
		return 0;
	case PTP_EP_INTR_IN:
		return 0;
	default:
		return ALPHAFS_ERR_PIPE;
	}
}

static int control_locked(struct emu_camera *cam, uint8_t rt, uint8_t req,
			  uint16_t value, uint16_t index, uint8_t *data,
			  uint16_t len, size_t *got)
{
	if (rt == USB_TYPE_STD_ENDPOINT_OUT && req == USB_REQ_CLEAR_FEATURE &&
	    value == USB_FEATURE_ENDPOINT_HALT)
		return clear_halt_locked(cam, (uint8_t)index);
	if (index != 0)
		return ALPHAFS_ERR_PIPE; /* not the PTP interface */
	if (rt == PTP_CLASS_TYPE_OUT && req == PTP_CLASS_REQ_DEVICE_RESET) {
		device_reset(cam);
		return 0;
	}
	if (rt == PTP_CLASS_TYPE_OUT && req == PTP_CLASS_REQ_CANCEL)
		return cancel(cam, data, len);
	if (rt == PTP_CLASS_TYPE_IN && req == PTP_CLASS_REQ_GET_DEVICE_STATUS)
		return get_status(cam, data, len, got);
	/* Get Extended Event Data and anything else: unverified on Sony
	 * (dossier §1.5), so the request stalls. */
	return ALPHAFS_ERR_PIPE;
}

int emu_camera_control(struct emu_camera *cam, uint8_t request_type,
		       uint8_t request, uint16_t value, uint16_t index,
		       uint8_t *data, uint16_t len, size_t *got)
{
	int rc;

	*got = 0;
	if (len > 0 && !data)
		return ALPHAFS_ERR_INVALID;
	pthread_mutex_lock(&cam->lock);
	tick(cam);
	if (!cam->plugged)
		rc = ALPHAFS_ERR_NO_DEVICE;
	else
		rc = control_locked(cam, request_type, request, value, index,
				    data, len, got);
	pthread_cond_broadcast(&cam->cond);
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

int emu_camera_clear_halt(struct emu_camera *cam, uint8_t ep)
{
	int rc;

	pthread_mutex_lock(&cam->lock);
	rc = cam->plugged ? clear_halt_locked(cam, ep) : ALPHAFS_ERR_NO_DEVICE;
	pthread_cond_broadcast(&cam->cond);
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

/* ---- test and launcher controls ------------------------------------- */

void emu_camera_set_faults(struct emu_camera *cam, const struct emu_faults *f)
{
	pthread_mutex_lock(&cam->lock);
	faults_reset(cam, f);
	pthread_mutex_unlock(&cam->lock);
}

void emu_camera_unplug(struct emu_camera *cam)
{
	pthread_mutex_lock(&cam->lock);
	do_unplug(cam);
	pthread_mutex_unlock(&cam->lock);
}

void emu_camera_replug(struct emu_camera *cam)
{
	pthread_mutex_lock(&cam->lock);
	if (!cam->plugged) {
		cam->plugged = true;
		cam->fs.hung = false;
		cam->fs.hang_pending = false;
	}
	pthread_cond_broadcast(&cam->cond);
	pthread_mutex_unlock(&cam->lock);
}

bool emu_camera_plugged(struct emu_camera *cam)
{
	bool p;

	pthread_mutex_lock(&cam->lock);
	p = cam->plugged;
	pthread_mutex_unlock(&cam->lock);
	return p;
}

void emu_camera_push_event(struct emu_camera *cam, uint16_t code,
			   uint32_t param)
{
	pthread_mutex_lock(&cam->lock);
	if (cam->plugged)
		emu_camera_queue_event(cam, code, param);
	pthread_mutex_unlock(&cam->lock);
}

void emu_camera_pause(struct emu_camera *cam, bool paused)
{
	uint64_t now;

	pthread_mutex_lock(&cam->lock);
	now = emu_camera_now(cam);
	/* Frames "captured" while paused never existed. */
	if (cam->paused && !paused &&
	    emu_sensor_newest(cam, now) > cam->last_seq)
		cam->last_seq = emu_sensor_newest(cam, now);
	cam->paused = paused;
	pthread_mutex_unlock(&cam->lock);
}

int emu_camera_set_fps(struct emu_camera *cam, unsigned fps)
{
	uint64_t now;

	if (fps == 0 || fps > FPS_MAX)
		return ALPHAFS_ERR_INVALID;
	pthread_mutex_lock(&cam->lock);
	now = emu_camera_now(cam);
	cam->cfg.fps = fps;
	/* The sensor switches after the newest frame: the next one is due a
	 * new period from now. */
	emu_sensor_restart(cam, now, emu_sensor_newest(cam, now));
	pthread_mutex_unlock(&cam->lock);
	return 0;
}

void emu_camera_get_stats(struct emu_camera *cam, struct emu_stats *out)
{
	pthread_mutex_lock(&cam->lock);
	tick(cam);
	*out = cam->stats;
	out->frames_encoded_late = cam->sensor.renders_on_demand;
	pthread_mutex_unlock(&cam->lock);
}

void emu_camera_set_clock(struct emu_camera *cam, uint64_t (*now_ns)(void *),
			  void *arg)
{
	pthread_mutex_lock(&cam->lock);
	cam->clock = now_ns;
	cam->clock_arg = arg;
	emu_sensor_restart(cam, emu_camera_now(cam), 0);
	cam->last_seq = 0;
	cam->nactions = 0;
	pthread_mutex_unlock(&cam->lock);
}
