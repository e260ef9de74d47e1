/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The write-walk: how one control write brings the camera to a value
 * (dossier §5.4, §5.5), as a state machine that decides and never talks
 * to the camera itself. props.c reads the camera's value, asks
 * camera_walk_next what to do, does it (one transaction), and reports back
 * with camera_walk_sent.
 *
 * Set directly (0x9205): send the value once, then wait until the camera
 * reports it (C203 or the 200 ms re-read), at most CAMERA_WALK_STEP_MS.
 *
 * Set by notches (0x9207 on protocol 2.00): one step of +1 or -1 toward
 * the target, then wait until the value moves (the camera applies a step
 * asynchronously, ~0.7 s on some bodies); stop on a match; never more than
 * CAMERA_WALK_STEPS_MAX steps; give up when a step does not move the value
 * within CAMERA_WALK_STEP_MS. A value that goes past the target (the dial
 * has no such notch) is walked back to where it started, and the write
 * fails with INVALID: the camera is left as it was.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

#define NS_PER_MS 1000000ull

static void say(struct camera_walk *w, const char *what,
		const struct ptp_value *v, char *out, size_t cap)
{
	char t[SONY_VALUE_TEXT_MAX];

	sony_value_format(w->c, v, t, sizeof(t));
	snprintf(out, cap, "%s %s", what, t);
}

static enum camera_walk_action fail(struct camera_walk *w, int code,
				    const char *fmt, ...) PRINTF_LIKE(3, 4);

static enum camera_walk_action fail(struct camera_walk *w, int code,
				    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	w->fail_code = code;
	vsnprintf(w->why, sizeof(w->why), fmt, ap);
	va_end(ap);
	w->finished = true;
	return CAMERA_WALK_FAIL;
}

void camera_walk_begin(struct camera_walk *w, const struct sony_control *c,
		       bool by_steps, const struct ptp_value *target,
		       uint64_t now)
{
	memset(w, 0, sizeof(*w));
	w->c = c;
	w->by_steps = by_steps;
	w->target = *target;
	w->target.str = NULL;
	w->wanted = w->target;
	w->began_ns = now;
}

/* A step toward the target from cur: +1 when cur comes before it. */
static int direction(struct camera_walk *w, const struct ptp_prop_desc *d,
		     const struct ptp_value *cur)
{
	return sony_value_cmp(w->c, d, cur, &w->target) < 0 ? 1 : -1;
}

/* The value went past the target: walk back to the start, then fail. */
static enum camera_walk_action overshot(struct camera_walk *w,
					const struct ptp_prop_desc *d,
					const struct ptp_value *cur)
{
	char want[SONY_VALUE_TEXT_MAX], from[SONY_VALUE_TEXT_MAX],
		to[SONY_VALUE_TEXT_MAX];

	sony_value_format(w->c, &w->wanted, want, sizeof(want));
	sony_value_format(w->c, &w->last, from, sizeof(from));
	sony_value_format(w->c, cur, to, sizeof(to));
	if (w->restoring)
		return fail(w, ALPHAFS_ERR_IO,
			    "%s: went past its old value on the way back (now %s)",
			    w->c->name, to);
	snprintf(w->why, sizeof(w->why),
		 "%s: %s is not a position of the camera's dial (it went from %s to %s); put back",
		 w->c->name, want, from, to);
	w->restoring = true;
	w->target = w->start;
	w->dir = direction(w, d, cur);
	return CAMERA_WALK_WAIT; /* the next call steps back */
}

static enum camera_walk_action step(struct camera_walk *w,
				    const struct ptp_prop_desc *d,
				    const struct ptp_value *cur, uint64_t now)
{
	char t[SONY_VALUE_TEXT_MAX];
	int want = direction(w, d, cur);

	if (w->steps > 0 && !w->moved_since_step) {
		if (now < w->deadline_ns)
			return CAMERA_WALK_WAIT;
		sony_value_format(w->c, cur, t, sizeof(t));
		return fail(w, ALPHAFS_ERR_IO,
			    "%s: the camera did not move from %s within %u ms of a step",
			    w->c->name, t, CAMERA_WALK_STEP_MS);
	}
	if (w->steps > 0 && want != w->dir)
		return overshot(w, d, cur);
	if (w->steps >= CAMERA_WALK_STEPS_MAX)
		return fail(w, ALPHAFS_ERR_IO, "%s: not there after %u steps",
			    w->c->name, CAMERA_WALK_STEPS_MAX);
	w->dir = want;
	w->last = *cur;
	w->last.str = NULL;
	return want > 0 ? CAMERA_WALK_STEP_UP : CAMERA_WALK_STEP_DOWN;
}

enum camera_walk_action camera_walk_next(struct camera_walk *w,
					 const struct ptp_prop_desc *d,
					 uint64_t now)
{
	const struct ptp_value *cur = &d->current;
	char t[SONY_VALUE_TEXT_MAX];

	if (w->finished)
		return w->fail_code ? CAMERA_WALK_FAIL : CAMERA_WALK_DONE;
	if (!w->started) {
		w->started = true;
		w->start = *cur;
		w->start.str = NULL;
		w->last = w->start;
	}
	if (w->steps > 0 && sony_value_cmp(w->c, d, cur, &w->last) != 0)
		w->moved_since_step = true;
	if (sony_value_cmp(w->c, d, cur, &w->target) == 0) {
		w->finished = true;
		if (!w->restoring)
			return CAMERA_WALK_DONE;
		w->fail_code = ALPHAFS_ERR_INVALID; /* why set by overshot */
		return CAMERA_WALK_FAIL;
	}
	if (w->by_steps)
		return step(w, d, cur, now);
	if (!w->sent)
		return CAMERA_WALK_SEND_VALUE;
	if (now < w->deadline_ns)
		return CAMERA_WALK_WAIT;
	say(w, "still", cur, t, sizeof(t));
	return fail(w, ALPHAFS_ERR_IO,
		    "%s: the camera did not take the value within %u ms (%s)",
		    w->c->name, CAMERA_WALK_STEP_MS, t);
}

void camera_walk_sent(struct camera_walk *w, uint64_t now)
{
	w->deadline_ns = now + CAMERA_WALK_STEP_MS * NS_PER_MS;
	if (w->by_steps) {
		w->steps++;
		w->moved_since_step = false;
	} else {
		w->sent = true;
	}
}

int camera_walk_fail(struct camera_walk *w, int code, const char *why)
{
	w->finished = true;
	w->fail_code = code ? code : ALPHAFS_ERR_IO;
	snprintf(w->why, sizeof(w->why), "%s", why);
	return w->fail_code;
}
