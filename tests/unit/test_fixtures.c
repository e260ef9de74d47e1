/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parsers against bytes recorded from real Sony bodies (libgphoto2's
 * debug logs over USB, and a DSC-RX100M7 flow recorded over PTP/IP;
 * converted strictly by tests/data/sony/convert.py; sources in
 * tests/data/sony/README.md): DeviceInfo (DSC-RX100M7), 0x9209 in the 2.00
 * layout (ILCE-6000) and the 3.00 layout (ILCE-7SM3, DSC-RX100M7), 0x9202
 * in both versions (ILCE-5100, ILCE-7SM3, DSC-RX100M7), events, commands,
 * data phases and responses. USB fixtures are whole containers; the
 * PTP/IP ones are the dataset alone (that transport frames it otherwise).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ptp/ptp.h"
#include "sony/sony.h"

#ifndef FIXTURE_DIR
#error "FIXTURE_DIR must name tests/data/sony"
#endif

#define FIXTURE_MAX (64u * 1024)
#define PROBLEM_MAX 200

struct fixture {
	uint8_t b[FIXTURE_MAX];
	size_t len;
};

static void load(const char *name, struct fixture *f)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.bin", FIXTURE_DIR, name);
	fp = fopen(path, "rb");
	if (!fp)
		fail_msg("cannot open fixture %s", path);
	f->len = fread(f->b, 1, sizeof(f->b), fp);
	fclose(fp);
	assert_true(f->len >= PTP_HEADER_SIZE);
}

/* A whole container of the given type and code; returns its header. */
static struct ptp_header container(const struct fixture *f, uint16_t type,
				   uint16_t code)
{
	struct ptp_header h;

	assert_int_equal(ptp_header_decode(f->b, f->len, &h), 0);
	assert_int_equal(h.length, f->len);
	assert_int_equal(h.type, type);
	assert_int_equal(h.code, code);
	return h;
}

static const struct ptp_prop_desc *find(const struct sony_prop_table *t,
					uint16_t code)
{
	const struct ptp_prop_desc *d = sony_props_find(t, code);

	if (!d)
		fail_msg("property 0x%04X missing", code);
	return d;
}

/* ILCE-6000, protocol 2.00: every entry parses, to the last byte. */
static void test_a6000_props_200(void **state)
{
	static struct fixture f;
	struct sony_prop_table t;
	const struct ptp_prop_desc *d;
	char problem[PROBLEM_MAX];
	struct buf b;

	(void)state;
	load("a6000-9209-props", &f);
	container(&f, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO);
	assert_int_equal(sony_props_parse(f.b + 12, f.len - 12, SONY_PROTOCOL_200,
					  &t), 0);
	/* count 34: the string property 0xD220 of the code list is not in
	 * the blob (dossier §5.2), and nothing else is missing */
	assert_int_equal(t.count_field, 34);
	assert_int_equal(t.n, 34);
	assert_false(t.cut_short);
	assert_false(t.bad_entry);
	assert_false(sony_props_problem(&t, problem, sizeof(problem)));
	/* dossier §5.1's worked example */
	d = find(&t, SONY_DPC_COMPRESSION);
	assert_int_equal(d->type, PTP_DTC_UINT8);
	assert_int_equal(d->getset, 1);
	assert_int_equal(d->is_enabled, 1);
	assert_int_equal(d->factory.u, 2);
	assert_int_equal(d->current.u, 3);
	assert_int_equal(d->form, PTP_FORM_ENUM);
	assert_int_equal(d->enum_count, 4);
	assert_int_equal(d->enum_values[3].u, 0x13);
	/* the values the decoded listing of the same log shows */
	assert_int_equal(find(&t, SONY_DPC_FNUMBER)->current.u, 500);
	assert_int_equal(find(&t, SONY_DPC_BATTERY_LEVEL)->current.i, 67);
	assert_int_equal(find(&t, SONY_DPC_ISO)->enum_count, 58);
	assert_int_equal(find(&t, SONY_DPC_SHUTTER_SPEED)->current.u, 65636);
	d = find(&t, SONY_CTL_S1);
	assert_int_equal(d->getset, 0x81); /* a button (dossier §5.1) */
	assert_int_equal(find(&t, SONY_CTL_RELEASE_LOCK)->getset, 0x83);
	assert_int_equal(t.v[t.n - 1].code, SONY_CTL_ONE_SHOT);
	/* written back in the same layout, the same bytes */
	buf_init(&b, FIXTURE_MAX);
	sony_props_write(&b, &t, SONY_PROTOCOL_200);
	assert_int_equal(b.len, f.len - 12);
	assert_memory_equal(b.data, f.b + 12, b.len);
	buf_finish(&b);
	sony_props_finish(&t);
}

