/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sony: the Sony PTP vendor extension as spoken by the ILCE-6300 generation
 * (protocol 2.00): the SDIO handshake, the extended device info, the
 * all-properties blob (0x9209) parsed into a property table, SetControlDevice
 * A/B, and live view at object handle 0xFFFFC002.
 *
 * The only module that knows Sony's vendor id, codes and quirks. Byte layouts
 * and rules come from docs/sony-ptp.md (section numbers cited
 * as "dossier §N").
 */
#ifndef ALPHAFS_SONY_H
#define ALPHAFS_SONY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame/frame.h"
#include "ptp/ptp.h"

#define SONY_USB_VENDOR 0x054C
#define SONY_PID_ILCE6300_CONTROL 0x079C /* "PC Remote" mode */
#define SONY_PID_ILCE6300_MTP 0x077A	 /* MTP mode: no remote control */
#define SONY_VENDOR_EXT_ID 0x00000011u
#define SONY_VENDOR_EXT_ID_MTP 0x00000006u /* + "Sony Corporation" */

#define SONY_HANDLE_CAPTURED 0xFFFFC001u
#define SONY_HANDLE_LIVEVIEW 0xFFFFC002u
/* ObjectFormat of a captured RAW (ARW); JPEG is the standard 0x3801
 * (dossier §4.5). */
#define SONY_OFC_ARW 0xB101

#define SONY_PROTOCOL_200 0x00C8u
#define SONY_PROTOCOL_300 0x012Cu

enum sony_oc {
	SONY_OC_SDIO_CONNECT = 0x9201,
	SONY_OC_GET_EXT_DEVICE_INFO = 0x9202,
	SONY_OC_SET_CONTROL_A = 0x9205, /* SDIO_SetExtDevicePropValue */
	SONY_OC_SET_CONTROL_B = 0x9207, /* SDIO_ControlDevice */
	SONY_OC_GET_ALL_PROP_INFO = 0x9209,
};

enum sony_ec {
	SONY_EC_OBJECT_ADDED = 0xC201,
	SONY_EC_OBJECT_REMOVED = 0xC202,
	SONY_EC_PROP_CHANGED = 0xC203,
};

enum sony_prop {
	SONY_DPC_COMPRESSION = 0x5004,
	SONY_DPC_WHITE_BALANCE = 0x5005,
	SONY_DPC_FNUMBER = 0x5007,
	SONY_DPC_FOCUS_MODE = 0x500A,
	SONY_DPC_METERING = 0x500B,
	SONY_DPC_FLASH_MODE = 0x500C,
	SONY_DPC_EXPOSURE_PROGRAM = 0x500E,
	SONY_DPC_EXPOSURE_BIAS = 0x5010,
	SONY_DPC_DRIVE_MODE = 0x5013,
	SONY_DPC_FLASH_COMP = 0xD200,
	SONY_DPC_DRO = 0xD201,
	SONY_DPC_IMAGE_SIZE = 0xD203,
	SONY_DPC_SHUTTER_SPEED = 0xD20D,
	SONY_DPC_BATTERY_ICON = 0xD20E,
	SONY_DPC_COLOR_TEMP = 0xD20F,
	SONY_DPC_CC_FILTER = 0xD210,
	SONY_DPC_ASPECT_RATIO = 0xD211,
	SONY_DPC_LIVEVIEW_STATUS_D212 = 0xD212,
	SONY_DPC_FOCUS_FOUND = 0xD213,
	SONY_DPC_ZOOM = 0xD214,
	SONY_DPC_OBJECT_IN_MEMORY = 0xD215,
	SONY_DPC_AEL_INDICATION = 0xD217,
	SONY_DPC_BATTERY_LEVEL = 0xD218,
	SONY_DPC_SENSOR_CROP = 0xD219,
	SONY_DPC_PICTURE_EFFECT = 0xD21B,
	SONY_DPC_AB_FILTER = 0xD21C,
	SONY_DPC_MOVIE_RECORDING = 0xD21D,
	SONY_DPC_ISO = 0xD21E,
	SONY_DPC_FEL_INDICATION = 0xD21F,
	SONY_DPC_LIVEVIEW_STATUS = 0xD221,
	SONY_DPC_PRIORITY_MODE = 0xD25A,
	SONY_CTL_S1 = 0xD2C1,		/* half press (focus) */
	SONY_CTL_S2 = 0xD2C2,		/* full press (shutter) */
	SONY_CTL_AEL = 0xD2C3,
	SONY_CTL_RELEASE_LOCK = 0xD2C5,
	SONY_CTL_ONE_SHOT = 0xD2C7,
	SONY_CTL_MOVIE = 0xD2C8,
	SONY_CTL_FEL = 0xD2C9,
};

