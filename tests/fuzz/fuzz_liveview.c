/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the live-view dataset at 0xFFFFC002 (dossier §4.3). */
#include <stdint.h>

#include "sony/sony.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sony_liveview lv;
	int why = -1;
	int rc = sony_liveview_parse(data, size, &lv, &why);

	if (rc == 0) {
		/* An accepted JPEG lies inside the input and is whole. */
		if (lv.jpeg < data || lv.jpeg_len > size ||
		    (size_t)(lv.jpeg - data) > size - lv.jpeg_len)
			__builtin_trap();
		if (frame_jpeg_check(lv.jpeg, lv.jpeg_len) != -1)
			__builtin_trap();
		/* Padding: what the size declares after the EOI, bounded, and
		 * the EOI is the last one (no FF D9 ends inside the padding). */
		if (lv.jpeg_len + lv.padding != lv.image_size ||
		    lv.padding > SONY_LV_PAD_MAX)
			__builtin_trap();
		for (size_t i = lv.jpeg_len; i < lv.image_size; i++)
			if (lv.jpeg[i - 1] == 0xFF && lv.jpeg[i] == 0xD9)
				__builtin_trap();
		if (lv.focal && ((size_t)(lv.focal - data) > size ||
				 lv.focal_len > size - (size_t)(lv.focal - data)))
			__builtin_trap();
	} else if (rc != ALPHAFS_ERR_REJECTED || why < 0 ||
		   why >= FRAME_REJECT_COUNT) {
		__builtin_trap();
	}
	return 0;
}
