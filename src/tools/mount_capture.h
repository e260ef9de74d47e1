/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.alphafs's wiring of the camera's still engine (camera_still_submit)
 * to the filesystem: control/capture and control/focus, two more entries
 * of control/ (mount_control.h), whose writes are answered when the still
 * is in captures/ (fs_captures_add) or has failed, and the event lines
 * capture-complete / capture-failed / capture-dropped / focus-locked /
 * focus-released / focus-failed. Neither camera/ nor fs/ knows the other;
 * this file knows both.
 *
 *   echo 1 > control/capture     any one line but "0": take a still
 *   echo lock > control/focus    half-press and hold (also "1", "half")
 *   echo release > control/focus let go (also "0", "unlock")
 *
 * A write while a still or a focus job runs fails with EBUSY (in practice only
 * across the two files: the kernel passes writes to one file one at a
 * time, so a second capture waits for the first); a bad value EINVAL; a failed still the errno of its cause
 * (ETIMEDOUT: nothing announced; EIO: the camera refused; ENODEV: the
 * camera went away; ...) with the reason in info/status (still_why) and in
 * /events.
 */
#ifndef ALPHAFS_TOOLS_MOUNT_CAPTURE_H
#define ALPHAFS_TOOLS_MOUNT_CAPTURE_H

#include <pthread.h>

#include "camera/camera.h"
#include "fs/fs.h"
#include "tools/mount_control.h"

struct mount_capture {
	struct camera *cam;	  /* not owned */
	struct mount_control *mc; /* its fs (atomic) and the entry table */
	pthread_mutex_t lock;
	/* The job in flight (one at a time: the engine takes one). */
	struct fs_pending *p;
	enum camera_still_kind kind;
	char names[CAMERA_STILL_OBJECTS_MAX * (FS_CAPTURE_NAME_MAX + 1)];
	int place_rc;	    /* fs_captures_add refused an object */
	char place_why[256];
	bool focus_locked;  /* a FOCUS_LOCK succeeded, not released since */
	bool busy;
	uint64_t taken;	    /* stills placed in captures/ */
};

/*
 * Appends control/capture and control/focus (permission bits `mode`, as
 * the other control files) to mc's entries. mk must stay where it is
 * while the filesystem and the camera exist; cam must outlive its use.
 * Returns false when mc's table is full.
 */
bool mount_capture_register(struct mount_capture *mk, struct mount_control *mc,
			    struct camera *cam, unsigned mode);
/* After the camera has stopped (no callback runs any more). */
void mount_capture_finish(struct mount_capture *mk);

/*
 * The value of a write to control/capture or control/focus (pure, for
 * tests and fuzzing): 0 with *kind set, or INVALID. capture: one line of
 * printable text (a trailing "\n" allowed) that is not "0". focus: "lock",
 * "1", "half" / "release", "0", "unlock" (one line, case as given).
 */
int mount_capture_parse(bool focus, const char *text, size_t len,
			enum camera_still_kind *kind);

#endif
