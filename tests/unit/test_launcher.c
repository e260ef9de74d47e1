/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* launcher: fault specs and control lines (untrusted text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "launcher/launcher.h"

static void test_fault_spec_splits_usb_items(void **state)
{
	struct emu_faults f;
	struct launcher_usb_faults u;
	char err[160];

	(void)state;
	assert_int_equal(launcher_fault_parse("busy=3,usb-claimed,stall-at=2,"
					    "usb-no-zlp-cap",
					    &f, &u, err, sizeof(err)),
			 0);
	assert_true(u.claimed);
	assert_true(u.no_zlp_cap);
	assert_int_equal(f.busy, 3);
	assert_int_equal(f.stall_at, 2);
	assert_int_equal(launcher_fault_parse("usb-claimed", &f, &u, err,
					    sizeof(err)),
			 0);
	assert_true(u.claimed);
	assert_false(u.no_zlp_cap);
	assert_int_equal(f.busy, 0);
	assert_int_equal(launcher_fault_parse(NULL, &f, &u, err, sizeof(err)),
			 0);
	assert_false(u.claimed);
}

static void test_fault_spec_rejects_unknown_and_long(void **state)
{
	struct emu_faults f;
	struct launcher_usb_faults u;
	char err[160], big[LAUNCHER_LINE_MAX + 8];

	(void)state;
	assert_int_equal(launcher_fault_parse("usb-claimed,bogus=1", &f, &u, err,
					    sizeof(err)),
			 ALPHAFS_ERR_INVALID);
	assert_non_null(strstr(err, "bogus"));
	/* A usb- prefix alone is not a usb item. */
	assert_int_equal(launcher_fault_parse("usb-claimedx", &f, &u, err,
					    sizeof(err)),
			 ALPHAFS_ERR_INVALID);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(launcher_fault_parse(big, &f, &u, err, sizeof(err)),
			 ALPHAFS_ERR_TOO_BIG);
}

static void test_control_lines(void **state)
{
	struct launcher_cmd c;
	char err[160];

	(void)state;
	assert_int_equal(launcher_cmd_parse("unplug", &c, err, sizeof(err)), 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_UNPLUG);
	assert_int_equal(launcher_cmd_parse("replug", &c, err, sizeof(err)), 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_REPLUG);
	assert_int_equal(launcher_cmd_parse("pause", &c, err, sizeof(err)), 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_PAUSE);
	assert_int_equal(launcher_cmd_parse("replug-serial OTHER6300", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_REPLUG_SERIAL);
	assert_string_equal(c.serial, "OTHER6300");
	assert_int_equal(launcher_cmd_parse("fault busy=100", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_FAULT);
	assert_int_equal(c.faults.busy, 100);
	assert_int_equal(launcher_cmd_parse("fault", &c, err, sizeof(err)), 0);
	assert_int_equal(c.faults.busy, 0);
	assert_int_equal(launcher_cmd_parse("event C203 D21E", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_EVENT);
	assert_int_equal(c.code, 0xC203);
	assert_int_equal(c.param, 0xD21E);
	assert_int_equal(launcher_cmd_parse("event 0xc201  0xFFFFC001", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.param, 0xFFFFC001u);
	assert_int_equal(launcher_cmd_parse("event C201", &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.param, 0);
	/* turning dials: people's forms, or a code and a number */
	assert_int_equal(launcher_cmd_parse("set iso 1600", &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.kind, LAUNCHER_CMD_SET);
	assert_int_equal(c.code, 0xD21E);
	assert_int_equal(c.value, 1600);
	assert_int_equal(launcher_cmd_parse("set shutter_speed 1/250", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.value, 0x000100FA);
	assert_int_equal(launcher_cmd_parse("set exposure_compensation -0.7", &c,
					  err, sizeof(err)),
			 0);
	assert_int_equal(c.value, -700);
	assert_int_equal(launcher_cmd_parse("set D218 67", &c, err, sizeof(err)),
			 0);
	assert_int_equal(c.code, 0xD218);
	assert_int_equal(c.value, 67);
	assert_int_equal(launcher_cmd_parse("dial A", &c, err, sizeof(err)), 0);
	assert_int_equal(c.code, 0x500E);
	assert_int_equal(c.value, 3);
	assert_int_equal(launcher_cmd_parse("dial intelligent-auto", &c, err,
					  sizeof(err)),
			 0);
	assert_int_equal(c.value, 0x8000);
}

static void test_control_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"",	       "unplugx",	  "unplug now",	 "event",
		"event 1C203", "event C203 1FFFFFFFF", "event C2G3",
		"event 1 2 3", "fault nope",	  "rm -rf /",	 "event 0x",
		"replug-serial", "replug-serial A B", "replug-serial a\\b",
		"replug-serial 0123456789012345678901234567890123456789"
		"0123456789012345678901234",
		"set", "set iso", "set iso banana", "set nope 1", "set 1D21E 1",
		"dial", "dial Z", "set shutter_speed 1/0",
	};
	struct launcher_cmd c;
	char err[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_int_equal(launcher_cmd_parse(bad[i], &c, err, sizeof(err)),
				 ALPHAFS_ERR_INVALID);
		assert_true(err[0] != '\0');
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_spec_splits_usb_items),
		cmocka_unit_test(test_fault_spec_rejects_unknown_and_long),
		cmocka_unit_test(test_control_lines),
		cmocka_unit_test(test_control_rejects_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
