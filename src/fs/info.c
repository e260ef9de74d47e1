/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text of info/device and info/status: "key: value" lines, one fact per
 * line, so that people read them and scripts grep them. Generated from
 * snapshots (camera owner callbacks, frame store, our counters); never
 * waits on the camera.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "sony/sony.h"
#include "util/util.h"

/* The texts are a few KB; a camera listing every code it knows stays far
 * below this. */
#define INFO_TEXT_MAX (256u * 1024)
#define NS_PER_S UINT64_C(1000000000)

static const char *state_name(enum frame_store_state s)
{
	switch (s) {
	case FRAME_STORE_CONNECTING:
		return "connecting";
	case FRAME_STORE_LIVE:
		return "live";
	case FRAME_STORE_DISCONNECTED:
		return "disconnected";
	case FRAME_STORE_CLOSED:
		return "closed";
	}
	return "unknown";
}

static int finish_text(struct buf *b, uint8_t **out, size_t *len)
{
	int rc = buf_status(b);

	if (rc < 0) {
		buf_finish(b);
		return rc;
	}
	*out = buf_steal(b, len);
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

int fs_info_device(struct fs *fs, uint8_t **out, size_t *len)
{
	struct camera_info ci;
	struct buf b;

	buf_init(&b, INFO_TEXT_MAX);
	memset(&ci, 0, sizeof(ci));
	if (!fs->cfg.get_info || fs->cfg.get_info(fs->cfg.info_arg, &ci) < 0) {
		buf_printf(&b, "camera: no camera information yet\n");
		return finish_text(&b, out, len);
	}
	buf_printf(&b, "model: %s\n", ci.model);
	buf_printf(&b, "manufacturer: %s\n", ci.manufacturer);
	buf_printf(&b, "serial: %s\n", ci.serial);
	buf_printf(&b, "firmware: %s\n", ci.device_version);
	buf_printf(&b, "port: %s\n", ci.port);
	buf_printf(&b, "usb_id: %04x:%04x\n", ci.usb_vendor, ci.usb_product);
	buf_printf(&b, "vendor_extension_id: 0x%08" PRIx32 "\n",
		   ci.vendor_ext_id);
	buf_printf(&b, "vendor_extension_version: %u.%02u\n",
		   ci.vendor_ext_version / 100u, ci.vendor_ext_version % 100u);
	buf_printf(&b, "vendor_extension_desc: %s\n", ci.vendor_ext_desc);
	buf_printf(&b, "sony_protocol: %u.%02u (0x%04x)\n",
		   ci.sony_protocol / 100u, ci.sony_protocol % 100u,
		   ci.sony_protocol);
	put_codes(&b, "operations", &ci.operations, sony_op_name);
	put_codes(&b, "events", &ci.events, sony_event_name);
	put_codes(&b, "properties", &ci.properties, sony_prop_name);
	camera_info_finish(&ci);
	return finish_text(&b, out, len);
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

static void put_camera_status(struct fs *fs, struct buf *b,
			      const struct frame_store_stats *ss)
{
	struct camera_status cs;

	memset(&cs, 0, sizeof(cs));
	if (!fs->cfg.get_status) {
		buf_printf(b, "frames_captured: %" PRIu64 "\n",
			   ss->published + ss->rejected_total);
		return;
	}
	fs->cfg.get_status(fs->cfg.info_arg, &cs);
	buf_printf(b, "connected: %s\n", cs.connected ? "yes" : "no");
	buf_printf(b, "live_view: %s\n", camera_live_view_name(cs.live_view));
	put_wall(b, "since", cs.since_wall_ns);
	buf_printf(b, "why: %s\n", cs.why[0] ? cs.why : "-");
	buf_printf(b, "frames_captured: %" PRIu64 "\n", cs.frames_captured);
	buf_printf(b, "camera_polls_denied: %" PRIu64 "\n", cs.polls_denied);
	buf_printf(b, "camera_busy_retries: %" PRIu64 "\n", cs.busy_retries);
	buf_printf(b, "camera_session_resets: %" PRIu64 "\n",
		   cs.session_resets);
	buf_printf(b, "camera_reconnects: %" PRIu64 "\n", cs.reconnects);
	buf_printf(b, "camera_transactions: %" PRIu64 "\n", cs.transactions);
	buf_printf(b, "props_count_mismatch: %" PRIu64 "\n",
		   cs.props_count_mismatch);
	buf_printf(b, "props_cut_short: %" PRIu64 "\n", cs.props_cut_short);
}

static void put_store(struct buf *b, const struct frame_store_stats *ss)
{
	buf_printf(b, "frames_published: %" PRIu64 "\n", ss->published);
	buf_printf(b, "frames_dropped: %" PRIu64 "\n", ss->rejected_total);
	for (int r = 0; r < FRAME_REJECT_COUNT; r++)
		buf_printf(b, "dropped_%s: %" PRIu64 "\n",
			   frame_reject_name((enum frame_reject)r),
			   ss->rejected[r]);
	buf_printf(b, "fps: %.1f\n", ss->fps);
	buf_printf(b, "last_seq: %" PRIu64 "\n", ss->last_seq);
}

static void put_fs(struct buf *b, const struct fs_stats *st)
{
	buf_printf(b, "frames_served_stream: %" PRIu64 "\n", st->stream_frames);
	buf_printf(b, "frames_served_latest: %" PRIu64 "\n", st->latest_opens);
	buf_printf(b, "frames_skipped_by_slow_readers: %" PRIu64 "\n",
		   st->stream_skipped);
	buf_printf(b, "bytes_served_stream: %" PRIu64 "\n", st->stream_bytes);
	buf_printf(b, "readers_stream: %" PRIu32 "\n", st->readers);
	buf_printf(b, "readers_latest: %" PRIu32 "\n", st->latest_open);
	buf_printf(b, "reads_waiting: %" PRIu32 "\n", st->parked);
	buf_printf(b, "reads_interrupted: %" PRIu64 "\n", st->interrupted);
	buf_printf(b, "reads_eagain: %" PRIu64 "\n", st->eagain);
}

int fs_info_status(struct fs *fs, uint8_t **out, size_t *len)
{
	struct frame_store_stats ss;
	struct fs_stats st;
	char why[ERR_DETAIL_MAX] = "";
	enum frame_store_state s;
	uint64_t up = clock_now_ns() - fs->start_mono_ns;
	struct buf b;

	buf_init(&b, INFO_TEXT_MAX);
	s = frame_store_get_state(fs->cfg.store, why, sizeof(why));
	frame_store_get_stats(fs->cfg.store, &ss);
	fs_get_stats(fs, &st);
	buf_printf(&b, "state: %s\n", state_name(s));
	if (why[0])
		buf_printf(&b, "state_why: %s\n", why);
	buf_printf(&b, "source: %s\n", fs->cfg.source ? fs->cfg.source : "-");
	put_camera_status(fs, &b, &ss);
	put_store(&b, &ss);
	put_fs(&b, &st);
	buf_printf(&b, "uptime_s: %" PRIu64 ".%03" PRIu64 "\n", up / NS_PER_S,
		   up % NS_PER_S / 1000000u);
	return finish_text(&b, out, len);
}
