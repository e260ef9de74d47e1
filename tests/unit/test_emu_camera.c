/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* emu: the emulated a6300 answers as dossier §8.2 says: descriptors,
 * sessions, the handshake bytes, DeviceInfo, 0x9202, 0x9209, live view,
 * events, controls, captures, EP0 requests, unplug; and a real PTP engine
 * (ptp_transact, sony_*) runs against it through the in-memory transport. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <turbojpeg.h>

#include <cmocka.h>

#include "test_emu_host.h"

static void test_descriptors_golden(void **state)
{
	static const uint8_t dev[18] = { 0x12, 0x01, 0x00, 0x02, 0x00, 0x00,
					 0x00, 0x40, 0x4c, 0x05, 0x9c, 0x07,
					 0x00, 0x01, 0x01, 0x02, 0x03, 0x01 };
	const uint8_t *cfg = emu_usb_descriptors + 18;

	(void)state;
	assert_memory_equal(emu_usb_descriptors, dev, sizeof(dev));
	assert_int_equal(cfg[1], 0x02);
	assert_int_equal(get_u16le(cfg + 2), 39);
	assert_int_equal(cfg[7], 0x80);
	assert_int_equal(cfg[8], 0xFA);
	/* interface: 3 endpoints, class 6/1/1 */
	assert_int_equal(cfg[9 + 4], 3);
	assert_int_equal(cfg[9 + 5], 6);
	assert_int_equal(cfg[9 + 6], 1);
	assert_int_equal(cfg[9 + 7], 1);
	/* 0x81 bulk 512, 0x02 bulk 512, 0x83 interrupt 32 interval 7 */
	assert_int_equal(cfg[18 + 2], 0x81);
	assert_int_equal(get_u16le(cfg + 18 + 4), 512);
	assert_int_equal(cfg[25 + 2], 0x02);
	assert_int_equal(cfg[32 + 2], 0x83);
	assert_int_equal(cfg[32 + 3], 0x03);
	assert_int_equal(get_u16le(cfg + 32 + 4), 32);
	assert_int_equal(cfg[32 + 6], 7);
}

static void test_device_info_outside_session(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	struct ptp_device_info di;
	size_t len;
	uint8_t *b;

	(void)state;
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 0, 0, 0, 0);
	b = host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_DEVICE_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(ptp_device_info_parse(b + 12, len - 12, &di), 0);
	assert_int_equal(di.standard_version, 100);
	assert_int_equal(di.vendor_ext_id, 0x11);
	assert_int_equal(di.vendor_ext_version, 100);
	assert_string_equal(di.vendor_ext_desc, "Sony PTP Extensions");
	assert_string_equal(di.manufacturer, "Sony Corporation");
	assert_string_equal(di.model, "ILCE-6300");
	assert_string_equal(di.device_version, "1.0");
	assert_int_equal(strlen(di.serial), 32);
	assert_int_equal(di.operations.n, 16);
	assert_int_equal(di.operations.v[0], 0x1002);
	assert_int_equal(di.operations.v[15], 0x9209);
	assert_true(ptp_u16_list_has(&di.operations, 0x9207));
	assert_int_equal(di.events.n, 3);
	assert_int_equal(di.properties.n, 0);
	assert_int_equal(di.capture_formats.n, 0);
	assert_int_equal(di.image_formats.n, 3);
	assert_int_equal(di.image_formats.v[1], 0xB301);
	assert_true(sony_is_remote_capable(&di));
	ptp_device_info_finish(&di);
	mem_free(b);
	emu_camera_destroy(cam);
}

static void test_session_rules(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	struct emu_stats st;

	(void)state;
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 1, 0, 0, 0);
	host_response(cam, PTP_RC_SESSION_NOT_OPEN);
	host_cmd(cam, 0x1234, 1, 0, 0, 0);
	host_response(cam, PTP_RC_SESSION_NOT_OPEN);
	host_cmd(cam, PTP_OC_CLOSE_SESSION, 1, 0, 0, 0);
	host_response(cam, PTP_RC_SESSION_NOT_OPEN);
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 0, 0);
	host_response(cam, PTP_RC_INVALID_PARAMETER);
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 7, 0);
	host_response(cam, PTP_RC_OK);
	host_cmd(cam, PTP_OC_OPEN_SESSION, 1, 1, 9, 0);
	assert_int_equal(host_response(cam, PTP_RC_SESSION_ALREADY_OPEN), 7);
	/* unknown op: 0x2005 and no data phase */
	host_cmd(cam, 0x1234, 2, 0, 0, 0);
	host_response(cam, PTP_RC_OPERATION_NOT_SUPPORTED);
	host_expect_nothing(cam);
	for (uint16_t op = 0x1005; op <= 0x1007; op++) {
		host_cmd(cam, op, 3, 1, 0x10001, 0);
		host_response(cam, PTP_RC_INVALID_STORAGE_ID);
	}
	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, 4, 1, 0x1234, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	host_cmd(cam, PTP_OC_CLOSE_SESSION, 5, 0, 0, 0);
	host_response(cam, PTP_RC_OK);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 6, 0, 0, 0);
	host_response(cam, PTP_RC_SESSION_NOT_OPEN);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.sessions_opened, 1);
	assert_int_equal(st.transactions, 13);
	emu_camera_destroy(cam);
}

