/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libusb errors mapped once, at the edge, and the messages that tell the
 * user what to do about a busy interface.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libusb.h>

#include "usb/usb.h"

/* /proc scan budget: processes and descriptors per process looked at. */
#define HOLDER_MAX_PROCS 4096
#define HOLDER_MAX_FDS 1024

int usb_map_libusb_error(int libusb_err)
{
	switch ((enum libusb_error)libusb_err) {
	case LIBUSB_SUCCESS:
		return 0;
	case LIBUSB_ERROR_TIMEOUT:
		return ALPHAFS_ERR_TIMEOUT;
	case LIBUSB_ERROR_PIPE:
		return ALPHAFS_ERR_PIPE;
	case LIBUSB_ERROR_OVERFLOW:
		return ALPHAFS_ERR_OVERFLOW;
	case LIBUSB_ERROR_NO_DEVICE:
		return ALPHAFS_ERR_NO_DEVICE;
	case LIBUSB_ERROR_BUSY:
		return ALPHAFS_ERR_BUSY;
	case LIBUSB_ERROR_ACCESS:
		return ALPHAFS_ERR_ACCESS;
	case LIBUSB_ERROR_NOT_FOUND:
		return ALPHAFS_ERR_NOT_FOUND;
	case LIBUSB_ERROR_NO_MEM:
		return ALPHAFS_ERR_NOMEM;
	case LIBUSB_ERROR_INTERRUPTED:
		return ALPHAFS_ERR_INTERRUPTED;
	case LIBUSB_ERROR_INVALID_PARAM:
		return ALPHAFS_ERR_INVALID;
	case LIBUSB_ERROR_NOT_SUPPORTED:
		return ALPHAFS_ERR_UNSUPPORTED;
	case LIBUSB_ERROR_IO:
	case LIBUSB_ERROR_OTHER:
		break;
	}
	return ALPHAFS_ERR_IO;
}

void usb_busy_message(const char *port, const char *holder, char *out,
		      size_t cap)
{
	/* gvfs mounts PTP cameras through libgphoto2 and keeps the interface
	 * claimed for as long as the mount exists (ilce-6300-usb.md). */
	if (holder && holder[0])
		snprintf(out, cap,
			 "%s: the camera's PTP interface is held by %s; "
			 "unmount it (gio mount -s gphoto2) or stop it "
			 "(systemctl --user stop gvfs-gphoto2-volume-monitor) "
			 "and retry",
			 port, holder);
	else
		snprintf(out, cap,
			 "%s: the camera's PTP interface is held by another "
			 "program (likely gvfs-gphoto2-volume-monitor / "
			 "gvfsd-gphoto2, a gphoto2, or another alphafs); run "
			 "`gio mount -s gphoto2` or `systemctl --user stop "
			 "gvfs-gphoto2-volume-monitor`, or quit the other "
			 "program, and retry",
			 port);
}

static bool is_pid(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool holds_node(const char *pid, const char *node)
{
	char dir[64], link[320], target[256];
	struct dirent *e;
	DIR *d;
	int seen = 0;
	bool found = false;

	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && seen++ < HOLDER_MAX_FDS && (e = readdir(d))) {
		if (!is_pid(e->d_name))
			continue;
		snprintf(link, sizeof(link), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = strcmp(target, node) == 0;
	}
	closedir(d);
	return found;
}

static void describe_pid(const char *pid, char *out, size_t cap)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(out, cap, "%s (pid %s)", comm[0] ? comm : "?", pid);
}

void usb_find_holder(uint8_t bus, uint8_t dev, char *out, size_t cap)
{
	char node[32], self[16];
	struct dirent *e;
	DIR *d;
	int seen = 0;

	if (cap == 0)
		return;
	out[0] = '\0';
	snprintf(node, sizeof(node), "/dev/bus/usb/%03u/%03u", bus, dev);
	snprintf(self, sizeof(self), "%ld", (long)getpid());
	d = opendir("/proc");
	if (!d)
		return;
	while (seen++ < HOLDER_MAX_PROCS && (e = readdir(d))) {
		if (!is_pid(e->d_name) || strcmp(e->d_name, self) == 0)
			continue;
		if (holds_node(e->d_name, node)) {
			describe_pid(e->d_name, out, cap);
			break;
		}
	}
	closedir(d);
}
