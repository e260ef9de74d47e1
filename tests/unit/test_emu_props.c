/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated a6300's properties at the byte level: the 0x9209 table
 * against the real body's listing (tests/data/sony/a6300-props.json), what
 * 0x9205 and 0x9207 do and refuse, the mode dial, the person turning
 * dials (emu_camera_set_prop), and the a6300's hang when 0x9209 carries
 * parameters after a live-view frame (dougforpres/SonyCamera#3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sony/propfmt.h"
#include "test_emu_host.h"

#define MODE_M 1
#define MODE_A 3
#define MODE_IAUTO 0x8000

static struct sony_prop_table read_all(struct emu_camera *cam, uint32_t tid)
{
	struct sony_prop_table t = { 0 };
	size_t len;
	uint8_t *b;

	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, tid, 0, 0, 0);
	b = host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(sony_props_parse(b + 12, len - 12, SONY_PROTOCOL_200, &t),
			 0);
	assert_false(t.cut_short || t.bad_entry);
	mem_free(b);
	return t;
}

static int64_t value_of(struct emu_camera *cam, uint16_t code, uint32_t tid)
{
	struct sony_prop_table t = read_all(cam, tid);
	const struct ptp_prop_desc *d = sony_props_find(&t, code);
	int64_t v;

	assert_non_null(d);
	v = sony_value_int(&d->current);
	sony_props_finish(&t);
	return v;
}

static void drain_events(struct emu_camera *cam)
{
	uint8_t b[32];
	size_t got;

	while (emu_camera_interrupt_in(cam, b, sizeof(b), &got) == 0)
		;
}

static void set_a(struct emu_camera *cam, uint32_t tid, uint16_t code,
		  const void *v, size_t n, uint16_t rc)
{
	host_cmd(cam, SONY_OC_SET_CONTROL_A, tid, 1, code, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_A, tid, v, n);
	host_response(cam, rc);
}

static void step(struct emu_camera *cam, uint32_t tid, uint16_t code,
		 int8_t s, uint16_t rc)
{
	host_cmd(cam, SONY_OC_SET_CONTROL_B, tid, 1, code, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_B, tid, &s, 1);
	host_response(cam, rc);
}

/* The listing's shape: 37 entries in its order, its list sizes. */
static void test_table_follows_listing(void **state)
{
	static const uint16_t order[] = {
		0x5004, 0x5005, 0x5007, 0x500A, 0x500B, 0x500C, 0x500E, 0x5010,
		0x5013, 0xD200, 0xD201, 0xD203, 0xD20D, 0xD20E, 0xD20F, 0xD211,
		0xD213, 0xD21E, 0xD21B, 0xD21D, 0xD21F, 0xD217, 0xD218, 0xD219,
		0xD212, 0xD210, 0xD21C, 0xD221, 0xD214, 0xD215, 0xD2C1, 0xD2C2,
		0xD2C3, 0xD2C9, 0xD2C8, 0xD2C5, 0xD2C7,
	};
	static const struct {
		uint16_t code;
		uint16_t n;
	} counts[] = {
		{ 0x5004, 5 },	 { 0x5005, 15 }, { 0x500E, 29 }, { 0x5010, 41 },
		{ 0x5013, 50 },	 { 0xD203, 23 }, { 0xD21E, 86 }, { 0xD218, 102 },
		{ 0xD210, 57 },	 { 0xD212, 16 }, { 0xD21D, 3 },	 { 0xD21B, 1 },
	};
	struct emu_camera *cam = host_camera(NULL);
	struct sony_prop_table t;
	const struct ptp_prop_desc *d;

	(void)state;
	host_handshake(cam);
	t = read_all(cam, 40);
	assert_int_equal(t.n, ARRAY_LEN(order));
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.v[i].code, order[i]);
	for (size_t i = 0; i < ARRAY_LEN(counts); i++) {
		d = sony_props_find(&t, counts[i].code);
		assert_int_equal(d->form, PTP_FORM_ENUM);
		assert_int_equal(d->enum_count, counts[i].n);
	}
	d = sony_props_find(&t, SONY_DPC_ISO);
	assert_int_equal(d->enum_values[0].u, 0xFFFFFF);
	assert_int_equal(d->enum_values[85].u, 0x0200C800);
	d = sony_props_find(&t, SONY_DPC_BATTERY_LEVEL);
	assert_int_equal(d->enum_values[0].i, -1);
	assert_int_equal(d->enum_values[101].i, 100);
	/* protocol 2.00: shutter and f-number are ranges, display-only */
	d = sony_props_find(&t, SONY_DPC_SHUTTER_SPEED);
	assert_int_equal(d->form, PTP_FORM_RANGE);
	assert_int_equal(d->max.u, 0xFFFFFFFF);
	assert_int_equal(d->getset, 0);
	assert_int_equal(d->is_enabled, 2);
	d = sony_props_find(&t, 0xD21C);
	assert_int_equal(d->form, PTP_FORM_RANGE);
	assert_int_equal(d->step.u, 2);
	d = sony_props_find(&t, SONY_DPC_EXPOSURE_PROGRAM);
	assert_int_equal(d->current.u, MODE_M); /* the listing: M */
	sony_props_finish(&t);
	emu_camera_destroy(cam);
}