/* Button values for SetControlDeviceB (dossier §5.5). */
#define SONY_BUTTON_UP 1
#define SONY_BUTTON_DOWN 2

/* Sony names for vendor codes ("SDIOConnect", "ISO"), or NULL; falls back to
 * the standard PTP names for standard codes. */
const char *sony_op_name(uint16_t op);
const char *sony_event_name(uint16_t ev);
const char *sony_prop_name(uint16_t prop);
const char *sony_rc_name(uint16_t rc);

/* True when DeviceInfo says this is a Sony body speaking the SDIO extension
 * (vendor id 0x11, or MTP id 6 with manufacturer "Sony Corporation", and
 * 0x9201/0x9202 listed). */
bool sony_is_remote_capable(const struct ptp_device_info *di);

/* ---- extended device info (0x9202) ------------------------------------ */
struct sony_ext_info {
	uint16_t version; /* SONY_PROTOCOL_200 on the a6300 */
	struct ptp_u16_list codes;
	struct ptp_u16_list controls;
};
/* Parses the 0x9202 data phase. An empty buffer gives AGAIN (the body is
 * still starting up, dossier §3.2); a cut list TRUNCATED; a count above
 * PTP_ARRAY_MAX TOO_BIG; NOMEM. Bytes after the two lists are ignored. On
 * error *out holds nothing; on success free with sony_ext_info_finish.
 * Pure. */
int sony_ext_info_parse(const uint8_t *buf, size_t len,
			struct sony_ext_info *out);
/* Appends the dataset to b (errors latch in b). */
void sony_ext_info_write(struct buf *b, const struct sony_ext_info *ei);
/* Frees the lists; NULL and finished structs are fine. */
void sony_ext_info_finish(struct sony_ext_info *ei);

/* ---- handshake ---------------------------------------------------------- */
/* Bounded retries of an empty 0x9202 reply (libgphoto2 uses 20). */
#define SONY_EXT_INFO_TRIES 20
#define SONY_EXT_INFO_RETRY_MS 50

/*
 * Runs SDIOConnect(1), SDIOConnect(2), GetExtDeviceInfo(0x12C, 1) (retrying
 * an empty reply; asked once as GetExtDeviceInfo(0xC8) if the body refuses
 * the two-parameter form), SDIOConnect(3). The version in the reply is
 * trusted (dossier §3.4). The session must be open. Fills *ext
 * (caller finishes it; on error it holds nothing). Returns 0, PTP_RESPONSE
 * (the failing operation and code in s->err), AGAIN when every 0x9202 try
 * came back empty, a parse error of the 0x9202 reply, or a transport error.
 * Owner thread only; sleeps at most SONY_EXT_INFO_TRIES *
 * SONY_EXT_INFO_RETRY_MS between transactions.
 */
int sony_handshake(struct ptp_session *s, struct sony_ext_info *ext);

/*
 * ptp_transact, plus a readable "<operation>: camera answered <code>" in
 * s->err when the camera answers non-OK (PTP_RESPONSE). Same contract as
 * ptp_transact otherwise.
 */
int sony_transact(struct ptp_session *s, const struct ptp_request *req,
		  struct ptp_response *resp);

/* ---- properties (0x9209) ---------------------------------------------- */
#define SONY_PROPS_MAX 512

struct sony_prop_table {
	struct ptp_prop_desc *v; /* n entries, owned */
	size_t n;
	/* What the parser noticed (sony_props_parse): */
	uint32_t count_field; /* NumberOfEntries as sent */
	bool cut_short;	      /* the data ended inside an entry */
	bool bad_entry;	      /* an entry did not parse (bad form, type) */
};
/* The descriptor layout of a protocol version (dossier §3.4, §5.1): 2.00
 * (0x00C8) has one enumeration list per property; 3.00 (0x012C) and later
 * have two. Any version below 3.00 reads as 2.00. */
