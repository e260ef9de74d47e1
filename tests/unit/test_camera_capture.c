/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * camera: the still engine (capture.c) on the owner thread against the
 * emulated ILCE-6300 in memory, live view running: the protocol-2.00
 * sequence, RAW+JPEG, the drain of a stale image, focus lock and release,
 * and the faults (a refused shutter, an image never announced, ObjectAdded
 * before the image is there, no event at all, an unplug, a refused
 * object). Waits are on condition variables; the deadlines only turn a
 * hang into a failure.
 *
 * Small stills (320 x 240, 4 KiB ARWs) keep it fast; the full-size
 * picture is covered by test_emu_still and the gphoto2 peer test.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <turbojpeg.h>

#include "camera/camera_internal.h"
#include "emu/emu.h"

#define WAIT_GUARD_MS 30000
#define STILL_W 320
#define STILL_H 240
#define RAW_BYTES 4096
#define MAX_OBJECTS 8

struct job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	struct camera_still_result res;
	struct camera_still_object obj[MAX_OBJECTS];
	unsigned nobj;
	int refuse; /* ops.object returns this (0: take) */
	uint64_t frames_at_done;
	struct frame_store *st;
};

struct fixture {
	struct emu_camera *emu;
	struct frame_store *st;
	struct camera *cam;
	struct job job;
};

static int handle_object(void *arg, struct camera_still_object *obj)
{
	struct job *j = arg;
	int rc = j->refuse;

	pthread_mutex_lock(&j->lock);
	if (rc == 0 && j->nobj < MAX_OBJECTS) {
		j->obj[j->nobj++] = *obj;
	} else {
		mem_free(obj->data);
		rc = rc ? rc : ALPHAFS_ERR_TOO_BIG;
	}
	pthread_mutex_unlock(&j->lock);
	return rc;
}

static void handle_done(void *arg, const struct camera_still_result *res)
{
	struct job *j = arg;
	struct frame_store_stats st;

	frame_store_get_stats(j->st, &st);
	pthread_mutex_lock(&j->lock);
	j->res = *res;
	j->done = true;
	j->frames_at_done = st.published;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

static void job_reset(struct job *j)
{
	pthread_mutex_lock(&j->lock);
	for (unsigned i = 0; i < j->nobj; i++)
		mem_free(j->obj[i].data);
	j->nobj = 0;
	j->done = false;
	j->refuse = 0;
	memset(&j->res, 0, sizeof(j->res));
	pthread_mutex_unlock(&j->lock);
}

static struct fixture *fixture_new(const struct emu_faults *faults)
{
	struct fixture *fx = mem_calloc(1, sizeof(*fx));
	struct ptp_transport_opener open;
	struct emu_config cfg;
	char err[256] = "";

	assert_non_null(fx);
	emu_config_default(&cfg);
	cfg.fps = 60;
	cfg.width = 160;
	cfg.height = 120;
	cfg.warmup_ms = 0;
	cfg.still_width = STILL_W;
	cfg.still_height = STILL_H;
	cfg.raw_bytes = RAW_BYTES;
	if (faults)
		cfg.faults = *faults;
	fx->emu = emu_camera_create(&cfg);
	assert_non_null(fx->emu);
	open = emu_memusb_opener(fx->emu);
	fx->st = frame_store_create();
	assert_non_null(fx->st);
	fx->cam = camera_create(&open, NULL, fx->st);
	assert_non_null(fx->cam);
	pthread_mutex_init(&fx->job.lock, NULL);
	clock_cond_init(&fx->job.cond);
	fx->job.st = fx->st;
	if (camera_start(fx->cam, err, sizeof(err)) != 0)
		fail_msg("camera_start: %s", err);
	return fx;
}

static void fixture_free(struct fixture *fx)
{
	camera_destroy(fx->cam);
	job_reset(&fx->job);
	emu_camera_destroy(fx->emu);
	frame_store_destroy(fx->st);
	pthread_cond_destroy(&fx->job.cond);
	pthread_mutex_destroy(&fx->job.lock);
	mem_free(fx);
}

static uint64_t published(struct fixture *fx)
{
	struct frame_store_stats st;

	frame_store_get_stats(fx->st, &st);
	return st.published;
}

/* Waits (generous guard) until at least n frames were published. */
static void wait_published(struct fixture *fx, uint64_t n)
{
	uint64_t deadline = clock_now_ns() + WAIT_GUARD_MS * 1000000ull;

	while (published(fx) < n) {
		assert_true(clock_now_ns() < deadline);
		clock_sleep_ms(5);
	}
}

static int submit(struct fixture *fx, enum camera_still_kind kind,
		  unsigned focus_ms, unsigned announce_ms)
{
	struct camera_still_request r = {
		.kind = kind,
		.focus_timeout_ms = focus_ms,
		.announce_timeout_ms = announce_ms,
		.ops = { .object = handle_object, .done = handle_done,
			 .arg = &fx->job },
	};

	return camera_still_submit(fx->cam, &r);
}

static void wait_done(struct fixture *fx)
{
	struct timespec ts;

	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&fx->job.lock);
	while (!fx->job.done &&
	       pthread_cond_timedwait(&fx->job.cond, &fx->job.lock, &ts) == 0)
		;
	assert_true(fx->job.done);
	pthread_mutex_unlock(&fx->job.lock);
}

