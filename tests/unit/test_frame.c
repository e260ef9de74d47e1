/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* frame: whole-JPEG check, refcounted frames, the frame store. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <turbojpeg.h>

#include "frame/frame.h"
#include "util/util.h"

static const uint8_t small_jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x02, 0xFF, 0xD9 };

/* ---- frame_jpeg_check --------------------------------------------------- */

static void test_jpeg_whole(void **state)
{
	const uint8_t min[] = { 0xFF, 0xD8, 0xFF, 0xD9 };

	(void)state;
	assert_int_equal(frame_jpeg_check(small_jpeg, sizeof(small_jpeg)), -1);
	assert_int_equal(frame_jpeg_check(min, sizeof(min)), -1);
}

static void test_jpeg_every_prefix_is_torn(void **state)
{
	(void)state;
	/* Every cut of a whole JPEG is rejected; only the full length passes. */
	for (size_t n = 0; n < sizeof(small_jpeg); n++) {
		int why = frame_jpeg_check(small_jpeg, n);

		assert_true(why >= 0);
		if (n < FRAME_JPEG_MIN)
			assert_int_equal(why, FRAME_REJECT_EMPTY);
		else
			assert_int_equal(why, FRAME_REJECT_NO_EOI);
	}
}

static void test_jpeg_markers(void **state)
{
	uint8_t b[8];

	(void)state;
	memcpy(b, small_jpeg, sizeof(b));
	b[1] = 0xD9;
	assert_int_equal(frame_jpeg_check(b, sizeof(b)), FRAME_REJECT_NO_SOI);
	memcpy(b, small_jpeg, sizeof(b));
	b[0] = 0x00;
	assert_int_equal(frame_jpeg_check(b, sizeof(b)), FRAME_REJECT_NO_SOI);
	memcpy(b, small_jpeg, sizeof(b));
	b[7] = 0xD8;
	assert_int_equal(frame_jpeg_check(b, sizeof(b)), FRAME_REJECT_NO_EOI);
	memcpy(b, small_jpeg, sizeof(b));
	b[6] = 0x00;
	assert_int_equal(frame_jpeg_check(b, sizeof(b)), FRAME_REJECT_NO_EOI);
	/* EOI followed by one trailing byte: not whole. */
	{
		const uint8_t t[] = { 0xFF, 0xD8, 0xFF, 0xD9, 0x00 };

		assert_int_equal(frame_jpeg_check(t, sizeof(t)), FRAME_REJECT_NO_EOI);
	}
	assert_int_equal(frame_jpeg_check(NULL, 0), FRAME_REJECT_EMPTY);
	assert_int_equal(frame_jpeg_check(small_jpeg, (size_t)FRAME_MAX_BYTES + 1),
			 FRAME_REJECT_TOO_BIG);
}

static void test_reject_names(void **state)
{
	(void)state;
	assert_string_equal(frame_reject_name(FRAME_REJECT_NO_EOI), "no_eoi");
	assert_string_equal(frame_reject_name(FRAME_REJECT_HEADER), "header");
	assert_string_equal(frame_reject_name(FRAME_REJECT_TRANSFER), "transfer");
	assert_string_equal(frame_reject_name(FRAME_REJECT_COUNT), "?");
	assert_string_equal(frame_reject_text((enum frame_reject)-1), "?");
	assert_non_null(strstr(frame_reject_text(FRAME_REJECT_NO_SOI), "FF D8"));
}

/* ---- frames ------------------------------------------------------------ */

static void test_frame_copy_and_refcount(void **state)
{
	struct frame *f, *g;
	int why = 99;

	(void)state;
	f = frame_create_copy(small_jpeg, sizeof(small_jpeg), &why);
	assert_non_null(f);
	assert_int_equal(why, 99); /* untouched on success */
	assert_int_equal(f->len, sizeof(small_jpeg));
	assert_memory_equal(f->jpeg, small_jpeg, sizeof(small_jpeg));
	assert_ptr_not_equal(f->jpeg, small_jpeg);
	assert_int_equal(atomic_load(&f->refs), 1);
	assert_int_equal(f->seq, 0);
	assert_true(f->mono_ns > 0);
	g = frame_ref(f);
	assert_ptr_equal(g, f);
	assert_int_equal(atomic_load(&f->refs), 2);
	frame_unref(g);
	assert_int_equal(atomic_load(&f->refs), 1);
	frame_unref(f);
	frame_unref(NULL);
	assert_null(frame_ref(NULL));
}

