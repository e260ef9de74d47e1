/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* emu: fault specs parse as documented, and each fault shows on the wire
 * as the behaviour it imitates; frame markers parse back and never
 * overread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <turbojpeg.h>

#include <cmocka.h>

#include "test_emu_host.h"

/* ---- parsing ---------------------------------------------------------- */

static void test_parse_every_fault(void **state)
{
	struct emu_faults f;
	char err[128];

	(void)state;
	assert_int_equal(
		emu_fault_parse("busy=3,not-ready=4,truncate-every=5,"
				"badsize-every=6,badoffset-every=7,"
				"garbage-every=8,short-every=9,stall-at=10,"
				"timeout-at=11,unplug-at-frame=12,"
				"hang-after-first,empty-ext-info=13,"
				"denied-no-data,latency=140,zlp-frames,"
				"big-frames",
				&f, err, sizeof(err)),
		0);
	assert_int_equal(f.busy, 3);
	assert_int_equal(f.not_ready, 4);
	assert_int_equal(f.truncate_every, 5);
	assert_int_equal(f.badsize_every, 6);
	assert_int_equal(f.badoffset_every, 7);
	assert_int_equal(f.garbage_every, 8);
	assert_int_equal(f.short_every, 9);
	assert_int_equal(f.stall_at, 10);
	assert_int_equal(f.timeout_at, 11);
	assert_int_equal(f.unplug_at_frame, 12);
	assert_true(f.hang_after_first);
	assert_int_equal(f.empty_ext_info, 13);
	assert_true(f.denied_no_data);
	assert_int_equal(f.latency_ms, 140);
	assert_true(f.zlp_frames);
	assert_true(f.big_frames);
	assert_string_equal(err, "");
}

static void test_parse_empty_and_null(void **state)
{
	struct emu_faults f;

	(void)state;
	memset(&f, 0xAA, sizeof(f));
	assert_int_equal(emu_fault_parse(NULL, &f, NULL, 0), 0);
	assert_int_equal(f.busy, 0);
	assert_false(f.big_frames);
	assert_int_equal(emu_fault_parse("", &f, NULL, 0), 0);
	assert_int_equal(emu_fault_parse("busy=0", &f, NULL, 0), 0);
}

static void test_parse_errors_name_the_item(void **state)
{
	static const char *const bad[] = {
		"nope",		"busy",		 "busy=",	 "busy=-1",
		"busy=1x",	"busy=99999999999", "truncate-every=0",
		"zlp-frames=1", "latency=60001", "busy=1,,zlp-frames",
		",busy=1",	"stall-at",	 "BUSY=1",
	};
	struct emu_faults f;
	char err[128];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(err, 0, sizeof(err));
		assert_int_equal(emu_fault_parse(bad[i], &f, err, sizeof(err)),
				 ALPHAFS_ERR_INVALID);
		assert_true(strncmp(err, "fault \"", 7) == 0);
		/* the whole set is dropped on an error */
		assert_int_equal(f.busy, 0);
	}
	assert_int_equal(emu_fault_parse("busy=2,nope", &f, err, sizeof(err)),
			 ALPHAFS_ERR_INVALID);
	assert_string_equal(err, "fault \"nope\": unknown fault");
	assert_int_equal(f.busy, 0);
	/* a tiny error buffer is still terminated */
	assert_int_equal(emu_fault_parse("nope", &f, err, 4), ALPHAFS_ERR_INVALID);
	assert_int_equal(strlen(err), 3);
}