/* 0x9205 sets what it may; the stepped four, the dial and greyed-out
 * settings are refused. */
static void test_set_a_rules(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	const uint32_t iso = 800;
	const uint16_t shade = 0x8011, afc = 0x8004, mode = MODE_A;
	const uint16_t drive = 0x8012;

	(void)state;
	host_handshake(cam);
	set_a(cam, 50, SONY_DPC_WHITE_BALANCE, &shade, 2, PTP_RC_OK);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_WHITE_BALANCE);
	assert_int_equal(value_of(cam, SONY_DPC_WHITE_BALANCE, 51), shade);
	/* focus mode: display-only but settable (libgphoto2's exception) */
	set_a(cam, 52, SONY_DPC_FOCUS_MODE, &afc, 2, PTP_RC_OK);
	set_a(cam, 53, SONY_DPC_DRIVE_MODE, &drive, 2, PTP_RC_OK);
	drain_events(cam);
	set_a(cam, 54, SONY_DPC_ISO, &iso, 4, PTP_RC_ACCESS_DENIED);
	set_a(cam, 55, SONY_DPC_EXPOSURE_PROGRAM, &mode, 2,
	      PTP_RC_ACCESS_DENIED);
	assert_int_equal(value_of(cam, SONY_DPC_ISO, 56), 0xFFFFFF);
	/* Intelligent Auto greys white balance out */
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_EXPOSURE_PROGRAM,
					     MODE_IAUTO),
			 0);
	set_a(cam, 57, SONY_DPC_WHITE_BALANCE, &shade, 2,
	      PTP_RC_INVALID_DEVICE_PROP_VALUE);
	emu_camera_destroy(cam);
}

/* 0x9207 steps follow the dial: shutter in M/S, aperture in M/A. */
static void test_steps_follow_mode(void **state)
{
	struct emu_camera *cam = host_camera(NULL);

	(void)state;
	host_handshake(cam);
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_EXPOSURE_PROGRAM,
					     MODE_A),
			 0);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_EXPOSURE_PROGRAM);
	step(cam, 60, SONY_DPC_SHUTTER_SPEED, 1, PTP_RC_ACCESS_DENIED);
	step(cam, 61, SONY_DPC_FNUMBER, 1, PTP_RC_OK);
	step(cam, 62, SONY_DPC_ISO, 1, PTP_RC_OK);
	advance_ms(EMU_STEP_DEFAULT_MS);
	assert_int_equal(value_of(cam, SONY_DPC_FNUMBER, 63), 630);
	assert_int_equal(value_of(cam, SONY_DPC_ISO, 64), 25);
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_EXPOSURE_PROGRAM,
					     MODE_IAUTO),
			 0);
	step(cam, 65, SONY_DPC_ISO, 1, PTP_RC_ACCESS_DENIED);
	step(cam, 66, SONY_DPC_FNUMBER, 1, PTP_RC_ACCESS_DENIED);
	emu_camera_destroy(cam);
}

/* EV turns through values (+0.3 above 0), whatever order it is listed
 * in; the shutter reaches bulb below 30" in M. */
