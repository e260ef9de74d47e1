/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * camera: the owner thread against the emulated ILCE-6300 in memory.
 * Waits are on a condition variable signalled by a frame store listener;
 * the deadlines only turn a hang into a failure, they never decide a
 * result.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "camera/camera_internal.h"
#include "emu/emu.h"

/* Guard against a hang only; a healthy run takes a fraction of this. */
#define WAIT_GUARD_MS 30000
/* A fast emulated body keeps the test short: 100 fps of small frames
 * (160 x 120; the realistic default size is covered by test_emu_camera,
 * the end-to-end tests and the benchmarks). The live-view warm-up stays
 * the default (1 s after every handshake). */
#define EMU_TEST_FPS 100

struct watch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct frame_store *st;
	uint64_t frames;      /* publishes seen by the listener */
	uint64_t last_marker; /* emulator sequence of the last frame */
	uint64_t out_of_order;
	uint64_t not_whole;
	uint64_t changes;
};

/* Producer thread, after each publish or state change, no store lock held. */
static void handle_store(void *arg)
{
	struct watch *w = arg;
	struct frame *f = frame_store_latest(w->st);
	uint64_t seq = 0, t = 0;

	pthread_mutex_lock(&w->lock);
	w->changes++;
	if (f && f->seq > w->frames) {
		w->frames = f->seq;
		if (frame_jpeg_check(f->jpeg, f->len) != -1)
			w->not_whole++;
		if (emu_frame_marker(f->jpeg, f->len, &seq, &t) < 0 ||
		    seq <= w->last_marker)
			w->out_of_order++;
		w->last_marker = seq;
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	frame_unref(f);
}

struct fixture {
	struct frame_store *st;
	struct emu_camera *emu; /* behind the in-memory transport */
	struct camera *cam;
	struct watch w;
	int listener;
};

static struct fixture *fixture_new_opt(const struct emu_faults *faults,
				       unsigned liveview_start_ms,
				       unsigned linger_ms)
{
	struct fixture *fx = mem_calloc(1, sizeof(*fx));
	struct ptp_transport_opener open;
	struct camera_options opt;
	struct emu_config cfg;

	assert_non_null(fx);
	emu_config_default(&cfg);
	cfg.fps = EMU_TEST_FPS;
	cfg.width = 160;
	cfg.height = 120;
	if (faults)
		cfg.faults = *faults;
	fx->emu = emu_camera_create(&cfg);
	assert_non_null(fx->emu);
	open = emu_memusb_opener(fx->emu);
	camera_options_default(&opt);
	opt.liveview_start_ms = liveview_start_ms;
	opt.linger_ms = linger_ms;
	fx->st = frame_store_create();
	assert_non_null(fx->st);
	pthread_mutex_init(&fx->w.lock, NULL);
	clock_cond_init(&fx->w.cond);
	fx->w.st = fx->st;
	fx->listener = frame_store_add_listener(fx->st, handle_store, &fx->w);
	assert_true(fx->listener >= 0);
	fx->cam = camera_create(&open, &opt, fx->st);
	assert_non_null(fx->cam);
	return fx;
}

static struct fixture *fixture_new(const struct emu_faults *faults)
{
	return fixture_new_opt(faults, 0, 0);
}

static void fixture_free(struct fixture *fx)
{
	camera_destroy(fx->cam);
	emu_camera_destroy(fx->emu);
	frame_store_remove_listener(fx->st, fx->listener);
	frame_store_destroy(fx->st);
	pthread_cond_destroy(&fx->w.cond);
	pthread_mutex_destroy(&fx->w.lock);
	mem_free(fx);
}

static void start_ok(struct fixture *fx)
{
	char err[256] = "";
	int rc = camera_start(fx->cam, err, sizeof(err));

	if (rc != 0)
		fail_msg("camera_start: %s", err);
}

/* Waits until the listener has seen at least n frames. */
static bool wait_frames(struct fixture *fx, uint64_t n)
{
	struct timespec ts;
	bool ok;

	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&fx->w.lock);
	while (fx->w.frames < n &&
	       pthread_cond_timedwait(&fx->w.cond, &fx->w.lock, &ts) == 0)
		;
	ok = fx->w.frames >= n;
	pthread_mutex_unlock(&fx->w.lock);
	return ok;
}

