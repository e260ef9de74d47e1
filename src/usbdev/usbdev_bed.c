/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The umockdev testbed that holds the emulated device: its sysfs record
 * (what libusb reads to enumerate: descriptors, bus and device numbers,
 * speed), the /dev node, and the plug state.
 */
#include <stdio.h>
#include <string.h>

#include "usbdev/usbdev_priv.h"

/* Where a real body would sit: the first port of the first root hub. */
#define USBDEV_BUS 1
#define USBDEV_FIRST_DEVNUM 2
#define USBDEV_LAST_DEVNUM 127
#define USBDEV_SYSFS "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
#define USBDEV_RECORD_MAX 4096
#define DEVICE_DESC_LEN 18
#define CONFIG_HEADER_LEN 9
/* Offsets in the device / interface descriptors (USB 2.0 §9.6). */
#define DD_ID_PRODUCT 10
#define IF_CLASS 5
#define MSC_CLASS 8
#define MSC_SUBCLASS_SCSI 6
#define MSC_PROTOCOL_BULK_ONLY 0x50
#define DEFAULT_REAP_WAIT_MS 2

void usbdev_options_default(struct usbdev_options *o)
{
	memset(o, 0, sizeof(*o));
	o->descriptors = emu_usb_descriptors;
	o->descriptors_len = sizeof(emu_usb_descriptors);
	o->manufacturer = "Sony";
	o->product = "ILCE-6300";
	o->serial = "";
	o->mode = USBDEV_MODE_PC_REMOTE;
	o->reap_wait_ms = DEFAULT_REAP_WAIT_MS;
}

/* Strings go into the udev record and string descriptors: keep them to
 * a safe printable set (they may come from argv). */
static bool safe_string(const char *s)
{
	size_t n = strlen(s);

	if (n >= USBDEV_STRING_MAX)
		return false;
	for (; *s; s++)
		if (*s < ' ' || *s > '~' || *s == '\\')
			return false;
	return true;
}

static int copy_descriptors(struct usbdev *u, const struct usbdev_options *o,
			    struct err_detail *err)
{
	size_t total;

	if (o->descriptors_len < DEVICE_DESC_LEN + CONFIG_HEADER_LEN ||
	    o->descriptors_len > USBDEV_DESC_MAX)
		return err_set(err, ALPHAFS_ERR_INVALID,
			       "usbdev: descriptor blob of %zu bytes",
			       o->descriptors_len);
	total = get_u16le(o->descriptors + DEVICE_DESC_LEN + 2);
	if (total != o->descriptors_len - DEVICE_DESC_LEN)
		return err_set(err, ALPHAFS_ERR_INVALID,
			       "usbdev: wTotalLength %zu does not match", total);
	memcpy(u->desc, o->descriptors, o->descriptors_len);
	u->desc_len = o->descriptors_len;
	if (o->mode == USBDEV_MODE_MTP)
		put_u16le(u->desc + DD_ID_PRODUCT, USBDEV_PRODUCT_MTP);
	if (o->mode == USBDEV_MODE_MASS_STORAGE) {
		uint8_t *itf = u->desc + DEVICE_DESC_LEN + CONFIG_HEADER_LEN;
		itf[IF_CLASS] = MSC_CLASS;
		itf[IF_CLASS + 1] = MSC_SUBCLASS_SCSI;
		itf[IF_CLASS + 2] = MSC_PROTOCOL_BULK_ONLY;
	}
	return 0;
}

static void hex(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_printf(b, "%02x", p[i]);
}

