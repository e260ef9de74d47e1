/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usb: selector syntax, camera selection, libusb error mapping, busy message
 * (the pure parts; the transport itself is tested through the real libusb
 * in tests/integration/usb). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libusb.h>

#include "usb/usb.h"

static void test_selector_parse_accepts_what_alphafs_list_prints(void **state)
{
	struct usb_selector s;
	char err[160];

	(void)state;
	assert_int_equal(usb_selector_parse(NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, USB_SELECT_FIRST);
	assert_int_equal(usb_selector_parse("", &s, NULL, 0), 0);
	assert_int_equal(s.kind, USB_SELECT_FIRST);
	assert_int_equal(usb_selector_parse("usb:001,002", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, USB_SELECT_PORT);
	assert_int_equal(s.bus, 1);
	assert_int_equal(s.dev, 2);
	assert_int_equal(usb_selector_parse("usb:3,127", &s, err, sizeof(err)), 0);
	assert_int_equal(s.bus, 3);
	assert_int_equal(s.dev, 127);
	assert_int_equal(usb_selector_parse("usb:255,1", &s, err, sizeof(err)), 0);
	assert_int_equal(s.bus, 255);
	assert_int_equal(usb_selector_parse("serial=0123ABC", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, USB_SELECT_SERIAL);
	assert_string_equal(s.serial, "0123ABC");
}

static void test_selector_parse_rejects_malformed(void **state)
{
	/* Both former parsers' refusals: 1 to 3 digits, no sign, no hex, no
	 * spaces, nothing after the device number. */
	static const char *const bad[] = {
		"usb:",	      "usb:1",	       "usb:1,",       "usb:,2",
		"usb:0,2",    "usb:1,0",       "usb:256,1",    "usb:1,128",
		"usb:1,2 ",   "usb:1,2,3",     "usb:-1,2",     "USB:1,2",
		"usb:1;2",    "usb:1,2x",      "usb:0001,2",   "usb:1,0x2",
		"usb:99999999999999999999,1",  "usb1,2",       "serial=",
		"emulate",    "bogus",
		"serial=0123456789012345678901234567890123456789012345678901234567890123",
	};
	struct usb_selector s;
	char err[160];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&s, 0x5A, sizeof(s));
		err[0] = '\0';
		assert_int_equal(usb_selector_parse(bad[i], &s, err, sizeof(err)),
				 ALPHAFS_ERR_INVALID);
		assert_true(err[0] != '\0');
		assert_int_equal(s.kind, USB_SELECT_FIRST); /* zeroed */
		assert_int_equal(s.bus, 0);
	}
}

static void test_port_name_round_trips(void **state)
{
	struct usb_selector sel;
	char s[16];

	(void)state;
	usb_port_name(1, 2, s, sizeof(s));
	assert_string_equal(s, "usb:001,002");
	assert_int_equal(usb_selector_parse(s, &sel, NULL, 0), 0);
	assert_int_equal(sel.bus, 1);
	assert_int_equal(sel.dev, 2);
}

static struct usb_camera_desc cam(uint8_t bus, uint8_t dev, uint16_t vid,
				  enum usb_camera_mode mode,
				  const char *serial)
{
	struct usb_camera_desc c;

	memset(&c, 0, sizeof(c));
	c.bus = bus;
	c.dev = dev;
	c.vendor = vid;
	c.product = mode == USB_MODE_SONY_MTP ? USB_PRODUCT_A6300_MTP
					      : USB_PRODUCT_A6300_PC_REMOTE;
	c.mode = mode;
	snprintf(c.serial, sizeof(c.serial), "%s", serial);
	return c;
}

static void test_select_first_skips_wrong_mode(void **state)
{
	struct usb_camera_desc l[3];
	struct usb_selector sel = { .kind = USB_SELECT_FIRST };
	struct err_detail err = { 0 };
	size_t i = 99;

	(void)state;
	l[0] = cam(1, 2, USB_VENDOR_SONY, USB_MODE_SONY_MTP, "A");
	l[1] = cam(1, 3, USB_VENDOR_SONY, USB_MODE_PC_REMOTE, "B");
	l[2] = cam(2, 4, 0x04A9, USB_MODE_PTP_OTHER, "C");
	assert_int_equal(usb_camera_select(l, 3, &sel, &i, &err), 0);
	assert_int_equal(i, 1);
	assert_int_equal(err.code, 0);
}

static void test_select_only_wrong_mode_says_pc_remote(void **state)
{
	struct usb_camera_desc l[1];
	struct usb_selector sel = { .kind = USB_SELECT_FIRST };
	struct err_detail err = { 0 };
	size_t i = 99;

	(void)state;
	l[0] = cam(1, 5, USB_VENDOR_SONY, USB_MODE_SONY_MTP, "A");
	assert_int_equal(usb_camera_select(l, 1, &sel, &i, &err),
			 ALPHAFS_ERR_WRONG_MODE);
	assert_non_null(strstr(err.msg, "PC Remote"));
	assert_non_null(strstr(err.msg, "usb:001,005"));
	assert_non_null(strstr(err.msg, "MTP"));
	err_clear(&err);
	l[0].mode = USB_MODE_SONY_NO_PTP;
	assert_int_equal(usb_camera_select(l, 1, &sel, &i, &err),
			 ALPHAFS_ERR_WRONG_MODE);
	assert_non_null(strstr(err.msg, "PC Remote"));
}

static void test_select_empty_is_not_found(void **state)
{
	struct usb_selector sel = { .kind = USB_SELECT_FIRST };
	struct err_detail err = { 0 };
	size_t i = 99;

	(void)state;
	assert_int_equal(usb_camera_select(NULL, 0, &sel, &i, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "PC Remote"));
	assert_int_equal(i, 99);
}

static void test_select_by_port_and_serial(void **state)
{
	struct usb_camera_desc l[2];
	struct usb_selector sel = { .kind = USB_SELECT_PORT, .bus = 2,
				    .dev = 4 };
	struct err_detail err = { 0 };
	size_t i = 99;

	(void)state;
	l[0] = cam(1, 3, USB_VENDOR_SONY, USB_MODE_PC_REMOTE, "SER1");
	l[1] = cam(2, 4, USB_VENDOR_SONY, USB_MODE_PC_REMOTE, "SER2");
	assert_int_equal(usb_camera_select(l, 2, &sel, &i, &err), 0);
	assert_int_equal(i, 1);
	sel.kind = USB_SELECT_SERIAL;
	snprintf(sel.serial, sizeof(sel.serial), "SER1");
	assert_int_equal(usb_camera_select(l, 2, &sel, &i, &err), 0);
	assert_int_equal(i, 0);
	/* Exact match only: a prefix is another camera. */
	snprintf(sel.serial, sizeof(sel.serial), "SER");
	assert_int_equal(usb_camera_select(l, 2, &sel, &i, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	err_clear(&err);
	sel.kind = USB_SELECT_PORT;
	sel.dev = 9;
	assert_int_equal(usb_camera_select(l, 2, &sel, &i, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "usb:002,009"));
	/* The selected body in the wrong mode is named as such. */
	err_clear(&err);
	l[1].mode = USB_MODE_SONY_MTP;
	sel.dev = 4;
	assert_int_equal(usb_camera_select(l, 2, &sel, &i, &err),
			 ALPHAFS_ERR_WRONG_MODE);
	err_clear(&err);
	sel.kind = (enum usb_selector_kind)77;
	assert_int_equal(usb_camera_select(l, 2, &sel, &i, &err),
			 ALPHAFS_ERR_INVALID);
}

static void test_map_libusb_errors(void **state)
{
	(void)state;
	assert_int_equal(usb_map_libusb_error(LIBUSB_SUCCESS), 0);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_TIMEOUT),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_PIPE),
			 ALPHAFS_ERR_PIPE);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_OVERFLOW),
			 ALPHAFS_ERR_OVERFLOW);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_NO_DEVICE),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_BUSY),
			 ALPHAFS_ERR_BUSY);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_ACCESS),
			 ALPHAFS_ERR_ACCESS);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_IO),
			 ALPHAFS_ERR_IO);
	assert_int_equal(usb_map_libusb_error(LIBUSB_ERROR_OTHER),
			 ALPHAFS_ERR_IO);
	assert_int_equal(usb_map_libusb_error(-1234), ALPHAFS_ERR_IO);
}

