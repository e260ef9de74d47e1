/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The usbfs ioctls of the emulated device, answered on umockdev's handler
 * thread: URB submission and reaping, discard, claim, halts, capabilities.
 * Kernel behaviour imitated is drivers/usb/core/devio.c's, as libusb 1.0.26
 * (os/linux_usbfs.c) relies on it; see usbdev.h for the list.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
/* <linux/ioctl.h> first, or the USBDEVFS_* numbers are not constant
 * expressions usable as case labels (umockdev recipe). */
#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>

#include "usbdev/usbdev_priv.h"

/* What a Linux kernel on an xHCI controller reports (see usbdev.h). */
#define USBDEV_CAPS                                                            \
	(USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |           \
	 USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_BULK_SCATTER_GATHER |  \
	 USBDEVFS_CAP_REAP_AFTER_DISCONNECT)
/* Largest bulk URB accepted (libgphoto2 reads 512 KiB blocks, dossier
 * §1.4; live-view frames are far below this). */
#define USBDEV_BULK_MAX (16u << 20)
/* usbfs limits a control transfer's data stage to one page. */
#define USBDEV_CTRL_MAX 4096
#define USB_SETUP_LEN 8
/* Bulk packet size of the body (ilce-6300-usb.md). */
#define USBDEV_MAX_PACKET 512
/* USB_SPEED_HIGH in the kernel's enum usb_device_speed. */
#define USBDEV_SPEED_HIGH 3
/* The only interface of the body. */
#define USBDEV_INTERFACE 0
/* The driver name GETDRIVER reports while another program holds the
 * interface through usbfs, as gvfs/libgphoto2 do. */
#define USBDEV_HOLDER_DRIVER "usbfs"
/* Longest wait of a blocking REAPURB before answering EAGAIN anyway (no
 * known client uses it; the handler thread must not stall). */
#define USBDEV_BLOCKING_REAP_MS 50

static int claim_for(struct usbdev *u, UMockdevIoctlClient *c);

static void complete(UMockdevIoctlClient *c, long res, int err)
{
	umockdev_ioctl_client_complete(c, res, err);
}

static UMockdevIoctlData *resolve(UMockdevIoctlData *d, size_t off,
				  size_t len)
{
	GError *e = NULL;
	UMockdevIoctlData *r = umockdev_ioctl_data_resolve(d, off, len, &e);

	if (!r) {
		log_warn(EMU, "usbdev: resolve failed: %s",
			 e ? e->message : "?");
		g_clear_error(&e);
	}
	return r;
}

static struct usbdev_client *client_slot(struct usbdev *u,
					 UMockdevIoctlClient *c)
{
	struct usbdev_client *free_slot = NULL;

	for (size_t i = 0; i < USBDEV_MAX_CLIENTS; i++) {
		if (u->clients[i].c == c)
			return &u->clients[i];
		if (!u->clients[i].c && !free_slot)
			free_slot = &u->clients[i];
	}
	if (free_slot) {
		free_slot->c = c;
		free_slot->empty_reaps = 0;
		u->stats.clients++;
	}
	return free_slot;
}

/* A client is alive while the device is plugged and it opened the node the
 * device has now (after a replug the device number changes). */
static bool alive(struct usbdev *u, UMockdevIoctlClient *c)
{
	if (!u->down && u->ops->plugged && !u->ops->plugged(u->dev)) {
		u->down = true;
		usbdev_fail_pending(u);
	}
	return !u->down &&
	       strcmp(umockdev_ioctl_client_get_devnode(c), u->node) == 0;
}

static struct usbdevfs_urb *urb_of(const struct usbdev_urb *x)
{
	return (struct usbdevfs_urb *)(void *)x->data->data;
}

static void finish_urb(struct usbdev *u, struct usbdev_urb *x, int status,
		       size_t actual)
{
	struct usbdevfs_urb *urb = urb_of(x);

	urb->status = status;
	urb->actual_length = (int)actual;
	x->done = true;
	x->done_seq = ++u->done_seq;
}

void usbdev_fail_pending(struct usbdev *u)
{
	for (struct usbdev_urb *x = u->urbs; x; x = x->next)
		if (!x->done)
			finish_urb(u, x, -ESHUTDOWN, 0);
}