/* The udev database record umockdev turns into sysfs + /dev. */
static int build_record(const struct usbdev *u, struct buf *b)
{
	buf_printf(b, "P: %s\nN: bus/usb/%03u/%03u\n",
		   USBDEV_SYSFS + 4 /* without "/sys" */, u->bus, u->devnum);
	buf_printf(b, "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n"
		      "E: DEVNAME=%s\nE: BUSNUM=%03u\nE: DEVNUM=%03u\n",
		   u->node, u->bus, u->devnum);
	buf_printf(b, "E: PRODUCT=%x/%x/%x\n", get_u16le(u->desc + 8),
		   get_u16le(u->desc + 10), get_u16le(u->desc + 12));
	buf_printf(b, "A: busnum=%u\\n\nA: devnum=%u\\n\n", u->bus,
		   u->devnum);
	buf_printf(b, "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\n"
		      "A: bcdDevice=%04x\\n\n",
		   get_u16le(u->desc + 8), get_u16le(u->desc + 10),
		   get_u16le(u->desc + 12));
	buf_printf(b, "A: bConfigurationValue=1\\n\nA: bNumConfigurations=1"
		      "\\n\nA: bMaxPacketSize0=%u\\n\nA: speed=480\\n\n"
		      "A: version= 2.00\\n\n",
		   u->desc[7]);
	buf_printf(b, "A: manufacturer=%s\\n\nA: product=%s\\n\n",
		   u->manufacturer, u->product);
	if (u->serial[0])
		buf_printf(b, "A: serial=%s\\n\n", u->serial);
	buf_printf(b, "H: descriptors=");
	hex(b, u->desc, u->desc_len);
	buf_printf(b, "\n");
	return buf_status(b);
}

/* Lock held, or before the handler runs. */
static void set_node(struct usbdev *u)
{
	snprintf(u->node, sizeof(u->node), "/dev/bus/usb/%03u/%03u", u->bus,
		 u->devnum);
}

static int add_device(struct usbdev *u, struct err_detail *err)
{
	struct buf b;
	GError *e = NULL;
	int r;

	/* Attach before adding, as libusb's own umockdev test does: the
	 * node must answer ioctls from the moment it exists. */
	if (!umockdev_testbed_attach_ioctl(u->tb, u->node, u->handler, &e)) {
		r = err_set(err, ALPHAFS_ERR_IO, "umockdev attach %s: %s",
			    u->node, e ? e->message : "?");
		g_clear_error(&e);
		return r;
	}
	buf_init(&b, USBDEV_RECORD_MAX);
	r = build_record(u, &b);
	buf_put_u8(&b, 0);
	if (r == 0 && buf_status(&b) == 0 &&
	    !umockdev_testbed_add_from_string(u->tb, (const char *)b.data,
					      &e)) {
		r = err_set(err, ALPHAFS_ERR_IO, "umockdev add %s: %s",
			    u->node, e ? e->message : "?");
		g_clear_error(&e);
	}
	buf_finish(&b);
	if (r == 0)
		u->in_sysfs = true;
	return r;
}

int usbdev_create(const struct usbdev_options *opt,
		  const struct usbdev_ops *ops, void *dev,
		  struct usbdev **out, struct err_detail *err)
{
	struct usbdev *u;
	int r;

	*out = NULL;
	if (!safe_string(opt->manufacturer) || !safe_string(opt->product) ||
	    !safe_string(opt->serial))
		return err_set(err, ALPHAFS_ERR_INVALID,
			       "usbdev: strings must be printable ASCII, "
			       "at most %d characters",
			       USBDEV_STRING_MAX - 1);
	u = mem_calloc(1, sizeof(*u));
	if (!u)
		return err_set(err, ALPHAFS_ERR_NOMEM, "usbdev");
	r = copy_descriptors(u, opt, err);
	if (r < 0) {
		mem_free(u);
		return r;
	}
	u->ops = ops;
	u->dev = dev;
	u->opt = *opt;
	u->opt.descriptors = u->desc;
	snprintf(u->manufacturer, sizeof(u->manufacturer), "%s",
		 opt->manufacturer);
	snprintf(u->product, sizeof(u->product), "%s", opt->product);
	snprintf(u->serial, sizeof(u->serial), "%s", opt->serial);
	u->opt.manufacturer = u->manufacturer;
	u->opt.product = u->product;
	u->opt.serial = u->serial;
	u->bus = USBDEV_BUS;
	u->devnum = USBDEV_FIRST_DEVNUM;
	set_node(u);
	u->claimed_by_other = opt->claimed_by_other;
	snprintf(u->sysfs, sizeof(u->sysfs), "%s", USBDEV_SYSFS);
	pthread_mutex_init(&u->lock, NULL);
	u->tb = umockdev_testbed_new();
	u->handler = umockdev_ioctl_base_new();
	usbdev_handler_connect(u);
	r = add_device(u, err);
	if (r < 0) {
		usbdev_destroy(u);
		return r;
	}
	*out = u;
	return 0;
}

