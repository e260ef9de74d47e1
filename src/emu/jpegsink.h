/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libjpeg glue shared by the emulated camera's two encoders (pattern.c:
 * live-view frames; still_image.c: the stills' picture): a destination
 * that appends to a struct buf, and errors turned into a longjmp. Kept
 * out of emu_internal.h so only these two files see libjpeg's types.
 */
#ifndef ALPHAFS_EMU_JPEGSINK_H
#define ALPHAFS_EMU_JPEGSINK_H

#include <setjmp.h>
#include <stdio.h>

#include <jpeglib.h>

#include "util/util.h"

#define EMU_JPEG_CHUNK 16384

/* ci->dest points at .dest: the callbacks find the sink from it. */
struct emu_jpeg_sink {
	struct jpeg_destination_mgr dest; /* first */
	struct buf *out;		  /* where compressed bytes go */
	uint8_t chunk[EMU_JPEG_CHUNK];
};

/* ci->err points at .mgr: a libjpeg error jumps to .jump. */
struct emu_jpeg_err {
	struct jpeg_error_mgr mgr; /* first */
	jmp_buf jump;
};

/* Sets ci->err to e (errors longjmp to e->jump, warnings are dropped);
 * call before jpeg_create_compress. */
void emu_jpeg_err_init(j_compress_ptr ci, struct emu_jpeg_err *e);
/* Sets ci->dest to s; s->out is set before each compression. */
void emu_jpeg_sink_init(j_compress_ptr ci, struct emu_jpeg_sink *s);

#endif
