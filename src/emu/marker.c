/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The frame marker: each emulated frame carries its sequence number and
 * capture time in its pixels, so that anything that sees only the JPEG
 * (a stream.mjpeg reader, gphoto2's saved previews, ffmpeg -c copy) can
 * tell frames apart, check their order and measure latency, and nothing
 * depends on a segment a real camera never sends.
 *
 * Layout (EMU_MARKER_BITS bits): byte 0 = EMU_MARKER_MAGIC, bytes 1-4 the
 * sequence number (u32 LE), bytes 5-12 CLOCK_MONOTONIC ns at capture (u64
 * LE), bytes 13-14 a CRC-16/CCITT of bytes 0-12. Bit i (byte i / 8, LSB
 * first) is one 8x8 luma block: MCU i / 4 (raster order over the top MCU
 * rows, 16x16 pixels each), block i % 4 in it (top-left, top-right,
 * bottom-left, bottom-right), light for 1 and dark for 0. The blocks are
 * flat and grey, so the encoder keeps only their DC coefficient and they
 * survive any quality: a decoder reads the bit from the block's mean.
 */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "emu_internal.h"

#define BPP 3
#define MCU 16
#define BLOCK 8
#define BLOCKS_PER_MCU 4
#define MARKER_BYTES (EMU_MARKER_BITS / 8)
#define LIGHT 235
#define DARK 20
#define THRESHOLD 128
#define CRC_INIT 0xFFFFu
#define CRC_POLY 0x1021u

static unsigned mcus_needed(void)
{
	return (EMU_MARKER_BITS + BLOCKS_PER_MCU - 1) / BLOCKS_PER_MCU;
}

unsigned emu_marker_rows(unsigned width)
{
	unsigned per_row = width / MCU;

	if (per_row == 0)
		return 0;
	return (mcus_needed() + per_row - 1) / per_row;
}

static uint16_t crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = CRC_INIT;

	for (size_t i = 0; i < n; i++) {
		crc ^= (uint16_t)(p[i] << 8);
		for (int b = 0; b < 8; b++) {
			unsigned shifted = (unsigned)crc << 1;

			crc = (uint16_t)(crc & 0x8000 ? shifted ^ CRC_POLY : shifted);
		}
	}
	return crc;
}

static void pack(uint8_t out[MARKER_BYTES], uint32_t seq, uint64_t ns)
{
	out[0] = EMU_MARKER_MAGIC;
	put_u32le(out + 1, seq);
	put_u32le(out + 5, (uint32_t)ns);
	put_u32le(out + 9, (uint32_t)(ns >> 32));
	put_u16le(out + 13, crc16(out, MARKER_BYTES - 2));
}

/* Top-left pixel of bit i's block. */
static void block_of(unsigned i, unsigned width, unsigned *x, unsigned *y)
{
	unsigned per_row = width / MCU, m = i / BLOCKS_PER_MCU;
	unsigned b = i % BLOCKS_PER_MCU;

	*x = (m % per_row) * MCU + (b & 1) * BLOCK;
	*y = (m / per_row) * MCU + (b >> 1) * BLOCK;
}

void emu_marker_draw(uint8_t *pix, unsigned w, unsigned h, uint32_t seq,
		     uint64_t ns)
{
	uint8_t bytes[MARKER_BYTES];

	if (emu_marker_rows(w) == 0 || emu_marker_rows(w) * MCU > h)
		return;
	pack(bytes, seq, ns);
	for (unsigned i = 0; i < EMU_MARKER_BITS; i++) {
		uint8_t v = (bytes[i / 8] >> (i % 8)) & 1 ? LIGHT : DARK;
		unsigned x0, y0;

		block_of(i, w, &x0, &y0);
		for (unsigned y = y0; y < y0 + BLOCK; y++)
			memset(pix + ((size_t)y * w + x0) * BPP, v, BLOCK * BPP);
	}
}

/* ---- reading it back ------------------------------------------------- */

struct quiet_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
};

static void handle_error(j_common_ptr ci)
{
	longjmp(((struct quiet_err *)(void *)ci->err)->jump, 1);
}

static void handle_message(j_common_ptr ci)
{
	(void)ci; /* corrupt data is reported by the return value */
}

/* Decodes the DC image (1/8 scale, grey: one pixel per 8x8 block) of the
 * marker rows into bytes. */
static int read_bits(const uint8_t *jpeg, size_t len, uint8_t *bytes)
{
	struct jpeg_decompress_struct ci;
	struct quiet_err err;
	JSAMPLE line[EMU_MARKER_LINE_MAX];
	unsigned rows_px, w;
	volatile int rc = ALPHAFS_ERR_MALFORMED;

	memset(bytes, 0, MARKER_BYTES);
	ci.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = handle_error;
	err.mgr.output_message = handle_message;
	jpeg_create_decompress(&ci);
	if (setjmp(err.jump))
		goto out;
	jpeg_mem_src(&ci, jpeg, (unsigned long)len);
	if (jpeg_read_header(&ci, TRUE) != JPEG_HEADER_OK)
		goto out;
	w = ci.image_width;
	rows_px = emu_marker_rows(w) * MCU;
	if (rows_px == 0 || rows_px > ci.image_height)
		goto out;
	ci.out_color_space = JCS_GRAYSCALE;
	ci.scale_num = 1;
	ci.scale_denom = BLOCK;
	jpeg_start_decompress(&ci);
	if (ci.output_width > sizeof(line) || ci.output_components != 1)
		goto out;
	for (unsigned y = 0; y < rows_px / BLOCK; y++) {
		JSAMPROW row = line;

		if (jpeg_read_scanlines(&ci, &row, 1) != 1)
			goto out;
		for (unsigned i = 0; i < EMU_MARKER_BITS; i++) {
			unsigned x0, y0;

			block_of(i, w, &x0, &y0);
			if (y0 / BLOCK == y && line[x0 / BLOCK] >= THRESHOLD)
				bytes[i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
	rc = 0;
out:
	jpeg_destroy_decompress(&ci);
	return rc;
}

int emu_frame_marker(const uint8_t *jpeg, size_t len, uint64_t *seq,
		     uint64_t *mono_ns)
{
	uint8_t bytes[MARKER_BYTES];

	if (!jpeg || len < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
		return ALPHAFS_ERR_MALFORMED;
	if (read_bits(jpeg, len, bytes) < 0 || bytes[0] != EMU_MARKER_MAGIC ||
	    get_u16le(bytes + 13) != crc16(bytes, MARKER_BYTES - 2))
		return ALPHAFS_ERR_MALFORMED;
	*seq = get_u32le(bytes + 1);
	*mono_ns = get_u32le(bytes + 5) | (uint64_t)get_u32le(bytes + 9) << 32;
	return 0;
}
