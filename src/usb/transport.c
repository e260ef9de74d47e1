/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PTP transport over libusb-1.0: bulk pipes as single libusb transfers
 * (USB short-packet and ZLP rules, dossier §1.4), the interrupt pipe on its
 * own asynchronous transfer (dossier §6), class requests on EP0 (§1.5) and
 * halt recovery (§1.6). See usb.h for the event-pumping design.
 */
#include <stdio.h>
#include <string.h>

#include <libusb.h>

#include "usb/usb.h"

/* Used when a caller passes 0 for a bulk or control timeout: every wait
 * has a deadline. */
#define USB_DEFAULT_TIMEOUT_MS 5000
/* One event container is at most 24 bytes (dossier §6); the buffer is a
 * multiple of the interrupt wMaxPacketSize (32) so a full packet never
 * overflows it. */
#define USB_EVENT_BUF 64
/* Events kept while nobody reads them; the oldest is dropped beyond. */
#define USB_EVENT_QUEUE 32
/* Consecutive failed interrupt transfers before the pipe is given up. */
#define USB_INTR_ERROR_BUDGET 8
/* Bulk packet size when the descriptor does not say (USB 2.0 high speed). */
#define USB_DEFAULT_MAX_PACKET 512
/* Slice of one libusb event-handling wait, so deadlines are re-checked. */
#define USB_PUMP_SLICE_MS 100
/* How long destroy waits for the cancelled interrupt transfer. */
#define USB_CANCEL_WAIT_MS 1000

struct usb_event {
	uint8_t data[USB_EVENT_BUF];
	size_t len;
};

struct usb_transport {
	struct ptp_transport base;
	libusb_context *ctx;
	bool own_ctx;
	libusb_device_handle *h;
	uint8_t bus, dev;
	uint8_t itf, ep_out, ep_in, ep_intr;
	bool claimed, detached;
	bool gone;	      /* NO_DEVICE seen: every call answers it */
	bool no_zlp_flag;     /* kernel lacks USBFS_CAP_ZERO_PACKET */
	struct libusb_transfer *intr;
	bool intr_active;     /* the interrupt transfer is in flight */
	bool closing;
	unsigned intr_errors; /* consecutive failures */
	int event_arrived;    /* set by the callback; completion flag */
	uint8_t intr_buf[USB_EVENT_BUF];
	pthread_mutex_t lock; /* guards the queue below */
	struct usb_event q[USB_EVENT_QUEUE];
	size_t q_head, q_count;
	uint64_t events_dropped;
};

static struct usb_transport *to_usb(struct ptp_transport *t)
{
	return (struct usb_transport *)t;
}

static int map_status(enum libusb_transfer_status st)
{
	switch (st) {
	case LIBUSB_TRANSFER_COMPLETED:
		return 0;
	case LIBUSB_TRANSFER_TIMED_OUT:
		return ALPHAFS_ERR_TIMEOUT;
	case LIBUSB_TRANSFER_STALL:
		return ALPHAFS_ERR_PIPE;
	case LIBUSB_TRANSFER_NO_DEVICE:
		return ALPHAFS_ERR_NO_DEVICE;
	case LIBUSB_TRANSFER_OVERFLOW:
		return ALPHAFS_ERR_OVERFLOW;
	case LIBUSB_TRANSFER_CANCELLED:
		return ALPHAFS_ERR_INTERRUPTED;
	case LIBUSB_TRANSFER_ERROR:
		break;
	}
	return ALPHAFS_ERR_IO;
}

static int note(struct usb_transport *t, int rc)
{
	if (rc == ALPHAFS_ERR_NO_DEVICE)
		t->gone = true;
	return rc;
}

