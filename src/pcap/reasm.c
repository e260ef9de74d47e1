/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * USB events -> transfers -> containers (pipe.c) -> transactions, for the
 * one device followed: the camera, given by bus/address or found by its
 * descriptors (a PTP interface, class 6/1/1) or its first PTP command on a
 * bulk OUT pipe. Other devices on the bus are listed, not followed.
 *
 * A transaction is the command (OUT), an optional data phase (OUT or IN)
 * and the response (IN) with the same transaction id (dossier §1.3); it
 * ends at its response, at the next command, or at the end of the
 * capture.
 *
 * Transfers: OUT data is in the submission, IN data in the completion.
 * The submission of an IN URB says how much the host asked for (usbmon),
 * so a completion with fewer bytes ended with a short packet; without it
 * (USBPcap) a length that is not a multiple of the packet size does. A
 * submitted URB that never completes while a later one on the same pipe
 * does means the capture lost records.
 */
#include <string.h>

#include "pcap/capture.h"

#define USB_DIR_IN 0x80
#define USB_REQ_GET_DESCRIPTOR 0x06
#define USB_DT_DEVICE 0x01
#define USB_DT_CONFIG 0x02
#define USB_DT_INTERFACE 0x04
#define USB_DT_ENDPOINT 0x05
#define USB_CLASS_STILL_IMAGE 0x06
#define USB_EP_XFER_MASK 0x03
#define USB_EP_XFER_BULK 0x02
#define USB_DEVICE_DESC_IDS_END 12
/* Control requests remembered between SETUP and completion. */
#define CTL_PENDING_MAX 16

struct urb_slot {
	bool used;
	uint64_t id;
	uint8_t ep;
	uint32_t asked; /* 0: not known */
	uint64_t seq;
};

struct ctl_slot {
	bool used;
	uint64_t id;
	uint16_t bus, dev;
	uint8_t setup[8];
};

struct capture_reasm {
	struct capture_reasm_handlers h;
	uint16_t want_bus, want_dev; /* 0, 0: find the camera */
	struct capture_device devs[CAPTURE_DEVICES_MAX];
	size_t ndevs;
	struct capture_device *followed;
	struct capture_pipe pipes[CAPTURE_PIPES_MAX];
	size_t npipes;
	struct urb_slot urbs[CAPTURE_URBS_MAX];
	uint64_t urb_seq;
	struct ctl_slot ctl[CTL_PENDING_MAX];
	size_t ctl_next;
	/* The transaction in progress. */
	bool open;
	struct capture_txn t;
	uint8_t *data; /* copy of its data phase (owned) */
	struct capture_reasm_stats st;
};

struct capture_reasm *capture_reasm_create(const struct capture_reasm_handlers *h,
				     uint16_t bus, uint16_t dev)
{
	struct capture_reasm *r = mem_calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	if (h)
		r->h = *h;
	if (bus && dev) {
		r->want_bus = bus;
		r->want_dev = dev;
	}
	return r;
}

static void end_txn(struct capture_reasm *r)
{
	if (!r->open)
		return;
	r->open = false;
	r->st.transactions++;
	r->t.data = r->data;
	if (r->h.txn)
		r->h.txn(&r->t, r->h.arg);
	mem_free(r->data);
	r->data = NULL;
}

void capture_reasm_destroy(struct capture_reasm *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npipes; i++)
		capture_pipe_finish(&r->pipes[i]);
	mem_free(r->data);
	mem_free(r);
}

static struct capture_device *device(struct capture_reasm *r, uint16_t bus,
				  uint16_t dev)
{
	for (size_t i = 0; i < r->ndevs; i++)
		if (r->devs[i].bus == bus && r->devs[i].dev == dev)
			return &r->devs[i];
	if (r->ndevs == CAPTURE_DEVICES_MAX) {
		r->st.devices_over++;
		return NULL;
	}
	r->devs[r->ndevs] = (struct capture_device){ .bus = bus, .dev = dev };
	return &r->devs[r->ndevs++];
}

static void follow(struct capture_reasm *r, struct capture_device *d)
{
	if (r->followed)
		return;
	r->followed = d;
	d->followed = true;
}

/* ---- descriptors -------------------------------------------------------- */