static bool wait_state(struct fixture *fx, enum frame_store_state s)
{
	struct timespec ts;
	bool ok;

	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&fx->w.lock);
	while (frame_store_get_state(fx->st, NULL, 0) != s &&
	       pthread_cond_timedwait(&fx->w.cond, &fx->w.lock, &ts) == 0)
		;
	ok = frame_store_get_state(fx->st, NULL, 0) == s;
	pthread_mutex_unlock(&fx->w.lock);
	return ok;
}

/* Waits until the state is s and its reason contains `part`. */
static bool wait_state_why(struct fixture *fx, enum frame_store_state s,
			   const char *part)
{
	char why[ERR_DETAIL_MAX] = "";
	struct timespec ts;
	bool ok;

	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&fx->w.lock);
	for (;;) {
		ok = frame_store_get_state(fx->st, why, sizeof(why)) == s &&
		     strstr(why, part) != NULL;
		if (ok || pthread_cond_timedwait(&fx->w.cond, &fx->w.lock, &ts) != 0)
			break;
	}
	pthread_mutex_unlock(&fx->w.lock);
	return ok;
}

static uint64_t frames_seen(struct fixture *fx)
{
	uint64_t n;

	pthread_mutex_lock(&fx->w.lock);
	n = fx->w.frames;
	pthread_mutex_unlock(&fx->w.lock);
	return n;
}

/* ---- requests: run on the owner thread, result handed back ---------- */
struct call {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int result;
	int (*fn)(struct camera *cam, struct ptp_session *s, void *arg);
	struct camera *cam;
	void *arg;
};

static int handle_run(struct ptp_session *s, void *arg)
{
	struct call *c = arg;

	return c->fn(c->cam, s, c->arg);
}

static void handle_done(int result, void *arg)
{
	struct call *c = arg;

	pthread_mutex_lock(&c->lock);
	c->done = true;
	c->result = result;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Runs fn on the owner thread between two polls; returns its result. */
static int run_on_owner(struct camera *cam,
			int (*fn)(struct camera *, struct ptp_session *, void *),
			void *arg)
{
	struct call c = { .fn = fn, .cam = cam, .arg = arg };
	struct camera_request req = { handle_run, handle_done, &c };
	struct timespec ts;
	int rc;

	pthread_mutex_init(&c.lock, NULL);
	clock_cond_init(&c.cond);
	rc = camera_submit(cam, &req);
	if (rc < 0)
		return rc;
	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&c.lock);
	while (!c.done && pthread_cond_timedwait(&c.cond, &c.lock, &ts) == 0)
		;
	assert_true(c.done);
	pthread_mutex_unlock(&c.lock);
	pthread_cond_destroy(&c.cond);
	pthread_mutex_destroy(&c.lock);
	return c.result;
}

/* ---- tests ------------------------------------------------------------ */

