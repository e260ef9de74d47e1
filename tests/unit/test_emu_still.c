/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated camera's stills (emu/still.c) byte by byte on the fake
 * clock: the button sequence, focus, the exposure with live view
 * withheld, processing, the announcement (0xD215 and C201), ObjectInfo
 * and the download of JPEG and ARW, the crash of an early download, the
 * still faults, and the focus-frame block of the live-view dataset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <turbojpeg.h>

#include "test_emu_host.h"

static const uint16_t down = SONY_BUTTON_DOWN, up = SONY_BUTTON_UP;
#define EXPOSE_MS 160 /* 1/100 s (the model's shutter) + 150 ms readout */
#define FOCUS_MS 300
#define PROCESS_MS 400
#define PROCESS_RAW_MS 800

static struct emu_camera *still_camera(const struct emu_faults *f)
{
	struct emu_camera *cam = host_camera(f);

	host_handshake(cam);
	return cam;
}

/* A live-view poll that returns a frame. */
static void expect_frame(struct emu_camera *cam, uint32_t tid)
{
	size_t len;
	uint8_t *b = host_liveview(cam, tid, &len);

	assert_int_equal(get_u16le(b + 4), PTP_TYPE_DATA);
	assert_true(len > 28);
	mem_free(b);
	host_response(cam, PTP_RC_OK);
}

static void set_a(struct emu_camera *cam, uint32_t tid, uint16_t code,
		  const void *v, size_t n)
{
	host_cmd(cam, SONY_OC_SET_CONTROL_A, tid, 1, code, 0);
	host_data_out(cam, SONY_OC_SET_CONTROL_A, tid, v, n);
	host_response(cam, PTP_RC_OK);
	expect_event(cam, SONY_EC_PROP_CHANGED, code);
}

static void object_info(struct emu_camera *cam, uint32_t tid,
			struct ptp_object_info *oi)
{
	size_t len;
	uint8_t *b;

	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, tid, 1, SONY_HANDLE_CAPTURED, 0);
	b = host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_OBJECT_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(ptp_object_info_parse(b + 12, len - 12, oi), 0);
	mem_free(b);
}

/* GetObject(0xFFFFC001); returns the object (caller frees). */
static uint8_t *get_object(struct emu_camera *cam, uint32_t tid, size_t *len)
{
	uint8_t *b, *o;

	host_cmd(cam, PTP_OC_GET_OBJECT, tid, 1, SONY_HANDLE_CAPTURED, 0);
	b = host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_OBJECT, len);
	host_response(cam, PTP_RC_OK);
	*len -= 12;
	o = mem_alloc(*len);
	memcpy(o, b + 12, *len);
	mem_free(b);
	return o;
}

static void check_jpeg(const uint8_t *j, size_t len, const char *name)
{
	tjhandle tj = tjInitDecompress();
	int w, h, sub, cs;
	uint8_t *pix = mem_alloc((size_t)HOST_STILL_W * HOST_STILL_H * 3);

	assert_int_equal(frame_jpeg_check(j, len), -1);
	assert_int_equal(tjDecompressHeader3(tj, j, (int)len, &w, &h, &sub, &cs), 0);
	assert_int_equal(w, HOST_STILL_W);
	assert_int_equal(h, HOST_STILL_H);
	assert_int_equal(tjDecompress2(tj, j, (unsigned long)len, pix, w, 0, h,
				       TJPF_RGB, 0), 0);
	/* the COM segment right after SOI names the shot */
	assert_int_equal(j[2], 0xFF);
	assert_int_equal(j[3], 0xFE);
	assert_non_null(memmem(j, 200, name, strlen(name)));
	mem_free(pix);
	tjDestroy(tj);
}

/* S1 and S2 down; focus comes FOCUS_MS later, the shutter opens then. */
static void press_both(struct emu_camera *cam, uint32_t tid)
{
	control_b(cam, tid, SONY_CTL_S1, &down, 2, PTP_RC_OK);
	control_b(cam, tid + 1, SONY_CTL_S2, &down, 2, PTP_RC_OK);
}

static void release_both(struct emu_camera *cam, uint32_t tid)
{
	control_b(cam, tid, SONY_CTL_S2, &up, 2, PTP_RC_OK);
	control_b(cam, tid + 1, SONY_CTL_S1, &up, 2, PTP_RC_OK);
}

