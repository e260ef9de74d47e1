/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The alphafs client through the real libusb against the emulated camera
 * (run under alphafs-emulator, no faults): enumeration, selection, the raw
 * pipes, class requests, events, the handshake and 100 live-view frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "usb_harness.h"

/* ---- basic: enumeration, selection, raw pipes, events, engine ------------ */

static void test_open_names_port(void **state)
{
	struct ptp_transport *t = harness_open();

	(void)state;
	assert_non_null(t);
	assert_string_equal(t->name, getenv("ALPHAFS_EMU_PORT"));
	assert_int_equal(t->max_packet, MAX_PACKET);
	ptp_transport_destroy(t);
}

static int open_with(enum usb_selector_kind kind, const char *serial,
		     uint8_t bus, uint8_t dev, struct err_detail *err)
{
	struct usb_selector sel = { .kind = kind, .bus = bus, .dev = dev };
	struct ptp_transport *t = NULL;
	int r;

	snprintf(sel.serial, sizeof(sel.serial), "%s", serial);
	r = usb_transport_open(NULL, &sel, &t, err);
	ptp_transport_destroy(t);
	return r;
}

static void test_select_by_serial_and_port(void **state)
{
	struct err_detail err = { 0 };
	struct usb_selector port;
	uint8_t bus, dev;

	(void)state;
	assert_int_equal(usb_selector_parse(getenv("ALPHAFS_EMU_PORT"), &port,
					    NULL, 0),
			 0);
	assert_int_equal(port.kind, USB_SELECT_PORT);
	bus = port.bus;
	dev = port.dev;
	assert_int_equal(open_with(USB_SELECT_SERIAL,
				   getenv("ALPHAFS_EMU_SERIAL"), 0, 0, &err),
			 0);
	assert_int_equal(open_with(USB_SELECT_PORT, "", bus, dev, &err), 0);
	assert_int_equal(open_with(USB_SELECT_SERIAL, "NOPE", 0, 0, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "NOPE"));
	err_clear(&err);
	assert_int_equal(open_with(USB_SELECT_PORT, "", bus, 99, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "usb:001,099"));
}

static void test_list_reports_the_body(void **state)
{
	struct usb_camera_desc *list = NULL;
	struct err_detail err = { 0 };
	size_t n = 0;

	(void)state;
	assert_int_equal(usb_camera_list(NULL, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].vendor, EMU_USB_VENDOR);
	assert_int_equal(list[0].product, EMU_USB_PRODUCT);
	assert_int_equal(list[0].mode, USB_MODE_PC_REMOTE);
	assert_int_equal(list[0].ep_out, PTP_EP_BULK_OUT);
	assert_int_equal(list[0].ep_in, PTP_EP_BULK_IN);
	assert_int_equal(list[0].ep_intr, PTP_EP_INTR_IN);
	assert_string_equal(list[0].manufacturer, "Sony");
	assert_string_equal(list[0].product_name, "ILCE-6300");
	assert_string_equal(list[0].serial, getenv("ALPHAFS_EMU_SERIAL"));
	mem_free(list);
}

/* A second holder (another alphafs, a gphoto2) is refused with BUSY and
 * the message says what to do; the interface is free again once the first
 * one lets go. */
static void test_second_owner_is_busy(void **state)
{
	struct ptp_transport *t = harness_open();
	struct err_detail err = { 0 };

	(void)state;
	assert_non_null(t);
	assert_int_equal(open_with(USB_SELECT_FIRST, "", 0, 0, &err),
			 ALPHAFS_ERR_BUSY);
	assert_non_null(strstr(err.msg, "gio mount -s gphoto2"));
	ptp_transport_destroy(t);
	err_clear(&err);
	assert_int_equal(open_with(USB_SELECT_FIRST, "", 0, 0, &err), 0);
}

/* GetDeviceInfo by hand: one command transfer, the data container as one
 * IN transfer ended by its short packet, the response as another. */
static void test_raw_device_info(void **state)
{
	struct ptp_transport *t = harness_open();
	static uint8_t in[BULK_CAP];
	uint8_t cmd[PTP_HEADER_SIZE];
	struct ptp_header h;
	size_t got;

	(void)state;
	assert_non_null(t);
	put_command(cmd, sizeof(cmd), OP_GET_DEVICE_INFO, 0, 0);
	assert_int_equal(t->ops->bulk_out(t, cmd, sizeof(cmd), IO_TIMEOUT_MS),
			 0);
	assert_int_equal(t->ops->bulk_in(t, in, BULK_CAP, &got, IO_TIMEOUT_MS),
			 0);
	read_header(in, got, &h);
	assert_int_equal(h.type, PTP_TYPE_DATA);
	assert_int_equal(h.code, OP_GET_DEVICE_INFO);
	assert_int_equal(h.length, got); /* short packet ended the transfer */
	assert_int_equal(t->ops->bulk_in(t, in, BULK_CAP, &got, IO_TIMEOUT_MS),
			 0);
	read_header(in, got, &h);
	assert_int_equal(h.type, PTP_TYPE_RESPONSE);
	assert_int_equal(h.code, RC_OK);
	assert_int_equal(got, PTP_HEADER_SIZE);
	ptp_transport_destroy(t);
}