/* Runs a job to its end; returns its rc. */
static int run(struct fixture *fx, enum camera_still_kind kind,
	       unsigned focus_ms, unsigned announce_ms)
{
	job_reset(&fx->job);
	assert_int_equal(submit(fx, kind, focus_ms, announce_ms), 0);
	wait_done(fx);
	return fx->job.res.rc;
}

static void check_jpeg(const struct camera_still_object *o, const char *name)
{
	tjhandle tj = tjInitDecompress();
	int w, h, sub, cs;

	assert_string_equal(o->name, name);
	assert_int_equal(o->format, PTP_OFC_JPEG);
	assert_int_equal(o->width, STILL_W);
	assert_true(o->capture_time > 0);
	assert_int_equal(strlen(o->capture_date), 15);
	assert_true(o->wall_ns > 0);
	assert_int_equal(tjDecompressHeader3(tj, o->data, (unsigned long)o->len,
					     &w, &h, &sub, &cs), 0);
	assert_int_equal(w, STILL_W);
	assert_int_equal(h, STILL_H);
	tjDestroy(tj);
}

/* A property set on the owner thread (0x9205), as a request. */
struct setprop {
	uint16_t code;
	struct ptp_value v;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int rc;
};

static int handle_set_run(struct ptp_session *s, void *arg)
{
	struct setprop *p = arg;

	return sony_set_control_a(s, p->code, &p->v);
}