static void free_urb(struct usbdev_urb *x)
{
	if (x->buf)
		umockdev_ioctl_data_unref(x->buf);
	umockdev_ioctl_data_unref(x->data);
	mem_free(x);
}

static void unlink_urb(struct usbdev *u, struct usbdev_urb *x)
{
	for (struct usbdev_urb **p = &u->urbs; *p; p = &(*p)->next) {
		if (*p == x) {
			*p = x->next;
			return;
		}
	}
}

void usbdev_drop_urbs(struct usbdev *u, UMockdevIoctlClient *c)
{
	struct usbdev_urb **p = &u->urbs;

	while (*p) {
		struct usbdev_urb *x = *p;
		if (!c || x->client == c) {
			*p = x->next;
			free_urb(x);
		} else {
			p = &x->next;
		}
	}
}

static void append_urb(struct usbdev *u, struct usbdev_urb *x)
{
	struct usbdev_urb **p = &u->urbs;

	while (*p)
		p = &(*p)->next;
	*p = x;
}

/* ---- submission ---------------------------------------------------------- */

static int check_urb(const struct usbdevfs_urb *urb)
{
	switch (urb->type) {
	case USBDEVFS_URB_TYPE_CONTROL:
		if (urb->endpoint != 0 || urb->buffer_length < USB_SETUP_LEN ||
		    urb->buffer_length > USB_SETUP_LEN + USBDEV_CTRL_MAX)
			return EINVAL;
		return 0;
	case USBDEVFS_URB_TYPE_BULK:
		if (urb->endpoint != PTP_EP_BULK_OUT &&
		    urb->endpoint != PTP_EP_BULK_IN)
			return ENOENT;
		if (urb->buffer_length < 0 ||
		    (unsigned)urb->buffer_length > USBDEV_BULK_MAX)
			return EINVAL;
		return 0;
	case USBDEVFS_URB_TYPE_INTERRUPT:
		if (urb->endpoint != PTP_EP_INTR_IN)
			return ENOENT;
		return urb->buffer_length > 0 ? 0 : EINVAL;
	default:
		return EINVAL; /* no isochronous endpoints */
	}
}

/*
 * Follows the host's OUT containers by their length field to check that a
 * container of an exact multiple of 512 bytes is ended by a ZLP (dossier
 * §1.4). Returns false for a container that starts while a ZLP is owed.
 */
static bool out_framing_ok(struct usbdev *u, struct usbdev_client *cl,
			   const uint8_t *p, size_t len)
{
	if (!cl)
		return true;
	if (len == 0) {
		cl->zlp_owed = false;
		return true;
	}
	if (cl->out_left == 0) {
		if (cl->zlp_owed) {
			cl->zlp_owed = false;
			u->stats.zlp_missing++;
			log_warn(EMU, "usbdev: host sent a new OUT container "
				      "without the ZLP owed after a 512-byte "
				      "multiple (dossier §1.4)");
			return false;
		}
		cl->out_left = len >= 4 ? get_u32le(p) : 0;
		cl->zlp_owed = cl->out_left > 0 &&
			       cl->out_left % USBDEV_MAX_PACKET == 0;
	}
	cl->out_left = len < cl->out_left ? cl->out_left - (uint32_t)len : 0;
	return true;
}

/* Returns AGAIN while the device NAKs (the URB stays pending, as the
 * host controller keeps retrying), 0 once the URB completed. */
static int run_out(struct usbdev *u, struct usbdev_urb *x)
{
	struct usbdevfs_urb *urb = urb_of(x);
	size_t len = (size_t)urb->buffer_length;
	const uint8_t *p = x->buf ? x->buf->data : (const uint8_t *)"";
	struct usbdev_client *cl = client_slot(u, x->client);
	bool zlp = (urb->flags & USBDEVFS_URB_ZERO_PACKET) && len > 0 &&
		   len % USBDEV_MAX_PACKET == 0;
	int rc = 0;

	if (!x->data_sent) {
		rc = u->ops->bulk_out(u->dev, p, len);
		if (rc == ALPHAFS_ERR_AGAIN)
			return rc;
		x->data_sent = rc == 0;
		if (rc == 0 && !out_framing_ok(u, cl, p, len))
			rc = ALPHAFS_ERR_PIPE;
	}
	/* URB_ZERO_PACKET: the HCD appends a ZLP when the length is a
	 * non-zero multiple of wMaxPacketSize. */
	if (rc == 0 && zlp) {
		rc = u->ops->bulk_out(u->dev, p, 0);
		if (rc == ALPHAFS_ERR_AGAIN)
			return rc;
		out_framing_ok(u, cl, p, 0);
	}
	if (rc == ALPHAFS_ERR_NO_DEVICE) {
		u->down = true;
		usbdev_fail_pending(u);
		return 0;
	}
	finish_urb(u, x, usbdev_status(rc), rc == 0 ? len : 0);
	return 0;
}

