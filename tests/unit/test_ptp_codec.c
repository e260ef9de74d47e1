/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ptp codec: containers, strings, arrays, values and datasets. Golden bytes
 * come from the dossier (§0, §1.2, §2.2, §5.1, §6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <stdio.h>

#include <cmocka.h>

#include "ptp/ptp.h"

static void test_header_roundtrip(void **state)
{
	/* GetStorageIDs command, dossier §1.2. */
	const uint8_t cmd[] = { 0x0c, 0, 0, 0, 0x01, 0, 0x04, 0x10, 0x07, 0, 0, 0 };
	struct ptp_params p;
	uint8_t out[32];

	(void)state;
	assert_int_equal(ptp_params_decode(cmd, sizeof(cmd), &p), 0);
	assert_int_equal(p.type, PTP_TYPE_COMMAND);
	assert_int_equal(p.code, PTP_OC_GET_STORAGE_IDS);
	assert_int_equal(p.tid, 7);
	assert_int_equal(p.nparams, 0);
	assert_int_equal(ptp_params_encode(out, sizeof(out), &p), 12);
	assert_memory_equal(out, cmd, sizeof(cmd));
}

static void test_params_encode_golden(void **state)
{
	/* SDIOConnect(1,0,0), tid 2: dossier §3.2. */
	const uint8_t want[] = { 0x18, 0, 0, 0, 0x01, 0, 0x01, 0x92, 0x02, 0, 0, 0,
				 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ptp_params p = { .type = PTP_TYPE_COMMAND, .code = 0x9201, .tid = 2,
				.nparams = 3, .params = { 1, 0, 0 } };
	uint8_t out[32];

	(void)state;
	assert_int_equal(ptp_params_encode(out, sizeof(out), &p), 24);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(ptp_params_encode(out, 23, &p), ALPHAFS_ERR_INVALID);
	p.nparams = 6;
	assert_int_equal(ptp_params_encode(out, sizeof(out), &p), ALPHAFS_ERR_INVALID);
}

static void test_params_decode_malformed(void **state)
{
	uint8_t b[40];
	struct ptp_params p;

	(void)state;
	/* Shorter than a header. */
	ptp_header_encode(b, 12, PTP_TYPE_RESPONSE, 0x2001, 1);
	assert_int_equal(ptp_params_decode(b, 11, &p), ALPHAFS_ERR_TRUNCATED);
	/* Length field disagrees with the bytes given. */
	assert_int_equal(ptp_params_decode(b, 16, &p), ALPHAFS_ERR_MALFORMED);
	/* Parameter area not whole u32s. */
	ptp_header_encode(b, 14, PTP_TYPE_RESPONSE, 0x2001, 1);
	assert_int_equal(ptp_params_decode(b, 14, &p), ALPHAFS_ERR_MALFORMED);
	/* Six parameters. */
	ptp_header_encode(b, 36, PTP_TYPE_RESPONSE, 0x2001, 1);
	assert_int_equal(ptp_params_decode(b, 36, &p), ALPHAFS_ERR_MALFORMED);
	/* Data containers carry no parameters. */
	ptp_header_encode(b, 16, PTP_TYPE_DATA, 0x1009, 1);
	assert_int_equal(ptp_params_decode(b, 16, &p), ALPHAFS_ERR_MALFORMED);
	/* Length below the header size; unknown type. */
	ptp_header_encode(b, 11, PTP_TYPE_RESPONSE, 0x2001, 1);
	assert_int_equal(ptp_params_decode(b, 12, &p), ALPHAFS_ERR_MALFORMED);
	ptp_header_encode(b, 12, 7, 0x2001, 1);
	assert_int_equal(ptp_params_decode(b, 12, &p), ALPHAFS_ERR_MALFORMED);
	ptp_header_encode(b, 12, 0, 0x2001, 1);
	assert_int_equal(ptp_params_decode(b, 12, &p), ALPHAFS_ERR_MALFORMED);
}

static void test_event_golden(void **state)
{
	/* a6000-log: 0xC203 DevicePropChanged(0xD21D), tid 0xFFFFFFFF. */
	const uint8_t ev[] = { 0x10, 0, 0, 0, 0x04, 0, 0x03, 0xc2, 0xff, 0xff, 0xff, 0xff,
			       0x1d, 0xd2, 0, 0 };
	struct ptp_event e;

	(void)state;
	assert_int_equal(ptp_event_decode(ev, sizeof(ev), &e), 0);
	assert_int_equal(e.code, 0xC203);
	assert_int_equal(e.tid, PTP_TID_EVENT);
	assert_int_equal(e.nparams, 1);
	assert_int_equal(e.params[0], 0xD21D);
	/* An event has at most three parameters (24 bytes). */
	{
		uint8_t big[28] = { 0 };

		ptp_header_encode(big, 28, PTP_TYPE_EVENT, 0xC201, 1);
		assert_int_equal(ptp_event_decode(big, 28, &e), ALPHAFS_ERR_MALFORMED);
	}
	/* A response is not an event. */
	{
		uint8_t resp[12];

		ptp_header_encode(resp, 12, PTP_TYPE_RESPONSE, 0x2001, 1);
		assert_int_equal(ptp_event_decode(resp, 12, &e), ALPHAFS_ERR_MALFORMED);
	}
}

static void test_string_golden(void **state)
{
	/* "ILCE-6300": dossier §0, 21 bytes. */
	const uint8_t want[] = { 0x0A, 'I', 0, 'L', 0, 'C', 0, 'E', 0, '-', 0, '6', 0,
				 '3', 0, '0', 0, '0', 0, 0, 0 };
	char out[PTP_STRING_UTF8_MAX];
	struct buf b;
	struct rd r;

	(void)state;
	buf_init(&b, 1024);
	ptp_write_string(&b, "ILCE-6300");
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	rd_init(&r, b.data, b.len);
	assert_int_equal(ptp_read_string(&r, out, sizeof(out)), 0);
	assert_string_equal(out, "ILCE-6300");
	assert_int_equal(rd_left(&r), 0);
	/* The empty string is a single zero byte, no NUL unit. */
	buf_reset(&b);
	ptp_write_string(&b, "");
	assert_int_equal(b.len, 1);
	assert_int_equal(b.data[0], 0);
	buf_finish(&b);
}

static void test_string_unicode_and_hostile(void **state)
{
	char out[PTP_STRING_UTF8_MAX], small[4];
	struct buf b;
	struct rd r;

	(void)state;
	buf_init(&b, 4096);
	/* BMP and a supplementary-plane character survive a round trip. */
	ptp_write_string(&b, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\xb7");
	rd_init(&r, b.data, b.len);
	assert_int_equal(ptp_read_string(&r, out, sizeof(out)), 0);
	assert_string_equal(out, "\xc3\xa9t\xc3\xa9 \xf0\x9f\x93\xb7");
	/* Output is cut at a character boundary, always terminated. */
	rd_init(&r, b.data, b.len);
	assert_int_equal(ptp_read_string(&r, small, sizeof(small)), 0);
	assert_string_equal(small, "\xc3\xa9t");
	/* Count beyond the data: TRUNCATED, nothing read. */
	{
		const uint8_t cut[] = { 0x05, 'A', 0, 'B', 0 };

		rd_init(&r, cut, sizeof(cut));
		assert_int_equal(ptp_read_string(&r, out, sizeof(out)),
				 ALPHAFS_ERR_TRUNCATED);
		assert_string_equal(out, "");
	}
	/* No NUL unit, and an unpaired surrogate: tolerated, U+FFFD. */
	{
		const uint8_t odd[] = { 0x02, 'A', 0, 0x00, 0xD8 };

		rd_init(&r, odd, sizeof(odd));
		assert_int_equal(ptp_read_string(&r, out, sizeof(out)), 0);
		assert_string_equal(out, "A\xef\xbf\xbd");
	}
	/* An over-long string is cut to 254 units plus the NUL. */
	{
		char longs[400];

		memset(longs, 'x', sizeof(longs) - 1);
		longs[sizeof(longs) - 1] = '\0';
		buf_reset(&b);
		ptp_write_string(&b, longs);
		assert_int_equal(b.data[0], 255);
		assert_int_equal(b.len, 1 + 2 * 255);
	}
	buf_finish(&b);
}

static void test_u16_list(void **state)
{
	const uint8_t ok[] = { 3, 0, 0, 0, 0x01, 0xC2, 0x02, 0xC2, 0x03, 0xC2 };
	const uint8_t cut[] = { 3, 0, 0, 0, 0x01, 0xC2, 0x02 };
	const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0, 0 };
	struct ptp_u16_list l;
	struct rd r;

	(void)state;
	rd_init(&r, ok, sizeof(ok));
	assert_int_equal(ptp_read_u16_list(&r, &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.v[2], 0xC203);
	assert_true(ptp_u16_list_has(&l, 0xC202));
	assert_false(ptp_u16_list_has(&l, 0xC204));
	ptp_u16_list_finish(&l);
	rd_init(&r, cut, sizeof(cut));
	assert_int_equal(ptp_read_u16_list(&r, &l), ALPHAFS_ERR_TRUNCATED);
	assert_null(l.v);
	rd_init(&r, huge, sizeof(huge));
	assert_int_equal(ptp_read_u16_list(&r, &l), ALPHAFS_ERR_TOO_BIG);
	assert_null(l.v);
}

static void test_values(void **state)
{
	const uint8_t b[] = { 0xFF, 0x18, 0xF4, 0x64, 0x00, 0x01, 0x00 };
	struct ptp_value v;
	char text[32];
	struct rd r;

	(void)state;
	rd_init(&r, b, sizeof(b));
	assert_int_equal(ptp_value_read(&r, PTP_DTC_INT8, &v), 0);
	assert_int_equal(v.i, -1); /* BatteryLevel unknown, dossier §5.3 */
	assert_int_equal(ptp_value_read(&r, PTP_DTC_INT16, &v), 0);
	assert_int_equal(v.i, -3048);
	assert_int_equal(ptp_value_read(&r, PTP_DTC_UINT32, &v), 0);
	assert_int_equal(v.u, 0x00010064); /* 1/100 s */
	ptp_value_format(&v, text, sizeof(text));
	assert_string_equal(text, "0x00010064");
	assert_int_equal(ptp_value_read(&r, PTP_DTC_UINT8, &v), ALPHAFS_ERR_TRUNCATED);
	rd_init(&r, b, sizeof(b));
	assert_int_equal(ptp_value_read(&r, PTP_DTC_UINT128, &v), ALPHAFS_ERR_UNSUPPORTED);
	assert_int_equal(ptp_value_read(&r, 0x4004, &v), ALPHAFS_ERR_UNSUPPORTED);
}

static void fill_device_info(struct ptp_device_info *di, uint16_t *ops, uint32_t nops)
{
	static uint16_t events[] = { 0xC201, 0xC202, 0xC203 };
	static uint16_t formats[] = { 0x3801, 0xB301, 0xB101 };

	memset(di, 0, sizeof(*di));
	di->standard_version = 100;
	di->vendor_ext_id = 0x11;
	di->vendor_ext_version = 100;
	snprintf(di->vendor_ext_desc, sizeof(di->vendor_ext_desc), "%s", "Sony PTP Extensions");
	di->operations.v = ops;
	di->operations.n = nops;
	di->events.v = events;
	di->events.n = 3;
	di->image_formats.v = formats;
	di->image_formats.n = 3;
	snprintf(di->manufacturer, sizeof(di->manufacturer), "%s", "Sony Corporation");
	snprintf(di->model, sizeof(di->model), "%s", "ILCE-6300");		      
	snprintf(di->device_version, sizeof(di->device_version), "%s", "1.0");	      
	snprintf(di->serial, sizeof(di->serial), "%s", "00000000000000000000000000000000");
}

static void test_device_info_roundtrip_and_prefixes(void **state)
{
	/* The A5100 header bytes of gp#248 start the dataset. */
	const uint8_t a5100[] = { 0x64, 0x00, 0x11, 0x00, 0x00, 0x00, 0x64, 0x00,
				  0x14, 0x53, 0x00, 0x6F, 0x00, 0x6E, 0x00, 0x79, 0x00 };
	uint16_t ops[] = { 0x1002, 0x1003, 0x1001, 0x1004, 0x1005, 0x1006, 0x1007,
			   0x1008, 0x1009, 0x100A, 0x101B, 0x9201, 0x9202, 0x9205,
			   0x9207, 0x9209 };
	struct ptp_device_info in, out;
	struct buf b;

	(void)state;
	fill_device_info(&in, ops, ARRAY_LEN(ops));
	buf_init(&b, 4096);
	ptp_device_info_write(&b, &in);
	assert_int_equal(buf_status(&b), 0);
	assert_memory_equal(b.data, a5100, sizeof(a5100));
	assert_int_equal(ptp_device_info_parse(b.data, b.len, &out), 0);
	assert_int_equal(out.vendor_ext_id, 0x11);
	assert_string_equal(out.model, "ILCE-6300");
	assert_string_equal(out.manufacturer, "Sony Corporation");
	assert_int_equal(out.operations.n, ARRAY_LEN(ops));
	assert_true(ptp_u16_list_has(&out.operations, 0x9207));
	assert_int_equal(out.properties.n, 0);
	assert_null(out.properties.v);
	ptp_device_info_finish(&out);
	/* Every strict prefix is an error, never a crash or an overread. */
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *copy = mem_alloc(n ? n : 1);

		memcpy(copy, b.data, n);
		assert_true(ptp_device_info_parse(copy, n, &out) < 0);
		mem_free(copy);
	}
	/* Every allocation failure is reported, with nothing leaked. */
	for (long k = 0; k < 8; k++) {
		int rc;

		mem_fail_after(k);
		rc = ptp_device_info_parse(b.data, b.len, &out);
		mem_fail_after(-1);
		assert_true(rc == 0 || rc == ALPHAFS_ERR_NOMEM);
		ptp_device_info_finish(&out);
	}
	buf_finish(&b);
}

static void test_object_info_roundtrip(void **state)
{
	struct ptp_object_info in = { .storage_id = 0, .format = PTP_OFC_JPEG,
				      .compressed_size = 12345, .width = 640,
				      .height = 424 };
	struct ptp_object_info out;
	struct buf b;

	(void)state;
	snprintf(in.filename, sizeof(in.filename), "%s", "capt0000.jpg");
	snprintf(in.capture_date, sizeof(in.capture_date), "%s", "20261126T120000");
	buf_init(&b, 4096);
	ptp_object_info_write(&b, &in);
	assert_int_equal(ptp_object_info_parse(b.data, b.len, &out), 0);
	assert_int_equal(out.format, PTP_OFC_JPEG);
	assert_int_equal(out.compressed_size, 12345);
	assert_int_equal(out.height, 424);
	assert_string_equal(out.filename, "capt0000.jpg");
	assert_string_equal(out.capture_date, "20261126T120000");
	/* Without the trailing Keywords string: still fine. */
	assert_int_equal(ptp_object_info_parse(b.data, b.len - 1, &out), 0);
	/* Cut inside the fixed part. */
	assert_int_equal(ptp_object_info_parse(b.data, 40, &out), ALPHAFS_ERR_TRUNCATED);
	buf_finish(&b);
}

static void test_prop_desc_sony_golden(void **state)
{
	/* ILCE-6000 0x5004 (dossier §5.1). */
	const uint8_t p5004[] = { 0x04, 0x50, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03, 0x02,
				  0x04, 0x00, 0x02, 0x03, 0x10, 0x13 };
	/* Button 0xD2C1. */
	const uint8_t d2c1[] = { 0xc1, 0xd2, 0x04, 0x00, 0x81, 0x01, 0x01, 0x00, 0x01,
				 0x00, 0x02, 0x02, 0x00, 0x01, 0x00, 0x02, 0x00 };
	struct ptp_prop_desc d;
	struct buf b;
	struct rd r;

	(void)state;
	rd_init(&r, p5004, sizeof(p5004));
	assert_int_equal(ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d), 0);
	assert_int_equal(rd_left(&r), 0);
	assert_int_equal(d.code, 0x5004);
	assert_int_equal(d.type, PTP_DTC_UINT8);
	assert_int_equal(d.getset, 1);
	assert_int_equal(d.is_enabled, 1);
	assert_int_equal(d.factory.u, 2);
	assert_int_equal(d.current.u, 3);
	assert_int_equal(d.form, PTP_FORM_ENUM);
	assert_int_equal(d.enum_count, 4);
	assert_int_equal(d.enum_values[3].u, 0x13);
	/* Written back, byte for byte. */
	buf_init(&b, 256);
	ptp_prop_desc_write(&b, &d, PTP_DPD_ENABLED_BYTE);
	assert_int_equal(b.len, sizeof(p5004));
	assert_memory_equal(b.data, p5004, sizeof(p5004));
	ptp_prop_desc_finish(&d);
	rd_init(&r, d2c1, sizeof(d2c1));
	assert_int_equal(ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d), 0);
	assert_int_equal(d.getset, 0x81);
	assert_int_equal(d.enum_count, 2);
	ptp_prop_desc_finish(&d);
	/* Without the Sony byte the same bytes mean something else: the
	 * standard reader must not accept the 0x5004 blob as whole. */
	rd_init(&r, p5004, sizeof(p5004));
	assert_int_equal(ptp_prop_desc_read(&r, 0, &d), ALPHAFS_ERR_MALFORMED);
	assert_null(d.enum_values);
	buf_finish(&b);
}

