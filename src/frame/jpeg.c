/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole-JPEG check and the names of reject reasons. A frame counts as
 * whole when it starts with SOI (FF D8) and its last two bytes are EOI
 * (FF D9): a decoder given a stream cut short paints the missing blocks
 * grey (the "bottom half grey" picture of dossier §7.8), so a missing EOI
 * is the one sign of truncation that matters.
 */
#include "frame/frame.h"

#define JPEG_MARKER 0xFF
#define JPEG_SOI 0xD8
#define JPEG_EOI 0xD9

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
