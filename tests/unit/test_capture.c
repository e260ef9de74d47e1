/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcap module: record parsers (golden and malformed records of each link
 * type), pipe reassembly (containers across transfers, several in one,
 * headers split, ZLPs, cut records, lost headers), extraction from a
 * capture recorded from the emulated camera, and the replay transport
 * driven by the daemon's own engine and Sony code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "capgen.h"
#include "pcap/capture.h"
#include "pcap/replay_internal.h"
#include "sony/sony.h"

/* ---- record parsers --------------------------------------------------------- */

/* A usbmon (mmapped) GET_DESCRIPTOR submission as Wireshark shows one:
 * URB id, 'S', control, ep 0x80, device 40, bus 2, setup present, no
 * data, -EINPROGRESS, length 18, setup 80 06 00 01 00 00 12 00. */
static void test_usbmon_golden(void **state)
{
	uint8_t rec[64] = { 0xc0, 0x19, 0xd7, 0x51, 0x01, 0x88, 0xff, 0xff,
			    'S', 2, 0x80, 40, 2, 0, 0, '<' };
	struct capture_usb_event ev;

	(void)state;
	put_u32le(rec + 28, (uint32_t)-115);
	put_u32le(rec + 32, 18);
	memcpy(rec + 40, "\x80\x06\x00\x01\x00\x00\x12\x00", 8);
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX_MMAPPED, rec,
					   64, 64, 7, &ev), 0);
	assert_int_equal(ev.kind, CAPTURE_EV_SUBMIT);
	assert_int_equal(ev.xfer, CAPTURE_XFER_CONTROL);
	assert_int_equal(ev.bus, 2);
	assert_int_equal(ev.dev, 40);
	assert_int_equal(ev.ep, 0x80);
	assert_true(ev.has_setup);
	assert_int_equal(ev.setup[1], 0x06);
	assert_int_equal(ev.urb_len, 18);
	assert_false(ev.carries_data);
	assert_int_equal(ev.urb_id, 0xffff880151d719c0ull);
	/* The legacy 48-byte form of the same. */
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX, rec, 48, 48,
					   7, &ev), 0);
	assert_true(ev.has_setup);
}

static void test_usbmon_data_and_cut(void **state)
{
	uint8_t rec[64 + 100];
	struct capture_usb_event ev;

	(void)state;
	memset(rec, 0, sizeof(rec));
	rec[8] = 'C';
	rec[9] = CAPTURE_XFER_BULK;
	rec[10] = 0x81;
	rec[11] = 5;
	rec[12] = 1;
	put_u32le(rec + 32, 1024); /* the URB carried 1024 bytes */
	put_u32le(rec + 36, 1024);
	for (int i = 0; i < 100; i++)
		rec[64 + i] = (uint8_t)i;
	/* Snapshot length: 164 of 1088 bytes kept. */
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX_MMAPPED, rec,
					   sizeof(rec), 64 + 1024, 0, &ev), 0);
	assert_true(ev.carries_data && ev.ok);
	assert_int_equal(ev.data_cap, 100);
	assert_int_equal(ev.data_len, 1024);
	assert_ptr_equal(ev.data, rec + 64);
	/* An error completion carries nothing. */
	put_u32le(rec + 28, (uint32_t)-32);
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX_MMAPPED, rec,
					   sizeof(rec), 64 + 1024, 0, &ev), 0);
	assert_false(ev.carries_data);
	/* Malformed: cut header, unknown type, caplen above len, ISO
	 * descriptors beyond the cap. */
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX_MMAPPED, rec,
					   63, 63, 0, &ev), ALPHAFS_ERR_MALFORMED);
	rec[8] = 'x';
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX, rec, 64, 64,
					   0, &ev), ALPHAFS_ERR_MALFORMED);
	rec[8] = 'S';
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX, rec, 64, 60,
					   0, &ev), ALPHAFS_ERR_MALFORMED);
	rec[9] = CAPTURE_XFER_ISO;
	put_u32le(rec + 60, 0x10000000u);
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USB_LINUX_MMAPPED, rec,
					   64, 64, 0, &ev), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(capture_usb_parse(1, rec, 64, 64, 0, &ev),
			 ALPHAFS_ERR_UNSUPPORTED);
}

