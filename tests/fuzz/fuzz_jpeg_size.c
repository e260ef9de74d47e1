/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the JPEG SOF size reader (frame/jpeg.c) that gives every
 * frame its width and height, and frame creation around it.
 */
#include <stdint.h>

#include "frame/frame.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned w = 0, h = 0;
	int rc = frame_jpeg_size(data, size, &w, &h);
	struct frame *f;

	if (rc == 0 && (w == 0 || h == 0 || w > 0xFFFF || h > 0xFFFF))
		__builtin_trap();
	if (rc != 0 && rc != ALPHAFS_ERR_MALFORMED)
		__builtin_trap();
	f = frame_create_copy(data, size, NULL);
	if (f && (f->width != (rc == 0 ? w : 0) || f->height != (rc == 0 ? h : 0)))
		__builtin_trap();
	frame_unref(f);
	return 0;
}