static void test_af_shot(void **state)
{
	struct emu_camera *cam = still_camera(NULL);
	struct ptp_object_info oi;
	struct emu_stats st;
	size_t len;
	uint8_t *j;

	(void)state;
	advance_ms(40);
	expect_frame(cam, 20);
	control_b(cam, 19, SONY_CTL_S2, "\x03\x00", 2,
		  PTP_RC_INVALID_DEVICE_PROP_VALUE);
	press_both(cam, 21);
	advance_ms(100);
	expect_no_event(cam);
	expect_frame(cam, 23); /* focus first: the shutter is not open yet */
	advance_ms(FOCUS_MS - 100);
	assert_int_equal(prop_now(cam, SONY_DPC_FOCUS_FOUND, 24), 2);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_FOCUS_FOUND);
	expect_denied(cam, 25); /* exposing: live view withheld */
	advance_ms(EXPOSE_MS - 1);
	expect_denied(cam, 26);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 27), 0);
	advance_ms(1);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 28), 1);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_frame(cam, 29); /* live view is back while it processes */
	release_both(cam, 30);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_FOCUS_FOUND);
	advance_ms(PROCESS_MS - 1);
	expect_no_event(cam);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 32), 1);
	advance_ms(1);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_event(cam, SONY_EC_OBJECT_ADDED, SONY_HANDLE_CAPTURED);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 33), 0x8001);
	object_info(cam, 34, &oi);
	assert_int_equal(oi.format, PTP_OFC_JPEG);
	assert_string_equal(oi.filename, "DSC00001.JPG");
	assert_int_equal(strlen(oi.capture_date), 15);
	assert_int_equal(oi.capture_date[8], 'T');
	assert_int_equal(oi.width, HOST_STILL_W);
	j = get_object(cam, 35, &len);
	assert_int_equal(len, oi.compressed_size);
	check_jpeg(j, len, "DSC00001.JPG");
	mem_free(j);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 36), 0);
	host_cmd(cam, PTP_OC_GET_OBJECT, 37, 1, SONY_HANDLE_CAPTURED, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, 38, 1, SONY_HANDLE_CAPTURED, 0);
	host_response(cam, PTP_RC_INVALID_OBJECT_HANDLE);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.stills, 1);
	assert_int_equal(st.objects_sent, 1);
	emu_camera_destroy(cam);
}

/* Manual focus: the shutter opens at the full press; FocusFound stays. */
static void test_manual_focus_and_names(void **state)
{
	struct emu_camera *cam = still_camera(NULL);
	const uint16_t mf = 1;
	struct ptp_object_info oi;
	size_t len;

	(void)state;
	set_a(cam, 40, SONY_DPC_FOCUS_MODE, &mf, 2);
	for (unsigned shot = 1; shot <= 2; shot++) {
		uint32_t tid = 40 + shot * 10;
		char name[16];

		press_both(cam, tid);
		expect_denied(cam, tid + 2);
		advance_ms(EXPOSE_MS);
		expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
		release_both(cam, tid + 3);
		advance_ms(PROCESS_MS);
		expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
		expect_event(cam, SONY_EC_OBJECT_ADDED, SONY_HANDLE_CAPTURED);
		expect_no_event(cam); /* no FocusFound in manual focus */
		object_info(cam, tid + 5, &oi);
		snprintf(name, sizeof(name), "DSC%05u.JPG", shot);
		assert_string_equal(oi.filename, name);
		mem_free(get_object(cam, tid + 6, &len));
		expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	}
	emu_camera_destroy(cam);
}

/* Released before focus was found: focus priority, no shot. A full press
 * without the half press takes none either. */
static void test_no_shot_without_focus(void **state)
{
	struct emu_camera *cam = still_camera(NULL);
	struct emu_stats st;

	(void)state;
	press_both(cam, 60);
	advance_ms(100);
	release_both(cam, 62);
	advance_ms(3000);
	expect_frame(cam, 64);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 65), 0);
	control_b(cam, 66, SONY_CTL_S2, &down, 2, PTP_RC_OK);
	advance_ms(2000);
	expect_frame(cam, 67);
	control_b(cam, 68, SONY_CTL_S2, &up, 2, PTP_RC_OK);
	expect_no_event(cam);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.stills, 0);
	emu_camera_destroy(cam);
}