static void run_control(struct usbdev *u, struct usbdev_urb *x)
{
	struct usbdevfs_urb *urb = urb_of(x);
	uint8_t *p = x->buf->data;
	size_t actual = 0;
	int st = usbdev_ep0(u, p, p + USB_SETUP_LEN,
			    (size_t)urb->buffer_length - USB_SETUP_LEN, &actual);

	finish_urb(u, x, st, actual);
}

/* An OUT URB queued behind another pending one on the same pipe waits
 * its turn. */
static bool out_queued(struct usbdev *u, UMockdevIoctlClient *c,
		       const struct usbdev_urb *self)
{
	for (struct usbdev_urb *x = u->urbs; x && x != self; x = x->next)
		if (!x->done && x->client == c && x->ep == PTP_EP_BULK_OUT &&
		    x->type == USBDEVFS_URB_TYPE_BULK)
			return true;
	return false;
}

static int submit(struct usbdev *u, UMockdevIoctlClient *c,
		  UMockdevIoctlData *ud)
{
	struct usbdevfs_urb *urb = (struct usbdevfs_urb *)(void *)ud->data;
	struct usbdev_urb *x;
	int e = check_urb(urb);

	if (e)
		return e;
	/* A usbfs without ZERO_PACKET refuses the unknown flag (devio.c
	 * checks the flags it allows). */
	if (u->opt.no_zero_packet_cap &&
	    (urb->flags & USBDEVFS_URB_ZERO_PACKET))
		return EINVAL;
	if (urb->type != USBDEVFS_URB_TYPE_CONTROL && claim_for(u, c))
		return EBUSY; /* usbfs claims implicitly, and fails */
	x = mem_calloc(1, sizeof(*x));
	if (!x)
		return ENOMEM;
	x->data = ud;
	x->client = c;
	x->ep = urb->endpoint;
	x->type = urb->type;
	if (urb->buffer_length > 0) {
		x->buf = resolve(ud, offsetof(struct usbdevfs_urb, buffer),
				 (size_t)urb->buffer_length);
		if (!x->buf) {
			mem_free(x);
			return EFAULT;
		}
	}
	umockdev_ioctl_data_ref(ud);
	append_urb(u, x);
	u->stats.submits++;
	if (x->type == USBDEVFS_URB_TYPE_CONTROL)
		run_control(u, x);
	else if (x->ep == PTP_EP_BULK_OUT && !out_queued(u, c, x))
		run_out(u, x);
	/* IN URBs (and OUT ones the device NAKs) stay pending until the
	 * device is ready (fill_pending). */
	return 0;
}

static void do_submit(struct usbdev *u, UMockdevIoctlClient *c)
{
	UMockdevIoctlData *ud =
		resolve(umockdev_ioctl_client_get_arg(c), 0,
			sizeof(struct usbdevfs_urb));
	int e;

	if (!ud) {
		complete(c, -1, EFAULT);
		return;
	}
	pthread_mutex_lock(&u->lock);
	e = alive(u, c) ? submit(u, c, ud) : ENODEV;
	pthread_mutex_unlock(&u->lock);
	umockdev_ioctl_data_unref(ud);
	complete(c, e ? -1 : 0, e);
}

/* ---- reaping ------------------------------------------------------------- */

static int fill_one(struct usbdev *u, struct usbdev_urb *x)
{
	struct usbdevfs_urb *urb = urb_of(x);
	size_t cap = (size_t)urb->buffer_length, got = 0;
	int rc;

	if (x->ep == PTP_EP_BULK_OUT)
		return run_out(u, x);
	if (x->ep == PTP_EP_BULK_IN)
		rc = u->ops->bulk_in(u->dev, x->buf->data, cap, &got);
	else
		rc = u->ops->interrupt_in(u->dev, x->buf->data, cap, &got);
	if (rc == ALPHAFS_ERR_AGAIN)
		return rc;
	if (rc == ALPHAFS_ERR_NO_DEVICE) {
		u->down = true;
		usbdev_fail_pending(u);
		return 0;
	}
	/* An overflow keeps what fit, as the HCD reports babble. */
	finish_urb(u, x, usbdev_status(rc), got < cap ? got : cap);
	return 0;
}