static void test_prop_desc_malformed(void **state)
{
	/* Enumeration claiming 0xFFFF entries of UINT32 in 8 bytes. */
	const uint8_t lie[] = { 0x1e, 0xd2, 0x06, 0x00, 0x01, 0x01, 0, 0, 0, 0, 0, 0,
				0, 0, 0x02, 0xff, 0xff, 1, 2, 3, 4, 5, 6, 7, 8 };
	/* Form flag 3 does not exist. */
	const uint8_t form3[] = { 0x04, 0x50, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03, 0x03 };
	/* A string property that ends after its default (allowed). */
	const uint8_t str[] = { 0x20, 0xd2, 0xff, 0xff, 0x00, 0x01, 0x02, 'A', 0, 0, 0 };
	struct ptp_prop_desc d;
	struct rd r;

	(void)state;
	rd_init(&r, lie, sizeof(lie));
	assert_true(ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d) < 0);
	assert_null(d.enum_values);
	rd_init(&r, form3, sizeof(form3));
	assert_int_equal(ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d),
			 ALPHAFS_ERR_MALFORMED);
	rd_init(&r, str, sizeof(str));
	assert_int_equal(ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d), 0);
	assert_string_equal(d.current.str, "A");
	ptp_prop_desc_finish(&d);
	/* Every prefix of the golden 0x5004 entry fails cleanly. */
	{
		const uint8_t p5004[] = { 0x04, 0x50, 0x02, 0x00, 0x01, 0x01, 0x02, 0x03,
					  0x02, 0x04, 0x00, 0x02, 0x03, 0x10, 0x13 };

		for (size_t n = 0; n < sizeof(p5004); n++) {
			rd_init(&r, p5004, n);
			assert_true(ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d) < 0);
		}
	}
}

static void test_code_names(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(ptp_rc_name(0x200F), "AccessDenied");
	assert_string_equal(ptp_op_name(0x1009), "GetObject");
	assert_string_equal(ptp_event_name(0x4006), "DevicePropChanged");
	assert_null(ptp_op_name(0x9201)); /* vendor codes are not ptp's */
	ptp_rc_describe(0x2019, out, sizeof(out));
	assert_string_equal(out, "DeviceBusy (0x2019)");
	ptp_rc_describe(0xA101, out, sizeof(out));
	assert_string_equal(out, "0xA101");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_params_encode_golden),
		cmocka_unit_test(test_params_decode_malformed),
		cmocka_unit_test(test_event_golden),
		cmocka_unit_test(test_string_golden),
		cmocka_unit_test(test_string_unicode_and_hostile),
		cmocka_unit_test(test_u16_list),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_device_info_roundtrip_and_prefixes),
		cmocka_unit_test(test_object_info_roundtrip),
		cmocka_unit_test(test_prop_desc_sony_golden),
		cmocka_unit_test(test_prop_desc_malformed),
		cmocka_unit_test(test_code_names),
	};

	return cmocka_run_group_tests_name("ptp_codec", tests, NULL, NULL);
}
