/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libjpeg's destination and error callbacks for the emulated camera's
 * encoders (jpegsink.h). */
#include "jpegsink.h"

static void handle_error(j_common_ptr ci)
{
	struct emu_jpeg_err *e = (struct emu_jpeg_err *)(void *)ci->err;

	longjmp(e->jump, 1);
}

static void handle_message(j_common_ptr ci)
{
	(void)ci; /* libjpeg's warnings are not for the emulator's stderr */
}

static struct emu_jpeg_sink *sink_of(j_compress_ptr ci)
{
	return (struct emu_jpeg_sink *)(void *)ci->dest;
}

static void dest_init(j_compress_ptr ci)
{
	struct emu_jpeg_sink *s = sink_of(ci);

	s->dest.next_output_byte = s->chunk;
	s->dest.free_in_buffer = sizeof(s->chunk);
}

static boolean dest_flush(j_compress_ptr ci)
{
	struct emu_jpeg_sink *s = sink_of(ci);

	buf_put(s->out, s->chunk, sizeof(s->chunk));
	dest_init(ci);
	return TRUE;
}

static void dest_term(j_compress_ptr ci)
{
	struct emu_jpeg_sink *s = sink_of(ci);

	buf_put(s->out, s->chunk, sizeof(s->chunk) - s->dest.free_in_buffer);
}

void emu_jpeg_err_init(j_compress_ptr ci, struct emu_jpeg_err *e)
{
	ci->err = jpeg_std_error(&e->mgr);
	e->mgr.error_exit = handle_error;
	e->mgr.output_message = handle_message;
}

void emu_jpeg_sink_init(j_compress_ptr ci, struct emu_jpeg_sink *s)
{
	s->dest.init_destination = dest_init;
	s->dest.empty_output_buffer = dest_flush;
	s->dest.term_destination = dest_term;
	ci->dest = &s->dest;
}