static void test_usbpcap(void **state)
{
	uint8_t rec[27 + 12] = { 27, 0 };
	struct capture_usb_event ev;

	(void)state;
	memcpy(rec + 2, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	put_u16le(rec + 14, 0x0009);
	rec[16] = 1; /* completion */
	put_u16le(rec + 17, 3);
	put_u16le(rec + 19, 9);
	rec[21] = 0x81;
	rec[22] = CAPTURE_XFER_BULK;
	put_u32le(rec + 23, 12);
	memcpy(rec + 27, "\x0c\x00\x00\x00\x03\x00\x01\x20\x07\x00\x00\x00", 12);
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USBPCAP, rec, sizeof(rec),
					   sizeof(rec), 0, &ev), 0);
	assert_int_equal(ev.kind, CAPTURE_EV_COMPLETE);
	assert_int_equal(ev.bus, 3);
	assert_int_equal(ev.dev, 9);
	assert_true(ev.carries_data);
	assert_int_equal(ev.data_cap, 12);
	assert_int_equal(ev.urb_id, 0x8877665544332211ull);
	/* The submission of an IN transfer carries nothing. */
	rec[16] = 0;
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USBPCAP, rec, 27, 27, 0,
					   &ev), 0);
	assert_false(ev.carries_data);
	/* Header length beyond the record, below the minimum, a control
	 * header without its stage byte. */
	rec[0] = 200;
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USBPCAP, rec, sizeof(rec),
					   sizeof(rec), 0, &ev), ALPHAFS_ERR_MALFORMED);
	rec[0] = 20;
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USBPCAP, rec, sizeof(rec),
					   sizeof(rec), 0, &ev), ALPHAFS_ERR_MALFORMED);
	rec[0] = 27;
	rec[22] = CAPTURE_XFER_CONTROL;
	assert_int_equal(capture_usb_parse(CAPTURE_LINK_USBPCAP, rec, sizeof(rec),
					   sizeof(rec), 0, &ev), ALPHAFS_ERR_MALFORMED);
}

/* ---- pipe reassembly ------------------------------------------------------- */

struct got {
	struct capture_container c[8];
	uint8_t payload[8][64];
	size_t n;
};

static void keep(const struct capture_container *c, void *arg)
{
	struct got *g = arg;

	assert_true(g->n < 8);
	g->c[g->n] = *c;
	memcpy(g->payload[g->n], c->payload, c->kept < 64 ? c->kept : 64);
	g->n++;
}

static void feed(struct capture_pipe *p, struct got *g, const uint8_t *d,
		 size_t cap, size_t len, bool is_short)
{
	struct capture_transfer x = { .data = d, .cap = cap, .len = (uint32_t)len,
				      .is_short = is_short };
	uint64_t garbage = 0, zlps = 0;

	assert_int_equal(capture_pipe_feed(p, &x, keep, g, &garbage, &zlps), 0);
}

static void test_pipe_boundaries(void **state)
{
	/* A 20-byte data container and a response, in one transfer. */
	uint8_t both[32] = { 20, 0, 0, 0, 2, 0, 0x09, 0x10, 7, 0, 0, 0,
			     1, 2, 3, 4, 5, 6, 7, 8,
			     12, 0, 0, 0, 3, 0, 0x01, 0x20, 7, 0, 0, 0 };
	struct capture_pipe p;
	struct got g = { 0 };

	(void)state;
	capture_pipe_init(&p, 0x81);
	feed(&p, &g, both, sizeof(both), sizeof(both), true);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.c[0].h.type, PTP_TYPE_DATA);
	assert_int_equal(g.c[0].payload_len, 8);
	assert_int_equal(g.c[0].cut, 0);
	assert_memory_equal(g.payload[0], both + 12, 8);
	assert_int_equal(g.c[1].h.type, PTP_TYPE_RESPONSE);
	/* The same, the header split across two transfers, then a ZLP. */
	g.n = 0;
	feed(&p, &g, both, 5, 5, false);
	feed(&p, &g, both + 5, 15, 15, true);
	feed(&p, &g, NULL, 0, 0, true);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.c[0].payload_len, 8);
	assert_int_equal(g.c[0].transfers, 2);
	/* Ended early by a short transfer: SHORT. */
	g.n = 0;
	feed(&p, &g, both, 16, 16, true);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.c[0].cut, CAPTURE_CUT_SHORT);
	assert_int_equal(g.c[0].payload_len, 4);
	capture_pipe_finish(&p);
}

