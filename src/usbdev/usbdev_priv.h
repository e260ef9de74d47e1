/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* usbdev internals shared by usbdev.c (usbfs ioctls, URBs), usbdev_bed.c
 * (testbed, sysfs record, plug state) and usbdev_ep0.c (EP0 requests). */
#ifndef ALPHAFS_USBDEV_PRIV_H
#define ALPHAFS_USBDEV_PRIV_H

#include <pthread.h>

#include <umockdev.h>

#include "usbdev/usbdev.h"

/* Largest descriptor blob accepted (device + one configuration). */
#define USBDEV_DESC_MAX 512
/* Client processes (open device fds) served at once. */
#define USBDEV_MAX_CLIENTS 32
#define USBDEV_STRING_MAX 64
#define USBDEV_NODE_MAX 32
/* umockdev's handler thread, as top -H and ps -L show it. */
#define USBDEV_THREAD_NAME "alphafs-usbdev"

struct usbdev_urb {
	struct usbdev_urb *next;
	UMockdevIoctlData *data; /* struct usbdevfs_urb, resolved (ref) */
	UMockdevIoctlData *buf;	 /* its buffer, resolved (ref), or NULL */
	UMockdevIoctlClient *client;
	uint8_t ep, type;
	bool done;
	bool data_sent; /* OUT: data taken, only the ZLP is left */
	uint64_t done_seq; /* reaped in completion order */
};

struct usbdev_client {
	UMockdevIoctlClient *c; /* identity only (not referenced) */
	unsigned empty_reaps;	/* consecutive empty REAPURBNDELAYs */
	/* OUT framing check (dossier §1.4): bytes left of the container
	 * being sent, and whether a ZLP is owed before the next one. */
	uint32_t out_left;
	bool zlp_owed;
};

struct usbdev {
	UMockdevTestbed *tb;
	UMockdevIoctlBase *handler;
	const struct usbdev_ops *ops;
	void *dev;
	struct usbdev_options opt;
	uint8_t desc[USBDEV_DESC_MAX];
	size_t desc_len;
	char manufacturer[USBDEV_STRING_MAX];
	char product[USBDEV_STRING_MAX];
	char serial[USBDEV_STRING_MAX];
	uint8_t bus, devnum;
	char node[USBDEV_NODE_MAX]; /* "/dev/bus/usb/001/002" */
	char sysfs[128];	    /* "/sys/devices/.../1-1" */

	/* Guards everything below; never held while the device waits. */
	pthread_mutex_t lock;
	struct usbdev_urb *urbs; /* submission order */
	uint64_t done_seq;
	struct usbdev_client clients[USBDEV_MAX_CLIENTS];
	bool down;	/* unplugged: URBs fail, ioctls answer ENODEV */
	bool in_sysfs;	/* the device node and record exist */
	bool claimed_by_other;
	UMockdevIoctlClient *claimer; /* the client holding the interface */
	struct usbdev_stats stats;
};

/* usbdev.c: connects the handler's signals. */
void usbdev_handler_connect(struct usbdev *u);
/* Completes every pending URB with -ESHUTDOWN (lock held). */
void usbdev_fail_pending(struct usbdev *u);
/* Frees every URB (lock held), or those of one client (c != NULL). */
void usbdev_drop_urbs(struct usbdev *u, UMockdevIoctlClient *c);

/*
 * usbdev_ep0.c: one control request as the device sees it. setup is the
 * 8-byte SETUP packet, data the data stage (cap bytes). Standard requests
 * (descriptors, status, configuration, CLEAR_FEATURE(ENDPOINT_HALT)) are
 * answered here; class requests go to ops->control. Returns a URB status
 * (0, -EPIPE for a stall, -ESHUTDOWN when the device is gone) and sets
 * *actual to the data-stage bytes moved.
 */
int usbdev_ep0(struct usbdev *u, const uint8_t *setup, uint8_t *data,
	       size_t cap, size_t *actual);
/* ALPHAFS_ERR_* from the device side -> URB status (negative errno). */
int usbdev_status(int rc);

#endif
