/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Camera events: what comes up the interrupt pipe (dossier §6) and the
 * event lines made of it for the events file.
 *
 * The pipe is emptied between frames without waiting. A C203
 * DevicePropChanged (or the standard 0x4006, as libgphoto2 maps it) asks
 * for a 0x9209 read at the next props tick, which turns what changed into
 * "property ..." lines: the file shows a dial turned within one event
 * round trip. ObjectAdded / ObjectRemoved become lines of their own; any
 * other event is shown with its name and parameter. Events are hints
 * (they can be missed, §6): the slow refresh in props.c does not depend
 * on them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"


void camera_set_event_sink(struct camera *cam,
			   const struct camera_event_sink *sink)
{
	cam->sink = sink ? *sink : (struct camera_event_sink){ 0 };
}

void camera_event_post(struct camera *cam, const char *fmt, ...)
{
	char line[CAMERA_EVENT_LINE_MAX], when[CLOCK_ISO_MAX];
	va_list ap;
	int n;

	clock_wall_iso(clock_wall_ns(), when, sizeof(when));
	n = snprintf(line, sizeof(line), "%s ", when);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One event, one line, whatever a camera string held. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	pthread_mutex_lock(&cam->lock);
	cam->status.events_posted++;
	pthread_mutex_unlock(&cam->lock);
	log_dbg(SONY, "event: %s", line);
	if (cam->sink.fn)
		cam->sink.fn(cam->sink.arg, line, strlen(line));
}

void camera_event_handle(struct camera *cam, const struct ptp_event *ev)
{
	uint32_t p1 = ev->nparams ? ev->params[0] : 0;
	const char *name = sony_event_name(ev->code);

	log_dbg(SONY, "event %s (0x%04X) param 0x%08X", name ? name : "?",
		ev->code, p1);
	switch (ev->code) {
	case SONY_EC_PROP_CHANGED:
	case PTP_EC_DEVICE_PROP_CHANGED:
		camera_props_changed(cam);
		return;
	case SONY_EC_OBJECT_ADDED:
		camera_event_post(cam, "object-added 0x%08X", p1);
		return;
	case SONY_EC_OBJECT_REMOVED:
		camera_event_post(cam, "object-removed 0x%08X", p1);
		return;
	default:
		camera_event_post(cam, "event %s 0x%04X 0x%08X",
				  name ? name : "unknown", ev->code, p1);
		return;
	}
}

int camera_events_drain(struct camera *cam)
{
	struct ptp_event ev;
	int rc = 0;

	for (unsigned i = 0; i < CAMERA_EVENTS_PER_ROUND && cam->t; i++) {
		rc = ptp_event_read(&cam->s, &ev, 0);
		if (rc < 0)
			return rc;
		camera_still_event(cam, &ev); /* a hint for a still job */
		camera_event_handle(cam, &ev);
	}
	return rc;
}
