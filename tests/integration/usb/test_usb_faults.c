/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Injected faults through the real libusb: each scenario runs under
 * alphafs-emulator started with the fault named in meson.build, and checks
 * that the client ends in the documented behaviour. argv[1] names the
 * scenario.
 */
#include <pthread.h>

#include "usb_harness.h"

#define OP_SET_CONTROL_A 0x9205
#define PROP_PRIORITY_MODE 0xD25A
#define RECOVERY_FRAMES 5

static void recover(struct ptp_transport *t, struct ptp_session *s)
{
	struct frame *f = NULL;

	assert_int_equal(ptp_session_reset(s), 0);
	ptp_session_finish(s);
	open_and_handshake(t, s);
	for (int i = 0; i < RECOVERY_FRAMES; i++) {
		assert_int_equal(fetch_frame(s, &f), 0);
		frame_unref(f);
	}
}

/*
 * Only the engine's timeout can tell a response the camera lost (stall-at,
 * timeout-at), so those tests need one. A timing assumption: every answer
 * before the fault comes well within it. The emulator answers in
 * milliseconds; 2 s leaves room for a loaded machine, and a lost response
 * costs the test no more than that.
 */
#define LOST_RESPONSE_TIMEOUT_MS 2000

/* ---- usb-claimed: gvfs holds the interface ---------------------------- */

static void test_claimed_by_gvfs(void **state)
{
	struct usb_selector sel = { .kind = USB_SELECT_FIRST };
	struct err_detail err = { 0 };
	struct ptp_transport *t = NULL;

	(void)state;
	assert_int_equal(usb_transport_open(NULL, &sel, &t, &err),
			 ALPHAFS_ERR_BUSY);
	assert_null(t);
	assert_non_null(strstr(err.msg, "gvfs-gphoto2-volume-monitor"));
	assert_non_null(strstr(err.msg, "gio mount -s gphoto2"));
	/* Released (gvfs stopped): the same call now succeeds. */
	assert_int_equal(harness_control("fault "), 0);
	err_clear(&err);
	assert_int_equal(usb_transport_open(NULL, &sel, &t, &err), 0);
	ptp_transport_destroy(t);
}

/* ---- stall-at: bulk IN halts mid-session --------------------------------- */

