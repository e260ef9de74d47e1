/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The text of info/device and info/status: "key: value" lines, one fact per
 * line, so that people read them and scripts grep them. The camera's part
 * comes as text through the config callbacks; the frame store's and our
 * own counters are added here. Never waits on the camera.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fs/fs_internal.h"
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
	case FRAME_STORE_IDLE:
		return "idle";
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

int fs_info_device(struct fs *fs, uint8_t **out, size_t *len)
{
	struct buf b;

	buf_init(&b, INFO_TEXT_MAX);
	if (!fs->cfg.device_text ||
	    fs->cfg.device_text(fs->cfg.info_arg, &b) < 0)
		buf_printf(&b, "camera: no camera information yet\n");
	return finish_text(&b, out, len);
}

static void put_camera_status(struct fs *fs, struct buf *b,
			      const struct frame_store_stats *ss)
{
	if (!fs->cfg.status_text) {
		buf_printf(b, "frames_captured: %" PRIu64 "\n",
			   ss->published + ss->rejected_total);
		return;
	}
	fs->cfg.status_text(fs->cfg.info_arg, b);
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
	buf_printf(b, "readers_frames: %" PRIu32 "\n", st->frames_open);
	buf_printf(b, "frames_served_frames: %" PRIu64 "\n", st->frames_opens);
	buf_printf(b, "reads_waiting: %" PRIu32 "\n", st->parked);
	buf_printf(b, "reads_interrupted: %" PRIu64 "\n", st->interrupted);
	buf_printf(b, "reads_eagain: %" PRIu64 "\n", st->eagain);
	buf_printf(b, "readers_events: %" PRIu32 "\n", st->events_readers);
	buf_printf(b, "events_lines: %" PRIu64 "\n", st->events_posted);
	buf_printf(b, "events_dropped_for_slow_readers: %" PRIu64 "\n",
		   st->events_dropped);
	buf_printf(b, "control_writes_waiting: %" PRIu32 "\n",
		   st->writes_waiting);
}

/* captures/: what it holds and where (nothing without it). */
static void put_captures(struct fs *fs, struct buf *b, const struct fs_stats *st)
{
	struct fs_captures_stats cs;

	if (!fs->captures)
		return;
	fs_captures_stats(fs, &cs);
	buf_printf(b, "captures: %u\n", cs.listed);
	buf_printf(b, "captures_bytes: %" PRIu64 "\n", cs.bytes);
	buf_printf(b, "captures_max: %u\n", fs->cfg.captures_max);
	buf_printf(b, "captures_max_bytes: %" PRIu64 "\n",
		   fs->cfg.captures_max_bytes);
	buf_printf(b, "captures_added: %" PRIu64 "\n", cs.added);
	buf_printf(b, "captures_removed: %" PRIu64 "\n", cs.removed);
	buf_printf(b, "captures_dropped_oldest: %" PRIu64 "\n", cs.dropped);
	buf_printf(b, "captures_spool: %s\n", cs.spool);
	buf_printf(b, "readers_captures: %" PRIu32 "\n", st->captures_open);
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
	put_captures(fs, &b, &st);
	buf_printf(&b, "uptime_s: %" PRIu64 ".%03" PRIu64 "\n", up / NS_PER_S,
		   up % NS_PER_S / 1000000u);
	return finish_text(&b, out, len);
}