static void test_pipe_cut_and_lost(void **state)
{
	uint8_t data[32] = { 20, 0, 0, 0, 2, 0, 0x09, 0x10, 7, 0, 0, 0,
			     1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t resp[12] = { 12, 0, 0, 0, 3, 0, 0x01, 0x20, 7, 0, 0, 0 };
	struct capture_pipe p;
	struct got g = { 0 };

	(void)state;
	capture_pipe_init(&p, 0x81);
	/* 14 of 20 bytes kept: the container is found whole-length but cut. */
	feed(&p, &g, data, 14, 20, true);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.c[0].cut, CAPTURE_CUT_CAPTURE);
	assert_int_equal(g.c[0].payload_len, 8);
	assert_int_equal(g.c[0].kept, 2);
	assert_int_equal(g.c[0].cut_cap, 14);
	assert_int_equal(g.c[0].cut_len, 20);
	feed(&p, &g, resp, 12, 12, true);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.c[1].h.type, PTP_TYPE_RESPONSE);
	/* Header not kept: LOST until the response for the transaction. */
	g.n = 0;
	p.expect_tid = 7;
	p.have_expect = true;
	feed(&p, &g, data, 4, 512, false);
	feed(&p, &g, data + 12, 0, 300, true);
	assert_int_equal(g.n, 0);
	feed(&p, &g, resp, 12, 12, true);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.c[0].cut, CAPTURE_CUT_CAPTURE | CAPTURE_CUT_LOST);
	assert_int_equal(g.c[0].payload_len, 812);
	assert_int_equal(g.c[1].h.type, PTP_TYPE_RESPONSE);
	/* Data owed when this transaction's response starts a transfer. */
	g.n = 0;
	feed(&p, &g, data, 16, 16, false);
	feed(&p, &g, resp, 12, 12, true);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.c[0].cut, CAPTURE_CUT_MISSING);
	/* Junk where a container starts: counted, skipped. */
	{
		uint8_t junk[16] = { 0xff, 0xff, 0xff, 0xff, 0xa5, 0xa5 };
		struct capture_transfer x = { .data = junk, .cap = 16, .len = 16,
					      .is_short = true };
		uint64_t garbage = 0, zlps = 0;

		g.n = 0;
		assert_int_equal(capture_pipe_feed(&p, &x, keep, &g, &garbage,
						   &zlps), 0);
		assert_int_equal(garbage, 1);
		assert_int_equal(g.n, 0);
	}
	capture_pipe_finish(&p);
}

/* ---- extraction from a capture of the emulated camera ------------------------ */

struct collect {
	struct capture_frame f[512];
	uint8_t *jpeg[512];
	size_t n;
};

static void collect_frame(const struct capture_frame *f, void *arg)
{
	struct collect *c = arg;

	assert_true(c->n < 512);
	c->f[c->n] = *f;
	c->jpeg[c->n] = NULL;
	if (f->drop < 0) {
		c->jpeg[c->n] = malloc(f->len);
		memcpy(c->jpeg[c->n], f->jpeg, f->len);
	}
	c->n++;
}

static int feed_reasm(const struct capture_usb_event *ev, void *arg)
{
	return capture_reasm_feed(arg, ev);
}

static void tiny(struct cap_scenario *sc, uint32_t seed)
{
	memset(sc, 0, sizeof(*sc));
	sc->faults = "truncate-every=4,short-every=5";
	sc->frames = 24;
	sc->chunk = 512;
	sc->width = 256; /* small, with room for the pixel frame marker */
	sc->height = 128;
	sc->seed = seed;
	sc->second_device = true;
	sc->garbage = true;
	sc->cut_every = 3;
	sc->drop_every = 4;
}

static void temp_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "/tmp/alphafs-test-capture-%d-%s", (int)getpid(), name);
}

