/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * camera: the one owner of the camera. A thread that holds the transport
 * and the PTP session (PTP is one transaction at a time), runs the Sony
 * handshake, pulls live-view frames as fast as the camera gives them (or at
 * a set rate), publishes whole frames into a frame store, runs queued
 * requests between frames, and recovers from faults within fixed budgets:
 * DeviceBusy / AccessDenied retried after a short wait with back-off, a
 * stalled pipe cleared, a timed-out transaction answered by a session reset,
 * an unplugged camera waited for (same serial only) and reconnected.
 *
 * Nothing outside this module touches the session. Other threads talk to it
 * through camera_submit() and read snapshots (info, status) that never wait
 * on the camera.
 */
#ifndef ALPHAFS_CAMERA_H
#define ALPHAFS_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"
#include "frame/frame.h"
#include "ptp/ptp.h"

enum camera_source_kind {
	CAMERA_SOURCE_FIRST,   /* first Sony PTP camera found on USB */
	CAMERA_SOURCE_USB,     /* usb:BUS,DEV */
	CAMERA_SOURCE_SERIAL,  /* serial=... */
	CAMERA_SOURCE_EMULATE, /* the built-in emulated camera, in memory */
	CAMERA_SOURCE_OPENER,  /* a transport the program opens (replay) */
};

/* CAMERA_SOURCE_OPENER: called to open (and reopen) the transport; same
 * contract as the transport openers camera/ will take in place of source
 * descriptions. arg must outlive the camera. */
struct camera_opener {
	int (*open)(void *arg, const char *serial, struct ptp_transport **out,
		    struct err_detail *err);
	void *arg;
};

struct camera_source {
	enum camera_source_kind kind;
	uint8_t bus, dev;
	char serial[64];
	struct emu_config emu; /* for CAMERA_SOURCE_EMULATE */
	struct camera_opener opener; /* for CAMERA_SOURCE_OPENER */
};

/* Parses "usb:BUS,DEV" (decimal, bus 1-255, device 1-127), "serial=XYZ",
 * "emulate" or NULL/"" (first) into *out; out->emu receives
 * emu_config_default() either way. INVALID with a message in err (may be
 * NULL) otherwise. Pure. */
int camera_source_parse(const char *text, struct camera_source *out,
			char *err, size_t cap);

struct camera_options {
	unsigned fps_limit;	      /* 0 = as fast as the camera gives */
	unsigned reconnect_timeout_s; /* stream readers wait this long */
	bool exit_on_disconnect;      /* the daemon leaves on unplug */
	unsigned usb_timeout_ms;      /* per transaction; 0 = default */
	/* How long live view may take to come up after a handshake before
	 * alphafs gives up with a reason; 0 = default (8 s). */
	unsigned liveview_start_ms;
};
/* fps_limit 0, reconnect_timeout_s 10, exit_on_disconnect false,
 * usb_timeout_ms 1000 (libgphoto2's live-view timeout, dossier §4.2; it
 * also bounds how long camera_stop waits for a transfer). */
void camera_options_default(struct camera_options *o);

/* Identity read once per connection (for info/device). */
struct camera_info {
	char manufacturer[64];
	char model[64];
	char serial[64];
	char device_version[32];
	char vendor_ext_desc[64];
	uint32_t vendor_ext_id;
	uint16_t vendor_ext_version;
	uint16_t sony_protocol;
	char port[32]; /* "usb:001,002" or "emulated" */
	uint16_t usb_vendor, usb_product;
	struct ptp_u16_list operations, events, properties; /* owned copies */
};
void camera_info_finish(struct camera_info *ci);

/* Where live view is (info/status `live_view:`). */
enum camera_live_view {
	CAMERA_LV_NONE,	    /* no session yet */
	CAMERA_LV_STARTING, /* handshake done, waiting for the first frame */
	CAMERA_LV_ON,	    /* frames have come */
	CAMERA_LV_FAILED,   /* gave up: see why (still checked now and then) */
};
const char *camera_live_view_name(enum camera_live_view lv);

struct camera_status {
	bool connected;
	enum camera_live_view live_view;
	int live_view_status;	 /* last 0xD221 read, -1 none */
	uint64_t since_wall_ns;	 /* when `connected` last changed */
	char why[ERR_DETAIL_MAX]; /* last error or disconnect reason */
	uint64_t frames_captured;
	uint64_t polls_denied;	 /* AccessDenied: no new frame yet */
	uint64_t busy_retries;	 /* DeviceBusy answers retried */
	uint64_t session_resets;
	uint64_t reconnects;
	uint64_t transactions;
	uint64_t start_mono_ns;
	uint64_t props_count_mismatch; /* 0x9209 count field != entries */
	uint64_t props_cut_short;      /* 0x9209 ended inside an entry */
};

struct camera;

/* Creates the owner for `src`; frames go to `store` (not owned). */
struct camera *camera_create(const struct camera_source *src,
			     const struct camera_options *opt,
			     struct frame_store *store);
/*
 * Opens the device, the session and the handshake synchronously (so the
 * caller can report "no camera", "interface busy", "not in PC Remote
 * mode" before going to the background), then starts the owner thread.
 * On failure returns the error with a one-line explanation in err.
 */
int camera_start(struct camera *cam, char *err, size_t cap);
/* Stops the thread (interrupting a transfer within about a second),
 * closes the session, releases the device. Queued requests get done(CLOSED).
 * Leaves the frame store's state alone (its owner sets CLOSED at shutdown).
 * Safe to call twice, and on a camera that never started. Not from the
 * owner thread (a request or a store listener). */
void camera_stop(struct camera *cam);
/* Stops (if needed) and frees. NULL is a no-op. */
void camera_destroy(struct camera *cam);

/* Snapshots; never wait on the camera; any thread, store listeners
 * included. get_info fills *out with owned copies of the lists (free with
 * camera_info_finish) and returns 0, STATE before the first successful
 * start (out zeroed), or NOMEM (out zeroed). */
int camera_get_info(struct camera *cam, struct camera_info *out);
void camera_get_status(struct camera *cam, struct camera_status *out);

/*
 * A request run by the owner thread between frames. `run` is called on the
 * owner thread with the live session; `done` is called afterwards (also on
 * that thread) with run's result, or with NO_DEVICE / CLOSED when the
 * request could not run. Neither may block for long.
 */
struct camera_request {
	int (*run)(struct ptp_session *s, void *arg);
	void (*done)(int result, void *arg);
	void *arg;
};
/* Returns 0 when queued (done is then called exactly once), CLOSED when
 * the camera is not running, BUSY when 32 requests already wait, INVALID
 * for a NULL run. In the last three cases done is not called. While the
 * camera is unplugged, queued requests complete with NO_DEVICE. Any
 * thread; never waits on the camera. */
int camera_submit(struct camera *cam, const struct camera_request *req);

#endif