static void test_help_lists_every_fault(void **state)
{
	static const char *const names[] = {
		"busy=",	    "not-ready=",     "truncate-every=",
		"badsize-every=",   "badoffset-every=", "garbage-every=",
		"short-every=",	    "stall-at=",      "timeout-at=",
		"unplug-at-frame=", "hang-after-first", "empty-ext-info=",
		"denied-no-data",   "latency=",	      "zlp-frames",
		"big-frames",	    "warmup-denied",  "liveview-stuck",
		"no-liveview",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		assert_non_null(strstr(emu_fault_help(), names[i]));
}

/* ---- wire behaviour ------------------------------------------------------ */

static struct emu_camera *faulty(const char *spec)
{
	struct emu_faults f;

	assert_int_equal(emu_fault_parse(spec, &f, NULL, 0), 0);
	fake_now_ns = 1000000000ull;
	return host_camera(&f);
}

/* Polls live view once and returns the dataset container (caller frees);
 * expects OK. */
static uint8_t *frame_ok(struct emu_camera *cam, uint32_t tid, size_t *len)
{
	uint8_t *b;

	advance_ms(34);
	b = host_liveview(cam, tid, len);
	assert_int_equal(get_u16le(b + 4), PTP_TYPE_DATA);
	host_response(cam, PTP_RC_OK);
	return b;
}

static int reject_of(const uint8_t *c, size_t len)
{
	struct sony_liveview lv;
	int why = -1;

	assert_int_equal(sony_liveview_parse(c + 12, len - 12, &lv, &why),
			 ALPHAFS_ERR_REJECTED);
	return why;
}

static void test_busy(void **state)
{
	struct emu_camera *cam = faulty("busy=2");
	struct emu_stats st;
	size_t len;

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	for (uint32_t tid = 1; tid <= 2; tid++) {
		host_cmd(cam, PTP_OC_GET_STORAGE_IDS, tid, 0, 0, 0);
		host_response(cam, PTP_RC_DEVICE_BUSY);
		host_expect_nothing(cam);
	}
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 3, 0, 0, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_STORAGE_IDS, &len));
	host_response(cam, PTP_RC_OK);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.busy, 2);
	assert_int_equal(st.faults_injected, 2);
	emu_camera_destroy(cam);
}

static void test_not_ready(void **state)
{
	struct emu_camera *cam = faulty("not-ready=2");
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	advance_ms(100);
	for (uint32_t tid = 1; tid <= 2; tid++) {
		b = host_liveview(cam, tid, &len);
		assert_int_equal(get_u16le(b + 4), PTP_TYPE_DATA);
		assert_int_equal(len, 28);
		mem_free(b);
		host_response(cam, PTP_RC_ACCESS_DENIED);
	}
	mem_free(frame_ok(cam, 3, &len));
	emu_camera_destroy(cam);
}

static void test_truncate_every(void **state)
{
	struct emu_camera *cam = faulty("truncate-every=2");
	const uint8_t *ds;
	uint32_t off, size;
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	mem_free(frame_ok(cam, 1, &len));
	b = frame_ok(cam, 2, &len);
	ds = b + 12;
	off = get_u32le(ds);
	size = get_u32le(ds + 4);
	/* size matches the cut bytes; no EOI anywhere */
	assert_true(len >= 12 + off + size);
	assert_false(ds[off + size - 2] == 0xFF && ds[off + size - 1] == 0xD9);
	assert_null(memmem(ds + off, size, "\xFF\xD9", 2));
	assert_int_equal(reject_of(b, len), FRAME_REJECT_NO_EOI);
	mem_free(b);
	emu_camera_destroy(cam);
}

static void test_badsize_and_badoffset(void **state)
{
	struct emu_camera *cam = faulty("badsize-every=3,badoffset-every=1");
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	b = frame_ok(cam, 1, &len);
	assert_int_equal(get_u32le(b + 12), 0xFFFFFFFFu);
	assert_int_equal(reject_of(b, len), FRAME_REJECT_OFFSET);
	mem_free(b);
	b = frame_ok(cam, 2, &len);
	assert_int_equal(get_u32le(b + 12), len - 12 + 0x100);
	assert_int_equal(reject_of(b, len), FRAME_REJECT_OFFSET);
	mem_free(b);
	emu_camera_destroy(cam);
	cam = faulty("badsize-every=1");
	host_handshake(cam);
	b = frame_ok(cam, 1, &len);
	assert_true(get_u32le(b + 16) > len - 12 - get_u32le(b + 12));
	assert_int_equal(reject_of(b, len), FRAME_REJECT_SIZE);
	mem_free(b);
	emu_camera_destroy(cam);
}

static uint8_t *garbage_frame(uint32_t seed, size_t *len)
{
	struct emu_config cfg;
	struct emu_camera *cam;
	uint8_t *b;

	emu_config_default(&cfg);
	cfg.warmup_ms = 0; /* the warm-up has its own tests */
	cfg.seed = seed;
	assert_int_equal(emu_fault_parse("garbage-every=1", &cfg.faults, NULL,
					 0), 0);
	cam = emu_camera_create(&cfg);
	fake_now_ns = 1000000000ull;
	emu_camera_set_clock(cam, fake_clock, NULL);
	host_handshake(cam);
	b = frame_ok(cam, 1, len);
	emu_camera_destroy(cam);
	return b;
}

