/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event log as capture files. libpcap 1.10 cannot write pcapng, so
 * both container formats are written here, by their specifications:
 *   pcap    24-byte file header (nanosecond magic 0xA1B23C4D, version
 *           2.4, snaplen, link type), then per record ts_sec, ts_nsec,
 *           caplen, len and the bytes;
 *   pcapng  Section Header Block, one Interface Description Block (link
 *           type, snaplen, if_tsresol = 9: nanoseconds), then one
 *           Enhanced Packet Block per record, each padded to 32 bits.
 * Records: usbmon headers in this host's byte order (what the kernel and
 * libpcap write), USBPcap headers little-endian (capture.h's usbrec.c
 * says the layouts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capgen.h"
#include "pcap/capture.h"
#include "util/util.h"

#define PCAP_MAGIC_NS 0xA1B23C4Du
#define SNAPLEN_DEFAULT 262144u
#define NS_PER_S 1000000000ull
#define NS_PER_US 1000u
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BOM 0x1A2B3C4Du
#define PCAPNG_OPT_TSRESOL 9
#define USBPCAP_FN_CONTROL 0x0008
#define USBPCAP_FN_BULK 0x0009
#define USBPCAP_STAGE_SETUP 0
#define USBPCAP_STAGE_COMPLETE 3
#define RECORD_MAX (SNAPLEN_DEFAULT + 64)

struct out {
	FILE *f;
	enum cap_format fmt;
	uint32_t snaplen;
	bool failed;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (n && fwrite(p, 1, n, o->f) != n)
		o->failed = true;
}

static void put32(struct out *o, uint32_t v)
{
	uint8_t b[4];

	put_u32le(b, v);
	put(o, b, 4);
}

static void put16(struct out *o, uint16_t v)
{
	uint8_t b[2];

	put_u16le(b, v);
	put(o, b, 2);
}

static void header(struct out *o, int link)
{
	if (o->fmt == CAP_PCAP) {
		put32(o, PCAP_MAGIC_NS);
		put16(o, 2);
		put16(o, 4);
		put32(o, 0);
		put32(o, 0);
		put32(o, o->snaplen);
		put32(o, (uint32_t)link);
		return;
	}
	/* SHB: type, length 28, byte-order magic, 1.0, section length -1. */
	put32(o, PCAPNG_SHB);
	put32(o, 28);
	put32(o, PCAPNG_BOM);
	put16(o, 1);
	put16(o, 0);
	put32(o, 0xFFFFFFFFu);
	put32(o, 0xFFFFFFFFu);
	put32(o, 28);
	/* IDB with if_tsresol (9: 10^-9 s) and end of options: 32 bytes. */
	put32(o, PCAPNG_IDB);
	put32(o, 32);
	put16(o, (uint16_t)link);
	put16(o, 0);
	put32(o, o->snaplen);
	put16(o, PCAPNG_OPT_TSRESOL);
	put16(o, 1);
	put32(o, 9); /* value byte 9, then 3 bytes of padding */
	put32(o, 0); /* opt_endofopt */
	put32(o, 32);
}

static void record(struct out *o, uint64_t ts_ns, const uint8_t *rec,
		   uint32_t caplen, uint32_t len)
{
	static const uint8_t pad[4];
	uint32_t padded = (caplen + 3u) & ~3u;

	if (o->snaplen && caplen > o->snaplen)
		caplen = o->snaplen;
	padded = (caplen + 3u) & ~3u;
	if (o->fmt == CAP_PCAP) {
		put32(o, (uint32_t)(ts_ns / NS_PER_S));
		put32(o, (uint32_t)(ts_ns % NS_PER_S));
		put32(o, caplen);
		put32(o, len);
		put(o, rec, caplen);
		return;
	}
	put32(o, PCAPNG_EPB);
	put32(o, 32 + padded);
	put32(o, 0); /* interface 0 */
	put32(o, (uint32_t)(ts_ns >> 32));
	put32(o, (uint32_t)ts_ns);
	put32(o, caplen);
	put32(o, len);
	put(o, rec, caplen);
	put(o, pad, padded - caplen);
	put32(o, 32 + padded);
}

/* Host-order stores for the usbmon header. */
static void host16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void host32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void host64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static size_t usbmon_header(const struct cap_event *e, bool mmapped,
			    uint32_t kept, uint8_t *h)
{
	size_t n = mmapped ? CAPTURE_USBMON_MMAPPED_HDR : CAPTURE_USBMON_HDR;
	bool in = e->ep & 0x80;

	memset(h, 0, n);
	host64(h, e->urb_id);
	h[8] = (uint8_t)e->kind;
	h[9] = e->xfer;
	h[10] = e->ep;
	h[11] = (uint8_t)e->dev;
	host16(h + 12, e->bus);
	h[14] = e->has_setup ? 0 : '-';
	h[15] = e->data ? 0 : (in ? '<' : '>');
	host64(h + 16, e->ts_ns / NS_PER_S);
	host32(h + 24, (uint32_t)(e->ts_ns % NS_PER_S / NS_PER_US));
	host32(h + 28, (uint32_t)e->status);
	host32(h + 32, e->urb_len);
	host32(h + 36, e->data ? e->data_len : 0);
	if (e->has_setup)
		memcpy(h + 40, e->setup, 8);
	(void)kept;
	return n;
}

static size_t usbpcap_header(const struct cap_event *e, uint8_t *h,
			     uint32_t dlen)
{
	bool ctl = e->xfer == CAPTURE_XFER_CONTROL;
	size_t n = ctl ? CAPTURE_USBPCAP_CONTROL_HDR : CAPTURE_USBPCAP_HDR;

	memset(h, 0, n);
	put_u16le(h, (uint16_t)n);
	memcpy(h + 2, &e->urb_id, 8); /* an opaque cookie */
	put_u32le(h + 10, e->status == 0 || e->kind == 'S' ? 0 : 0xC0000004u);
	put_u16le(h + 14, ctl ? USBPCAP_FN_CONTROL : USBPCAP_FN_BULK);
	h[16] = e->kind == 'C' ? 1 : 0;
	put_u16le(h + 17, e->bus);
	put_u16le(h + 19, e->dev);
	h[21] = e->ep;
	h[22] = e->xfer;
	put_u32le(h + 23, dlen);
	if (ctl)
		h[27] = e->kind == 'S' ? USBPCAP_STAGE_SETUP
				       : USBPCAP_STAGE_COMPLETE;
	return n;
}

static void write_event(struct out *o, const struct cap_event *e, int link,
			uint8_t *rec)
{
	const uint8_t *payload = e->data;
	uint32_t dlen = e->data ? e->data_len : 0, kept;
	size_t h;

	if (e->garbage) {
		record(o, e->ts_ns, e->data, e->data_len, e->data_len);
		return;
	}
	if (link == CAPTURE_LINK_USBPCAP && e->kind == 'S' && e->has_setup) {
		/* USBPcap's SETUP stage carries the setup packet as data. */
		payload = e->setup;
		dlen = 8;
	}
	kept = dlen < e->keep ? dlen : e->keep;
	if (link == CAPTURE_LINK_USBPCAP)
		h = usbpcap_header(e, rec, dlen);
	else
		h = usbmon_header(e, link == CAPTURE_LINK_USB_LINUX_MMAPPED,
				  kept, rec);
	if (kept > RECORD_MAX - h)
		kept = (uint32_t)(RECORD_MAX - h);
	if (kept)
		memcpy(rec + h, payload, kept);
	record(o, e->ts_ns, rec, (uint32_t)(h + kept), (uint32_t)(h + dlen));
}

int cap_write(const struct cap_log *l, const char *path, int link,
	      enum cap_format fmt, uint32_t snaplen)
{
	struct out o = { .fmt = fmt, .snaplen = snaplen ? snaplen
							 : SNAPLEN_DEFAULT };
	uint8_t *rec = malloc(RECORD_MAX);
	int e;

	o.f = fopen(path, "wb");
	if (!o.f || !rec) {
		e = errno;
		if (o.f)
			fclose(o.f);
		free(rec);
		errno = e;
		return -1;
	}
	header(&o, link);
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].drop)
			write_event(&o, &l->v[i], link, rec);
	free(rec);
	if (fclose(o.f) != 0)
		o.failed = true;
	if (o.failed) {
		errno = EIO;
		return -1;
	}
	return 0;
}