static void read_config(struct capture_device *d, const uint8_t *p, size_t n)
{
	bool in_ptp = false;

	/* Walk the descriptors by their own lengths, never past n. */
	for (size_t off = 0; n - off >= 2;) {
		uint8_t len = p[off], type = p[off + 1];

		if (len < 2 || len > n - off)
			break;
		if (type == USB_DT_INTERFACE && len >= 9) {
			in_ptp = p[off + 5] == USB_CLASS_STILL_IMAGE &&
				 p[off + 6] == 1 && p[off + 7] == 1;
			d->ptp_interface |= in_ptp;
		} else if (type == USB_DT_ENDPOINT && len >= 7 && in_ptp &&
			   (p[off + 3] & USB_EP_XFER_MASK) == USB_EP_XFER_BULK) {
			d->max_packet = (uint16_t)(get_u16le(p + off + 4) & 0x7FF);
		}
		off += len;
	}
}

static void control_done(struct capture_reasm *r, struct capture_device *d,
			 const struct capture_usb_event *ev)
{
	for (size_t i = 0; i < CTL_PENDING_MAX; i++) {
		struct ctl_slot *s = &r->ctl[i];

		if (!s->used || s->id != ev->urb_id || s->bus != ev->bus ||
		    s->dev != ev->dev)
			continue;
		s->used = false;
		if (!ev->carries_data || s->setup[0] != USB_DIR_IN ||
		    s->setup[1] != USB_REQ_GET_DESCRIPTOR)
			return;
		if (s->setup[3] == USB_DT_DEVICE &&
		    ev->data_cap >= USB_DEVICE_DESC_IDS_END) {
			d->have_ids = true;
			d->vid = get_u16le(ev->data + 8);
			d->pid = get_u16le(ev->data + 10);
		} else if (s->setup[3] == USB_DT_CONFIG) {
			read_config(d, ev->data, ev->data_cap);
		}
		return;
	}
}

static void control_event(struct capture_reasm *r, struct capture_device *d,
			  const struct capture_usb_event *ev)
{
	struct ctl_slot *s;

	if (ev->kind == CAPTURE_EV_COMPLETE) {
		control_done(r, d, ev);
		if (!r->followed && !r->want_bus && d->ptp_interface)
			follow(r, d);
		return;
	}
	if (!ev->has_setup)
		return;
	s = &r->ctl[r->ctl_next];
	r->ctl_next = (r->ctl_next + 1) % CTL_PENDING_MAX;
	*s = (struct ctl_slot){ .used = true, .id = ev->urb_id,
				.bus = ev->bus, .dev = ev->dev };
	memcpy(s->setup, ev->setup, sizeof(s->setup));
}

/* ---- transactions ------------------------------------------------------- */

static int keep_data(struct capture_reasm *r, const struct capture_container *c,
		     bool in)
{
	r->t.has_data = true;
	r->t.data_in = in;
	r->t.data_announced = c->h.length >= PTP_HEADER_SIZE
				      ? c->h.length - PTP_HEADER_SIZE
				      : 0;
	r->t.data_cut = c->cut;
	r->t.cut_cap = c->cut_cap;
	r->t.cut_len = c->cut_len;
	r->t.data_transfers = c->transfers;
	r->t.ts_data_ns = c->ts_last_ns;
	r->t.data_len = c->payload_len;
	r->t.data_kept = 0;
	if (!c->payload || c->kept == 0)
		return 0;
	r->data = mem_alloc(c->kept);
	if (!r->data) {
		r->t.data_cut |= CAPTURE_CUT_CAPTURE;
		return ALPHAFS_ERR_NOMEM;
	}
	memcpy(r->data, c->payload, c->kept);
	r->t.data_kept = c->kept;
	return 0;
}

static void set_expect(struct capture_reasm *r, uint32_t tid)
{
	for (size_t i = 0; i < r->npipes; i++) {
		r->pipes[i].expect_tid = tid;
		r->pipes[i].have_expect = true;
	}
}

static void on_command(struct capture_reasm *r, const struct capture_container *c)
{
	struct ptp_params p;

	end_txn(r);
	memset(&p, 0, sizeof(p));
	p.type = c->h.type;
	p.code = c->h.code;
	p.tid = c->h.tid;
	if (c->cut || c->payload_len % 4 || c->payload_len > 4 * PTP_MAX_PARAMS) {
		r->st.orphan_containers++;
		return;
	}
	p.nparams = (unsigned)(c->payload_len / 4);
	for (unsigned i = 0; i < p.nparams; i++)
		p.params[i] = get_u32le(c->payload + 4 * i);
	memset(&r->t, 0, sizeof(r->t));
	r->t.bus = c->bus;
	r->t.dev = c->dev;
	r->t.cmd = p;
	r->t.ts_cmd_ns = c->ts_last_ns;
	r->open = true;
	set_expect(r, p.tid);
}

