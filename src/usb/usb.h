/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * usb: the libusb-1.0 transport (a struct ptp_transport) and its opener,
 * the USB selector (which camera: the first, a port, a serial; its one
 * parser), device matching and the listing of cameras on the bus. Knows
 * PTP's transport interface and nothing above it.
 *
 * Only this module includes <libusb.h>; other modules see the opaque
 * `struct libusb_context` at most (NULL is always accepted: the transport
 * then makes and owns its own context).
 *
 * Event pumping: the interrupt pipe (0x83) runs as one asynchronous libusb
 * transfer that is resubmitted after each event and queues what it receives.
 * There is no event thread: libusb calls the completion from whichever
 * thread handles events in the context, which is the owner thread while it
 * waits in bulk_in / bulk_out / control (they pump the same context) and in
 * event_in (which pumps until an event is queued or the timeout passes).
 * So events arrive while bulk transfers run and never block them, and all
 * transport state stays on the owner thread (the event queue alone has a
 * lock, in case the caller shares the context with another event handler).
 */
#ifndef ALPHAFS_USB_H
#define ALPHAFS_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptp/transport.h"
#include "util/util.h"

struct libusb_context;

/* USB identity facts used for matching (ilce-6300-usb.md, dossier §7.1). */
#define USB_VENDOR_SONY 0x054C
#define USB_PRODUCT_A6300_PC_REMOTE 0x079C
#define USB_PRODUCT_A6300_MTP 0x077A
#define USB_CLASS_STILL_IMAGE 6
#define USB_SUBCLASS_STILL_IMAGE 1
#define USB_PROTOCOL_PTP 1

/* What a device on the bus is, as far as alphafs is concerned. */
enum usb_camera_mode {
	USB_MODE_PC_REMOTE,  /* Sony body with a PTP interface: usable */
	USB_MODE_PTP_OTHER,  /* a PTP camera of another vendor: usable */
	USB_MODE_SONY_MTP,   /* Sony body in MTP mode (a6300: PID 0x077A) */
	USB_MODE_SONY_NO_PTP /* Sony body without a PTP interface (mass
				storage or another USB Connection mode) */
};

/* One camera-like device found by usb_camera_list(). */
struct usb_camera_desc {
	uint8_t bus, dev;	/* "usb:BUS,DEV" */
	uint16_t vendor, product;
	uint8_t interface;	/* the PTP interface number */
	uint8_t ep_out, ep_in, ep_intr; /* its endpoints (0 if absent) */
	uint16_t max_packet;	/* bulk IN wMaxPacketSize */
	enum usb_camera_mode mode;
	int open_err;		/* 0, or ACCESS / IO when the device could not
				   be opened to read its strings */
	char manufacturer[64];	/* from the string descriptors; "" if unread */
	char product_name[64];
	char serial[64];
};

/*
 * Which camera on the bus the user means, as SOURCE is written on the
 * command line, in fstab and by alphafs-list.
 */
enum usb_selector_kind {
	USB_SELECT_FIRST,  /* "": the first usable camera (Sony bodies first) */
	USB_SELECT_PORT,   /* "usb:BUS,DEV" */
	USB_SELECT_SERIAL, /* "serial=SERIAL": that body, wherever it is */
};

struct usb_selector {
	enum usb_selector_kind kind;
	uint8_t bus, dev; /* USB_SELECT_PORT */
	char serial[64];  /* USB_SELECT_SERIAL: exact USB iSerialNumber */
};

/*
 * The one parser of a USB selector: NULL or "" (FIRST), "usb:BUS,DEV"
 * (gphoto2's port syntax as alphafs-list prints it: 1 to 3 decimal digits
 * each, leading zeros allowed, bus 1..255, device 1..127 as Linux numbers
 * them) or "serial=SERIAL" (1 to 63 characters). Anything else is INVALID
 * with a one-line message in err (err may be NULL) and *out zeroed. Pure.
 */
int usb_selector_parse(const char *text, struct usb_selector *out, char *err,
		       size_t cap);

/* "PC Remote", "PTP", "MTP (set USB Connection to PC Remote)", ... */
const char *usb_mode_name(enum usb_camera_mode mode);

/*
 * Enumerates the bus: every device with a Still Image (6/1/1) interface,
 * and every Sony (0x054C) device without one (reported as a wrong mode so
 * that the user hears "set USB Connection to PC Remote", not "no camera").
 * Sony bodies come first, then by bus and device number.
 *
 * ctx may be NULL (a private context is made and released). On success
 * *out is an array of *n entries (NULL when *n is 0) owned by the caller:
 * free it with mem_free(). Errors: NOMEM, IO (libusb could not list the
 * bus; message in err). Thread context: any thread; does not claim
 * anything, opens each candidate briefly to read its strings.
 */