static void test_frame_take_inside_owner(void **state)
{
	uint8_t *owner = mem_alloc(100);
	struct frame *f;
	int why = 0;

	(void)state;
	memset(owner, 0x55, 100);
	memcpy(owner + 40, small_jpeg, sizeof(small_jpeg));
	f = frame_create_take(owner, owner + 40, sizeof(small_jpeg), &why);
	assert_non_null(f);
	assert_ptr_equal(f->owner, owner);
	assert_ptr_equal(f->jpeg, owner + 40);
	frame_unref(f); /* frees owner: ASan checks no leak */
}

static void test_frame_take_rejects_and_frees(void **state)
{
	uint8_t *owner = mem_alloc(16);
	int why = -5;

	(void)state;
	memset(owner, 0, 16);
	/* The owner is freed on rejection too (ASan: no leak). */
	assert_null(frame_create_take(owner, owner, 16, &why));
	assert_int_equal(why, FRAME_REJECT_NO_SOI);
	assert_null(frame_create_copy(small_jpeg, 3, &why));
	assert_int_equal(why, FRAME_REJECT_EMPTY);
	assert_null(frame_create_copy(small_jpeg, sizeof(small_jpeg) - 1, NULL));
}

static void test_frame_nomem(void **state)
{
	int why = 0;

	(void)state;
	mem_fail_after(0);
	assert_null(frame_create_copy(small_jpeg, sizeof(small_jpeg), &why));
	assert_int_equal(why, -1);
	mem_fail_after(1); /* the copy succeeds, the frame struct fails */
	why = 0;
	assert_null(frame_create_copy(small_jpeg, sizeof(small_jpeg), &why));
	assert_int_equal(why, -1);
	mem_fail_after(-1);
}

/* ---- frame_jpeg_size ---------------------------------------------------- */

/* SOI, an APP0 segment, fill bytes, a DHT-shaped segment (C4 is not a
 * SOF), SOF2 (progressive) of 640 x 480, then SOS and EOI. */
static const uint8_t sof_jpeg[] = {
	0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xFF, 0xFF,
	0xC4, 0x00, 0x03, 0x00, 0xFF, 0xD0, /* RST0: no length */
	0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x01, 0x01,
	0x11, 0x00, 0xFF, 0xDA, 0x00, 0x02, 0xFF, 0xD9,
};
#define SOF_END 30 /* bytes up to the end of the SOF segment */

static void test_jpeg_size_markers(void **state)
{
	unsigned w = 0, h = 0;
	uint8_t b[sizeof(sof_jpeg)];

	(void)state;
	assert_int_equal(frame_jpeg_size(sof_jpeg, sizeof(sof_jpeg), &w, &h), 0);
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	/* A prefix that ends before the SOF segment does has no size. */
	for (size_t n = 0; n < SOF_END; n++)
		assert_int_equal(frame_jpeg_size(sof_jpeg, n, &w, &h),
				 ALPHAFS_ERR_MALFORMED);
	assert_int_equal(frame_jpeg_size(sof_jpeg, SOF_END, &w, &h), 0);
	assert_int_equal(frame_jpeg_size(NULL, 10, &w, &h), ALPHAFS_ERR_MALFORMED);
	/* zero width */
	memcpy(b, sof_jpeg, sizeof(b));
	b[24] = b[25] = 0;
	assert_int_equal(frame_jpeg_size(b, sizeof(b), &w, &h), ALPHAFS_ERR_MALFORMED);
	/* a segment length below 2, and one past the end */
	memcpy(b, sof_jpeg, sizeof(b));
	b[5] = 1;
	assert_int_equal(frame_jpeg_size(b, sizeof(b), &w, &h), ALPHAFS_ERR_MALFORMED);
	b[4] = 0xFF;
	assert_int_equal(frame_jpeg_size(b, sizeof(b), &w, &h), ALPHAFS_ERR_MALFORMED);
	/* garbage where a marker belongs */
	memcpy(b, sof_jpeg, sizeof(b));
	b[8] = 0x12;
	assert_int_equal(frame_jpeg_size(b, sizeof(b), &w, &h), ALPHAFS_ERR_MALFORMED);
	/* the scan before any SOF: no size, and nothing after it is read */
	memcpy(b, sof_jpeg, sizeof(b));
	b[18] = 0xDA;
	assert_int_equal(frame_jpeg_size(b, sizeof(b), &w, &h), ALPHAFS_ERR_MALFORMED);
	/* a SOF segment too short for its size fields */
	memcpy(b, sof_jpeg, sizeof(b));
	b[20] = 0x05;
	assert_int_equal(frame_jpeg_size(b, sizeof(b), &w, &h), ALPHAFS_ERR_MALFORMED);
}