static void check_extraction(int link, enum cap_format fmt, uint32_t seed)
{
	struct cap_scenario sc;
	struct collect *c = calloc(1, sizeof(*c));
	struct capture_reasm_handlers h;
	struct capture_read_info info;
	struct err_detail err = { 0 };
	struct capture_extract *x;
	struct capture_reasm *r;
	char path[256];
	size_t k = 0;

	tiny(&sc, seed);
	assert_int_equal(cap_scenario_run(&sc), 0);
	temp_path(path, sizeof(path), "x.cap");
	assert_int_equal(cap_write(&sc.log, path, link, fmt, 0), 0);
	x = capture_extract_create(collect_frame, c);
	capture_extract_handlers(x, &h);
	r = capture_reasm_create(&h, 0, 0);
	assert_int_equal(capture_read_file(path, feed_reasm, r, &info, &err), 0);
	capture_reasm_end(r);
	assert_int_equal(info.link, link);
	assert_true(info.unreadable > 0); /* the junk records */
	assert_true(capture_summary_handshake(capture_extract_summary(x)));
	for (size_t i = 0; i < sc.n; i++) {
		const struct cap_poll *p = &sc.v[i];
		const char *want;

		if (p->outcome == CAP_DENIED)
			continue;
		assert_true(k < c->n);
		want = cap_expected_drop(p);
		if (want) {
			assert_true(c->f[k].drop >= 0);
			assert_string_equal(capture_drop_name(c->f[k].drop), want);
		} else {
			assert_int_equal(c->f[k].drop, -1);
			assert_int_equal(c->f[k].len, p->len);
			assert_memory_equal(c->jpeg[k], p->jpeg, p->len);
		}
		k++;
	}
	assert_int_equal(k, c->n);
	for (size_t i = 0; i < c->n; i++)
		free(c->jpeg[i]);
	free(c);
	capture_reasm_destroy(r);
	capture_extract_destroy(x);
	cap_scenario_finish(&sc);
	unlink(path);
}

static void test_extract_all_links(void **state)
{
	(void)state;
	check_extraction(CAPTURE_LINK_USB_LINUX, CAP_PCAP, 1);
	check_extraction(CAPTURE_LINK_USB_LINUX_MMAPPED, CAP_PCAPNG, 2);
	check_extraction(CAPTURE_LINK_USBPCAP, CAP_PCAP, 3);
}

/* ---- replay ------------------------------------------------------------------ */

/* The datasets the replay must play, in order: every whole live-view
 * data phase answered OK (frames, and the camera's own cut JPEGs). */
struct played {
	enum cap_outcome outcome;
	const struct cap_poll *p;
};

static size_t replayable(const struct cap_scenario *sc, struct played *out,
			 size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sc->n && n < max; i++) {
		const struct cap_poll *p = &sc->v[i];

		if ((p->outcome == CAP_FRAME && !p->damage) ||
		    (p->outcome == CAP_REJECTED && p->reject == FRAME_REJECT_NO_EOI))
			out[n++] = (struct played){ p->outcome, p };
	}
	return n;
}

static int connect_host(struct ptp_session *s)
{
	struct ptp_device_info di;
	struct sony_ext_info ext;
	int rc = ptp_open_session(s, 1);

	if (rc == 0)
		rc = ptp_get_device_info(s, &di);
	if (rc == 0) {
		assert_true(sony_is_remote_capable(&di));
		ptp_device_info_finish(&di);
		rc = sony_handshake(s, &ext);
		sony_ext_info_finish(&ext);
	}
	return rc;
}

static bool gate_open;

static bool gate(void *arg)
{
	(void)arg;
	return gate_open;
}

static void play(struct capture_replay *rp, const struct played *want,
		 size_t n, const struct capture_replay_options *opt,
		 size_t rounds)
{
	struct ptp_transport *t = capture_replay_transport_create(rp, opt);
	struct sony_lv_result res;
	struct ptp_session s;
	size_t k = 0;
	int rc;

	assert_non_null(t);
	ptp_session_init(&s, t);
	assert_int_equal(connect_host(&s), 0);
	while (k < n * rounds) {
		const struct played *w = &want[k % n];

		rc = sony_liveview_fetch(&s, &res);
		if (rc == ALPHAFS_ERR_AGAIN) {
			assert_true(opt && (opt->realtime || opt->gate));
			gate_open = true;
			continue;
		}
		gate_open = false;
		if (w->outcome == CAP_FRAME) {
			assert_int_equal(rc, 0);
			assert_int_equal(res.frame->len, w->p->len);
			assert_memory_equal(res.frame->jpeg, w->p->jpeg, w->p->len);
			frame_unref(res.frame);
		} else {
			assert_int_equal(rc, ALPHAFS_ERR_REJECTED);
			assert_int_equal(res.reject, FRAME_REJECT_NO_EOI);
		}
		k++;
	}
	/* Past the end without loop: the camera has no new frame. */
	if (!opt || !opt->loop)
		assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_AGAIN);
	assert_false(s.desynced);
	ptp_close_session(&s);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
}