void usbdev_destroy(struct usbdev *u)
{
	if (!u)
		return;
	if (u->handler)
		g_signal_handlers_disconnect_by_data(u->handler, u);
	pthread_mutex_lock(&u->lock);
	usbdev_drop_urbs(u, NULL);
	pthread_mutex_unlock(&u->lock);
	if (u->tb)
		g_object_unref(u->tb);
	if (u->handler)
		g_object_unref(u->handler);
	pthread_mutex_destroy(&u->lock);
	mem_free(u);
}

static void remove_device(struct usbdev *u)
{
	if (!u->in_sysfs)
		return;
	umockdev_testbed_uevent(u->tb, u->sysfs, "remove");
	umockdev_testbed_remove_device(u->tb, u->sysfs);
	u->in_sysfs = false;
}

void usbdev_unplug(struct usbdev *u)
{
	if (u->ops->unplug)
		u->ops->unplug(u->dev);
	pthread_mutex_lock(&u->lock);
	u->down = true;
	usbdev_fail_pending(u);
	pthread_mutex_unlock(&u->lock);
	remove_device(u);
}

void usbdev_sync(struct usbdev *u)
{
	bool down;

	pthread_mutex_lock(&u->lock);
	if (!u->down && u->ops->plugged && !u->ops->plugged(u->dev)) {
		u->down = true;
		usbdev_fail_pending(u);
	}
	down = u->down;
	pthread_mutex_unlock(&u->lock);
	if (down)
		remove_device(u);
}

int usbdev_replug(struct usbdev *u, struct err_detail *err)
{
	int r;

	usbdev_sync(u);
	if (!u->down)
		return 0;
	if (u->ops->replug)
		u->ops->replug(u->dev);
	pthread_mutex_lock(&u->lock);
	/* The kernel hands out the next free address on re-enumeration. */
	u->devnum = u->devnum >= USBDEV_LAST_DEVNUM ? USBDEV_FIRST_DEVNUM
						     : u->devnum + 1;
	set_node(u);
	pthread_mutex_unlock(&u->lock);
	r = add_device(u, err);
	if (r < 0)
		return r;
	umockdev_testbed_uevent(u->tb, u->sysfs, "add");
	pthread_mutex_lock(&u->lock);
	u->down = false;
	u->claimer = NULL; /* its holder opened the old node */
	pthread_mutex_unlock(&u->lock);
	return 0;
}

int usbdev_set_serial(struct usbdev *u, const char *serial,
		      struct err_detail *err)
{
	int r = 0;

	if (!safe_string(serial))
		return err_set(err, ALPHAFS_ERR_INVALID,
			       "serial: printable ASCII, at most %d characters",
			       USBDEV_STRING_MAX - 1);
	usbdev_sync(u);
	pthread_mutex_lock(&u->lock);
	if (u->down)
		snprintf(u->serial, sizeof(u->serial), "%s", serial);
	else
		r = err_set(err, ALPHAFS_ERR_STATE,
			    "unplug the camera before changing its serial");
	pthread_mutex_unlock(&u->lock);
	return r;
}

void usbdev_set_claimed(struct usbdev *u, bool claimed)
{
	pthread_mutex_lock(&u->lock);
	u->claimed_by_other = claimed;
	pthread_mutex_unlock(&u->lock);
}

const char *usbdev_node(const struct usbdev *u)
{
	return u->node;
}

void usbdev_port(const struct usbdev *u, char *out, size_t cap)
{
	snprintf(out, cap, "usb:%03u,%03u", u->bus, u->devnum);
}

void usbdev_get_stats(struct usbdev *u, struct usbdev_stats *out)
{
	pthread_mutex_lock(&u->lock);
	*out = u->stats;
	pthread_mutex_unlock(&u->lock);
}