static void test_garbage_is_deterministic(void **state)
{
	size_t la, lb, lc;
	uint8_t *a = garbage_frame(7, &la), *b = garbage_frame(7, &lb);
	uint8_t *c = garbage_frame(8, &lc);

	(void)state;
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	assert_true(lc < 64 || memcmp(a + 12, c + 12, 64) != 0);
	/* random header words: an offset or size out of range */
	assert_true(reject_of(a, la) == FRAME_REJECT_OFFSET ||
		    reject_of(a, la) == FRAME_REJECT_SIZE);
	mem_free(a);
	mem_free(b);
	mem_free(c);
}

static void test_short_every(void **state)
{
	struct emu_camera *cam = faulty("short-every=1");
	size_t len;
	uint8_t *b;
	int rc;

	(void)state;
	host_handshake(cam);
	advance_ms(34);
	host_cmd(cam, PTP_OC_GET_OBJECT, 1, 1, SONY_HANDLE_LIVEVIEW, 0);
	b = host_xfer(cam, &len, &rc);
	assert_int_equal(rc, 0);
	/* the transfer ended with a short packet before `length` */
	assert_true(len < get_u32le(b));
	assert_true(len % 512 != 0);
	mem_free(b);
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

static void test_stall_at(void **state)
{
	struct emu_camera *cam = faulty("stall-at=2");
	uint8_t buf[512];
	size_t got, len;

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 1, 0, 0, 0);
	assert_true(emu_camera_wait(cam, PTP_EP_BULK_IN, 0));
	assert_int_equal(emu_camera_bulk_in(cam, buf, sizeof(buf), &got),
			 ALPHAFS_ERR_PIPE);
	assert_int_equal(emu_camera_bulk_in(cam, buf, sizeof(buf), &got),
			 ALPHAFS_ERR_PIPE);
	assert_int_equal(emu_camera_clear_halt(cam, PTP_EP_BULK_IN), 0);
	host_expect_nothing(cam); /* the response was lost */
	host_cmd(cam, PTP_OC_GET_STORAGE_IDS, 2, 0, 0, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, PTP_OC_GET_STORAGE_IDS, &len));
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

static void test_timeout_at(void **state)
{
	struct emu_camera *cam = faulty("timeout-at=2");

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	host_cmd(cam, 0x1234, 1, 0, 0, 0);
	host_expect_nothing(cam);
	assert_false(emu_camera_wait(cam, PTP_EP_BULK_IN, 10));
	host_cmd(cam, 0x1234, 2, 0, 0, 0);
	host_response(cam, PTP_RC_OPERATION_NOT_SUPPORTED);
	emu_camera_destroy(cam);
}

static void test_unplug_at_frame(void **state)
{
	struct emu_camera *cam = faulty("unplug-at-frame=2");
	uint8_t buf[512];
	size_t got, total = 0, len;
	int rc;

	(void)state;
	host_handshake(cam);
	mem_free(frame_ok(cam, 1, &len));
	advance_ms(34);
	host_cmd(cam, PTP_OC_GET_OBJECT, 2, 1, SONY_HANDLE_LIVEVIEW, 0);
	while ((rc = emu_camera_bulk_in(cam, buf, sizeof(buf), &got)) == 0) {
		assert_int_equal(got, 512);
		total += got;
	}
	assert_int_equal(rc, ALPHAFS_ERR_NO_DEVICE);
	assert_true(total > 0);
	assert_false(emu_camera_plugged(cam));
	assert_int_equal(host_send(cam, PTP_TYPE_COMMAND, 0x1001, 3, NULL, 0),
			 ALPHAFS_ERR_NO_DEVICE);
	emu_camera_destroy(cam);
}

static void test_hang_after_first(void **state)
{
	struct emu_camera *cam = faulty("hang-after-first");
	size_t got, len;

	(void)state;
	host_handshake(cam);
	mem_free(frame_ok(cam, 1, &len));
	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, 2, 0, 0, 0);
	host_expect_nothing(cam);
	advance_ms(5000);
	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, 3, 0, 0, 0);
	host_expect_nothing(cam);
	assert_int_equal(emu_camera_control(cam, 0x21, 0x66, 0, 0, NULL, 0,
					    &got), 0);
	host_handshake(cam);
	mem_free(frame_ok(cam, 4, &len));
	/* one-shot: it does not hang a second time */
	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, 5, 0, 0, 0);
	mem_free(host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO,
			     &len));
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

