/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * EP0 of the emulated device: the standard requests the USB core would
 * answer from the descriptors, and the PTP class requests (dossier §1.5),
 * which go to the device.
 */
#include <errno.h>
#include <string.h>

#include "usbdev/usbdev_priv.h"

/* USB 2.0 §9.3, §9.4: bmRequestType fields and standard requests. */
#define RT_TYPE_MASK 0x60
#define RT_STANDARD 0x00
#define RT_CLASS 0x20
#define RT_DIR_IN 0x80
#define RT_RECIP_MASK 0x1F
#define RT_RECIP_ENDPOINT 0x02
#define REQ_GET_STATUS 0x00
#define REQ_CLEAR_FEATURE 0x01
#define REQ_GET_DESCRIPTOR 0x06
#define REQ_GET_CONFIGURATION 0x08
#define REQ_SET_CONFIGURATION 0x09
#define REQ_GET_INTERFACE 0x0A
#define REQ_SET_INTERFACE 0x0B
#define FEATURE_ENDPOINT_HALT 0
#define DT_DEVICE 1
#define DT_CONFIG 2
#define DT_STRING 3
#define DEVICE_DESC_LEN 18
#define LANGID_EN_US 0x0409
#define STRING_DESC_MAX 255

int usbdev_status(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case ALPHAFS_ERR_PIPE:
		return -EPIPE;
	case ALPHAFS_ERR_OVERFLOW:
		return -EOVERFLOW;
	case ALPHAFS_ERR_NO_DEVICE:
		return -ESHUTDOWN;
	default:
		return -EPROTO;
	}
}

static size_t put(uint8_t *data, size_t cap, uint16_t wlength,
		  const uint8_t *src, size_t n)
{
	size_t m = n < wlength ? n : wlength;

	if (m > cap)
		m = cap;
	memcpy(data, src, m);
	return m;
}

static int string_desc(const struct usbdev *u, uint8_t idx, uint8_t *out,
		       size_t *len)
{
	const char *s = NULL;
	size_t n = 2;

	out[1] = DT_STRING;
	if (idx == 0) {
		put_u16le(out + 2, LANGID_EN_US);
		out[0] = 4;
		*len = 4;
		return 0;
	}
	if (idx == u->desc[14])
		s = u->manufacturer;
	else if (idx == u->desc[15])
		s = u->product;
	else if (idx == u->desc[16])
		s = u->serial;
	if (!s || !s[0])
		return -EPIPE;
	for (; *s && n + 2 <= STRING_DESC_MAX; s++, n += 2)
		put_u16le(out + n, (uint8_t)*s); /* ASCII -> UTF-16LE */
	out[0] = (uint8_t)n;
	*len = n;
	return 0;
}

static int get_descriptor(struct usbdev *u, uint16_t value, uint16_t wlength,
			  uint8_t *data, size_t cap, size_t *actual)
{
	uint8_t type = value >> 8, idx = value & 0xFF;
	uint8_t sbuf[STRING_DESC_MAX + 1];
	size_t n;
	int st;

	switch (type) {
	case DT_DEVICE:
		*actual = put(data, cap, wlength, u->desc, DEVICE_DESC_LEN);
		return 0;
	case DT_CONFIG:
		if (idx != 0)
			return -EPIPE;
		*actual = put(data, cap, wlength, u->desc + DEVICE_DESC_LEN,
			      u->desc_len - DEVICE_DESC_LEN);
		return 0;
	case DT_STRING:
		st = string_desc(u, idx, sbuf, &n);
		if (st == 0)
			*actual = put(data, cap, wlength, sbuf, n);
		return st;
	default:
		return -EPIPE;
	}
}

static int standard(struct usbdev *u, const uint8_t *setup, uint8_t *data,
		    size_t cap, size_t *actual)
{
	static const uint8_t zeros[2] = { 0, 0 }, one = 1;
	uint8_t rt = setup[0], req = setup[1];
	uint16_t value = get_u16le(setup + 2), index = get_u16le(setup + 4);
	uint16_t wlength = get_u16le(setup + 6);

	switch (req) {
	case REQ_GET_DESCRIPTOR:
		return get_descriptor(u, value, wlength, data, cap, actual);
	case REQ_GET_STATUS:
		*actual = put(data, cap, wlength, zeros, sizeof(zeros));
		return 0;
	case REQ_GET_CONFIGURATION:
		*actual = put(data, cap, wlength, &one, 1);
		return 0;
	case REQ_GET_INTERFACE:
		*actual = put(data, cap, wlength, zeros, 1);
		return 0;
	case REQ_SET_CONFIGURATION:
	case REQ_SET_INTERFACE:
		return 0;
	case REQ_CLEAR_FEATURE:
		if ((rt & RT_RECIP_MASK) != RT_RECIP_ENDPOINT ||
		    value != FEATURE_ENDPOINT_HALT)
			return 0;
		return usbdev_status(
			u->ops->clear_halt(u->dev, (uint8_t)(index & 0xFF)));
	default:
		return -EPIPE;
	}
}

int usbdev_ep0(struct usbdev *u, const uint8_t *setup, uint8_t *data,
	       size_t cap, size_t *actual)
{
	uint8_t rt = setup[0];
	uint16_t wlength = get_u16le(setup + 6);
	size_t got = 0;
	int rc;

	*actual = 0;
	if (wlength > cap)
		wlength = (uint16_t)cap;
	switch (rt & RT_TYPE_MASK) {
	case RT_STANDARD:
		return standard(u, setup, data, cap, actual);
	case RT_CLASS:
		rc = u->ops->control(u->dev, rt, setup[1],
				     get_u16le(setup + 2),
				     get_u16le(setup + 4), data, wlength,
				     &got);
		if (rc < 0)
			return usbdev_status(rc);
		*actual = (rt & RT_DIR_IN) ? (got < wlength ? got : wlength)
					   : wlength;
		return 0;
	default:
		return -EPIPE; /* no vendor requests on this body */
	}
}