/* RAW+JPEG (0x5004 = 0x13): two objects from the same handle, the JPEG
 * first; 0xD215 counts them down. */
static void test_raw_plus_jpeg(void **state)
{
	struct emu_camera *cam = still_camera(NULL);
	const uint8_t rawjpeg = 0x13;
	const uint16_t mf16 = 1;
	struct ptp_object_info oi;
	size_t len;
	uint8_t *o;

	(void)state;
	set_a(cam, 70, SONY_DPC_COMPRESSION, &rawjpeg, 1);
	set_a(cam, 71, SONY_DPC_FOCUS_MODE, &mf16, 2);
	press_both(cam, 72);
	release_both(cam, 74);
	advance_ms(EXPOSE_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	advance_ms(PROCESS_MS);
	expect_no_event(cam); /* RAW takes longer */
	advance_ms(PROCESS_RAW_MS - PROCESS_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_event(cam, SONY_EC_OBJECT_ADDED, SONY_HANDLE_CAPTURED);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 76), 0x8002);
	object_info(cam, 77, &oi);
	assert_int_equal(oi.format, PTP_OFC_JPEG);
	assert_string_equal(oi.filename, "DSC00001.JPG");
	o = get_object(cam, 78, &len);
	check_jpeg(o, len, "DSC00001.JPG");
	mem_free(o);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 79), 0x8001);
	object_info(cam, 80, &oi);
	assert_int_equal(oi.format, SONY_OFC_ARW);
	assert_string_equal(oi.filename, "DSC00001.ARW");
	assert_int_equal(oi.compressed_size, HOST_RAW_BYTES);
	o = get_object(cam, 81, &len);
	assert_int_equal(len, HOST_RAW_BYTES);
	assert_memory_equal(o, "II*\0", 4);
	mem_free(o);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 82), 0);
	emu_camera_destroy(cam);
}

/* Asking for the image while it processes (0xD215 = 1) crashes the body
 * until a Device Reset. */
static void test_early_download_crashes(void **state)
{
	struct emu_camera *cam = still_camera(NULL);
	size_t got;

	(void)state;
	press_both(cam, 90);
	advance_ms(FOCUS_MS + EXPOSE_MS);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 92), 1);
	host_cmd(cam, PTP_OC_GET_OBJECT_INFO, 93, 1, SONY_HANDLE_CAPTURED, 0);
	host_expect_nothing(cam);
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 94, 0, 0, 0);
	host_expect_nothing(cam); /* hung */
	assert_int_equal(emu_camera_control(cam, 0x21, 0x66, 0, 0, NULL, 0, &got), 0);
	host_cmd(cam, PTP_OC_GET_DEVICE_INFO, 95, 0, 0, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_DEVICE_INFO, &got));
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

/* libgphoto2 #981/#1082: C201 when the exposure ends, 0xD215 still 1. */
static void test_object_added_early(void **state)
{
	struct emu_faults f = { .object_added_early = true };
	struct emu_camera *cam = still_camera(&f);

	(void)state;
	press_both(cam, 100);
	advance_ms(FOCUS_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_FOCUS_FOUND);
	advance_ms(EXPOSE_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_event(cam, SONY_EC_OBJECT_ADDED, SONY_HANDLE_CAPTURED);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 102), 1);
	advance_ms(PROCESS_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_no_event(cam); /* announced once, too early */
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 103), 0x8001);
	emu_camera_destroy(cam);
}

static void test_capture_fail_lost_no_event(void **state)
{
	struct emu_faults f = { .capture_fail = 1, .capture_lost = 1,
				.no_capture_event = true };
	struct emu_camera *cam = still_camera(&f);
	const uint16_t mf = 1;
	struct emu_stats st;

	(void)state;
	set_a(cam, 110, SONY_DPC_FOCUS_MODE, &mf, 2);
	/* capture-fail: the full press is refused */
	control_b(cam, 111, SONY_CTL_S1, &down, 2, PTP_RC_OK);
	control_b(cam, 112, SONY_CTL_S2, &down, 2, PTP_RC_GENERAL_ERROR);
	advance_ms(40);
	expect_frame(cam, 113); /* no exposure */
	control_b(cam, 114, SONY_CTL_S1, &up, 2, PTP_RC_OK);
	/* capture-lost: exposed, processed, gone */
	press_both(cam, 115);
	release_both(cam, 117);
	advance_ms(EXPOSE_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	advance_ms(PROCESS_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_no_event(cam);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 119), 0);
	/* no-capture-event: stored, but only 0xD215 says so */
	press_both(cam, 120);
	release_both(cam, 122);
	advance_ms(EXPOSE_MS + PROCESS_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	expect_no_event(cam);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 124), 0x8001);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.stills, 1);
	assert_int_equal(st.faults_injected, 2);
	emu_camera_destroy(cam);
}

