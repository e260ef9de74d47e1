/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The picture behind the emulated camera's stills: one full-size baseline
 * JPEG (default 6000 x 4000, the a6300's L 3:2 size, quality 90: about
 * 10 MB, what a 24 MP body writes), encoded once and shared by every shot
 * (still.c gives each shot its own bytes with a comment segment).
 *
 * Encoding 24 MP takes about 0.3 s of one core, so it is not done when the
 * camera is made (most runs never take a still) nor under the camera's
 * lock (live view would stop): the first half-press starts it on a thread
 * of its own, which the focus and exposure time cover. Small pictures
 * (tests) are encoded at once on the caller's thread. The rows are
 * generated one at a time, so no full-size pixel buffer is held.
 */
#include <string.h>

#include "emu_internal.h"
#include "jpegsink.h"

#define BPP 3
/* Up to this many pixels the picture is encoded on the caller's thread
 * (a few ms); above, on a thread of its own. */
#define INLINE_PIXELS (1024u * 1024u)
#define THREAD_NAME "alphafs-still"
/* A generous cap on the encoded picture (8000 x 6000 at quality 100 of
 * this texture stays far below). */
#define IMAGE_MAX (60u * 1024 * 1024)

enum image_state { IMAGE_IDLE, IMAGE_RUNNING, IMAGE_READY, IMAGE_FAILED };

struct emu_still_image {
	unsigned w, h, quality;
	pthread_mutex_t lock;
	enum image_state state;
	bool thread_started;
	pthread_t thread;
	struct buf jpeg; /* valid once READY; never changed after */
};

struct encoder {
	struct jpeg_compress_struct ci;
	struct emu_jpeg_err err;
	struct emu_jpeg_sink sink;
};

static uint32_t hash2(uint32_t x, uint32_t y, uint32_t seed)
{
	uint32_t h = x * 374761393u + y * 668265263u + seed * 2246822519u;

	h = (h ^ (h >> 13)) * 1274126177u;
	return h ^ (h >> 16);
}

/* Row y: a colour gradient under fine, middle and coarse noise, which
 * compresses about as a detailed photograph does. */
static void draw_row(uint8_t *row, unsigned w, unsigned h, unsigned y)
{
	for (unsigned x = 0; x < w; x++) {
		unsigned n = (hash2(x, y, 1) & 31) + (hash2(x / 8, y / 8, 2) & 63) +
			     (hash2(x / 64, y / 64, 3) & 127);

		row[BPP * x] = (uint8_t)((unsigned long)x * 255 / w + n);
		row[BPP * x + 1] = (uint8_t)((unsigned long)y * 255 / h + n / 2);
		row[BPP * x + 2] =
			(uint8_t)((unsigned long)(x + y) * 128 / (w + h) + n);
	}
}

static int encode(const struct emu_still_image *img, struct buf *out)
{
	struct encoder *e = mem_calloc(1, sizeof(*e));
	uint8_t *row = mem_alloc((size_t)img->w * BPP);
	int rc = ALPHAFS_ERR_IO;

	if (!e || !row) {
		mem_free(e);
		mem_free(row);
		return ALPHAFS_ERR_NOMEM;
	}
	emu_jpeg_err_init(&e->ci, &e->err);
	if (setjmp(e->err.jump))
		goto out;
	jpeg_create_compress(&e->ci);
	emu_jpeg_sink_init(&e->ci, &e->sink);
	e->sink.out = out;
	e->ci.image_width = img->w;
	e->ci.image_height = img->h;
	e->ci.input_components = BPP;
	e->ci.in_color_space = JCS_RGB;
	jpeg_set_defaults(&e->ci);
	jpeg_set_quality(&e->ci, (int)img->quality, TRUE);
	/* still.c puts a COM segment right after SOI. */
	e->ci.write_JFIF_header = FALSE;
	jpeg_start_compress(&e->ci, TRUE);
	while (e->ci.next_scanline < e->ci.image_height) {
		JSAMPROW r = row;

		draw_row(row, img->w, img->h, e->ci.next_scanline);
		jpeg_write_scanlines(&e->ci, &r, 1);
	}
	jpeg_finish_compress(&e->ci);
	rc = buf_status(out);
out:
	jpeg_destroy_compress(&e->ci);
	mem_free(row);
	mem_free(e);
	return rc;
}

static void finish_encoding(struct emu_still_image *img)
{
	struct buf out;
	int rc;

	buf_init(&out, IMAGE_MAX);
	rc = encode(img, &out);
	pthread_mutex_lock(&img->lock);
	if (rc == 0) {
		img->jpeg = out;
		img->state = IMAGE_READY;
	} else {
		buf_finish(&out);
		img->state = IMAGE_FAILED;
		log_warn(EMU, "the still picture could not be encoded: %s",
			 alphafs_strerror(rc));
	}
	pthread_mutex_unlock(&img->lock);
}

static void *encoder_main(void *arg)
{
	finish_encoding(arg);
	return NULL;
}

struct emu_still_image *emu_still_image_create(unsigned w, unsigned h,
					       unsigned quality)
{
	struct emu_still_image *img = mem_calloc(1, sizeof(*img));

	if (!img)
		return NULL;
	img->w = w;
	img->h = h;
	img->quality = quality;
	pthread_mutex_init(&img->lock, NULL);
	buf_init(&img->jpeg, IMAGE_MAX);
	return img;
}

void emu_still_image_destroy(struct emu_still_image *img)
{
	if (!img)
		return;
	if (img->thread_started)
		pthread_join(img->thread, NULL);
	buf_finish(&img->jpeg);
	pthread_mutex_destroy(&img->lock);
	mem_free(img);
}

void emu_still_image_start(struct emu_still_image *img, bool here)
{
	bool run_here = false;

	pthread_mutex_lock(&img->lock);
	if (img->state == IMAGE_IDLE) {
		img->state = IMAGE_RUNNING;
		if (here || (size_t)img->w * img->h <= INLINE_PIXELS)
			run_here = true;
		else if (thread_start(&img->thread, THREAD_NAME, encoder_main,
				      img) == 0)
			img->thread_started = true;
		else
			run_here = true; /* no thread: slower, still right */
	}
	pthread_mutex_unlock(&img->lock);
	if (run_here)
		finish_encoding(img);
}

const uint8_t *emu_still_image_get(struct emu_still_image *img, size_t *len,
				   bool *failed)
{
	const uint8_t *p = NULL;

	pthread_mutex_lock(&img->lock);
	*failed = img->state == IMAGE_FAILED;
	*len = 0;
	if (img->state == IMAGE_READY) {
		p = img->jpeg.data;
		*len = img->jpeg.len;
	}
	pthread_mutex_unlock(&img->lock);
	return p;
}