/* Gives the device a chance to complete this client's oldest pending URB
 * on each endpoint (endpoints are FIFOs). */
static void fill_pending(struct usbdev *u, UMockdevIoctlClient *c)
{
	bool blocked_out = false, blocked_in = false, blocked_intr = false;

	for (struct usbdev_urb *x = u->urbs; x && !u->down; x = x->next) {
		if (x->done || x->client != c ||
		    x->type == USBDEVFS_URB_TYPE_CONTROL)
			continue;
		bool *blocked = x->ep == PTP_EP_BULK_OUT  ? &blocked_out
				: x->ep == PTP_EP_BULK_IN ? &blocked_in
							  : &blocked_intr;
		if (*blocked)
			continue;
		if (fill_one(u, x) == ALPHAFS_ERR_AGAIN)
			*blocked = true;
	}
}

static struct usbdev_urb *oldest_done(struct usbdev *u,
				      UMockdevIoctlClient *c)
{
	struct usbdev_urb *best = NULL;

	for (struct usbdev_urb *x = u->urbs; x; x = x->next)
		if (x->client == c && x->done &&
		    (!best || x->done_seq < best->done_seq))
			best = x;
	return best;
}

/* The endpoint worth waiting on: a bulk pipe first (the transaction in
 * flight), else the interrupt pipe; 0 when no URB is pending. */
static uint8_t wait_ep(struct usbdev *u, UMockdevIoctlClient *c)
{
	uint8_t ep = 0;

	for (struct usbdev_urb *x = u->urbs; x; x = x->next) {
		if (x->done || x->client != c ||
		    x->type == USBDEVFS_URB_TYPE_CONTROL)
			continue;
		if (x->ep != PTP_EP_INTR_IN)
			return x->ep;
		ep = PTP_EP_INTR_IN;
	}
	return ep;
}

/*
 * Busy-poll brake: libusb reaps until EAGAIN after every wake-up, so the
 * first empty reap after a success answers at once; the following ones (a
 * transfer is waiting and libusb polls the always-ready fd in a loop) wait
 * for the device up to reap_wait_ms. Lock held on entry and exit, released
 * during the wait.
 */
static void brake(struct usbdev *u, struct usbdev_client *cl,
		  UMockdevIoctlClient *c, unsigned ms)
{
	uint8_t ep;

	if (ms == 0 || (cl && cl->empty_reaps++ == 0))
		return;
	ep = wait_ep(u, c);
	u->stats.waits++;
	pthread_mutex_unlock(&u->lock);
	if (ep && !u->down)
		u->ops->wait(u->dev, ep, ms);
	else
		clock_sleep_ms(ms);
	pthread_mutex_lock(&u->lock);
}

static void hand_back(struct usbdev *u, UMockdevIoctlClient *c,
		      struct usbdev_urb *x)
{
	UMockdevIoctlData *ptr =
		resolve(umockdev_ioctl_client_get_arg(c), 0, sizeof(void *));

	unlink_urb(u, x);
	if (!ptr) {
		free_urb(x);
		complete(c, -1, EFAULT);
		return;
	}
	/* umockdev writes the URB (status, actual_length) and its buffer
	 * back into the client, and the pointer into *arg. */
	umockdev_ioctl_data_set_ptr(ptr, 0, x->data);
	complete(c, 0, 0);
	umockdev_ioctl_data_unref(ptr);
	free_urb(x);
}

static void do_reap(struct usbdev *u, UMockdevIoctlClient *c, bool block)
{
	struct usbdev_client *cl;
	struct usbdev_urb *x;
	unsigned ms = block ? USBDEV_BLOCKING_REAP_MS : u->opt.reap_wait_ms;
	bool up;

	pthread_mutex_lock(&u->lock);
	u->stats.reaps++;
	cl = client_slot(u, c);
	up = alive(u, c);
	if (up)
		fill_pending(u, c);
	x = oldest_done(u, c);
	if (!x) {
		brake(u, cl, c, ms);
		up = alive(u, c);
		if (up)
			fill_pending(u, c);
		x = oldest_done(u, c);
	}
	if (x) {
		if (cl)
			cl->empty_reaps = 0;
		hand_back(u, c, x);
	} else {
		u->stats.empty_reaps++;
		/* Completed URBs first, then ENODEV: the kernel's order. */
		complete(c, -1, up ? EAGAIN : ENODEV);
	}
	pthread_mutex_unlock(&u->lock);
}

