/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tools: what the programs share (built into their own small library, as
 * only programs print to stdout):
 *   - source.c: the camera SOURCE as the user writes it, turned into the
 *     transport opener the camera owner takes. The program decides between
 *     a camera on USB, the emulated camera in memory and the replay of a
 *     USB capture; the camera owner never knows which.
 *   - help.c: one option table per program drives both its parsing and
 *     its --help, laid out the same way in every program.
 *   - stop.c: Ctrl-C and SIGTERM as a stop request the program checks.
 *   - version.c: the --version line of every program.
 */
#ifndef ALPHAFS_TOOLS_H
#define ALPHAFS_TOOLS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "emu/emu.h"
#include "pcap/capture.h"
#include "ptp/transport.h"
#include "usb/usb.h"

/* SOURCE on the command line: a USB selector, "emulate" or
 * "replay=CAPTURE". */
#define TOOL_WORD_EMULATE "emulate"
#define TOOL_PREFIX_REPLAY "replay="
#define TOOL_SOURCE_SYNTAX_LIVE "usb:BUS,DEV | serial=SERIAL | emulate"
#define TOOL_SOURCE_SYNTAX TOOL_SOURCE_SYNTAX_LIVE " | replay=CAPTURE"

enum tool_source_kind {
	TOOL_SOURCE_USB,     /* a camera on USB (usb_selector) */
	TOOL_SOURCE_EMULATE, /* the emulated camera, in memory */
	TOOL_SOURCE_REPLAY,  /* a usbmon/USBPcap capture played back */
};

struct tool_source {
	enum tool_source_kind kind;
	struct usb_selector usb; /* USB */
	struct emu_config emu;	 /* EMULATE: tune it before tool_source_opener */
	struct emu_camera *cam;	 /* EMULATE: made by tool_source_opener; owned */
	const char *replay_path; /* REPLAY: borrowed from the parsed text */
	/* REPLAY: .rp loaded by tool_source_load (owned); tune .opt before
	 * the camera starts. */
	struct capture_replay_opener replay;
};

/*
 * Parses what usb_selector_parse accepts (NULL or "" for the first camera
 * found, usb:BUS,DEV, serial=SERIAL), "emulate" or "replay=CAPTURE" into
 * *out; out->emu receives emu_config_default() either way. text must
 * outlive out (replay_path points into it). INVALID with a one-line
 * message in err (may be NULL) otherwise. Pure: reads no file.
 */
int tool_source_parse(const char *text, struct tool_source *out, char *err,
		      size_t cap);

/*
 * Reads now what the source needs from files: the capture of a replay
 * (so a program can report its errors before going to the background,
 * and a relative path still works). Nothing for the other kinds; loading
 * twice keeps the first. Errors of capture_replay_load, with "replay:
 * REASON" in err.
 */
int tool_source_load(struct tool_source *s, char *err, size_t cap);

/*
 * Fills *out for camera_create: usb_transport_opener(&s->usb); for
 * "emulate" a new emulated camera made from s->emu (kept in s->cam) behind
 * emu_memusb_opener; for a replay capture_replay_open over s->replay
 * (tool_source_load first if not done). s must outlive the camera.
 * Errors: NOMEM with "cannot create the emulated camera" in err (also for
 * an emu config out of range); those of tool_source_load.
 */
int tool_source_opener(struct tool_source *s, struct ptp_transport_opener *out,
		       char *err, size_t cap);

/* Frees the emulated camera or the loaded capture, if any: after
 * camera_destroy. Safe twice. */
void tool_source_finish(struct tool_source *s);

/* ---- stop.c ------------------------------------------------------------ */

/* SIGINT and SIGTERM from here on only set the stop request (no
 * SA_RESTART: blocking calls return EINTR). Main thread, at start. */
void tool_stop_on_signals(void);
/* True once one of them came. Any thread. */
bool tool_stop_requested(void);

/* ---- version.c ---------------------------------------------------------- */

/*
 * Prints the --version line to stdout,
 *   "PROG VERSION (libfuse X.Y.Z, libusb A.B.C)",
 * with the versions of the libraries loaded at run time (not those the
 * program was built against), so a bug report says what actually ran.
 * prog: the program's name (borrowed). Main thread; cannot fail.
 */
void tool_print_version(const char *prog);

/* ---- help.c: option tables ---------------------------------------------- */

/* Width of the option column in --help; rows stay within 80 columns when
 * their text is at most TOOL_HELP_TEXT_MAX characters. */
#define TOOL_HELP_LEFT 24
#define TOOL_HELP_TEXT_MAX (80 - TOOL_HELP_LEFT - 3)

/* One option of a getopt_long program: its parsing and its --help line. */
struct tool_opt {
	const char *name; /* long name, without "--" */
	int has_arg;	  /* no_argument, required_argument, optional_argument */
	int key;	  /* short letter, or a value above 255: long only */
	const char *arg;  /* the argument's name in --help ("N"), or NULL */
	const char *help; /* one line */
};

/* Most options one table may have (alphafs-emulator, the largest, has 15). */
#define TOOL_OPT_MAX 32

/* What getopt_long needs from one table, kept for the whole loop. */
struct tool_getopt {
	struct option longs[TOOL_OPT_MAX + 1]; /* ended by a zero row */
	char shorts[3 * TOOL_OPT_MAX + 2];
};
/* Fills g from the n options (rows beyond TOOL_OPT_MAX are left out):
 * prefix ("+" stops at the first non-option, "" otherwise), then each
 * short letter with ':' or '::'. */
void tool_getopt_init(struct tool_getopt *g, const struct tool_opt *o,
		      size_t n, const char *prefix);
/* getopt_long over argv with g's tables: the next key, or -1 at the end
 * ('?' for an unknown option, as getopt_long). */
int tool_getopt(const struct tool_getopt *g, int argc, char **argv);
/* One --help row: "  LEFT   TEXT", LEFT padded to TOOL_HELP_LEFT. */
void tool_help_row(FILE *f, const char *left, const char *text);
/* --help: intro as given, one row per option ("-n, --frames=N" or
 * "    --busy-poll"), then outro as given (either may be NULL). */
void tool_help(FILE *f, const char *intro, const struct tool_opt *o, size_t n,
	       const char *outro);

#endif
