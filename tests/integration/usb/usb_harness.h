/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the tests that run under alphafs-emulator: the alphafs
 * client goes through the real libusb to the emulated camera. The launcher
 * exports ALPHAFS_EMU_PORT / ALPHAFS_EMU_SERIAL, and with --control
 * ALPHAFS_EMU_CONTROL (a FIFO; replies come on FIFO.ack).
 */
#ifndef ALPHAFS_TEST_USB_HARNESS_H
#define ALPHAFS_TEST_USB_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu/emu.h"
#include "frame/frame.h"
#include "ptp/ptp.h"
#include "sony/sony.h"
#include "usb/usb.h"

#define HARNESS_ACK_WAIT_MS 5000

/* Opens the first camera through the real libusb; fails the test if it
 * cannot. */
static inline struct ptp_transport *harness_open(void)
{
	struct usb_selector sel = { .kind = USB_SELECT_FIRST };
	struct err_detail err = { 0 };
	struct ptp_transport *t = NULL;
	int r = usb_transport_open(NULL, &sel, &t, &err);

	if (r < 0)
		fprintf(stderr, "usb_transport_open: %s: %s\n",
			alphafs_err_name(r), err.msg);
	return t;
}

/* Sends one control line to the launcher and waits for its "ok" reply.
 * Returns 0, or -1 with a message on stderr. */
static inline int harness_control(const char *line)
{
	const char *fifo = getenv("ALPHAFS_EMU_CONTROL");
	char ack[512], reply[600];
	int afd, cfd;
	size_t n = 0;
	ssize_t got;

	if (!fifo)
		return fprintf(stderr, "no ALPHAFS_EMU_CONTROL\n"), -1;
	snprintf(ack, sizeof(ack), "%s.ack", fifo);
	afd = open(ack, O_RDONLY | O_NONBLOCK);
	cfd = open(fifo, O_WRONLY);
	if (afd < 0 || cfd < 0)
		return fprintf(stderr, "control fifo: %s\n", strerror(errno)),
		       -1;
	dprintf(cfd, "%s\n", line);
	close(cfd);
	while (n < sizeof(reply) - 1) {
		struct pollfd p = { .fd = afd, .events = POLLIN };
		if (poll(&p, 1, HARNESS_ACK_WAIT_MS) <= 0)
			break;
		got = read(afd, reply + n, 1);
		if (got <= 0)
			continue;
		if (reply[n] == '\n')
			break;
		n++;
	}
	reply[n] = '\0';
	close(afd);
	if (strncmp(reply, "ok", 2) != 0)
		return fprintf(stderr, "control '%s': '%s'\n", line, reply), -1;
	return 0;
}

#define BULK_CAP (512u * 2048) /* a multiple of wMaxPacketSize */
#define MAX_PACKET 512
#define IO_TIMEOUT_MS 3000
#define FRAME_BUDGET_MS 60000 /* a bound, not an assertion on speed */
#define POLL_PAUSE_MS 5
/* Live view is up within this (the emulator's warm-up is 1 s). */
#define LIVEVIEW_UP_BUDGET_MS 30000
#define LIVEVIEW_HANDLE 0xFFFFC002u
#define OP_GET_DEVICE_INFO 0x1001
#define OP_GET_OBJECT 0x1009
#define RC_OK 0x2001
#define RC_DEVICE_BUSY 0x2019

/* ---- small helpers ------------------------------------------------------- */

static inline void put_command(uint8_t *b, size_t len, uint16_t code, uint32_t tid,
			uint32_t p1)
{
	ptp_header_encode(b, (uint32_t)len, PTP_TYPE_COMMAND, code, tid);
	if (len > PTP_HEADER_SIZE)
		put_u32le(b + PTP_HEADER_SIZE, p1);
}

static inline void read_header(const uint8_t *b, size_t got, struct ptp_header *h)
{
	assert_true(got >= PTP_HEADER_SIZE);
	assert_int_equal(ptp_header_decode(b, got, h), 0);
}

/* Waits (condition: 0xD221 LiveViewStatus reads 1, within a generous
 * deadline) for the emulated body's live-view warm-up to end. */
static inline void wait_liveview_up(struct ptp_session *s)
{
	uint64_t deadline = clock_now_ms() + LIVEVIEW_UP_BUDGET_MS;
	int status = -1;

	while (status != 1 && clock_now_ms() < deadline) {
		struct sony_prop_table t;
		const struct ptp_prop_desc *d;

		assert_int_equal(sony_props_fetch(s, SONY_PROTOCOL_200, &t), 0);
		d = sony_props_find(&t, SONY_DPC_LIVEVIEW_STATUS);
		assert_non_null(d);
		status = (int)d->current.u;
		sony_props_finish(&t);
		if (status != 1)
			clock_sleep_ms(POLL_PAUSE_MS);
	}
	assert_int_equal(status, 1);
}

static inline void open_and_handshake(struct ptp_transport *t, struct ptp_session *s)
{
	struct sony_ext_info ext = { 0 };

	ptp_session_init(s, t);
	s->timeout_ms = IO_TIMEOUT_MS;
	assert_int_equal(ptp_open_session(s, 1), 0);
	assert_int_equal(sony_handshake(s, &ext), 0);
	assert_int_equal(ext.version, SONY_PROTOCOL_200);
	sony_ext_info_finish(&ext);
	wait_liveview_up(s);
}

/* One live-view frame: retries "no new frame yet" within a bound. */
static inline int fetch_frame(struct ptp_session *s, struct frame **out)
{
	uint64_t deadline = clock_now_ms() + FRAME_BUDGET_MS;
	struct sony_lv_result res;
	int r;

	do {
		memset(&res, 0, sizeof(res));
		r = sony_liveview_fetch(s, &res);
		if (r == ALPHAFS_ERR_AGAIN)
			clock_sleep_ms(POLL_PAUSE_MS);
	} while (r == ALPHAFS_ERR_AGAIN && clock_now_ms() < deadline);
	*out = r == 0 ? res.frame : NULL;
	return r;
}

static inline uint64_t frame_seq(const struct frame *f)
{
	uint64_t seq = 0, ns = 0;

	assert_int_equal(emu_frame_marker(f->jpeg, f->len, &seq, &ns), 0);
	return seq;
}

#endif