/* A real encoder's output (libjpeg-turbo) at an odd size, and the frame
 * made from it carries that size. */
static void test_jpeg_size_real(void **state)
{
	const int w = 37, h = 21;
	uint8_t pix[37 * 21 * 3];
	unsigned char *jpeg = NULL;
	unsigned long jlen = 0;
	unsigned gw = 0, gh = 0;
	tjhandle tj = tjInitCompress();
	struct frame *f;

	(void)state;
	assert_non_null(tj);
	for (size_t i = 0; i < sizeof(pix); i++)
		pix[i] = (uint8_t)(i * 7);
	assert_int_equal(tjCompress2(tj, pix, w, 0, h, TJPF_RGB, &jpeg, &jlen,
				     TJSAMP_420, 80, 0), 0);
	assert_int_equal(frame_jpeg_size(jpeg, jlen, &gw, &gh), 0);
	assert_int_equal(gw, (unsigned)w);
	assert_int_equal(gh, (unsigned)h);
	f = frame_create_copy(jpeg, jlen, NULL);
	assert_non_null(f);
	assert_int_equal(f->width, w);
	assert_int_equal(f->height, h);
	assert_null(f->focus);
	frame_unref(f);
	/* whole by its markers but without a SOF: published, size 0 x 0 */
	f = frame_create_copy(small_jpeg, sizeof(small_jpeg), NULL);
	assert_non_null(f);
	assert_int_equal(f->width, 0);
	assert_int_equal(f->height, 0);
	frame_unref(f);
	tjFree(jpeg);
	tjDestroy(tj);
}

/* ---- store ------------------------------------------------------------- */

static struct frame *mk(void)
{
	struct frame *f = frame_create_copy(small_jpeg, sizeof(small_jpeg), NULL);

	assert_non_null(f);
	return f;
}

struct seen {
	struct frame_store *st;
	unsigned calls;
	uint64_t last_seq;		 /* latest seq visible inside the call */
	enum frame_store_state state; /* state visible inside the call */
};

/* Called without the store lock: calling back into the store must work. */
static void handle_change(void *arg)
{
	struct seen *s = arg;
	struct frame *f = frame_store_latest(s->st);

	s->calls++;
	s->last_seq = f ? f->seq : 0;
	s->state = frame_store_get_state(s->st, NULL, 0);
	frame_unref(f);
}

static void test_store_publish_latest_newer(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame_store_stats stats;
	struct frame *a, *b, *r;
	char why[64];

	(void)state;
	assert_non_null(st);
	assert_null(frame_store_latest(st));
	assert_null(frame_store_newer(st, 0));
	assert_int_equal(frame_store_get_state(st, why, sizeof(why)),
			 FRAME_STORE_CONNECTING);
	a = mk();
	frame_store_publish(st, a);
	assert_int_equal(a->seq, 1);
	assert_int_equal(frame_store_get_state(st, NULL, 0), FRAME_STORE_LIVE);
	r = frame_store_latest(st);
	assert_ptr_equal(r, a);
	frame_unref(r);
	assert_null(frame_store_newer(st, 1));
	r = frame_store_newer(st, 0);
	assert_ptr_equal(r, a);
	frame_unref(r);
	b = mk();
	frame_store_publish(st, b);
	assert_int_equal(b->seq, 2);
	r = frame_store_newer(st, 1);
	assert_ptr_equal(r, b);
	frame_unref(r);
	frame_store_get_stats(st, &stats);
	assert_int_equal(stats.published, 2);
	assert_int_equal(stats.last_seq, 2);
	assert_int_equal(stats.last_mono_ns, b->mono_ns);
	assert_int_equal(stats.rejected_total, 0);
	frame_store_publish(st, NULL); /* no-op */
	frame_store_destroy(st);
	frame_store_destroy(NULL);
}

