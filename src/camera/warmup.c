/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live view coming up after a handshake. Real bodies refuse the live-view
 * object (0x2009 InvalidObjectHandle or 0x200F AccessDenied) for up to
 * about a second (ZV-1) or three (A7R IV) after the handshake, and report
 * 0xD221 LiveViewStatus 0 until live view is up, 1 when it is, 2 where the
 * body has none (the a6300 lists it with values 0..2). While that lasts
 * the state is "starting live view", not an error: a body that lists
 * 0xD221 is asked (0x9209) every CAMERA_LV_STATUS_POLL_MS, one that does
 * not is polled for frames. After the bound (or at once for status 2)
 * alphafs gives up with a reason in info/status, and checks again now and
 * then, so live view that comes later is still picked up. Owner thread.
 */
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

#define NS_PER_MS 1000000ull
#define LV_STATUS_OFF 0
#define LV_STATUS_ON 1
#define LV_STATUS_NONE 2

static bool lists(const struct ptp_u16_list *l, uint16_t code)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i] == code)
			return true;
	return false;
}

static uint64_t bound_ns(const struct camera *cam)
{
	unsigned ms = cam->opt.liveview_start_ms ? cam->opt.liveview_start_ms
						 : CAMERA_LV_START_DEFAULT_MS;

	return (uint64_t)ms * NS_PER_MS;
}

void camera_warmup_begin(struct camera *cam, struct camera_warmup *w,
			 uint64_t now)
{
	memset(w, 0, sizeof(*w));
	w->active = true;
	w->status = -1;
	w->since_ns = now;
	w->next_ns = now;
	w->has_status = lists(&cam->ext.codes, SONY_DPC_LIVEVIEW_STATUS);
	camera_note_live_view(cam, CAMERA_LV_STARTING, -1);
	frame_store_set_state(cam->store, FRAME_STORE_CONNECTING,
			      "starting live view");
}

void camera_warmup_done(struct camera *cam, struct camera_warmup *w)
{
	if (!w->active)
		return;
	w->active = false;
	if (w->gave_up)
		camera_note_why(cam, "");
	w->gave_up = false;
	camera_note_live_view(cam, CAMERA_LV_ON, w->status_on ? LV_STATUS_ON
							      : w->status);
	log_info(SONY, "live view on after %llu ms",
		 (unsigned long long)((clock_now_ns() - w->since_ns) / NS_PER_MS));
}

static void give_up(struct camera *cam, struct camera_warmup *w, uint64_t now)
{
	char why[ERR_DETAIL_MAX];
	unsigned long long ms = (now - w->since_ns) / NS_PER_MS;

	if (w->status == LV_STATUS_NONE)
		snprintf(why, sizeof(why),
			 "live view unavailable: the camera reports LiveViewStatus (0xD221) = 2, no live view in its current mode");
	else if (w->has_status && !w->status_on)
		snprintf(why, sizeof(why),
			 "live view did not start: LiveViewStatus (0xD221) still %d %llu ms after the handshake (camera menu open, or another program holds it?)",
			 w->status, ms);
	else
		snprintf(why, sizeof(why),
			 "live view did not start: the camera refused the live-view image for %llu ms after the handshake",
			 ms);
	w->gave_up = true;
	w->next_ns = now + CAMERA_LV_RECHECK_MS * NS_PER_MS;
	log_warn(SONY, "%s", why);
	camera_note_why(cam, why);
	camera_note_live_view(cam, CAMERA_LV_FAILED, w->status);
	/* Readers are told (ENODEV, EIO after the reconnect timeout) rather
	 * than left waiting on a camera that shows no picture. */
	frame_store_set_state(cam->store, FRAME_STORE_DISCONNECTED, why);
}

/* Reads 0xD221 (and notes what was wrong with the blob). */
static int read_status(struct camera *cam, struct camera_warmup *w)
{
	struct sony_prop_table t;
	const struct ptp_prop_desc *d;
	char problem[ERR_DETAIL_MAX];
	int rc = sony_props_fetch(&cam->s, cam->ext.version, &t);

	if (rc < 0)
		return rc;
	if (sony_props_problem(&t, problem, sizeof(problem))) {
		camera_note_props(cam, t.count_field != t.n, t.cut_short);
		if (!w->props_logged)
			log_warn(SONY, "%s (what parsed is kept)", problem);
		w->props_logged = true;
	}
	d = sony_props_find(&t, SONY_DPC_LIVEVIEW_STATUS);
	if (d)
		w->status = (int)d->current.u;
	/* The same read serves the control/ files (props.c). */
	camera_props_absorb(cam, &t);
	return 0;
}

enum camera_warmup_step camera_warmup_step(struct camera *cam,
					   struct camera_warmup *w,
					   uint64_t now, uint64_t *next_ns)
{
	int rc;

	if (!w->active)
		return CAMERA_WARMUP_POLL;
	if (now < w->next_ns) {
		*next_ns = w->next_ns;
		return CAMERA_WARMUP_WAIT;
	}
	if (w->has_status && (!w->status_on || w->gave_up)) {
		rc = read_status(cam, w);
		if (rc == ALPHAFS_ERR_NO_DEVICE)
			return CAMERA_WARMUP_GONE;
		if (rc < 0)
			w->status_on = true; /* no status: poll frames instead */
		else if (w->status == LV_STATUS_ON)
			w->status_on = true;
		camera_note_live_view(cam, w->gave_up ? CAMERA_LV_FAILED
						      : CAMERA_LV_STARTING,
				      w->status);
	}
	if (w->gave_up) {
		w->next_ns = now + CAMERA_LV_RECHECK_MS * NS_PER_MS;
		*next_ns = w->next_ns;
		return w->status_on || !w->has_status ? CAMERA_WARMUP_POLL
						      : CAMERA_WARMUP_WAIT;
	}
	if (w->status == LV_STATUS_NONE || now - w->since_ns > bound_ns(cam)) {
		give_up(cam, w, now);
		*next_ns = w->next_ns;
		return CAMERA_WARMUP_WAIT;
	}
	if (w->has_status && !w->status_on) {
		w->next_ns = now + CAMERA_LV_STATUS_POLL_MS * NS_PER_MS;
		*next_ns = w->next_ns;
		return CAMERA_WARMUP_WAIT;
	}
	return CAMERA_WARMUP_POLL;
}
