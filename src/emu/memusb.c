/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The in-memory transport: a struct ptp_transport whose ops call the
 * emulated camera's device side directly, with USB bulk semantics (the
 * camera frames IN data in packets; OUT transfers that are a non-zero
 * multiple of 512 are followed by a ZLP, as libusb hosts must send it).
 * Waits block on the camera's condition variable with a deadline; a
 * timeout of 0 means "only what is already there".
 */
#include <stdio.h>

#include "emu_internal.h"

struct memusb {
	struct ptp_transport base; /* first: the engine casts back */
	struct emu_camera *cam;	   /* not owned */
};

static struct emu_camera *cam_of(struct ptp_transport *t)
{
	return ((struct memusb *)t)->cam;
}

/* Milliseconds left until deadline_ns, 0 when past. */
static unsigned ms_left(uint64_t deadline_ns)
{
	uint64_t now = clock_now_ns();

	return now >= deadline_ns ? 0
				  : (unsigned)((deadline_ns - now + 999999) /
					       1000000);
}

static int memusb_bulk_out(struct ptp_transport *t, const uint8_t *buf,
			   size_t len, unsigned timeout_ms)
{
	struct emu_camera *cam = cam_of(t);
	uint64_t deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int rc;

	for (;;) {
		rc = emu_camera_bulk_out(cam, buf, len);
		if (rc != ALPHAFS_ERR_AGAIN)
			break;
		if (ms_left(deadline) == 0 ||
		    !emu_camera_wait(cam, PTP_EP_BULK_OUT, ms_left(deadline)))
			return ALPHAFS_ERR_TIMEOUT;
	}
	if (rc == 0 && len > 0 && len % EMU_MAX_PACKET == 0)
		rc = emu_camera_bulk_out(cam, NULL, 0); /* the ZLP */
	return rc;
}

/* Shared by the bulk and interrupt IN pipes. */
static int read_pipe(struct emu_camera *cam, uint8_t ep, uint8_t *buf,
		     size_t cap, size_t *got, unsigned timeout_ms)
{
	uint64_t deadline = clock_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int rc;

	for (;;) {
		rc = ep == PTP_EP_BULK_IN
			     ? emu_camera_bulk_in(cam, buf, cap, got)
			     : emu_camera_interrupt_in(cam, buf, cap, got);
		if (rc != ALPHAFS_ERR_AGAIN)
			return rc;
		if (ms_left(deadline) == 0 ||
		    !emu_camera_wait(cam, ep, ms_left(deadline)))
			break;
	}
	/* One last look: the wait may have ended as data became ready. */
	rc = ep == PTP_EP_BULK_IN ? emu_camera_bulk_in(cam, buf, cap, got)
				  : emu_camera_interrupt_in(cam, buf, cap, got);
	return rc == ALPHAFS_ERR_AGAIN ? ALPHAFS_ERR_TIMEOUT : rc;
}

static int memusb_bulk_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
			  size_t *got, unsigned timeout_ms)
{
	return read_pipe(cam_of(t), PTP_EP_BULK_IN, buf, cap, got, timeout_ms);
}

static int memusb_event_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
			   size_t *got, unsigned timeout_ms)
{
	return read_pipe(cam_of(t), PTP_EP_INTR_IN, buf, cap, got, timeout_ms);
}

static int memusb_control(struct ptp_transport *t, uint8_t request_type,
			  uint8_t request, uint16_t value, uint8_t *data,
			  uint16_t len, size_t *got, unsigned timeout_ms)
{
	size_t dummy;

	(void)timeout_ms; /* EP0 answers at once */
	return emu_camera_control(cam_of(t), request_type, request, value, 0,
				  data, len, got ? got : &dummy);
}

static int memusb_clear_halt(struct ptp_transport *t, uint8_t ep)
{
	return emu_camera_clear_halt(cam_of(t), ep);
}

static void memusb_destroy(struct ptp_transport *t)
{
	mem_free(t);
}

static const struct ptp_transport_ops memusb_ops = {
	.bulk_out = memusb_bulk_out,
	.bulk_in = memusb_bulk_in,
	.event_in = memusb_event_in,
	.control = memusb_control,
	.clear_halt = memusb_clear_halt,
	.destroy = memusb_destroy,
};

struct ptp_transport *emu_memusb_create(struct emu_camera *cam)
{
	struct memusb *m = mem_calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->base.ops = &memusb_ops;
	m->base.max_packet = EMU_MAX_PACKET;
	m->base.usb_vendor = EMU_USB_VENDOR;
	m->base.usb_product = EMU_USB_PRODUCT;
	snprintf(m->base.name, sizeof(m->base.name), "%s", "emulated");
	m->cam = cam;
	return &m->base;
}

static int open_memusb(void *arg, const char *serial,
		       struct ptp_transport **out, struct err_detail *err)
{
	struct emu_camera *cam = arg;

	(void)serial;
	if (!emu_camera_plugged(cam))
		return err_set(err, ALPHAFS_ERR_NOT_FOUND,
			       "the emulated camera is unplugged");
	*out = emu_memusb_create(cam);
	if (!*out)
		return err_set(err, ALPHAFS_ERR_NOMEM,
			       "cannot create the in-memory transport");
	return 0;
}

struct ptp_transport_opener emu_memusb_opener(struct emu_camera *cam)
{
	return (struct ptp_transport_opener){ .open = open_memusb,
					      .arg = cam };
}