static void test_replay(void **state)
{
	struct capture_replay_options loop = { .loop = true };
	struct capture_replay_options gated = { .gate = gate };
	struct cap_scenario sc;
	struct capture_replay *rp = NULL;
	struct err_detail err = { 0 };
	struct played want[128];
	char path[256];
	size_t n;

	(void)state;
	tiny(&sc, 9);
	assert_int_equal(cap_scenario_run(&sc), 0);
	n = replayable(&sc, want, ARRAY_LEN(want));
	assert_true(n >= 4);
	temp_path(path, sizeof(path), "replay.pcapng");
	assert_int_equal(cap_write(&sc.log, path, CAPTURE_LINK_USB_LINUX_MMAPPED,
				   CAP_PCAPNG, 0), 0);
	assert_int_equal(capture_replay_load(path, 0, 0, &rp, &err), 0);
	assert_int_equal(capture_replay_frames(rp), n);
	play(rp, want, n, NULL, 1);
	play(rp, want, n, &loop, 3);
	gate_open = false;
	play(rp, want, n, &gated, 1);
	capture_replay_destroy(rp);
	unlink(path);
	cap_scenario_finish(&sc);
}

/* Realtime: frame k is never played before its capture time after the
 * first (a lower bound; no upper bound is asserted). */
static void test_replay_realtime(void **state)
{
	struct capture_replay_options rt = { .realtime = true };
	struct cap_scenario sc;
	struct capture_replay *rp = NULL;
	struct err_detail err = { 0 };
	struct ptp_transport *t;
	struct sony_lv_result res;
	struct ptp_session s;
	struct played want[128];
	uint64_t before0 = 0, before;
	char path[256];
	size_t n, k = 0;
	int rc;

	(void)state;
	tiny(&sc, 10);
	sc.faults = NULL;
	sc.cut_every = sc.drop_every = 0;
	sc.frames = 9;
	assert_int_equal(cap_scenario_run(&sc), 0);
	n = replayable(&sc, want, ARRAY_LEN(want));
	temp_path(path, sizeof(path), "rt.pcap");
	assert_int_equal(cap_write(&sc.log, path, CAPTURE_LINK_USBPCAP, CAP_PCAP, 0), 0);
	assert_int_equal(capture_replay_load(path, 0, 0, &rp, &err), 0);
	assert_int_equal(capture_replay_frames(rp), n);
	t = capture_replay_transport_create(rp, &rt);
	ptp_session_init(&s, t);
	assert_int_equal(connect_host(&s), 0);
	while (k < n) {
		before = clock_now_ns();
		rc = sony_liveview_fetch(&s, &res);
		if (rc == ALPHAFS_ERR_AGAIN) {
			clock_sleep_ms(2);
			continue;
		}
		assert_int_equal(rc, 0);
		if (k == 0)
			before0 = before; /* frame 0 played after this */
		/* Frame k played no earlier than its capture time after
		 * frame 0's (the replay's clock started inside the call). */
		assert_true(clock_now_ns() - before0 >=
			    rp->frames[k].ts_ns - rp->frames[0].ts_ns);
		assert_memory_equal(res.frame->jpeg, want[k].p->jpeg, want[k].p->len);
		frame_unref(res.frame);
		k++;
	}
	assert_true(rp->frames[n - 1].ts_ns - rp->frames[0].ts_ns > 0);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
	capture_replay_destroy(rp);
	unlink(path);
	cap_scenario_finish(&sc);
}

static void test_replay_errors(void **state)
{
	struct capture_replay *rp = NULL;
	struct err_detail err = { 0 };
	struct cap_scenario sc;
	char path[256];

	(void)state;
	assert_int_equal(capture_replay_load("/nonexistent/x.pcap", 0, 0, &rp, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_null(rp);
	/* Every frame cut by a 200-byte snapshot length: nothing to play. */
	tiny(&sc, 11);
	sc.frames = 6;
	assert_int_equal(cap_scenario_run(&sc), 0);
	temp_path(path, sizeof(path), "cut.pcap");
	assert_int_equal(cap_write(&sc.log, path, CAPTURE_LINK_USB_LINUX, CAP_PCAP,
				   200), 0);
	err_clear(&err);
	assert_int_equal(capture_replay_load(path, 0, 0, &rp, &err),
			 ALPHAFS_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "no whole live-view frame"));
	unlink(path);
	cap_scenario_finish(&sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usbmon_golden),
		cmocka_unit_test(test_usbmon_data_and_cut),
		cmocka_unit_test(test_usbpcap),
		cmocka_unit_test(test_pipe_boundaries),
		cmocka_unit_test(test_pipe_cut_and_lost),
		cmocka_unit_test(test_extract_all_links),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_replay_realtime),
		cmocka_unit_test(test_replay_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
