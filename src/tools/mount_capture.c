/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control/capture, control/focus and captures/ (see mount_capture.h).
 * The write callbacks run on a FUSE worker and only submit; the still
 * engine's callbacks run on the camera's owner thread: object() hands
 * each object's bytes to captures/ (a spool file write, no waiting on a
 * reader), done() answers the write and posts the event line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tools/mount_capture.h"
#include "util/util.h"

#define NS_PER_S UINT64_C(1000000000)

#define NAME_CAPTURE "capture"
#define NAME_FOCUS "focus"

static struct mount_capture *mk_of(const struct fs_control *c)
{
	return (struct mount_capture *)c->key;
}

static bool is_focus(const struct fs_control *c)
{
	return !strcmp(c->name, NAME_FOCUS);
}

/* ---- parsing --------------------------------------------------------------- */

/* text without one trailing newline, when it is one line of printable
 * text; false otherwise. */
static bool one_line(const char *text, size_t len, size_t *n)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch < 0x20 || ch == 0x7F)
			return false;
	}
	*n = len;
	return true;
}

static bool word_is(const char *text, size_t n, const char *w)
{
	return strlen(w) == n && !memcmp(text, w, n);
}

int mount_capture_parse(bool focus, const char *text, size_t len,
			enum camera_still_kind *kind)
{
	size_t n;

	if (!text || !one_line(text, len, &n))
		return ALPHAFS_ERR_INVALID;
	if (!focus) {
		if (word_is(text, n, "0"))
			return ALPHAFS_ERR_INVALID;
		*kind = CAMERA_STILL_CAPTURE;
		return 0;
	}
	if (word_is(text, n, "lock") || word_is(text, n, "1") ||
	    word_is(text, n, "half")) {
		*kind = CAMERA_STILL_FOCUS_LOCK;
		return 0;
	}
	if (word_is(text, n, "release") || word_is(text, n, "0") ||
	    word_is(text, n, "unlock")) {
		*kind = CAMERA_STILL_FOCUS_RELEASE;
		return 0;
	}
	return ALPHAFS_ERR_INVALID;
}

/* ---- the engine's callbacks (owner thread) ------------------------------------ */

static int handle_object(void *arg, struct camera_still_object *obj)
{
	struct mount_capture *mk = arg;
	struct fs *fs = atomic_load(&mk->mc->fs);
	struct fs_capture_added out;
	uint64_t mtime = obj->capture_time > 0
				 ? (uint64_t)obj->capture_time * NS_PER_S
				 : obj->wall_ns;
	size_t used;
	int rc;

	if (!fs) {
		mem_free(obj->data);
		obj->data = NULL;
		return ALPHAFS_ERR_CLOSED;
	}
	rc = fs_captures_add(fs, obj->name, mtime, obj->data, obj->len, &out);
	obj->data = NULL; /* taken, in every case */
	pthread_mutex_lock(&mk->lock);
	if (rc < 0) {
		mk->place_rc = rc;
		snprintf(mk->place_why, sizeof(mk->place_why), "%s: %s",
			 obj->name, out.why[0] ? out.why : alphafs_strerror(rc));
	} else {
		used = strlen(mk->names);
		snprintf(mk->names + used, sizeof(mk->names) - used, "%s%s",
			 used ? " " : "", out.name);
		mk->taken++;
	}
	pthread_mutex_unlock(&mk->lock);
	if (rc == 0 && out.dropped[0])
		camera_event_post(mk->cam, "capture-dropped %s (captures/ full)",
				  out.dropped);
	return rc;
}