static void on_response(struct capture_reasm *r, const struct capture_container *c)
{
	struct ptp_params *p = &r->t.resp;

	if (!r->open || c->h.tid != r->t.cmd.tid) {
		if (r->open && c->h.tid < r->t.cmd.tid)
			r->st.stale_responses++;
		else
			r->st.orphan_containers++;
		return;
	}
	memset(p, 0, sizeof(*p));
	p->type = c->h.type;
	p->code = c->h.code;
	p->tid = c->h.tid;
	if (!c->cut && c->payload_len % 4 == 0 &&
	    c->payload_len <= 4 * PTP_MAX_PARAMS) {
		p->nparams = (unsigned)(c->payload_len / 4);
		for (unsigned i = 0; i < p->nparams; i++)
			p->params[i] = get_u32le(c->payload + 4 * i);
	}
	r->t.has_resp = true;
	r->t.ts_resp_ns = c->ts_last_ns;
	end_txn(r);
}

static void on_data(struct capture_reasm *r, const struct capture_container *c,
		    bool in)
{
	bool lost = (c->cut & CAPTURE_CUT_LOST) != 0;

	if (!r->open || r->t.has_data || (!lost && c->h.tid != r->t.cmd.tid)) {
		r->st.orphan_containers++;
		return;
	}
	keep_data(r, c, in);
}

static void handle_container(const struct capture_container *c, void *arg)
{
	struct capture_reasm *r = arg;
	bool in = (c->ep & USB_DIR_IN) != 0;
	struct ptp_params ev;

	if (c->cut & CAPTURE_CUT_LOST) {
		on_data(r, c, in);
		return;
	}
	switch (c->h.type) {
	case PTP_TYPE_COMMAND:
		if (in)
			r->st.orphan_containers++;
		else
			on_command(r, c);
		return;
	case PTP_TYPE_DATA:
		on_data(r, c, in);
		return;
	case PTP_TYPE_RESPONSE:
		if (in)
			on_response(r, c);
		else
			r->st.orphan_containers++;
		return;
	case PTP_TYPE_EVENT:
		if (c->cut || c->payload_len % 4 ||
		    c->payload_len > 4 * PTP_EVENT_MAX_PARAMS) {
			r->st.orphan_containers++;
			return;
		}
		memset(&ev, 0, sizeof(ev));
		ev.type = c->h.type;
		ev.code = c->h.code;
		ev.tid = c->h.tid;
		ev.nparams = (unsigned)(c->payload_len / 4);
		for (unsigned i = 0; i < ev.nparams; i++)
			ev.params[i] = get_u32le(c->payload + 4 * i);
		r->st.events_ptp++;
		if (r->h.event)
			r->h.event(&ev, c->ts_last_ns, r->h.arg);
		return;
	default:
		r->st.orphan_containers++;
		return;
	}
}

/* ---- transfers ---------------------------------------------------------- */

static struct capture_pipe *pipe_for(struct capture_reasm *r, uint8_t ep)
{
	for (size_t i = 0; i < r->npipes; i++)
		if (r->pipes[i].ep == ep)
			return &r->pipes[i];
	if (r->npipes == CAPTURE_PIPES_MAX)
		return NULL;
	capture_pipe_init(&r->pipes[r->npipes], ep);
	if (r->open) {
		r->pipes[r->npipes].expect_tid = r->t.cmd.tid;
		r->pipes[r->npipes].have_expect = true;
	}
	return &r->pipes[r->npipes++];
}

static void urb_submitted(struct capture_reasm *r, const struct capture_usb_event *ev)
{
	struct urb_slot *s = NULL, *oldest = &r->urbs[0];

	for (size_t i = 0; i < CAPTURE_URBS_MAX && !s; i++) {
		if (!r->urbs[i].used)
			s = &r->urbs[i];
		else if (r->urbs[i].seq < oldest->seq)
			oldest = &r->urbs[i];
	}
	if (!s)
		s = oldest; /* forget the oldest: a host that never reaps */
	*s = (struct urb_slot){ .used = true, .id = ev->urb_id, .ep = ev->ep,
				.asked = ev->urb_len, .seq = ++r->urb_seq };
}