/* The same bytes read as 3.00 do not pass silently. */
static void test_a6000_props_wrong_layout(void **state)
{
	static struct fixture f;
	struct sony_prop_table t;
	char problem[PROBLEM_MAX];

	(void)state;
	load("a6000-9209-props", &f);
	assert_int_equal(sony_props_parse(f.b + 12, f.len - 12, SONY_PROTOCOL_300,
					  &t), 0);
	assert_true(t.n < 34);
	assert_true(sony_props_problem(&t, problem, sizeof(problem)));
	assert_non_null(strstr(problem, "count field says 34"));
	sony_props_finish(&t);
}

/* ILCE-7SM3, protocol 3.00: all 320 properties, two enumeration lists. */
static void test_a7sm3_props_300(void **state)
{
	static struct fixture f;
	struct sony_prop_table t;
	const struct ptp_prop_desc *d;
	char problem[PROBLEM_MAX];
	struct buf b;

	(void)state;
	load("a7sm3-9209-props", &f);
	container(&f, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO);
	assert_int_equal(sony_props_parse(f.b + 12, f.len - 12, SONY_PROTOCOL_300,
					  &t), 0);
	assert_int_equal(t.count_field, 320);
	assert_int_equal(t.n, 320);
	assert_false(t.cut_short);
	assert_false(t.bad_entry);
	assert_false(sony_props_problem(&t, problem, sizeof(problem)));
	d = find(&t, SONY_DPC_WHITE_BALANCE);
	assert_int_equal(d->form, PTP_FORM_ENUM);
	assert_int_equal(d->enum_count, 15);
	assert_int_equal(d->enum2_count, 15);
	assert_int_equal(d->current.u, 2);
	/* live view up: LiveViewStatus 1 */
	assert_int_equal(find(&t, SONY_DPC_LIVEVIEW_STATUS)->current.u, 1);
	/* a range: colour temperature 2500..9900 step 100 */
	d = find(&t, SONY_DPC_COLOR_TEMP);
	assert_int_equal(d->form, PTP_FORM_RANGE);
	assert_int_equal(d->min.u, 2500);
	assert_int_equal(d->max.u, 9900);
	assert_int_equal(d->step.u, 100);
	/* a string: the lens name (UTF-16 in the blob) */
	assert_non_null(strstr(find(&t, 0xD07B)->current.str, "24-70mm F2.8"));
	assert_int_equal(t.v[t.n - 1].code, 0xD278);
	buf_init(&b, FIXTURE_MAX);
	sony_props_write(&b, &t, SONY_PROTOCOL_300);
	assert_int_equal(b.len, f.len - 12);
	assert_memory_equal(b.data, f.b + 12, b.len);
	buf_finish(&b);
	sony_props_finish(&t);
}

/* Read in the 2.00 layout the 3.00 blob used to parse "OK" with a handful
 * of entries; now the count and the bad entry are reported. */
static void test_a7sm3_props_wrong_layout(void **state)
{
	static struct fixture f;
	struct sony_prop_table t;
	char problem[PROBLEM_MAX];

	(void)state;
	load("a7sm3-9209-props", &f);
	assert_int_equal(sony_props_parse(f.b + 12, f.len - 12, SONY_PROTOCOL_200,
					  &t), 0);
	assert_true(t.n < 320);
	assert_true(t.cut_short || t.bad_entry);
	assert_true(sony_props_problem(&t, problem, sizeof(problem)));
	assert_non_null(strstr(problem, "count field says 320"));
	sony_props_finish(&t);
}

/* Cut short anywhere: what parsed is kept and the cut reported. */
static void test_a7sm3_props_cut(void **state)
{
	static struct fixture f;
	struct sony_prop_table t;
	char problem[PROBLEM_MAX];
	size_t prev = 0;

	(void)state;
	load("a7sm3-9209-props", &f);
	for (size_t n = 8; n < f.len - 12; n += 97) {
		assert_int_equal(sony_props_parse(f.b + 12, n, SONY_PROTOCOL_300,
						  &t), 0);
		assert_true(t.n >= prev);
		assert_true(t.n < 320);
		/* cut inside an entry, or between two: reported either way */
		assert_true(sony_props_problem(&t, problem, sizeof(problem)));
		prev = t.n;
		sony_props_finish(&t);
	}
}

/* DSC-RX100M7 DeviceInfo (dataset of a PTP/IP data phase): every field as
 * the camera sent it, written back to the same bytes, and any cut fails. */
