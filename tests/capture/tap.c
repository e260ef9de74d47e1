/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event log and the tap: a transport that forwards to another and logs
 * each transfer as usbmon would show it (see capgen.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capgen.h"
#include "pcap/capture.h"
#include "util/util.h"

/* Virtual time between the submission and the completion of a URB, and
 * between URBs: a high-speed bulk packet takes about 10 us. */
#define URB_STEP_NS 20000u
#define MAX_PACKET 512
#define EINPROGRESS_NEG (-115)

void cap_log_init(struct cap_log *l, uint64_t start_ns)
{
	memset(l, 0, sizeof(*l));
	l->now_ns = start_ns;
	l->next_id = 0xffff8880a0000000ull;
}

void cap_log_finish(struct cap_log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].data);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

size_t cap_log_add(struct cap_log *l, const struct cap_event *e)
{
	struct cap_event *c;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	c = &l->v[l->n];
	*c = *e;
	c->data = NULL;
	if (e->data && e->data_len) {
		c->data = malloc(e->data_len);
		if (!c->data)
			abort();
		memcpy(c->data, e->data, e->data_len);
	}
	return l->n++;
}

void cap_log_urb(struct cap_log *l, uint16_t bus, uint16_t dev, uint8_t ep,
		 uint8_t xfer, const uint8_t *setup, const uint8_t *data,
		 uint32_t len, uint32_t asked, int32_t status, unsigned tag)
{
	bool in = ep & 0x80;
	struct cap_event e = { .urb_id = l->next_id, .bus = bus, .dev = dev,
			       .ep = ep, .xfer = xfer, .keep = UINT32_MAX,
			       .tag = tag };

	l->next_id += 0x200;
	e.kind = 'S';
	e.ts_ns = l->now_ns;
	e.status = EINPROGRESS_NEG;
	e.urb_len = in ? asked : len;
	if (setup) {
		e.has_setup = true;
		memcpy(e.setup, setup, sizeof(e.setup));
	}
	if (!in) {
		e.data = (uint8_t *)data;
		e.data_len = len;
	}
	cap_log_add(l, &e);
	l->now_ns += URB_STEP_NS;
	e.kind = 'C';
	e.ts_ns = l->now_ns;
	e.status = status;
	e.urb_len = len;
	e.has_setup = false;
	e.data = in && status == 0 ? (uint8_t *)data : NULL;
	e.data_len = in && status == 0 ? len : 0;
	cap_log_add(l, &e);
	l->now_ns += URB_STEP_NS;
}

/* ---- the tap ----------------------------------------------------------- */

struct tap {
	struct ptp_transport base;
	struct ptp_transport *inner; /* not owned */
	struct cap_log *log;
	uint16_t bus, dev;
	size_t chunk;
	unsigned tag;
};

static struct tap *tap_of(struct ptp_transport *t)
{
	return (struct tap *)t;
}

void cap_tap_set_tag(struct ptp_transport *t, unsigned tag)
{
	tap_of(t)->tag = tag;
}

static int32_t usb_status(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case ALPHAFS_ERR_PIPE:
		return -32; /* -EPIPE */
	case ALPHAFS_ERR_TIMEOUT:
		return -2; /* -ENOENT: the host killed the URB */
	case ALPHAFS_ERR_OVERFLOW:
		return -75; /* -EOVERFLOW */
	default:
		return -71; /* -EPROTO */
	}
}

static int tap_bulk_out(struct ptp_transport *t, const uint8_t *buf,
			size_t len, unsigned timeout_ms)
{
	struct tap *tp = tap_of(t);
	int rc = tp->inner->ops->bulk_out(tp->inner, buf, len, timeout_ms);

	cap_log_urb(tp->log, tp->bus, tp->dev, PTP_EP_BULK_OUT,
		    CAPTURE_XFER_BULK, NULL, buf, (uint32_t)len, 0,
		    usb_status(rc), tp->tag);
	/* The inner transport ends a multiple of the packet size with a
	 * ZLP: a transfer of its own on the wire. */
	if (rc == 0 && len > 0 && len % MAX_PACKET == 0)
		cap_log_urb(tp->log, tp->bus, tp->dev, PTP_EP_BULK_OUT,
			    CAPTURE_XFER_BULK, NULL, NULL, 0, 0, 0, tp->tag);
	return rc;
}