/* The exact bytes of dossier §1.2 and §3.2. */
static void test_handshake_golden_bytes(void **state)
{
	static const uint8_t sdio_cmd[24] = { 0x18, 0, 0, 0, 1, 0, 0x01, 0x92,
					      2,    0, 0, 0, 1, 0, 0,	   0 };
	static const uint8_t sdio_data[20] = { 0x14, 0, 0, 0, 2, 0, 0x01, 0x92,
					       2,    0, 0, 0 };
	static const uint8_t sdio_resp[12] = { 0x0c, 0, 0, 0, 3, 0,
					       0x01, 0x20, 2, 0, 0, 0 };
	static const uint8_t ids_data[16] = { 0x10, 0, 0, 0, 2, 0, 0x04, 0x10,
					      7,    0, 0, 0 };
	static const uint8_t ids_resp[12] = { 0x0c, 0, 0, 0, 3, 0,
					      0x01, 0x20, 7, 0, 0, 0 };
	struct emu_camera *cam = host_camera(NULL);
	size_t len;
	uint8_t *b;
	int rc;

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(emu_camera_bulk_out(cam, sdio_cmd, sizeof(sdio_cmd)), 0);
	b = host_xfer(cam, &len, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(len, sizeof(sdio_data));
	assert_memory_equal(b, sdio_data, sizeof(sdio_data));
	mem_free(b);
	b = host_xfer(cam, &len, &rc);
	assert_int_equal(len, sizeof(sdio_resp));
	assert_memory_equal(b, sdio_resp, sizeof(sdio_resp));
	mem_free(b);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 7, 0, 0, 0);
	b = host_xfer(cam, &len, &rc);
	assert_int_equal(len, sizeof(ids_data));
	assert_memory_equal(b, ids_data, sizeof(ids_data));
	mem_free(b);
	b = host_xfer(cam, &len, &rc);
	assert_memory_equal(b, ids_resp, sizeof(ids_resp));
	mem_free(b);
	emu_camera_destroy(cam);
}

static void check_ext_info(struct emu_camera *cam, uint32_t tid, unsigned n,
			   uint32_t p1, uint32_t p2)
{
	struct sony_ext_info ei;
	size_t len;
	uint8_t *b;

	host_cmd(cam, SONY_OC_GET_EXT_DEVICE_INFO, tid, n, p1, p2);
	b = host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_EXT_DEVICE_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(get_u16le(b + 12), 0x00C8);
	assert_int_equal(sony_ext_info_parse(b + 12, len - 12, &ei), 0);
	assert_int_equal(ei.version, SONY_PROTOCOL_200);
	assert_int_equal(ei.codes.n, 30);
	assert_int_equal(ei.controls.n, 7);
	assert_true(ptp_u16_list_has(&ei.codes, 0xD21E));
	assert_true(ptp_u16_list_has(&ei.controls, 0xD2C2));
	/* the data ends right after the controls list */
	assert_int_equal(len, 12 + 2 + 4 + 2 * 30 + 4 + 2 * 7);
	sony_ext_info_finish(&ei);
	mem_free(b);
}

static void test_ext_info_always_0xC8(void **state)
{
	struct emu_camera *cam = host_camera(NULL);

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	check_ext_info(cam, 1, 1, 0xC8, 0);
	check_ext_info(cam, 2, 2, 0x12C, 1);
	check_ext_info(cam, 3, 2, 0xFFFF, 0);
	emu_camera_destroy(cam);
}

/* gphoto2 --summary runs the handshake twice in one session; other
 * clients order it differently (dossier §3.2). */
static void test_handshake_twice_and_orders(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	struct emu_stats st;
	size_t len;

	(void)state;
	host_handshake(cam);
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 20, 0, 0, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_DEVICE_INFO, &len));
	host_response(cam, PTP_RC_OK);
	for (uint32_t ph = 1; ph <= 3; ph++) {
		host_cmd(cam, SONY_OC_SDIO_CONNECT, 20 + ph, 3, ph, 0);
		mem_free(host_expect(cam, PTP_TYPE_DATA, SONY_OC_SDIO_CONNECT,
				     &len));
		host_response(cam, PTP_RC_OK);
	}
	/* alpha-fairy: 0x9202 again after phase 3 */
	check_ext_info(cam, 30, 2, 0x12C, 1);
	host_cmd(cam, SONY_OC_SDIO_CONNECT, 31, 3, 4, 0);
	host_response(cam, PTP_RC_INVALID_PARAMETER);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.handshakes, 2);
	emu_camera_destroy(cam);
}

static void test_phase3_without_1_and_2_keeps_liveview_off(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	size_t len;

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	host_cmd(cam, SONY_OC_SDIO_CONNECT, 1, 3, 3, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, SONY_OC_SDIO_CONNECT, &len));
	host_response(cam, PTP_RC_OK);
	advance_ms(100);
	host_cmd(cam, PTP_OC_GET_OBJECT, 2, 1, SONY_HANDLE_LIVEVIEW, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, 3, 1, SONY_HANDLE_LIVEVIEW, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	emu_camera_destroy(cam);
}

