/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live-view frames: real baseline JPEGs (libturbojpeg, 4:2:0) of a moving
 * test pattern: colour bars, a block that moves with the frame number and a
 * strip of cells showing the frame number in binary, so every frame differs
 * from the one before. Right after SOI a COM segment carries
 * "alphafs-emu seq=<n> t=<ns>" so tests and bench can check order and
 * latency (emu_frame_marker). The encoder handle and pixel buffers are made
 * once and reused: a frame costs one memcpy and one compression.
 */
#include <stdio.h>
#include <string.h>
#include <turbojpeg.h>

#include "emu_internal.h"

#define JPEG_SOI 0xD8
#define JPEG_EOI 0xD9
#define JPEG_SOS 0xDA
#define JPEG_COM 0xFE
#define JPEG_APP15 0xEF
#define JPEG_SEG_MAX 65535u	/* a segment's length field, itself included */
#define MARKER_PREFIX "alphafs-emu seq="
#define MARKER_TIME " t="
#define MARKER_TEXT_MAX 64
/* Upper bound on segments walked before giving up on finding the marker. */
#define MARKER_WALK_MAX 64
/* big-frames: APP15 padding that takes a frame past 512 KiB. */
#define BIG_FRAME_SEGS 9u
#define BIG_FRAME_PAD (BIG_FRAME_SEGS * (JPEG_SEG_MAX - 2))
#define BLOCK_DIV 6	/* moving block: 1/6 of the height */
#define STRIP_BITS 32	/* frame-number cells along the bottom */
#define BYTES_PER_PIXEL 3

struct emu_pattern {
	tjhandle tj;
	unsigned w, h, quality;
	uint8_t *base;	/* the static colour bars */
	uint8_t *pix;	/* frame being drawn */
	uint8_t *jpeg;	/* encoder output, tjBufSize bytes */
	unsigned long jpeg_cap;
};

static const uint8_t bar_colours[][BYTES_PER_PIXEL] = {
	{ 235, 235, 235 }, { 235, 235, 16 }, { 16, 235, 235 },
	{ 16, 235, 16 },   { 235, 16, 235 }, { 235, 16, 16 },
	{ 16, 16, 235 },   { 16, 16, 16 },
};

static void draw_bars(struct emu_pattern *p)
{
	size_t nbars = ARRAY_LEN(bar_colours);

	for (unsigned y = 0; y < p->h; y++) {
		for (unsigned x = 0; x < p->w; x++) {
			size_t bar = (size_t)x * nbars / p->w;
			uint8_t *px = p->base +
				      ((size_t)y * p->w + x) * BYTES_PER_PIXEL;

			memcpy(px, bar_colours[bar], BYTES_PER_PIXEL);
			/* a vertical ramp so the bars are not flat */
			px[1] = (uint8_t)(px[1] / 2 + (y * 100) / p->h);
		}
	}
}

void emu_pattern_destroy(struct emu_pattern *p)
{
	if (!p)
		return;
	if (p->tj)
		tjDestroy(p->tj);
	mem_free(p->base);
	mem_free(p->pix);
	mem_free(p->jpeg);
	mem_free(p);
}

struct emu_pattern *emu_pattern_create(unsigned width, unsigned height,
				       unsigned quality)
{
	struct emu_pattern *p = mem_calloc(1, sizeof(*p));
	size_t npix = (size_t)width * height * BYTES_PER_PIXEL;

	if (!p)
		return NULL;
	p->w = width;
	p->h = height;
	p->quality = quality;
	p->jpeg_cap = tjBufSize((int)width, (int)height, TJSAMP_420);
	p->base = mem_alloc(npix);
	p->pix = mem_alloc(npix);
	p->jpeg = mem_alloc(p->jpeg_cap);
	if (!p->base || !p->pix || !p->jpeg || p->jpeg_cap == (unsigned long)-1)
		goto err;
	p->tj = tjInitCompress();
	if (!p->tj)
		goto err;
	draw_bars(p);
	return p;
err:
	emu_pattern_destroy(p);
	return NULL;
}

static void fill_rect(struct emu_pattern *p, unsigned x0, unsigned y0,
		      unsigned w, unsigned h, const uint8_t rgb[3])
{
	for (unsigned y = y0; y < y0 + h && y < p->h; y++)
		for (unsigned x = x0; x < x0 + w && x < p->w; x++)
			memcpy(p->pix + ((size_t)y * p->w + x) * BYTES_PER_PIXEL,
			       rgb, BYTES_PER_PIXEL);
}

static void draw_frame(struct emu_pattern *p, uint64_t seq)
{
	unsigned bs = p->h / BLOCK_DIV;
	unsigned cell = p->w / STRIP_BITS;
	uint8_t block[3] = { (uint8_t)(seq * 37), (uint8_t)(seq * 91),
			     (uint8_t)(255 - seq * 53) };
	static const uint8_t on[3] = { 255, 255, 255 }, off[3] = { 0, 0, 0 };

	memcpy(p->pix, p->base, (size_t)p->w * p->h * BYTES_PER_PIXEL);
	if (bs > 0 && bs < p->w && bs < p->h)
		fill_rect(p, (unsigned)((seq * 7) % (p->w - bs)),
			  (unsigned)((seq * 3) % (p->h - bs)), bs, bs, block);
	if (cell == 0 || p->h < cell)
		return;
	for (unsigned b = 0; b < STRIP_BITS; b++)
		fill_rect(p, b * cell, p->h - cell, cell, cell,
			  (seq >> b) & 1 ? on : off);
}

static void put_segment_header(struct buf *out, uint8_t marker, size_t len)
{
	buf_put_u8(out, 0xFF);
	buf_put_u8(out, marker);
	/* Segment lengths are big-endian and include themselves. */
	buf_put_u8(out, (uint8_t)((len + 2) >> 8));
	buf_put_u8(out, (uint8_t)(len + 2));
}

