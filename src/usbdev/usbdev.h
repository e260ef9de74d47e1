/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usbdev: the emulated camera's virtual USB device. A USB device under
 * umockdev, so that the real libusb (and any unmodified program: lsusb,
 * gphoto2, the alphafs daemon) talks to an emulated device through its
 * ordinary usbfs code path. The device side is a table of calls
 * (struct usbdev_ops); usbdev_create_emu plugs the emulated camera (emu/)
 * into it. Run by alphafs-emulator (src/launcher/) and built only with
 * umockdev.
 *
 * A usbdev owns a umockdev testbed holding one device, /dev/bus/usb/BBB/DDD
 * with a sysfs record (descriptors, strings, speed 480), and answers the
 * usbfs ioctls of every client process on the testbed's handler thread:
 * URBs on bulk OUT/IN, interrupt IN and EP0 go to the device-side calls in
 * struct usbdev_ops (the emulated camera's emu_camera_* calls for
 * usbdev_create_emu).
 *
 * What the emulated usbfs reports and does (and why):
 *   - capabilities ZERO_PACKET | BULK_CONTINUATION | NO_PACKET_SIZE_LIM |
 *     BULK_SCATTER_GATHER | REAP_AFTER_DISCONNECT, as a kernel on an xHCI
 *     controller does. With BULK_SCATTER_GATHER libusb 1.0.26 submits each
 *     bulk transfer as ONE URB, so a short packet (or a ZLP) ends the whole
 *     libusb transfer exactly as on hardware. Other bits are not emulated:
 *     split transfers (16 KiB URBs with SHORT_NOT_OK) are not supported.
 *   - a bulk IN or interrupt URB stays pending until the device has data;
 *     a STALL completes it with -EPIPE; an unplug completes every pending
 *     URB with -ESHUTDOWN (the HCD's flush on disconnect) and later ioctls
 *     fail with ENODEV; DISCARDURB completes a pending URB with -ENOENT
 *     and what it holds so far, or answers EINVAL when it already
 *     completed.
 *   - OUT framing is checked (dossier §1.4): a container whose length is a
 *     multiple of 512 must be followed by a ZLP before the next container;
 *     if the host sends the next one instead, that URB fails with -EPIPE
 *     (a strict device stalls a run-on transfer) and zlp_missing counts
 *     it. Containers split over several URBs are fine.
 *   - Busy polling: umockdev's device fd always polls readable, so libusb
 *     reaps in a loop while a transfer waits. A second empty REAPURBNDELAY
 *     in a row waits up to reap_wait_ms for the device (ops->wait) before
 *     answering EAGAIN. One handler thread serves every client, so the wait
 *     is short.
 *
 * Lifetime trap (umockdev): a client process hangs forever in a read on
 * the testbed socket if the process owning the usbdev exits first. The
 * owner must outlive its children (see src/launcher/child.c).
 *
 * Thread context: create/destroy/unplug/replug/set_claimed/sync from the
 * owner's thread; the ops are called on umockdev's handler thread, and the
 * device behind them must be thread-safe (emu_camera_* is).
 */
#ifndef ALPHAFS_USBDEV_H
#define ALPHAFS_USBDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"
#include "util/util.h"

/* Device side of the pipes. Return 0 or a negative ALPHAFS_ERR_* code
 * (AGAIN: nothing yet; PIPE: stalled; OVERFLOW; NO_DEVICE), with the
 * meanings of the emu_camera_* calls of the same names (emu.h). */
struct usbdev_ops {
	int (*bulk_out)(void *dev, const uint8_t *data, size_t len);
	int (*bulk_in)(void *dev, uint8_t *buf, size_t cap, size_t *got);
	int (*interrupt_in)(void *dev, uint8_t *buf, size_t cap, size_t *got);
	bool (*wait)(void *dev, uint8_t ep, unsigned timeout_ms);
	int (*control)(void *dev, uint8_t request_type, uint8_t request,
		       uint16_t value, uint16_t index, uint8_t *data,
		       uint16_t len, size_t *got);
	int (*clear_halt)(void *dev, uint8_t ep);
	/* Optional: false once the device unplugged itself (a fault). */
	bool (*plugged)(void *dev);
	/* Optional: power the device down / up with usbdev_unplug/replug. */
	void (*unplug)(void *dev);
	void (*replug)(void *dev);
};

/* The a6300's product id in MTP mode (dossier §7.1). */
#define USBDEV_PRODUCT_MTP 0x077A

/* How the body presents itself on USB (its "USB Connection" setting). */
enum usbdev_mode {
	USBDEV_MODE_PC_REMOTE, /* 054c:079c, PTP interface 6/1/1 */
	USBDEV_MODE_MTP,       /* 054c:077a (dossier §7.1), same interface */
	USBDEV_MODE_MASS_STORAGE /* interface 8/6/80 instead of PTP; the PID
				    of a real body in this mode is unverified,
				    the PC Remote one is kept */
};

struct usbdev_options {
	/* Device (18) + configuration (wTotalLength) descriptors, copied. */
	const uint8_t *descriptors;
	size_t descriptors_len;
	const char *manufacturer, *product, *serial; /* string descriptors */
	enum usbdev_mode mode;
	unsigned reap_wait_ms;	 /* wait in an empty reap; 0 = busy-poll */
	bool claimed_by_other;	 /* CLAIM answers EBUSY (gvfs holds it) */
	bool no_zero_packet_cap; /* hide USBFS_CAP_ZERO_PACKET */
};

/* Defaults: the a6300 from emu_usb_descriptors, "Sony", "ILCE-6300",
 * serial "", PC Remote, reap_wait_ms 2. */
void usbdev_options_default(struct usbdev_options *o);

struct usbdev;

/* Counters, for tests and the busy-poll measurement. */
struct usbdev_stats {
	uint64_t submits, reaps, empty_reaps, waits, discards, clients;
	uint64_t zlp_missing; /* OUT containers of 512-multiples with no ZLP */
};

/*
 * Creates the testbed (sets UMOCKDEV_DIR in this process's environment,
 * which children inherit) with the device at /dev/bus/usb/001/002. The
 * process must have been started with libumockdev-preload in LD_PRELOAD.
 * ops/dev are not owned and must outlive the usbdev. Errors: NOMEM, IO
 * (umockdev refused; message in err).
 */
int usbdev_create(const struct usbdev_options *opt,
		  const struct usbdev_ops *ops, void *dev,
		  struct usbdev **out, struct err_detail *err);

/* usbdev_create with the emulated camera behind it (ops -> emu_camera_*);
 * opt may be NULL for the defaults. cam is not owned. */
int usbdev_create_emu(struct emu_camera *cam,
		      const struct usbdev_options *opt, struct usbdev **out,
		      struct err_detail *err);

/* Removes the device and the testbed. NULL-safe. Clients still running
 * hang afterwards (see above): stop them first. */
void usbdev_destroy(struct usbdev *u);

/* Unplug: ops->unplug, pending URBs complete with -ESHUTDOWN, the device
 * leaves sysfs and /dev (a "remove" uevent). Replug: ops->replug and the
 * device comes back with the next device number, same serial (an "add"
 * uevent), as after a real reconnect. Idempotent. */
void usbdev_unplug(struct usbdev *u);
int usbdev_replug(struct usbdev *u, struct err_detail *err);

/* Sets the USB serial (iSerialNumber and the sysfs record) the device
 * shows from the next usbdev_replug on: "another body plugged into the
 * same port". Only while unplugged (STATE otherwise); INVALID for a
 * string that is not printable ASCII or too long. The camera's own
 * DeviceInfo serial is not changed. Owner's thread. */
int usbdev_set_serial(struct usbdev *u, const char *serial,
		      struct err_detail *err);

/* Follows an unplug the device did by itself (ops->plugged false): call
 * from the owner's loop now and then (cheap). */
void usbdev_sync(struct usbdev *u);

/* Another program holds (true) / releases (false) the interface. */
void usbdev_set_claimed(struct usbdev *u, bool claimed);

/* "/dev/bus/usb/001/002"-style node of the current device. */
const char *usbdev_node(const struct usbdev *u);
/* "usb:001,002" (gphoto2 port syntax) of the current device. */
void usbdev_port(const struct usbdev *u, char *out, size_t cap);
void usbdev_get_stats(struct usbdev *u, struct usbdev_stats *out);

#endif