static void test_all_props_blob(void **state)
{
	static const uint8_t s1_desc[] = { 0xc1, 0xd2, 0x04, 0x00, 0x81, 0x01,
					   0x01, 0x00, 0x01, 0x00, 0x02, 0x02,
					   0x00, 0x01, 0x00, 0x02, 0x00 };
	struct emu_camera *cam = host_camera(NULL);
	struct sony_prop_table t = { 0 };
	const struct ptp_prop_desc *d;
	size_t len;
	uint8_t *b;
	bool iso_auto = false;

	(void)state;
	host_handshake(cam);
	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, 40, 0, 0, 0);
	b = host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(sony_props_parse(b + 12, len - 12, SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(get_u32le(b + 12), t.n);
	assert_int_equal(get_u32le(b + 16), 0);
	assert_int_equal(t.n, 37);
	/* the data ends right after the last entry (the S1 control is
	 * not last; check the last one re-serialises to the end) */
	d = sony_props_find(&t, SONY_DPC_ISO);
	assert_non_null(d);
	for (uint16_t i = 0; i < d->enum_count; i++)
		iso_auto |= d->enum_values[i].u == 0xFFFFFF;
	assert_true(iso_auto);
	assert_int_equal(d->type, PTP_DTC_UINT32);
	d = sony_props_find(&t, SONY_DPC_SHUTTER_SPEED);
	assert_int_equal(d->current.u, 0x00010064);
	assert_int_equal(d->form, PTP_FORM_RANGE);
	assert_int_equal(sony_props_find(&t, SONY_DPC_FNUMBER)->current.u,
			 0x0230);
	d = sony_props_find(&t, SONY_DPC_BATTERY_LEVEL);
	assert_int_equal(d->type, PTP_DTC_INT8);
	assert_int_equal(d->current.i, -1); /* the a6300 listing's */
	assert_non_null(memmem(b, len, s1_desc, sizeof(s1_desc)));
	{
		struct buf again;

		buf_init(&again, HOST_CAP);
		sony_props_write(&again, &t, SONY_PROTOCOL_200);
		assert_int_equal(again.len, len - 12);
		assert_memory_equal(again.data, b + 12, again.len);
		buf_finish(&again);
	}
	sony_props_finish(&t);
	mem_free(b);
	emu_camera_destroy(cam);
}

/* ---- live view ---------------------------------------------------------- */

static void check_jpeg_decodes(const uint8_t *j, size_t n, uint64_t seq)
{
	tjhandle tj = tjInitDecompress();
	int w, h, sub, cs;
	uint64_t s, ns;
	uint8_t *pix;

	assert_non_null(tj);
	/* Sony's structure: quantisation tables first, no JFIF, no COM */
	assert_int_equal(j[2], 0xFF);
	assert_int_equal(j[3], 0xDB);
	for (size_t i = 0; i + 1 < n; i++)
		assert_false(j[i] == 0xFF && (j[i + 1] == 0xFE || j[i + 1] == 0xE0));
	assert_int_equal(tjDecompressHeader3(tj, j, n, &w, &h, &sub, &cs), 0);
	assert_int_equal(w, EMU_DEFAULT_WIDTH);
	assert_int_equal(h, EMU_DEFAULT_HEIGHT);
	pix = mem_alloc((size_t)w * h * 3);
	assert_int_equal(tjDecompress2(tj, j, n, pix, w, 0, h, TJPF_RGB, 0), 0);
	mem_free(pix);
	tjDestroy(tj);
	assert_int_equal(emu_frame_marker(j, n, &s, &ns), 0);
	assert_int_equal(s, seq);
}

static size_t count_eoi(const uint8_t *p, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i + 1 < n; i++)
		c += p[i] == 0xFF && p[i + 1] == 0xD9;
	return c;
}

static void test_liveview_dataset_layout(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	const uint8_t *ds, *jpeg;
	struct emu_stats st;
	uint32_t off, size;
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	advance_ms(40); /* frame 1 captured at t0 + 33.3 ms */
	b = host_liveview(cam, 50, &len);
	host_response(cam, PTP_RC_OK);
	ds = b + 12;
	off = get_u32le(ds);
	size = get_u32le(ds + 4);
	assert_true(off == 0x80 || off == 0x88 || off == 0xA0);
	assert_int_equal(get_u32le(ds + 8), 0); /* no focus frames asked */
	assert_int_equal(get_u32le(ds + 12), 0);
	assert_true(len >= 12 + off + size);
	/* the reserved area is not zeros, and holds a stray SOI (gp#389)
	 * and a stray EOI: nothing may scan for them */
	assert_int_equal(ds[32], 0xFF);
	assert_int_equal(ds[33], 0xD8);
	assert_int_equal(ds[48], 0xFF);
	assert_int_equal(ds[49], 0xD9);
	for (size_t i = 16; i < off; i++)
		assert_int_not_equal(ds[i], 0);
	jpeg = ds + off;
	assert_int_equal(jpeg[0], 0xFF);
	assert_int_equal(jpeg[1], 0xD8);
	assert_int_equal(count_eoi(jpeg, size), 1);
	/* realistic size: 60-130 KB at 1024 x 680 */
	assert_in_range(size, 60 * 1024, 130 * 1024);
	assert_int_equal(jpeg[size - 2], 0xFF);
	assert_int_equal(jpeg[size - 1], 0xD9);
	check_jpeg_decodes(jpeg, size, 1);
	mem_free(b);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.frames_sent, 1);
	assert_int_equal(st.last_frame_seq, 1);
	emu_camera_destroy(cam);
}