bool sony_props_two_enums(uint16_t version);
/*
 * Parses a 0x9209 blob in the layout of protocol `version` (the one the
 * handshake learned): u32 count, u32 zero, then Sony descriptors back to
 * back. Entries are parsed until the data ends (the count need not match,
 * dossier §5.2); an entry that cannot be parsed ends the table with the
 * entries before it kept (cut_short or bad_entry set), and MALFORMED is
 * returned only when not even the 8-byte header is there. out->count_field
 * keeps the count as sent, so callers can report one that disagrees with
 * out->n. Never reads outside buf. Pure.
 */
int sony_props_parse(const uint8_t *buf, size_t len, uint16_t version,
		     struct sony_prop_table *out);
/* Appends a blob with count = t->n in version's layout (errors latch in
 * b). */
void sony_props_write(struct buf *b, const struct sony_prop_table *t,
		      uint16_t version);
/* Frees every entry; NULL and finished tables are fine. */
void sony_props_finish(struct sony_prop_table *t);
/* The entry for code, pointing into t, or NULL. */
const struct ptp_prop_desc *sony_props_find(const struct sony_prop_table *t,
					    uint16_t code);
/* One readable line on what a parsed table lost or disagrees with, e.g.
 * "0x9209: count field says 320, 318 parsed, cut short after 318", into
 * out (cap >= 1); returns false (out = "") when nothing is wrong. */
bool sony_props_problem(const struct sony_prop_table *t, char *out, size_t cap);
/* Runs 0x9209 and parses it in version's layout into *out (caller
 * finishes it). Returns 0, the parse error (message in s->err), or as
 * sony_transact. Owner thread only. */
int sony_props_fetch(struct ptp_session *s, uint16_t version,
		     struct sony_prop_table *out);

/* ---- control ------------------------------------------------------------ */
/* 0x9205: sets code to v, sent as the bare value in v->type (dossier
 * §5.4). INVALID for a NULL v or a type without a wire form here (128-bit,
 * arrays); otherwise as sony_transact. Owner thread only. */
int sony_set_control_a(struct ptp_session *s, uint16_t code,
		       const struct ptp_value *v);
/* 0x9207 with a UINT16 button value (SONY_BUTTON_DOWN/UP, dossier §5.5).
 * Returns as sony_transact. Owner thread only. */
int sony_button(struct ptp_session *s, uint16_t code, uint16_t value);
/* 0x9207 with a signed one-byte step (+1 / -1; dossier §5.5). Returns as
 * sony_transact. Owner thread only. */
int sony_step(struct ptp_session *s, uint16_t code, int8_t step);

/* ---- live view (GetObject 0xFFFFC002) ---------------------------------- */
#define SONY_LV_HEADER_SIZE 16
/* Most bytes the image-size field may declare after the JPEG's EOI
 * (padding: 15 in a recorded RX100M7 frame, sizes multiples of 128). */
#define SONY_LV_PAD_MAX 512

struct sony_liveview {
	uint32_t image_offset;
	uint32_t image_size;
	uint32_t focal_offset;
	uint32_t focal_size;
	const uint8_t *jpeg; /* points into the parsed buffer */
	size_t jpeg_len;     /* SOI .. EOI, padding excluded */
	size_t padding;	     /* declared bytes after the EOI */
	const uint8_t *focal; /* NULL when absent or out of range */
	size_t focal_len;
};

/*
 * Parses a live-view dataset and checks the JPEG is whole (dossier §4.3):
 * offset <= len, size <= len - offset, FF D8 at offset, and the last FF D9
 * within the final SONY_LV_PAD_MAX + 2 bytes of the declared size ends the
 * JPEG (jpeg_len); what the size declares after it is `padding`, never
 * part of the frame. Returns 0, or REJECTED with *reject set to the
 * enum frame_reject reason (NO_EOI when that tail holds no FF D9). A
 * focal-frame block out of range is ignored (focal = NULL), not a
 * rejection. Pure.
 */
int sony_liveview_parse(const uint8_t *buf, size_t len,
			struct sony_liveview *out, int *reject);
/*
 * Writes a dataset: 16-byte header with the JPEG at `offset` (>= 16), the
 * bytes between the header and the JPEG taken from `reserved` (or zeros
 * when NULL), then the JPEG. Used by the emulator and tests.
 */
void sony_liveview_write(struct buf *b, uint32_t offset,
			 const uint8_t *reserved, const uint8_t *jpeg,
			 size_t jpeg_len);

