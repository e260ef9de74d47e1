/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sony/propfmt: property values in the form people write them. Golden
 * values from the dossier (§5.3) and gphoto2's listing of a real
 * ILCE-6300, round trips over every value of the a6300's lists, the
 * malformed inputs a control file may receive, the step order of a walk,
 * and the choices text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sony/propfmt.h"
#include "sony/sony.h"

#define TXT 64

static const struct sony_control *ctl(const char *name)
{
	const struct sony_control *c = sony_control_by_name(name);

	assert_non_null(c);
	return c;
}

static void fmt(const char *name, uint16_t type, int64_t x, const char *want)
{
	struct ptp_value v;
	char out[TXT];

	sony_value_set(&v, type, x);
	sony_value_format(ctl(name), &v, out, sizeof(out));
	assert_string_equal(out, want);
}

static int64_t parse(const char *name, uint16_t type, const char *text)
{
	struct ptp_value v;

	assert_int_equal(sony_value_parse(ctl(name), type, text, strlen(text),
					  &v),
			 0);
	return sony_value_int(&v);
}

static void refused(const char *name, uint16_t type, const char *text)
{
	struct ptp_value v;

	if (sony_value_parse(ctl(name), type, text, strlen(text), &v) !=
	    ALPHAFS_ERR_INVALID)
		fail_msg("%s accepted \"%s\"", name, text);
}

/* a6300 lists (gphoto2 --list-all-config of a real body, a6300-props.json) */
static const int64_t a6300_iso[] = {
	16777215, 25,	   50,	     64,       80,	 100,	   125,
	160,	  200,	   250,	     320,      400,	 500,	   640,
	800,	  1000,	   1250,     1600,     2000,	 2500,	   3200,
	4000,	  5000,	   6400,     8000,     10000,	 12800,	   16000,
	20000,	  25600,   32000,    40000,    51200,	 64000,	   80000,
	102400,	  128000,  160000,   204800,   256000,	 320000,   409600,
	33554431, 16777241, 16777266, 16777280, 16777296, 16777316, 16777341,
	16777376, 16777416, 16777466, 16777536, 16777616, 16777716, 16777856,
	16778016, 16778216, 16778466, 16778816, 16779216, 16779716, 16780416,
	16781216, 16782216, 16783616, 16785216, 16787216, 16790016, 16793216,
	16802816, 16828416, 16879616, 16982016, 17186816, 50331647, 33554532,
	33554632, 33554832, 33555232, 33556032, 33557632, 33560832, 33567232,
	33580032, 33605632,
};
static const int64_t a6300_ev[] = {
	0,     5000,  4700,	4500,  4300,  4000,  3700,  3500,  3300,
	3000,  2700,  2500,	2300,  2000,  1700,  1500,  1300,  1000,
	700,   500,   300,	-300,  -500,  -700,  -1000, -1300, -1500,
	-1700, -2000, -2300, -2500, -2700, -3000, -3300, -3500, -3700,
	-4000, -4300, -4500, -4700, -5000,
};
static const int64_t a6300_wb[] = { 2,	    4,	    0x8011, 0x8010, 6,
				    0x8001, 0x8002, 0x8003, 0x8004, 7,
				    0x8030, 0x8012, 0x8020, 0x8021, 0x8022 };
static const int64_t a6300_program[] = {
	0x8000, 0x8001, 2,	3,	4,	1,	0x8050, 0x8051,
	0x8052, 0x8053, 0x8054, 0x8080, 0x8081, 0x8082, 0x8055, 0x8056,
	0x8057, 0x8058, 0x8083, 0x8041, 7,	0x8011, 0x8015, 0x8014,
	0x8012, 0x8013, 0x8016, 0x8017, 0x8018,
};

static struct ptp_prop_desc enum_desc(uint16_t code, uint16_t type,
				      const int64_t *v, size_t n,
				      struct ptp_value *store)
{
	struct ptp_prop_desc d;

	memset(&d, 0, sizeof(d));
	d.code = code;
	d.type = type;
	d.form = PTP_FORM_ENUM;
	for (size_t i = 0; i < n; i++)
		sony_value_set(&store[i], type, v[i]);
	d.enum_values = store;
	d.enum_count = (uint16_t)n;
	return d;
}

static struct ptp_prop_desc range_desc(uint16_t code, uint16_t type,
				       int64_t lo, int64_t hi, int64_t st)
{
	struct ptp_prop_desc d;

	memset(&d, 0, sizeof(d));
	d.code = code;
	d.type = type;
	d.form = PTP_FORM_RANGE;
	sony_value_set(&d.min, type, lo);
	sony_value_set(&d.max, type, hi);
	sony_value_set(&d.step, type, st);
	return d;
}