/* An image from before waits from power-on; unplugging empties it. */
static void test_stale_image(void **state)
{
	struct emu_faults f = { .stale_image = true };
	struct emu_camera *cam = still_camera(&f);
	struct ptp_object_info oi;

	(void)state;
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 130), 0x8001);
	expect_no_event(cam);
	object_info(cam, 131, &oi);
	assert_string_equal(oi.filename, "DSC00001.JPG");
	emu_camera_unplug(cam);
	emu_camera_replug(cam);
	host_handshake(cam);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 132), 0);
	emu_camera_destroy(cam);
}

/* BULB (0xD20D = 0): exposed while S2 is held. The buffer holds
 * EMU_OBJECTS_MAX images; one more full press answers DeviceBusy. */
static void test_bulb_and_full_buffer(void **state)
{
	struct emu_camera *cam = still_camera(NULL);
	const uint32_t bulb = 0;
	const uint16_t mf = 1;

	(void)state;
	set_a(cam, 140, SONY_DPC_FOCUS_MODE, &mf, 2);
	/* the shutter is a dial on this body (0x9205 refused): turned */
	assert_int_equal(emu_camera_set_prop(cam, SONY_DPC_SHUTTER_SPEED, bulb),
			 0);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_SHUTTER_SPEED);
	press_both(cam, 142);
	advance_ms(5000);
	expect_denied(cam, 144);
	release_both(cam, 145);
	expect_denied(cam, 147); /* read out after the release */
	advance_ms(EXPOSE_MS - 10);
	expect_frame(cam, 148);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	advance_ms(PROCESS_MS);
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 149), 0x8001);
	emu_camera_destroy(cam);

	cam = still_camera(NULL);
	set_a(cam, 150, SONY_DPC_FOCUS_MODE, &mf, 2);
	for (unsigned i = 0; i < EMU_OBJECTS_MAX; i++) {
		press_both(cam, 151 + 4 * i);
		release_both(cam, 153 + 4 * i);
		advance_ms(EXPOSE_MS + PROCESS_MS);
	}
	assert_int_equal(prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, 190),
			 0x8000 + EMU_OBJECTS_MAX);
	control_b(cam, 191, SONY_CTL_S1, &down, 2, PTP_RC_OK);
	control_b(cam, 192, SONY_CTL_S2, &down, 2, PTP_RC_DEVICE_BUSY);
	emu_camera_destroy(cam);
}

/* The full-size default picture: a real JPEG of several MB, encoded on
 * its own thread at the first half-press (real time: the test waits for
 * the image with a generous deadline). */