/* info/device and info/status words, as fs/ serves them. */
static void test_info_and_status_text(void **state)
{
	uint16_t ops[] = { 0x1001, 0x9203, 0xFFF0 };
	struct camera_info ci = {
		.model = "ILCE-6300",
		.serial = "S1",
		.port = "usb:001,002",
		.vendor_ext_id = 0x11,
		.vendor_ext_version = 100,
		.sony_protocol = 300,
		.usb_vendor = 0x054C,
		.usb_product = 0x079C,
		.operations = { .v = ops, .n = 3 },
	};
	struct camera_status cs = { .connected = true,
				    .live_view = CAMERA_LV_STARTING,
				    .reconnects = 2,
				    .props_cut_short = 3 };
	struct buf b;
	char *t;

	(void)state;
	buf_init(&b, 4096);
	camera_info_format(&ci, &b);
	buf_put_u8(&b, 0);
	assert_int_equal(buf_status(&b), 0);
	t = (char *)b.data;
	assert_non_null(strstr(t, "model: ILCE-6300\nmanufacturer: \nserial: S1\n"));
	assert_non_null(strstr(t, "port: usb:001,002\nusb_id: 054c:079c\n"));
	assert_non_null(strstr(t, "vendor_extension_id: 0x00000011\n"));
	assert_non_null(strstr(t, "vendor_extension_version: 1.00\n"));
	assert_non_null(strstr(t, "sony_protocol: 3.00 (0x012c)\n"));
	assert_non_null(strstr(t, "operations: 3\n  0x1001 GetDeviceInfo\n"
				  "  0x9203 GetDevicePropDesc\n"
				  "  0xfff0 (unknown)\nevents: 0\nproperties: 0\n"));
	buf_reset(&b);
	camera_status_format(&cs, &b);
	buf_put_u8(&b, 0);
	t = (char *)b.data;
	assert_string_equal(t, "connected: yes\nlive_view: starting live view\n"
			       "since: unknown\nwhy: -\n"
			       "frames_captured: 0\ncamera_polls_denied: 0\n"
			       "camera_busy_retries: 0\ncamera_session_resets: 0\n"
			       "camera_reconnects: 2\ncamera_transactions: 0\n"
			       "props_count_mismatch: 0\nprops_cut_short: 3\n"
			       "frames_padded: 0\npadding_bytes: 0\n"
			       "poll_schedule: learning\n"
			       "camera_frame_period_us: 0\n"
			       "poll_schedule_relearns: 0\n"
			       "frame_transfer_us: 0\n"
			       "live_view_rests: 0\nlive_view_wakes: 0\n"
			       "stills: 0\nstill_failures: 0\nstill_objects: 0\n"
			       "stills_drained: 0\nstill_why: -\n"
			       "props_reads: 0\ncontrol_writes: 0\n"
			       "control_writes_failed: 0\ncontrol_steps: 0\n"
			       "control_why: -\nevents_posted: 0\n");
	cs.since_wall_ns = UINT64_C(86400) * 1000000000u;
	snprintf(cs.why, sizeof(cs.why), "unplugged");
	buf_reset(&b);
	camera_status_format(&cs, &b);
	buf_put_u8(&b, 0);
	t = (char *)b.data;
	assert_non_null(strstr(t, "since: 1970-01-02T00:00:00Z\nwhy: unplugged\n"));
	buf_finish(&b);
}

static void test_options_default(void **state)
{
	struct camera_options o;

	(void)state;
	camera_options_default(&o);
	assert_int_equal(o.fps_limit, 0);
	assert_int_equal(o.usb_timeout_ms, CAMERA_TIMEOUT_DEFAULT_MS);
	assert_false(o.exit_on_disconnect);
}

static void test_lifecycle_without_start(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct camera_request req = { handle_run, handle_done, NULL };
	struct camera_info ci;
	struct camera_status st;

	(void)state;
	assert_int_equal(camera_get_info(fx->cam, &ci), ALPHAFS_ERR_STATE);
	camera_get_status(fx->cam, &st);
	assert_false(st.connected);
	assert_int_equal(camera_submit(fx->cam, &req), ALPHAFS_ERR_CLOSED);
	req.run = NULL;
	assert_int_equal(camera_submit(fx->cam, &req), ALPHAFS_ERR_INVALID);
	camera_stop(fx->cam); /* never started: no-op */
	fixture_free(fx);
	camera_destroy(NULL);
}

static void test_start_and_100_frames(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct frame_store_stats fst;
	struct camera_status st;
	struct camera_info ci;

	(void)state;
	start_ok(fx);
	assert_int_equal(camera_get_info(fx->cam, &ci), 0);
	assert_string_equal(ci.model, "ILCE-6300");
	assert_string_equal(ci.manufacturer, "Sony Corporation");
	assert_int_equal(ci.sony_protocol, SONY_PROTOCOL_200);
	assert_int_equal(ci.vendor_ext_id, SONY_VENDOR_EXT_ID);
	assert_int_equal(ci.usb_product, EMU_USB_PRODUCT);
	assert_string_equal(ci.port, "emulated");
	assert_true(ptp_u16_list_has(&ci.operations, SONY_OC_SDIO_CONNECT));
	/* The 0x9202 codes were appended to the property list. */
	assert_true(ptp_u16_list_has(&ci.properties, SONY_DPC_ISO));
	assert_true(ptp_u16_list_has(&ci.properties, SONY_CTL_S1));
	camera_info_finish(&ci);
	assert_true(wait_frames(fx, 100));
	camera_stop(fx->cam);
	camera_stop(fx->cam); /* twice: no-op */
	/* Every published frame was whole and newer than the one before. */
	assert_int_equal(fx->w.out_of_order, 0);
	assert_int_equal(fx->w.not_whole, 0);
	camera_get_status(fx->cam, &st);
	assert_false(st.connected);
	assert_true(st.frames_captured >= 100);
	assert_true(st.transactions >= st.frames_captured);
	assert_int_equal(st.session_resets, 0);
	frame_store_get_stats(fx->st, &fst);
	assert_int_equal(fst.published, st.frames_captured);
	assert_int_equal(fst.rejected_total, 0);
	/* Frames whose size ran past the EOI were published, the padding
	 * counted (the watcher saw each end at its EOI). */
	assert_true(st.frames_padded > 0 && st.frames_padded < st.frames_captured);
	assert_true(st.padding_bytes >= st.frames_padded);
	fixture_free(fx);
}

