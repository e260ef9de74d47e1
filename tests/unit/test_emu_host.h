/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A byte-level USB host for the emulated camera's unit tests: sends command
 * and data containers on bulk OUT and reads whole IN transfers, with a fake
 * clock the test drives. Include after <cmocka.h>.
 */
#ifndef ALPHAFS_TEST_EMU_HOST_H
#define ALPHAFS_TEST_EMU_HOST_H

#include "emu/emu_internal.h"

/* A read cap that takes any transfer whole (a multiple of 512). */
#define HOST_CAP (2u * 1024 * 1024)
#define FRAME_NS (1000000000ull / 30)
#define HOST_STILL_W 320
#define HOST_STILL_H 240
#define HOST_RAW_BYTES 5000

static uint64_t fake_now_ns = 1000000000ull;

static inline uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now_ns;
}

static inline void advance_ms(uint64_t ms)
{
	fake_now_ns += ms * 1000000ull;
}

/* A camera on the fake clock with the given faults (NULL: none). Live
 * view is up right after the handshake (warmup_ms 0) and frames are ready
 * exactly on the frame clock's slots (jitter_us 0): the warm-up and the
 * jitter have tests of their own (host_camera_warm). Stills are
 * HOST_STILL_W x HOST_STILL_H, ARWs HOST_RAW_BYTES. */
static inline struct emu_camera *host_camera(const struct emu_faults *f)
{
	struct emu_config cfg;
	struct emu_camera *cam;

	emu_config_default(&cfg);
	cfg.warmup_ms = 0;
	cfg.jitter_us = 0;
	/* Small stills, encoded at once: the full-size picture is encoded on
	 * a thread of its own, in real time (test_emu_still.c checks it). */
	cfg.still_width = HOST_STILL_W;
	cfg.still_height = HOST_STILL_H;
	cfg.raw_bytes = HOST_RAW_BYTES;
	if (f)
		cfg.faults = *f;
	cam = emu_camera_create(&cfg);
	assert_non_null(cam);
	emu_camera_set_clock(cam, fake_clock, NULL);
	return cam;
}

static inline int host_send(struct emu_camera *cam, uint16_t type,
			    uint16_t code, uint32_t tid, const uint32_t *p,
			    unsigned n)
{
	uint8_t c[PTP_HEADER_SIZE + 4 * PTP_MAX_PARAMS];

	ptp_header_encode(c, (uint32_t)(PTP_HEADER_SIZE + 4 * n), type, code,
			  tid);
	for (unsigned i = 0; i < n; i++)
		put_u32le(c + PTP_HEADER_SIZE + 4 * i, p[i]);
	return emu_camera_bulk_out(cam, c, PTP_HEADER_SIZE + 4 * n);
}

static inline void host_cmd(struct emu_camera *cam, uint16_t code,
			    uint32_t tid, unsigned n, uint32_t p1, uint32_t p2)
{
	uint32_t p[PTP_MAX_PARAMS] = { p1, p2 };

	assert_int_equal(host_send(cam, PTP_TYPE_COMMAND, code, tid, p, n), 0);
}

static inline void host_data_out(struct emu_camera *cam, uint16_t code,
				 uint32_t tid, const void *d, size_t len)
{
	uint8_t c[64];

	assert_true(len + PTP_HEADER_SIZE <= sizeof(c));
	ptp_header_encode(c, (uint32_t)(PTP_HEADER_SIZE + len), PTP_TYPE_DATA,
			  code, tid);
	memcpy(c + PTP_HEADER_SIZE, d, len);
	assert_int_equal(emu_camera_bulk_out(cam, c, PTP_HEADER_SIZE + len), 0);
}

/* Reads one whole IN transfer into a fresh buffer (caller frees). */
static inline uint8_t *host_xfer(struct emu_camera *cam, size_t *len,
				 int *rc)
{
	uint8_t *b = mem_alloc(HOST_CAP);

	assert_non_null(b);
	*rc = emu_camera_bulk_in(cam, b, HOST_CAP, len);
	return b;
}

/* Expects a transfer holding exactly one container of the given type and
 * code; returns it (caller frees) and its length. */
static inline uint8_t *host_expect(struct emu_camera *cam, uint16_t type,
				   uint16_t code, size_t *len)
{
	int rc;
	uint8_t *b = host_xfer(cam, len, &rc);

	assert_int_equal(rc, 0);
	assert_true(*len >= PTP_HEADER_SIZE);
	assert_int_equal(get_u32le(b), *len);
	assert_int_equal(get_u16le(b + 4), type);
	assert_int_equal(get_u16le(b + 6), code);
	return b;
}