static void test_empty_ext_info(void **state)
{
	struct emu_camera *cam = faulty("empty-ext-info=2");
	size_t len;
	uint8_t *b;

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	for (uint32_t tid = 1; tid <= 3; tid++) {
		host_cmd(cam, SONY_OC_GET_EXT_DEVICE_INFO, tid, 2, 0x12C, 1);
		b = host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_EXT_DEVICE_INFO,
				&len);
		assert_int_equal(len, tid <= 2 ? 12 : 12 + 84);
		mem_free(b);
		host_response(cam, PTP_RC_OK);
	}
	emu_camera_destroy(cam);
}

static void test_empty_ext_info_through_engine(void **state)
{
	struct emu_config cfg;
	struct emu_camera *cam;
	struct ptp_transport *t;
	struct sony_ext_info ext;
	struct ptp_session s;

	(void)state;
	emu_config_default(&cfg);
	assert_int_equal(emu_fault_parse("empty-ext-info=2", &cfg.faults, NULL,
					 0), 0);
	cam = emu_camera_create(&cfg);
	t = emu_memusb_create(cam);
	ptp_session_init(&s, t);
	assert_int_equal(ptp_open_session(&s, 1), 0);
	assert_int_equal(sony_handshake(&s, &ext), 0);
	assert_int_equal(ext.codes.n, 30);
	sony_ext_info_finish(&ext);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
	emu_camera_destroy(cam);
}

/* The engine and the emulator agree on recovery: a stalled or unanswered
 * transaction fails, ptp_session_reset brings the camera back. */
static void engine_recovers(const char *spec)
{
	struct emu_config cfg;
	struct emu_camera *cam;
	struct ptp_transport *t;
	struct ptp_device_info di;
	struct ptp_session s;
	struct emu_stats st;

	emu_config_default(&cfg);
	assert_int_equal(emu_fault_parse(spec, &cfg.faults, NULL, 0), 0);
	cam = emu_camera_create(&cfg);
	t = emu_memusb_create(cam);
	ptp_session_init(&s, t);
	s.timeout_ms = 100;
	assert_int_equal(ptp_open_session(&s, 1), 0);
	assert_true(ptp_get_device_info(&s, &di) < 0); /* transaction 2 */
	assert_int_equal(ptp_session_reset(&s), 0);
	assert_int_equal(ptp_open_session(&s, 1), 0);
	assert_int_equal(ptp_get_device_info(&s, &di), 0);
	assert_string_equal(di.model, "ILCE-6300");
	ptp_device_info_finish(&di);
	emu_camera_get_stats(cam, &st);
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.sessions_opened, 2);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
	emu_camera_destroy(cam);
}

static void test_engine_recovers_from_stall_and_timeout(void **state)
{
	(void)state;
	engine_recovers("stall-at=2");
	engine_recovers("timeout-at=2");
}

static void test_denied_no_data(void **state)
{
	struct emu_camera *cam = faulty("denied-no-data");
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	b = host_liveview(cam, 1, &len);
	assert_int_equal(get_u16le(b + 4), PTP_TYPE_RESPONSE);
	assert_int_equal(get_u16le(b + 6), PTP_RC_ACCESS_DENIED);
	mem_free(b);
	host_expect_nothing(cam);
	emu_camera_destroy(cam);
}

static void test_latency(void **state)
{
	struct emu_camera *cam = faulty("latency=100");

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_expect_nothing(cam);
	assert_false(emu_camera_wait(cam, PTP_EP_BULK_IN, 0));
	advance_ms(99);
	host_expect_nothing(cam);
	advance_ms(1);
	assert_true(emu_camera_wait(cam, PTP_EP_BULK_IN, 0));
	host_response(cam, PTP_RC_OK);
	emu_camera_destroy(cam);
}