static void test_rx100m7_device_info(void **state)
{
	static struct fixture f;
	static const uint16_t image_formats[] = { 0x3801, 0xB301, 0xB101 };
	struct ptp_device_info di;
	struct buf b;

	(void)state;
	load("rx100m7-1001-device-info", &f);
	assert_int_equal(f.len, 293);
	assert_int_equal(ptp_device_info_parse(f.b, f.len, &di), 0);
	assert_int_equal(di.standard_version, 100);
	assert_int_equal(di.vendor_ext_id, 0x11);
	assert_int_equal(di.vendor_ext_version, 100);
	assert_string_equal(di.vendor_ext_desc, "Sony PTP Extensions");
	assert_int_equal(di.functional_mode, 0);
	assert_int_equal(di.operations.n, 27);
	assert_int_equal(di.operations.v[0], PTP_OC_GET_DEVICE_INFO);
	assert_int_equal(di.operations.v[26], 0x9805);
	assert_true(ptp_u16_list_has(&di.operations, SONY_OC_SDIO_CONNECT));
	assert_true(ptp_u16_list_has(&di.operations, SONY_OC_GET_EXT_DEVICE_INFO));
	assert_true(ptp_u16_list_has(&di.operations, SONY_OC_SET_CONTROL_B));
	assert_true(ptp_u16_list_has(&di.operations, SONY_OC_GET_ALL_PROP_INFO));
	assert_int_equal(di.events.n, 12); /* 0xC201 ... 0xC20C */
	for (uint32_t i = 0; i < di.events.n; i++)
		assert_int_equal(di.events.v[i], 0xC201 + i);
	/* no properties here: the 0x9202 reply lists them (dossier §2.2) */
	assert_int_equal(di.properties.n, 0);
	assert_int_equal(di.capture_formats.n, 0);
	assert_int_equal(di.image_formats.n, 3);
	assert_memory_equal(di.image_formats.v, image_formats, sizeof(image_formats));
	assert_string_equal(di.manufacturer, "Sony Corporation");
	assert_string_equal(di.model, "DSC-RX100M7");
	assert_string_equal(di.device_version, "1.00");
	assert_string_equal(di.serial, "00000000000000008081886002895251");
	assert_true(sony_is_remote_capable(&di));
	buf_init(&b, FIXTURE_MAX);
	ptp_device_info_write(&b, &di);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.b, b.len);
	buf_finish(&b);
	ptp_device_info_finish(&di);
	/* the serial is the last field: every shorter prefix is cut short */
	for (size_t n = 0; n < f.len; n++)
		assert_true(ptp_device_info_parse(f.b, n, &di) < 0);
}

/* DSC-RX100M7 0x9202 (protocol 3.00): 78 codes, 23 controls, rewritten to
 * the same bytes. */
static void test_rx100m7_ext_info(void **state)
{
	static struct fixture f;
	struct sony_ext_info ei;
	struct buf b;

	(void)state;
	load("rx100m7-9202-ext-info", &f);
	assert_int_equal(sony_ext_info_parse(f.b, f.len, &ei), 0);
	assert_int_equal(ei.version, SONY_PROTOCOL_300);
	assert_int_equal(ei.codes.n, 78);
	assert_int_equal(ei.controls.n, 23);
	assert_int_equal(ei.codes.v[0], SONY_DPC_WHITE_BALANCE);
	assert_int_equal(ei.codes.v[77], 0xD278);
	assert_true(ptp_u16_list_has(&ei.codes, SONY_DPC_LIVEVIEW_STATUS));
	assert_int_equal(ei.controls.v[0], SONY_CTL_S1);
	assert_int_equal(ei.controls.v[22], 0xD2DD);
	buf_init(&b, FIXTURE_MAX);
	sony_ext_info_write(&b, &ei);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.b, b.len);
	buf_finish(&b);
	sony_ext_info_finish(&ei);
}

/* DSC-RX100M7 0x9209 (protocol 3.00), a second body in that layout: all 78
 * entries, exactly the 0x9202 codes in the same order, values as sent. */
