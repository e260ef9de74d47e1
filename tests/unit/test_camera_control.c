/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * camera: control writes and events. The write-walk state machine alone
 * (a scripted dial: notches, a dial without the asked value, one that does
 * not move, one that jumps), then the owner thread against the emulated
 * ILCE-6300 in memory: reading and choices, writes set by 0x9205 and
 * walked by 0x9207 while frames keep coming, the refusals (EINVAL with the
 * camera unchanged, read-only, the mode dial), a dial turned on the body
 * showing in the value and as an event line.
 *
 * The emulated camera here applies a step after 20 ms (its default is
 * 300 ms, realistic) so that walks of several notches stay quick; waits
 * are on condition variables, with deadlines that only turn a hang into a
 * failure.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "camera/camera_internal.h"
#include "emu/emu.h"

#define WAIT_GUARD_MS 30000
#define TEST_STEP_MS 20
#define NS_PER_MS 1000000ull
#define LINES_MAX 256
#define LINE_MAX 256

/* ---- the walk alone ---------------------------------------------------- */

/* A dial with notches t[0..n): a step moves one notch after `lag` calls. */
struct dial {
	const int64_t *t;
	size_t n, pos;
	int pending, lag, wait;
	bool stuck;
};

static void dial_step(struct dial *d, int dir)
{
	d->pending = dir;
	d->wait = d->lag;
}

static void dial_tick(struct dial *d)
{
	if (!d->pending || d->stuck)
		return;
	if (d->wait-- > 0)
		return;
	if ((d->pending > 0 && d->pos + 1 < d->n) || (d->pending < 0 && d->pos > 0))
		d->pos += d->pending > 0 ? 1 : (size_t)-1;
	d->pending = 0;
}

/* Runs a walk to target over the dial; returns the walk's end. */
static enum camera_walk_action run_walk(struct dial *dl, const char *ctl,
					uint16_t type, int64_t target,
					struct camera_walk *w, unsigned *sent)
{
	const struct sony_control *c = sony_control_by_name(ctl);
	struct ptp_prop_desc d = { .code = c->code, .type = type,
				   .form = PTP_FORM_RANGE };
	struct ptp_value tv;
	uint64_t now = 1;

	sony_value_set(&tv, type, target);
	camera_walk_begin(w, c, true, &tv, now);
	*sent = 0;
	for (unsigned round = 0; round < 10000; round++) {
		enum camera_walk_action a;

		dial_tick(dl);
		sony_value_set(&d.current, type, dl->t[dl->pos]);
		a = camera_walk_next(w, &d, now);
		if (a == CAMERA_WALK_DONE || a == CAMERA_WALK_FAIL)
			return a;
		if (a == CAMERA_WALK_STEP_UP || a == CAMERA_WALK_STEP_DOWN) {
			dial_step(dl, a == CAMERA_WALK_STEP_UP ? 1 : -1);
			camera_walk_sent(w, now);
			(*sent)++;
		}
		now += 50 * NS_PER_MS;
	}
	fail_msg("walk did not end");
	return CAMERA_WALK_FAIL;
}

static void test_walk(void **state)
{
	/* f-numbers in thirds; a +1 step = larger */
	static const int64_t f[] = { 350, 400, 450, 500, 560, 630, 710, 800 };
	struct dial dl = { .t = f, .n = ARRAY_LEN(f), .pos = 4, .lag = 3 };
	struct camera_walk w;
	unsigned sent;

	(void)state;
	/* to a notch, up */
	assert_int_equal(run_walk(&dl, "f_number", PTP_DTC_UINT16, 800, &w,
				  &sent),
			 CAMERA_WALK_DONE);
	assert_int_equal(dl.pos, 7);
	assert_int_equal(sent, 3);
	/* already there: nothing sent */
	assert_int_equal(run_walk(&dl, "f_number", PTP_DTC_UINT16, 800, &w,
				  &sent),
			 CAMERA_WALK_DONE);
	assert_int_equal(sent, 0);
	/* no such notch: past it, then back where it began, INVALID */
	assert_int_equal(run_walk(&dl, "f_number", PTP_DTC_UINT16, 420, &w,
				  &sent),
			 CAMERA_WALK_FAIL);
	assert_int_equal(w.fail_code, ALPHAFS_ERR_INVALID);
	assert_int_equal(dl.pos, 7);
	assert_non_null(strstr(w.why, "not a position"));
	/* a dial that does not move: IO after the step deadline */
	dl.stuck = true;
	assert_int_equal(run_walk(&dl, "f_number", PTP_DTC_UINT16, 350, &w,
				  &sent),
			 CAMERA_WALK_FAIL);
	assert_int_equal(w.fail_code, ALPHAFS_ERR_IO);
	assert_int_equal(sent, 1);
	assert_non_null(strstr(w.why, "did not move"));
}