static void handle_set_done(int rc, void *arg)
{
	struct setprop *p = arg;

	pthread_mutex_lock(&p->lock);
	p->rc = rc;
	p->done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void set_prop(struct fixture *fx, uint16_t code, uint16_t type,
		     uint64_t v)
{
	struct setprop p = { .code = code, .v = { .type = type, .u = v } };
	struct camera_request r = { .run = handle_set_run,
				    .done = handle_set_done, .arg = &p };
	struct timespec ts;

	pthread_mutex_init(&p.lock, NULL);
	clock_cond_init(&p.cond);
	assert_int_equal(camera_submit(fx->cam, &r), 0);
	clock_deadline(&ts, WAIT_GUARD_MS);
	pthread_mutex_lock(&p.lock);
	while (!p.done && pthread_cond_timedwait(&p.cond, &p.lock, &ts) == 0)
		;
	pthread_mutex_unlock(&p.lock);
	assert_true(p.done);
	assert_int_equal(p.rc, 0);
	pthread_cond_destroy(&p.cond);
	pthread_mutex_destroy(&p.lock);
}

/* ---- the sequence --------------------------------------------------------- */

static void test_capture_af_with_live_view(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct camera_status cs;
	struct emu_stats es;
	uint64_t before;

	(void)state;
	wait_published(fx, 5);
	before = published(fx);
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_true(fx->job.res.focus_found);
	assert_false(fx->job.res.manual_focus);
	assert_int_equal(fx->job.res.objects, 1);
	assert_int_equal(fx->job.nobj, 1);
	check_jpeg(&fx->job.obj[0], "DSC00001.JPG");
	/* live view went on around the shot, and after it */
	assert_true(fx->job.frames_at_done > before);
	wait_published(fx, fx->job.frames_at_done + 5);
	camera_get_status(fx->cam, &cs);
	assert_int_equal(cs.stills, 1);
	assert_int_equal(cs.still_objects, 1);
	assert_int_equal(cs.session_resets, 0);
	emu_camera_get_stats(fx->emu, &es);
	assert_int_equal(es.objects_sent, 1);
	/* a second shot: the next file number */
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	check_jpeg(&fx->job.obj[0], "DSC00002.JPG");
	fixture_free(fx);
}

static void test_capture_raw_jpeg(void **state)
{
	struct fixture *fx = fixture_new(NULL);

	(void)state;
	set_prop(fx, SONY_DPC_COMPRESSION, PTP_DTC_UINT8, 0x13);
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(fx->job.nobj, 2);
	check_jpeg(&fx->job.obj[0], "DSC00001.JPG");
	assert_string_equal(fx->job.obj[1].name, "DSC00001.ARW");
	assert_int_equal(fx->job.obj[1].format, SONY_OFC_ARW);
	assert_int_equal(fx->job.obj[1].len, RAW_BYTES);
	assert_memory_equal(fx->job.obj[1].data, "II*\0", 4);
	fixture_free(fx);
}

static void test_capture_manual_focus(void **state)
{
	struct fixture *fx = fixture_new(NULL);

	(void)state;
	set_prop(fx, SONY_DPC_FOCUS_MODE, PTP_DTC_UINT16, 1);
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_true(fx->job.res.manual_focus);
	assert_false(fx->job.res.focus_found);
	assert_int_equal(fx->job.nobj, 1);
	fixture_free(fx);
}

/* A still left in the buffer is taken and dropped first: the result is
 * the new one. */
static void test_capture_drains_stale(void **state)
{
	struct emu_faults f = { .stale_image = true };
	struct fixture *fx = fixture_new(&f);
	struct camera_status cs;

	(void)state;
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(fx->job.res.drained, 1);
	assert_int_equal(fx->job.nobj, 1);
	check_jpeg(&fx->job.obj[0], "DSC00002.JPG");
	camera_get_status(fx->cam, &cs);
	assert_int_equal(cs.stills_drained, 1);
	fixture_free(fx);
}

/* ---- faults --------------------------------------------------------------- */

static void test_capture_refused_then_fine(void **state)
{
	struct emu_faults f = { .capture_fail = 1 };
	struct fixture *fx = fixture_new(&f);
	struct camera_status cs;

	(void)state;
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0),
			 ALPHAFS_ERR_PTP_RESPONSE);
	assert_non_null(strstr(fx->job.res.why, "0xD2C2"));
	assert_non_null(strstr(fx->job.res.why, "GeneralError"));
	assert_int_equal(fx->job.nobj, 0);
	/* the half press was released: the next still is fine */
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	check_jpeg(&fx->job.obj[0], "DSC00001.JPG");
	camera_get_status(fx->cam, &cs);
	assert_int_equal(cs.still_failures, 1);
	assert_int_equal(cs.stills, 1);
	fixture_free(fx);
}

static void test_capture_never_announced(void **state)
{
	struct emu_faults f = { .capture_lost = 1 };
	struct fixture *fx = fixture_new(&f);

	(void)state;
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 1500),
			 ALPHAFS_ERR_TIMEOUT);
	assert_string_equal(fx->job.res.why,
			    "no image announced within 1500 ms (0xD215 = 0x0000)");
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(fx->job.nobj, 1);
	fixture_free(fx);
}

/* libgphoto2 #981/#1082: ObjectAdded before the image is in memory. The
 * engine waits for 0xD215 and never asks early, so the body never hangs. */
static void test_object_added_early(void **state)
{
	struct emu_faults f = { .object_added_early = true };
	struct fixture *fx = fixture_new(&f);
	struct camera_status cs;
	struct emu_stats es;

	(void)state;
	for (int i = 1; i <= 3; i++) {
		char name[16];

		assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
		snprintf(name, sizeof(name), "DSC%05d.JPG", i);
		check_jpeg(&fx->job.obj[0], name);
	}
	camera_get_status(fx->cam, &cs);
	assert_int_equal(cs.session_resets, 0);
	emu_camera_get_stats(fx->emu, &es);
	assert_int_equal(es.faults_injected, 3); /* three early events, no crash */
	assert_int_equal(es.resets, 0);
	fixture_free(fx);
}