static void test_rx100m7_props_300(void **state)
{
	static struct fixture f, ext;
	struct sony_prop_table t;
	struct sony_ext_info ei;
	const struct ptp_prop_desc *d;
	char problem[PROBLEM_MAX];
	struct buf b;

	(void)state;
	load("rx100m7-9209-props", &f);
	assert_int_equal(sony_props_parse(f.b, f.len, SONY_PROTOCOL_300, &t), 0);
	assert_int_equal(t.count_field, 78);
	assert_int_equal(t.n, 78);
	assert_false(t.cut_short);
	assert_false(t.bad_entry);
	assert_false(sony_props_problem(&t, problem, sizeof(problem)));
	load("rx100m7-9202-ext-info", &ext);
	assert_int_equal(sony_ext_info_parse(ext.b, ext.len, &ei), 0);
	assert_int_equal(ei.codes.n, t.n);
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.v[i].code, ei.codes.v[i]);
	sony_ext_info_finish(&ei);
	/* white balance: two enumeration lists of 15, auto (2) */
	d = find(&t, SONY_DPC_WHITE_BALANCE);
	assert_int_equal(d->form, PTP_FORM_ENUM);
	assert_int_equal(d->enum_count, 15);
	assert_int_equal(d->enum2_count, 15);
	assert_int_equal(d->current.u, 2);
	/* f/2.8 out of 13 apertures, 2.8 ... 11 */
	d = find(&t, SONY_DPC_FNUMBER);
	assert_int_equal(d->current.u, 280);
	assert_int_equal(d->factory.u, 0xFFFF);
	assert_int_equal(d->enum_count, 13);
	assert_int_equal(d->enum_values[12].u, 1100);
	/* shutter 1/15 s (numerator << 16 | denominator), 62 speeds */
	d = find(&t, SONY_DPC_SHUTTER_SPEED);
	assert_int_equal(d->type, PTP_DTC_UINT32);
	assert_int_equal(d->current.u, 0x0001000F);
	assert_int_equal(d->enum_count, 62);
	/* ISO auto (0xFFFFFF), 45 values */
	d = find(&t, SONY_DPC_ISO);
	assert_int_equal(d->current.u, 0x00FFFFFF);
	assert_int_equal(d->enum_count, 45);
	/* colour temperature 5500 K in 2500..9900 step 100 */
	d = find(&t, SONY_DPC_COLOR_TEMP);
	assert_int_equal(d->form, PTP_FORM_RANGE);
	assert_int_equal(d->current.u, 5500);
	assert_int_equal(d->min.u, 2500);
	assert_int_equal(d->max.u, 9900);
	assert_int_equal(d->step.u, 100);
	/* battery: INT8 70 % in a range -1..100 */
	d = find(&t, SONY_DPC_BATTERY_LEVEL);
	assert_int_equal(d->type, PTP_DTC_INT8);
	assert_int_equal(d->current.i, 70);
	assert_int_equal(d->min.i, -1);
	assert_int_equal(d->max.i, 100);
	/* live view up (1); an enumeration form with two empty lists */
	d = find(&t, SONY_DPC_LIVEVIEW_STATUS);
	assert_int_equal(d->current.u, 1);
	assert_int_equal(d->form, PTP_FORM_ENUM);
	assert_int_equal(d->enum_count, 0);
	assert_int_equal(d->enum2_count, 0);
	/* a UINT64 and the strings: empty, and the live-view URL of the Wi-Fi
	 * connection this flow was recorded over */
	assert_int_equal(find(&t, 0xD254)->type, PTP_DTC_UINT64);
	assert_string_equal(find(&t, 0xD223)->current.str, "");
	assert_non_null(strstr(find(&t, 0xD278)->current.str,
			       "http://192.168.122.1:60152/liveviewstream"));
	buf_init(&b, FIXTURE_MAX);
	sony_props_write(&b, &t, SONY_PROTOCOL_300);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.b, b.len);
	buf_finish(&b);
	sony_props_finish(&t);
	/* read in the 2.00 layout it does not pass silently */
	assert_int_equal(sony_props_parse(f.b, f.len, SONY_PROTOCOL_200, &t), 0);
	assert_true(t.n < 78);
	assert_true(sony_props_problem(&t, problem, sizeof(problem)));
	assert_non_null(strstr(problem, "count field says 78"));
	sony_props_finish(&t);
}