static void test_table(void **state)
{
	static const char *const required[] = {
		"iso",		 "shutter_speed", "f_number",
		"exposure_compensation", "white_balance", "focus_mode",
		"drive_mode",	 "exposure_mode", "battery",
	};
	const struct sony_control *t;
	size_t n;

	(void)state;
	t = sony_controls(&n);
	for (size_t i = 0; i < ARRAY_LEN(required); i++)
		assert_non_null(sony_control_by_name(required[i]));
	for (size_t i = 0; i < n; i++) {
		assert_ptr_equal(sony_control_by_code(t[i].code), &t[i]);
		assert_true(strlen(t[i].name) < SONY_CONTROL_NAME_MAX);
		assert_true((t[i].set == SONY_SET_NONE) ==
			    (t[i].read_only_why != NULL));
	}
	assert_int_equal(ctl("exposure_mode")->set, SONY_SET_NONE);
	assert_int_equal(ctl("battery")->set, SONY_SET_NONE);
	/* dossier §5.5: these four move by notches on protocol 2.00 */
	assert_int_equal(ctl("iso")->set, SONY_SET_STEP);
	assert_int_equal(ctl("shutter_speed")->set, SONY_SET_STEP);
	assert_int_equal(ctl("f_number")->set, SONY_SET_STEP);
	assert_int_equal(ctl("exposure_compensation")->set, SONY_SET_STEP);
	assert_null(sony_control_by_name("nope"));
	assert_null(sony_control_by_name(NULL));
	assert_null(sony_control_by_code(0xD2C1));
}

static void test_golden(void **state)
{
	(void)state;
	fmt("iso", PTP_DTC_UINT32, 0xFFFFFF, "auto");
	fmt("iso", PTP_DTC_UINT32, 800, "800");
	fmt("iso", PTP_DTC_UINT32, 0x01000019, "25 mfnr"); /* dossier §5.3 */
	fmt("iso", PTP_DTC_UINT32, 0x01FFFFFF, "auto mfnr");
	fmt("iso", PTP_DTC_UINT32, 0x02000064, "100 mfnr-high");
	fmt("iso", PTP_DTC_UINT32, 0x05000064, "0x05000064");
	/* speed 0: no ISO (a body that has not reported one); found by fuzz_propfmt */
	fmt("iso", PTP_DTC_UINT32, 0, "0x00000000");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x00010064, "1/100");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x00010FA0, "1/4000");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x001E0001, "30\"");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x012C000A, "30\"");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x0019000A, "2.5\"");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x0008000A, "0.8\"");
	fmt("shutter_speed", PTP_DTC_UINT32, 0, "bulb");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x00020003, "2/3");
	fmt("shutter_speed", PTP_DTC_UINT32, 0x00050000, "0x00050000");
	fmt("f_number", PTP_DTC_UINT16, 500, "f/5.0");
	fmt("f_number", PTP_DTC_UINT16, 400, "f/4.0");
	fmt("f_number", PTP_DTC_UINT16, 560, "f/5.6");
	fmt("f_number", PTP_DTC_UINT16, 1100, "f/11");
	fmt("f_number", PTP_DTC_UINT16, 1050, "f/10.5");
	fmt("f_number", PTP_DTC_UINT16, 125, "f/1.25");
	fmt("f_number", PTP_DTC_UINT16, 0, "unknown");
	fmt("f_number", PTP_DTC_UINT16, 0xFFFF, "unknown");
	fmt("exposure_compensation", PTP_DTC_INT16, 700, "+0.7");
	fmt("exposure_compensation", PTP_DTC_INT16, -1300, "-1.3");
	fmt("exposure_compensation", PTP_DTC_INT16, 0, "0.0");
	fmt("exposure_compensation", PTP_DTC_INT16, 1000, "+1.0");
	fmt("exposure_compensation", PTP_DTC_INT16, 1, "+0.001");
	fmt("white_balance", PTP_DTC_UINT16, 4, "daylight");
	fmt("white_balance", PTP_DTC_UINT16, 0x8030, "0x8030");
	fmt("exposure_mode", PTP_DTC_UINT16, 1, "M");
	fmt("exposure_mode", PTP_DTC_UINT16, 0x8000, "intelligent-auto");
	fmt("battery", PTP_DTC_INT8, 80, "80%");
	fmt("battery", PTP_DTC_INT8, -1, "unknown");
	fmt("color_temperature", PTP_DTC_UINT16, 5500, "5500K");
}

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(parse("iso", PTP_DTC_UINT32, "auto"), 0xFFFFFF);
	assert_int_equal(parse("iso", PTP_DTC_UINT32, "AUTO\n"), 0xFFFFFF);
	assert_int_equal(parse("iso", PTP_DTC_UINT32, " 800 \n"), 800);
	assert_int_equal(parse("iso", PTP_DTC_UINT32, "800 MFNR"), 0x01000320);
	assert_int_equal(parse("iso", PTP_DTC_UINT32, "0x01000019"), 0x01000019);
	assert_int_equal(parse("shutter_speed", PTP_DTC_UINT32, "1/125"),
			 0x0001007D);
	assert_int_equal(parse("shutter_speed", PTP_DTC_UINT32, "30\""),
			 0x001E0001);
	assert_int_equal(parse("shutter_speed", PTP_DTC_UINT32, "30s"),
			 0x001E0001);
	assert_int_equal(parse("shutter_speed", PTP_DTC_UINT32, "2.5"),
			 0x0019000A);
	assert_int_equal(parse("shutter_speed", PTP_DTC_UINT32, "Bulb"), 0);
	/* what 0x0008000A reads as (found refused by fuzz_propfmt) */
	assert_int_equal(parse("shutter_speed", PTP_DTC_UINT32, "0.8\""),
			 0x0008000A);
	assert_int_equal(parse("f_number", PTP_DTC_UINT16, "f/4"), 400);
	assert_int_equal(parse("f_number", PTP_DTC_UINT16, "F5.6"), 560);
	assert_int_equal(parse("f_number", PTP_DTC_UINT16, "11"), 1100);
	assert_int_equal(parse("exposure_compensation", PTP_DTC_INT16, "+0.7"),
			 700);
	assert_int_equal(parse("exposure_compensation", PTP_DTC_INT16, "-1"),
			 -1000);
	assert_int_equal(parse("white_balance", PTP_DTC_UINT16, "Daylight"), 4);
	assert_int_equal(parse("white_balance", PTP_DTC_UINT16, "0x8030"),
			 0x8030);
	assert_int_equal(parse("battery", PTP_DTC_INT8, "unknown"), -1);
	assert_int_equal(parse("color_temperature", PTP_DTC_UINT16, "5500K"),
			 5500);
	assert_int_equal(parse("color_temperature", PTP_DTC_UINT16, "5500"),
			 5500);
}

