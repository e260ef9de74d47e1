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

static bool is_usb_syntax(const char *text)
{
	return !text || text[0] == '\0' ||
	       strncmp(text, PREFIX_PORT, strlen(PREFIX_PORT)) == 0 ||
	       strncmp(text, PREFIX_SERIAL, strlen(PREFIX_SERIAL)) == 0;
}

int tool_source_parse(const char *text, struct tool_source *out, char *err,
		      size_t cap)
{
	memset(out, 0, sizeof(*out));
	emu_config_default(&out->emu);
	if (err && cap)
		err[0] = '\0';
	if (text && strcmp(text, TOOL_SOURCE_EMULATE) == 0) {
		out->emulate = true;
		return 0;
	}
	if (is_usb_syntax(text))
		return usb_selector_parse(text, &out->usb, err, cap);
	if (err && cap)
		snprintf(err, cap, "unknown camera source \"%.40s\": use usb:BUS,DEV, serial=NUMBER or emulate",
			 text);
	return ALPHAFS_ERR_INVALID;
}

int tool_source_opener(struct tool_source *s, struct ptp_transport_opener *out,
		       char *err, size_t cap)
{
	struct err_detail e = { 0 };

	if (!s->emulate) {
		*out = usb_transport_opener(&s->usb);
		return 0;
	}
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

void tool_source_finish(struct tool_source *s)
{
	emu_camera_destroy(s->cam);
	s->cam = NULL;
}