/* APP15 filler: no 0xFF byte, so no marker can appear inside it. */
static void put_big_padding(struct buf *out, uint64_t seq)
{
	size_t left = BIG_FRAME_PAD;

	while (left > 0) {
		size_t n = left > JPEG_SEG_MAX - 2 ? JPEG_SEG_MAX - 2 : left;
		uint8_t *d;

		put_segment_header(out, JPEG_APP15, n);
		d = buf_grow(out, n);
		if (!d)
			return;
		for (size_t i = 0; i < n; i++)
			d[i] = (uint8_t)((seq + i * 13) % 0xFF);
		left -= n;
	}
}

/* Padding so that lead + total is a multiple of align; it goes into the
 * marker's COM payload, so any amount (even 1 byte) fits. */
static size_t align_pad(const struct emu_render_opts *o, size_t total)
{
	if (!o || o->align == 0)
		return 0;
	return (o->align - (o->lead + total) % o->align) % o->align;
}

int emu_pattern_render(struct emu_pattern *p, uint64_t seq, uint64_t mono_ns,
		       const struct emu_render_opts *o, struct buf *out)
{
	unsigned long jlen = p->jpeg_cap;
	char text[MARKER_TEXT_MAX];
	size_t tlen, total, pad;
	bool big = o && o->big;
	int n;

	draw_frame(p, seq);
	if (tjCompress2(p->tj, p->pix, (int)p->w, 0, (int)p->h, TJPF_RGB,
			&p->jpeg, &jlen, TJSAMP_420, (int)p->quality,
			TJFLAG_NOREALLOC) != 0 || jlen < 4)
		return ALPHAFS_ERR_IO;
	n = snprintf(text, sizeof(text), "%s%llu%s%llu", MARKER_PREFIX,
		     (unsigned long long)seq, MARKER_TIME,
		     (unsigned long long)mono_ns);
	tlen = (size_t)n;
	/* SOI + COM + [APP15 padding] + the encoder's output after its SOI */
	total = 2 + 4 + tlen + (big ? BIG_FRAME_PAD + 4 * BIG_FRAME_SEGS : 0) + (jlen - 2);
	pad = align_pad(o, total);
	if (tlen + pad + 2 > JPEG_SEG_MAX)
		return ALPHAFS_ERR_INVALID;
	buf_put_u8(out, 0xFF);
	buf_put_u8(out, JPEG_SOI);
	put_segment_header(out, JPEG_COM, tlen + pad);
	buf_put(out, text, tlen);
	if (pad > 0) {
		uint8_t *d = buf_grow(out, pad);

		if (d)
			memset(d, ' ', pad);
	}
	if (big)
		put_big_padding(out, seq);
	buf_put(out, p->jpeg + 2, jlen - 2);
	return buf_status(out);
}

/* ---- marker parsing ------------------------------------------------------ */

static bool parse_dec(const uint8_t *s, size_t len, size_t *pos, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *pos;

	while (*pos < len && s[*pos] >= '0' && s[*pos] <= '9') {
		unsigned d = (unsigned)(s[*pos] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		(*pos)++;
	}
	*out = v;
	return *pos > start;
}

static int parse_marker_text(const uint8_t *s, size_t len, uint64_t *seq,
			     uint64_t *ns)
{
	size_t plen = strlen(MARKER_PREFIX), tlen = strlen(MARKER_TIME);
	size_t pos = plen;

	if (len < plen || memcmp(s, MARKER_PREFIX, plen) != 0)
		return ALPHAFS_ERR_MALFORMED;
	if (!parse_dec(s, len, &pos, seq))
		return ALPHAFS_ERR_MALFORMED;
	if (len - pos < tlen || memcmp(s + pos, MARKER_TIME, tlen) != 0)
		return ALPHAFS_ERR_MALFORMED;
	pos += tlen;
	if (!parse_dec(s, len, &pos, ns))
		return ALPHAFS_ERR_MALFORMED;
	return 0;
}

/* Markers without a length field (TEM, RSTn). */
static bool standalone(uint8_t m)
{
	return m == 0x01 || (m >= 0xD0 && m <= 0xD7);
}

int emu_frame_marker(const uint8_t *jpeg, size_t len, uint64_t *seq,
		     uint64_t *mono_ns)
{
	size_t pos = 2;

	if (!jpeg || len < 2 || jpeg[0] != 0xFF || jpeg[1] != JPEG_SOI)
		return ALPHAFS_ERR_MALFORMED;
	for (unsigned i = 0; i < MARKER_WALK_MAX; i++) {
		uint8_t m;
		size_t seg;

		if (len - pos < 2 || jpeg[pos] != 0xFF)
			return ALPHAFS_ERR_MALFORMED;
		m = jpeg[pos + 1];
		if (m == JPEG_SOS || m == JPEG_EOI)
			return ALPHAFS_ERR_MALFORMED;
		if (standalone(m) || m == 0xFF) {
			pos += m == 0xFF ? 1 : 2; /* fill bytes */
			continue;
		}
		if (len - pos < 4)
			return ALPHAFS_ERR_MALFORMED;
		seg = ((size_t)jpeg[pos + 2] << 8) | jpeg[pos + 3];
		if (seg < 2 || seg > len - pos - 2)
			return ALPHAFS_ERR_MALFORMED;
		if (m == JPEG_COM &&
		    parse_marker_text(jpeg + pos + 4, seg - 2, seq, mono_ns) == 0)
			return 0;
		pos += 2 + seg;
	}
	return ALPHAFS_ERR_MALFORMED;
}