/* Events can be missed (dossier §6): 0xD215 polling finds the image. */
static void test_no_capture_event(void **state)
{
	struct emu_faults f = { .no_capture_event = true };
	struct fixture *fx = fixture_new(&f);

	(void)state;
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(fx->job.nobj, 1);
	fixture_free(fx);
}

/* The consumer refuses the first object: the capture ends with its code,
 * and the ARW is still taken from the camera so none is left there. */
static void test_object_refused(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct emu_stats es;

	(void)state;
	set_prop(fx, SONY_DPC_COMPRESSION, PTP_DTC_UINT8, 0x13);
	job_reset(&fx->job);
	fx->job.refuse = ALPHAFS_ERR_TOO_BIG;
	assert_int_equal(submit(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	wait_done(fx);
	assert_int_equal(fx->job.res.rc, ALPHAFS_ERR_TOO_BIG);
	assert_int_equal(fx->job.res.objects, 0);
	emu_camera_get_stats(fx->emu, &es);
	assert_int_equal(es.objects_sent, 2);
	/* nothing stale for the next one */
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(fx->job.res.drained, 0);
	fixture_free(fx);
}

/* An exposure longer than the stall bound (3 s) is not a stall. */
static void test_long_exposure(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct camera_status cs;

	(void)state;
	/* 4 s, on the body's dial (0x9205 does not set the shutter) */
	assert_int_equal(emu_camera_set_prop(fx->emu, SONY_DPC_SHUTTER_SPEED,
					     0x00040001),
			 0);
	set_prop(fx, SONY_DPC_FOCUS_MODE, PTP_DTC_UINT16, 1);
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(fx->job.nobj, 1);
	camera_get_status(fx->cam, &cs);
	assert_int_equal(cs.session_resets, 0);
	wait_published(fx, fx->job.frames_at_done + 3);
	fixture_free(fx);
}

static void test_unplug_during_capture(void **state)
{
	struct fixture *fx = fixture_new(NULL);

	(void)state;
	job_reset(&fx->job);
	assert_int_equal(submit(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	clock_sleep_ms(100); /* the job has started or not: both must end */
	emu_camera_unplug(fx->emu);
	wait_done(fx);
	assert_true(fx->job.res.rc == ALPHAFS_ERR_NO_DEVICE ||
		    fx->job.res.rc == ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(fx->job.nobj, 0);
	/* while unplugged a new job ends at once with NO_DEVICE */
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), ALPHAFS_ERR_NO_DEVICE);
	fixture_free(fx);
}

/* ---- focus ------------------------------------------------------------------ */

static void test_focus_lock_then_capture(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct emu_stats es;

	(void)state;
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_LOCK, 0, 0), 0);
	assert_true(fx->job.res.focus_found);
	assert_true(fx->cam->s1_held); /* read after done: the owner is idle */
	assert_int_equal(run(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_true(fx->job.res.focus_found);
	assert_int_equal(fx->job.nobj, 1);
	/* the capture released the lock; releasing again is harmless */
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_RELEASE, 0, 0), 0);
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_LOCK, 0, 0), 0);
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_RELEASE, 0, 0), 0);
	emu_camera_get_stats(fx->emu, &es);
	assert_int_equal(es.stills, 1);
	fixture_free(fx);
}

static void test_focus_lock_timeout(void **state)
{
	struct fixture *fx = fixture_new(NULL);

	(void)state;
	/* the emulated body needs 300 ms to find focus */
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_LOCK, 50, 0), ALPHAFS_ERR_TIMEOUT);
	assert_non_null(strstr(fx->job.res.why, "focus not found within 50 ms"));
	set_prop(fx, SONY_DPC_FOCUS_MODE, PTP_DTC_UINT16, 1);
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_LOCK, 50, 0), 0);
	assert_true(fx->job.res.manual_focus);
	assert_int_equal(run(fx, CAMERA_STILL_FOCUS_RELEASE, 0, 0), 0);
	fixture_free(fx);
}

/* ---- the API's edges -------------------------------------------------------- */

