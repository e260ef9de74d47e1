/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * emu: the emulated camera's frame clock (sensor.c). Frames are ready on
 * the camera's own clock, each a little late by its jitter; a poll before
 * the next frame is ready is refused as a real body refuses it (16 zero
 * bytes, then AccessDenied 0x200F); a pace change restarts the clock;
 * frames rendered ahead are the very bytes rendered on demand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_emu_host.h"

#define JITTER_US 3000
#define WAIT_AHEAD_MS 10000

static struct emu_camera *jittery_camera(unsigned jitter_us, unsigned fps)
{
	struct emu_config cfg;
	struct emu_camera *cam;

	emu_config_default(&cfg);
	cfg.warmup_ms = 0;
	cfg.jitter_us = jitter_us;
	cfg.fps = fps;
	cfg.width = EMU_SMALL_WIDTH;
	cfg.height = EMU_SMALL_HEIGHT;
	cam = emu_camera_create(&cfg);
	assert_non_null(cam);
	fake_now_ns = 1000000000ull;
	emu_camera_set_clock(cam, fake_clock, NULL);
	host_handshake(cam);
	return cam;
}

static uint64_t ready_at(struct emu_camera *cam, uint64_t k)
{
	uint64_t t;

	pthread_mutex_lock(&cam->lock);
	t = emu_sensor_ready_ns(cam, k);
	pthread_mutex_unlock(&cam->lock);
	return t;
}

/* Takes a frame; returns its JPEG (caller frees) with its marker. */
static uint8_t *expect_frame(struct emu_camera *cam, uint32_t tid,
			     uint64_t *seq, uint64_t *ns, size_t *jlen)
{
	struct sony_liveview lv;
	int why = -1;
	size_t len;
	uint8_t *b = host_liveview(cam, tid, &len), *j;

	assert_int_equal(get_u16le(b + 4), PTP_TYPE_DATA);
	assert_int_equal(sony_liveview_parse(b + PTP_HEADER_SIZE,
					     len - PTP_HEADER_SIZE, &lv, &why), 0);
	assert_int_equal(emu_frame_marker(lv.jpeg, lv.jpeg_len, seq, ns), 0);
	j = mem_alloc(lv.jpeg_len);
	assert_non_null(j);
	memcpy(j, lv.jpeg, lv.jpeg_len);
	*jlen = lv.jpeg_len;
	mem_free(b);
	host_response(cam, PTP_RC_OK);
	return j;
}

/* Each frame is refused 1 ns before it is ready and taken at that moment;
 * its marker says when; the lateness varies within the jitter. */
static void test_ready_on_the_clock_with_jitter(void **state)
{
	struct emu_camera *cam = jittery_camera(JITTER_US, 30);
	uint64_t t0 = fake_now_ns, lo = UINT64_MAX, hi = 0;
	uint32_t tid = 100;

	(void)state;
	for (uint64_t k = 1; k <= 40; k++) {
		uint64_t due = t0 + k * FRAME_NS, at = ready_at(cam, k);
		uint64_t seq, ns;
		size_t n;

		assert_true(at >= due && at - due < JITTER_US * 1000ull);
		lo = at - due < lo ? at - due : lo;
		hi = at - due > hi ? at - due : hi;
		fake_now_ns = at - 1;
		expect_denied(cam, tid++);
		fake_now_ns = at;
		mem_free(expect_frame(cam, tid++, &seq, &ns, &n));
		assert_int_equal(seq, k);
		assert_int_equal(ns, at);
	}
	/* spread over most of the jitter, not one fixed delay */
	assert_true(hi - lo > JITTER_US * 1000ull / 2);
	emu_camera_destroy(cam);
}

/* Jitter never reaches half a period: at 240 fps, 3 ms is cut to 2 ms. */
static void test_jitter_below_half_a_period(void **state)
{
	struct emu_camera *cam = jittery_camera(JITTER_US, 240);
	uint64_t t0 = fake_now_ns, period = 1000000000ull / 240;

	(void)state;
	for (uint64_t k = 1; k <= 200; k++)
		assert_true(ready_at(cam, k) - (t0 + k * period) < period / 2);
	emu_camera_destroy(cam);
}

