/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tools: SOURCE as the programs parse it, and the opener it becomes (the
 * USB side of the opener is tested through the real libusb in
 * tests/integration/usb). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tools/tools.h"

static void test_source_parse(void **state)
{
	struct tool_source s;
	char err[160];

	(void)state;
	assert_int_equal(tool_source_parse(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, TOOL_SOURCE_USB);
	assert_int_equal(s.usb.kind, USB_SELECT_FIRST);
	assert_int_equal(tool_source_parse("usb:001,004", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, TOOL_SOURCE_USB);
	assert_int_equal(s.usb.kind, USB_SELECT_PORT);
	assert_int_equal(s.usb.bus, 1);
	assert_int_equal(s.usb.dev, 4);
	assert_int_equal(tool_source_parse("serial=0123ABC", &s, NULL, 0), 0);
	assert_int_equal(s.usb.kind, USB_SELECT_SERIAL);
	assert_int_equal(tool_source_parse("emulate", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, TOOL_SOURCE_EMULATE);
	assert_int_equal(s.emu.fps, 30); /* emu_config_default() */
	assert_null(s.cam);
	assert_int_equal(tool_source_parse("replay=dir/cap.pcapng", &s, err,
					   sizeof(err)),
			 0);
	assert_int_equal(s.kind, TOOL_SOURCE_REPLAY);
	assert_string_equal(s.replay_path, "dir/cap.pcapng");
	assert_null(s.replay.rp); /* parsing reads no file */
}

static void test_source_parse_refuses(void **state)
{
	static const char *const bad[] = { "emulated", "bogus", "usb1,2",
					   "usb:0001,2", "serial=", "EMULATE",
					   "replay=", "replay", "REPLAY=x" };
	struct tool_source s;
	char err[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		assert_int_equal(tool_source_parse(bad[i], &s, err, sizeof(err)),
				 ALPHAFS_ERR_INVALID);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(tool_source_parse("bogus:1", &s, err, sizeof(err)),
			 ALPHAFS_ERR_INVALID);
	assert_non_null(strstr(err, "unknown camera source"));
	assert_non_null(strstr(err, "emulate"));
	assert_non_null(strstr(err, "replay=CAPTURE"));
}

/* A replay's capture is read by tool_source_load (or by the opener when
 * the program did not load it first); its errors say "replay:". The
 * replay itself is tested in test_capture and through the real mount. */
static void test_replay_load_errors(void **state)
{
	struct ptp_transport_opener o = { 0 };
	struct tool_source s;
	char err[160];

	(void)state;
	assert_int_equal(tool_source_parse("replay=/nonexistent/cap.pcap", &s,
					   err, sizeof(err)),
			 0);
	assert_true(tool_source_load(&s, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "replay: "));
	assert_null(s.replay.rp);
	err[0] = '\0';
	assert_true(tool_source_opener(&s, &o, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "replay: "));
	assert_null(o.open);
	tool_source_finish(&s);
	/* Other sources load nothing. */
	assert_int_equal(tool_source_parse("emulate", &s, err, sizeof(err)), 0);
	assert_int_equal(tool_source_load(&s, err, sizeof(err)), 0);
	assert_null(s.cam);
}

static void test_emulated_opener(void **state)
{
	struct ptp_transport_opener o;
	struct ptp_transport *t = NULL;
	struct err_detail e = { 0 };
	struct tool_source s;
	char err[160];

	(void)state;
	assert_int_equal(tool_source_parse("emulate", &s, err, sizeof(err)), 0);
	assert_int_equal(tool_source_opener(&s, &o, err, sizeof(err)), 0);
	assert_non_null(s.cam);
	assert_int_equal(ptp_transport_open(&o, NULL, &t, &e), 0);
	assert_string_equal(t->name, "emulated");
	ptp_transport_destroy(t);
	/* Unplugged: NOT_FOUND, as a real body that is gone. */
	emu_camera_unplug(s.cam);
	assert_int_equal(ptp_transport_open(&o, "ANY", &t, &e),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_null(t);
	emu_camera_replug(s.cam);
	assert_int_equal(ptp_transport_open(&o, "ANY", &t, &e), 0);
	ptp_transport_destroy(t);
	tool_source_finish(&s);
	assert_null(s.cam);
	tool_source_finish(&s);
	/* An emulated camera out of range cannot be made. */
	assert_int_equal(tool_source_parse("emulate", &s, err, sizeof(err)), 0);
	s.emu.fps = 100000;
	assert_int_equal(tool_source_opener(&s, &o, err, sizeof(err)),
			 ALPHAFS_ERR_NOMEM);
	assert_non_null(strstr(err, "cannot create the emulated camera"));
	tool_source_finish(&s);
}

/* One table feeds getopt_long: short letters with their ':' and long
 * names, long-only keys above 255, '+' kept as the prefix. */
static void test_getopt_table(void **state)
{
	static const struct tool_opt opts[] = {
		{ "frames", required_argument, 'n', "N", "frames" },
		{ "debug", optional_argument, 'd', "SPEC", "debug" },
		{ "busy-poll", no_argument, 1000, NULL, "long only" },
		{ "help", no_argument, 'h', NULL, "help" },
	};
	char *argv[] = { "prog", "-n", "5", "--busy-poll", "--debug=usb",
			 "-h", "cmd", "-x", NULL };
	struct tool_getopt g;

	(void)state;
	tool_getopt_init(&g, opts, ARRAY_LEN(opts), "+");
	assert_string_equal(g.shorts, "+n:d::h");
	assert_string_equal(g.longs[2].name, "busy-poll");
	assert_int_equal(g.longs[2].val, 1000);
	assert_null(g.longs[4].name);
	optind = 0; /* a fresh scan */
	assert_int_equal(tool_getopt(&g, 8, argv), 'n');
	assert_string_equal(optarg, "5");
	assert_int_equal(tool_getopt(&g, 8, argv), 1000);
	assert_int_equal(tool_getopt(&g, 8, argv), 'd');
	assert_string_equal(optarg, "usb");
	assert_int_equal(tool_getopt(&g, 8, argv), 'h');
	/* '+': the scan stops at the command, its -x left alone. */
	assert_int_equal(tool_getopt(&g, 8, argv), -1);
	assert_string_equal(argv[optind], "cmd");
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_parse),
		cmocka_unit_test(test_source_parse_refuses),
		cmocka_unit_test(test_emulated_opener),
		cmocka_unit_test(test_replay_load_errors),
		cmocka_unit_test(test_getopt_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