static void test_step_orders(void **state)
{
	struct emu_camera *cam = host_camera(NULL);

	(void)state;
	host_handshake(cam);
	step(cam, 70, SONY_DPC_EXPOSURE_BIAS, 1, PTP_RC_OK);
	advance_ms(EMU_STEP_DEFAULT_MS);
	assert_int_equal(value_of(cam, SONY_DPC_EXPOSURE_BIAS, 71), 300);
	step(cam, 72, SONY_DPC_EXPOSURE_BIAS, -1, PTP_RC_OK);
	step(cam, 73, SONY_DPC_EXPOSURE_BIAS, -1, PTP_RC_OK);
	advance_ms(EMU_STEP_DEFAULT_MS);
	assert_int_equal(value_of(cam, SONY_DPC_EXPOSURE_BIAS, 74), -300);
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_SHUTTER_SPEED,
					     (int64_t)30 << 16 | 1),
			 0);
	step(cam, 75, SONY_DPC_SHUTTER_SPEED, -1, PTP_RC_OK);
	advance_ms(EMU_STEP_DEFAULT_MS);
	assert_int_equal(value_of(cam, SONY_DPC_SHUTTER_SPEED, 76), 0);
	emu_camera_destroy(cam);
}

static void test_set_prop(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	int64_t v = 0;

	(void)state;
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_BATTERY_LEVEL, 67), 0);
	assert_int_equal(emu_camera_get_prop(cam, SONY_DPC_BATTERY_LEVEL, &v), 0);
	assert_int_equal(v, 67);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_BATTERY_LEVEL);
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_BATTERY_LEVEL, 101),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_ISO, 333),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(emu_camera_set_prop(cam, SONY_CTL_S1, 2),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(emu_camera_set_prop(cam, 0xD2FF, 1),
			 ALPHAFS_ERR_INVALID);
	assert_int_equal(emu_camera_get_prop(cam, 0xD2FF, &v),
			 ALPHAFS_ERR_INVALID);
	emu_camera_destroy(cam);
}

/* dougforpres/SonyCamera#3: 0x9209 with a parameter is fine before live
 * view; after a frame the body answers nothing until a Device Reset. */
static void test_9209_with_parameters_hangs(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	struct sony_prop_table t;
	size_t len, got;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, 80, 1, 1, 0);
	b = host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO, &len);
	host_response(cam, PTP_RC_OK);
	mem_free(b);
	advance_ms(40);
	b = host_liveview(cam, 81, &len);
	host_response(cam, PTP_RC_OK);
	mem_free(b);
	t = read_all(cam, 82); /* without parameters: fine */
	sony_props_finish(&t);
	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, 83, 1, 1, 0);
	host_expect_nothing(cam);
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 84, 0, 0, 0);
	host_expect_nothing(cam);
	assert_int_equal(emu_camera_control(cam, PTP_CLASS_TYPE_OUT,
					    PTP_CLASS_REQ_DEVICE_RESET, 0, 0,
					    NULL, 0, &got),
			 0);
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 85, 0, 0, 0);
	b = host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_DEVICE_INFO, &len);
	host_response(cam, PTP_RC_OK);
	mem_free(b);
	emu_camera_destroy(cam);
}

static void test_step_delay_config(void **state)
{
	struct emu_config cfg;
	struct emu_camera *cam;

	(void)state;
	emu_config_default(&cfg);
	assert_int_equal(cfg.step_ms, EMU_STEP_DEFAULT_MS);
	cfg.step_ms = EMU_STEP_MAX_MS + 1;
	assert_null(emu_camera_create(&cfg));
	cfg.step_ms = 20;
	cfg.warmup_ms = 0;
	cam = emu_camera_create(&cfg);
	assert_non_null(cam);
	emu_camera_set_clock(cam, fake_clock, NULL);
	host_handshake(cam);
	step(cam, 90, SONY_DPC_ISO, 1, PTP_RC_OK);
	advance_ms(19);
	assert_int_equal(value_of(cam, SONY_DPC_ISO, 91), 0xFFFFFF);
	advance_ms(1);
	assert_int_equal(value_of(cam, SONY_DPC_ISO, 92), 25);
	emu_camera_destroy(cam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_follows_listing),
		cmocka_unit_test(test_set_a_rules),
		cmocka_unit_test(test_steps_follow_mode),
		cmocka_unit_test(test_step_orders),
		cmocka_unit_test(test_set_prop),
		cmocka_unit_test(test_9209_with_parameters_hangs),
		cmocka_unit_test(test_step_delay_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
