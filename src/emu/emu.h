/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * emu: an emulated Sony ILCE-6300 in PC Remote mode: the camera model
 * alone, a peer of the real camera rather than a layer of the host (only
 * the programs and tests that pick it, and usbdev/, include this header).
 *
 * The camera is a PTP responder behind the device side of three USB pipes
 * (bulk OUT 0x02, bulk IN 0x81, interrupt IN 0x83) and EP0 class requests.
 * It behaves as dossier §8.2 says, frames its IN data exactly as USB bulk
 * transfers do (512-byte packets, a short packet or a ZLP ending each
 * container), produces real JPEG live-view frames of a moving test pattern
 * that carry a sequence number and a capture timestamp, and can inject the
 * faults real bodies show (emu_fault_parse).
 *
 * Two things put it behind a host, and feed the same device-side calls
 * below: the in-memory transport (emu_memusb_create, and
 * emu_memusb_opener for the camera owner, same process) and the virtual
 * USB device under umockdev (src/usbdev/, run by alphafs-emulator), which
 * the real libusb reaches.
 *
 * Thread-safety: every emu_camera_* call takes the camera's own lock; the
 * camera may be driven from a USB handler thread while another thread
 * injects faults, events or an unplug.
 */
#ifndef ALPHAFS_EMU_H
#define ALPHAFS_EMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptp/transport.h"

/* The a6300's USB identity (docs/ilce-6300-usb.md). */
#define EMU_USB_VENDOR 0x054C
#define EMU_USB_PRODUCT 0x079C
#define EMU_USB_BCD_DEVICE 0x0100
#define EMU_MAX_PACKET 512
#define EMU_INTR_MAX_PACKET 32
#define EMU_INTR_INTERVAL 7

/* Raw descriptors: device (18 bytes) + configuration with its interface and
 * three endpoints (39 bytes), as a real body reports them. */
extern const uint8_t emu_usb_descriptors[57];

/* ---- faults ----------------------------------------------------------- */
/*
 * A fault spec is a comma-separated list of NAME[=N] items, e.g.
 * "busy=100,truncate-every=5". Counts say how many times (or, for `*-every`,
 * the period in frames). The full list, with the real body behaviour each
 * imitates, is in emu_fault_help() and man/alphafs-emulator.7.
 */
struct emu_faults {
	unsigned busy;		  /* next N operations answer DeviceBusy 0x2019 */
	unsigned not_ready;	  /* next N live-view polls answer 0x200F */
	unsigned truncate_every;  /* every Nth frame: JPEG cut short (no EOI) */
	unsigned badsize_every;	  /* every Nth frame: size field past the end */
	unsigned badoffset_every; /* every Nth frame: offset out of range */
	unsigned garbage_every;	  /* every Nth frame: random bytes as dataset */
	unsigned short_every;	  /* every Nth frame: data phase ends early
				     (short packet mid-container) */
	unsigned stall_at;	  /* stall bulk IN at the Nth transaction */
	unsigned timeout_at;	  /* no response to the Nth transaction */
	unsigned unplug_at_frame; /* disconnect in the middle of frame N */
	bool hang_after_first;	  /* after the first frame, answer nothing
				     until Device Reset. (The a6300's own
				     hang, dougforpres/SonyCamera#3, after a
				     frame when 0x9209 carries parameters, is
				     always there, as on the real body.) */
	unsigned empty_ext_info;  /* first N 0x9202 replies have no data */
	bool denied_no_data;	  /* 0x200F without the 16-byte data phase */
	unsigned latency_ms;	  /* delay before each response is ready */
	bool zlp_frames;	  /* pad frames so containers are 512-multiples */
	bool big_frames;	  /* frames above 512 KiB (libgphoto2 block) */
	bool warmup_denied;	  /* warm-up answers AccessDenied, not 0x2009 */
	bool liveview_stuck;	  /* live view never comes up (0xD221 stays 0) */
	bool no_liveview;	  /* no live view in this mode (0xD221 = 2) */
	/* Stills (still.c): */
	unsigned capture_fail;	  /* next N full presses answer GeneralError */
	unsigned capture_lost;	  /* next N shots never reach the buffer */
	bool object_added_early;  /* C201 before 0xD215 >= 0x8000 (lgp#981) */
	bool no_capture_event;	  /* no C201 at all: 0xD215 only */
	bool stale_image;	  /* an image waits in RAM from the start */
};