static uint64_t fetch_seq(struct emu_camera *cam, uint32_t tid)
{
	uint64_t seq, ns;
	size_t len;
	uint8_t *b = host_liveview(cam, tid, &len);

	assert_int_equal(get_u16le(b + 4), PTP_TYPE_DATA);
	assert_int_equal(emu_frame_marker(b + 12 + get_u32le(b + 12),
					  get_u32le(b + 16), &seq, &ns), 0);
	/* the capture time is on the camera clock's frame grid */
	assert_int_equal(ns, 1000000000ull + seq * FRAME_NS);
	mem_free(b);
	host_response(cam, PTP_RC_OK);
	return seq;
}

static void test_liveview_pacing_newest_frame(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	struct emu_stats st;

	(void)state;
	fake_now_ns = 1000000000ull;
	emu_camera_set_clock(cam, fake_clock, NULL);
	host_handshake(cam);
	expect_denied(cam, 60); /* no frame captured yet */
	advance_ms(34);
	assert_int_equal(fetch_seq(cam, 61), 1);
	expect_denied(cam, 62); /* polled again too fast */
	advance_ms(34);
	assert_int_equal(fetch_seq(cam, 63), 2);
	advance_ms(200); /* six frames later: the newest, not the next */
	assert_int_equal(fetch_seq(cam, 64), 8);
	emu_camera_pause(cam, true);
	advance_ms(100);
	expect_denied(cam, 65);
	emu_camera_pause(cam, false);
	expect_denied(cam, 66); /* frames of the pause never existed */
	advance_ms(34);
	assert_int_equal(fetch_seq(cam, 67), 12);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.denied, 4);
	assert_int_equal(st.frames_sent, 4);
	emu_camera_destroy(cam);
}

/* Some frames declare a size padded past the EOI to a multiple of 128,
 * as a recorded RX100M7 does (dossier §4.3); the parser takes SOI..EOI
 * and counts the rest. */
static void test_liveview_size_padding(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	unsigned padded = 0, plain = 0;

	(void)state;
	host_handshake(cam);
	for (uint32_t i = 0; i < 16; i++) {
		struct sony_liveview lv;
		uint32_t size;
		size_t len;
		int why = -1;
		uint8_t *b;

		advance_ms(34);
		b = host_liveview(cam, 100 + i, &len);
		host_response(cam, PTP_RC_OK);
		size = get_u32le(b + 16);
		assert_int_equal(sony_liveview_parse(b + 12, len - 12, &lv, &why), 0);
		assert_int_equal(lv.jpeg_len + lv.padding, size);
		assert_int_equal(lv.jpeg[lv.jpeg_len - 2], 0xFF);
		assert_int_equal(lv.jpeg[lv.jpeg_len - 1], 0xD9);
		if (lv.padding) {
			padded++;
			assert_int_equal(size % 128, 0);
			assert_true(lv.padding < 128);
			for (size_t k = 0; k < lv.padding; k++)
				assert_int_equal(lv.jpeg[lv.jpeg_len + k], 0);
		} else {
			plain++;
		}
		check_jpeg_decodes(lv.jpeg, lv.jpeg_len, i + 1);
		mem_free(b);
	}
	assert_true(padded >= 3);
	assert_true(plain >= 3);
	emu_camera_destroy(cam);
}

static void test_liveview_object_info(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	struct ptp_object_info oi;
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, 70, 1, SONY_HANDLE_LIVEVIEW, 0);
	b = host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_OBJECT_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(ptp_object_info_parse(b + 12, len - 12, &oi), 0);
	assert_int_equal(oi.format, PTP_OFC_JPEG);
	mem_free(b);
	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, 71, 1, SONY_HANDLE_CAPTURED, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	host_cmd(cam, PTP_OC_GET_OBJECT, 72, 1, SONY_HANDLE_CAPTURED, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	emu_camera_destroy(cam);
}

/* ---- events, controls, capture ---------------------------------------- */

static void test_event_golden(void **state)
{
	static const uint8_t ev[16] = { 0x10, 0, 0, 0, 4, 0, 0x03, 0xc2,
					0xff, 0xff, 0xff, 0xff, 0x1d, 0xd2, 0, 0 };
	struct emu_camera *cam = host_camera(NULL);
	uint8_t b[32];
	size_t got;

	(void)state;
	expect_no_event(cam);
	emu_camera_push_event(cam, 0xC203, 0xD21D);
	assert_true(emu_camera_wait(cam, PTP_EP_INTR_IN, 0));
	assert_int_equal(emu_camera_interrupt_in(cam, b, sizeof(b), &got), 0);
	assert_int_equal(got, sizeof(ev));
	assert_memory_equal(b, ev, sizeof(ev));
	/* too small a buffer loses the event with OVERFLOW */
	emu_camera_push_event(cam, 0xC203, 0xD21D);
	assert_int_equal(emu_camera_interrupt_in(cam, b, 8, &got),
			 ALPHAFS_ERR_OVERFLOW);
	expect_no_event(cam);
	emu_camera_destroy(cam);
}

