/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SOURCE: which camera a program talks to, and the transport opener that
 * reaches it (see tools.h).
 */
#include <stdio.h>
#include <string.h>

#include "tools/tools.h"

#define PREFIX_PORT "usb:"
#define PREFIX_SERIAL "serial="

static bool has_prefix(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

static bool is_usb_syntax(const char *text)
{
	return !text || text[0] == '\0' || has_prefix(text, PREFIX_PORT) ||
	       has_prefix(text, PREFIX_SERIAL);
}

int tool_source_parse(const char *text, struct tool_source *out, char *err,
		      size_t cap)
{
	memset(out, 0, sizeof(*out));
	emu_config_default(&out->emu);
	if (err && cap)
		err[0] = '\0';
	if (text && strcmp(text, TOOL_WORD_EMULATE) == 0) {
		out->kind = TOOL_SOURCE_EMULATE;
		return 0;
	}
	if (text && has_prefix(text, TOOL_PREFIX_REPLAY)) {
		out->kind = TOOL_SOURCE_REPLAY;
		out->replay_path = text + strlen(TOOL_PREFIX_REPLAY);
		if (out->replay_path[0])
			return 0;
		if (err && cap)
			snprintf(err, cap, "replay= needs a capture file");
		return ALPHAFS_ERR_INVALID;
	}
	out->kind = TOOL_SOURCE_USB;
	if (is_usb_syntax(text))
		return usb_selector_parse(text, &out->usb, err, cap);
	if (err && cap)
		snprintf(err, cap, "unknown camera source \"%.40s\": use usb:BUS,DEV, serial=NUMBER, emulate or replay=CAPTURE",
			 text);
	return ALPHAFS_ERR_INVALID;
}

int tool_source_load(struct tool_source *s, char *err, size_t cap)
{
	struct err_detail e = { 0 };
	int rc;

	if (s->kind != TOOL_SOURCE_REPLAY || s->replay.rp)
		return 0;
	rc = capture_replay_load(s->replay_path, s->replay.opt.bus,
				 s->replay.opt.dev, &s->replay.rp, &e);
	if (rc < 0 && err && cap)
		snprintf(err, cap, "replay: %s",
			 e.msg[0] ? e.msg : alphafs_strerror(rc));
	return rc;
}

static int emulated_opener(struct tool_source *s,
			   struct ptp_transport_opener *out, char *err,
			   size_t cap)
{
	struct err_detail e = { 0 };

	if (!s->cam)
		s->cam = emu_camera_create(&s->emu);
	if (!s->cam) {
		err_set(&e, ALPHAFS_ERR_NOMEM, "cannot create the emulated camera");
		if (err && cap)
			err_format(&e, err, cap);
		return e.code;
	}
	*out = emu_memusb_opener(s->cam);
	return 0;
}

int tool_source_opener(struct tool_source *s, struct ptp_transport_opener *out,
		       char *err, size_t cap)
{
	int rc;

	switch (s->kind) {
	case TOOL_SOURCE_USB:
		*out = usb_transport_opener(&s->usb);
		return 0;
	case TOOL_SOURCE_EMULATE:
		return emulated_opener(s, out, err, cap);
	case TOOL_SOURCE_REPLAY:
		rc = tool_source_load(s, err, cap);
		if (rc < 0)
			return rc;
		out->open = capture_replay_open;
		out->arg = &s->replay;
		return 0;
	}
	if (err && cap)
		snprintf(err, cap, "unknown source kind %d", (int)s->kind);
	return ALPHAFS_ERR_INVALID;
}

void tool_source_finish(struct tool_source *s)
{
	emu_camera_destroy(s->cam);
	s->cam = NULL;
	capture_replay_destroy(s->replay.rp);
	s->replay.rp = NULL;
}