/* Parses spec into *out (zeroed first). INVALID with a message in err
 * (cap >= 1) naming the bad item. NULL or "" is no faults. */
int emu_fault_parse(const char *spec, struct emu_faults *out, char *err,
		    size_t cap);
/* Multi-line help text listing every fault (static string). */
const char *emu_fault_help(void);

/* ---- configuration ------------------------------------------------------ */
#define EMU_DEFAULT_WIDTH 1024 /* about what real bodies send (dossier §4) */
#define EMU_DEFAULT_HEIGHT 680
#define EMU_SMALL_WIDTH 640    /* small mode, for tests that need speed */
#define EMU_SMALL_HEIGHT 424
#define EMU_WARMUP_DEFAULT_MS 1000
#define EMU_WARMUP_MAX_MS 60000
/* A frame is ready up to this long after its slot on the frame clock
 * (firmware and encoder timing; a guess: no real body's was measured). */
#define EMU_JITTER_DEFAULT_US 1000
#define EMU_JITTER_MAX_US 20000
/* Stills: the a6300's largest JPEG (L, 3:2) at quality 90, about 10 MB
 * of real JPEG; an ARW of a 24 MP body, about 24 MB. */
#define EMU_STILL_WIDTH 6000
#define EMU_STILL_HEIGHT 4000
#define EMU_STILL_QUALITY 90
#define EMU_RAW_BYTES (24u * 1024 * 1024)
#define EMU_STILL_MAX_PX 8192
#define EMU_STILL_MIN_PX 16
#define EMU_RAW_BYTES_MAX (60u * 1024 * 1024)
/* A 0x9207 step shows this long after it was sent (the camera applies it
 * asynchronously: ~0.7 s on an SLT-A58, dossier §5.5). */
#define EMU_STEP_DEFAULT_MS 300
#define EMU_STEP_MAX_MS 10000

struct emu_config {
	unsigned fps;	       /* live-view rate; 0 = default 30 */
	unsigned width;	       /* frame size; 0 = default 1024 x 680 */
	unsigned height;
	unsigned jpeg_quality; /* 0 = default (frames of 60-130 KB) */
	/* After the handshake live view takes this long to come up: until
	 * then GetObject(0xFFFFC002) answers 0x2009 (or AccessDenied with
	 * the warmup-denied fault) and 0xD221 LiveViewStatus reads 0. Real
	 * bodies take up to ~1 s (ZV-1) or ~3 s (A7R IV). 0 = at once;
	 * emu_config_default() sets EMU_WARMUP_DEFAULT_MS. */
	unsigned warmup_ms;
	/* Frame k is ready at its slot on the frame clock plus a fixed
	 * pseudo-random share of this (below half a frame period); 0 = on
	 * the slot. emu_config_default() sets EMU_JITTER_DEFAULT_US. */
	unsigned jitter_us;
	/* How long a 0x9207 step takes to show (0 = at the host's next
	 * look); emu_config_default() sets EMU_STEP_DEFAULT_MS. Tests that
	 * walk many notches set a small value and say so. */
	unsigned step_ms;
	/* A focus-frame block after the JPEG, announced by the dataset's
	 * header (offset and size at bytes 8 and 12): in Sony's
	 * FocalFrameInfo layout (sony/focus.c), its AF points Focused while
	 * the body has found focus; with focus_opaque, 51 to 105 bytes in
	 * no known layout instead. */
	bool focus_frames;
	bool focus_opaque;
	/* Stills (0 = the defaults above): the JPEG's size and quality
	 * (16..EMU_STILL_MAX_PX a side), the ARW's bytes for RAW and
	 * RAW+JPEG (64..EMU_RAW_BYTES_MAX). */
	unsigned still_width, still_height, still_quality;
	uint32_t raw_bytes;
	char serial[33];       /* "" = default 32-character serial */
	char model[32];	       /* "" = "ILCE-6300" */
	uint32_t seed;	       /* for garbage faults; 0 = fixed default */
	struct emu_faults faults;
};
void emu_config_default(struct emu_config *cfg);

struct emu_camera;