static void test_submit_edges(void **state)
{
	struct fixture *fx = fixture_new(NULL);
	struct camera_still_request bad = { .kind = CAMERA_STILL_CAPTURE,
					    .ops = { .done = handle_done } };

	(void)state;
	assert_int_equal(camera_still_submit(fx->cam, NULL), ALPHAFS_ERR_INVALID);
	assert_int_equal(camera_still_submit(fx->cam, &bad), ALPHAFS_ERR_INVALID);
	bad.kind = (enum camera_still_kind)7;
	bad.ops.object = handle_object;
	assert_int_equal(camera_still_submit(fx->cam, &bad), ALPHAFS_ERR_INVALID);
	job_reset(&fx->job);
	assert_int_equal(submit(fx, CAMERA_STILL_CAPTURE, 0, 0), 0);
	assert_int_equal(submit(fx, CAMERA_STILL_FOCUS_LOCK, 0, 0), ALPHAFS_ERR_BUSY);
	/* stopped mid-capture: done(CLOSED), and later submits are refused */
	camera_stop(fx->cam);
	wait_done(fx); /* CLOSED, or the error of a transfer the stop cut */
	assert_true(fx->job.res.rc < 0);
	assert_int_equal(fx->job.nobj, 0);
	assert_int_equal(submit(fx, CAMERA_STILL_CAPTURE, 0, 0), ALPHAFS_ERR_CLOSED);
	fixture_free(fx);
}

/* ---- pure helpers ----------------------------------------------------------- */

static void test_still_name(void **state)
{
	char out[CAMERA_STILL_NAME_MAX];
	char longname[200];

	(void)state;
	camera_still_name("DSC01234.JPG", PTP_OFC_JPEG, 1, out, sizeof(out));
	assert_string_equal(out, "DSC01234.JPG");
	camera_still_name("../x/y z.ARW", SONY_OFC_ARW, 1, out, sizeof(out));
	assert_string_equal(out, "_x_y_z.ARW");
	camera_still_name("...", PTP_OFC_JPEG, 7, out, sizeof(out));
	assert_string_equal(out, "STILL0007.JPG");
	camera_still_name("", SONY_OFC_ARW, 12345, out, sizeof(out));
	assert_string_equal(out, "STILL2345.ARW");
	camera_still_name(NULL, 0x3000, 1, out, sizeof(out));
	assert_string_equal(out, "STILL0001.BIN");
	memset(longname, 'A', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	camera_still_name(longname, PTP_OFC_JPEG, 1, out, sizeof(out));
	assert_int_equal(strlen(out), CAMERA_STILL_NAME_MAX - 1);
	camera_still_name("DSC\x01\xC3\xA9.JPG", PTP_OFC_JPEG, 1, out, 6);
	assert_string_equal(out, "DSC__");
}

static void test_still_date(void **state)
{
	int64_t t = 0, t2 = 0;

	(void)state;
	setenv("TZ", "UTC", 1);
	assert_int_equal(camera_still_date("20240501T123456", &t), 0);
	assert_int_equal(t, 1714566896);
	assert_int_equal(camera_still_date("20240501T123456.0Z", &t2), 0);
	assert_int_equal(t2, t);
	assert_int_equal(camera_still_date("2024050 T123456", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date("20240501X123456", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date("20241301T123456", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date("20240501T250000", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date("19690101T000000", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date("20240501T1234", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date("", &t), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(camera_still_date(NULL, &t), ALPHAFS_ERR_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_still_name),
		cmocka_unit_test(test_still_date),
		cmocka_unit_test(test_capture_af_with_live_view),
		cmocka_unit_test(test_capture_raw_jpeg),
		cmocka_unit_test(test_capture_manual_focus),
		cmocka_unit_test(test_capture_drains_stale),
		cmocka_unit_test(test_capture_refused_then_fine),
		cmocka_unit_test(test_capture_never_announced),
		cmocka_unit_test(test_object_added_early),
		cmocka_unit_test(test_no_capture_event),
		cmocka_unit_test(test_object_refused),
		cmocka_unit_test(test_long_exposure),
		cmocka_unit_test(test_unplug_during_capture),
		cmocka_unit_test(test_focus_lock_then_capture),
		cmocka_unit_test(test_focus_lock_timeout),
		cmocka_unit_test(test_submit_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
