/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* frame: whole-JPEG check, refcounted frames, the frame store. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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
		cmocka_unit_test(test_store_concurrent_smoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