/* Creates a camera, powered and idle (no session). cfg may be NULL
 * (emu_config_default); it is copied. NULL on NOMEM, when the JPEG encoder
 * cannot be set up, or for an out-of-range cfg (fps > 240, width outside
 * 128..4096, height outside 64..4096 or below twice the frame marker's
 * rows, quality > 100, warmup_ms > EMU_WARMUP_MAX_MS, jitter_us >
 * EMU_JITTER_MAX_US, stills or raw_bytes out of their ranges). The still
 * picture is encoded at the first half-press, not here (with the
 * stale-image fault: here). */
struct emu_camera *emu_camera_create(const struct emu_config *cfg);
/* Frees the camera; NULL is a no-op. No other thread may still use it. */
void emu_camera_destroy(struct emu_camera *cam);

/* ---- device side of the pipes ------------------------------------------ */
/*
 * Bulk OUT: one transfer as the host sent it (a whole container, part of
 * one, or a ZLP of length 0); containers are reassembled by their length
 * field, never by transfer boundaries. A header with length < 12 or above
 * 1 MiB, or a type other than command/data, halts OUT (the container is
 * dropped); so does a data container no command asked for. Returns 0,
 * PIPE when OUT is halted, NO_DEVICE when unplugged, AGAIN when the
 * camera NAKs because 16 or more IN transfers are unread (nothing was
 * taken), NOMEM.
 */
int emu_camera_bulk_out(struct emu_camera *cam, const uint8_t *data,
			size_t len);
/*
 * Bulk IN: fills one host transfer of cap bytes from the queued packets,
 * stopping after a short packet (a ZLP counts: *got 0) or when cap is full.
 * When the last packet is full and exactly fills cap, the ZLP stays
 * queued and the next call returns 0 bytes. AGAIN when nothing is ready
 * (the device NAKs; also before a latency fault's ready time), PIPE when
 * halted, OVERFLOW when a packet does not fit in what is left of cap (the
 * packet is lost; *got counts the bytes before it), INVALID for cap 0,
 * NO_DEVICE when unplugged (unplug-at-frame: the read that reaches the
 * unplug point returns it with *got bytes and the camera is unplugged).
 * Never blocks.
 */
int emu_camera_bulk_in(struct emu_camera *cam, uint8_t *buf, size_t cap,
		       size_t *got);
/* Interrupt IN: one queued event container, or AGAIN. */
int emu_camera_interrupt_in(struct emu_camera *cam, uint8_t *buf, size_t cap,
			    size_t *got);
/*
 * Blocks up to timeout_ms (real CLOCK_MONOTONIC time) until endpoint ep
 * has something to deliver (PTP_EP_BULK_IN, PTP_EP_INTR_IN: data, a halt,
 * an unplug) or would accept a write (PTP_EP_BULK_OUT). Returns true if
 * so. Used instead of busy polling; never holds the lock while asleep.
 */
bool emu_camera_wait(struct emu_camera *cam, uint8_t ep, unsigned timeout_ms);
/*
 * EP0 request. Handled: Device Reset 0x21/0x66 (session closed, halts
 * cleared, unread IN data and half-received OUT data dropped, USB
 * configuration kept), Get Device Status 0xA1/0x67 (`04 00 01 20`, or
 * `04 00 19 20` for 20 ms after a Cancel), Cancel 0x21/0x64 (6 bytes:
 * 0x4001 + tid; drops that transaction's IN transfers, even one the host
 * has started), CLEAR_FEATURE(ENDPOINT_HALT) 0x02/0x01 with wIndex = ep.
 * Class requests need wIndex 0. data holds wLength bytes (OUT) or
 * receives up to wLength (IN, *got set). PIPE for any other request (the
 * camera stalls it), NO_DEVICE when unplugged.
 */
int emu_camera_control(struct emu_camera *cam, uint8_t request_type,
		       uint8_t request, uint16_t value, uint16_t index,
		       uint8_t *data, uint16_t len, size_t *got);
/* CLEAR_FEATURE(ENDPOINT_HALT) on ep (PTP_EP_*): clears a halt; on OUT it
 * also drops a half-received container. PIPE for another ep. */
int emu_camera_clear_halt(struct emu_camera *cam, uint8_t ep);

/* ---- test and launcher controls --------------------------------------- */
/* Replaces the active fault set (counters restart). */
void emu_camera_set_faults(struct emu_camera *cam, const struct emu_faults *f);
/* Unplug (every pipe answers NO_DEVICE, pending data dropped) / replug
 * (powered, idle, no session: a fresh enumeration). */