static void check_whole_frame(const uint8_t *c, size_t len, uint64_t seq)
{
	struct sony_liveview lv;
	tjhandle tj = tjInitDecompress();
	int why = -1, w, h, sub, cs;
	uint64_t s, ns;
	uint8_t *pix;

	assert_int_equal(sony_liveview_parse(c + 12, len - 12, &lv, &why), 0);
	assert_int_equal(emu_frame_marker(lv.jpeg, lv.jpeg_len, &s, &ns), 0);
	assert_int_equal(s, seq);
	assert_int_equal(tjDecompressHeader3(tj, lv.jpeg, lv.jpeg_len, &w, &h,
					     &sub, &cs), 0);
	pix = mem_alloc((size_t)w * h * 3);
	assert_int_equal(tjDecompress2(tj, lv.jpeg, lv.jpeg_len, pix, w, 0, h,
				       TJPF_RGB, 0), 0);
	mem_free(pix);
	tjDestroy(tj);
	/* exactly one EOI: at the end */
	assert_ptr_equal(memmem(lv.jpeg, lv.jpeg_len, "\xFF\xD9", 2),
			 lv.jpeg + lv.jpeg_len - 2);
}

static void test_zlp_frames(void **state)
{
	struct emu_camera *cam = faulty("zlp-frames");
	uint8_t *b = mem_alloc(HOST_CAP);
	size_t len, got;

	(void)state;
	host_handshake(cam);
	for (uint32_t tid = 1; tid <= 5; tid++) {
		advance_ms(34);
		host_cmd(cam, PTP_OC_GET_OBJECT, tid, 1, SONY_HANDLE_LIVEVIEW,
			 0);
		/* peek the length with an exact read, as libgphoto2 does */
		assert_int_equal(emu_camera_bulk_in(cam, b, 512, &got), 0);
		len = get_u32le(b);
		assert_int_equal(len % 512, 0);
		assert_int_equal(emu_camera_bulk_in(cam, b + 512, len - 512,
						     &got), 0);
		assert_int_equal(got, len - 512);
		/* the ZLP comes before the response */
		assert_int_equal(emu_camera_bulk_in(cam, b + len, 512, &got), 0);
		assert_int_equal(got, 0);
		check_whole_frame(b, len, tid);
		host_response(cam, PTP_RC_OK);
	}
	mem_free(b);
	emu_camera_destroy(cam);
}

static void test_big_frames(void **state)
{
	struct emu_camera *cam = faulty("big-frames");
	size_t len;
	uint8_t *b;

	(void)state;
	host_handshake(cam);
	b = frame_ok(cam, 1, &len);
	assert_true(len > 512 * 1024);
	check_whole_frame(b, len, 1);
	mem_free(b);
	emu_camera_destroy(cam);
}

static void test_set_faults_restarts_counters(void **state)
{
	struct emu_camera *cam = faulty(NULL);
	struct emu_faults f = { .busy = 1 };

	(void)state;
	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	emu_camera_set_faults(cam, &f);
	host_cmd(cam, 0x1234, 1, 0, 0, 0);
	host_response(cam, PTP_RC_DEVICE_BUSY);
	host_cmd(cam, 0x1234, 2, 0, 0, 0);
	host_response(cam, PTP_RC_OPERATION_NOT_SUPPORTED);
	emu_camera_destroy(cam);
}

/* ---- frame markers ---------------------------------------------------- */

static void test_marker_bounds(void **state)
{
	struct emu_pattern *p = emu_pattern_create(160, 120, 50);
	uint64_t seq, ns;
	struct buf j;
	uint8_t junk[256];
	tjhandle tj = tjInitCompress();
	unsigned char *plain = NULL;
	unsigned long plen = 0;
	uint8_t grey[160 * 120];

	(void)state;
	assert_null(emu_pattern_create(64, 64, 50)); /* no room for it */
	assert_non_null(p);
	buf_init(&j, HOST_CAP);
	assert_int_equal(emu_pattern_render(p, 42, 123456789, NULL, &j), 0);
	assert_int_equal(emu_frame_marker(j.data, j.len, &seq, &ns), 0);
	assert_int_equal(seq, 42);
	assert_int_equal(ns, 123456789);
	/* every prefix is read without a crash; the marker rows come
	 * first, so a JPEG cut after them still carries it, and one cut
	 * before them does not */
	for (size_t n = 0; n < j.len; n += 7) {
		uint8_t *copy = mem_alloc(n ? n : 1);
		int rc;

		memcpy(copy, j.data, n);
		rc = emu_frame_marker(copy, n, &seq, &ns);
		assert_true(rc == ALPHAFS_ERR_MALFORMED || (rc == 0 && seq == 42));
		if (n < 300)
			assert_int_equal(rc, ALPHAFS_ERR_MALFORMED);
		mem_free(copy);
	}
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 89 + 3);
	junk[0] = 0xFF;
	junk[1] = 0xD8;
	assert_int_equal(emu_frame_marker(junk, sizeof(junk), &seq, &ns),
			 ALPHAFS_ERR_MALFORMED);
	assert_int_equal(emu_frame_marker(NULL, 0, &seq, &ns),
			 ALPHAFS_ERR_MALFORMED);
	/* a JPEG from elsewhere carries no marker (the CRC says so) */
	for (size_t i = 0; i < sizeof(grey); i++)
		grey[i] = (uint8_t)(i % 160 < 80 ? 30 : 230);
	assert_int_equal(tjCompress2(tj, grey, 160, 0, 120, TJPF_GRAY, &plain,
				     &plen, TJSAMP_GRAY, 90, 0), 0);
	assert_int_equal(emu_frame_marker(plain, plen, &seq, &ns),
			 ALPHAFS_ERR_MALFORMED);
	tjFree(plain);
	tjDestroy(tj);
	buf_finish(&j);
	emu_pattern_destroy(p);
}