static void test_stall_cleared_and_recovered(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct frame *f = NULL;
	int r = 0, frames = 0;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	s.timeout_ms = LOST_RESPONSE_TIMEOUT_MS;
	while (frames < 50 && (r = fetch_frame(&s, &f)) == 0) {
		frame_unref(f);
		frames++;
	}
	/* The engine clears the halt (CLEAR_FEATURE through libusb) and
	 * reads on; the camera lost that response (dossier §1.6), so the
	 * transaction ends in PIPE or TIMEOUT with the pipe out of step;
	 * a session reset brings live view back. */
	assert_true(r == ALPHAFS_ERR_PIPE || r == ALPHAFS_ERR_TIMEOUT);
	assert_true(s.halts_cleared > 0);
	assert_true(s.desynced);
	s.timeout_ms = IO_TIMEOUT_MS;
	recover(t, &s);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

/* ---- zlp-frames: containers of exact 512 multiples ------------------------ */

static size_t raw_get_frame_start(struct ptp_transport *t, uint32_t tid,
				  uint8_t *b, struct ptp_header *h)
{
	uint8_t cmd[PTP_HEADER_SIZE + 4];
	size_t got = 0;

	put_command(cmd, sizeof(cmd), OP_GET_OBJECT, tid, LIVEVIEW_HANDLE);
	assert_int_equal(t->ops->bulk_out(t, cmd, sizeof(cmd), IO_TIMEOUT_MS),
			 0);
	/* First packet only: a full one, since the frame is padded. */
	assert_int_equal(t->ops->bulk_in(t, b, MAX_PACKET, &got,
					 IO_TIMEOUT_MS),
			 0);
	read_header(b, got, h);
	return got;
}

static void read_response(struct ptp_transport *t, uint8_t *b, uint16_t *rc)
{
	struct ptp_header h;
	size_t got = 0;

	assert_int_equal(t->ops->bulk_in(t, b, MAX_PACKET, &got, IO_TIMEOUT_MS),
			 0);
	read_header(b, got, &h);
	assert_int_equal(h.type, PTP_TYPE_RESPONSE);
	*rc = h.code;
}

/*
 * dossier §1.4: a container of an exact multiple of 512 ends with a ZLP.
 * Read exactly to its length, the ZLP stays queued and the next read gets
 * 0 bytes; then the response.
 */
static void test_zlp_boundary_raw(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	static uint8_t b[BULK_CAP];
	struct ptp_header h;
	uint16_t rc = 0;
	size_t got;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	for (uint32_t tid = s.next_tid; rc != RC_OK; tid++) {
		/* A timing assumption that load cannot break: the emulated
		 * sensor's frames follow the clock (60 fps under the launcher's
		 * --fps), so at least 40 ms after the last one a new frame is
		 * there, however late this thread runs. */
		clock_sleep_ms(40);
		got = raw_get_frame_start(t, tid, b, &h);
		assert_int_equal(got, MAX_PACKET);
		assert_int_equal(h.type, PTP_TYPE_DATA);
		assert_int_equal(h.length % MAX_PACKET, 0);
		if (h.length > MAX_PACKET) {
			assert_int_equal(t->ops->bulk_in(t, b, h.length - got,
							 &got, IO_TIMEOUT_MS),
					 0);
			assert_int_equal(got, h.length - MAX_PACKET);
		}
		assert_int_equal(t->ops->bulk_in(t, b, MAX_PACKET, &got,
						 IO_TIMEOUT_MS),
				 0);
		assert_int_equal(got, 0); /* the ZLP */
		read_response(t, b, &rc);
		s.next_tid = tid + 1;
	}
	/* With room to spare, the ZLP ends the host transfer at the length. */
	clock_sleep_ms(40);
	uint8_t cmd[PTP_HEADER_SIZE + 4];
	put_command(cmd, sizeof(cmd), OP_GET_OBJECT, s.next_tid,
		    LIVEVIEW_HANDLE);
	assert_int_equal(t->ops->bulk_out(t, cmd, sizeof(cmd), IO_TIMEOUT_MS),
			 0);
	assert_int_equal(t->ops->bulk_in(t, b, BULK_CAP, &got, IO_TIMEOUT_MS),
			 0);
	read_header(b, got, &h);
	assert_int_equal(got, h.length);
	read_response(t, b, &rc);
	s.next_tid++;
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

static void test_zlp_frames_through_engine(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct frame *f = NULL;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	for (int i = 0; i < 20; i++) {
		assert_int_equal(fetch_frame(&s, &f), 0);
		frame_unref(f);
	}
	assert_true(s.zlps_skipped > 0);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

/*
 * OUT side: a data phase of exactly 512 bytes must be followed by a ZLP
 * (with URB_ZERO_PACKET, or as a separate transfer when usbfs lacks it);
 * the camera answers, whatever it thinks of the value.
 */
static void test_zlp_out_data_phase(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	static uint8_t b[BULK_CAP];
	uint8_t cmd[PTP_HEADER_SIZE + 4];
	uint16_t rc = 0;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	put_command(cmd, sizeof(cmd), OP_SET_CONTROL_A, s.next_tid,
		    PROP_PRIORITY_MODE);
	memset(b, 0, MAX_PACKET);
	ptp_header_encode(b, MAX_PACKET, PTP_TYPE_DATA, OP_SET_CONTROL_A,
			  s.next_tid);
	b[PTP_HEADER_SIZE] = 1;
	assert_int_equal(t->ops->bulk_out(t, cmd, sizeof(cmd), IO_TIMEOUT_MS),
			 0);
	assert_int_equal(t->ops->bulk_out(t, b, MAX_PACKET, IO_TIMEOUT_MS), 0);
	read_response(t, b, &rc);
	assert_true(rc >= RC_OK);
	s.next_tid++;
	/* The next container goes out at once: the emulated device stalls a
	 * container that starts while the ZLP is still owed. */
	struct ptp_header h;
	size_t got = 0;
	put_command(cmd, PTP_HEADER_SIZE, OP_GET_DEVICE_INFO, s.next_tid, 0);
	assert_int_equal(t->ops->bulk_out(t, cmd, PTP_HEADER_SIZE,
					  IO_TIMEOUT_MS),
			 0);
	assert_int_equal(t->ops->bulk_in(t, b, BULK_CAP, &got, IO_TIMEOUT_MS),
			 0);
	read_header(b, got, &h);
	assert_int_equal(h.code, OP_GET_DEVICE_INFO);
	read_response(t, b, &rc);
	assert_int_equal(rc, RC_OK);
	s.next_tid++;
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

/* ---- short-every: a data phase cut short by a short packet --------------- */

static void test_short_data_phase_never_published(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct frame *f = NULL;
	int whole = 0, cut = 0;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	while (whole < 12 && cut < 4) {
		int r = fetch_frame(&s, &f);
		if (r == 0) {
			assert_int_equal(frame_jpeg_check(f->jpeg, f->len), -1);
			frame_unref(f);
			whole++;
			continue;
		}
		/* Cut short: an error, never a frame; the session resyncs. */
		assert_true(r == ALPHAFS_ERR_TRUNCATED ||
			    r == ALPHAFS_ERR_PROTOCOL ||
			    r == ALPHAFS_ERR_REJECTED);
		assert_null(f);
		cut++;
		if (s.desynced)
			recover(t, &s);
	}
	assert_true(cut > 0);
	assert_true(whole >= 4);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

/* ---- timeout-at: a transaction that never gets its response ------------- */

static void test_timeout_then_reset(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct frame *f = NULL;
	int r;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	s.timeout_ms = LOST_RESPONSE_TIMEOUT_MS;
	while ((r = fetch_frame(&s, &f)) == 0)
		frame_unref(f);
	assert_int_equal(r, ALPHAFS_ERR_TIMEOUT);
	assert_true(s.desynced);
	s.timeout_ms = IO_TIMEOUT_MS;
	recover(t, &s);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

/* ---- unplug-at-frame: the cable is pulled mid-transfer ------------------ */

/* 300 ms only makes it likely that the unplug lands while the wait is in
 * progress; landing before it is the same case seen earlier (the wait
 * fails at once with NO_DEVICE). Not an assumption the test depends on. */
static void *unplug_later(void *arg)
{
	(void)arg;
	clock_sleep_ms(300);
	harness_control("unplug");
	return NULL;
}

static void expect_gone(struct ptp_transport *t)
{
	uint8_t b[64] = { 0 };
	size_t got;

	assert_int_equal(t->ops->bulk_out(t, b, PTP_HEADER_SIZE, 100),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(t->ops->bulk_in(t, b, sizeof(b), &got, 100),
			 ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, 100),
			 ALPHAFS_ERR_NO_DEVICE);
}

static struct ptp_transport *reopen_by_serial(void)
{
	struct usb_selector sel = { .kind = USB_SELECT_SERIAL };
	struct err_detail err = { 0 };
	struct ptp_transport *t = NULL;

	snprintf(sel.serial, sizeof(sel.serial), "%s",
		 getenv("ALPHAFS_EMU_SERIAL"));
	assert_int_equal(usb_transport_open(NULL, &sel, &t, &err), 0);
	return t;
}

static void test_unplug_mid_frame_then_replug(void **state)
{
	struct ptp_transport *t = harness_open();
	struct ptp_session s;
	struct frame *f = NULL;
	int r, frames = 0;

	(void)state;
	assert_non_null(t);
	open_and_handshake(t, &s);
	while ((r = fetch_frame(&s, &f)) == 0) {
		frame_unref(f);
		frames++;
	}
	assert_int_equal(r, ALPHAFS_ERR_NO_DEVICE);
	assert_int_equal(frames, 4); /* unplug-at-frame=5 */
	expect_gone(t);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);

	/* Back with the same serial at the next device number. */
	assert_int_equal(harness_control("replug"), 0);
	t = reopen_by_serial();
	assert_string_not_equal(t->name, getenv("ALPHAFS_EMU_PORT"));
	open_and_handshake(t, &s);
	assert_int_equal(fetch_frame(&s, &f), 0);
	frame_unref(f);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

/* An unplug while the client waits on the interrupt pipe ends the wait
 * with NO_DEVICE (pending URBs complete with -ESHUTDOWN). */
static void test_unplug_during_event_wait(void **state)
{
	struct ptp_transport *t;
	pthread_t th;
	uint8_t b[64];
	size_t got;

	(void)state;
	assert_int_equal(harness_control("replug"), 0);
	t = reopen_by_serial();
	pthread_create(&th, NULL, unplug_later, NULL);
	/* The wait's timeout is a hang guard: the unplug ends it. */
	assert_int_equal(t->ops->event_in(t, b, sizeof(b), &got, 60000),
			 ALPHAFS_ERR_NO_DEVICE);
	pthread_join(th, NULL);
	expect_gone(t);
	ptp_transport_destroy(t);
}

#define GROUP(name, tests) { name, tests, sizeof(tests) / sizeof(tests[0]) }

static const struct CMUnitTest claimed[] = {
	cmocka_unit_test(test_claimed_by_gvfs),
};
static const struct CMUnitTest stall[] = {
	cmocka_unit_test(test_stall_cleared_and_recovered),
};
static const struct CMUnitTest zlp[] = {
	cmocka_unit_test(test_zlp_boundary_raw),
	cmocka_unit_test(test_zlp_frames_through_engine),
	cmocka_unit_test(test_zlp_out_data_phase),
};
static const struct CMUnitTest no_zlp_cap[] = {
	cmocka_unit_test(test_zlp_out_data_phase),
};
static const struct CMUnitTest shortp[] = {
	cmocka_unit_test(test_short_data_phase_never_published),
};
static const struct CMUnitTest timeout[] = {
	cmocka_unit_test(test_timeout_then_reset),
};
static const struct CMUnitTest unplug[] = {
	cmocka_unit_test(test_unplug_mid_frame_then_replug),
	cmocka_unit_test(test_unplug_during_event_wait),
};

static const struct {
	const char *name;
	const struct CMUnitTest *tests;
	size_t n;
} scenarios[] = {
	GROUP("claimed", claimed),   GROUP("stall", stall),
	GROUP("zlp", zlp),	     GROUP("no-zlp-cap", no_zlp_cap),
	GROUP("short", shortp),	     GROUP("timeout", timeout),
	GROUP("unplug", unplug),
};

int main(int argc, char **argv)
{
	const char *sc = argc > 1 ? argv[1] : "";

	log_init();
	for (size_t i = 0; i < ARRAY_LEN(scenarios); i++)
		if (!strcmp(sc, scenarios[i].name))
			return _cmocka_run_group_tests(
				scenarios[i].name, scenarios[i].tests,
				scenarios[i].n, NULL, NULL);
	fprintf(stderr, "unknown scenario '%s'\n", sc);
	return 2;
}
