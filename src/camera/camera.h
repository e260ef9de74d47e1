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
 * on the camera; camera_info_format and camera_status_format word them for
 * info/device and info/status.
 *
 * Where the camera is (USB, the emulated camera in memory, the replay of
 * a USB capture) is the program's choice: it hands camera_create a
 * transport opener (ptp/transport.h), and the owner reopens through it
 * after an unplug. camera/ includes nothing from usb/, pcap/ or emu/.
 */
#ifndef ALPHAFS_CAMERA_H
#define ALPHAFS_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame/frame.h"
#include "ptp/ptp.h"

struct camera_options {
	unsigned fps_limit;	 /* 0 = as fast as the camera gives */
	bool exit_on_disconnect; /* no reconnect: stay disconnected on unplug */
	unsigned usb_timeout_ms; /* per transaction; 0 = default */
	/* How long live view may take to come up after a handshake before
	 * alphafs gives up with a reason; 0 = default (8 s). */
	unsigned liveview_start_ms;
	/* Rest (stop polling live view, keep the session and its events)
	 * once nobody has read for this long (camera_set_readers); 0 =
	 * never rest. */
	unsigned linger_ms;
};
/* fps_limit 0, exit_on_disconnect false, usb_timeout_ms 1000
 * (libgphoto2's live-view timeout, dossier §4.2; it also bounds how long
 * camera_stop waits for a transfer), linger_ms 0 (never rest: a program
 * that has no readers to count, alphafs-grab, keeps frames coming). */
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
/*
 * The text of info/device for ci: "key: value" lines, one fact per line
 * (model, manufacturer, serial, firmware, port, usb_id, the vendor
 * extension, the Sony protocol), then the operation, event and property
 * codes the camera offers, one per line with its PTP or Sony name.
 * Appended to out; a failure latches in out (buf_status). Pure.
 */
void camera_info_format(const struct camera_info *ci, struct buf *out);

/* Where live view is (info/status `live_view:`). */
enum camera_live_view {
	CAMERA_LV_NONE,	    /* no session yet */
	CAMERA_LV_STARTING, /* handshake done, waiting for the first frame */
	CAMERA_LV_ON,	    /* frames have come */
	CAMERA_LV_FAILED,   /* gave up: see why (still checked now and then) */
	CAMERA_LV_IDLE,	    /* resting: nobody reads, no live-view polls */
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
	/* Frames whose size field declared bytes after the EOI (dossier
	 * §4.3), and those bytes: never part of a published frame. */
	uint64_t frames_padded;
	uint64_t padding_bytes;
	/* The poll schedule (schedule.h): the camera's frame period as
	 * learnt (0 while unknown), whether polls follow its clock
	 * (tracking) or are still learning it, how often it learnt again. */
	uint64_t frame_period_ns;
	bool schedule_tracking;
	uint64_t schedule_relearns;
	/* Frames' GetObject time, command to response, summed (with
	 * frames_captured: the mean USB transfer time of a frame). */
	uint64_t frame_transfer_ns;
	uint64_t rests, wakes; /* times live view paused and resumed */
	uint64_t stills;	       /* still jobs that ended well */
	uint64_t still_failures;       /* ... and that failed */
	uint64_t still_objects;	       /* objects handed over */
	uint64_t stills_drained;       /* stale images dropped first */
	char still_why[ERR_DETAIL_MAX]; /* why the last failed still failed */
	uint64_t props_reads;	       /* 0x9209 reads by the owner */
	uint64_t control_writes;       /* control writes that succeeded */
	uint64_t control_failed;       /* ... refused or failed */
	uint64_t control_steps;	       /* 0x9207 steps sent by writes */
	uint64_t events_posted;	       /* event lines made */
	char control_why[ERR_DETAIL_MAX]; /* last refusal or failure */
};
/* The camera's lines of info/status for cs: connected, since (UTC), why
 * and the owner's counters. Appended to out, as camera_info_format. */