static int read_props(struct camera *cam, struct ptp_session *s, void *arg)
{
	struct sony_prop_table *t = arg;

	(void)cam;
	return sony_props_fetch(s, SONY_PROTOCOL_200, t);
}

static int press_half(struct camera *cam, struct ptp_session *s, void *arg)
{
	int rc;

	(void)cam;
	(void)arg;
	rc = sony_button(s, SONY_CTL_S1, SONY_BUTTON_DOWN);
	if (rc == 0)
		rc = sony_button(s, SONY_CTL_S1, SONY_BUTTON_UP);
	return rc;
}

static void test_requests_between_frames(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct sony_prop_table t;
	const struct ptp_prop_desc *d;

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 2));
	assert_int_equal(run_on_owner(fx->cam, read_props, &t), 0);
	d = sony_props_find(&t, SONY_DPC_ISO);
	assert_non_null(d);
	assert_int_equal(d->type, PTP_DTC_UINT32);
	assert_non_null(sony_props_find(&t, SONY_CTL_S1));
	sony_props_finish(&t);
	assert_int_equal(run_on_owner(fx->cam, press_half, NULL), 0);
	/* Frames keep coming after the requests. */
	assert_true(wait_frames(fx, frames_seen(fx) + 5));
	camera_stop(fx->cam);
	/* After stop, submit refuses. */
	assert_int_equal(run_on_owner(fx->cam, read_props, &t), ALPHAFS_ERR_CLOSED);
	fixture_free(fx);
}

/* Snapshot of the emulator's and the store's counters taken on the owner
 * thread between two polls, so no frame is in flight. */
struct counts {
	struct emu_camera *emu_cam;
	struct emu_stats emu;
	struct frame_store_stats store;
	struct frame_store *st;
};

static int take_counts(struct camera *cam, struct ptp_session *s, void *arg)
{
	struct counts *c = arg;

	(void)s;
	emu_camera_get_stats(c->emu_cam, &c->emu);
	frame_store_get_stats(c->st, &c->store);
	return 0;
}

static void test_truncated_frames_rejected(void **state)
{
	struct emu_faults f = { .truncate_every = 3 };
	struct fixture *fx = fixture_new(&f);
	struct counts c = { .emu_cam = fx->emu, .st = fx->st };

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 30));
	assert_int_equal(run_on_owner(fx->cam, take_counts, &c), 0);
	camera_stop(fx->cam);
	/* Every third dataset was cut: counted by reason, never published. */
	assert_true(c.store.rejected[FRAME_REJECT_NO_EOI] >= 10);
	assert_int_equal(c.store.rejected_total, c.store.rejected[FRAME_REJECT_NO_EOI]);
	assert_int_equal(c.store.published + c.store.rejected_total, c.emu.frames_sent);
	assert_int_equal(fx->w.not_whole, 0);
	assert_int_equal(fx->w.out_of_order, 0);
	fixture_free(fx);
}

static void test_bad_datasets_rejected(void **state)
{
	struct emu_faults f = { .badsize_every = 4, .badoffset_every = 5,
				.garbage_every = 7 };
	struct fixture *fx = fixture_new(&f);
	struct counts c = { .emu_cam = fx->emu, .st = fx->st };

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 30));
	assert_int_equal(run_on_owner(fx->cam, take_counts, &c), 0);
	camera_stop(fx->cam);
	assert_true(c.store.rejected[FRAME_REJECT_SIZE] >= 1);
	assert_true(c.store.rejected[FRAME_REJECT_OFFSET] >= 1);
	assert_int_equal(c.store.published + c.store.rejected_total, c.emu.frames_sent);
	assert_int_equal(fx->w.not_whole, 0);
	fixture_free(fx);
}