/* One event-handling slice bounded by deadline_ms (CLOCK_MONOTONIC). */
static int pump(struct usb_transport *t, uint64_t deadline_ms, int *flag)
{
	uint64_t now = clock_now_ms();
	uint64_t left = deadline_ms > now ? deadline_ms - now : 0;
	struct timeval tv;

	if (left > USB_PUMP_SLICE_MS)
		left = USB_PUMP_SLICE_MS;
	tv.tv_sec = 0;
	tv.tv_usec = (suseconds_t)(left * 1000);
	return libusb_handle_events_timeout_completed(t->ctx, &tv, flag);
}

static void LIBUSB_CALL handle_sync_done(struct libusb_transfer *x)
{
	*(int *)x->user_data = 1;
}

/*
 * Submits one bulk transfer and pumps events until it completes. libusb
 * enforces the timeout itself (the transfer completes TIMED_OUT); the loop
 * only cancels when event handling fails, as libusb's own sync API does.
 */
static int run_bulk(struct usb_transport *t, uint8_t ep, uint8_t *buf,
		    size_t len, uint8_t flags, unsigned timeout_ms,
		    size_t *got)
{
	struct libusb_transfer *x = libusb_alloc_transfer(0);
	int done = 0, r;

	*got = 0;
	if (!x)
		return ALPHAFS_ERR_NOMEM;
	libusb_fill_bulk_transfer(x, t->h, ep, buf, (int)len,
				  handle_sync_done, &done, timeout_ms);
	x->flags = flags;
	r = libusb_submit_transfer(x);
	if (r < 0) {
		libusb_free_transfer(x);
		/* ADD_ZERO_PACKET refused: libusb says NOT_SUPPORTED where it
		 * checks the usbfs capability (>= 1.0.27); 1.0.26 passes the
		 * flag on and an old usbfs rejects it (EINVAL -> IO). Nothing
		 * was sent either way, so the caller may retry without. */
		if (flags && (r == LIBUSB_ERROR_NOT_SUPPORTED ||
			      r == LIBUSB_ERROR_IO))
			return ALPHAFS_ERR_UNSUPPORTED;
		return note(t, usb_map_libusb_error(r));
	}
	while (!done) {
		r = libusb_handle_events_completed(t->ctx, &done);
		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED)
			libusb_cancel_transfer(x);
	}
	*got = (size_t)x->actual_length;
	r = map_status(x->status);
	libusb_free_transfer(x);
	return note(t, r);
}

static int check_usable(struct usb_transport *t)
{
	return t->gone ? ALPHAFS_ERR_NO_DEVICE : 0;
}

static int usb_bulk_out(struct ptp_transport *pt, const uint8_t *buf,
			size_t len, unsigned timeout_ms)
{
	struct usb_transport *t = to_usb(pt);
	bool zlp = len > 0 && len % pt->max_packet == 0;
	size_t got;
	int r = check_usable(t);

	if (r < 0)
		return r;
	if (len > INT32_MAX)
		return ALPHAFS_ERR_TOO_BIG;
	if (timeout_ms == 0)
		timeout_ms = USB_DEFAULT_TIMEOUT_MS;
	/* libusb needs a non-const buffer; an OUT transfer only reads it. */
	uint8_t *data = (uint8_t *)(uintptr_t)buf;
	if (zlp && !t->no_zlp_flag) {
		r = run_bulk(t, t->ep_out, data, len,
			     LIBUSB_TRANSFER_ADD_ZERO_PACKET, timeout_ms, &got);
		if (r != ALPHAFS_ERR_UNSUPPORTED)
			goto out;
		t->no_zlp_flag = true;
		log_info(USB, "%s: no ZERO_PACKET support, sending ZLPs "
			      "as separate transfers", pt->name);
	}
	r = run_bulk(t, t->ep_out, data, len, 0, timeout_ms, &got);
	/* The terminating ZLP as its own zero-length transfer (dossier
	 * §1.4: a multiple of 512 must be followed by a ZLP). */
	if (r == 0 && zlp && got == len) {
		size_t zgot;
		r = run_bulk(t, t->ep_out, data, 0, 0, timeout_ms, &zgot);
	}
out:
	if (r == 0 && got != len)
		r = ALPHAFS_ERR_IO;
	if (r < 0)
		log_dbg(USB, "%s: bulk OUT %zu bytes: %s", pt->name, len,
			alphafs_err_name(r));
	return r;
}

