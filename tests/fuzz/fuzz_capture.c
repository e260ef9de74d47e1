/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the capture reader without libpcap, the record parser
 * (usbmon 189/220, USBPcap 249) and the reassembler and extraction behind
 * it, over a stream of records.
 *
 * Input: byte 0 picks the link type (0: 189, 1: 220, 2: 249, else 220),
 * byte 1 bit 0 follows device 1.5 instead of finding the camera; then
 * records, each a u16le caplen, a u8 "bytes lost" count (origlen =
 * caplen + 16 * count, a record cut by the snapshot length), and caplen
 * bytes. tests/fuzz/make_capture_seeds.py turns capture files into this.
 *
 * Invariants checked: an event's payload lies inside its record and never
 * claims more than the wire carried; a whole frame lies inside its data
 * phase and passes the whole-JPEG check; counters stay consistent.
 */
#include <stdint.h>
#include <string.h>

#include "pcap/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
	uint64_t frames, dropped;
};

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void handle_frame(const struct capture_frame *f, void *arg)
{
	struct ctx *c = arg;

	if (f->drop >= 0) {
		check(f->drop < CAPTURE_DROP_COUNT && f->jpeg == NULL);
		c->dropped++;
		return;
	}
	check(f->jpeg && f->len >= FRAME_JPEG_MIN);
	check(frame_jpeg_check(f->jpeg, f->len) == -1 ||
	      f->kind == CAPTURE_FRAME_STILL);
	c->frames++;
}

static void check_event(const struct capture_usb_event *ev, const uint8_t *rec,
			size_t caplen)
{
	if (!ev->carries_data || ev->data_cap == 0)
		return;
	check(ev->data >= rec && ev->data_cap <= caplen &&
	      (size_t)(ev->data - rec) <= caplen - ev->data_cap);
	check(ev->data_cap <= ev->data_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { CAPTURE_LINK_USB_LINUX,
				     CAPTURE_LINK_USB_LINUX_MMAPPED,
				     CAPTURE_LINK_USBPCAP };
	struct capture_reasm_handlers h;
	struct capture_extract *x;
	struct capture_reasm *r;
	struct ctx c = { 0 };
	struct rd in;
	int link;

	if (size < 2)
		return 0;
	link = data[0] < 3 ? links[data[0]] : CAPTURE_LINK_USB_LINUX_MMAPPED;
	x = capture_extract_create(handle_frame, &c);
	if (!x)
		return 0;
	capture_extract_handlers(x, &h);
	r = capture_reasm_create(&h, (data[1] & 1) ? 1 : 0, (data[1] & 1) ? 5 : 0);
	if (!r) {
		capture_extract_destroy(x);
		return 0;
	}
	rd_init(&in, data + 2, size - 2);
	for (uint64_t ts = 1; rd_left(&in) >= 3; ts += 1000) {
		struct capture_usb_event ev;
		uint16_t caplen = rd_u16le(&in);
		uint8_t lost = rd_u8(&in);
		const uint8_t *rec;

		if (caplen > rd_left(&in))
			caplen = (uint16_t)rd_left(&in);
		rec = rd_bytes(&in, caplen);
		if (capture_usb_parse(link, rec, caplen, caplen + 16u * lost, ts,
				      &ev) < 0)
			continue;
		check_event(&ev, rec, caplen);
		capture_reasm_feed(r, &ev);
	}
	capture_reasm_end(r);
	{
		const struct capture_summary *s = capture_extract_summary(x);

		check(s->live_frames + s->stills == c.frames);
		check(s->dropped_total == c.dropped);
	}
	capture_reasm_destroy(r);
	capture_extract_destroy(x);
	return 0;
}