/* One host read of cap bytes as URBs of at most `chunk` bytes each: the
 * read ends at a short URB, an error, or when cap is full. */
static int tap_bulk_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		       size_t *got, unsigned timeout_ms)
{
	struct tap *tp = tap_of(t);
	size_t have = 0, ask, n;
	int rc = 0;

	while (have < cap) {
		ask = cap - have < tp->chunk ? cap - have : tp->chunk;
		n = 0;
		rc = tp->inner->ops->bulk_in(tp->inner, buf + have, ask, &n,
					     timeout_ms);
		cap_log_urb(tp->log, tp->bus, tp->dev, PTP_EP_BULK_IN,
			    CAPTURE_XFER_BULK, NULL, buf + have, (uint32_t)n,
			    (uint32_t)ask, usb_status(rc), tp->tag);
		have += n;
		if (rc < 0 || n < ask)
			break;
	}
	*got = have;
	return rc;
}

static int tap_event_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
			size_t *got, unsigned timeout_ms)
{
	struct tap *tp = tap_of(t);
	int rc = tp->inner->ops->event_in(tp->inner, buf, cap, got, timeout_ms);

	/* An interrupt URB waits until an event comes; one that timed out
	 * is resubmitted unseen, as libusb does. */
	if (rc == 0)
		cap_log_urb(tp->log, tp->bus, tp->dev, PTP_EP_INTR_IN,
			    CAPTURE_XFER_INTR, NULL, buf, (uint32_t)*got,
			    (uint32_t)cap, 0, tp->tag);
	return rc;
}

static int tap_control(struct ptp_transport *t, uint8_t request_type,
		       uint8_t request, uint16_t value, uint8_t *data,
		       uint16_t len, size_t *got, unsigned timeout_ms)
{
	struct tap *tp = tap_of(t);
	uint8_t setup[8] = { request_type, request };
	size_t n = 0;
	int rc;

	put_u16le(setup + 2, value);
	put_u16le(setup + 4, 0);
	put_u16le(setup + 6, len);
	rc = tp->inner->ops->control(tp->inner, request_type, request, value,
				     data, len, &n, timeout_ms);
	if (got)
		*got = n;
	cap_log_urb(tp->log, tp->bus, tp->dev,
		    (request_type & 0x80) ? 0x80 : 0x00, CAPTURE_XFER_CONTROL,
		    setup, data, (request_type & 0x80) ? (uint32_t)n : len,
		    len, usb_status(rc), tp->tag);
	return rc;
}

static int tap_clear_halt(struct ptp_transport *t, uint8_t ep)
{
	struct tap *tp = tap_of(t);
	uint8_t setup[8] = { 0x02, 0x01, 0, 0, ep, 0, 0, 0 };

	cap_log_urb(tp->log, tp->bus, tp->dev, 0x00, CAPTURE_XFER_CONTROL,
		    setup, NULL, 0, 0, 0, tp->tag);
	return tp->inner->ops->clear_halt(tp->inner, ep);
}

static void tap_destroy(struct ptp_transport *t)
{
	free(t);
}

static const struct ptp_transport_ops tap_ops = {
	.bulk_out = tap_bulk_out,
	.bulk_in = tap_bulk_in,
	.event_in = tap_event_in,
	.control = tap_control,
	.clear_halt = tap_clear_halt,
	.destroy = tap_destroy,
};

struct ptp_transport *cap_tap_create(struct ptp_transport *inner,
				     struct cap_log *log, uint16_t bus,
				     uint16_t dev, size_t chunk)
{
	struct tap *tp = calloc(1, sizeof(*tp));

	if (!tp)
		return NULL;
	tp->base.ops = &tap_ops;
	tp->base.max_packet = inner->max_packet;
	tp->base.usb_vendor = inner->usb_vendor;
	tp->base.usb_product = inner->usb_product;
	snprintf(tp->base.name, sizeof(tp->base.name), "tap:%s", inner->name);
	tp->inner = inner;
	tp->log = log;
	tp->bus = bus;
	tp->dev = dev;
	tp->chunk = chunk - chunk % MAX_PACKET;
	if (tp->chunk == 0)
		tp->chunk = MAX_PACKET;
	return &tp->base;
}