static void test_busy_storm_recovered(void **state)
{
	struct emu_faults f = { .busy = 60 };
	struct fixture *fx = fixture_new(NULL);
	struct camera_status st;

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 3));
	emu_camera_set_faults(fx->emu, &f);
	assert_true(wait_frames(fx, frames_seen(fx) + 10));
	camera_get_status(fx->cam, &st);
	camera_stop(fx->cam);
	assert_int_equal(st.busy_retries, 60);
	assert_int_equal(st.session_resets, 0);
	assert_true(st.connected);
	fixture_free(fx);
}

static void test_empty_ext_info_retried(void **state)
{
	struct emu_faults f = { .empty_ext_info = 3 };
	struct fixture *fx = fixture_new(&f);

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 3));
	camera_stop(fx->cam);
	fixture_free(fx);
}

static void test_start_fails_cleanly(void **state)
{
	struct emu_faults f = { .empty_ext_info = SONY_EXT_INFO_TRIES + 5 };
	struct fixture *fx = fixture_new(&f);
	struct camera_request req = { handle_run, handle_done, NULL };
	struct camera_status st;
	char err[256] = "";

	(void)state;
	/* A body that never finishes starting up: start reports it in one
	 * line and leaves nothing running. */
	assert_int_equal(camera_start(fx->cam, err, sizeof(err)), ALPHAFS_ERR_AGAIN);
	assert_non_null(strstr(err, "starting up"));
	camera_get_status(fx->cam, &st);
	assert_false(st.connected);
	assert_int_equal(camera_submit(fx->cam, &req), ALPHAFS_ERR_CLOSED);
	assert_int_equal(frames_seen(fx), 0);
	camera_stop(fx->cam);
	fixture_free(fx);
}

static void test_busy_during_setup(void **state)
{
	struct emu_faults f = { .busy = 12 };
	struct fixture *fx = fixture_new(&f);
	struct camera_status st;

	(void)state;
	/* DeviceBusy right after OpenSession: GetDeviceInfo and the
	 * handshake are asked again within their budget. */
	start_ok(fx);
	assert_true(wait_frames(fx, 3));
	camera_get_status(fx->cam, &st);
	camera_stop(fx->cam);
	assert_int_equal(st.busy_retries, 0); /* all spent during setup */
	fixture_free(fx);
}

static void test_hang_recovered_by_reset(void **state)
{
	struct emu_faults f = { .hang_after_first = true };
	struct fixture *fx = fixture_new(&f);
	struct camera_status st;

	(void)state;
	start_ok(fx);
	/* The body answers nothing after frame 1 until a Device Reset
	 * (dougforpres/SonyCamera#3): the timeout leads to a session reset. */
	assert_true(wait_frames(fx, 10));
	camera_get_status(fx->cam, &st);
	camera_stop(fx->cam);
	assert_true(st.session_resets >= 1);
	assert_int_equal(fx->w.out_of_order, 0);
	fixture_free(fx);
}

static void test_unplug_and_replug(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct camera_status st;
	char why[ERR_DETAIL_MAX];

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 3));
	emu_camera_unplug(fx->emu);
	assert_true(wait_state(fx, FRAME_STORE_DISCONNECTED));
	frame_store_get_state(fx->st, why, sizeof(why));
	assert_true(why[0] != '\0');
	camera_get_status(fx->cam, &st);
	assert_false(st.connected);
	/* While unplugged, requests fail with NO_DEVICE. */
	assert_int_equal(run_on_owner(fx->cam, press_half, NULL), ALPHAFS_ERR_NO_DEVICE);
	emu_camera_replug(fx->emu);
	assert_true(wait_state(fx, FRAME_STORE_LIVE));
	assert_true(wait_frames(fx, frames_seen(fx) + 3));
	camera_get_status(fx->cam, &st);
	camera_stop(fx->cam);
	assert_true(st.connected);
	assert_int_equal(st.reconnects, 1);
	assert_int_equal(fx->w.out_of_order, 0);
	fixture_free(fx);
}