/* The marker survives any quality: flat blocks keep only their DC. */
static void test_marker_any_quality(void **state)
{
	static const unsigned q[] = { 5, 30, 80, 100 };
	uint64_t seq, ns;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(q); i++) {
		struct emu_pattern *p = emu_pattern_create(EMU_SMALL_WIDTH,
							   EMU_SMALL_HEIGHT, q[i]);
		struct buf j;

		buf_init(&j, HOST_CAP);
		assert_int_equal(emu_pattern_render(p, 0xFEDCBA98u, UINT64_MAX - 7,
						    NULL, &j), 0);
		assert_int_equal(emu_frame_marker(j.data, j.len, &seq, &ns), 0);
		assert_int_equal(seq, 0xFEDCBA98u);
		assert_int_equal(ns, UINT64_MAX - 7);
		buf_finish(&j);
		emu_pattern_destroy(p);
	}
}

static void test_frames_change_and_stay_whole(void **state)
{
	struct emu_pattern *p = emu_pattern_create(EMU_DEFAULT_WIDTH,
						   EMU_DEFAULT_HEIGHT, 80);
	struct buf a, b;

	(void)state;
	buf_init(&a, HOST_CAP);
	buf_init(&b, HOST_CAP);
	assert_int_equal(emu_pattern_render(p, 1, 0, NULL, &a), 0);
	assert_int_equal(emu_pattern_render(p, 2, 0, NULL, &b), 0);
	assert_int_equal(frame_jpeg_check(a.data, a.len), -1);
	assert_int_equal(frame_jpeg_check(b.data, b.len), -1);
	/* Sony's structure: FF D8 FF DB, no JFIF APP0, no COM */
	assert_memory_equal(a.data, "\xFF\xD8\xFF\xDB", 4);
	assert_null(memmem(a.data, a.len, "\xFF\xE0", 2));
	assert_null(memmem(a.data, a.len, "\xFF\xFE", 2));
	/* the pictures differ (scene and marker) */
	assert_true(a.len != b.len || memcmp(a.data, b.data, a.len) != 0);
	buf_finish(&a);
	buf_finish(&b);
	emu_pattern_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_every_fault),
		cmocka_unit_test(test_parse_empty_and_null),
		cmocka_unit_test(test_parse_errors_name_the_item),
		cmocka_unit_test(test_help_lists_every_fault),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_not_ready),
		cmocka_unit_test(test_truncate_every),
		cmocka_unit_test(test_badsize_and_badoffset),
		cmocka_unit_test(test_garbage_is_deterministic),
		cmocka_unit_test(test_short_every),
		cmocka_unit_test(test_stall_at),
		cmocka_unit_test(test_timeout_at),
		cmocka_unit_test(test_unplug_at_frame),
		cmocka_unit_test(test_hang_after_first),
		cmocka_unit_test(test_empty_ext_info),
		cmocka_unit_test(test_empty_ext_info_through_engine),
		cmocka_unit_test(test_engine_recovers_from_stall_and_timeout),
		cmocka_unit_test(test_denied_no_data),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_zlp_frames),
		cmocka_unit_test(test_big_frames),
		cmocka_unit_test(test_set_faults_restarts_counters),
		cmocka_unit_test(test_marker_bounds),
		cmocka_unit_test(test_marker_any_quality),
		cmocka_unit_test(test_frames_change_and_stay_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