static void test_store_reader_keeps_its_frame(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame *held, *r;

	(void)state;
	frame_store_publish(st, mk());
	held = frame_store_latest(st);
	assert_int_equal(held->seq, 1);
	for (int i = 0; i < 10; i++)
		frame_store_publish(st, mk());
	/* The newer frames did not touch the pinned one (ASan: not freed). */
	assert_int_equal(held->seq, 1);
	assert_memory_equal(held->jpeg, small_jpeg, sizeof(small_jpeg));
	assert_int_equal(atomic_load(&held->refs), 1);
	r = frame_store_latest(st);
	assert_int_equal(r->seq, 11);
	frame_unref(r);
	frame_unref(held);
	frame_store_destroy(st);
}

static void test_store_listeners(void **state)
{
	struct frame_store *st = frame_store_create();
	struct seen s = { .st = st };
	struct seen s2 = { .st = st };
	char why[64];
	int id, id2;

	(void)state;
	id = frame_store_add_listener(st, handle_change, &s);
	assert_true(id >= 0);
	id2 = frame_store_add_listener(st, handle_change, &s2);
	assert_true(id2 >= 0 && id2 != id);
	frame_store_publish(st, mk());
	/* Called after the publish: the new frame is already visible. */
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.last_seq, 1);
	assert_int_equal(s.state, FRAME_STORE_LIVE);
	assert_int_equal(s2.calls, 1);
	frame_store_set_state(st, FRAME_STORE_DISCONNECTED, "unplugged");
	assert_int_equal(s.calls, 2);
	assert_int_equal(s.state, FRAME_STORE_DISCONNECTED);
	assert_int_equal(frame_store_get_state(st, why, sizeof(why)),
			 FRAME_STORE_DISCONNECTED);
	assert_string_equal(why, "unplugged");
	/* A small buffer gets a cut, terminated reason. */
	frame_store_get_state(st, why, 4);
	assert_string_equal(why, "unp");
	frame_store_remove_listener(st, id2);
	frame_store_publish(st, mk());
	assert_int_equal(s.calls, 3);
	assert_int_equal(s2.calls, 2);
	/* Publishing brings the state back to LIVE and clears the reason. */
	assert_int_equal(frame_store_get_state(st, why, sizeof(why)), FRAME_STORE_LIVE);
	assert_string_equal(why, "");
	frame_store_remove_listener(st, id);
	frame_store_remove_listener(st, id); /* twice: ignored */
	frame_store_remove_listener(st, -1);
	frame_store_remove_listener(st, 1000);
	frame_store_destroy(st);
}

static void nop_listener(void *arg)
{
	(void)arg;
}

static void test_store_listener_slots_capped(void **state)
{
	struct frame_store *st = frame_store_create();
	int ids[64];
	int n = 0, rc;

	(void)state;
	assert_int_equal(frame_store_add_listener(st, NULL, NULL), ALPHAFS_ERR_INVALID);
	while ((rc = frame_store_add_listener(st, nop_listener, NULL)) >= 0) {
		assert_true(n < 64);
		ids[n++] = rc;
	}
	assert_int_equal(rc, ALPHAFS_ERR_NOMEM);
	assert_true(n >= 4);
	frame_store_remove_listener(st, ids[0]);
	assert_int_equal(frame_store_add_listener(st, nop_listener, NULL), ids[0]);
	frame_store_destroy(st);
}

