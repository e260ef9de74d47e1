/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The focus-frame block of the live-view dataset (dossier §4.3: the
 * header's third and fourth fields give its offset and size). Its layout
 * is Sony's "FocalFrameInfo" from the Camera Control PTP 3 reference, as
 * two independent public implementations transcribe it (dossier §4.3):
 *
 *   0   u16 version x 100 (100 = 1.00), 6 reserved
 *   8   40 reserved
 *   48  u16 count, 6 reserved, count x 24 reserved entries
 *   ..  AF frames:       u32 x_den, u32 y_den, u16 count, 6 reserved,
 *                        count x 24-byte entries
 *   ..  face frames      (version >= 1.01), same shape
 *   ..  tracking frames  (version >= 1.01), same shape
 *   ..  more (reserved, framing frames from 1.03): not decoded here
 *
 *   entry: u16 type, u16 state, u8 priority (face: u8 selection, then
 *   u8 priority), reserved to 8, u32 x, u32 y, u32 height, u32 width;
 *   positions and sizes are numerators over the section's denominators.
 *
 * Whether protocol-2.00 bodies such as the a6300 send this layout is
 * unverified (the one block seen, from an RX100M7 over Wi-Fi, is 120
 * bytes, a size this layout allows). A block that does not fit it is not
 * decoded: callers show its bytes as hex.
 */
#include <string.h>

#include "sony/sony.h"

/* From after the version to the reserved array, whose 16-byte header
 * (a section's shape) starts at offset 40 and carries its count at 48. */
#define TO_RESERVED_ARRAY 38
#define SECTION_RESERVED 6
#define SECTION_HEADER 16
#define ENTRY_SIZE 24
#define VERSION_MIN 100 /* 1.00 */
#define VERSION_MAX 199
#define VERSION_FACES 101 /* face and tracking sections from 1.01 */

/* Reads one section's header at the cursor and skips its entries; false
 * when any of it lies outside the block. */
static bool read_section(struct rd *r, struct sony_focus_section *s)
{
	s->x_den = rd_u32le(r);
	s->y_den = rd_u32le(r);
	s->count = rd_u16le(r);
	rd_skip(r, SECTION_RESERVED);
	s->entries_off = r->off;
	if (!rd_ok(r) || (size_t)s->count * ENTRY_SIZE > rd_left(r))
		return false;
	rd_skip(r, (size_t)s->count * ENTRY_SIZE);
	s->present = true;
	return true;
}

int sony_focus_parse(const uint8_t *buf, size_t len, struct sony_focus *out)
{
	struct sony_focus_section skip = { 0 };
	struct rd r;

	memset(out, 0, sizeof(*out));
	rd_init(&r, buf, len);
	out->version = rd_u16le(&r);
	rd_skip(&r, TO_RESERVED_ARRAY);
	if (!rd_ok(&r) || out->version < VERSION_MIN ||
	    out->version > VERSION_MAX)
		return ALPHAFS_ERR_MALFORMED;
	if (!read_section(&r, &skip) ||
	    !read_section(&r, &out->s[SONY_FOCUS_AF]))
		return ALPHAFS_ERR_MALFORMED;
	if (out->version >= VERSION_FACES &&
	    (!read_section(&r, &out->s[SONY_FOCUS_FACE]) ||
	     !read_section(&r, &out->s[SONY_FOCUS_TRACKING])))
		return ALPHAFS_ERR_MALFORMED;
	out->trailing = rd_left(&r);
	return 0;
}

int sony_focus_frame_at(const uint8_t *buf, size_t len,
			const struct sony_focus_section *s, unsigned i,
			enum sony_focus_kind kind, struct sony_focus_frame *out)
{
	struct rd r;

	memset(out, 0, sizeof(*out));
	if (!s->present || i >= s->count || s->entries_off > len ||
	    (size_t)(i + 1) * ENTRY_SIZE > len - s->entries_off)
		return ALPHAFS_ERR_INVALID;
	rd_init(&r, buf + s->entries_off + (size_t)i * ENTRY_SIZE, ENTRY_SIZE);
	out->type = rd_u16le(&r);
	out->state = rd_u16le(&r);
	if (kind == SONY_FOCUS_FACE) {
		out->selection = rd_u8(&r);
		out->priority = rd_u8(&r);
		rd_skip(&r, 2);
	} else {
		out->priority = rd_u8(&r);
		rd_skip(&r, 3);
	}
	out->x = rd_u32le(&r);
	out->y = rd_u32le(&r);
	out->height = rd_u32le(&r);
	out->width = rd_u32le(&r);
	return 0;
}

/* ---- names --------------------------------------------------------------- */

static const char *const af_types[] = {
	NULL,
	"PhaseDetection_AFSensor",
	"PhaseDetection_ImageSensor",
	"Wide",
	"Zone",
	"CentralEmphasis",
	"ContrastFlexibleMain",
	"ContrastFlexibleAssist",
	"Contrast",
	"ContrastUpperHalf",
	"ContrastLowerHalf",
	"DualAFMain",
	"DualAFAssist",
	"NonDualAFMain",
	"NonDualAFAssist",
	"FrameSomewhere",
	"Cross",
};
static const char *const af_states[] = {
	NULL,	  "NotFocused", "Focused",	  "FocusFrameSelection",
	"Moving", "RangeLimit", "RegistrationAF", "Island",
};
static const char *const face_types[] = {
	NULL,
	"DetectedFace",
	"AF_TargetFace",
	"PersonalRecognitionFace",
	"SmileDetectionFace",
	"SelectedFace",
	"AF_TargetSelectionFace",
	"SmileDetectionSelectFace",
};
static const char *const tracking_types[] = { NULL, "NonTargetAF", "TargetAF" };
static const char *const focused_states[] = { NULL, "NotFocused", "Focused" };

static const char *name_in(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : NULL;
}

const char *sony_focus_type_name(enum sony_focus_kind kind, uint16_t type)
{
	switch (kind) {
	case SONY_FOCUS_AF:
		return name_in(af_types, ARRAY_LEN(af_types), type);
	case SONY_FOCUS_FACE:
		return name_in(face_types, ARRAY_LEN(face_types), type);
	case SONY_FOCUS_TRACKING:
		return name_in(tracking_types, ARRAY_LEN(tracking_types), type);
	case SONY_FOCUS_KINDS:
		break;
	}
	return NULL;
}

const char *sony_focus_state_name(enum sony_focus_kind kind, uint16_t state)
{
	if (kind == SONY_FOCUS_AF)
		return name_in(af_states, ARRAY_LEN(af_states), state);
	if (kind == SONY_FOCUS_FACE || kind == SONY_FOCUS_TRACKING)
		return name_in(focused_states, ARRAY_LEN(focused_states), state);
	return NULL;
}

/* ---- JSON ---------------------------------------------------------------- */

static const char *const kind_keys[SONY_FOCUS_KINDS] = { "af", "face",
							 "tracking" };

/* "name" as a JSON string, or null when unknown (the code is beside it). */
static void json_name(struct buf *b, const char *key, const char *name)
{
	if (name)
		buf_printf(b, "\"%s\": \"%s\"", key, name);
	else
		buf_printf(b, "\"%s\": null", key);
}

static void json_frame(struct buf *b, enum sony_focus_kind kind,
		       const struct sony_focus_frame *f)
{
	buf_printf(b, "{\"type_code\": %u, ", (unsigned)f->type);
	json_name(b, "type", sony_focus_type_name(kind, f->type));
	buf_printf(b, ", \"state_code\": %u, ", (unsigned)f->state);
	json_name(b, "state", sony_focus_state_name(kind, f->state));
	if (kind == SONY_FOCUS_FACE)
		buf_printf(b, ", \"selected\": %s",
			   f->selection == SONY_FOCUS_SELECTED ? "true" : "false");
	buf_printf(b, ", \"priority\": %u, \"x\": %u, \"y\": %u, "
		      "\"width\": %u, \"height\": %u}",
		   (unsigned)f->priority, f->x, f->y, f->width, f->height);
}

static void json_section(struct buf *b, const uint8_t *buf, size_t len,
			 const struct sony_focus_section *s,
			 enum sony_focus_kind kind)
{
	struct sony_focus_frame f;

	buf_printf(b, "\"%s\": {\"x_denominator\": %u, \"y_denominator\": %u, "
		      "\"frames\": [",
		   kind_keys[kind], s->x_den, s->y_den);
	for (unsigned i = 0; i < s->count; i++) {
		if (sony_focus_frame_at(buf, len, s, i, kind, &f) < 0)
			break;
		if (i > 0)
			buf_put(b, ", ", 2);
		json_frame(b, kind, &f);
	}
	buf_put(b, "]}", 2);
}

int sony_focus_json(const uint8_t *buf, size_t len, struct buf *out)
{
	struct sony_focus fo;
	int rc = sony_focus_parse(buf, len, &fo);

	if (rc < 0)
		return rc;
	buf_printf(out, "{\"layout\": \"FocalFrameInfo\", \"version\": \"%u.%02u\"",
		   fo.version / 100u, fo.version % 100u);
	for (unsigned k = 0; k < SONY_FOCUS_KINDS; k++) {
		if (!fo.s[k].present)
			continue;
		buf_put(out, ", ", 2);
		json_section(out, buf, len, &fo.s[k], (enum sony_focus_kind)k);
	}
	buf_printf(out, ", \"undecoded_bytes\": %zu}", fo.trailing);
	return 0;
}

/* ---- writer (emulated camera, tests) ------------------------------------- */

void sony_focus_write(struct buf *b, uint16_t version,
		      const struct sony_focus_section *sections,
		      const struct sony_focus_frame *const *frames)
{
	uint8_t *p;

	/* version, reserved, and an empty reserved array */
	buf_put_u16le(b, version);
	p = buf_grow(b, TO_RESERVED_ARRAY + SECTION_HEADER);
	if (p)
		memset(p, 0, TO_RESERVED_ARRAY + SECTION_HEADER);
	for (unsigned k = 0; k < SONY_FOCUS_KINDS; k++) {
		const struct sony_focus_section *s = &sections[k];

		if (k != SONY_FOCUS_AF && version < VERSION_FACES)
			break;
		buf_put_u32le(b, s->x_den);
		buf_put_u32le(b, s->y_den);
		buf_put_u16le(b, s->count);
		p = buf_grow(b, SECTION_RESERVED);
		if (p)
			memset(p, 0, SECTION_RESERVED);
		for (unsigned i = 0; i < s->count; i++) {
			const struct sony_focus_frame *f = &frames[k][i];

			buf_put_u16le(b, f->type);
			buf_put_u16le(b, f->state);
			if (k == SONY_FOCUS_FACE)
				buf_put_u8(b, f->selection);
			buf_put_u8(b, f->priority);
			p = buf_grow(b, k == SONY_FOCUS_FACE ? 2 : 3);
			if (p)
				memset(p, 0, k == SONY_FOCUS_FACE ? 2 : 3);
			buf_put_u32le(b, f->x);
			buf_put_u32le(b, f->y);
			buf_put_u32le(b, f->height);
			buf_put_u32le(b, f->width);
		}
	}
}
