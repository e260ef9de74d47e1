/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* emu: device-side USB bulk framing (packets, short packets, ZLPs,
 * OVERFLOW) and OUT container reassembly across arbitrary writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu/emu_internal.h"

#define BIG 4096

static uint8_t *pattern_bytes(size_t n)
{
	uint8_t *p = mem_alloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	return p;
}

static void push(struct emu_in_queue *q, size_t len, uint64_t ready)
{
	assert_non_null(emu_inq_push(q, pattern_bytes(len), len, ready, 1));
}

static void test_short_packet_ends_transfer(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	push(&q, 100, 0);
	push(&q, 12, 0);
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), 0);
	assert_int_equal(got, 100);
	assert_int_equal(buf[99], (uint8_t)(99 * 7 + 1));
	/* the next transfer is separate even though room was left */
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), 0);
	assert_int_equal(got, 12);
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), ALPHAFS_ERR_AGAIN);
	emu_inq_clear(&q);
}

static void test_read_stops_when_cap_full(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	push(&q, 1100, 0);
	assert_int_equal(emu_inq_read(&q, buf, 1024, &got, 0), 0);
	assert_int_equal(got, 1024);
	assert_int_equal(emu_inq_read(&q, buf, 1024, &got, 0), 0);
	assert_int_equal(got, 76);
	assert_int_equal(buf[0], (uint8_t)(1024 * 7 + 1));
	assert_int_equal(q.n, 0);
	emu_inq_clear(&q);
}

static void test_zlp_stays_when_cap_equals_remaining(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	push(&q, 1024, 0);
	push(&q, 12, 0);
	assert_int_equal(emu_inq_read(&q, buf, 1024, &got, 0), 0);
	assert_int_equal(got, 1024);
	/* the ZLP is still queued: the next read returns 0 bytes */
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), 0);
	assert_int_equal(got, 0);
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), 0);
	assert_int_equal(got, 12);
	emu_inq_clear(&q);
}

static void test_zlp_consumed_when_cap_larger(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	push(&q, 512, 0);
	push(&q, 12, 0);
	assert_int_equal(emu_inq_read(&q, buf, 2048, &got, 0), 0);
	assert_int_equal(got, 512);
	assert_int_equal(emu_inq_read(&q, buf, 2048, &got, 0), 0);
	assert_int_equal(got, 12);
	emu_inq_clear(&q);
}

static void test_partial_reads_then_zlp(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	push(&q, 1536, 0);
	assert_int_equal(emu_inq_read(&q, buf, 1024, &got, 0), 0);
	assert_int_equal(got, 1024);
	/* 512 left, cap 1024: the packet and then the ZLP end the read */
	assert_int_equal(emu_inq_read(&q, buf, 1024, &got, 0), 0);
	assert_int_equal(got, 512);
	assert_int_equal(q.n, 0);
	emu_inq_clear(&q);
}

static void test_overflow_on_non_multiple_cap(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	push(&q, 1100, 0);
	/* 600: one full packet fits, the second does not */
	assert_int_equal(emu_inq_read(&q, buf, 600, &got, 0),
			 ALPHAFS_ERR_OVERFLOW);
	assert_int_equal(got, 512);
	emu_inq_clear(&q);
	push(&q, 512, 0);
	assert_int_equal(emu_inq_read(&q, buf, 100, &got, 0),
			 ALPHAFS_ERR_OVERFLOW);
	assert_int_equal(got, 0);
	/* a short packet that fits is fine with any cap */
	emu_inq_clear(&q);
	push(&q, 28, 0);
	assert_int_equal(emu_inq_read(&q, buf, 28, &got, 0), 0);
	assert_int_equal(got, 28);
	assert_int_equal(emu_inq_read(&q, buf, 0, &got, 0), ALPHAFS_ERR_INVALID);
	emu_inq_clear(&q);
}

static void test_lone_zlp_and_ready_time(void **state)
{
	struct emu_in_queue q;
	uint8_t buf[BIG];
	size_t got = 99;

	(void)state;
	emu_inq_init(&q);
	assert_non_null(emu_inq_push(&q, NULL, 0, 0, 1));
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), 0);
	assert_int_equal(got, 0);
	push(&q, 20, 1000);
	assert_int_equal(emu_inq_ready_at(&q), 1000);
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 999),
			 ALPHAFS_ERR_AGAIN);
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 1000), 0);
	assert_int_equal(got, 20);
	assert_int_equal(emu_inq_ready_at(&q), UINT64_MAX);
	emu_inq_clear(&q);
}

static void test_unplug_point_and_drop_tid(void **state)
{
	struct emu_in_queue q;
	struct emu_xfer *x;
	uint8_t buf[BIG];
	size_t got;

	(void)state;
	emu_inq_init(&q);
	x = emu_inq_push(&q, pattern_bytes(2000), 2000, 0, 5);
	assert_non_null(x);
	x->unplug_at = 1024;
	assert_int_equal(emu_inq_read(&q, buf, BIG, &got, 0),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(got, 1024);
	push(&q, 12, 0); /* tid 1 */
	emu_inq_drop_tid(&q, 5);
	assert_int_equal(q.n, 1);
	assert_int_equal(emu_inq_read(&q, buf, 512, &got, 0), 0);
	assert_int_equal(got, 12);
	emu_inq_clear(&q);
}

/* ---- OUT ------------------------------------------------------------ */

struct seen {
	unsigned n;
	size_t lens[8];
	uint8_t last[16384];
	bool refuse;
};

static bool collect(void *arg, const uint8_t *c, size_t len)
{
	struct seen *s = arg;

	if (s->n < ARRAY_LEN(s->lens))
		s->lens[s->n] = len;
	s->n++;
	if (len <= sizeof(s->last))
		memcpy(s->last, c, len);
	return !s->refuse;
}

static size_t make_container(uint8_t *p, size_t len, uint16_t type)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i ^ 0x5A);
	ptp_header_encode(p, (uint32_t)len, type, 0x9207, 9);
	return len;
}

