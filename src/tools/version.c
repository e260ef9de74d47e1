/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include <libusb.h>

#include "alphafs-config.h"
#include "fs/fs.h" /* fuse_pkgversion() at the API version fs/ uses */
#include "tools/tools.h"

void tool_print_version(const char *prog)
{
	const struct libusb_version *usb = libusb_get_version();

	printf("%s %s (libfuse %s, libusb %u.%u.%u)\n", prog, ALPHAFS_VERSION,
	       fuse_pkgversion(), usb->major, usb->minor, usb->micro);
}