static int usb_bulk_in(struct ptp_transport *pt, uint8_t *buf, size_t cap,
		       size_t *got, unsigned timeout_ms)
{
	struct usb_transport *t = to_usb(pt);
	int r = check_usable(t);

	*got = 0;
	if (r < 0)
		return r;
	if (cap > INT32_MAX)
		cap = INT32_MAX - INT32_MAX % pt->max_packet;
	if (timeout_ms == 0)
		timeout_ms = USB_DEFAULT_TIMEOUT_MS;
	r = run_bulk(t, t->ep_in, buf, cap, 0, timeout_ms, got);
	if (r < 0)
		log_dbg(USB, "%s: bulk IN cap %zu got %zu: %s", pt->name, cap,
			*got, alphafs_err_name(r));
	return r;
}

/* ---- interrupt pipe ------------------------------------------------------ */

static void queue_event(struct usb_transport *t, const uint8_t *p, size_t n)
{
	pthread_mutex_lock(&t->lock);
	if (t->q_count == USB_EVENT_QUEUE) {
		t->q_head = (t->q_head + 1) % USB_EVENT_QUEUE;
		t->q_count--;
		t->events_dropped++;
	}
	struct usb_event *e = &t->q[(t->q_head + t->q_count) % USB_EVENT_QUEUE];
	memcpy(e->data, p, n);
	e->len = n;
	t->q_count++;
	pthread_mutex_unlock(&t->lock);
}

static bool pop_event(struct usb_transport *t, uint8_t *buf, size_t cap,
		      size_t *got)
{
	bool have;

	pthread_mutex_lock(&t->lock);
	have = t->q_count > 0;
	if (have) {
		struct usb_event *e = &t->q[t->q_head];
		*got = e->len < cap ? e->len : cap;
		memcpy(buf, e->data, *got);
		t->q_head = (t->q_head + 1) % USB_EVENT_QUEUE;
		t->q_count--;
	}
	pthread_mutex_unlock(&t->lock);
	return have;
}

static void LIBUSB_CALL handle_event(struct libusb_transfer *x);

static int submit_intr(struct usb_transport *t)
{
	int r;

	libusb_fill_interrupt_transfer(t->intr, t->h, t->ep_intr, t->intr_buf,
				       sizeof(t->intr_buf), handle_event, t, 0);
	r = libusb_submit_transfer(t->intr);
	t->intr_active = r == 0;
	if (r < 0)
		return note(t, usb_map_libusb_error(r));
	return 0;
}

static void LIBUSB_CALL handle_event(struct libusb_transfer *x)
{
	struct usb_transport *t = x->user_data;

	t->intr_active = false;
	t->event_arrived = 1;
	switch (x->status) {
	case LIBUSB_TRANSFER_COMPLETED:
		t->intr_errors = 0;
		if (x->actual_length > 0)
			queue_event(t, x->buffer, (size_t)x->actual_length);
		break;
	case LIBUSB_TRANSFER_NO_DEVICE:
		t->gone = true;
		return;
	case LIBUSB_TRANSFER_CANCELLED:
		return;
	case LIBUSB_TRANSFER_STALL:
		/* Cleared in event_in on the owner thread (a control
		 * request cannot be issued from inside a callback). */
		t->intr_errors++;
		return;
	case LIBUSB_TRANSFER_TIMED_OUT:
	case LIBUSB_TRANSFER_ERROR:
	case LIBUSB_TRANSFER_OVERFLOW:
		t->intr_errors++;
		break;
	}
	if (!t->closing && t->intr_errors < USB_INTR_ERROR_BUDGET)
		submit_intr(t);
}