static void test_ext_info_200_and_300(void **state)
{
	static struct fixture f;
	struct sony_ext_info ei;

	(void)state;
	load("a5100-9202-ext-info", &f);
	container(&f, PTP_TYPE_DATA, SONY_OC_GET_EXT_DEVICE_INFO);
	assert_int_equal(sony_ext_info_parse(f.b + 12, f.len - 12, &ei), 0);
	assert_int_equal(ei.version, SONY_PROTOCOL_200);
	assert_int_equal(ei.codes.n, 31);
	assert_int_equal(ei.controls.n, 6);
	assert_int_equal(ei.codes.v[0], SONY_DPC_COMPRESSION);
	assert_int_equal(ei.controls.v[5], SONY_CTL_ONE_SHOT);
	sony_ext_info_finish(&ei);
	load("a7sm3-9202-ext-info", &f);
	container(&f, PTP_TYPE_DATA, SONY_OC_GET_EXT_DEVICE_INFO);
	assert_int_equal(sony_ext_info_parse(f.b + 12, f.len - 12, &ei), 0);
	assert_int_equal(ei.version, SONY_PROTOCOL_300);
	assert_int_equal(ei.codes.n, 320);
	assert_int_equal(ei.controls.n, 47);
	assert_int_equal(ei.codes.v[0], SONY_DPC_WHITE_BALANCE);
	assert_int_equal(ei.controls.v[46], 0xD2D0);
	sony_ext_info_finish(&ei);
}

static void test_event(void **state)
{
	static struct fixture f;
	struct ptp_event ev;

	(void)state;
	load("a6000-event-c203", &f);
	assert_int_equal(ptp_event_decode(f.b, f.len, &ev), 0);
	assert_int_equal(ev.code, SONY_EC_PROP_CHANGED);
	assert_int_equal(ev.tid, PTP_TID_EVENT);
	assert_int_equal(ev.nparams, 1);
	assert_int_equal(ev.params[0], SONY_DPC_MOVIE_RECORDING);
	/* ILCE-6400: the same event for CompressionSetting (0x5004) */
	load("a6400-event-c203", &f);
	assert_int_equal(ptp_event_decode(f.b, f.len, &ev), 0);
	assert_int_equal(ev.code, SONY_EC_PROP_CHANGED);
	assert_int_equal(ev.tid, PTP_TID_EVENT);
	assert_int_equal(ev.nparams, 1);
	assert_int_equal(ev.params[0], SONY_DPC_COMPRESSION);
}

static void test_commands_data_responses(void **state)
{
	static struct fixture f;
	struct ptp_params p;
	struct ptp_header h;

	(void)state;
	load("a6000-9207-command", &f);
	assert_int_equal(ptp_params_decode(f.b, f.len, &p), 0);
	assert_int_equal(p.type, PTP_TYPE_COMMAND);
	assert_int_equal(p.code, SONY_OC_SET_CONTROL_B);
	assert_int_equal(p.nparams, 1);
	assert_int_equal(p.params[0], SONY_CTL_ONE_SHOT);
	load("a6000-9207-data", &f);
	h = container(&f, PTP_TYPE_DATA, SONY_OC_SET_CONTROL_B);
	assert_int_equal(h.tid, p.tid);
	assert_int_equal(get_u16le(f.b + 12), SONY_BUTTON_DOWN);
	load("a7sm3-9205-data", &f);
	container(&f, PTP_TYPE_DATA, SONY_OC_SET_CONTROL_A);
	assert_int_equal(f.b[12], 1); /* PriorityMode: application */
	load("a7sm3-9201-data", &f);
	container(&f, PTP_TYPE_DATA, SONY_OC_SDIO_CONNECT);
	for (size_t i = 12; i < f.len; i++)
		assert_int_equal(f.b[i], 0); /* 8 zero bytes (dossier §3.2) */
	load("a7sm3-1004-storage-ids", &f);
	container(&f, PTP_TYPE_DATA, PTP_OC_GET_STORAGE_IDS);
	assert_int_equal(get_u32le(f.b + 12), 0); /* no storage listed */
	load("a6000-9209-response", &f);
	assert_int_equal(ptp_params_decode(f.b, f.len, &p), 0);
	assert_int_equal(p.type, PTP_TYPE_RESPONSE);
	assert_int_equal(p.code, PTP_RC_OK);
	assert_int_equal(p.nparams, 0);
	/* 3.00: the 0x9202 response carries a parameter (dossier §3.3) */
	load("a7sm3-9202-response", &f);
	assert_int_equal(ptp_params_decode(f.b, f.len, &p), 0);
	assert_int_equal(p.code, PTP_RC_OK);
	assert_int_equal(p.nparams, 1);
	assert_int_equal(p.params[0], 0x136);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a6000_props_200),
		cmocka_unit_test(test_a6000_props_wrong_layout),
		cmocka_unit_test(test_a7sm3_props_300),
		cmocka_unit_test(test_a7sm3_props_wrong_layout),
		cmocka_unit_test(test_a7sm3_props_cut),
		cmocka_unit_test(test_rx100m7_device_info),
		cmocka_unit_test(test_rx100m7_ext_info),
		cmocka_unit_test(test_rx100m7_props_300),
		cmocka_unit_test(test_ext_info_200_and_300),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_commands_data_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
