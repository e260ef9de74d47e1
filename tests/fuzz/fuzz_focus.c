/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the focus-frame block of the live-view dataset (sony/
 * focus.c), its entries and its JSON.
 */
#include <stdint.h>

#include "sony/sony.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sony_focus fo;
	struct sony_focus_frame f;
	struct buf j;
	int rc = sony_focus_parse(data, size, &fo);
	int jrc;

	buf_init(&j, 1u << 22);
	jrc = sony_focus_json(data, size, &j);
	/* The JSON is written exactly when the block parses, and only
	 * then: callers fall back to hex on the same condition. */
	if ((rc == 0) != (jrc == 0) || (jrc < 0 && j.len != 0))
		__builtin_trap();
	if (rc < 0) {
		if (rc != ALPHAFS_ERR_MALFORMED)
			__builtin_trap();
		buf_finish(&j);
		return 0;
	}
	for (unsigned k = 0; k < SONY_FOCUS_KINDS; k++) {
		const struct sony_focus_section *s = &fo.s[k];

		/* Every declared entry lies inside the block. */
		for (unsigned i = 0; s->present && i < s->count; i++)
			if (sony_focus_frame_at(data, size, s, i,
						(enum sony_focus_kind)k, &f) != 0)
				__builtin_trap();
		if (sony_focus_frame_at(data, size, s, s->count,
					(enum sony_focus_kind)k, &f) == 0)
			__builtin_trap();
	}
	if (fo.trailing > size)
		__builtin_trap();
	buf_finish(&j);
	return 0;
}
