/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.alphafs's control FIFO for the emulated camera in memory
 * (-o emu_control=FIFO): alphafs-emulator's command language (set, dial,
 * unplug, replug, fault, event, pause, resume) without the USB side.
 */
#ifndef ALPHAFS_TOOLS_EMU_CONTROL_H
#define ALPHAFS_TOOLS_EMU_CONTROL_H

#include <pthread.h>
#include <stdatomic.h>

#include "launcher/launcher.h"

struct emu_control {
	struct launcher_fifo fifo;
	struct launcher_target target; /* the camera alone */
	pthread_t tid;
	atomic_bool stop;
	bool started;
};

/*
 * Creates (or reuses) the FIFO path and path.ack (mode 0600) and starts
 * the thread that runs its commands on cam (not owned; it must outlive
 * emu_control_stop). IO (with a reason in err) when the FIFO cannot be
 * made, or the thread's error. On failure nothing is left running.
 */
int emu_control_start(struct emu_control *ec, struct emu_camera *cam,
		      const char *path, char *err, size_t cap);
/* Stops the thread and closes the FIFOs; a no-op when not started. */
void emu_control_stop(struct emu_control *ec);

#endif