/* Restarts a stopped interrupt pipe (after a stall) within its budget. */
static int revive_intr(struct usb_transport *t)
{
	if (t->intr_active || !t->ep_intr || t->closing)
		return 0;
	if (t->intr_errors >= USB_INTR_ERROR_BUDGET)
		return ALPHAFS_ERR_IO;
	libusb_clear_halt(t->h, t->ep_intr);
	return submit_intr(t);
}

static int usb_event_in(struct ptp_transport *pt, uint8_t *buf, size_t cap,
			size_t *got, unsigned timeout_ms)
{
	struct usb_transport *t = to_usb(pt);
	uint64_t deadline = clock_now_ms() + timeout_ms;
	int r;

	*got = 0;
	if (!t->ep_intr)
		return ALPHAFS_ERR_UNSUPPORTED;
	for (;;) {
		if (pop_event(t, buf, cap, got))
			return 0;
		if (t->gone)
			return ALPHAFS_ERR_NO_DEVICE;
		r = revive_intr(t);
		if (r < 0)
			return r;
		t->event_arrived = 0;
		r = pump(t, deadline, &t->event_arrived);
		if (r < 0 && r != LIBUSB_ERROR_INTERRUPTED &&
		    r != LIBUSB_ERROR_TIMEOUT)
			return note(t, usb_map_libusb_error(r));
		if (!t->event_arrived && clock_now_ms() >= deadline &&
		    !pop_event(t, buf, cap, got))
			return t->gone ? ALPHAFS_ERR_NO_DEVICE
				       : ALPHAFS_ERR_TIMEOUT;
	}
}

/* ---- EP0 ------------------------------------------------------------------ */

static int usb_control(struct ptp_transport *pt, uint8_t request_type,
		       uint8_t request, uint16_t value, uint8_t *data,
		       uint16_t len, size_t *got, unsigned timeout_ms)
{
	struct usb_transport *t = to_usb(pt);
	int r = check_usable(t);

	if (got)
		*got = 0;
	if (r < 0)
		return r;
	if (timeout_ms == 0)
		timeout_ms = USB_DEFAULT_TIMEOUT_MS;
	/* wIndex = the PTP interface number (dossier §1.5). */
	r = libusb_control_transfer(t->h, request_type, request, value, t->itf,
				    data, len, timeout_ms);
	if (r < 0) {
		log_dbg(USB, "%s: class request 0x%02x: %s", pt->name,
			request, libusb_error_name(r));
		return note(t, usb_map_libusb_error(r));
	}
	if (got)
		*got = (size_t)r;
	return 0;
}

static uint8_t real_ep(struct usb_transport *t, uint8_t ep)
{
	switch (ep) {
	case PTP_EP_BULK_OUT:
		return t->ep_out;
	case PTP_EP_BULK_IN:
		return t->ep_in;
	case PTP_EP_INTR_IN:
		return t->ep_intr;
	default:
		return 0;
	}
}

