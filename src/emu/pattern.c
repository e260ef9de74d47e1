/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live-view frames: baseline JPEGs (libjpeg, 4:2:0, standard Huffman
 * tables) of the moving scene (scene.c) with the frame marker in the
 * pixels (marker.c). The structure is a Sony live-view JPEG's: SOI then
 * the quantisation tables (FF D8 FF DB), no JFIF APP0, no COM. The
 * compressor, the pixel buffer and the output chunk are made once and
 * reused: a frame costs one crop, one marker and one compression.
 */
#include <string.h>

#include "emu_internal.h"
#include "jpegsink.h"

#define JPEG_SOI 0xD8
#define JPEG_DQT 0xDB
#define JPEG_APP15 0xEF
#define JPEG_SEG_MAX 65535u /* a segment's length field, itself included */
/* big-frames: APP15 padding that takes a frame past 512 KiB. */
#define BIG_FRAME_SEGS 9u
#define BIG_FRAME_PAD (BIG_FRAME_SEGS * (JPEG_SEG_MAX - 2))
#define BPP 3

struct emu_pattern {
	unsigned w, h, quality;
	struct emu_scene own_scene;
	const struct emu_scene *scene; /* own_scene, or the original's */
	uint8_t *pix;
	struct jpeg_compress_struct ci;
	struct emu_jpeg_err err;
	struct emu_jpeg_sink sink;
	bool ci_ready;
};

void emu_pattern_destroy(struct emu_pattern *p)
{
	if (!p)
		return;
	if (p->ci_ready)
		jpeg_destroy_compress(&p->ci);
	emu_scene_finish(&p->own_scene);
	mem_free(p->pix);
	mem_free(p);
}

static int setup_encoder(struct emu_pattern *p)
{
	emu_jpeg_err_init(&p->ci, &p->err);
	if (setjmp(p->err.jump))
		return ALPHAFS_ERR_IO;
	jpeg_create_compress(&p->ci);
	p->ci_ready = true;
	emu_jpeg_sink_init(&p->ci, &p->sink);
	p->ci.image_width = p->w;
	p->ci.image_height = p->h;
	p->ci.input_components = BPP;
	p->ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&p->ci);
	jpeg_set_quality(&p->ci, (int)p->quality, TRUE);
	/* Sony's live-view JPEGs start FF D8 FF DB: no JFIF header. */
	p->ci.write_JFIF_header = FALSE;
	p->ci.write_Adobe_marker = FALSE;
	return 0;
}

/* A pattern drawing from scene (NULL: a scene of its own). */
static struct emu_pattern *pattern_new(unsigned width, unsigned height,
				       unsigned quality,
				       const struct emu_scene *scene)
{
	struct emu_pattern *p;

	if (emu_marker_rows(width) == 0 ||
	    emu_marker_rows(width) * 16 > height / 2)
		return NULL; /* no room for the marker */
	p = mem_calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->w = width;
	p->h = height;
	p->quality = quality;
	p->scene = scene ? scene : &p->own_scene;
	p->pix = mem_alloc((size_t)width * height * BPP);
	if (!p->pix ||
	    (!scene && emu_scene_init(&p->own_scene, width, height) < 0) ||
	    setup_encoder(p) < 0) {
		emu_pattern_destroy(p);
		return NULL;
	}
	return p;
}

struct emu_pattern *emu_pattern_create(unsigned width, unsigned height,
				       unsigned quality)
{
	return pattern_new(width, height, quality, NULL);
}

struct emu_pattern *emu_pattern_clone(const struct emu_pattern *p)
{
	return pattern_new(p->w, p->h, p->quality, p->scene);
}

static int compress(struct emu_pattern *p, struct buf *out)
{
	p->sink.out = out;
	if (setjmp(p->err.jump)) {
		jpeg_abort_compress(&p->ci);
		return ALPHAFS_ERR_IO;
	}
	jpeg_start_compress(&p->ci, TRUE);
	while (p->ci.next_scanline < p->ci.image_height) {
		JSAMPROW row = p->pix + (size_t)p->ci.next_scanline * p->w * BPP;

		jpeg_write_scanlines(&p->ci, &row, 1);
	}
	jpeg_finish_compress(&p->ci);
	return buf_status(out);
}

/* APP15 filler with no 0xFF byte, so no marker can appear inside it. */
static void put_big_padding(struct buf *out, uint64_t seq)
{
	size_t left = BIG_FRAME_PAD;

	while (left > 0) {
		size_t n = left > JPEG_SEG_MAX - 2 ? JPEG_SEG_MAX - 2 : left;
		uint8_t *d;

		buf_put_u8(out, 0xFF);
		buf_put_u8(out, JPEG_APP15);
		buf_put_u8(out, (uint8_t)((n + 2) >> 8));
		buf_put_u8(out, (uint8_t)(n + 2));
		d = buf_grow(out, n);
		if (!d)
			return;
		for (size_t i = 0; i < n; i++)
			d[i] = (uint8_t)((seq + i * 13) % 0xFF);
		left -= n;
	}
}

/* big-frames: the padding goes after the quantisation tables, so even
 * these frames start FF D8 FF DB. */
static int insert_big_padding(struct buf *out, size_t start, uint64_t seq)
{
	struct buf tmp;
	size_t pos = start + 2, len = out->len;
	int rc;

	while (len - pos >= 4 && out->data[pos] == 0xFF &&
	       out->data[pos + 1] == JPEG_DQT)
		pos += 2 + (((size_t)out->data[pos + 2] << 8) | out->data[pos + 3]);
	if (pos > len)
		return ALPHAFS_ERR_IO;
	buf_init(&tmp, len - start + BIG_FRAME_PAD + 4 * BIG_FRAME_SEGS);
	buf_put(&tmp, out->data + start, pos - start);
	put_big_padding(&tmp, seq);
	buf_put(&tmp, out->data + pos, len - pos);
	rc = buf_status(&tmp);
	if (rc == 0) {
		out->len = start;
		buf_put(out, tmp.data, tmp.len);
		rc = buf_status(out);
	}
	buf_finish(&tmp);
	return rc;
}

int emu_pattern_render(struct emu_pattern *p, uint64_t seq, uint64_t mono_ns,
		       const struct emu_render_opts *o, struct buf *out)
{
	size_t start = out->len;
	int rc;

	emu_scene_draw(p->scene, seq, emu_marker_rows(p->w) * 16, p->pix);
	emu_marker_draw(p->pix, p->w, p->h, (uint32_t)seq, mono_ns);
	rc = compress(p, out);
	if (rc == 0 && o && o->big)
		rc = insert_big_padding(out, start, seq);
	if (rc == 0 && (out->len - start < 4 || out->data[start + 1] != JPEG_SOI))
		rc = ALPHAFS_ERR_IO;
	return rc;
}
