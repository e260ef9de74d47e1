/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device matching: which devices on the bus are PTP cameras, which are Sony
 * bodies in the wrong USB mode, and which one the user asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libusb.h>

#include "usb/usb.h"

/* Devices looked at in one enumeration; a bus has at most 127 per bus,
 * this caps a pathological list. */
#define USB_LIST_MAX 256
/* Timeout for the string descriptor reads done while listing. */
#define USB_STRING_TIMEOUT_MS 1000

const char *usb_mode_name(enum usb_camera_mode mode)
{
	switch (mode) {
	case USB_MODE_PC_REMOTE:
		return "PC Remote";
	case USB_MODE_PTP_OTHER:
		return "PTP";
	case USB_MODE_SONY_MTP:
		return "MTP (set USB Connection to PC Remote)";
	case USB_MODE_SONY_NO_PTP:
		return "no PTP interface (set USB Connection to PC Remote)";
	}
	return "unknown";
}

void usb_port_name(uint8_t bus, uint8_t dev, char *out, size_t cap)
{
	snprintf(out, cap, "usb:%03u,%03u", bus, dev);
}

static int parse_dec(const char **p, unsigned max, unsigned *out)
{
	unsigned v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return ALPHAFS_ERR_INVALID;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > max)
			return ALPHAFS_ERR_INVALID;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int usb_port_parse(const char *text, uint8_t *bus, uint8_t *dev)
{
	/* Linux numbers buses from 1 and devices 1..127 (USB addresses). */
	enum { BUS_MAX = 255, DEV_MAX = 127 };
	unsigned b, d;
	const char *p = text;

	if (!p || strncmp(p, "usb:", 4) != 0)
		return ALPHAFS_ERR_INVALID;
	p += 4;
	if (parse_dec(&p, BUS_MAX, &b) < 0 || *p != ',')
		return ALPHAFS_ERR_INVALID;
	p++;
	if (parse_dec(&p, DEV_MAX, &d) < 0 || *p != '\0')
		return ALPHAFS_ERR_INVALID;
	if (b == 0 || d == 0)
		return ALPHAFS_ERR_INVALID;
	*bus = (uint8_t)b;
	*dev = (uint8_t)d;
	return 0;
}

static bool usable(const struct usb_camera_desc *c)
{
	return c->mode == USB_MODE_PC_REMOTE || c->mode == USB_MODE_PTP_OTHER;
}

static int select_one(const struct usb_camera_desc *c,
		      struct err_detail *err)
{
	char port[16];

	if (usable(c))
		return 0;
	usb_port_name(c->bus, c->dev, port, sizeof(port));
	return err_set(err, ALPHAFS_ERR_WRONG_MODE,
		       "%s: Sony %04x:%04x is in %s mode; on the camera set "
		       "Menu > Setup > USB Connection to PC Remote",
		       port, c->vendor, c->product,
		       c->mode == USB_MODE_SONY_MTP ? "MTP" : "a non-PTP");
}

static int select_first(const struct usb_camera_desc *list, size_t n,
			size_t *index, struct err_detail *err)
{
	for (size_t i = 0; i < n; i++) {
		if (usable(&list[i])) {
			*index = i;
			return 0;
		}
	}
	if (n > 0)
		return select_one(&list[0], err);
	return err_set(err, ALPHAFS_ERR_NOT_FOUND,
		       "no PTP camera on USB: is the camera on, connected, and "
		       "set to USB Connection: PC Remote?");
}

int usb_camera_select(const struct usb_camera_desc *list, size_t n,
		      const struct camera_source *sel, size_t *index,
		      struct err_detail *err)
{
	char port[16];