static void do_discard(struct usbdev *u, UMockdevIoctlClient *c)
{
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
	unsigned long addr = 0;
	int e = EINVAL;

	if (arg->data_len >= (int)sizeof(addr))
		memcpy(&addr, arg->data, sizeof(addr));
	pthread_mutex_lock(&u->lock);
	u->stats.discards++;
	for (struct usbdev_urb *x = u->urbs; x; x = x->next) {
		if (x->client != c || x->data->client_addr != addr)
			continue;
		if (!x->done) { /* usb_unlink_urb: reaped later, -ENOENT */
			finish_urb(u, x, -ENOENT, 0);
			e = 0;
		}
		break;
	}
	pthread_mutex_unlock(&u->lock);
	complete(c, e ? -1 : 0, e);
}

/* ---- small ioctls -------------------------------------------------------- */

static bool read_uint(UMockdevIoctlClient *c, unsigned *out)
{
	UMockdevIoctlData *d =
		resolve(umockdev_ioctl_client_get_arg(c), 0, sizeof(*out));

	if (!d)
		return false;
	memcpy(out, d->data, sizeof(*out));
	umockdev_ioctl_data_unref(d);
	return true;
}

/* usbfs semantics: one file handle at a time holds an interface; another
 * one claiming it (explicitly, or implicitly by submitting a bulk URB)
 * is answered EBUSY. */
static int claim_for(struct usbdev *u, UMockdevIoctlClient *c)
{
	if (u->claimed_by_other || (u->claimer && u->claimer != c))
		return EBUSY;
	u->claimer = c;
	return 0;
}

static int do_claim(struct usbdev *u, UMockdevIoctlClient *c)
{
	unsigned ifno;

	if (!read_uint(c, &ifno))
		return EFAULT;
	if (ifno != USBDEV_INTERFACE)
		return ENOENT;
	return claim_for(u, c);
}

static int do_release(struct usbdev *u, UMockdevIoctlClient *c)
{
	unsigned ifno;

	if (!read_uint(c, &ifno))
		return EFAULT;
	if (ifno != USBDEV_INTERFACE || u->claimer != c)
		return EINVAL;
	u->claimer = NULL;
	return 0;
}

static int do_clear_halt(struct usbdev *u, UMockdevIoctlClient *c)
{
	unsigned ep;
	int rc;

	if (!read_uint(c, &ep))
		return EFAULT;
	if (ep != PTP_EP_BULK_OUT && ep != PTP_EP_BULK_IN &&
	    ep != PTP_EP_INTR_IN)
		return ENOENT;
	rc = u->ops->clear_halt(u->dev, (uint8_t)ep);
	return rc == ALPHAFS_ERR_NO_DEVICE ? ENODEV : 0;
}

static int do_caps(struct usbdev *u, UMockdevIoctlClient *c)
{
	uint32_t caps = USBDEV_CAPS;
	UMockdevIoctlData *d =
		resolve(umockdev_ioctl_client_get_arg(c), 0, sizeof(caps));

	if (!d)
		return EFAULT;
	if (u->opt.no_zero_packet_cap)
		caps &= ~(uint32_t)USBDEVFS_CAP_ZERO_PACKET;
	memcpy(d->data, &caps, sizeof(caps));
	umockdev_ioctl_data_unref(d);
	return 0;
}

/* GETDRIVER: ENODATA = no driver bound; "usbfs" while another program
 * holds the interface (libusb then reports no kernel driver, and the claim
 * fails with BUSY, as with gvfs). */
