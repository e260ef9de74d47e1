/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transport interface: what the PTP engine needs from a USB-like link,
 * and the opener through which the camera owner opens such a link (and
 * opens it again after an unplug) without knowing what is behind it.
 * Implemented by the libusb transport (src/usb/), the in-memory link to
 * the emulated camera (src/emu/memusb.c) and the replay of a USB capture
 * (src/pcap/replay_transport.c). Only implementers, the engine and the
 * programs that pick a transport include this header.
 *
 * Semantics are those of USB bulk transfers (USB 2.0 §5.8, Still Image
 * Capture Device Definition): a transfer is a run of packets of at most
 * max_packet bytes that ends with a short packet; a transfer whose length is
 * a multiple of max_packet is ended by a zero-length packet (ZLP).
 *
 * Thread context: a transport is used by one thread at a time (the thread
 * that owns the PTP session). event_in may be called from that same thread
 * only.
 */
#ifndef ALPHAFS_PTP_TRANSPORT_H
#define ALPHAFS_PTP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Endpoint addresses as the a6300 reports them; implementations map them to
 * the real descriptor's endpoints. */
#define PTP_EP_BULK_OUT 0x02
#define PTP_EP_BULK_IN 0x81
#define PTP_EP_INTR_IN 0x83

/* Class-specific requests (USB Still Image Capture Device Definition). */
#define PTP_CLASS_REQ_CANCEL 0x64
#define PTP_CLASS_REQ_GET_EXT_EVENT 0x65
#define PTP_CLASS_REQ_DEVICE_RESET 0x66
#define PTP_CLASS_REQ_GET_DEVICE_STATUS 0x67
#define PTP_CLASS_TYPE_OUT 0x21 /* class, interface, host to device */
#define PTP_CLASS_TYPE_IN 0xA1	/* class, interface, device to host */
#define PTP_CANCEL_CODE 0x4001	/* CancelTransaction, in the Cancel payload */

struct ptp_transport;

struct ptp_transport_ops {
	/*
	 * One bulk OUT transfer of len bytes (len may be 0: a lone ZLP). The
	 * implementation terminates it with a ZLP when len is a non-zero
	 * multiple of max_packet. Errors: TIMEOUT, PIPE (endpoint halted),
	 * NO_DEVICE, IO.
	 */
	int (*bulk_out)(struct ptp_transport *t, const uint8_t *buf, size_t len,
			unsigned timeout_ms);
	/*
	 * One bulk IN transfer into buf: completes when cap bytes arrived or
	 * a short packet (including a ZLP) ended the transfer; *got is the
	 * byte count (0 for a ZLP). cap should be a multiple of max_packet;
	 * a packet that does not fit gives OVERFLOW. Errors: TIMEOUT (nothing
	 * or not everything arrived in time; *got says how much did), PIPE,
	 * OVERFLOW, NO_DEVICE, IO.
	 */
	int (*bulk_in)(struct ptp_transport *t, uint8_t *buf, size_t cap,
		       size_t *got, unsigned timeout_ms);
	/*
	 * One interrupt IN transfer (one event container, at most 24 bytes on
	 * Sony bodies). TIMEOUT when no event arrived within timeout_ms
	 * (0 = only what is already queued).
	 */
	int (*event_in)(struct ptp_transport *t, uint8_t *buf, size_t cap,
			size_t *got, unsigned timeout_ms);
	/*
	 * A class request on EP0 addressed to the PTP interface. For IN
	 * requests (request_type 0xA1) up to len bytes are read into data and
	 * *got set; for OUT requests len bytes are sent. Errors: PIPE (the
	 * device stalled the request), TIMEOUT, NO_DEVICE, IO.
	 */
	int (*control)(struct ptp_transport *t, uint8_t request_type,
		       uint8_t request, uint16_t value, uint8_t *data,
		       uint16_t len, size_t *got, unsigned timeout_ms);
	/* CLEAR_FEATURE(ENDPOINT_HALT) on endpoint ep (PTP_EP_*). */
	int (*clear_halt)(struct ptp_transport *t, uint8_t ep);
	/* Frees the transport and everything it holds. May be NULL-safe. */
	void (*destroy)(struct ptp_transport *t);
};

/* Embedded as the first member of each implementation's own struct. */
struct ptp_transport {
	const struct ptp_transport_ops *ops;
	size_t max_packet; /* bulk wMaxPacketSize: 512 on a USB 2.0 body */
	char name[64];	   /* for messages: "usb:001,002", "emulated" */
	uint16_t usb_vendor, usb_product; /* the device's ids (info/device) */
};

static inline void ptp_transport_destroy(struct ptp_transport *t)
{
	if (t)
		t->ops->destroy(t);
}

/*
 * A way to open a transport, handed by a program to the camera owner
 * (camera_create), which calls it at start and again to reconnect:
 *
 *   serial NULL or "": the camera the opener designates (the first one
 *   found, a port, a serial, the in-memory emulated camera...);
 *   serial set: only a body with that serial number (after an unplug the
 *   owner wants the same camera back, not whichever is plugged in now);
 *   an opener with a single possible body may ignore it.
 *
 * On success *out is a new transport the caller frees with
 * ptp_transport_destroy(). Errors (negative ALPHAFS_ERR_*, with a one-line
 * reason in err): NOT_FOUND when the camera is not there (yet), and the
 * opener's own (usb_transport_open lists them). Called on the camera owner
 * thread, or on the caller's before it exists; arg must outlive every
 * call.
 */
struct ptp_transport_opener {
	int (*open)(void *arg, const char *serial, struct ptp_transport **out,
		    struct err_detail *err);
	void *arg;
};

static inline int ptp_transport_open(const struct ptp_transport_opener *o,
				     const char *serial,
				     struct ptp_transport **out,
				     struct err_detail *err)
{
	*out = NULL;
	return o->open(o->arg, serial, out, err);
}

#endif