static void test_steps_apply_after_delay(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	const int8_t up = 1;
	const uint8_t down16[2] = { 0xFF, 0xFF }; /* INT16 -1 (INDIGO) */
	const uint8_t bad[3] = { 1, 0, 0 };

	(void)state;
	host_handshake(cam);
	assert_int_equal(prop_now(cam, SONY_DPC_ISO, 80), 0xFFFFFF);
	control_b(cam, 81, SONY_DPC_ISO, &up, 1, PTP_RC_OK);
	advance_ms(EMU_STEP_DEFAULT_MS - 1);
	assert_int_equal(prop_now(cam, SONY_DPC_ISO, 82), 0xFFFFFF);
	expect_no_event(cam);
	advance_ms(2);
	assert_int_equal(prop_now(cam, SONY_DPC_ISO, 83), 25); /* a6300 list */
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_ISO);
	/* shutter: +1 = shorter; FNumber through the f-stop table */
	control_b(cam, 84, SONY_DPC_SHUTTER_SPEED, &up, 1, PTP_RC_OK);
	control_b(cam, 85, SONY_DPC_FNUMBER, down16, 2, PTP_RC_OK);
	advance_ms(EMU_STEP_DEFAULT_MS);
	assert_int_equal(prop_now(cam, SONY_DPC_SHUTTER_SPEED, 86), 0x0001007D);
	assert_int_equal(prop_now(cam, SONY_DPC_FNUMBER, 87), 500);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_SHUTTER_SPEED);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_FNUMBER);
	control_b(cam, 88, SONY_DPC_ISO, bad, 3,
		  PTP_RC_INVALID_DEVICE_PROP_VALUE);
	control_b(cam, 89, 0xD2FF, &up, 1, PTP_RC_DEVICE_PROP_NOT_SUPPORTED);
	emu_camera_destroy(cam);
}

static void test_set_control_a(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	const uint8_t raw = 0x10, bogus = 0x55, prio = 1;
	const uint16_t wide = 0x10;

	(void)state;
	host_handshake(cam);
	host_cmd(cam, SONY_OC_SET_CONTROL_A, 90, 1, SONY_DPC_COMPRESSION, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_A, 90, &raw, 1);
	host_response(cam, PTP_RC_OK);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_COMPRESSION);
	assert_int_equal(prop_now(cam, SONY_DPC_COMPRESSION, 91), 0x10);
	host_cmd(cam, SONY_OC_SET_CONTROL_A, 92, 1, SONY_DPC_COMPRESSION, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_A, 92, &bogus, 1);
	host_response(cam, PTP_RC_INVALID_DEVICE_PROP_VALUE);
	host_cmd(cam, SONY_OC_SET_CONTROL_A, 93, 1, SONY_DPC_COMPRESSION, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_A, 93, &wide, 2);
	host_response(cam, PTP_RC_INVALID_DEVICE_PROP_FORMAT);
	/* libgphoto2's PriorityMode (§3.2 tid 6) */
	host_cmd(cam, SONY_OC_SET_CONTROL_A, 94, 1, 0xD25A, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_A, 94, &prio, 1);
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

/* ---- EP0, halts, unplug ------------------------------------------------- */

static void status_is(struct emu_camera *cam, uint16_t code)
{
	uint8_t st[8];
	size_t got;

	assert_int_equal(emu_camera_control(cam, 0xA1, 0x67, 0, 0, st,
					    sizeof(st), &got), 0);
	assert_int_equal(got, 4);
	assert_int_equal(get_u16le(st), 4);
	assert_int_equal(get_u16le(st + 2), code);
}

static void test_ep0_requests(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	uint8_t cancel[6] = { 0x01, 0x40, 51, 0, 0, 0 };
	struct emu_stats st;
	size_t got, len;

	(void)state;
	status_is(cam, PTP_RC_OK);
	host_handshake(cam);
	advance_ms(40);
	host_cmd(cam, PTP_OC_GET_OBJECT, 51, 1, SONY_HANDLE_LIVEVIEW, 0);
	/* Cancel aborts the data phase and the response */
	assert_int_equal(emu_camera_control(cam, 0x21, 0x64, 0, 0, cancel, 6,
					    &got), 0);
	host_expect_nothing(cam);
	status_is(cam, PTP_RC_DEVICE_BUSY);
	advance_ms(50);
	status_is(cam, PTP_RC_OK);
	cancel[0] = 0x02;
	assert_int_equal(emu_camera_control(cam, 0x21, 0x64, 0, 0, cancel, 6,
					    &got), ALPHAFS_ERR_PIPE);
	/* Device Reset: session closed, unread data dropped */
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 52, 0, 0, 0);
	assert_int_equal(emu_camera_control(cam, 0x21, 0x66, 0, 0, NULL, 0,
					    &got), 0);
	host_expect_nothing(cam);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 53, 0, 0, 0);
	host_response(cam, PTP_RC_SESSION_NOT_OPEN);
	/* Get Extended Event Data, unknown requests, other interfaces */
	assert_int_equal(emu_camera_control(cam, 0xA1, 0x65, 0, 0, cancel, 6,
					    &got), ALPHAFS_ERR_PIPE);
	assert_int_equal(emu_camera_control(cam, 0x21, 0x66, 0, 1, NULL, 0,
					    &got), ALPHAFS_ERR_PIPE);
	assert_int_equal(emu_camera_control(cam, 0x02, 0x01, 0, 0x05, NULL, 0,
					    &got), ALPHAFS_ERR_PIPE);
	assert_int_equal(emu_camera_control(cam, 0x02, 0x01, 0, 0x81, NULL, 0,
					    &got), 0);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.resets, 1);
	/* after the reset a fresh session and handshake work */
	host_handshake(cam);
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 54, 0, 0, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_DEVICE_INFO, &len));
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