/* ---- focus-frame block (focus.c) ---------------------------------------- */
/*
 * The block the live-view dataset's header points at (focal offset and
 * size, dossier §4.3), in Sony's FocalFrameInfo layout (focus.c says
 * where it comes from and what is unverified): a version, then sections
 * of frames (AF points; from 1.01 faces and tracking), each with
 * denominators for its positions and up to 65535 24-byte entries.
 */
enum sony_focus_kind {
	SONY_FOCUS_AF,
	SONY_FOCUS_FACE,
	SONY_FOCUS_TRACKING,
	SONY_FOCUS_KINDS,
};
#define SONY_FOCUS_SELECTED 2 /* face entry: 1 unselected, 2 selected */

struct sony_focus_section {
	bool present;
	uint32_t x_den, y_den; /* positions are x / x_den, y / y_den */
	uint16_t count;	       /* entries, all inside the block */
	size_t entries_off;    /* where they start in the block */
};

struct sony_focus {
	uint16_t version; /* x 100: 100 is 1.00 */
	struct sony_focus_section s[SONY_FOCUS_KINDS];
	size_t trailing; /* bytes after the last decoded section */
};

struct sony_focus_frame {
	uint16_t type, state; /* sony_focus_type_name / _state_name */
	uint8_t priority;
	uint8_t selection; /* faces only */
	uint32_t x, y, width, height;
};

/*
 * Parses the block's header and section headers, checking that every
 * entry a section declares lies inside buf. Returns 0, or MALFORMED when
 * the block does not have this layout (too short, a version outside
 * 1.00..1.99, a section running past the end); callers then show the
 * bytes as they are. Pure; never reads outside buf[0..len).
 */
int sony_focus_parse(const uint8_t *buf, size_t len, struct sony_focus *out);
/* Entry i of section s (from sony_focus_parse on the same buf) into *out;
 * INVALID for i out of range. Pure. */
int sony_focus_frame_at(const uint8_t *buf, size_t len,
			const struct sony_focus_section *s, unsigned i,
			enum sony_focus_kind kind, struct sony_focus_frame *out);
/* Names ("Wide", "Focused", "AF_TargetFace"), or NULL when unknown. */
const char *sony_focus_type_name(enum sony_focus_kind kind, uint16_t type);
const char *sony_focus_state_name(enum sony_focus_kind kind, uint16_t state);
/*
 * Appends the decoded block as one JSON object ({"layout", "version",
 * "af": {"x_denominator", "y_denominator", "frames": [...]}, "face",
 * "tracking", "undecoded_bytes"}) to out and returns 0; returns MALFORMED
 * with nothing appended when sony_focus_parse refuses it. Errors of out
 * latch in out. Pure.
 */
int sony_focus_json(const uint8_t *buf, size_t len, struct buf *out);
/* Writes a block: the AF section, and from version 1.01 the face and
 * tracking sections (sections[k].count entries from frames[k]). For the
 * emulated camera and tests; errors latch in b. */
void sony_focus_write(struct buf *b, uint16_t version,
		      const struct sony_focus_section *sections,
		      const struct sony_focus_frame *const *frames);

/* Outcome of one live-view poll. */
struct sony_lv_result {
	struct frame *frame; /* on 0: a new whole frame, one reference owned */
	size_t padding;	     /* on 0: bytes the size declared after the EOI */
	int reject;	     /* on REJECTED: enum frame_reject */
	uint16_t rc;	     /* on PTP_RESPONSE: the camera's code */
};
/*
 * One GetObject(0xFFFFC002). Returns 0 with a whole frame (built without a
 * copy: the frame owns the data-phase buffer; its focus/focus_len point at
 * the dataset's focus-frame block when there is one); AGAIN when the camera has
 * no new frame (AccessDenied 0x200F, any data discarded, rc set); other
 * codes as PTP_RESPONSE with rc set (0x2019 DeviceBusy, 0x2009 before live
 * view); REJECTED with the reason for a torn or inconsistent frame,
 * including TRANSFER for a data phase cut short on the wire (the engine's
 * TRUNCATED; s->desynced says whether the pipe needs a reset); NOMEM; or
 * a transport error. Never sleeps: the caller paces and retries. Owner
 * thread only.
 */
int sony_liveview_fetch(struct ptp_session *s, struct sony_lv_result *out);

#endif