void camera_status_format(const struct camera_status *cs, struct buf *out);

struct camera;

/*
 * Creates the owner of the camera that `open` reaches (copied; its arg
 * must outlive the camera): usb_transport_opener for a body on USB,
 * emu_memusb_opener for the emulated camera in memory. It is called at
 * camera_start with no serial, and to reconnect after an unplug with the
 * serial the camera reported. Frames go to `store` (not owned). opt may
 * be NULL (defaults). NULL on NOMEM or a NULL open/store.
 */
struct camera *camera_create(const struct ptp_transport_opener *open,
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

/*
 * Whether anybody reads frames (fs/: a stream.mjpeg or latest.jpg open, a
 * latest.jpg open waiting for a frame). With opt.linger_ms set, the owner
 * stops polling live view that long after the last reader went (the
 * store's state becomes FRAME_STORE_IDLE, info/status says idle; the
 * session stays open and events are still read) and resumes at once when
 * one comes. Any thread, also with the caller's own locks held: it takes
 * the camera's lock briefly and never waits on the camera.
 */
void camera_set_readers(struct camera *cam, bool present);

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

/* ---- stills (capture.c) -------------------------------------------------- */
/*
 * A still taken the protocol-2.00 way (dossier §4.5, §5.5), or the half
 * press alone, run by the owner thread as a job between live-view polls.
 * The job does one step (one to three transactions) at a time and lets the
 * live view run in between, so the stream pauses only while the camera
 * itself withholds frames (the exposure) or a download occupies the pipe.
 *
 * CAPTURE:
 *   1. reads 0x9209; images left in the camera's buffer (0xD215 >= 0x8000)
 *      are downloaded and discarded first (dossier §7.6: an image left
 *      there would be delivered as this capture's), at most
 *      CAMERA_STILL_DRAIN_MAX;
 *   2. presses S1 (0xD2C1, unless a FOCUS_LOCK holds it) and S2 (0xD2C2);
 *   3. unless FocusMode (0x500A) is manual, waits up to focus_timeout_ms
 *      for FocusFound (0xD213) 2 or 3, then goes on either way;
 *   4. releases S2 then S1 (also after any failure once pressed);
 *   5. waits up to announce_timeout_ms for 0xD215 >= 0x8000, reading
 *      0x9209 every CAMERA_STILL_POLL_MS and at once on an event (C201,
 *      or C203 for 0xD215). An ObjectAdded event alone is never taken as
 *      "ready": some bodies send it before the image is in memory, and a
 *      download then crashes them (libgphoto2 #981, #1082);
 *   6. downloads every object (GetObjectInfo + GetObject of 0xFFFFC001,
 *      re-reading 0xD215 after each: for RAW+JPEG the JPEG, then the ARW),
 *      handing each to ops.object, at most CAMERA_STILL_OBJECTS_MAX.
 * FOCUS_LOCK: presses S1 and waits up to focus_timeout_ms for focus (done
 * at once in manual focus); S1 stays held until a FOCUS_RELEASE or a
 * CAPTURE (which then skips its own half press and releases it).
 * FOCUS_RELEASE: releases S1.
 */
enum camera_still_kind {
	CAMERA_STILL_CAPTURE,
	CAMERA_STILL_FOCUS_LOCK,
	CAMERA_STILL_FOCUS_RELEASE,
};

#define CAMERA_STILL_DRAIN_MAX 8
#define CAMERA_STILL_OBJECTS_MAX 4
#define CAMERA_STILL_POLL_MS 100
/* Defaults: the focus wait of a capture (libgphoto2's), of a focus lock,
 * and the announcement wait on top of the exposure time (0xD20D; BULB
 * counts as 30 s). */
#define CAMERA_STILL_FOCUS_MS 1000
#define CAMERA_STILL_FOCUS_LOCK_MS 3000
#define CAMERA_STILL_ANNOUNCE_MS 10000
#define CAMERA_STILL_NAME_MAX 64

/* One object a capture produced. */
struct camera_still_object {
	/* The camera's file name made safe for a directory entry
	 * (camera_still_name): "DSC01234.JPG". */
	char name[CAMERA_STILL_NAME_MAX];
	uint16_t format; /* PTP_OFC_JPEG 0x3801, SONY_OFC_ARW 0xB101, ... */
	/* CaptureDate as the camera sent it ("20240501T123456"), and its
	 * time read as the host's local time (0 when unreadable). */
	char capture_date[24];
	int64_t capture_time;
	uint32_t width, height; /* from the ObjectInfo, 0 when not given */
	uint64_t wall_ns;	/* CLOCK_REALTIME when the download ended */
	/* The bytes (len as the data phase had them). The callee owns them
	 * after the call: mem_free them, or keep them. */
	uint8_t *data;
	size_t len;
};

struct camera_still_result {
	int rc;			  /* 0, or the error (see camera_still_submit) */
	char why[ERR_DETAIL_MAX]; /* one line when rc < 0 */
	unsigned objects;	  /* handed to ops.object */
	unsigned drained;	  /* stale images discarded before the shot */
	bool focus_found;	  /* 0xD213 said focused before the release */
	bool manual_focus;	  /* FocusMode was manual: no focus wait */
};

struct camera_still_ops {
	/* CAPTURE: each object in the camera's order, on the owner thread.
	 * Takes obj->data. Must not block for long (write the bytes to a
	 * local spool file, or hand them to another thread). Returns 0, or
	 * < 0 to end the capture with that code (objects still in the
	 * camera are then downloaded and dropped, so none is left there). */
	int (*object)(void *arg, struct camera_still_object *obj);
	/* Exactly once at the end, on the owner thread (also for CLOSED and
	 * NO_DEVICE); res is valid during the call. May submit again. */
	void (*done)(void *arg, const struct camera_still_result *res);
	void *arg;
};

struct camera_still_request {
	enum camera_still_kind kind;
	unsigned focus_timeout_ms;    /* 0: the default for the kind */
	unsigned announce_timeout_ms; /* 0: CAMERA_STILL_ANNOUNCE_MS + exposure */
	struct camera_still_ops ops;
};

/*
 * Hands a still job to the owner thread. Returns 0 when accepted (ops.done
 * is then called exactly once), BUSY while another still job is accepted
 * and not done, CLOSED when the camera is not running, INVALID for a NULL
 * ops.done, an unknown kind, or a CAPTURE without ops.object. Any thread;
 * never waits on the camera.
 *
 * Results in done: 0; PTP_RESPONSE when the camera refused a button
 * (why: "shutter full press (0xD2C2): camera answered GeneralError
 * (0x2002)"); TIMEOUT when no image was announced in time ("no image
 * announced within 10160 ms (0xD215 = 0x0000)") or, for FOCUS_LOCK, no
 * focus was found; BUSY when the buffer could not be emptied first, or
 * stayed "processing" (0xD215 = 1); MALFORMED for an unreadable
 * ObjectInfo; a transport error (the session is then recovered by the
 * owner); NO_DEVICE when the camera went away; CLOSED on camera_stop; or
 * what ops.object returned.
 */
int camera_still_submit(struct camera *cam, const struct camera_still_request *req);

/*
 * The directory-entry-safe name of a captured object (pure, untrusted
 * input): the camera's file name with anything but letters, digits, '.',
 * '-' and '_' replaced by '_', leading dots dropped, at most
 * CAMERA_STILL_NAME_MAX - 1 bytes; when nothing is left,
 * "STILL<seq>.<JPG|ARW|BIN>" by format. Always NUL-terminated.
 */
void camera_still_name(const char *camera_name, uint16_t format, unsigned seq,
		       char *out, size_t cap);
/*
 * Reads a PTP date "YYYYMMDDThhmmss" (optionally followed by ".s", "Z" or
 * "+hhmm", which are ignored: Sony sends none) as the host's local time.
 * Returns 0 with *unix_s set, or MALFORMED. Pure apart from the time zone.
 */
int camera_still_date(const char *s, int64_t *unix_s);
/* ---- events ------------------------------------------------------------ */
/*
 * Where the camera's event lines go (the events file): fn(arg, line, len)
 * with one line without its newline, "2024-05-01T12:00:00.123Z property
 * iso 800 -> 1600". Kinds: property, object-added, object-removed,
 * disconnected, connected, event (another camera event), and what other
 * parts post (capture-complete). Called on the thread that posts (the
 * owner, for the camera's own); must not block or call back into the
 * camera. Set before camera_start (copied); NULL fn: lines are dropped.
 */
struct camera_event_sink {
	void (*fn)(void *arg, const char *line, size_t len);
	void *arg;
};
void camera_set_event_sink(struct camera *cam,
			   const struct camera_event_sink *sink);
/*
 * Posts one event line: the wall-clock time (ISO 8601, UTC, ms) and the
 * text made from fmt (cut at CAMERA_EVENT_LINE_MAX; newlines in it become
 * spaces). For the camera's own events and for other parts of the program
 * (a capture engine's "capture-complete NAME"). Any thread; never waits on
 * the camera.
 */
void camera_event_post(struct camera *cam, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- control (the properties people set) ---------------------------- */
/*
 * The control/ files: the properties of sony_controls() (sony/propfmt.h),
 * read from the camera's 0x9209 blob (always without parameters: the
 * a6300 hangs after the first live-view frame when 0x9209 carries any,
 * dossier §7), refreshed on C203 and at least every second, and written
 * between live-view frames by the owner thread.
 *
 * camera_prop_announced: the body lists code (its 0x9202 list or
 * DeviceInfo); false before the first connection. Any thread.
 */
bool camera_prop_announced(struct camera *cam, uint16_t code);
/*
 * The value of code as one line in people's form ("1/125\n") appended to
 * out. NO_DEVICE while disconnected, AGAIN before the first property read,
 * UNSUPPORTED when the camera's blob lacks it, INVALID for a code that is
 * not a control. Any thread; never waits on the camera.
 */
int camera_control_read(struct camera *cam, uint16_t code, struct buf *out);
/* The allowed values, from the camera's descriptor
 * (sony_choices_format). Errors as camera_control_read. */
int camera_control_choices(struct camera *cam, uint16_t code,
			   struct buf *out);

struct camera_control_write {
	uint16_t code;
	const char *text; /* one value in people's form; not kept */
	size_t len;
	/* Called once, on the owner thread (or in camera_stop), with 0 when
	 * the camera reports the value, or the error. Must not block. */
	void (*done)(int result, void *arg);
	/* Optional, any thread: true when the writer gave up (a signal); the
	 * walk then stops where it is and done receives INTERRUPTED. */
	bool (*cancelled)(void *arg);
	void *arg;
};
/*
 * Starts a write. Checked at once, without touching the camera: INVALID
 * when the text is not a value of the property or not one the
 * descriptor allows; READ_ONLY for a property no write sets (the mode
 * dial, the battery); STATE when the camera's current exposure mode or
 * its descriptor (disabled) forbids it now; NO_DEVICE while disconnected;
 * AGAIN before the first property read; UNSUPPORTED when the camera does
 * not report it; BUSY when CAMERA_JOBS_MAX writes wait; NOMEM. The reason
 * of each is kept for info/status (control_why). On 0 the write is queued
 * and done is called exactly once: 0 when the camera reports the value;
 * INVALID when a dial has no such notch (the camera is walked back where
 * it was); PTP_RESPONSE when it refused (the response by name in
 * control_why), BUSY for DeviceBusy; IO when it did not move; NO_DEVICE,
 * CLOSED, INTERRUPTED. Any thread; never waits on the camera.
 */
int camera_control_write(struct camera *cam,
			 const struct camera_control_write *w);

#endif
