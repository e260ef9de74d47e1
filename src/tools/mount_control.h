/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.alphafs's wiring of the camera to control/ and events: the
 * filesystem's control entries made from the camera's control table
 * (sony_controls), their callbacks going to the camera's control API, and
 * the camera's event lines going to /events. Neither module knows the
 * other; this is the only place that knows both.
 *
 * To add a control file of another kind (a "capture" or "focus" button),
 * give mount_control_init one more entry: a struct fs_control whose
 * callbacks reach what serves it (see mount_control.c's entries for the
 * shape), with `write` answering through fs_control_done when the work is
 * done. A line for /events (a capture complete) is camera_event_post.
 */
#ifndef ALPHAFS_TOOLS_MOUNT_CONTROL_H
#define ALPHAFS_TOOLS_MOUNT_CONTROL_H

#include <stdatomic.h>

#include "camera/camera.h"
#include "fs/fs.h"

/* What -o control_mode may give: the owner always reads and writes;
 * group and others may be given read and write; nothing else. */
#define MOUNT_CONTROL_MODE_DEFAULT 0644u
#define MOUNT_CONTROL_MODE_ALLOWED 0666u
#define MOUNT_CONTROL_MODE_NEEDED 0600u

struct mount_control {
	struct camera *cam;	    /* not owned */
	_Atomic(struct fs *) fs;    /* set once the filesystem exists */
	struct fs_control entries[FS_CONTROLS_MAX];
	size_t n;
};

/*
 * Fills mc with one entry per camera control: writable ones with the
 * permission bits `mode` (checked with mount_control_mode_ok), read-only
 * ones (the mode dial, the battery) 0444. cam must outlive mc's use.
 */
void mount_control_init(struct mount_control *mc, struct camera *cam,
			unsigned mode);
/* True when mode is one -o control_mode accepts. */
bool mount_control_mode_ok(unsigned mode);
/* The camera's event sink: lines go to mc's filesystem once attached
 * (dropped before). Set it before camera_start. */
struct camera_event_sink mount_control_sink(struct mount_control *mc);
/* The filesystem is there (or gone: NULL). */
void mount_control_attach(struct mount_control *mc, struct fs *fs);

#endif