static void test_malformed(void **state)
{
	static const char *const bad_iso[] = {
		"", " ", "\n", "banana", "-800", "0", "800x", "8 00",
		"auto mfnr high", "0x", "0x123456789", "99999999999999999999",
		"16777216", "1e3",
	};
	static const char *const bad_shutter[] = {
		"1/0", "0/1", "1/", "/125", "1/65536", "65536\"", "2.5.5",
		"2.\"", ".5", "1/125x", "-1/125", "2.55555", "\"", "0", "0\"",
		"0.0", "00.0\"",
	};
	static const char *const bad_f[] = { "f/", "f/-4", "f/4.001", "ff4",
					     "0", "f/0", "655.35", "f/4 2" };
	static const char *const bad_ev[] = { "+", "0.0001", "--1", "1..0",
					      "+ 1", "40000000" };
	char big[SONY_VALUE_INPUT_MAX + 8];
	char nul[] = { '8', '\0', '0' };
	struct ptp_value v;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad_iso); i++)
		refused("iso", PTP_DTC_UINT32, bad_iso[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad_shutter); i++)
		refused("shutter_speed", PTP_DTC_UINT32, bad_shutter[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad_f); i++)
		refused("f_number", PTP_DTC_UINT16, bad_f[i]);
	for (size_t i = 0; i < ARRAY_LEN(bad_ev); i++)
		refused("exposure_compensation", PTP_DTC_INT16, bad_ev[i]);
	/* fits the form but not the type */
	refused("exposure_compensation", PTP_DTC_INT8, "+0.7");
	refused("white_balance", PTP_DTC_UINT8, "0x8001");
	refused("white_balance", PTP_DTC_UINT16, "purple");
	refused("battery", PTP_DTC_INT8, "300%");
	memset(big, '1', sizeof(big));
	assert_int_equal(sony_value_parse(ctl("iso"), PTP_DTC_UINT32, big,
					  sizeof(big), &v),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(sony_value_parse(ctl("iso"), PTP_DTC_UINT32, nul,
					  sizeof(nul), &v),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(sony_value_parse(ctl("iso"), PTP_DTC_UINT32, NULL, 0,
					  &v),
			 ALPHAFS_ERR_INVALID);
}

/* Every value of the a6300's own lists reads as text that parses back to
 * it, and no two values read the same. */
static void round_trip(const char *name, uint16_t type, const int64_t *v,
		       size_t n)
{
	char texts[128][TXT];
	struct ptp_value a, b;

	assert_true(n <= 128);
	for (size_t i = 0; i < n; i++) {
		sony_value_set(&a, type, v[i]);
		sony_value_format(ctl(name), &a, texts[i], TXT);
		assert_int_equal(sony_value_parse(ctl(name), type, texts[i],
						  strlen(texts[i]), &b),
				 0);
		if (sony_value_int(&b) != v[i])
			fail_msg("%s: %lld reads \"%s\", parses %lld", name,
				 (long long)v[i], texts[i],
				 (long long)sony_value_int(&b));
		for (size_t j = 0; j < i; j++)
			if (!strcmp(texts[i], texts[j]))
				fail_msg("%s: %s twice", name, texts[i]);
	}
}

static void test_round_trip(void **state)
{
	int64_t shutters[64], fstops[40];
	size_t ns = 0, nf = 0;

	(void)state;
	round_trip("iso", PTP_DTC_UINT32, a6300_iso, ARRAY_LEN(a6300_iso));
	round_trip("exposure_compensation", PTP_DTC_INT16, a6300_ev,
		   ARRAY_LEN(a6300_ev));
	round_trip("white_balance", PTP_DTC_UINT16, a6300_wb,
		   ARRAY_LEN(a6300_wb));
	round_trip("exposure_mode", PTP_DTC_UINT16, a6300_program,
		   ARRAY_LEN(a6300_program));
	/* shutter speeds as Sony encodes them: 1/N, N/1, N/10 */
	for (int64_t d = 2; d <= 8000 && ns < 30; d = d * 3 / 2)
		shutters[ns++] = (int64_t)1 << 16 | d;
	for (int64_t s = 1; s <= 30; s += 3)
		shutters[ns++] = s << 16 | 1;
	shutters[ns++] = 25 << 16 | 10;
	shutters[ns++] = 13 << 16 | 10;
	shutters[ns++] = 0;
	round_trip("shutter_speed", PTP_DTC_UINT32, shutters, ns);
	for (int64_t f = 100; f <= 3200 && nf < 40; f += 70)
		fstops[nf++] = f;
	round_trip("f_number", PTP_DTC_UINT16, fstops, nf);
}

static void test_order(void **state)
{
	struct ptp_value store[ARRAY_LEN(a6300_iso)], a, b;
	struct ptp_prop_desc iso = enum_desc(SONY_DPC_ISO, PTP_DTC_UINT32,
					     a6300_iso, ARRAY_LEN(a6300_iso),
					     store);

	(void)state;
	/* ISO: enumeration order, auto first */
	sony_value_set(&a, PTP_DTC_UINT32, 0xFFFFFF);
	sony_value_set(&b, PTP_DTC_UINT32, 25);
	assert_true(sony_value_cmp(ctl("iso"), &iso, &a, &b) < 0);
	sony_value_set(&a, PTP_DTC_UINT32, 409600);
	sony_value_set(&b, PTP_DTC_UINT32, 33554431);
	assert_true(sony_value_cmp(ctl("iso"), &iso, &a, &b) < 0);
	sony_value_set(&b, PTP_DTC_UINT32, 409600);
	assert_int_equal(sony_value_cmp(ctl("iso"), &iso, &a, &b), 0);
	/* shutter: +1 = shorter, bulb the longest; 30/1 equals 300/10 */
	sony_value_set(&a, PTP_DTC_UINT32, 0x0001007D); /* 1/125 */
	sony_value_set(&b, PTP_DTC_UINT32, 0x000100FA); /* 1/250 */
	assert_true(sony_value_cmp(ctl("shutter_speed"), NULL, &a, &b) < 0);
	sony_value_set(&b, PTP_DTC_UINT32, 0);
	assert_true(sony_value_cmp(ctl("shutter_speed"), NULL, &b, &a) < 0);
	sony_value_set(&a, PTP_DTC_UINT32, 0x001E0001);
	sony_value_set(&b, PTP_DTC_UINT32, 0x012C000A);
	assert_int_equal(sony_value_cmp(ctl("shutter_speed"), NULL, &a, &b), 0);
	/* f-number and EV: numerically */
	sony_value_set(&a, PTP_DTC_UINT16, 400);
	sony_value_set(&b, PTP_DTC_UINT16, 560);
	assert_true(sony_value_cmp(ctl("f_number"), NULL, &a, &b) < 0);
	sony_value_set(&a, PTP_DTC_INT16, -300);
	sony_value_set(&b, PTP_DTC_INT16, 0);
	assert_true(sony_value_cmp(ctl("exposure_compensation"), NULL, &a,
				   &b) < 0);
}

static void test_allowed_and_choices(void **state)
{
	struct ptp_value store[ARRAY_LEN(a6300_ev)], v;
	struct ptp_prop_desc ev = enum_desc(SONY_DPC_EXPOSURE_BIAS,
					    PTP_DTC_INT16, a6300_ev,
					    ARRAY_LEN(a6300_ev), store);
	struct ptp_prop_desc ct = range_desc(SONY_DPC_COLOR_TEMP,
					     PTP_DTC_UINT16, 2500, 9900, 100);
	struct ptp_prop_desc ss = range_desc(SONY_DPC_SHUTTER_SPEED,
					     PTP_DTC_UINT32, 0, 0xFFFFFFFF, 1);
	struct buf b;

	(void)state;
	sony_value_set(&v, PTP_DTC_INT16, 700);
	assert_true(sony_value_allowed(ctl("exposure_compensation"), &ev, &v));
	sony_value_set(&v, PTP_DTC_INT16, 330);
	assert_false(sony_value_allowed(ctl("exposure_compensation"), &ev, &v));
	sony_value_set(&v, PTP_DTC_UINT16, 5500);
	assert_true(sony_value_allowed(ctl("color_temperature"), &ct, &v));
	sony_value_set(&v, PTP_DTC_UINT16, 5550);
	assert_false(sony_value_allowed(ctl("color_temperature"), &ct, &v));
	sony_value_set(&v, PTP_DTC_UINT16, 2400);
	assert_false(sony_value_allowed(ctl("color_temperature"), &ct, &v));
	assert_false(sony_value_allowed(ctl("color_temperature"), NULL, &v));
	assert_true(sony_range_is_whole_type(&ss));
	assert_false(sony_range_is_whole_type(&ct));

	buf_init(&b, 4096);
	sony_choices_format(ctl("exposure_compensation"), &ev, &b);
	buf_put_u8(&b, 0);
	assert_int_equal(buf_status(&b), 0);
	assert_true(!strncmp((char *)b.data, "0.0\n+5.0\n+4.7\n", 14));
	assert_non_null(strstr((char *)b.data, "\n-5.0\n"));
	buf_reset(&b);
	sony_choices_format(ctl("color_temperature"), &ct, &b);
	buf_put_u8(&b, 0);
	assert_string_equal((char *)b.data, "2500K..9900K step 100K\n");
	buf_reset(&b);
	sony_choices_format(ctl("shutter_speed"), &ss, &b);
	buf_put_u8(&b, 0);
	assert_string_equal((char *)b.data, "any\n");
	buf_finish(&b);
}

static void test_modes(void **state)
{
	(void)state;
	/* INDIGO's rule (dossier §5.5) */
	assert_true(sony_mode_allows(SONY_NEED_SHUTTER, 1));  /* M */
	assert_true(sony_mode_allows(SONY_NEED_SHUTTER, 4));  /* S */
	assert_false(sony_mode_allows(SONY_NEED_SHUTTER, 3)); /* A */
	assert_false(sony_mode_allows(SONY_NEED_SHUTTER, 2)); /* P */
	assert_true(sony_mode_allows(SONY_NEED_APERTURE, 3));
	assert_false(sony_mode_allows(SONY_NEED_APERTURE, 4));
	assert_true(sony_mode_allows(SONY_NEED_PASM, 2));
	assert_false(sony_mode_allows(SONY_NEED_PASM, 0x8000)); /* iAuto */
	assert_false(sony_mode_allows(SONY_NEED_PASM, 0x8015)); /* macro */
	assert_true(sony_mode_allows(SONY_NEED_APERTURE, 0x8051));
	assert_true(sony_mode_allows(SONY_NEED_ANY, 0x8000));
	assert_true(sony_mode_allows(SONY_NEED_SHUTTER, 0x8083)); /* unnamed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_allowed_and_choices),
		cmocka_unit_test(test_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
