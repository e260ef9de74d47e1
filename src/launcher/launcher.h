/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * launcher: the runtime of alphafs-emulator, which puts the emulated camera
 * (emu/) on a virtual USB bus (usbdev/) and runs a command against it.
 *
 *   control.c  the command language of the control FIFO and fault specs
 *              with USB-level items: pure parsers over untrusted text;
 *   fifo.c     the control FIFO (commands in, one reply line each on
 *              FIFO.ack) and what each command does to camera and device;
 *   child.c    the command as a supervised child: its own process group,
 *              termination signals forwarded to it, SIGUSR1/SIGUSR2 as
 *              unplug/replug, and whatever it leaves behind ended before
 *              the testbed goes (usbdev.h: a client that outlives the
 *              testbed's owner hangs forever).
 *
 * Thread context: the launcher's main thread; the camera and the device
 * are driven concurrently by umockdev's handler thread, which they allow.
 * The library itself needs no umockdev: the USB side comes as functions
 * (struct launcher_device), so mount.alphafs's emulated camera in memory
 * takes the same control FIFO (its fifo.c and control.c).
 */
#ifndef ALPHAFS_LAUNCHER_H
#define ALPHAFS_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "emu/emu.h"
#include "usbdev/usbdev.h"

/* Exit status when the launcher itself fails (EX_SOFTWARE). */
#define LAUNCHER_EXIT_SETUP 70
/* Longest fault spec or control line accepted. */
#define LAUNCHER_LINE_MAX 512

/* ---- control.c: pure parsers ------------------------------------------ */

/* USB-level faults, on top of the camera's (emu_fault_parse). */
struct launcher_usb_faults {
	bool claimed;	 /* "usb-claimed": another program holds the
			    interface (gvfs): CLAIM answers EBUSY */
	bool no_zlp_cap; /* "usb-no-zlp-cap": usbfs without ZERO_PACKET */
};

/*
 * Parses a fault spec: the usb-* items go to *usb, every other item to
 * emu_fault_parse (*emu). Both are zeroed first. INVALID with a message in
 * err (cap >= 1) naming the bad item; TOO_BIG for a spec over
 * LAUNCHER_LINE_MAX. NULL or "" is no faults.
 */
int launcher_fault_parse(const char *spec, struct emu_faults *emu,
			 struct launcher_usb_faults *usb, char *err,
			 size_t cap);
/* Help lines for the usb-* faults (static string). */
const char *launcher_fault_help(void);

enum launcher_cmd_kind {
	LAUNCHER_CMD_UNPLUG,	    /* "unplug" */
	LAUNCHER_CMD_REPLUG,	    /* "replug" */
	LAUNCHER_CMD_REPLUG_SERIAL, /* "replug-serial S": another body */
	LAUNCHER_CMD_FAULT,	    /* "fault SPEC" (replaces the active faults) */
	LAUNCHER_CMD_EVENT,	    /* "event CODE [PARAM]" (hex) */
	LAUNCHER_CMD_PAUSE,	    /* "pause": no new frames */
	LAUNCHER_CMD_RESUME,	    /* "resume" */
	/* "set PROP VALUE": the person holding the camera turns a dial or
	 * wheel (emu_camera_set_prop). PROP is a control/ name ("iso") or a
	 * property code in hex; VALUE is in that control's form ("1600",
	 * "1/250", "f/8", "+0.7", "daylight", "M") or, for a code, a number.
	 * "dial MODE" is "set exposure_mode MODE". */
	LAUNCHER_CMD_SET,
};

struct launcher_cmd {
	enum launcher_cmd_kind kind;
	struct emu_faults faults;
	struct launcher_usb_faults usb;
	uint16_t code;
	uint32_t param;
	int64_t value; /* SET */
	char serial[64]; /* REPLUG_SERIAL: printable ASCII, no spaces */
};

/* Parses one control line (without its newline). INVALID with a message
 * in err otherwise. Pure. */
int launcher_cmd_parse(const char *line, struct launcher_cmd *out, char *err,
		       size_t cap);

/* ---- fifo.c: the control FIFO ----------------------------------------- */

/*
 * The USB side the commands act on: alphafs-emulator hands the usbdev
 * functions (the device and with it the camera). Without one (the
 * emulated camera in memory, mount.alphafs -o emu_control), "unplug" and
 * "replug" act on the camera itself and the USB-only commands
 * (replug-serial, usb-* faults) are refused. No member may be NULL.
 */
struct launcher_device {
	void (*unplug)(struct usbdev *u);
	int (*replug)(struct usbdev *u, struct err_detail *err);
	int (*set_serial)(struct usbdev *u, const char *serial,
			  struct err_detail *err);
	void (*set_claimed)(struct usbdev *u, bool claimed);
	/* Follows an unplug the camera did by itself (a fault). */
	void (*sync)(struct usbdev *u);
	const char *(*node)(const struct usbdev *u);
};

/* What commands and signals act on; none is owned. dev and ops are NULL
 * together: the camera alone. */
struct launcher_target {
	struct emu_camera *cam;
	struct usbdev *dev;
	const struct launcher_device *ops;
};

/* The control FIFO and its reply FIFO (init/finish on caller memory). */
struct launcher_fifo {
	int ctl_fd, ack_fd;
	char line[LAUNCHER_LINE_MAX + 1]; /* the line being read */
	size_t line_len;
};

/*
 * Creates (mode 0600) or reuses the FIFOs path and path.ack and opens both
 * without blocking. IO with errno set on failure (f is then finished).
 * launcher_fifo_finish closes them; a zeroed or finished f has fds -1.
 */
int launcher_fifo_init(struct launcher_fifo *f, const char *path);
void launcher_fifo_finish(struct launcher_fifo *f);
/* Reads what the FIFO holds, runs each whole line against t and replies
 * "ok LINE" or the error on path.ack (dropped when nobody reads). A line
 * longer than LAUNCHER_LINE_MAX is cut there. Never blocks. */
void launcher_fifo_read(struct launcher_fifo *f,
			const struct launcher_target *t);

/* Unplugs / replugs the device (and with it the camera), or the camera
 * alone, saying so on stderr: for the "unplug"/"replug" commands and
 * SIGUSR1/SIGUSR2. */
void launcher_unplug(const struct launcher_target *t);
void launcher_replug(const struct launcher_target *t);

/* ---- child.c: the supervised command ---------------------------------- */

/* Installs handlers for SIGUSR1, SIGUSR2, SIGCHLD, SIGINT, SIGTERM and
 * SIGHUP that only set flags and wake launcher_supervise. IO when the wake
 * pipe cannot be made. Once, before launcher_spawn. */
int launcher_signals_init(void);
/* Forks; the child restores default signals, moves to its own process
 * group and executes cmd (exit 127 when not found, 126 otherwise). Returns
 * the child's pid (also its process group), or -1 with errno. */
pid_t launcher_spawn(char *const *cmd);
/*
 * Runs until the child exits: forwards SIGINT/SIGTERM/SIGHUP to its group,
 * unplugs on SIGUSR1 and replugs on SIGUSR2, runs the commands of fifo
 * (may be NULL), and follows an unplug the camera did by itself. Returns
 * the child's exit status, 128+N when a signal N ended it.
 */
int launcher_supervise(pid_t child, struct launcher_fifo *fifo,
		       const struct launcher_target *t);
/* Ends what is left of process group pgid (SIGTERM, SIGKILL after a
 * grace of 2 s) and reaps the orphans the launcher inherited as a child
 * subreaper. */
void launcher_end_group(pid_t pgid);

#endif