	switch (sel->kind) {
	case CAMERA_SOURCE_FIRST:
		return select_first(list, n, index, err);
	case CAMERA_SOURCE_USB:
		for (size_t i = 0; i < n; i++) {
			if (list[i].bus == sel->bus && list[i].dev == sel->dev) {
				*index = i;
				return select_one(&list[i], err);
			}
		}
		usb_port_name(sel->bus, sel->dev, port, sizeof(port));
		return err_set(err, ALPHAFS_ERR_NOT_FOUND,
			       "no PTP camera at %s (see alphafs-list)", port);
	case CAMERA_SOURCE_SERIAL:
		for (size_t i = 0; i < n; i++) {
			if (strcmp(list[i].serial, sel->serial) == 0) {
				*index = i;
				return select_one(&list[i], err);
			}
		}
		return err_set(err, ALPHAFS_ERR_NOT_FOUND,
			       "no PTP camera with serial %s (see alphafs-list)",
			       sel->serial);
	case CAMERA_SOURCE_EMULATE:
	case CAMERA_SOURCE_OPENER:
		break;
	}
	return err_set(err, ALPHAFS_ERR_INVALID,
		       "the emulated camera or a replay is not a USB source");
}

/* ---- enumeration -------------------------------------------------------- */

static bool find_ptp_interface(const struct libusb_config_descriptor *cfg,
			       struct usb_camera_desc *c)
{
	for (uint8_t i = 0; i < cfg->bNumInterfaces; i++) {
		const struct libusb_interface *itf = &cfg->interface[i];
		if (itf->num_altsetting < 1)
			continue;
		const struct libusb_interface_descriptor *alt =
			&itf->altsetting[0];
		if (alt->bInterfaceClass != USB_CLASS_STILL_IMAGE ||
		    alt->bInterfaceSubClass != USB_SUBCLASS_STILL_IMAGE ||
		    alt->bInterfaceProtocol != USB_PROTOCOL_PTP)
			continue;
		c->interface = alt->bInterfaceNumber;
		for (uint8_t e = 0; e < alt->bNumEndpoints; e++) {
			const struct libusb_endpoint_descriptor *ep =
				&alt->endpoint[e];
			uint8_t type = ep->bmAttributes &
				       LIBUSB_TRANSFER_TYPE_MASK;
			bool in = ep->bEndpointAddress & LIBUSB_ENDPOINT_IN;
			if (type == LIBUSB_TRANSFER_TYPE_BULK && in) {
				c->ep_in = ep->bEndpointAddress;
				c->max_packet = ep->wMaxPacketSize;
			} else if (type == LIBUSB_TRANSFER_TYPE_BULK) {
				c->ep_out = ep->bEndpointAddress;
			} else if (type == LIBUSB_TRANSFER_TYPE_INTERRUPT &&
				   in) {
				c->ep_intr = ep->bEndpointAddress;
			}
		}
		return c->ep_in && c->ep_out;
	}
	return false;
}

static void read_string(libusb_device_handle *h, uint8_t idx, char *out,
			size_t cap)
{
	int r;

	out[0] = '\0';
	if (idx == 0 || cap < 2)
		return;
	r = libusb_get_string_descriptor_ascii(h, idx, (unsigned char *)out,
					       (int)cap);
	if (r < 0)
		out[0] = '\0';
	else
		out[(size_t)r < cap ? (size_t)r : cap - 1] = '\0';
}

static void read_strings(libusb_device *d,
			 const struct libusb_device_descriptor *dd,
			 struct usb_camera_desc *c)
{
	libusb_device_handle *h;
	int r = libusb_open(d, &h);

	if (r < 0) {
		c->open_err = usb_map_libusb_error(r);
		return;
	}
	read_string(h, dd->iManufacturer, c->manufacturer,
		    sizeof(c->manufacturer));
	read_string(h, dd->iProduct, c->product_name, sizeof(c->product_name));
	read_string(h, dd->iSerialNumber, c->serial, sizeof(c->serial));
	libusb_close(h);
}

/* Fills c for device d; false when d is neither a PTP camera nor a Sony
 * body. */