static void test_out_halt_until_clear(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	uint8_t junk[16] = { 4, 0, 0, 0, 1, 0, 1, 0x10 };
	uint8_t half[16];
	size_t len;
	uint8_t *b;

	(void)state;
	assert_int_equal(emu_camera_bulk_out(cam, junk, sizeof(junk)),
			 ALPHAFS_ERR_PIPE);
	assert_int_equal(host_send(cam, PTP_TYPE_COMMAND,
				   PTP_OC_GET_DEVICE_INFO, 0, NULL, 0),
			 ALPHAFS_ERR_PIPE);
	assert_int_equal(emu_camera_clear_halt(cam, PTP_EP_BULK_OUT), 0);
	/* a stray data phase no command asked for is a protocol error */
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	ptp_header_encode(junk, 13, PTP_TYPE_DATA, 0x9205, 77);
	assert_int_equal(emu_camera_bulk_out(cam, junk, 13), ALPHAFS_ERR_PIPE);
	/* clearing the halt drops a half-received container */
	assert_int_equal(emu_camera_clear_halt(cam, PTP_EP_BULK_OUT), 0);
	ptp_header_encode(half, 16, PTP_TYPE_COMMAND, 0x1004, 1);
	assert_int_equal(emu_camera_bulk_out(cam, half, 8), 0);
	assert_int_equal(emu_camera_clear_halt(cam, PTP_EP_BULK_OUT), 0);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 2, 0, 0, 0);
	b = host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_STORAGE_IDS, &len);
	assert_int_equal(get_u32le(b + 8), 2); /* not the dropped tid 1 */
	assert_int_equal(len, 16);
	mem_free(b);
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