static void test_full_size_still(void **state)
{
	struct emu_config cfg;
	struct emu_camera *cam;
	struct ptp_object_info oi;
	const uint16_t mf = 1;
	uint64_t deadline = clock_now_ns() + 60ull * 1000000000ull;
	unsigned w, h;
	uint8_t *b;
	size_t len;
	int rc;

	(void)state;
	emu_config_default(&cfg);
	cfg.warmup_ms = 0;
	cam = emu_camera_create(&cfg);
	assert_non_null(cam);
	emu_camera_set_clock(cam, fake_clock, NULL);
	host_handshake(cam);
	set_a(cam, 200, SONY_DPC_FOCUS_MODE, &mf, 2);
	press_both(cam, 201);
	release_both(cam, 203);
	advance_ms(EXPOSE_MS + PROCESS_MS);
	expect_event(cam, SONY_EC_PROP_CHANGED, SONY_DPC_OBJECT_IN_MEMORY);
	/* processing waits for the encoder: look until it is there */
	for (uint32_t tid = 210;; tid++) {
		assert_true(clock_now_ns() < deadline);
		if (prop_now(cam, SONY_DPC_OBJECT_IN_MEMORY, tid) == 0x8001)
			break;
		advance_ms(10);
		clock_sleep_ms(10);
	}
	object_info(cam, 300, &oi);
	assert_int_equal(oi.width, EMU_STILL_WIDTH);
	assert_true(oi.compressed_size > 4u * 1024 * 1024);
	/* the data phase is larger than one host read: read it all */
	host_cmd(cam, PTP_OC_GET_OBJECT, 301, 1, SONY_HANDLE_CAPTURED, 0);
	b = mem_alloc(oi.compressed_size + 12 + HOST_CAP);
	len = 0;
	while (len < oi.compressed_size + 12u) {
		size_t got = 0;

		rc = emu_camera_bulk_in(cam, b + len, HOST_CAP, &got);
		assert_int_equal(rc, 0);
		len += got;
	}
	assert_int_equal(get_u32le(b), oi.compressed_size + 12);
	if (len % 512 == 0) { /* the ZLP that ends a full last packet */
		size_t got = 1;

		assert_int_equal(emu_camera_bulk_in(cam, b, HOST_CAP, &got), 0);
		assert_int_equal(got, 0);
	}
	host_response(cam, PTP_RC_OK);
	/* (above a live-view frame's size cap: checked by hand) */
	assert_memory_equal(b + 12, "\xFF\xD8", 2);
	assert_memory_equal(b + len - 2, "\xFF\xD9", 2);
	assert_int_equal(frame_jpeg_size(b + 12, len - 12, &w, &h), 0);
	assert_int_equal(w, EMU_STILL_WIDTH);
	assert_int_equal(h, EMU_STILL_HEIGHT);
	mem_free(b);
	emu_camera_destroy(cam);
}

/* The focus-frame block after each live-view JPEG: FocalFrameInfo, its
 * AF points Focused once focus is found; opaque bytes when asked. */
static void test_focus_frames_in_liveview(void **state)
{
	struct emu_config cfg;
	struct emu_camera *cam;
	struct sony_liveview lv;
	struct sony_focus fo;
	struct sony_focus_frame fr;
	int why;

	(void)state;
	for (int opaque = 0; opaque <= 1; opaque++) {
		emu_config_default(&cfg);
		cfg.warmup_ms = 0;
		cfg.jitter_us = 0; /* frames on the clock's slots */
		cfg.focus_frames = true;
		cfg.focus_opaque = opaque;
		cam = emu_camera_create(&cfg);
		assert_non_null(cam);
		emu_camera_set_clock(cam, fake_clock, NULL);
		host_handshake(cam);
		for (uint32_t i = 0; i < 8; i++) {
			size_t len;
			uint8_t *b;

			if (i == 4) {
				control_b(cam, 300 + i, SONY_CTL_S1, &down, 2,
					  PTP_RC_OK);
				advance_ms(FOCUS_MS);
			}
			advance_ms(34);
			b = host_liveview(cam, 310 + i, &len);
			host_response(cam, PTP_RC_OK);
			assert_int_equal(sony_liveview_parse(b + 12, len - 12,
							     &lv, &why), 0);
			assert_non_null(lv.focal);
			if (opaque) {
				assert_true(lv.focal_len >= 51 && lv.focal_len <= 105);
				mem_free(b);
				continue;
			}
			assert_int_equal(sony_focus_parse(lv.focal, lv.focal_len,
							  &fo), 0);
			assert_true(fo.s[SONY_FOCUS_AF].count >= 1);
			assert_int_equal(sony_focus_frame_at(lv.focal,
							     lv.focal_len,
							     &fo.s[0], 0,
							     SONY_FOCUS_AF, &fr),
					 0);
			assert_int_equal(fr.state, i < 4 ? 1 : 2);
			mem_free(b);
		}
		emu_camera_destroy(cam);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_af_shot),
		cmocka_unit_test(test_manual_focus_and_names),
		cmocka_unit_test(test_no_shot_without_focus),
		cmocka_unit_test(test_raw_plus_jpeg),
		cmocka_unit_test(test_early_download_crashes),
		cmocka_unit_test(test_object_added_early),
		cmocka_unit_test(test_capture_fail_lost_no_event),
		cmocka_unit_test(test_stale_image),
		cmocka_unit_test(test_bulb_and_full_buffer),
		cmocka_unit_test(test_full_size_still),
		cmocka_unit_test(test_focus_frames_in_liveview),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