int usb_camera_list(struct libusb_context *ctx, struct usb_camera_desc **out,
		    size_t *n, struct err_detail *err);

/* Number of USB devices of any kind on the bus (hubs included), or a
 * negative ALPHAFS_ERR_* code; for "no USB device at all" messages. ctx
 * may be NULL. */
int usb_device_count(struct libusb_context *ctx);

/*
 * Picks the entry that sel designates among list[0..n): USB_SELECT_PORT
 * by bus/device, USB_SELECT_SERIAL by serial number (exact match),
 * USB_SELECT_FIRST the first usable one (the list is Sony-first).
 * Pure: no I/O. Returns 0 with *index set, or NOT_FOUND (nothing matches,
 * or the list is empty), WRONG_MODE (the only candidates are Sony bodies in
 * MTP or mass-storage mode: "set USB Connection to PC Remote"), INVALID
 * (an unknown kind). err receives a one-line reason.
 */
int usb_camera_select(const struct usb_camera_desc *list, size_t n,
		      const struct usb_selector *sel, size_t *index,
		      struct err_detail *err);

/*
 * Opens the camera that sel designates as a PTP transport over libusb:
 *   - enumerates and selects with usb_camera_list / usb_camera_select;
 *   - opens it, detaches a kernel driver bound to the PTP interface, claims
 *     the interface, and starts the interrupt-pipe transfer;
 *   - t->name is "usb:BBB,DDD", t->max_packet the bulk wMaxPacketSize.
 *
 * ctx may be NULL: the transport then creates its own libusb context and
 * frees it in destroy. A given ctx must outlive the transport.
 *
 * On success *out is owned by the caller: free it with
 * ptp_transport_destroy() (cancels the interrupt transfer, releases the
 * interface, closes the device). Errors, each with a one-line explanation
 * in err that says what to do:
 *   NOT_FOUND   no PTP camera on the bus (or none matching sel);
 *   WRONG_MODE  a Sony body in MTP / mass-storage mode: set USB Connection
 *               to PC Remote;
 *   BUSY        another program holds the interface (gvfs's gphoto2
 *               volume monitor, gvfsd-gphoto2, another gphoto2 or alphafs);
 *               the message names the holder when it can be found in /proc
 *               and says how to release it;
 *   ACCESS      no permission on /dev/bus/usb/BBB/DDD (udev rule hint);
 *   NO_DEVICE   the camera went away while opening;
 *   NOMEM, IO.
 * Thread context: the returned transport is used by one thread at a time
 * (the camera owner thread), see transport.h.
 */
int usb_transport_open(struct libusb_context *ctx,
		       const struct usb_selector *sel,
		       struct ptp_transport **out, struct err_detail *err);

/*
 * The opener (ptp/transport.h) that camera_create takes for the camera sel
 * designates: usb_transport_open with a private libusb context. Asked for
 * a serial (a reconnect), it opens only the body whose USB serial number
 * is that one, wherever it is plugged in now. sel is not copied: it must
 * outlive the opener.
 */
struct ptp_transport_opener usb_transport_opener(struct usb_selector *sel);

/*
 * Maps a libusb error or transfer-status code (see usb_map_libusb) to an
 * ALPHAFS_ERR_* code: TIMEOUT, PIPE, OVERFLOW, NO_DEVICE, BUSY, ACCESS,
 * NOT_FOUND, NOMEM, INTERRUPTED, IO. Pure.
 */
int usb_map_libusb_error(int libusb_err);

/* Formats "usb:BBB,DDD" into out (cap >= 12). */
void usb_port_name(uint8_t bus, uint8_t dev, char *out, size_t cap);

/*
 * The message for an interface that another program holds: names `holder`
 * when it is non-empty ("gvfsd-gphoto2 (pid 1234)") and says how to free
 * it. Pure; writes a NUL-terminated line into out.
 */
void usb_busy_message(const char *port, const char *holder, char *out,
		      size_t cap);

/*
 * Looks in /proc for a process other than this one that has the device
 * node /dev/bus/usb/BBB/DDD open; writes "name (pid N)" into out, or ""
 * when none is found or /proc is unreadable. Bounded: scans at most a
 * fixed number of processes and descriptors.
 */
void usb_find_holder(uint8_t bus, uint8_t dev, char *out, size_t cap);

#endif
