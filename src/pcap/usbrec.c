/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One capture record -> one USB event.
 *
 * usbmon (LINKTYPE_USB_LINUX 189, LINKTYPE_USB_LINUX_MMAPPED 220; Linux
 * Documentation/usb/usbmon.rst, "binary interface"): a 48-byte header
 * (64 for the mmapped form, which adds interval, start frame, transfer
 * flags and the number of isochronous descriptors, whose 16-byte entries
 * precede the data):
 *   0 u64 URB id | 8 u8 'S'/'C'/'E' | 9 u8 transfer type | 10 u8 endpoint
 *   11 u8 device | 12 u16 bus | 14 s8 setup flag (0: setup present)
 *   15 s8 data flag (0: data present) | 16 s64 sec | 24 s32 usec
 *   28 s32 status | 32 u32 URB length | 36 u32 data captured
 *   40 u8[8] setup (or ISO error count, descriptor count)
 * in the byte order of the host (libpcap swaps a foreign file's header).
 *
 * USBPcap (LINKTYPE_USBPCAP 249; desowin.org/usbpcap/captureformat.html),
 * little-endian, packed:
 *   0 u16 header length | 2 u64 IRP id | 10 u32 USBD status
 *   14 u16 URB function | 16 u8 info (bit 0: PDO->FDO, a completion)
 *   17 u16 bus | 19 u16 device | 21 u8 endpoint | 22 u8 transfer type
 *   23 u32 data length | 27 control: u8 stage (0 setup, 1 data, 2 status,
 *   3 complete) | ... | header length: the data.
 */
#include <string.h>

#include "pcap/capture.h"

#define USBMON_SUBMIT 'S'
#define USBMON_COMPLETE 'C'
#define USBMON_ERROR 'E'
#define USBMON_ISO_DESC 16
/* Isochronous descriptors accepted in one record. */
#define USBMON_ISO_DESC_MAX 1024
#define USBPCAP_INFO_COMPLETION 0x01
#define USBPCAP_STAGE_SETUP 0
#define USBPCAP_SETUP_LEN 8
#define USB_DIR_IN 0x80

const char *capture_link_name(int link)
{
	switch (link) {
	case CAPTURE_LINK_USB_LINUX:
		return "usbmon";
	case CAPTURE_LINK_USB_LINUX_MMAPPED:
		return "usbmon (mmapped)";
	case CAPTURE_LINK_USBPCAP:
		return "USBPcap";
	default:
		return NULL;
	}
}

/* Host-order fields (see the header comment). */
static uint16_t host_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t host_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t host_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The payload that follows a header of hdr bytes: what the record kept of
 * the want bytes announced. */
static void set_data(struct capture_usb_event *out, const uint8_t *rec,
		     size_t caplen, size_t hdr, uint32_t want)
{
	size_t kept = caplen > hdr ? caplen - hdr : 0;

	out->data = rec + hdr;
	out->data_cap = kept < want ? kept : want;
	out->data_len = want;
}

static int parse_usbmon(const uint8_t *rec, size_t caplen, bool mmapped,
			struct capture_usb_event *out)
{
	size_t hdr = mmapped ? CAPTURE_USBMON_MMAPPED_HDR : CAPTURE_USBMON_HDR;
	uint8_t type, flag_setup, flag_data;
	uint32_t len_cap, ndesc = 0;
	int32_t status;

	if (caplen < hdr)
		return ALPHAFS_ERR_MALFORMED;
	type = rec[8];
	if (type != USBMON_SUBMIT && type != USBMON_COMPLETE &&
	    type != USBMON_ERROR)
		return ALPHAFS_ERR_MALFORMED;
	if (rec[9] > CAPTURE_XFER_BULK)
		return ALPHAFS_ERR_MALFORMED;
	out->urb_id = host_u64(rec);
	out->xfer = rec[9];
	out->ep = rec[10];
	out->dev = rec[11];
	out->bus = host_u16(rec + 12);
	flag_setup = rec[14];
	flag_data = rec[15];
	status = (int32_t)host_u32(rec + 28);
	out->urb_len = host_u32(rec + 32);
	len_cap = host_u32(rec + 36);
	out->kind = type == USBMON_SUBMIT ? CAPTURE_EV_SUBMIT : CAPTURE_EV_COMPLETE;
	/* A submission's status is -EINPROGRESS; 'E' is a submission error. */
	out->ok = type == USBMON_COMPLETE ? status == 0 : type == USBMON_SUBMIT;
	if (type == USBMON_SUBMIT && out->xfer == CAPTURE_XFER_CONTROL &&
	    flag_setup == 0) {
		out->has_setup = true;
		memcpy(out->setup, rec + 40, sizeof(out->setup));
	}
	if (mmapped && out->xfer == CAPTURE_XFER_ISO) {
		ndesc = host_u32(rec + 60);
		if (ndesc > USBMON_ISO_DESC_MAX)
			return ALPHAFS_ERR_MALFORMED;
		hdr += (size_t)ndesc * USBMON_ISO_DESC;
	}
	/* Which event holds the payload: OUT at submission, IN at completion. */
	out->carries_data = (out->ep & USB_DIR_IN)
				    ? out->kind == CAPTURE_EV_COMPLETE && out->ok
				    : out->kind == CAPTURE_EV_SUBMIT;
	if (!out->carries_data)
		return 0;
	/* usbmon keeps len_cap of the URB's bytes (it may keep fewer than
	 * the URB carried, and say so with a non-zero data flag); the
	 * snapshot length may have cut the record further. */
	if (flag_data != 0)
		len_cap = 0;
	set_data(out, rec, caplen, hdr, out->urb_len);
	if (out->data_cap > len_cap)
		out->data_cap = len_cap;
	return 0;
}

static int parse_usbpcap(const uint8_t *rec, size_t caplen,
			 struct capture_usb_event *out)
{
	struct rd r;
	uint16_t hlen;
	uint8_t info, transfer, stage = 0;
	uint32_t status, dlen;

	rd_init(&r, rec, caplen);
	hlen = rd_u16le(&r);
	out->urb_id = rd_u64le(&r);
	status = rd_u32le(&r);
	rd_skip(&r, 2); /* URB function: the transfer type says enough */
	info = rd_u8(&r);
	out->bus = rd_u16le(&r);
	out->dev = rd_u16le(&r);
	out->ep = rd_u8(&r);
	transfer = rd_u8(&r);
	dlen = rd_u32le(&r);
	if (!rd_ok(&r) || hlen < CAPTURE_USBPCAP_HDR || hlen > caplen ||
	    transfer > CAPTURE_XFER_BULK)
		return ALPHAFS_ERR_MALFORMED;
	if (transfer == CAPTURE_XFER_CONTROL) {
		if (hlen < CAPTURE_USBPCAP_CONTROL_HDR)
			return ALPHAFS_ERR_MALFORMED;
		stage = rd_u8(&r);
	}
	out->xfer = transfer;
	out->kind = (info & USBPCAP_INFO_COMPLETION) ? CAPTURE_EV_COMPLETE
						       : CAPTURE_EV_SUBMIT;
	out->ok = out->kind == CAPTURE_EV_SUBMIT || status == 0;
	out->urb_len = dlen;
	if (transfer == CAPTURE_XFER_CONTROL && stage == USBPCAP_STAGE_SETUP &&
	    out->kind == CAPTURE_EV_SUBMIT) {
		/* The SETUP stage carries the 8-byte setup packet as data. */
		if (dlen < USBPCAP_SETUP_LEN || caplen - hlen < USBPCAP_SETUP_LEN)
			return ALPHAFS_ERR_MALFORMED;
		out->has_setup = true;
		memcpy(out->setup, rec + hlen, USBPCAP_SETUP_LEN);
		return 0;
	}
	out->carries_data = (out->ep & USB_DIR_IN)
				    ? out->kind == CAPTURE_EV_COMPLETE && out->ok
				    : out->kind == CAPTURE_EV_SUBMIT;
	if (out->carries_data)
		set_data(out, rec, caplen, hlen, dlen);
	return 0;
}

int capture_usb_parse(int link, const uint8_t *rec, size_t caplen, size_t origlen,
		   uint64_t ts_ns, struct capture_usb_event *out)
{
	memset(out, 0, sizeof(*out));
	out->ts_ns = ts_ns;
	if (!rec || caplen > origlen)
		return ALPHAFS_ERR_MALFORMED;
	switch (link) {
	case CAPTURE_LINK_USB_LINUX:
		return parse_usbmon(rec, caplen, false, out);
	case CAPTURE_LINK_USB_LINUX_MMAPPED:
		return parse_usbmon(rec, caplen, true, out);
	case CAPTURE_LINK_USBPCAP:
		return parse_usbpcap(rec, caplen, out);
	default:
		return ALPHAFS_ERR_UNSUPPORTED;
	}
}
