/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.alphafs emulate -o emu_control=FIFO: the control FIFO that
 * alphafs-emulator offers (launcher/fifo.c, the same command language),
 * on the emulated camera in memory. A person (or a test) turns the
 * camera's dials ("set iso 1600", "dial A"), unplugs and replugs it,
 * injects faults or events while the filesystem is mounted. Commands that
 * need the USB side (replug-serial, usb-* faults) are refused: there is
 * none.
 *
 * One thread of ours waits on the FIFO (poll, EMU_CONTROL_TICK_MS at a
 * time, so a stop is seen promptly) and runs each line against the
 * camera, which takes its own lock.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "tools/emu_control.h"

#define EMU_CONTROL_TICK_MS 100
#define EMU_CONTROL_THREAD_NAME "alphafs-emuctl"

static void *control_main(void *arg)
{
	struct emu_control *ec = arg;
	struct pollfd pfd = { .fd = ec->fifo.ctl_fd, .events = POLLIN };

	while (!atomic_load(&ec->stop)) {
		if (poll(&pfd, 1, EMU_CONTROL_TICK_MS) > 0 &&
		    (pfd.revents & POLLIN))
			launcher_fifo_read(&ec->fifo, &ec->target);
	}
	return NULL;
}

int emu_control_start(struct emu_control *ec, struct emu_camera *cam,
		      const char *path, char *err, size_t cap)
{
	int rc;

	memset(ec, 0, sizeof(*ec));
	ec->fifo.ctl_fd = ec->fifo.ack_fd = -1;
	atomic_init(&ec->stop, false);
	ec->target.cam = cam;
	if (launcher_fifo_init(&ec->fifo, path) < 0) {
		snprintf(err, cap, "emu_control=%s: %s", path, strerror(errno));
		return ALPHAFS_ERR_IO;
	}
	rc = thread_start(&ec->tid, EMU_CONTROL_THREAD_NAME, control_main, ec);
	if (rc < 0) {
		launcher_fifo_finish(&ec->fifo);
		snprintf(err, cap, "emu_control: cannot start its thread");
		return rc;
	}
	ec->started = true;
	return 0;
}

void emu_control_stop(struct emu_control *ec)
{
	if (!ec->started)
		return;
	atomic_store(&ec->stop, true);
	pthread_join(ec->tid, NULL);
	launcher_fifo_finish(&ec->fifo);
	ec->started = false;
}