void emu_camera_unplug(struct emu_camera *cam);
void emu_camera_replug(struct emu_camera *cam);
bool emu_camera_plugged(struct emu_camera *cam);
/* Queues an event container on the interrupt pipe. */
void emu_camera_push_event(struct emu_camera *cam, uint16_t code,
			   uint32_t param);
/* Pauses or resumes the frame source (no new frames: 0x200F). */
void emu_camera_pause(struct emu_camera *cam, bool paused);
/* Changes the live-view rate, as a mode change does (25 and 30 fps,
 * a slow body): the next frame is due 1/fps after now. INVALID for fps 0
 * or above 240. */
int emu_camera_set_fps(struct emu_camera *cam, unsigned fps);
/*
 * The person holding the camera: sets property code to x as the body's own
 * dials, wheels and menus do (any property that is not a button, the
 * read-only ones included: the mode dial 0x500E, the battery 0xD218),
 * grey-outs following the mode dial, and queues C203 for it. INVALID
 * for an unknown code, a button, or a value the descriptor does not allow.
 */
int emu_camera_set_prop(struct emu_camera *cam, uint16_t code, int64_t x);
/* The current value of code (INVALID for an unknown or string property). */
int emu_camera_get_prop(struct emu_camera *cam, uint16_t code, int64_t *x);

struct emu_stats {
	uint64_t transactions;
	uint64_t frames_sent;	   /* live-view datasets sent with OK */
	uint64_t denied;	   /* 0x200F answers */
	uint64_t busy;		   /* 0x2019 answers */
	uint64_t faults_injected;
	uint64_t resets;	   /* Device Reset class requests */
	uint64_t sessions_opened;
	uint64_t handshakes;	   /* SDIOConnect phase 3 completions */
	uint64_t last_frame_seq;   /* sequence number of the last frame sent */
	uint64_t warmup_refusals;  /* live-view polls refused while warming up */
	uint64_t frames_encoded_late; /* not rendered ahead: encoded when
					 asked, so answered late */
	uint64_t stills;	   /* shots that reached the RAM buffer */
	uint64_t objects_sent;	   /* 0xFFFFC001 objects downloaded whole */
};
void emu_camera_get_stats(struct emu_camera *cam, struct emu_stats *out);

/*
 * Test hook: the camera reads "now" (ns, monotonic) from now_ns(arg)
 * instead of CLOCK_MONOTONIC, for frame timing, latency, steps and
 * capture delays; NULL restores the real clock. Resets the frame clock
 * (t0 = now, so frame k is due at now + k / fps, ready up to jitter_us
 * later) and drops pending delayed actions. emu_camera_wait still bounds
 * its sleep in real time. now_ns is called by threads that hold the
 * camera's lock only.
 */
void emu_camera_set_clock(struct emu_camera *cam, uint64_t (*now_ns)(void *),
			  void *arg);

/* ---- in-memory transport ---------------------------------------------- */
/*
 * A struct ptp_transport that talks to cam in the same process with USB
 * bulk semantics (timeouts honoured with emu_camera_wait). cam is not
 * owned and must outlive the transport. NULL on NOMEM.
 */
struct ptp_transport *emu_memusb_create(struct emu_camera *cam);
/*
 * The opener (ptp/transport.h) of cam through the in-memory transport, for
 * camera_create: NOT_FOUND while cam is unplugged (emu_camera_unplug), so
 * the owner waits for the replug as it does for a real body; NOMEM. cam
 * is the only body there is, so a serial asked for is not compared. cam
 * is not owned and must outlive the opener.
 */
struct ptp_transport_opener emu_memusb_opener(struct emu_camera *cam);

/* ---- frame markers ---------------------------------------------------- */
/*
 * Every emulated frame carries, in its pixels (flat 8x8 blocks along the
 * top rows, which survive JPEG at any quality), its sequence number n
 * (counting from 1, 32 bits) and ns, CLOCK_MONOTONIC at capture, with a
 * CRC. Reads them back from a JPEG by decoding its DC image (libjpeg at
 * 1/8 scale, a few rows); returns 0 or MALFORMED when the JPEG does not
 * decode or carries no valid marker. Never reads outside jpeg[0..len).
 * Tests and bench use this to tell frames apart, check their order and
 * measure latency. Pure; any thread.
 */
int emu_frame_marker(const uint8_t *jpeg, size_t len, uint64_t *seq,
		     uint64_t *mono_ns);

#endif