static bool describe(libusb_device *d, struct usb_camera_desc *c)
{
	struct libusb_device_descriptor dd;
	struct libusb_config_descriptor *cfg = NULL;
	bool ptp = false;

	memset(c, 0, sizeof(*c));
	if (libusb_get_device_descriptor(d, &dd) < 0)
		return false;
	if (libusb_get_active_config_descriptor(d, &cfg) < 0 &&
	    libusb_get_config_descriptor(d, 0, &cfg) < 0)
		cfg = NULL;
	if (cfg) {
		ptp = find_ptp_interface(cfg, c);
		libusb_free_config_descriptor(cfg);
	}
	if (!ptp && dd.idVendor != USB_VENDOR_SONY)
		return false;
	c->bus = libusb_get_bus_number(d);
	c->dev = libusb_get_device_address(d);
	c->vendor = dd.idVendor;
	c->product = dd.idProduct;
	if (dd.idVendor != USB_VENDOR_SONY)
		c->mode = USB_MODE_PTP_OTHER;
	else if (!ptp)
		c->mode = USB_MODE_SONY_NO_PTP;
	else if (dd.idProduct == USB_PRODUCT_A6300_MTP)
		c->mode = USB_MODE_SONY_MTP; /* dossier §7.1 */
	else
		c->mode = USB_MODE_PC_REMOTE;
	read_strings(d, &dd, c);
	return true;
}

static int compare(const void *a, const void *b)
{
	const struct usb_camera_desc *x = a, *y = b;
	bool sx = x->vendor == USB_VENDOR_SONY, sy = y->vendor == USB_VENDOR_SONY;

	if (sx != sy)
		return sx ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	return x->dev < y->dev ? -1 : (x->dev > y->dev);
}

static int list_with(libusb_context *ctx, struct usb_camera_desc **out,
		     size_t *n, struct err_detail *err)
{
	libusb_device **devs = NULL;
	struct usb_camera_desc *list;
	ssize_t cnt = libusb_get_device_list(ctx, &devs);
	size_t k = 0;

	if (cnt < 0)
		return err_set(err, usb_map_libusb_error((int)cnt),
			       "cannot list USB devices: %s",
			       libusb_strerror((int)cnt));
	if (cnt > USB_LIST_MAX)
		cnt = USB_LIST_MAX;
	list = mem_calloc((size_t)cnt + 1, sizeof(*list));
	if (!list) {
		libusb_free_device_list(devs, 1);
		return err_set(err, ALPHAFS_ERR_NOMEM, "listing USB devices");
	}
	for (ssize_t i = 0; i < cnt; i++)
		if (describe(devs[i], &list[k]))
			k++;
	libusb_free_device_list(devs, 1);
	qsort(list, k, sizeof(*list), compare);
	if (k == 0) {
		mem_free(list);
		list = NULL;
	}
	*out = list;
	*n = k;
	return 0;
}

int usb_camera_list(struct libusb_context *ctx, struct usb_camera_desc **out,
		    size_t *n, struct err_detail *err)
{
	libusb_context *own = NULL;
	int r;

	*out = NULL;
	*n = 0;
	if (!ctx) {
		r = libusb_init(&own);
		if (r < 0)
			return err_set(err, usb_map_libusb_error(r),
				       "libusb_init: %s", libusb_strerror(r));
		ctx = own;
	}
	r = list_with(ctx, out, n, err);
	if (own)
		libusb_exit(own);
	return r;
}

int usb_device_count(struct libusb_context *ctx)
{
	libusb_context *own = NULL;
	libusb_device **devs;
	ssize_t n;
	int r;

	if (!ctx) {
		r = libusb_init(&own);
		if (r < 0)
			return usb_map_libusb_error(r);
		ctx = own;
	}
	n = libusb_get_device_list(ctx, &devs);
	if (n >= 0)
		libusb_free_device_list(devs, 1);
	if (own)
		libusb_exit(own);
	return n < 0 ? usb_map_libusb_error((int)n)
		     : (int)(n > INT32_MAX ? INT32_MAX : n);
}
