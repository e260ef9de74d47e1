/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * camera: the live-view poll schedule (schedule.c), driven on simulated
 * time against a model of a camera's frame clock (frames due every period,
 * each ready up to the jitter later; a poll before the next frame is
 * refused), and once against the emulated camera itself on a fake clock.
 * What is checked is behaviour counted in frames and polls: transactions
 * per frame, frames delivered, how far after a frame's ready time the poll
 * that took it came (simulated time), what happens on pace changes,
 * pauses and DeviceBusy. No wall-clock time is measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "camera/schedule.h"
#include "emu/emu_internal.h"
#include "sony/sony.h"

#define MS 1000000ull
#define US 1000ull
#define T0 (1000 * MS)
#define SEEN_NS (50 * US)	 /* the command reaches the camera */
#define FRAME_XFER_NS (1 * MS)	 /* a frame's transaction */
#define DENIED_XFER_NS (200 * US) /* a refusal's */
#define WARM_FRAMES 100		 /* learning, not counted */

/* ---- a camera's frame clock ---------------------------------------------- */

struct cam_model {
	uint64_t t0, base_k, period, jitter;
	uint64_t last;	     /* newest frame taken */
	uint64_t paused_until; /* no frames before (0: not paused) */
	unsigned busy_left;  /* DeviceBusy answers to give */
};

static uint64_t mix(uint64_t k)
{
	uint64_t h = (k + 1) * 0x9E3779B97F4A7C15ull;

	h ^= h >> 31;
	h *= 0x94D049BB133111EBull;
	return h ^ (h >> 29);
}

static uint64_t model_ready(const struct cam_model *c, uint64_t k)
{
	return c->t0 + (k - c->base_k) * c->period +
	       (c->jitter ? mix(k) % c->jitter : 0);
}

static uint64_t model_newest(const struct cam_model *c, uint64_t now)
{
	uint64_t k;

	if (now <= c->t0)
		return c->base_k;
	k = c->base_k + (now - c->t0) / c->period;
	if (k > c->base_k && model_ready(c, k) > now)
		k--;
	return k;
}

/* The pace changes at now: the next frame is due a new period later. */
static void model_pace(struct cam_model *c, uint64_t now, uint64_t period)
{
	c->base_k = model_newest(c, now);
	c->t0 = now;
	c->period = period;
}

struct run {
	struct camera_sched s;
	struct cam_model cam;
	uint64_t now, polls, tx, frames, late_every;
	/* counted from `mark` on */
	uint64_t m_tx, m_frames, m_first_k, m_last_k, m_polls;
	uint64_t lat[4096];
	size_t nlat;
	bool measuring;
};

static void run_init(struct run *r, uint64_t period, uint64_t jitter)
{
	memset(r, 0, sizeof(*r));
	r->cam.t0 = T0;
	r->cam.period = period;
	r->cam.jitter = jitter;
	r->now = T0;
	camera_sched_init(&r->s, r->now, 0);
}

static void run_mark(struct run *r)
{
	r->measuring = true;
	r->m_tx = r->tx;
	r->m_frames = r->frames;
	r->m_first_k = r->cam.last;
	r->m_polls = r->polls;
	r->nlat = 0;
}

/* One poll at the schedule's time. */
static void run_poll(struct run *r)
{
	uint64_t t = camera_sched_next(&r->s), seen, k;

	if (t < r->now)
		t = r->now;
	r->polls++;
	if (r->late_every && r->polls % r->late_every == 0)
		t += 3 * MS; /* the host was busy */
	seen = t + SEEN_NS;
	r->tx++;
	if (r->cam.busy_left) {
		r->cam.busy_left--;
		r->now = seen + DENIED_XFER_NS;
		camera_sched_note(&r->s, CAMERA_POLL_BUSY, t, r->now);
		return;
	}
	k = model_newest(&r->cam, seen);
	if (r->cam.paused_until && seen < r->cam.paused_until)
		k = r->cam.last; /* nothing new while paused */
	if (k > r->cam.last) {
		if (r->measuring && r->nlat < ARRAY_LEN(r->lat))
			r->lat[r->nlat++] = seen - model_ready(&r->cam, k);
		r->cam.last = k;
		r->frames++;
		r->m_last_k = k;
		r->now = seen + FRAME_XFER_NS;
		camera_sched_note(&r->s, CAMERA_POLL_FRAME, t, r->now);
	} else {
		r->now = seen + DENIED_XFER_NS;
		camera_sched_note(&r->s, CAMERA_POLL_DENIED, t, r->now);
	}
}