static void test_walk_bounded(void **state)
{
	static int64_t many[CAMERA_WALK_STEPS_MAX + 20];
	struct dial dl = { .t = many, .n = ARRAY_LEN(many), .pos = 0 };
	struct camera_walk w;
	unsigned sent;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(many); i++)
		many[i] = 100 + (int64_t)i;
	assert_int_equal(run_walk(&dl, "f_number", PTP_DTC_UINT16,
				  many[ARRAY_LEN(many) - 1], &w, &sent),
			 CAMERA_WALK_FAIL);
	assert_int_equal(sent, CAMERA_WALK_STEPS_MAX);
	assert_int_equal(w.fail_code, ALPHAFS_ERR_IO);
}

/* Shutter: +1 = shorter; the walk compares exposure times. */
static void test_walk_shutter(void **state)
{
	static const int64_t ss[] = { 0, 30 << 16 | 1, 300 << 16 | 100,
				      1 << 16 | 1, 1 << 16 | 125 };
	struct dial dl = { .t = ss, .n = ARRAY_LEN(ss), .pos = 4 };
	struct camera_walk w;
	unsigned sent;

	(void)state;
	/* 3" is 300/100 on this dial */
	assert_int_equal(run_walk(&dl, "shutter_speed", PTP_DTC_UINT32,
				  3 << 16 | 1, &w, &sent),
			 CAMERA_WALK_DONE);
	assert_int_equal(dl.pos, 2);
	assert_int_equal(run_walk(&dl, "shutter_speed", PTP_DTC_UINT32, 0, &w,
				  &sent),
			 CAMERA_WALK_DONE);
	assert_int_equal(dl.pos, 0);
}

/* ---- against the emulated camera ---------------------------------------- */

struct sink {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char lines[LINES_MAX][LINE_MAX];
	size_t n;
	/* the write under test */
	bool done;
	int result;
};