static int do_getdriver(struct usbdev *u, UMockdevIoctlClient *c)
{
	struct usbdevfs_getdriver *gd;
	UMockdevIoctlData *d = resolve(umockdev_ioctl_client_get_arg(c), 0,
				       sizeof(*gd));

	if (!d)
		return EFAULT;
	gd = (struct usbdevfs_getdriver *)(void *)d->data;
	int e = ENODATA;
	if (gd->interface == USBDEV_INTERFACE &&
	    (u->claimed_by_other || u->claimer)) {
		memset(gd->driver, 0, sizeof(gd->driver));
		memcpy(gd->driver, USBDEV_HOLDER_DRIVER,
		       sizeof(USBDEV_HOLDER_DRIVER));
		e = 0;
	}
	umockdev_ioctl_data_unref(d);
	return e;
}

/* USBDEVFS_IOCTL carries DISCONNECT/CONNECT of the kernel driver: there is
 * none to disconnect. */
static int do_driver_ioctl(UMockdevIoctlClient *c)
{
	struct usbdevfs_ioctl io;
	UMockdevIoctlData *d =
		resolve(umockdev_ioctl_client_get_arg(c), 0, sizeof(io));

	if (!d)
		return EFAULT;
	memcpy(&io, d->data, sizeof(io));
	umockdev_ioctl_data_unref(d);
	if (io.ioctl_code == (int)USBDEVFS_DISCONNECT)
		return ENODATA;
	if (io.ioctl_code == (int)USBDEVFS_CONNECT)
		return 0;
	return ENOTTY;
}

/* Answers the ioctls that need no URB bookkeeping; returns the errno. */
static int simple_ioctl(struct usbdev *u, UMockdevIoctlClient *c,
			unsigned long req, long *res)
{
	*res = 0;
	switch (req) {
	case USBDEVFS_GET_CAPABILITIES:
		return do_caps(u, c);
	case USBDEVFS_CLAIMINTERFACE:
		return do_claim(u, c);
	case USBDEVFS_DISCONNECT_CLAIM:
		return claim_for(u, c);
	case USBDEVFS_RELEASEINTERFACE:
		return do_release(u, c);
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_RESETEP:
	case USBDEVFS_RESET:
		return 0;
	case USBDEVFS_CLEAR_HALT:
		return do_clear_halt(u, c);
	case USBDEVFS_GETDRIVER:
		return do_getdriver(u, c);
	case USBDEVFS_IOCTL:
		return do_driver_ioctl(c);
	case USBDEVFS_GET_SPEED:
		*res = USBDEV_SPEED_HIGH;
		return 0;
	default:
		log_dbg(EMU, "usbdev: ioctl 0x%lx not emulated", req);
		return ENOTTY;
	}
}

static gboolean handle_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c,
			     gpointer data)
{
	static _Thread_local bool named;
	struct usbdev *u = data;
	unsigned long req = umockdev_ioctl_client_get_request(c);
	long res;
	int e;

	(void)h;
	/* umockdev's handler thread serves every client: name it after what
	 * it does here (once; its default name is the program's). */
	if (!named) {
		thread_name_self(USBDEV_THREAD_NAME);
		named = true;
	}
	switch (req) {
	case USBDEVFS_SUBMITURB:
		do_submit(u, c);
		return TRUE;
	case USBDEVFS_REAPURBNDELAY:
		do_reap(u, c, false);
		return TRUE;
	case USBDEVFS_REAPURB:
		do_reap(u, c, true);
		return TRUE;
	case USBDEVFS_DISCARDURB:
		do_discard(u, c);
		return TRUE;
	default:
		break;
	}
	pthread_mutex_lock(&u->lock);
	e = alive(u, c) ? simple_ioctl(u, c, req, &res) : ENODEV;
	pthread_mutex_unlock(&u->lock);
	complete(c, e ? -1 : res, e);
	return TRUE;
}

static void handle_client_vanished(UMockdevIoctlBase *h,
				   UMockdevIoctlClient *c, gpointer data)
{
	struct usbdev *u = data;

	(void)h;
	pthread_mutex_lock(&u->lock);
	usbdev_drop_urbs(u, c);
	if (u->claimer == c)
		u->claimer = NULL;
	for (size_t i = 0; i < USBDEV_MAX_CLIENTS; i++)
		if (u->clients[i].c == c)
			u->clients[i].c = NULL;
	pthread_mutex_unlock(&u->lock);
}

void usbdev_handler_connect(struct usbdev *u)
{
	g_signal_connect(u->handler, "handle-ioctl", G_CALLBACK(handle_ioctl),
			 u);
	g_signal_connect(u->handler, "client-vanished",
			 G_CALLBACK(handle_client_vanished), u);
}