static void run_frames(struct run *r, uint64_t n)
{
	uint64_t until = r->frames + n, guard = r->polls + n * 20 + 1000;

	while (r->frames < until && r->polls < guard)
		run_poll(r);
	assert_true(r->frames >= until);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double tx_per_frame(const struct run *r)
{
	return (double)(r->tx - r->m_tx) / (double)(r->frames - r->m_frames);
}

/* Share of the camera's frames since the mark that were taken. */
static double delivered(const struct run *r)
{
	return (double)(r->frames - r->m_frames) /
	       (double)(r->m_last_k - r->m_first_k);
}

/* The poll that took a frame came at most this long after it was ready,
 * for 99 frames in 100 (simulated time). */
static uint64_t p99_after_ready(struct run *r)
{
	qsort(r->lat, r->nlat, sizeof(r->lat[0]), cmp_u64);
	return r->lat[r->nlat * 99 / 100];
}

/* Steady pace: about one transaction per frame, every frame, close to its
 * ready time, whatever the rate and the camera's jitter. */
static void check_steady(uint64_t period, uint64_t jitter)
{
	struct run *r = mem_calloc(1, sizeof(*r));

	assert_non_null(r);
	run_init(r, period, jitter);
	run_frames(r, WARM_FRAMES);
	assert_int_equal(r->s.mode, CAMERA_SCHED_TRACK);
	assert_true(r->s.period_ns > period - period / 200 &&
		    r->s.period_ns < period + period / 200);
	run_mark(r);
	run_frames(r, 1000);
	assert_true(tx_per_frame(r) <= 1.3);
	assert_true(delivered(r) >= 0.99);
	assert_true(p99_after_ready(r) <= jitter + 2 * MS);
	mem_free(r);
}

static void test_steady_30fps(void **state)
{
	(void)state;
	check_steady(1000 * MS / 30, 1 * MS);
	check_steady(1000 * MS / 30, 0);
	check_steady(1000 * MS / 30, 4 * MS);
}

static void test_steady_other_rates(void **state)
{
	(void)state;
	check_steady(40 * MS, 1 * MS);		/* 25 fps (PAL bodies) */
	check_steady(1000 * MS / 60, 1 * MS);
	check_steady(200 * MS, 1 * MS);		/* a slow body */
	check_steady(1000 * MS / 240, 500 * US); /* the fastest it takes */
}

/* While learning, about two polls per camera frame at most (Sony's
 * limit: faster polls are only refused). */
static void test_learning_respects_the_limit(void **state)
{
	struct run r;
	uint64_t k0;

	(void)state;
	run_init(&r, 1000 * MS / 30, 1 * MS);
	run_mark(&r);
	k0 = r.cam.last;
	while (r.s.mode == CAMERA_SCHED_LEARN && r.polls < 2000)
		run_poll(&r);
	assert_int_equal(r.s.mode, CAMERA_SCHED_TRACK);
	assert_true(r.polls <= 3 * (r.cam.last - k0 + 1));
	/* ... and it does not take long: well under 2 s of frames */
	assert_true(r.cam.last - k0 < 60);
}

/* The camera changes pace (a mode change, 25 vs 30 fps, a slower body):
 * learnt again, then back to about one transaction per frame. */
static void check_pace_change(uint64_t from, uint64_t to)
{
	struct run *r = mem_calloc(1, sizeof(*r));
	uint64_t relearns;

	assert_non_null(r);
	run_init(r, from, 1 * MS);
	run_frames(r, WARM_FRAMES);
	relearns = r->s.relearns;
	model_pace(&r->cam, r->now, to);
	run_frames(r, WARM_FRAMES);
	assert_true(r->s.relearns > relearns);
	assert_int_equal(r->s.mode, CAMERA_SCHED_TRACK);
	assert_true(r->s.period_ns > to - to / 1000 &&
		    r->s.period_ns < to + to / 1000);
	run_mark(r);
	run_frames(r, 300);
	assert_true(tx_per_frame(r) <= 1.3);
	assert_true(delivered(r) >= 0.99);
	mem_free(r);
}

static void test_pace_changes(void **state)
{
	(void)state;
	check_pace_change(1000 * MS / 30, 40 * MS);
	check_pace_change(40 * MS, 1000 * MS / 30);
	check_pace_change(1000 * MS / 30, 1000 * MS / 60);
	check_pace_change(1000 * MS / 60, 1000 * MS / 30);
	check_pace_change(1000 * MS / 30, 200 * MS);
	check_pace_change(200 * MS, 1000 * MS / 30);
}

/* A pause (a capture, a menu): polls back off to the bounded gap, and the
 * frames are followed again when they come back. */
static void test_pause_backs_off(void **state)
{
	struct run r;
	uint64_t polls;

	(void)state;
	run_init(&r, 1000 * MS / 30, 1 * MS);
	run_frames(&r, WARM_FRAMES);
	r.cam.paused_until = r.now + 2000 * MS;
	polls = r.polls;
	while (r.now < r.cam.paused_until)
		run_poll(&r);
	/* 2 s at most 50 ms apart, after a few frame periods of grid */
	assert_true(r.polls - polls <= 2000 / 50 + 20);
	assert_true(r.polls - polls >= 2000 / 50);
	/* frames of the pause never existed */
	r.cam.last = model_newest(&r.cam, r.cam.paused_until);
	r.cam.paused_until = 0;
	run_frames(&r, WARM_FRAMES);
	run_mark(&r);
	run_frames(&r, 300);
	assert_true(tx_per_frame(&r) <= 1.3);
	assert_true(delivered(&r) >= 0.99);
}

/* DeviceBusy: backed off 5, 10 ... 30 ms, never faster. */
static void test_busy_backs_off(void **state)
{
	struct run r;
	uint64_t at;

	(void)state;
	run_init(&r, 1000 * MS / 30, 1 * MS);
	run_frames(&r, WARM_FRAMES);
	r.cam.busy_left = 10;
	run_poll(&r);
	at = r.now;
	assert_true(camera_sched_next(&r.s) >= at + 5 * MS);
	for (unsigned i = 1; i < 10; i++) {
		run_poll(&r);
		assert_true(camera_sched_next(&r.s) >= r.now + 5 * MS);
		assert_true(camera_sched_next(&r.s) <= r.now + 30 * MS);
	}
	run_frames(&r, WARM_FRAMES);
	run_mark(&r);
	run_frames(&r, 300);
	assert_true(tx_per_frame(&r) <= 1.3);
}

/* A host late now and then (load): still every frame, no more polls. */
static void test_late_host(void **state)
{
	struct run r;

	(void)state;
	run_init(&r, 1000 * MS / 30, 1 * MS);
	r.late_every = 7;
	run_frames(&r, WARM_FRAMES);
	run_mark(&r);
	run_frames(&r, 1000);
	assert_true(tx_per_frame(&r) <= 1.3);
	assert_true(delivered(&r) >= 0.99);
}

/* -o fps=10 on a 30 fps camera: every third frame, each taken at most a
 * camera period after it was ready. */
static void test_fps_limit(void **state)
{
	struct run r;

	(void)state;
	run_init(&r, 1000 * MS / 30, 1 * MS);
	camera_sched_set_min_interval(&r.s, 100 * MS);
	run_frames(&r, WARM_FRAMES);
	run_mark(&r);
	run_frames(&r, 300);
	assert_true(tx_per_frame(&r) <= 1.3);
	/* one camera frame in three */
	assert_true(delivered(&r) > 0.3 && delivered(&r) < 0.34);
	assert_true(p99_after_ready(&r) < 1000 * MS / 30 + 2 * MS);
}

/* ---- against the emulated camera ----------------------------------------- */

static uint64_t emu_now = T0;

static uint64_t emu_clock(void *arg)
{
	(void)arg;
	return emu_now;
}

/* The schedule and the emulated a6300 (frames ready on its own clock with
 * its default jitter; refused before, exactly as it refuses a host): about
 * one GetObject per frame, every frame. */
static void test_with_emulated_camera(void **state)
{
	struct sony_ext_info ext = { 0 };
	struct camera_sched s;
	struct ptp_session ps;
	struct ptp_transport *t;
	struct emu_camera *cam;
	struct emu_config cfg;
	struct emu_stats st;
	uint64_t tx0 = 0, frames0 = 0, first = 0, frames = 0;

	(void)state;
	emu_config_default(&cfg);
	cfg.warmup_ms = 0;
	cfg.width = EMU_SMALL_WIDTH;
	cfg.height = EMU_SMALL_HEIGHT;
	cam = emu_camera_create(&cfg);
	assert_non_null(cam);
	emu_camera_set_clock(cam, emu_clock, NULL);
	t = emu_memusb_create(cam);
	ptp_session_init(&ps, t);
	assert_int_equal(ptp_open_session(&ps, 1), 0);
	assert_int_equal(sony_handshake(&ps, &ext), 0);
	sony_ext_info_finish(&ext);
	camera_sched_init(&s, emu_now, 0);
	for (unsigned polls = 0; frames < 400 && polls < 4000; polls++) {
		struct sony_lv_result lv;
		uint64_t sent = camera_sched_next(&s) > emu_now
					? camera_sched_next(&s)
					: emu_now;
		int rc;

		emu_now = sent;
		rc = sony_liveview_fetch(&ps, &lv);
		emu_now += rc == 0 ? FRAME_XFER_NS : DENIED_XFER_NS;
		assert_true(rc == 0 || rc == ALPHAFS_ERR_AGAIN);
		camera_sched_note(&s, rc == 0 ? CAMERA_POLL_FRAME : CAMERA_POLL_DENIED,
				  sent, emu_now);
		if (rc != 0)
			continue;
		frame_unref(lv.frame);
		if (++frames == WARM_FRAMES) {
			emu_camera_get_stats(cam, &st);
			tx0 = ps.transactions;
			frames0 = frames;
			first = st.last_frame_seq;
		}
	}
	assert_int_equal(frames, 400);
	assert_int_equal(s.mode, CAMERA_SCHED_TRACK);
	emu_camera_get_stats(cam, &st);
	assert_true((double)(ps.transactions - tx0) / (double)(frames - frames0) <= 1.3);
	/* every frame the camera made was taken */
	assert_int_equal(st.last_frame_seq - first, frames - frames0);
	ptp_session_finish(&ps);
	ptp_transport_destroy(t);
	emu_camera_destroy(cam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_30fps),
		cmocka_unit_test(test_steady_other_rates),
		cmocka_unit_test(test_learning_respects_the_limit),
		cmocka_unit_test(test_pace_changes),
		cmocka_unit_test(test_pause_backs_off),
		cmocka_unit_test(test_busy_backs_off),
		cmocka_unit_test(test_late_host),
		cmocka_unit_test(test_fps_limit),
		cmocka_unit_test(test_with_emulated_camera),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
