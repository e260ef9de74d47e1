/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole-JPEG check, the SOF size reader and the names of reject
 * reasons. A frame counts as
 * whole when it starts with SOI (FF D8) and its last two bytes are EOI
 * (FF D9): a decoder given a stream cut short paints the missing blocks
 * grey (the "bottom half grey" picture of dossier §7.8), so a missing EOI
 * is the one sign of truncation that matters.
 */
#include "alphafs/error.h"
#include "frame/frame.h"

#define JPEG_MARKER 0xFF
#define JPEG_SOI 0xD8
#define JPEG_EOI 0xD9
#define JPEG_SOS 0xDA
#define JPEG_TEM 0x01
#define JPEG_RST0 0xD0
#define JPEG_RST7 0xD7
#define JPEG_SOF0 0xC0
#define JPEG_SOF15 0xCF
#define JPEG_DHT 0xC4
#define JPEG_JPG 0xC8
#define JPEG_DAC 0xCC
/* SOF length field, precision, height and width: 2 + 1 + 2 + 2 bytes,
 * then the component count (T.81 B.2.2). */
#define SOF_MIN_LEN 8

static const char *const reject_names[] = {
#define FRAME_REJECT_NAME(id, name, text) name,
	FRAME_REJECT_REASONS(FRAME_REJECT_NAME)
#undef FRAME_REJECT_NAME
};

static const char *const reject_texts[] = {
#define FRAME_REJECT_TEXT(id, name, text) text,
	FRAME_REJECT_REASONS(FRAME_REJECT_TEXT)
#undef FRAME_REJECT_TEXT
};

const char *frame_reject_name(enum frame_reject r)
{
	return (unsigned)r < FRAME_REJECT_COUNT ? reject_names[r] : "?";
}

const char *frame_reject_text(enum frame_reject r)
{
	return (unsigned)r < FRAME_REJECT_COUNT ? reject_texts[r] : "?";
}

int frame_jpeg_check(const uint8_t *jpeg, size_t len)
{
	if (len > FRAME_MAX_BYTES)
		return FRAME_REJECT_TOO_BIG;
	if (!jpeg || len < FRAME_JPEG_MIN)
		return FRAME_REJECT_EMPTY;
	if (jpeg[0] != JPEG_MARKER || jpeg[1] != JPEG_SOI)
		return FRAME_REJECT_NO_SOI;
	if (jpeg[len - 2] != JPEG_MARKER || jpeg[len - 1] != JPEG_EOI)
		return FRAME_REJECT_NO_EOI;
	return -1;
}

/* Markers without a length field (T.81 B.1.1.3: TEM and RSTn). */
static bool standalone_marker(uint8_t m)
{
	return m == JPEG_TEM || (m >= JPEG_RST0 && m <= JPEG_RST7);
}

/* SOF0..SOF15 carry the frame header; C4, C8 and CC are other segments
 * (DHT, the reserved JPG extension, DAC) in the same range. */
static bool sof_marker(uint8_t m)
{
	return m >= JPEG_SOF0 && m <= JPEG_SOF15 && m != JPEG_DHT &&
	       m != JPEG_JPG && m != JPEG_DAC;
}

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int frame_jpeg_size(const uint8_t *jpeg, size_t len, unsigned *width,
		    unsigned *height)
{
	size_t off = 2;
	unsigned seglen;
	uint8_t m;

	if (!jpeg || len < 2 || jpeg[0] != JPEG_MARKER || jpeg[1] != JPEG_SOI)
		return ALPHAFS_ERR_MALFORMED;
	/* Each turn consumes at least two bytes, so this ends. */
	while (off < len) {
		if (jpeg[off] != JPEG_MARKER)
			return ALPHAFS_ERR_MALFORMED;
		while (off < len && jpeg[off] == JPEG_MARKER)
			off++; /* fill bytes before a marker (T.81 B.1.1.2) */
		if (off >= len)
			break;
		m = jpeg[off++];
		if (standalone_marker(m))
			continue;
		if (m == JPEG_SOI || m == JPEG_EOI || m == JPEG_SOS || m == 0)
			return ALPHAFS_ERR_MALFORMED;
		if (len - off < 2)
			break;
		seglen = be16(jpeg + off);
		if (seglen < 2 || seglen > len - off)
			break;
		if (sof_marker(m)) {
			/* length, precision, height, width */
			if (seglen < SOF_MIN_LEN)
				break;
			*height = be16(jpeg + off + 3);
			*width = be16(jpeg + off + 5);
			return *width && *height ? 0 : ALPHAFS_ERR_MALFORMED;
		}
		off += seglen;
	}
	return ALPHAFS_ERR_MALFORMED;
}