static void handle_done(void *arg, const struct camera_still_result *res)
{
	struct mount_capture *mk = arg;
	char names[sizeof(mk->names)], why[sizeof(mk->place_why)];
	enum camera_still_kind kind;
	struct fs_pending *p;
	int rc = res->rc, place_rc;

	pthread_mutex_lock(&mk->lock);
	p = mk->p;
	kind = mk->kind;
	place_rc = mk->place_rc;
	snprintf(names, sizeof(names), "%s", mk->names);
	snprintf(why, sizeof(why), "%s", mk->place_why);
	mk->p = NULL;
	mk->busy = false;
	mk->names[0] = '\0';
	mk->place_rc = 0;
	mk->place_why[0] = '\0';
	if (kind == CAMERA_STILL_FOCUS_LOCK)
		mk->focus_locked = rc == 0;
	else
		mk->focus_locked = false; /* released, or a capture let go */
	pthread_mutex_unlock(&mk->lock);
	if (rc == 0 && place_rc < 0)
		rc = place_rc;
	switch (kind) {
	case CAMERA_STILL_CAPTURE:
		if (rc == 0)
			camera_event_post(mk->cam, "capture-complete %u %s",
					  res->objects, names);
		else
			camera_event_post(mk->cam, "capture-failed %s: %s",
					  strerror(alphafs_err_errno(rc)),
					  why[0] ? why
						 : res->why[0] ? res->why
							       : alphafs_strerror(rc));
		break;
	case CAMERA_STILL_FOCUS_LOCK:
		if (rc == 0)
			camera_event_post(mk->cam, "focus-locked%s",
					  res->focus_found ? "" : " (not focused)");
		else
			camera_event_post(mk->cam, "focus-failed %s: %s",
					  strerror(alphafs_err_errno(rc)),
					  res->why[0] ? res->why
						      : alphafs_strerror(rc));
		break;
	case CAMERA_STILL_FOCUS_RELEASE:
		camera_event_post(mk->cam, rc == 0 ? "focus-released"
						   : "focus-failed release");
		break;
	}
	fs_control_done(p, rc);
}

/* ---- the control entries (FUSE workers) ---------------------------------------- */

static int handle_write(void *arg, const struct fs_control *c,
			const char *text, size_t len, struct fs_pending *p)
{
	struct mount_capture *mk = mk_of(c);
	bool focus = is_focus(c);
	struct camera_still_request req = { 0 };
	int rc;

	(void)arg;
	rc = mount_capture_parse(focus, text, len, &req.kind);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&mk->lock);
	if (mk->busy) {
		pthread_mutex_unlock(&mk->lock);
		return ALPHAFS_ERR_BUSY;
	}
	mk->busy = true;
	mk->p = p;
	mk->kind = req.kind;
	mk->names[0] = '\0';
	mk->place_rc = 0;
	pthread_mutex_unlock(&mk->lock);
	req.ops.object = handle_object;
	req.ops.done = handle_done;
	req.ops.arg = mk;
	rc = camera_still_submit(mk->cam, &req);
	if (rc < 0) {
		pthread_mutex_lock(&mk->lock);
		mk->busy = false;
		mk->p = NULL;
		pthread_mutex_unlock(&mk->lock);
	}
	return rc; /* < 0: control.c answers the write with it */
}

static int handle_read(void *arg, const struct fs_control *c, struct buf *out)
{
	struct mount_capture *mk = mk_of(c);
	bool busy, locked;

	(void)arg;
	pthread_mutex_lock(&mk->lock);
	busy = mk->busy;
	locked = mk->focus_locked;
	pthread_mutex_unlock(&mk->lock);
	if (is_focus(c))
		buf_printf(out, "%s\n", locked ? "locked" : "released");
	else
		buf_printf(out, "%s\n", busy ? "busy" : "ready");
	return 0;
}

static int handle_choices(void *arg, const struct fs_control *c,
			  struct buf *out)
{
	(void)arg;
	if (is_focus(c))
		buf_printf(out, "lock\nrelease\n");
	else
		buf_printf(out, "1\n");
	return 0;
}

bool mount_capture_register(struct mount_capture *mk, struct mount_control *mc,
			    struct camera *cam, unsigned mode)
{
	static const char *const names[] = { NAME_CAPTURE, NAME_FOCUS };

	memset(mk, 0, sizeof(*mk));
	mk->cam = cam;
	mk->mc = mc;
	pthread_mutex_init(&mk->lock, NULL);
	if (FS_CONTROLS_MAX - mc->n < ARRAY_LEN(names))
		return false;
	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		mc->entries[mc->n++] = (struct fs_control){
			.name = names[i],
			.mode = mode,
			.key = (uintptr_t)mk,
			.read = handle_read,
			.read_choices = handle_choices,
			.write = handle_write,
		};
	return true;
}

void mount_capture_finish(struct mount_capture *mk)
{
	pthread_mutex_destroy(&mk->lock);
}