static void test_busy_message_names_holder_and_fix(void **state)
{
	char m[ERR_DETAIL_MAX], tiny[8];

	(void)state;
	usb_busy_message("usb:001,002", "gvfsd-gphoto2 (pid 42)", m,
			 sizeof(m));
	assert_non_null(strstr(m, "gvfsd-gphoto2 (pid 42)"));
	assert_non_null(strstr(m, "gio mount -s gphoto2"));
	assert_non_null(strstr(m, "usb:001,002"));
	usb_busy_message("usb:001,002", "", m, sizeof(m));
	assert_non_null(strstr(m, "gvfs-gphoto2-volume-monitor"));
	assert_non_null(strstr(m,
			       "systemctl --user stop gvfs-gphoto2-volume"));
	usb_busy_message("usb:001,002", NULL, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(usb_mode_name(USB_MODE_PC_REMOTE), "PC Remote");
	assert_non_null(strstr(usb_mode_name(USB_MODE_SONY_MTP), "PC Remote"));
	assert_non_null(
		strstr(usb_mode_name(USB_MODE_SONY_NO_PTP), "PC Remote"));
	assert_string_equal(usb_mode_name((enum usb_camera_mode)77),
			    "unknown");
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_parse_accepts_what_alphafs_list_prints),
		cmocka_unit_test(test_selector_parse_rejects_malformed),
		cmocka_unit_test(test_port_name_round_trips),
		cmocka_unit_test(test_select_first_skips_wrong_mode),
		cmocka_unit_test(test_select_only_wrong_mode_says_pc_remote),
		cmocka_unit_test(test_select_empty_is_not_found),
		cmocka_unit_test(test_select_by_port_and_serial),
		cmocka_unit_test(test_map_libusb_errors),
		cmocka_unit_test(test_busy_message_names_holder_and_fix),
		cmocka_unit_test(test_mode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