/* Expects a response with code rc; returns its first parameter. */
static inline uint32_t host_response(struct emu_camera *cam, uint16_t rc)
{
	size_t len;
	uint8_t *b = host_expect(cam, PTP_TYPE_RESPONSE, rc, &len);
	uint32_t p1 = len >= PTP_HEADER_SIZE + 4 ? get_u32le(b + 12) : 0;

	mem_free(b);
	return p1;
}

/* Nothing (more) to read on bulk IN. */
static inline void host_expect_nothing(struct emu_camera *cam)
{
	uint8_t b[512];
	size_t got;

	assert_int_equal(emu_camera_bulk_in(cam, b, sizeof(b), &got),
			 ALPHAFS_ERR_AGAIN);
}

/* OpenSession(1) and the Sony handshake (dossier §3.2 order). */
static inline void host_handshake(struct emu_camera *cam)
{
	size_t len;

	host_cmd(cam, PTP_OC_OPEN_SESSION, 0, 1, 1, 0);
	host_response(cam, PTP_RC_OK);
	for (uint32_t ph = 1; ph <= 3; ph++) {
		host_cmd(cam, SONY_OC_SDIO_CONNECT, ph, 3, ph, 0);
		mem_free(host_expect(cam, PTP_TYPE_DATA, SONY_OC_SDIO_CONNECT,
				     &len));
		host_response(cam, PTP_RC_OK);
		if (ph != 2)
			continue;
		host_cmd(cam, SONY_OC_GET_EXT_DEVICE_INFO, 10, 1, 0xC8, 0);
		mem_free(host_expect(cam, PTP_TYPE_DATA,
				     SONY_OC_GET_EXT_DEVICE_INFO, &len));
		host_response(cam, PTP_RC_OK);
	}
}

/* GetObject(0xFFFFC002) with tid; returns the first IN transfer (the
 * data container, or the response when no data phase came). */
static inline uint8_t *host_liveview(struct emu_camera *cam, uint32_t tid,
				     size_t *len)
{
	int rc;
	uint8_t *b;

	host_cmd(cam, PTP_OC_GET_OBJECT, tid, 1, SONY_HANDLE_LIVEVIEW, 0);
	b = host_xfer(cam, len, &rc);
	assert_int_equal(rc, 0);
	return b;
}

/* "No new frame": the 16-byte empty dataset, then AccessDenied. */
static inline void expect_denied(struct emu_camera *cam, uint32_t tid)
{
	static const uint8_t zero16[16] = { 0 };
	size_t len;
	uint8_t *b = host_liveview(cam, tid, &len);

	assert_int_equal(get_u16le(b + 4), PTP_TYPE_DATA);
	assert_int_equal(len, 28);
	assert_memory_equal(b + 12, zero16, 16);
	mem_free(b);
	host_response(cam, PTP_RC_ACCESS_DENIED);
}

/* The next event on the interrupt pipe is (code, p1). */
static inline void expect_event(struct emu_camera *cam, uint16_t code, uint32_t p1)
{
	uint8_t b[32];
	size_t got;

	assert_int_equal(emu_camera_interrupt_in(cam, b, sizeof(b), &got), 0);
	assert_int_equal(got, 16);
	assert_int_equal(get_u32le(b), 16);
	assert_int_equal(get_u16le(b + 4), PTP_TYPE_EVENT);
	assert_int_equal(get_u16le(b + 6), code);
	assert_int_equal(get_u32le(b + 8), 0xFFFFFFFFu);
	assert_int_equal(get_u32le(b + 12), p1);
}

static inline void expect_no_event(struct emu_camera *cam)
{
	uint8_t b[32];
	size_t got;

	assert_int_equal(emu_camera_interrupt_in(cam, b, sizeof(b), &got),
			 ALPHAFS_ERR_AGAIN);
}

/* The current value of code, read with 0x9209. */
static inline uint64_t prop_now(struct emu_camera *cam, uint16_t code, uint32_t tid)
{
	struct sony_prop_table t = { 0 };
	uint64_t v;
	size_t len;
	uint8_t *b;

	host_cmd(cam, SONY_OC_GET_ALL_PROP_INFO, tid, 0, 0, 0);
	b = host_expect(cam, PTP_TYPE_DATA, SONY_OC_GET_ALL_PROP_INFO, &len);
	host_response(cam, PTP_RC_OK);
	assert_int_equal(sony_props_parse(b + 12, len - 12, SONY_PROTOCOL_200, &t), 0);
	v = sony_props_find(&t, code)->current.u;
	sony_props_finish(&t);
	mem_free(b);
	return v;
}

static inline void control_b(struct emu_camera *cam, uint32_t tid, uint16_t code,
		      const void *d, size_t n, uint16_t rc)
{
	host_cmd(cam, SONY_OC_SET_CONTROL_B, tid, 1, code, 0);
	host_expect_nothing(cam); /* waits for the data phase */
	host_data_out(cam, SONY_OC_SET_CONTROL_B, tid, d, n);
	host_response(cam, rc);
}

#endif
