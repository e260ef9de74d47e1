/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The camera's controls as control/ files and its events as /events (see
 * mount_control.h). Every callback here runs on a FUSE worker (or, for
 * the answers and the event lines, on the camera's owner thread) and
 * passes straight through: nothing waits on the camera.
 */
#include <string.h>

#include "sony/propfmt.h"
#include "tools/mount_control.h"

static struct camera *cam_of(void *arg)
{
	return ((struct mount_control *)arg)->cam;
}

static bool handle_present(void *arg, const struct fs_control *c)
{
	return camera_prop_announced(cam_of(arg), (uint16_t)c->key);
}

static int handle_read(void *arg, const struct fs_control *c, struct buf *out)
{
	return camera_control_read(cam_of(arg), (uint16_t)c->key, out);
}

static int handle_read_choices(void *arg, const struct fs_control *c,
			       struct buf *out)
{
	return camera_control_choices(cam_of(arg), (uint16_t)c->key, out);
}

/* The camera's answer (owner thread) is the write's answer. */
static void handle_done(int result, void *arg)
{
	fs_control_done(arg, result);
}

static bool handle_cancelled(void *arg)
{
	return fs_control_cancelled(arg);
}

static int handle_write(void *arg, const struct fs_control *c,
			const char *text, size_t len, struct fs_pending *p)
{
	struct camera_control_write w = {
		.code = (uint16_t)c->key,
		.text = text,
		.len = len,
		.done = handle_done,
		.cancelled = handle_cancelled,
		.arg = p,
	};

	return camera_control_write(cam_of(arg), &w);
}

bool mount_control_mode_ok(unsigned mode)
{
	return (mode & ~MOUNT_CONTROL_MODE_ALLOWED) == 0 &&
	       (mode & MOUNT_CONTROL_MODE_NEEDED) == MOUNT_CONTROL_MODE_NEEDED;
}

void mount_control_init(struct mount_control *mc, struct camera *cam,
			unsigned mode)
{
	const struct sony_control *t;
	size_t n;

	memset(mc, 0, sizeof(*mc));
	mc->cam = cam;
	atomic_init(&mc->fs, NULL);
	t = sony_controls(&n);
	for (size_t i = 0; i < n && mc->n < FS_CONTROLS_MAX; i++) {
		bool ro = t[i].set == SONY_SET_NONE;

		mc->entries[mc->n++] = (struct fs_control){
			.name = t[i].name,
			/* A read-only setting still takes the write callback:
			 * the camera says why it refuses (info/status), for
			 * whoever may open a 0444 file for writing (root). */
			.mode = ro ? 0444u : mode,
			.key = t[i].code,
			.present = handle_present,
			.read = handle_read,
			/* The battery's "choices" (-1..100) say nothing. */
			.read_choices = t[i].form == SONY_FORM_PERCENT
						? NULL
						: handle_read_choices,
			.write = handle_write,
		};
	}
}

static void handle_line(void *arg, const char *line, size_t len)
{
	struct mount_control *mc = arg;
	struct fs *fs = atomic_load(&mc->fs);

	if (fs)
		fs_events_post(fs, line, len);
}

struct camera_event_sink mount_control_sink(struct mount_control *mc)
{
	return (struct camera_event_sink){ .fn = handle_line, .arg = mc };
}

void mount_control_attach(struct mount_control *mc, struct fs *fs)
{
	atomic_store(&mc->fs, fs);
}
