/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The emulated camera behind the emulated USB device: usbdev's device-side
 * calls are the camera's emu_camera_* calls. */
#include "usbdev/usbdev.h"

static int cam_bulk_out(void *dev, const uint8_t *data, size_t len)
{
	return emu_camera_bulk_out(dev, data, len);
}

static int cam_bulk_in(void *dev, uint8_t *buf, size_t cap, size_t *got)
{
	return emu_camera_bulk_in(dev, buf, cap, got);
}

static int cam_interrupt_in(void *dev, uint8_t *buf, size_t cap,
			    size_t *got)
{
	return emu_camera_interrupt_in(dev, buf, cap, got);
}

static bool cam_wait(void *dev, uint8_t ep, unsigned timeout_ms)
{
	return emu_camera_wait(dev, ep, timeout_ms);
}

static int cam_control(void *dev, uint8_t request_type, uint8_t request,
		       uint16_t value, uint16_t index, uint8_t *data,
		       uint16_t len, size_t *got)
{
	return emu_camera_control(dev, request_type, request, value, index,
				  data, len, got);
}

static int cam_clear_halt(void *dev, uint8_t ep)
{
	return emu_camera_clear_halt(dev, ep);
}

static bool cam_plugged(void *dev)
{
	return emu_camera_plugged(dev);
}

static void cam_unplug(void *dev)
{
	emu_camera_unplug(dev);
}

static void cam_replug(void *dev)
{
	emu_camera_replug(dev);
}

static const struct usbdev_ops cam_ops = {
	.bulk_out = cam_bulk_out,
	.bulk_in = cam_bulk_in,
	.interrupt_in = cam_interrupt_in,
	.wait = cam_wait,
	.control = cam_control,
	.clear_halt = cam_clear_halt,
	.plugged = cam_plugged,
	.unplug = cam_unplug,
	.replug = cam_replug,
};

int usbdev_create_emu(struct emu_camera *cam,
		      const struct usbdev_options *opt, struct usbdev **out,
		      struct err_detail *err)
{
	struct usbdev_options def;

	if (!opt) {
		usbdev_options_default(&def);
		opt = &def;
	}
	return usbdev_create(opt, &cam_ops, cam, out, err);
}
