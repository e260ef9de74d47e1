/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools: what the programs share (built into their own small library, as
 * only programs print to stdout): the camera SOURCE as the user writes it,
 * turned into the transport opener the camera owner takes. The program
 * decides between a camera on USB and the emulated camera in memory; the
 * camera owner never knows which.
 */
#ifndef ALPHAFS_TOOLS_H
#define ALPHAFS_TOOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "emu/emu.h"
#include "ptp/transport.h"
#include "usb/usb.h"

/* SOURCE on the command line: "emulate", or a USB selector. */
#define TOOL_SOURCE_EMULATE "emulate"
#define TOOL_SOURCE_SYNTAX "usb:BUS,DEV | serial=SERIAL | emulate"

struct tool_source {
	bool emulate;
	struct usb_selector usb; /* !emulate */
	struct emu_config emu;	 /* emulate: tune it before tool_source_opener */
	struct emu_camera *cam;	 /* made by tool_source_opener; owned */
};

/*
 * Parses "emulate" or what usb_selector_parse accepts (NULL or "" for the
 * first camera found, usb:BUS,DEV, serial=SERIAL) into *out; out->emu
 * receives emu_config_default() either way. INVALID with a one-line message
 * in err (may be NULL) otherwise. Pure.
 */
int tool_source_parse(const char *text, struct tool_source *out, char *err,
		      size_t cap);

/*
 * Fills *out for camera_create: usb_transport_opener(&s->usb), or, for
 * "emulate", a new emulated camera made from s->emu (kept in s->cam) behind
 * emu_memusb_opener. s must outlive the camera. Errors: NOMEM with "cannot
 * create the emulated camera" in err (also for an emu config out of range).
 */
int tool_source_opener(struct tool_source *s, struct ptp_transport_opener *out,
		       char *err, size_t cap);

/* Frees the emulated camera, if any: after camera_destroy. Safe twice. */
void tool_source_finish(struct tool_source *s);

#endif