static void test_class_get_status_idle(void **state)
{
	struct ptp_transport *t = harness_open();
	const uint8_t idle[4] = { 0x04, 0x00, 0x01, 0x20 }; /* dossier §1.5 */
	uint8_t b[8] = { 0 };
	size_t got = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->ops->control(t, PTP_CLASS_TYPE_IN,
					 PTP_CLASS_REQ_GET_DEVICE_STATUS, 0, b,
					 sizeof(b), &got, IO_TIMEOUT_MS),
			 0);
	assert_int_equal(got, sizeof(idle));
	assert_memory_equal(b, idle, sizeof(idle));
	assert_int_equal(t->ops->control(t, PTP_CLASS_TYPE_OUT,
					 PTP_CLASS_REQ_DEVICE_RESET, 0, NULL, 0,
					 &got, IO_TIMEOUT_MS),
			 0);
	for (uint8_t ep = PTP_EP_BULK_OUT; ep; ep = 0)
		assert_int_equal(t->ops->clear_halt(t, ep), 0);
	assert_int_equal(t->ops->clear_halt(t, PTP_EP_BULK_IN), 0);
	assert_int_equal(t->ops->clear_halt(t, PTP_EP_INTR_IN), 0);
	ptp_transport_destroy(t);
}

static const uint8_t prop_changed_d21e[16] = {
	0x10, 0x00, 0x00, 0x00, 0x04, 0x00, 0x03, 0xC2,
	0xFF, 0xFF, 0xFF, 0xFF, 0x1E, 0xD2, 0x00, 0x00
};

static void test_event_arrives_and_times_out(void **state)
{
	struct ptp_transport *t = harness_open();
	uint8_t b[64];
	size_t got = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, 0),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, 200),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(harness_control("event C203 D21E"), 0);
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, IO_TIMEOUT_MS),
			 0);
	assert_int_equal(got, sizeof(prop_changed_d21e));
	assert_memory_equal(b, prop_changed_d21e, got);
	ptp_transport_destroy(t);
}

/* The interrupt pipe runs beside the bulk pipe: an event that comes while
 * a bulk transaction runs is queued by then, without an event_in wait. */
static void test_event_queued_during_bulk(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct ptp_device_info di;
	uint8_t b[64];
	size_t got = 0;

	(void)state;
	assert_non_null(t);
	ptp_session_init(&s, t);
	assert_int_equal(harness_control("event C203 5007"), 0);
	memset(&di, 0, sizeof(di));
	assert_int_equal(ptp_get_device_info(&s, &di), 0);
	ptp_device_info_finish(&di);
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, 0), 0);
	assert_int_equal(get_u16le(b + 6), 0xC203);
	assert_int_equal(get_u32le(b + 12), 0x5007);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

static void test_handshake_and_100_frames(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct ptp_device_info di;
	uint64_t last = 0;

	(void)state;
	assert_non_null(t);
	ptp_session_init(&s, t);
	assert_int_equal(ptp_open_session(&s, 1), 0);
	memset(&di, 0, sizeof(di));
	assert_int_equal(ptp_get_device_info(&s, &di), 0);
	assert_string_equal(di.model, "ILCE-6300");
	assert_string_equal(di.serial, getenv("ALPHAFS_EMU_SERIAL"));
	assert_true(sony_is_remote_capable(&di));
	ptp_device_info_finish(&di);
	ptp_session_finish(&s);
	open_and_handshake(t, &s);
	for (int i = 0; i < 100; i++) {
		struct frame *f = NULL;
		assert_int_equal(fetch_frame(&s, &f), 0);
		assert_int_equal(frame_jpeg_check(f->jpeg, f->len), -1);
		uint64_t seq = frame_seq(f);
		assert_true(seq > last);
		last = seq;
		frame_unref(f);
	}
	assert_int_equal(ptp_close_session(&s), 0);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

static const struct CMUnitTest basic_tests[] = {
	cmocka_unit_test(test_open_names_port),
	cmocka_unit_test(test_select_by_serial_and_port),
	cmocka_unit_test(test_list_reports_the_body),
	cmocka_unit_test(test_second_owner_is_busy),
	cmocka_unit_test(test_raw_device_info),
	cmocka_unit_test(test_class_get_status_idle),
	cmocka_unit_test(test_event_arrives_and_times_out),
	cmocka_unit_test(test_event_queued_during_bulk),
	cmocka_unit_test(test_handshake_and_100_frames),
};

int main(void)
{
	log_init();
	return cmocka_run_group_tests_name("usb-basic", basic_tests, NULL,
					   NULL);
}