static void test_out_reassembles_odd_writes(void **state)
{
	struct emu_out_asm o;
	struct seen s = { 0 };
	uint8_t c[24];

	(void)state;
	emu_outasm_init(&o);
	make_container(c, sizeof(c), PTP_TYPE_COMMAND);
	assert_int_equal(emu_outasm_write(&o, c, 5, collect, &s), 0);
	assert_int_equal(emu_outasm_write(&o, NULL, 0, collect, &s), 0);
	assert_int_equal(emu_outasm_write(&o, c + 5, 10, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(emu_outasm_write(&o, c + 15, 9, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.lens[0], 24);
	assert_memory_equal(s.last, c, 24);
	emu_outasm_finish(&o);
}

static void test_out_libgphoto2_chunks(void **state)
{
	struct emu_out_asm o;
	struct seen s = { 0 };
	static uint8_t c[9216];

	(void)state;
	emu_outasm_init(&o);
	make_container(c, sizeof(c), PTP_TYPE_DATA);
	/* header + first bytes, 4096-byte chunks, then a ZLP (9216 % 512 == 0) */
	assert_int_equal(emu_outasm_write(&o, c, 1024, collect, &s), 0);
	assert_int_equal(emu_outasm_write(&o, c + 1024, 4096, collect, &s), 0);
	assert_int_equal(emu_outasm_write(&o, c + 5120, 4096, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(emu_outasm_write(&o, NULL, 0, collect, &s), 0);
	assert_int_equal(s.n, 1);
	assert_memory_equal(s.last, c, sizeof(c));
	emu_outasm_finish(&o);
}

static void test_out_two_containers_in_one_write(void **state)
{
	struct emu_out_asm o;
	struct seen s = { 0 };
	uint8_t c[16 + 13];

	(void)state;
	emu_outasm_init(&o);
	make_container(c, 16, PTP_TYPE_COMMAND);
	make_container(c + 16, 13, PTP_TYPE_DATA);
	assert_int_equal(emu_outasm_write(&o, c, sizeof(c), collect, &s), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.lens[0], 16);
	assert_int_equal(s.lens[1], 13);
	emu_outasm_finish(&o);
}

static void test_out_garbage_header_halts(void **state)
{
	static const uint32_t bad_lengths[] = { 0, 11, EMU_OUT_CONTAINER_MAX + 1,
						0xFFFFFFFFu };
	struct seen s = { 0 };
	struct emu_out_asm o;
	uint8_t c[16];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad_lengths); i++) {
		emu_outasm_init(&o);
		make_container(c, sizeof(c), PTP_TYPE_COMMAND);
		put_u32le(c, bad_lengths[i]);
		assert_int_equal(emu_outasm_write(&o, c, sizeof(c), collect, &s),
				 ALPHAFS_ERR_PIPE);
		assert_true(o.halted);
		/* stays halted: good data is refused too */
		make_container(c, sizeof(c), PTP_TYPE_COMMAND);
		assert_int_equal(emu_outasm_write(&o, c, sizeof(c), collect, &s),
				 ALPHAFS_ERR_PIPE);
		emu_outasm_finish(&o);
	}
	/* a response or event container from the host is garbage too */
	emu_outasm_init(&o);
	make_container(c, sizeof(c), PTP_TYPE_RESPONSE);
	assert_int_equal(emu_outasm_write(&o, c, sizeof(c), collect, &s),
			 ALPHAFS_ERR_PIPE);
	emu_outasm_finish(&o);
	assert_int_equal(s.n, 0);
}

static void test_out_reset_drops_half_container(void **state)
{
	struct emu_out_asm o;
	struct seen s = { 0 };
	uint8_t c[20];

	(void)state;
	emu_outasm_init(&o);
	make_container(c, sizeof(c), PTP_TYPE_COMMAND);
	assert_int_equal(emu_outasm_write(&o, c, 14, collect, &s), 0);
	emu_outasm_reset(&o);
	/* a fresh container parses from its own header */
	assert_int_equal(emu_outasm_write(&o, c, sizeof(c), collect, &s), 0);
	assert_int_equal(s.n, 1);
	/* the callback refusing a container halts the pipe */
	s.refuse = true;
	assert_int_equal(emu_outasm_write(&o, c, sizeof(c), collect, &s),
			 ALPHAFS_ERR_PIPE);
	assert_true(o.halted);
	emu_outasm_finish(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_packet_ends_transfer),
		cmocka_unit_test(test_read_stops_when_cap_full),
		cmocka_unit_test(test_zlp_stays_when_cap_equals_remaining),
		cmocka_unit_test(test_zlp_consumed_when_cap_larger),
		cmocka_unit_test(test_partial_reads_then_zlp),
		cmocka_unit_test(test_overflow_on_non_multiple_cap),
		cmocka_unit_test(test_lone_zlp_and_ready_time),
		cmocka_unit_test(test_unplug_point_and_drop_tid),
		cmocka_unit_test(test_out_reassembles_odd_writes),
		cmocka_unit_test(test_out_libgphoto2_chunks),
		cmocka_unit_test(test_out_two_containers_in_one_write),
		cmocka_unit_test(test_out_garbage_header_halts),
		cmocka_unit_test(test_out_reset_drops_half_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
