/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Default options; the identity snapshot's copy/finish/merge helpers; the
 * text of the identity and status snapshots as info/device and
 * info/status show them: "key: value" lines, one fact per line, so that
 * people read them and scripts grep them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "camera/camera_internal.h"

#define NS_PER_S UINT64_C(1000000000)

void camera_options_default(struct camera_options *o)
{
	memset(o, 0, sizeof(*o));
	o->fps_limit = 0;
	o->exit_on_disconnect = false;
	o->usb_timeout_ms = CAMERA_TIMEOUT_DEFAULT_MS;
}

void camera_info_finish(struct camera_info *ci)
{
	if (!ci)
		return;
	ptp_u16_list_finish(&ci->operations);
	ptp_u16_list_finish(&ci->events);
	ptp_u16_list_finish(&ci->properties);
}

static int list_copy(struct ptp_u16_list *dst, const struct ptp_u16_list *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	dst->v = mem_alloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return ALPHAFS_ERR_NOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

int camera_info_copy(struct camera_info *dst, const struct camera_info *src)
{
	*dst = *src;
	dst->operations = (struct ptp_u16_list){ 0 };
	dst->events = (struct ptp_u16_list){ 0 };
	dst->properties = (struct ptp_u16_list){ 0 };
	if (list_copy(&dst->operations, &src->operations) < 0 ||
	    list_copy(&dst->events, &src->events) < 0 ||
	    list_copy(&dst->properties, &src->properties) < 0) {
		camera_info_finish(dst);
		return ALPHAFS_ERR_NOMEM;
	}
	return 0;
}

/* Appends the codes of add that l lacks (libgphoto2 appends the 0x9202
 * lists to DeviceInfo's, dossier §3.3; we skip duplicates). */
int camera_list_merge(struct ptp_u16_list *l, const struct ptp_u16_list *add)
{
	uint16_t *v;
	uint32_t n = l->n;

	if (add->n == 0)
		return 0;
	if (add->n > PTP_ARRAY_MAX || l->n > PTP_ARRAY_MAX)
		return ALPHAFS_ERR_TOO_BIG;
	v = mem_realloc(l->v, ((size_t)l->n + add->n) * sizeof(*v));
	if (!v)
		return ALPHAFS_ERR_NOMEM;
	for (uint32_t i = 0; i < add->n; i++) {
		bool seen = false;

		for (uint32_t j = 0; j < n && !seen; j++)
			seen = v[j] == add->v[i];
		if (!seen)
			v[n++] = add->v[i];
	}
	l->v = v;
	l->n = n;
	return 0;
}

static void put_codes(struct buf *b, const char *title,
		      const struct ptp_u16_list *l,
		      const char *(*name)(uint16_t))
{
	buf_printf(b, "%s: %" PRIu32 "\n", title, l->n);
	for (uint32_t i = 0; i < l->n; i++) {
		const char *nm = name(l->v[i]);

		buf_printf(b, "  0x%04x %s\n", l->v[i], nm ? nm : "(unknown)");
	}
}

void camera_info_format(const struct camera_info *ci, struct buf *out)
{
	buf_printf(out, "model: %s\n", ci->model);
	buf_printf(out, "manufacturer: %s\n", ci->manufacturer);
	buf_printf(out, "serial: %s\n", ci->serial);
	buf_printf(out, "firmware: %s\n", ci->device_version);
	buf_printf(out, "port: %s\n", ci->port);
	buf_printf(out, "usb_id: %04x:%04x\n", ci->usb_vendor, ci->usb_product);
	buf_printf(out, "vendor_extension_id: 0x%08" PRIx32 "\n",
		   ci->vendor_ext_id);
	buf_printf(out, "vendor_extension_version: %u.%02u\n",
		   ci->vendor_ext_version / 100u, ci->vendor_ext_version % 100u);
	buf_printf(out, "vendor_extension_desc: %s\n", ci->vendor_ext_desc);
	buf_printf(out, "sony_protocol: %u.%02u (0x%04x)\n",
		   ci->sony_protocol / 100u, ci->sony_protocol % 100u,
		   ci->sony_protocol);
	put_codes(out, "operations", &ci->operations, sony_op_name);
	put_codes(out, "events", &ci->events, sony_event_name);
	put_codes(out, "properties", &ci->properties, sony_prop_name);
}

static void put_wall(struct buf *b, const char *key, uint64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / NS_PER_S);
	char when[32] = "unknown";
	struct tm tm;

	if (wall_ns && gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	buf_printf(b, "%s: %s\n", key, when);
}

void camera_status_format(const struct camera_status *cs, struct buf *out)
{
	buf_printf(out, "connected: %s\n", cs->connected ? "yes" : "no");
	buf_printf(out, "live_view: %s\n",
		   camera_live_view_name(cs->live_view));
	put_wall(out, "since", cs->since_wall_ns);
	buf_printf(out, "why: %s\n", cs->why[0] ? cs->why : "-");
	buf_printf(out, "frames_captured: %" PRIu64 "\n", cs->frames_captured);
	buf_printf(out, "camera_polls_denied: %" PRIu64 "\n", cs->polls_denied);
	buf_printf(out, "camera_busy_retries: %" PRIu64 "\n", cs->busy_retries);
	buf_printf(out, "camera_session_resets: %" PRIu64 "\n",
		   cs->session_resets);
	buf_printf(out, "camera_reconnects: %" PRIu64 "\n", cs->reconnects);
	buf_printf(out, "camera_transactions: %" PRIu64 "\n", cs->transactions);
	buf_printf(out, "props_count_mismatch: %" PRIu64 "\n",
		   cs->props_count_mismatch);
	buf_printf(out, "props_cut_short: %" PRIu64 "\n", cs->props_cut_short);
	buf_printf(out, "frames_padded: %" PRIu64 "\n", cs->frames_padded);
	buf_printf(out, "padding_bytes: %" PRIu64 "\n", cs->padding_bytes);
	buf_printf(out, "poll_schedule: %s\n",
		   cs->schedule_tracking ? "tracking" : "learning");
	buf_printf(out, "camera_frame_period_us: %" PRIu64 "\n",
		   cs->frame_period_ns / 1000u);
	buf_printf(out, "poll_schedule_relearns: %" PRIu64 "\n",
		   cs->schedule_relearns);
	buf_printf(out, "frame_transfer_us: %" PRIu64 "\n",
		   cs->frames_captured
			   ? cs->frame_transfer_ns / cs->frames_captured / 1000u
			   : 0);
	buf_printf(out, "live_view_rests: %" PRIu64 "\n", cs->rests);
	buf_printf(out, "live_view_wakes: %" PRIu64 "\n", cs->wakes);
	buf_printf(out, "stills: %" PRIu64 "\n", cs->stills);
	buf_printf(out, "still_failures: %" PRIu64 "\n", cs->still_failures);
	buf_printf(out, "still_objects: %" PRIu64 "\n", cs->still_objects);
	buf_printf(out, "stills_drained: %" PRIu64 "\n", cs->stills_drained);
	buf_printf(out, "still_why: %s\n",
		   cs->still_why[0] ? cs->still_why : "-");
	buf_printf(out, "props_reads: %" PRIu64 "\n", cs->props_reads);
	buf_printf(out, "control_writes: %" PRIu64 "\n", cs->control_writes);
	buf_printf(out, "control_writes_failed: %" PRIu64 "\n",
		   cs->control_failed);
	buf_printf(out, "control_steps: %" PRIu64 "\n", cs->control_steps);
	buf_printf(out, "control_why: %s\n",
		   cs->control_why[0] ? cs->control_why : "-");
	buf_printf(out, "events_posted: %" PRIu64 "\n", cs->events_posted);
}