static void test_unplug_everywhere(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	uint8_t b[512];
	size_t got;

	(void)state;
	host_handshake(cam);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 9, 0, 0, 0);
	emu_camera_push_event(cam, 0xC203, 0xD21E);
	emu_camera_unplug(cam);
	assert_false(emu_camera_plugged(cam));
	assert_true(emu_camera_wait(cam, PTP_EP_BULK_IN, 1000));
	assert_int_equal(emu_camera_bulk_in(cam, b, sizeof(b), &got),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(emu_camera_interrupt_in(cam, b, sizeof(b), &got),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(host_send(cam, PTP_TYPE_COMMAND, 0x1001, 0, NULL, 0),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(emu_camera_control(cam, 0xA1, 0x67, 0, 0, b, 4, &got),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(emu_camera_clear_halt(cam, PTP_EP_BULK_IN),
			 ALPHAFS_ERR_NO_DEVICE);
	emu_camera_replug(cam);
	assert_true(emu_camera_plugged(cam));
	expect_no_event(cam);
	host_expect_nothing(cam);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 1, 0, 0, 0);
	host_response(cam, PTP_RC_SESSION_NOT_OPEN);
	emu_camera_destroy(cam);
}

static void test_in_queue_full_naks_out(void **state)
{
	struct emu_camera *cam = host_camera(NULL);
	uint32_t tid = 1;

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	while (host_send(cam, PTP_TYPE_COMMAND, 0x1234, tid, NULL, 0) == 0)
		tid++;
	assert_int_equal(tid, EMU_IN_QUEUE_MAX);
	assert_false(emu_camera_wait(cam, PTP_EP_BULK_OUT, 0));
	host_response(cam, PTP_RC_OK);
	assert_true(emu_camera_wait(cam, PTP_EP_BULK_OUT, 0));
	emu_camera_destroy(cam);
}

/* ---- threads: waits wake on events and unplug, not by polling --------- */

struct waiter {
	struct emu_camera *cam;
	uint8_t ep;
	bool woke;
	int rc;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	uint8_t b[64];
	size_t got;

	w->woke = emu_camera_wait(w->cam, w->ep, 10000);
	w->rc = w->ep == PTP_EP_INTR_IN
			? emu_camera_interrupt_in(w->cam, b, sizeof(b), &got)
			: emu_camera_bulk_in(w->cam, b, sizeof(b), &got);
	return NULL;
}

static void test_wait_wakes_other_thread(void **state)
{
	struct emu_camera *cam = emu_camera_create(NULL);
	struct waiter ev = { .cam = cam, .ep = PTP_EP_INTR_IN };
	struct waiter in = { .cam = cam, .ep = PTP_EP_BULK_IN };
	pthread_t a, b;

	(void)state;
	assert_int_equal(pthread_create(&a, NULL, wait_thread, &ev), 0);
	assert_int_equal(pthread_create(&b, NULL, wait_thread, &in), 0);
	emu_camera_push_event(cam, SONY_EC_OBJECT_ADDED, SONY_HANDLE_CAPTURED);
	assert_int_equal(pthread_join(a, NULL), 0);
	assert_true(ev.woke);
	assert_int_equal(ev.rc, 0);
	emu_camera_unplug(cam);
	assert_int_equal(pthread_join(b, NULL), 0);
	assert_true(in.woke);
	assert_int_equal(in.rc, ALPHAFS_ERR_NO_DEVICE);
	emu_camera_destroy(cam);
}

/* ---- through the real PTP engine -------------------------------------- */

/* 0xD221 LiveViewStatus as the camera reports it now. */
static int lv_status(struct ptp_session *s)
{
	struct sony_prop_table t;
	const struct ptp_prop_desc *d;
	int v;

	assert_int_equal(sony_props_fetch(s, SONY_PROTOCOL_200, &t), 0);
	d = sony_props_find(&t, SONY_DPC_LIVEVIEW_STATUS);
	assert_non_null(d);
	v = (int)d->current.u;
	sony_props_finish(&t);
	return v;
}

/* A session on a default camera (1 s warm-up) with faults f. */
static struct ptp_session *warm_session(struct emu_camera **cam,
					const struct emu_faults *f)
{
	struct ptp_session *s = mem_calloc(1, sizeof(*s));
	struct sony_ext_info ext = { 0 };
	struct emu_config cfg;

	emu_config_default(&cfg);
	if (f)
		cfg.faults = *f;
	*cam = emu_camera_create(&cfg);
	assert_non_null(*cam);
	emu_camera_set_clock(*cam, fake_clock, NULL);
	ptp_session_init(s, emu_memusb_create(*cam));
	assert_int_equal(ptp_open_session(s, 1), 0);
	assert_int_equal(sony_handshake(s, &ext), 0);
	sony_ext_info_finish(&ext);
	return s;
}

static void warm_finish(struct emu_camera *cam, struct ptp_session *s)
{
	struct ptp_transport *t = s->t;

	ptp_session_finish(s);
	ptp_transport_destroy(t);
	mem_free(s);
	emu_camera_destroy(cam);
}

static void test_warmup_variants(void **state)
{
	struct emu_faults f = { 0 };
	struct sony_lv_result lv;
	struct sony_ext_info ext = { 0 };
	struct ptp_object_info oi;
	struct emu_camera *cam;
	struct ptp_session *s;
	struct emu_stats st;

	(void)state;
	/* AccessDenied instead of 0x2009; GetObjectInfo refused meanwhile;
	 * a second handshake (gphoto2 --summary) does not restart it */
	f.warmup_denied = true;
	s = warm_session(&cam, &f);
	assert_int_equal(sony_liveview_fetch(s, &lv), ALPHAFS_ERR_AGAIN);
	assert_int_equal(lv.rc, PTP_RC_ACCESS_DENIED);
	assert_int_equal(ptp_get_object_info(s, SONY_HANDLE_LIVEVIEW, &oi),
			 ALPHAFS_ERR_PTP_RESPONSE);
	advance_ms(600);
	assert_int_equal(sony_handshake(s, &ext), 0);
	sony_ext_info_finish(&ext);
	advance_ms(500);
	assert_int_equal(lv_status(s), 1);
	assert_int_equal(sony_liveview_fetch(s, &lv), 0);
	frame_unref(lv.frame);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.warmup_refusals, 1);
	warm_finish(cam, s);
	/* never comes up */
	memset(&f, 0, sizeof(f));
	f.liveview_stuck = true;
	s = warm_session(&cam, &f);
	advance_ms(60000);
	assert_int_equal(lv_status(s), 0);
	assert_int_equal(sony_liveview_fetch(s, &lv), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(lv.rc, PTP_RC_INVALID_OBJECT_HANDLE);
	warm_finish(cam, s);
	/* no live view in this mode */
	memset(&f, 0, sizeof(f));
	f.no_liveview = true;
	f.warmup_denied = true; /* still 0x2009: there is nothing to wait for */
	s = warm_session(&cam, &f);
	advance_ms(5000);
	assert_int_equal(lv_status(s), 2);
	assert_int_equal(sony_liveview_fetch(s, &lv), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(lv.rc, PTP_RC_INVALID_OBJECT_HANDLE);
	warm_finish(cam, s);
}

static void test_engine_end_to_end(void **state)
{
	struct emu_camera *cam = emu_camera_create(NULL);
	struct ptp_transport *t = emu_memusb_create(cam);
	struct sony_ext_info ext = { 0 };
	struct sony_lv_result lv = { 0 };
	struct ptp_device_info di;
	struct ptp_session s;
	uint64_t seq = 0, ns;
	int rc = ALPHAFS_ERR_AGAIN;

	(void)state;
	assert_non_null(t);
	emu_camera_set_clock(cam, fake_clock, NULL);
	ptp_session_init(&s, t);
	assert_int_equal(ptp_open_session(&s, 1), 0);
	assert_int_equal(ptp_get_device_info(&s, &di), 0);
	assert_string_equal(di.model, "ILCE-6300");
	ptp_device_info_finish(&di);
	assert_int_equal(sony_handshake(&s, &ext), 0);
	assert_int_equal(ext.version, SONY_PROTOCOL_200);
	sony_ext_info_finish(&ext);
	/* the default warm-up: 0x2009 and LiveViewStatus 0 for 1 s */
	assert_int_equal(sony_liveview_fetch(&s, &lv), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(lv.rc, PTP_RC_INVALID_OBJECT_HANDLE);
	assert_int_equal(lv_status(&s), 0);
	advance_ms(EMU_WARMUP_DEFAULT_MS - 10);
	assert_int_equal(sony_liveview_fetch(&s, &lv), ALPHAFS_ERR_PTP_RESPONSE);
	advance_ms(20);
	assert_int_equal(lv_status(&s), 1);
	rc = sony_liveview_fetch(&s, &lv);
	assert_int_equal(rc, 0);
	assert_int_equal(emu_frame_marker(lv.frame->jpeg, lv.frame->len, &seq,
					  &ns), 0);
	/* the newest frame: captured during the warm-up's last period */
	assert_int_equal(seq, (EMU_WARMUP_DEFAULT_MS + 10) * 30 / 1000);
	frame_unref(lv.frame);
	assert_int_equal(sony_liveview_fetch(&s, &lv), ALPHAFS_ERR_AGAIN);
	assert_int_equal(ptp_close_session(&s), 0);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
	emu_camera_destroy(cam);
}

static void test_memusb_timeout_and_reset(void **state)
{
	struct emu_camera *cam = emu_camera_create(NULL);
	struct ptp_transport *t = emu_memusb_create(cam);
	uint8_t b[512];
	size_t got;
	uint16_t status;

	(void)state;
	assert_string_equal(t->name, "emulated");
	assert_int_equal(t->max_packet, 512);
	assert_int_equal(t->ops->bulk_in(t, b, sizeof(b), &got, 0),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(t->ops->bulk_in(t, b, sizeof(b), &got, 20),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, 0),
			 ALPHAFS_ERR_TIMEOUT);
	assert_int_equal(ptp_class_get_status(t, &status, 100), 0);
	assert_int_equal(status, PTP_RC_OK);
	assert_int_equal(ptp_class_reset(t, 100), 0);
	emu_camera_unplug(cam);
	assert_int_equal(t->ops->bulk_in(t, b, sizeof(b), &got, 20),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(t->ops->bulk_out(t, b, 12, 20), ALPHAFS_ERR_NO_DEVICE);
	ptp_transport_destroy(t);
	emu_camera_destroy(cam);
}

static void test_create_without_memory(void **state)
{
	struct emu_config cfg;
	struct emu_camera *cam = NULL;
	long n;

	(void)state;
	emu_config_default(&cfg);
	cfg.width = 32;
	assert_null(emu_camera_create(&cfg));
	for (n = 0; n < 1000 && !cam; n++) {
		mem_fail_after(n);
		cam = emu_camera_create(NULL);
		mem_fail_after(-1);
	}
	assert_non_null(cam);
	assert_true(n > 5);
	/* transactions under allocation failure lose answers, no crash */
	for (n = 0; n < 40; n++) {
		mem_fail_after(n);
		host_send(cam, PTP_TYPE_COMMAND, PTP_OC_GET_DEVICE_INFO, 0,
			  NULL, 0);
		mem_fail_after(-1);
		emu_camera_control(cam, 0x21, 0x66, 0, 0, NULL, 0,
				   &(size_t){ 0 });
	}
	emu_camera_destroy(cam);
	emu_camera_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptors_golden),
		cmocka_unit_test(test_device_info_outside_session),
		cmocka_unit_test(test_session_rules),
		cmocka_unit_test(test_handshake_golden_bytes),
		cmocka_unit_test(test_ext_info_always_0xC8),
		cmocka_unit_test(test_handshake_twice_and_orders),
		cmocka_unit_test(test_phase3_without_1_and_2_keeps_liveview_off),
		cmocka_unit_test(test_all_props_blob),
		cmocka_unit_test(test_liveview_dataset_layout),
		cmocka_unit_test(test_liveview_pacing_newest_frame),
		cmocka_unit_test(test_liveview_size_padding),
		cmocka_unit_test(test_liveview_object_info),
		cmocka_unit_test(test_event_golden),
		cmocka_unit_test(test_steps_apply_after_delay),
		cmocka_unit_test(test_set_control_a),
		cmocka_unit_test(test_ep0_requests),
		cmocka_unit_test(test_out_halt_until_clear),
		cmocka_unit_test(test_unplug_everywhere),
		cmocka_unit_test(test_in_queue_full_naks_out),
		cmocka_unit_test(test_wait_wakes_other_thread),
		cmocka_unit_test(test_engine_end_to_end),
		cmocka_unit_test(test_warmup_variants),
		cmocka_unit_test(test_memusb_timeout_and_reset),
		cmocka_unit_test(test_create_without_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