static void test_store_rejects_and_closed(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame_store_stats stats;
	struct frame *r;

	(void)state;
	frame_store_count_reject(st, FRAME_REJECT_NO_EOI);
	frame_store_count_reject(st, FRAME_REJECT_NO_EOI);
	frame_store_count_reject(st, FRAME_REJECT_OFFSET);
	frame_store_count_reject(st, FRAME_REJECT_COUNT); /* ignored */
	frame_store_get_stats(st, &stats);
	assert_int_equal(stats.rejected[FRAME_REJECT_NO_EOI], 2);
	assert_int_equal(stats.rejected[FRAME_REJECT_OFFSET], 1);
	assert_int_equal(stats.rejected[FRAME_REJECT_SIZE], 0);
	assert_int_equal(stats.rejected_total, 3);
	assert_int_equal(stats.published, 0);
	frame_store_publish(st, mk());
	frame_store_set_state(st, FRAME_STORE_CLOSED, "shutting down");
	/* After CLOSED a publish is dropped (and freed: ASan) and the state
	 * stays CLOSED. */
	frame_store_publish(st, mk());
	assert_int_equal(frame_store_get_state(st, NULL, 0), FRAME_STORE_CLOSED);
	r = frame_store_latest(st);
	assert_int_equal(r->seq, 1);
	frame_unref(r);
	frame_store_destroy(st);
}

static void test_store_fps_from_timestamps(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame_store_stats stats;
	uint64_t now = clock_now_ns();

	(void)state;
	/* 11 frames stamped 100 ms apart ending now: 10 intervals in 1 s. */
	for (int i = 10; i >= 0; i--) {
		struct frame *f = mk();

		f->mono_ns = now - (uint64_t)i * 100000000u;
		frame_store_publish(st, f);
	}
	frame_store_get_stats(st, &stats);
	assert_true(stats.fps > 9.99 && stats.fps < 10.01);
	frame_store_destroy(st);
}

static void test_store_fps_ignores_old(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame_store_stats stats;
	uint64_t now = clock_now_ns();

	(void)state;
	assert_true(now > 10000000000ull); /* the monotonic clock counts uptime */
	for (int i = 0; i < 5; i++) {
		struct frame *f = mk();

		f->mono_ns = now - 10000000000ull + (uint64_t)i * 1000000u;
		frame_store_publish(st, f);
	}
	frame_store_get_stats(st, &stats);
	assert_true(stats.fps == 0.0);
	frame_store_destroy(st);
}

static struct frame *mk_at(uint64_t mono_ns, uint8_t tag)
{
	uint8_t j[sizeof(small_jpeg)];
	struct frame *f;

	memcpy(j, small_jpeg, sizeof(j));
	j[4] = tag; /* inside the APP0 segment: same size, other bytes */
	f = frame_create_copy(j, sizeof(j), NULL);
	assert_non_null(f);
	f->mono_ns = mono_ns;
	f->wall_ns = mono_ns;
	return f;
}

/* Publishes a frame stamped at t ms, returns a reference to it. */
static struct frame *publish_at(struct frame_store *st, uint64_t t_ms,
				uint8_t tag)
{
	frame_store_publish(st, mk_at(1000000000ull + t_ms * 1000000ull, tag));
	return frame_store_latest(st);
}

static void test_store_intervals_and_late(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame_store_stats stats;
	/* 30 fps, then a frame 100 ms after the previous one */
	const uint64_t t[] = { 0, 33, 67, 100, 133, 167, 200, 300, 333, 366 };
	const bool late[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	struct frame *f;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		f = publish_at(st, t[i], (uint8_t)i);
		assert_int_equal(f->interval_ns,
				 i ? (t[i] - t[i - 1]) * 1000000ull : 0);
		assert_int_equal(f->late, late[i]);
		assert_false(f->repeated);
		frame_unref(f);
	}
	/* Too few intervals to know the rate yet: never late. */
	frame_store_set_state(st, FRAME_STORE_DISCONNECTED, "gone");
	f = publish_at(st, 10000, 1);
	assert_int_equal(f->interval_ns, 0); /* a new connection */
	frame_unref(f);
	for (uint64_t ms = 10050; ms <= 10150; ms += 50) {
		f = publish_at(st, ms, (uint8_t)ms);
		assert_false(f->late);
		frame_unref(f);
	}
	f = publish_at(st, 10900, 2);
	assert_false(f->late); /* 3 intervals known, FRAME_LATE_MIN is 4 */
	frame_unref(f);
	frame_store_get_stats(st, &stats);
	assert_int_equal(stats.late, 1);
	frame_store_destroy(st);
}