static void test_stall_reset_then_reported(void **state)
{
	/* a short live-view bound keeps the test short */
	struct fixture *fx = fixture_new_opt(NULL, 1500, 0);
	struct camera_status st;
	char why[ERR_DETAIL_MAX];

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 2));
	/* Live view refused for good (a stale remote owner): one session
	 * reset; live view does not come back within the bound, and the
	 * state says so (readers are told); polling goes on. */
	emu_camera_pause(fx->emu, true);
	assert_true(wait_state_why(fx, FRAME_STORE_DISCONNECTED, "refused"));
	camera_get_status(fx->cam, &st);
	assert_int_equal(st.session_resets, 1);
	/* The full reset of the Resilience rules: CloseSession, then a new
	 * session (the body saw a second OpenSession, not 0x201E) and the
	 * handshake; the pipe was in step, so no Device Reset. */
	{
		struct emu_stats es;

		emu_camera_get_stats(fx->emu, &es);
		assert_int_equal(es.sessions_opened, 2);
		assert_int_equal(es.handshakes, 2);
		assert_int_equal(es.resets, 0);
	}
	assert_true(st.connected);
	assert_true(st.polls_denied > 0);
	frame_store_get_state(fx->st, why, sizeof(why));
	assert_non_null(strstr(why, "refused"));
	assert_non_null(strstr(st.why, "refused"));
	/* Frames again: LIVE, without another reset. */
	emu_camera_pause(fx->emu, false);
	assert_true(wait_state(fx, FRAME_STORE_LIVE));
	camera_get_status(fx->cam, &st);
	camera_stop(fx->cam);
	assert_int_equal(st.session_resets, 1);
	fixture_free(fx);
}

/* After the handshake live view warms up (0x2009, 0xD221 = 0): the state
 * says "starting live view", not an error, until the first frame. */
static void test_warmup_then_live(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct camera_status st;
	char why[ERR_DETAIL_MAX];

	(void)state;
	start_ok(fx);
	/* the warm-up (1 s) outlasts this look unless the machine stalls */
	camera_get_status(fx->cam, &st);
	if (frames_seen(fx) == 0) {
		assert_int_equal(st.live_view, CAMERA_LV_STARTING);
		assert_int_equal(frame_store_get_state(fx->st, why, sizeof(why)),
				 FRAME_STORE_CONNECTING);
		assert_string_equal(why, "starting live view");
	}
	assert_true(wait_frames(fx, 1));
	camera_get_status(fx->cam, &st);
	assert_int_equal(st.live_view, CAMERA_LV_ON);
	assert_string_equal(camera_live_view_name(st.live_view), "on");
	assert_int_equal(st.session_resets, 0);
	assert_true(st.live_view_status == 1);
	camera_stop(fx->cam);
	fixture_free(fx);
}

/* A body whose live view never comes up: a readable reason after the
 * bound, readers are told (state DISCONNECTED), no crash, no reset loop. */
static void test_liveview_never_starts(void **state)
{
	struct emu_faults f = { .liveview_stuck = true };
	struct fixture *fx = fixture_new_opt(&f, 600, 0);
	struct camera_status st;

	(void)state;
	start_ok(fx);
	assert_true(wait_state_why(fx, FRAME_STORE_DISCONNECTED,
				   "live view did not start"));
	camera_get_status(fx->cam, &st);
	assert_int_equal(st.live_view, CAMERA_LV_FAILED);
	assert_true(st.connected);
	assert_non_null(strstr(st.why, "LiveViewStatus (0xD221) still 0"));
	assert_int_equal(frames_seen(fx), 0);
	camera_stop(fx->cam);
	fixture_free(fx);
	/* no live view in this mode: at once, not after the bound */
	f = (struct emu_faults){ .no_liveview = true };
	fx = fixture_new_opt(&f, WAIT_GUARD_MS * 2, 0);
	start_ok(fx);
	assert_true(wait_state_why(fx, FRAME_STORE_DISCONNECTED,
				   "LiveViewStatus (0xD221) = 2"));
	camera_get_status(fx->cam, &st);
	assert_int_equal(st.live_view, CAMERA_LV_FAILED);
	assert_int_equal(st.live_view_status, 2);
	camera_stop(fx->cam);
	fixture_free(fx);
}

/* Waits until the emulated camera's interrupt pipe is empty: the owner
 * has read every event queued. */
static bool wait_events_read(struct fixture *fx)
{
	uint64_t deadline = clock_now_ns() + WAIT_GUARD_MS * 1000000ull;

	while (emu_camera_wait(fx->emu, PTP_EP_INTR_IN, 0))
		if (clock_now_ns() > deadline)
			return false;
		else
			usleep(1000);
	return true;
}