static void handle_line(void *arg, const char *line, size_t len)
{
	struct sink *s = arg;

	pthread_mutex_lock(&s->lock);
	if (s->n < LINES_MAX) {
		snprintf(s->lines[s->n], LINE_MAX, "%.*s", (int)len, line);
		s->n++;
	}
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

static void handle_done(int result, void *arg)
{
	struct sink *s = arg;

	pthread_mutex_lock(&s->lock);
	s->done = true;
	s->result = result;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

struct fx {
	struct frame_store *st;
	struct emu_camera *emu;
	struct camera *cam;
	struct sink sink;
};

static struct fx *fx_new(void)
{
	struct fx *f = mem_calloc(1, sizeof(*f));
	struct ptp_transport_opener open;
	struct camera_event_sink es;
	struct emu_config cfg;
	char err[256] = "";

	assert_non_null(f);
	emu_config_default(&cfg);
	cfg.fps = 60;
	cfg.width = 160;
	cfg.height = 120;
	cfg.warmup_ms = 0;
	cfg.step_ms = TEST_STEP_MS;
	f->emu = emu_camera_create(&cfg);
	assert_non_null(f->emu);
	open = emu_memusb_opener(f->emu);
	f->st = frame_store_create();
	assert_non_null(f->st);
	pthread_mutex_init(&f->sink.lock, NULL);
	clock_cond_init(&f->sink.cond);
	f->cam = camera_create(&open, NULL, f->st);
	assert_non_null(f->cam);
	es = (struct camera_event_sink){ .fn = handle_line, .arg = &f->sink };
	camera_set_event_sink(f->cam, &es);
	if (camera_start(f->cam, err, sizeof(err)) != 0)
		fail_msg("camera_start: %s", err);
	return f;
}

static void fx_free(struct fx *f)
{
	camera_destroy(f->cam);
	emu_camera_destroy(f->emu);
	frame_store_destroy(f->st);
	pthread_cond_destroy(&f->sink.cond);
	pthread_mutex_destroy(&f->sink.lock);
	mem_free(f);
}

/* The control's value as read now ("" when not readable). */
static int read_value(struct fx *f, const char *name, char *out, size_t cap)
{
	struct buf b;
	int rc;

	buf_init(&b, 4096);
	rc = camera_control_read(f->cam, sony_control_by_name(name)->code, &b);
	snprintf(out, cap, "%.*s", rc == 0 ? (int)b.len : 0,
		 rc == 0 ? (char *)b.data : "");
	buf_finish(&b);
	return rc;
}

static bool value_is(struct fx *f, const char *name, const char *want)
{
	char v[64];

	return read_value(f, name, v, sizeof(v)) == 0 && !strcmp(v, want);
}

/* Waits (bounded) until the value reads want. */
static void wait_value(struct fx *f, const char *name, const char *want)
{
	uint64_t end = clock_now_ns() + WAIT_GUARD_MS * NS_PER_MS;

	while (!value_is(f, name, want)) {
		if (clock_now_ns() > end)
			fail_msg("%s never read %s", name, want);
		clock_sleep_ms(5);
	}
}

/* Starts a write; returns its immediate result (0: queued). */
static int write_start(struct fx *f, const char *name, const char *text)
{
	struct camera_control_write w = {
		.code = sony_control_by_name(name)->code,
		.text = text,
		.len = strlen(text),
		.done = handle_done,
		.arg = &f->sink,
	};

	pthread_mutex_lock(&f->sink.lock);
	f->sink.done = false;
	pthread_mutex_unlock(&f->sink.lock);
	return camera_control_write(f->cam, &w);
}

/* A whole write: its immediate result, or the result done reported. */
static int write_value(struct fx *f, const char *name, const char *text)
{
	struct timespec ts;
	int rc = write_start(f, name, text);

	if (rc < 0)
		return rc;
	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&f->sink.lock);
	while (!f->sink.done &&
	       pthread_cond_timedwait(&f->sink.cond, &f->sink.lock, &ts) == 0)
		;
	assert_true(f->sink.done);
	rc = f->sink.result;
	pthread_mutex_unlock(&f->sink.lock);
	return rc;
}

static bool has_line(struct fx *f, const char *text)
{
	bool found = false;

	pthread_mutex_lock(&f->sink.lock);
	for (size_t i = 0; i < f->sink.n && !found; i++)
		found = strstr(f->sink.lines[i], text) != NULL;
	pthread_mutex_unlock(&f->sink.lock);
	return found;
}

static void wait_line(struct fx *f, const char *text)
{
	uint64_t end = clock_now_ns() + WAIT_GUARD_MS * NS_PER_MS;

	while (!has_line(f, text)) {
		if (clock_now_ns() > end)
			fail_msg("no event line with \"%s\"", text);
		clock_sleep_ms(5);
	}
}

static uint64_t frames_now(struct fx *f)
{
	struct camera_status cs;

	camera_get_status(f->cam, &cs);
	return cs.frames_captured;
}

static void test_read_and_choices(void **state)
{
	struct fx *f = fx_new();
	struct buf b;
	size_t lines = 0;

	(void)state;
	wait_value(f, "iso", "auto\n");
	assert_true(value_is(f, "shutter_speed", "1/100\n"));
	assert_true(value_is(f, "f_number", "f/5.6\n"));
	assert_true(value_is(f, "exposure_mode", "M\n"));
	assert_true(value_is(f, "battery", "unknown\n"));
	assert_true(camera_prop_announced(f->cam, SONY_DPC_ISO));
	assert_false(camera_prop_announced(f->cam, 0xD2A0));
	buf_init(&b, 65536);
	assert_int_equal(camera_control_choices(f->cam, SONY_DPC_ISO, &b), 0);
	for (size_t i = 0; i < b.len; i++)
		lines += b.data[i] == '\n';
	assert_int_equal(lines, 86); /* the a6300's list */
	assert_true(!strncmp((char *)b.data, "auto\n25\n50\n", 11));
	buf_reset(&b);
	assert_int_equal(camera_control_choices(f->cam, SONY_DPC_SHUTTER_SPEED,
						&b),
			 0);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "any\n", 4);
	buf_finish(&b);
	fx_free(f);
}