/* fps N: the next frame is due 1/N after the change, numbers go on. */
static void test_pace_change(void **state)
{
	struct emu_camera *cam = jittery_camera(0, 30);
	uint64_t seq, ns, t;
	uint32_t tid = 200;
	size_t n;

	(void)state;
	advance_ms(100); /* frames 1..3 ready */
	mem_free(expect_frame(cam, tid++, &seq, &ns, &n));
	assert_int_equal(seq, 3);
	advance_ms(5); /* 105 ms: frame 4 is due at 133 ms */
	t = fake_now_ns;
	assert_int_equal(emu_camera_set_fps(cam, 25), 0);
	fake_now_ns = t + 40000000ull - 1; /* 25 fps: 40 ms */
	expect_denied(cam, tid++);
	fake_now_ns = t + 40000000ull;
	mem_free(expect_frame(cam, tid++, &seq, &ns, &n));
	assert_int_equal(seq, 4);
	assert_int_equal(ns, t + 40000000ull);
	fake_now_ns = t + 80000000ull;
	mem_free(expect_frame(cam, tid++, &seq, &ns, &n));
	assert_int_equal(seq, 5);
	/* faster again; bad rates refused */
	t = fake_now_ns + 1000000ull;
	fake_now_ns = t;
	assert_int_equal(emu_camera_set_fps(cam, 60), 0);
	fake_now_ns = t + 1000000000ull / 60;
	mem_free(expect_frame(cam, tid++, &seq, &ns, &n));
	assert_int_equal(seq, 6);
	assert_int_equal(emu_camera_set_fps(cam, 0), ALPHAFS_ERR_INVALID);
	assert_int_equal(emu_camera_set_fps(cam, 241), ALPHAFS_ERR_INVALID);
	emu_camera_destroy(cam);
}

static bool has_ahead(struct emu_camera *cam, uint64_t k)
{
	bool ok;

	pthread_mutex_lock(&cam->lock);
	ok = cam->sensor.ahead_ok && cam->sensor.ahead_k == k;
	pthread_mutex_unlock(&cam->lock);
	return ok;
}

/* After a frame the sensor renders the next one while the host waits; that
 * frame is answered without encoding, byte for byte what an encoding on
 * demand gives. */
static void test_rendered_ahead_is_identical(void **state)
{
	struct emu_camera *cam = jittery_camera(JITTER_US, 30);
	/* the camera's own encoder settings (default quality) */
	struct emu_pattern *p = emu_pattern_create(EMU_SMALL_WIDTH,
						   EMU_SMALL_HEIGHT, 80);
	struct emu_render_opts o = { 0 };
	uint64_t seq, ns, deadline;
	struct emu_stats st;
	struct buf ref;
	uint8_t *j;
	size_t n;

	(void)state;
	assert_non_null(p);
	fake_now_ns = ready_at(cam, 1);
	mem_free(expect_frame(cam, 1, &seq, &ns, &n));
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.frames_encoded_late, 1); /* nothing was ahead */
	deadline = clock_now_ns() + WAIT_AHEAD_MS * 1000000ull;
	while (!has_ahead(cam, 2) && clock_now_ns() < deadline)
		usleep(1000);
	assert_true(has_ahead(cam, 2));
	fake_now_ns = ready_at(cam, 2);
	j = expect_frame(cam, 2, &seq, &ns, &n);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.frames_encoded_late, 1);
	buf_init(&ref, HOST_CAP);
	assert_int_equal(emu_pattern_render(p, 2, ready_at(cam, 2), &o, &ref), 0);
	assert_int_equal(ref.len, n);
	assert_memory_equal(ref.data, j, n);
	buf_finish(&ref);
	mem_free(j);
	emu_pattern_destroy(p);
	emu_camera_destroy(cam);
}

static void test_config_bounds(void **state)
{
	struct emu_config cfg;
	struct emu_camera *cam;

	(void)state;
	emu_config_default(&cfg);
	assert_int_equal(cfg.jitter_us, EMU_JITTER_DEFAULT_US);
	cfg.jitter_us = EMU_JITTER_MAX_US + 1;
	assert_null(emu_camera_create(&cfg));
	cfg.jitter_us = EMU_JITTER_MAX_US;
	cam = emu_camera_create(&cfg);
	assert_non_null(cam);
	emu_camera_destroy(cam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_on_the_clock_with_jitter),
		cmocka_unit_test(test_jitter_below_half_a_period),
		cmocka_unit_test(test_pace_change),
		cmocka_unit_test(test_rendered_ahead_is_identical),
		cmocka_unit_test(test_config_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