/* Nobody reads for linger_ms: the owner rests (store IDLE, status idle),
 * sends no live-view transaction while it still reads events, and wakes
 * at once when a reader comes, with a frame made after the rest. */
static void test_rest_and_wake(void **state)
{
	struct fixture *fx = fixture_new_opt(NULL, 0, 200);
	struct emu_stats before, after;
	struct camera_status st;
	uint64_t last;

	(void)state;
	camera_set_readers(fx->cam, true);
	start_ok(fx);
	assert_true(wait_frames(fx, 10));
	camera_set_readers(fx->cam, false);
	assert_true(wait_state(fx, FRAME_STORE_IDLE));
	camera_get_status(fx->cam, &st);
	assert_int_equal(st.live_view, CAMERA_LV_IDLE);
	assert_int_equal(st.rests, 1);
	assert_true(st.connected);
	pthread_mutex_lock(&fx->w.lock);
	last = fx->w.last_marker;
	pthread_mutex_unlock(&fx->w.lock);
	assert_int_equal(frame_store_fresh_after(fx->st), fx->w.frames);
	/* Events are still read while resting and acted on (a C203 is one
	 * 0x9209 read: a dial turned while nobody watches still shows in
	 * control/); GetObject is not sent. */
	emu_camera_get_stats(fx->emu, &before);
	for (unsigned i = 0; i < 3; i++) {
		emu_camera_push_event(fx->emu, SONY_EC_PROP_CHANGED, 0xD21E);
		assert_true(wait_events_read(fx));
	}
	emu_camera_get_stats(fx->emu, &after);
	assert_true(after.transactions <= before.transactions + 3);
	assert_int_equal(after.frames_sent, before.frames_sent);
	assert_int_equal(frame_store_get_state(fx->st, NULL, 0), FRAME_STORE_IDLE);
	/* A reader: the next frame is one the camera made after the rest. */
	camera_set_readers(fx->cam, true);
	assert_true(wait_state(fx, FRAME_STORE_LIVE));
	pthread_mutex_lock(&fx->w.lock);
	assert_true(fx->w.last_marker > last + 1);
	pthread_mutex_unlock(&fx->w.lock);
	assert_int_equal(frame_store_fresh_after(fx->st), 0);
	camera_get_status(fx->cam, &st);
	assert_int_equal(st.wakes, 1);
	assert_int_equal(st.live_view, CAMERA_LV_ON);
	assert_int_equal(fx->w.out_of_order, 0);
	fixture_free(fx);
}

static void test_stop_while_waiting(void **state)
{
	struct fixture *fx = fixture_new(NULL);

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 2));
	/* No new frames: the owner is in its AccessDenied back-off. */
	emu_camera_pause(fx->emu, true);
	camera_stop(fx->cam);
	fixture_free(fx);
}

static void test_stop_while_hung(void **state)
{
	struct emu_faults f = { .timeout_at = 0 };
	struct fixture *fx = fixture_new(NULL);
	struct emu_stats es;

	(void)state;
	start_ok(fx);
	assert_true(wait_frames(fx, 2));
	/* The next transaction gets no answer: stop comes while the owner
	 * waits in a transfer. */
	emu_camera_get_stats(fx->emu, &es);
	f.timeout_at = 2;
	emu_camera_set_faults(fx->emu, &f);
	camera_stop(fx->cam);
	fixture_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_default),
		cmocka_unit_test(test_info_and_status_text),
		cmocka_unit_test(test_lifecycle_without_start),
		cmocka_unit_test(test_start_and_100_frames),
		cmocka_unit_test(test_requests_between_frames),
		cmocka_unit_test(test_truncated_frames_rejected),
		cmocka_unit_test(test_bad_datasets_rejected),
		cmocka_unit_test(test_busy_storm_recovered),
		cmocka_unit_test(test_empty_ext_info_retried),
		cmocka_unit_test(test_start_fails_cleanly),
		cmocka_unit_test(test_busy_during_setup),
		cmocka_unit_test(test_hang_recovered_by_reset),
		cmocka_unit_test(test_unplug_and_replug),
		cmocka_unit_test(test_stall_reset_then_reported),
		cmocka_unit_test(test_warmup_then_live),
		cmocka_unit_test(test_liveview_never_starts),
		cmocka_unit_test(test_rest_and_wake),
		cmocka_unit_test(test_stop_while_waiting),
		cmocka_unit_test(test_stop_while_hung),
	};

	log_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