static int usb_clear_halt(struct ptp_transport *pt, uint8_t ep)
{
	struct usb_transport *t = to_usb(pt);
	uint8_t addr = real_ep(t, ep);
	int r = check_usable(t);

	if (r < 0)
		return r;
	if (!addr)
		return ALPHAFS_ERR_INVALID;
	r = libusb_clear_halt(t->h, addr);
	if (r < 0)
		return note(t, usb_map_libusb_error(r));
	log_dbg(USB, "%s: cleared halt on 0x%02x", pt->name, addr);
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------ */

static void stop_intr(struct usb_transport *t)
{
	uint64_t deadline = clock_now_ms() + USB_CANCEL_WAIT_MS;

	t->closing = true;
	if (!t->intr)
		return;
	if (t->intr_active)
		libusb_cancel_transfer(t->intr);
	while (t->intr_active && clock_now_ms() < deadline) {
		t->event_arrived = 0;
		pump(t, deadline, &t->event_arrived);
	}
	if (t->intr_active) {
		/* Freeing an in-flight transfer would let libusb write into
		 * freed memory: leak it instead (never seen in practice). */
		log_err(USB, "%s: interrupt transfer did not cancel",
			t->base.name);
		return;
	}
	libusb_free_transfer(t->intr);
	t->intr = NULL;
}

static void usb_destroy(struct ptp_transport *pt)
{
	struct usb_transport *t = to_usb(pt);

	if (!t)
		return;
	if (t->h) {
		stop_intr(t);
		if (t->claimed && !t->gone)
			libusb_release_interface(t->h, t->itf);
		if (t->detached && !t->gone)
			libusb_attach_kernel_driver(t->h, t->itf);
		libusb_close(t->h);
	}
	if (t->own_ctx)
		libusb_exit(t->ctx);
	pthread_mutex_destroy(&t->lock);
	mem_free(t);
}

static const struct ptp_transport_ops usb_ops = {
	.bulk_out = usb_bulk_out,
	.bulk_in = usb_bulk_in,
	.event_in = usb_event_in,
	.control = usb_control,
	.clear_halt = usb_clear_halt,
	.destroy = usb_destroy,
};

static int find_device(struct usb_transport *t, libusb_device **out)
{
	libusb_device **devs;
	ssize_t n = libusb_get_device_list(t->ctx, &devs);

	*out = NULL;
	if (n < 0)
		return usb_map_libusb_error((int)n);
	for (ssize_t i = 0; i < n && !*out; i++)
		if (libusb_get_bus_number(devs[i]) == t->bus &&
		    libusb_get_device_address(devs[i]) == t->dev)
			*out = libusb_ref_device(devs[i]);
	libusb_free_device_list(devs, 1);
	return *out ? 0 : ALPHAFS_ERR_NO_DEVICE;
}

static int open_handle(struct usb_transport *t, struct err_detail *err)
{
	libusb_device *d;
	int r = find_device(t, &d);

	if (r < 0)
		return err_set(err, r, "%s: the camera went away while opening",
			       t->base.name);
	r = libusb_open(d, &t->h);
	libusb_unref_device(d);
	if (r == LIBUSB_ERROR_ACCESS)
		return err_set(err, ALPHAFS_ERR_ACCESS,
			       "%s: no permission on /dev/bus/usb/%03u/%03u; "
			       "install a udev rule such as SUBSYSTEM==\"usb\", "
			       "ATTR{idVendor}==\"054c\", MODE=\"0660\", "
			       "GROUP=\"plugdev\" and join that group",
			       t->base.name, t->bus, t->dev);
	if (r < 0)
		return err_set(err, usb_map_libusb_error(r), "%s: open: %s",
			       t->base.name, libusb_strerror(r));
	return 0;
}

static int detach_driver(struct usb_transport *t, struct err_detail *err)
{
	int r = libusb_kernel_driver_active(t->h, t->itf);

	if (r <= 0) /* 0: none; an error here is not fatal: claim decides */
		return 0;
	r = libusb_detach_kernel_driver(t->h, t->itf);
	if (r < 0 && r != LIBUSB_ERROR_NOT_FOUND)
		return err_set(err, usb_map_libusb_error(r),
			       "%s: cannot detach the kernel driver from "
			       "interface %u: %s",
			       t->base.name, t->itf, libusb_strerror(r));
	t->detached = r == 0;
	log_info(USB, "%s: detached kernel driver", t->base.name);
	return 0;
}

static int claim(struct usb_transport *t, struct err_detail *err)
{
	char holder[96], msg[ERR_DETAIL_MAX];
	int r = libusb_claim_interface(t->h, t->itf);

	if (r == LIBUSB_ERROR_BUSY) {
		usb_find_holder(t->bus, t->dev, holder, sizeof(holder));
		usb_busy_message(t->base.name, holder, msg, sizeof(msg));
		return err_set(err, ALPHAFS_ERR_BUSY, "%s", msg);
	}
	if (r < 0)
		return err_set(err, usb_map_libusb_error(r),
			       "%s: claim interface %u: %s", t->base.name,
			       t->itf, libusb_strerror(r));
	t->claimed = true;
	return 0;
}

static int start_intr(struct usb_transport *t, struct err_detail *err)
{
	int r;

	if (!t->ep_intr)
		return 0;
	t->intr = libusb_alloc_transfer(0);
	if (!t->intr)
		return err_set(err, ALPHAFS_ERR_NOMEM, "interrupt transfer");
	r = submit_intr(t);
	if (r < 0)
		return err_set(err, r, "%s: interrupt pipe 0x%02x: %s",
			       t->base.name, t->ep_intr, alphafs_strerror(r));
	return 0;
}

static int setup(struct usb_transport *t, const struct usb_selector *sel,
		 struct err_detail *err)
{
	struct usb_camera_desc *list = NULL;
	size_t n = 0, i = 0;
	int r = usb_camera_list(t->ctx, &list, &n, err);

	if (r < 0)
		return r;
	r = usb_camera_select(list, n, sel, &i, err);
	if (r == 0) {
		const struct usb_camera_desc *c = &list[i];
		t->bus = c->bus;
		t->dev = c->dev;
		t->itf = c->interface;
		t->ep_out = c->ep_out;
		t->ep_in = c->ep_in;
		t->ep_intr = c->ep_intr;
		t->base.max_packet = c->max_packet ? c->max_packet
						   : USB_DEFAULT_MAX_PACKET;
		t->base.usb_vendor = c->vendor;
		t->base.usb_product = c->product;
		usb_port_name(c->bus, c->dev, t->base.name,
			      sizeof(t->base.name));
	}
	mem_free(list);
	if (r < 0)
		return r;
	r = open_handle(t, err);
	if (r == 0)
		r = detach_driver(t, err);
	if (r == 0)
		r = claim(t, err);
	if (r == 0)
		r = start_intr(t, err);
	return r;
}

int usb_transport_open(struct libusb_context *ctx,
		       const struct usb_selector *sel,
		       struct ptp_transport **out, struct err_detail *err)
{
	struct usb_transport *t = mem_calloc(1, sizeof(*t));
	int r;

	*out = NULL;
	if (!t)
		return err_set(err, ALPHAFS_ERR_NOMEM, "USB transport");
	t->base.ops = &usb_ops;
	pthread_mutex_init(&t->lock, NULL);
	t->ctx = ctx;
	if (!ctx) {
		r = libusb_init(&t->ctx);
		if (r < 0) {
			pthread_mutex_destroy(&t->lock);
			mem_free(t);
			return err_set(err, usb_map_libusb_error(r),
				       "libusb_init: %s", libusb_strerror(r));
		}
		t->own_ctx = true;
	}
	r = setup(t, sel, err);
	if (r < 0) {
		usb_destroy(&t->base);
		return r;
	}
	log_info(USB, "%s: claimed interface %u (out 0x%02x in 0x%02x "
		      "intr 0x%02x, %zu-byte packets)",
		 t->base.name, t->itf, t->ep_out, t->ep_in, t->ep_intr,
		 t->base.max_packet);
	*out = &t->base;
	return 0;
}

static int open_selected(void *arg, const char *serial,
			 struct ptp_transport **out, struct err_detail *err)
{
	struct usb_selector *sel = arg, same;

	if (serial && serial[0]) {
		memset(&same, 0, sizeof(same));
		same.kind = USB_SELECT_SERIAL;
		snprintf(same.serial, sizeof(same.serial), "%s", serial);
		sel = &same;
	}
	return usb_transport_open(NULL, sel, out, err);
}

struct ptp_transport_opener usb_transport_opener(struct usb_selector *sel)
{
	return (struct ptp_transport_opener){ .open = open_selected,
					      .arg = sel };
}