/* The completed URB's asked length (0: unknown); *gap when an earlier
 * URB on the same pipe never completed. */
static uint32_t urb_completed(struct capture_reasm *r,
			      const struct capture_usb_event *ev, bool *gap)
{
	struct urb_slot *me = NULL;
	uint32_t asked;

	*gap = false;
	for (size_t i = 0; i < CAPTURE_URBS_MAX && !me; i++)
		if (r->urbs[i].used && r->urbs[i].id == ev->urb_id &&
		    r->urbs[i].ep == ev->ep)
			me = &r->urbs[i];
	if (!me)
		return 0;
	for (size_t i = 0; i < CAPTURE_URBS_MAX; i++) {
		struct urb_slot *s = &r->urbs[i];

		if (s->used && s != me && s->ep == ev->ep && s->seq < me->seq) {
			s->used = false;
			*gap = true;
			r->st.missed_completions++;
		}
	}
	asked = me->asked;
	me->used = false;
	return asked;
}

static int pipe_transfer(struct capture_reasm *r, struct capture_device *d,
			 const struct capture_usb_event *ev)
{
	struct capture_transfer x = { .data = ev->data, .cap = ev->data_cap,
				   .len = ev->data_len, .ts_ns = ev->ts_ns };
	uint32_t mp = d->max_packet ? d->max_packet : CAPTURE_MAX_PACKET_DEFAULT;
	struct capture_pipe *p;
	uint32_t asked = 0;

	if ((ev->ep & USB_DIR_IN) && ev->kind == CAPTURE_EV_SUBMIT) {
		urb_submitted(r, ev);
		return 0;
	}
	if (ev->ep & USB_DIR_IN)
		asked = urb_completed(r, ev, &x.gap_before);
	if (!ev->carries_data)
		return 0;
	x.is_short = asked ? x.len < asked : (x.len == 0 || x.len % mp != 0);
	if (x.cap < x.len)
		r->st.cut_records++;
	p = pipe_for(r, ev->ep);
	if (!p)
		return 0;
	if (capture_pipe_feed(p, &x, handle_container, r,
			   &r->st.garbage_transfers, &r->st.zlps) < 0) {
		/* The container cannot be kept whole: end it as cut. */
		capture_pipe_flush(p, CAPTURE_CUT_CAPTURE, handle_container, r);
		return ALPHAFS_ERR_NOMEM;
	}
	return 0;
}

/* A bulk OUT transfer that is one whole PTP command container. */
static bool is_ptp_command(const struct capture_usb_event *ev)
{
	struct ptp_params p;

	return ev->carries_data && ev->data_cap == ev->data_len &&
	       ptp_params_decode(ev->data, ev->data_cap, &p) == 0 &&
	       p.type == PTP_TYPE_COMMAND;
}

int capture_reasm_feed(struct capture_reasm *r, const struct capture_usb_event *ev)
{
	struct capture_device *d;

	r->st.events++;
	d = device(r, ev->bus, ev->dev);
	if (!d)
		return 0;
	d->records++;
	if (ev->xfer == CAPTURE_XFER_CONTROL) {
		control_event(r, d, ev);
		return 0;
	}
	if (ev->xfer == CAPTURE_XFER_BULK && !(ev->ep & USB_DIR_IN) &&
	    is_ptp_command(ev)) {
		d->ptp_traffic = true;
		if (!r->want_bus)
			follow(r, d);
	}
	if (!r->followed && r->want_bus == ev->bus && r->want_dev == ev->dev)
		follow(r, d);
	if (d != r->followed) {
		r->st.other_device++;
		return 0;
	}
	if (ev->xfer == CAPTURE_XFER_BULK || ev->xfer == CAPTURE_XFER_INTR)
		return pipe_transfer(r, d, ev);
	return 0;
}

void capture_reasm_end(struct capture_reasm *r)
{
	for (size_t i = 0; i < r->npipes; i++)
		capture_pipe_flush(&r->pipes[i], CAPTURE_CUT_UNFINISHED,
				handle_container, r);
	end_txn(r);
}

void capture_reasm_get_stats(const struct capture_reasm *r,
			  struct capture_reasm_stats *out)
{
	*out = r->st;
}

const struct capture_device *capture_reasm_devices(const struct capture_reasm *r,
					     size_t *n)
{
	*n = r->ndevs;
	return r->devs;
}