static void test_store_repeated(void **state)
{
	struct frame_store *st = frame_store_create();
	struct frame_store_stats stats;
	struct frame *f;

	(void)state;
	f = publish_at(st, 0, 7);
	assert_false(f->repeated); /* nothing before it */
	frame_unref(f);
	f = publish_at(st, 33, 7);
	assert_true(f->repeated);
	frame_unref(f);
	f = publish_at(st, 66, 8);
	assert_false(f->repeated);
	frame_unref(f);
	/* same bytes but longer: not a repeat */
	frame_store_publish(st, frame_create_copy(sof_jpeg, sizeof(sof_jpeg), NULL));
	f = frame_store_latest(st);
	assert_false(f->repeated);
	assert_int_equal(f->width, 640);
	frame_unref(f);
	frame_store_get_stats(st, &stats);
	assert_int_equal(stats.repeated, 1);
	frame_store_destroy(st);
}

/* ---- concurrency smoke (run under TSan in CI) ----------------------- */
#define SMOKE_FRAMES 2000
#define SMOKE_READERS 3

struct smoke {
	struct frame_store *st;
	atomic_bool done;
	atomic_uint notified;
	atomic_uint bad; /* readers never call cmocka asserts off the main thread */
};

static void handle_smoke(void *arg)
{
	struct smoke *s = arg;

	atomic_fetch_add(&s->notified, 1);
}

static void *reader(void *arg)
{
	struct smoke *s = arg;
	uint64_t last = 0;

	while (!atomic_load(&s->done)) {
		struct frame *f = frame_store_newer(s->st, last);

		if (!f)
			continue;
		/* Sequence numbers only go up for one reader. */
		if (f->seq <= last || frame_jpeg_check(f->jpeg, f->len) != -1)
			atomic_fetch_add(&s->bad, 1);
		last = f->seq;
		frame_unref(f);
	}
	return NULL;
}

static void test_store_concurrent_smoke(void **state)
{
	struct smoke s = { .st = frame_store_create() };
	pthread_t th[SMOKE_READERS];
	struct frame_store_stats stats;
	int id;

	(void)state;
	atomic_init(&s.done, false);
	atomic_init(&s.notified, 0);
	atomic_init(&s.bad, 0);
	id = frame_store_add_listener(s.st, handle_smoke, &s);
	for (int i = 0; i < SMOKE_READERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &s), 0);
	for (int i = 0; i < SMOKE_FRAMES; i++) {
		frame_store_publish(s.st, mk());
		if (i % 100 == 0)
			frame_store_count_reject(s.st, FRAME_REJECT_SIZE);
	}
	atomic_store(&s.done, true);
	for (int i = 0; i < SMOKE_READERS; i++)
		pthread_join(th[i], NULL);
	frame_store_remove_listener(s.st, id);
	frame_store_get_stats(s.st, &stats);
	assert_int_equal(stats.published, SMOKE_FRAMES);
	assert_int_equal(stats.rejected[FRAME_REJECT_SIZE], SMOKE_FRAMES / 100);
	assert_int_equal(atomic_load(&s.notified), SMOKE_FRAMES);
	assert_int_equal(atomic_load(&s.bad), 0);
	frame_store_destroy(s.st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jpeg_whole),
		cmocka_unit_test(test_jpeg_every_prefix_is_torn),
		cmocka_unit_test(test_jpeg_markers),
		cmocka_unit_test(test_reject_names),
		cmocka_unit_test(test_jpeg_size_markers),
		cmocka_unit_test(test_jpeg_size_real),
		cmocka_unit_test(test_frame_copy_and_refcount),
		cmocka_unit_test(test_frame_take_inside_owner),
		cmocka_unit_test(test_frame_take_rejects_and_frees),
		cmocka_unit_test(test_frame_nomem),
		cmocka_unit_test(test_store_publish_latest_newer),
		cmocka_unit_test(test_store_reader_keeps_its_frame),
		cmocka_unit_test(test_store_listeners),
		cmocka_unit_test(test_store_listener_slots_capped),
		cmocka_unit_test(test_store_rejects_and_closed),
		cmocka_unit_test(test_store_fps_from_timestamps),
		cmocka_unit_test(test_store_fps_ignores_old),
		cmocka_unit_test(test_store_intervals_and_late),
		cmocka_unit_test(test_store_repeated),
		cmocka_unit_test(test_store_concurrent_smoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