/* Stepped and direct writes land, and frames keep coming meanwhile. */
static void test_writes_land(void **state)
{
	struct fx *f = fx_new();
	uint64_t frames;
	struct camera_status cs;

	(void)state;
	wait_value(f, "iso", "auto\n");
	frames = frames_now(f);
	assert_int_equal(write_value(f, "iso", "100\n"), 0);
	assert_true(value_is(f, "iso", "100\n"));
	assert_true(frames_now(f) > frames);
	wait_line(f, "property iso 80 -> 100");
	assert_int_equal(write_value(f, "iso", "auto"), 0);
	assert_int_equal(write_value(f, "shutter_speed", "1/250"), 0);
	assert_true(value_is(f, "shutter_speed", "1/250\n"));
	assert_int_equal(write_value(f, "f_number", "f/8"), 0);
	assert_true(value_is(f, "f_number", "f/8.0\n"));
	assert_int_equal(write_value(f, "exposure_compensation", "-0.7"), 0);
	assert_true(value_is(f, "exposure_compensation", "-0.7\n"));
	assert_int_equal(write_value(f, "white_balance", "daylight"), 0);
	assert_true(value_is(f, "white_balance", "daylight\n"));
	assert_int_equal(write_value(f, "drive_mode", "continuous-lo"), 0);
	assert_int_equal(write_value(f, "focus_mode", "af-c"), 0);
	assert_int_equal(write_value(f, "image_quality", "raw+jpeg"), 0);
	assert_int_equal(write_value(f, "color_temperature", "6500K"), 0);
	assert_true(value_is(f, "color_temperature", "6500K\n"));
	camera_get_status(f->cam, &cs);
	assert_int_equal(cs.control_writes, 10);
	assert_int_equal(cs.control_failed, 0);
	assert_true(cs.control_steps >= 5 + 5 + 3 + 2 + 2);
	fx_free(f);
}

