/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sony: ExtDeviceInfo (0x9202), the 0x9209 property blob, names and the
 * remote-capable test. Golden bytes are real replies quoted in the dossier;
 * every prefix of each is fed to the parser to prove that a cut reply gives
 * a clean error and never a crash or an overread (run under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sony/sony.h"

/* ILCE-5100 0x9202 reply, data phase only (dossier §3.3, gp#248). */
static const uint8_t ext_5100[] = {
	0xc8, 0x00,
	0x1f, 0x00, 0x00, 0x00,
	0x04, 0x50, 0x05, 0x50, 0x07, 0x50, 0x0a, 0x50, 0x0b, 0x50, 0x0c, 0x50,
	0x0e, 0x50, 0x10, 0x50, 0x13, 0x50, 0x00, 0xd2, 0x01, 0xd2, 0x03, 0xd2,
	0x0d, 0xd2, 0x0e, 0xd2, 0x0f, 0xd2, 0x10, 0xd2, 0x1c, 0xd2, 0x11, 0xd2,
	0x13, 0xd2, 0x1e, 0xd2, 0x1b, 0xd2, 0x1d, 0xd2, 0x1f, 0xd2, 0x17, 0xd2,
	0x18, 0xd2, 0x19, 0xd2, 0x12, 0xd2, 0x21, 0xd2, 0x14, 0xd2, 0x15, 0xd2,
	0x20, 0xd2,
	0x06, 0x00, 0x00, 0x00,
	0xc1, 0xd2, 0xc2, 0xd2, 0xc3, 0xd2, 0xc8, 0xd2, 0xc5, 0xd2, 0xc7, 0xd2,
};

/* ILCE-6000 0x5004 CompressionSetting descriptor (dossier §5.1). */
#define DPD_5004                                                               \
	0x04, 0x50, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03, 0x02, 0x04, 0x00,      \
		0x02, 0x03, 0x10, 0x13
/* 0xD2C1 half-press button descriptor (dossier §5.1). */
#define DPD_D2C1                                                               \
	0xc1, 0xd2, 0x04, 0x00, 0x81, 0x01, 0x01, 0x00, 0x01, 0x00, 0x02,      \
		0x02, 0x00, 0x01, 0x00, 0x02, 0x00
#define DPD_5004_LEN 15
#define DPD_D2C1_LEN 17

/* 0x9209 header: count 2, zero word (dossier §5.2), then both entries. */
static const uint8_t props_blob[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, DPD_5004, DPD_D2C1,
};

/* ---- ExtDeviceInfo ------------------------------------------------------ */

static void test_ext_info_5100_golden(void **state)
{
	struct sony_ext_info ei;
	struct buf b;

	(void)state;
	assert_int_equal(sony_ext_info_parse(ext_5100, sizeof(ext_5100), &ei), 0);
	assert_int_equal(ei.version, SONY_PROTOCOL_200);
	assert_int_equal(ei.codes.n, 31);
	assert_int_equal(ei.codes.v[0], SONY_DPC_COMPRESSION);
	assert_int_equal(ei.codes.v[12], SONY_DPC_SHUTTER_SPEED);
	assert_int_equal(ei.codes.v[30], 0xD220);
	assert_int_equal(ei.controls.n, 6);
	assert_int_equal(ei.controls.v[0], SONY_CTL_S1);
	assert_int_equal(ei.controls.v[5], SONY_CTL_ONE_SHOT);
	assert_true(ptp_u16_list_has(&ei.codes, SONY_DPC_ISO));
	/* Writing it back gives the same bytes. */
	buf_init(&b, 4096);
	sony_ext_info_write(&b, &ei);
	assert_int_equal(buf_status(&b), 0);
	assert_int_equal(b.len, sizeof(ext_5100));
	assert_memory_equal(b.data, ext_5100, sizeof(ext_5100));
	buf_finish(&b);
	sony_ext_info_finish(&ei);
	sony_ext_info_finish(&ei); /* idempotent */
	sony_ext_info_finish(NULL);
}

static void test_ext_info_empty_is_again(void **state)
{
	struct sony_ext_info ei;

	(void)state;
	assert_int_equal(sony_ext_info_parse(NULL, 0, &ei), ALPHAFS_ERR_AGAIN);
	assert_int_equal(sony_ext_info_parse(ext_5100, 0, &ei), ALPHAFS_ERR_AGAIN);
	assert_null(ei.codes.v);
}

static void test_ext_info_every_prefix(void **state)
{
	struct sony_ext_info ei;

	(void)state;
	for (size_t n = 1; n < sizeof(ext_5100); n++) {
		int rc = sony_ext_info_parse(ext_5100, n, &ei);

		assert_int_equal(rc, ALPHAFS_ERR_TRUNCATED);
		/* Nothing is left to free on error. */
		assert_null(ei.codes.v);
		assert_null(ei.controls.v);
		assert_int_equal(ei.codes.n, 0);
	}
}

static void test_ext_info_trailing_and_huge_count(void **state)
{
	uint8_t b[sizeof(ext_5100) + 6];
	const uint8_t huge[] = { 0xc8, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00 };
	struct sony_ext_info ei;

	(void)state;
	/* Bytes after the two lists are ignored (newer firmware). */
	memcpy(b, ext_5100, sizeof(ext_5100));
	memset(b + sizeof(ext_5100), 0xAB, 6);
	assert_int_equal(sony_ext_info_parse(b, sizeof(b), &ei), 0);
	assert_int_equal(ei.controls.n, 6);
	sony_ext_info_finish(&ei);
	assert_int_equal(sony_ext_info_parse(huge, sizeof(huge), &ei),
			 ALPHAFS_ERR_TOO_BIG);
}

static void test_ext_info_nomem(void **state)
{
	struct sony_ext_info ei;

	(void)state;
	/* Fail the first, then the second allocation: clean NOMEM, no leak. */
	for (long k = 0; k < 2; k++) {
		mem_fail_after(k);
		assert_int_equal(sony_ext_info_parse(ext_5100, sizeof(ext_5100), &ei),
				 ALPHAFS_ERR_NOMEM);
		mem_fail_after(-1);
		assert_null(ei.codes.v);
	}
}

/* ---- 0x9209 properties -------------------------------------------------- */

static void test_props_golden(void **state)
{
	const struct ptp_prop_desc *d;
	struct sony_prop_table t;
	struct buf b;

	(void)state;
	assert_int_equal(sony_props_parse(props_blob, sizeof(props_blob), SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 2);
	d = sony_props_find(&t, SONY_DPC_COMPRESSION);
	assert_non_null(d);
	assert_int_equal(d->type, PTP_DTC_UINT8);
	assert_int_equal(d->getset, 1);
	assert_int_equal(d->is_enabled, 1);
	assert_int_equal(d->factory.u, 2);
	assert_int_equal(d->current.u, 3);
	assert_int_equal(d->form, PTP_FORM_ENUM);
	assert_int_equal(d->enum_count, 4);
	assert_int_equal(d->enum_values[0].u, 2);
	assert_int_equal(d->enum_values[1].u, 3);
	assert_int_equal(d->enum_values[2].u, 0x10);
	assert_int_equal(d->enum_values[3].u, 0x13);
	d = sony_props_find(&t, SONY_CTL_S1);
	assert_non_null(d);
	assert_int_equal(d->type, PTP_DTC_UINT16);
	assert_int_equal(d->getset, 0x81); /* a button control */
	assert_int_equal(d->current.u, 1);
	assert_int_equal(d->enum_count, 2);
	assert_int_equal(d->enum_values[1].u, SONY_BUTTON_DOWN);
	assert_null(sony_props_find(&t, SONY_DPC_ISO));
	assert_null(sony_props_find(NULL, SONY_DPC_ISO));
	buf_init(&b, 4096);
	sony_props_write(&b, &t, SONY_PROTOCOL_200);
	assert_int_equal(b.len, sizeof(props_blob));
	assert_memory_equal(b.data, props_blob, sizeof(props_blob));
	buf_finish(&b);
	sony_props_finish(&t);
	assert_int_equal(t.n, 0);
	sony_props_finish(NULL);
}

static void test_props_every_prefix(void **state)
{
	struct sony_prop_table t;

	(void)state;
	for (size_t n = 0; n <= sizeof(props_blob); n++) {
		int rc = sony_props_parse(props_blob, n, SONY_PROTOCOL_200, &t);
		size_t want;

		if (n < 8) {
			assert_int_equal(rc, ALPHAFS_ERR_MALFORMED);
			assert_null(t.v);
			continue;
		}
		/* Entries before the cut are kept, the cut one dropped. */
		want = n >= 8 + DPD_5004_LEN + DPD_D2C1_LEN ? 2 : n >= 8 + DPD_5004_LEN ? 1 : 0;
		assert_int_equal(rc, 0);
		assert_int_equal(t.n, want);
		sony_props_finish(&t);
	}
}

static void test_props_count_is_advisory(void **state)
{
	uint8_t b[sizeof(props_blob) + 3];
	struct sony_prop_table t;

	(void)state;
	/* Count 0x22 with two entries: both parsed (dossier §5.2). */
	memcpy(b, props_blob, sizeof(props_blob));
	b[0] = 0x22;
	assert_int_equal(sony_props_parse(b, sizeof(props_blob), SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 2);
	sony_props_finish(&t);
	/* Count 0 with two entries: still two. */
	b[0] = 0;
	assert_int_equal(sony_props_parse(b, sizeof(props_blob), SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 2);
	sony_props_finish(&t);
	/* Garbage after the entries (an unknown form flag) ends the table. */
	b[sizeof(props_blob)] = 0x01;
	b[sizeof(props_blob) + 1] = 0x02;
	b[sizeof(props_blob) + 2] = 0x03;
	assert_int_equal(sony_props_parse(b, sizeof(b), SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 2);
	sony_props_finish(&t);
}

static void test_props_bad_form_stops(void **state)
{
	uint8_t b[sizeof(props_blob)];
	struct sony_prop_table t;

	(void)state;
	/* The first entry's form flag 7 does not exist: no entries. */
	memcpy(b, props_blob, sizeof(b));
	b[8 + 8] = 0x07;
	assert_int_equal(sony_props_parse(b, sizeof(b), SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 0);
	sony_props_finish(&t);
	/* The second entry's enum count is huge: the first is kept. */
	memcpy(b, props_blob, sizeof(b));
	b[8 + DPD_5004_LEN + 11] = 0xff;
	b[8 + DPD_5004_LEN + 12] = 0xff;
	assert_int_equal(sony_props_parse(b, sizeof(b), SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].code, SONY_DPC_COMPRESSION);
	sony_props_finish(&t);
}

static void test_props_capped(void **state)
{
	const uint8_t one[] = { DPD_5004 };
	size_t n = SONY_PROPS_MAX + 10;
	struct sony_prop_table t;
	struct buf b;

	(void)state;
	buf_init(&b, 1u << 20);
	buf_put_u32le(&b, (uint32_t)n);
	buf_put_u32le(&b, 0);
	for (size_t i = 0; i < n; i++)
		buf_put(&b, one, sizeof(one));
	assert_int_equal(buf_status(&b), 0);
	assert_int_equal(sony_props_parse(b.data, b.len, SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, SONY_PROPS_MAX);
	sony_props_finish(&t);
	buf_finish(&b);
}

static void test_props_nomem_every_allocation(void **state)
{
	struct sony_prop_table t;
	long k;
	int rc;

	(void)state;
	/* Fail the kth allocation for every k until parsing succeeds. */
	for (k = 0;; k++) {
		mem_fail_after(k);
		rc = sony_props_parse(props_blob, sizeof(props_blob), SONY_PROTOCOL_200, &t);
		mem_fail_after(-1);
		if (rc == 0 && t.n == 2)
			break;
		assert_int_equal(rc, ALPHAFS_ERR_NOMEM);
		assert_null(t.v);
		sony_props_finish(&t);
		assert_true(k < 32);
	}
	sony_props_finish(&t);
}

/* ---- names and identity ------------------------------------------------- */

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sony_op_name(SONY_OC_SDIO_CONNECT), "SDIOConnect");
	assert_string_equal(sony_op_name(SONY_OC_SET_CONTROL_B), "SetControlDeviceB");
	assert_ptr_equal(sony_op_name(PTP_OC_GET_OBJECT), ptp_op_name(PTP_OC_GET_OBJECT));
	assert_non_null(sony_op_name(PTP_OC_GET_OBJECT));
	assert_null(sony_op_name(0x9FFF));
	assert_string_equal(sony_prop_name(SONY_DPC_ISO), "ISO");
	assert_string_equal(sony_prop_name(SONY_CTL_S1), "ShutterHalfRelease");
	assert_string_equal(sony_event_name(SONY_EC_PROP_CHANGED), "DevicePropChanged");
	assert_string_equal(sony_rc_name(0xA101), "AuthenticationFailed");
	assert_ptr_equal(sony_rc_name(PTP_RC_ACCESS_DENIED),
			 ptp_rc_name(PTP_RC_ACCESS_DENIED));
	assert_null(sony_rc_name(0xA1FF));
}

static void test_remote_capable(void **state)
{
	uint16_t ops[] = { 0x1001, 0x1002, 0x1009, SONY_OC_SDIO_CONNECT,
			   SONY_OC_GET_EXT_DEVICE_INFO, SONY_OC_SET_CONTROL_B };
	struct ptp_device_info di;

	(void)state;
	memset(&di, 0, sizeof(di));
	di.vendor_ext_id = SONY_VENDOR_EXT_ID;
	di.operations.v = ops;
	di.operations.n = ARRAY_LEN(ops);
	assert_true(sony_is_remote_capable(&di));
	/* MTP id 6 counts only with Sony as manufacturer. */
	di.vendor_ext_id = SONY_VENDOR_EXT_ID_MTP;
	assert_false(sony_is_remote_capable(&di));
	snprintf(di.manufacturer, sizeof(di.manufacturer), "Sony Corporation");
	assert_true(sony_is_remote_capable(&di));
	/* An MTP-mode body lacks the handshake operations (dossier §7.1). */
	di.operations.n = 3;
	assert_false(sony_is_remote_capable(&di));
	di.operations.n = ARRAY_LEN(ops);
	di.vendor_ext_id = 0x0000000A;
	assert_false(sony_is_remote_capable(&di));
	assert_false(sony_is_remote_capable(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ext_info_5100_golden),
		cmocka_unit_test(test_ext_info_empty_is_again),
		cmocka_unit_test(test_ext_info_every_prefix),
		cmocka_unit_test(test_ext_info_trailing_and_huge_count),
		cmocka_unit_test(test_ext_info_nomem),
		cmocka_unit_test(test_props_golden),
		cmocka_unit_test(test_props_every_prefix),
		cmocka_unit_test(test_props_count_is_advisory),
		cmocka_unit_test(test_props_bad_form_stops),
		cmocka_unit_test(test_props_capped),
		cmocka_unit_test(test_props_nomem_every_allocation),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_remote_capable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