/* Refusals: the camera is not touched (no step sent). */
static void test_refusals(void **state)
{
	struct fx *f = fx_new();
	struct camera_status cs;
	int64_t iso;

	(void)state;
	wait_value(f, "iso", "auto\n");
	assert_int_equal(write_value(f, "iso", "333"), ALPHAFS_ERR_INVALID);
	assert_int_equal(write_value(f, "iso", "banana"), ALPHAFS_ERR_INVALID);
	assert_int_equal(write_value(f, "white_balance", "purple"),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(write_value(f, "color_temperature", "6550K"),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(write_value(f, "exposure_mode", "A"),
			 ALPHAFS_ERR_READ_ONLY);
	assert_int_equal(write_value(f, "battery", "50%"),
			 ALPHAFS_ERR_READ_ONLY);
	camera_get_status(f->cam, &cs);
	assert_int_equal(cs.control_steps, 0);
	assert_int_equal(cs.control_failed, 6);
	assert_non_null(strstr(cs.control_why, "battery is read-only"));
	assert_int_equal(emu_camera_get_prop(f->emu, SONY_DPC_ISO, &iso), 0);
	assert_int_equal(iso, 0xFFFFFF);
	/* the mode dial decides: A locks the shutter */
	assert_int_equal(emu_camera_set_prop(f->emu, SONY_DPC_EXPOSURE_PROGRAM,
					     3),
			 0);
	wait_value(f, "exposure_mode", "A\n");
	assert_int_equal(write_value(f, "shutter_speed", "1/500"),
			 ALPHAFS_ERR_STATE);
	camera_get_status(f->cam, &cs);
	assert_non_null(strstr(cs.control_why, "exposure mode A"));
	/* intelligent auto greys white balance out */
	assert_int_equal(emu_camera_set_prop(f->emu, SONY_DPC_EXPOSURE_PROGRAM,
					     0x8000),
			 0);
	wait_value(f, "exposure_mode", "intelligent-auto\n");
	assert_int_equal(write_value(f, "white_balance", "shade"),
			 ALPHAFS_ERR_STATE);
	assert_int_equal(write_value(f, "iso", "800"), ALPHAFS_ERR_STATE);
	fx_free(f);
}

/* A shutter speed the dial does not have: walked past, put back. */
static void test_no_such_notch(void **state)
{
	struct fx *f = fx_new();

	(void)state;
	wait_value(f, "shutter_speed", "1/100\n");
	assert_int_equal(write_value(f, "shutter_speed", "1/140"),
			 ALPHAFS_ERR_INVALID);
	assert_true(value_is(f, "shutter_speed", "1/100\n"));
	fx_free(f);
}

/* A dial turned on the body: the value and an event line. */
static void test_dial_turned(void **state)
{
	struct fx *f = fx_new();

	(void)state;
	wait_value(f, "iso", "auto\n");
	assert_int_equal(emu_camera_set_prop(f->emu, SONY_DPC_ISO, 1600), 0);
	wait_value(f, "iso", "1600\n");
	wait_line(f, "property iso auto -> 1600");
	assert_int_equal(emu_camera_set_prop(f->emu, SONY_DPC_BATTERY_LEVEL, 42),
			 0);
	wait_value(f, "battery", "42%\n");
	wait_line(f, "property battery unknown -> 42%");
	/* an event from the body that is not a property change */
	emu_camera_push_event(f->emu, SONY_EC_OBJECT_ADDED, 0xFFFFC001);
	wait_line(f, "object-added 0xFFFFC001");
	fx_free(f);
}

/* Unplugged: reads say so, writes fail with NO_DEVICE; a line says it. */
static void test_disconnect(void **state)
{
	struct fx *f = fx_new();
	char v[64];

	(void)state;
	wait_value(f, "iso", "auto\n");
	emu_camera_unplug(f->emu);
	wait_line(f, "disconnected");
	assert_int_equal(read_value(f, "iso", v, sizeof(v)),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(write_value(f, "iso", "800"), ALPHAFS_ERR_NO_DEVICE);
	emu_camera_replug(f->emu);
	wait_line(f, "connected ILCE-6300");
	wait_value(f, "iso", "auto\n");
	fx_free(f);
}

/* Writes pending at a stop complete with CLOSED. */
static void test_stop_completes(void **state)
{
	struct fx *f = fx_new();

	(void)state;
	wait_value(f, "iso", "auto\n");
	assert_int_equal(write_start(f, "iso", "409600"), 0);
	camera_stop(f->cam);
	pthread_mutex_lock(&f->sink.lock);
	assert_true(f->sink.done);
	assert_true(f->sink.result == ALPHAFS_ERR_CLOSED || f->sink.result == 0);
	pthread_mutex_unlock(&f->sink.lock);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_walk_bounded),
		cmocka_unit_test(test_walk_shutter),
		cmocka_unit_test(test_read_and_choices),
		cmocka_unit_test(test_writes_land),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_no_such_notch),
		cmocka_unit_test(test_dial_turned),
		cmocka_unit_test(test_disconnect),
		cmocka_unit_test(test_stop_completes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
