/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The scene the emulated camera "sees": a landscape with the statistics of
 * a photograph (sky with soft clouds, buildings with sharp edges, a ground
 * of multi-octave texture whose detail varies across the view, sensor
 * noise), larger than the frame so the camera can pan across it, plus a
 * textured ball that moves independently. Panning over regions of more or
 * less detail makes the JPEG size vary from frame to frame as a real live
 * view does (dossier: real bodies send 60-130 KB at ~1024 px wide).
 *
 * The world is drawn once (value noise, integer arithmetic) and each frame
 * is a crop of it plus the ball: a frame costs a few memcpy's before the
 * encoder. Pure and lock-free; deterministic for a given size.
 */
#include <math.h>
#include <string.h>

#include "emu_internal.h"

#define BPP 3
/* The world is this much larger than the frame: pan range. */
#define PAN_X_DIV 2 /* w / 2 wider */
#define PAN_Y_DIV 8 /* h / 8 taller */
/* Pan and ball periods in frames (co-prime so the view does not repeat
 * for a long time). */
#define PAN_X_PERIOD 241
#define PAN_Y_PERIOD 151
#define BALL_X_PERIOD 97
#define BALL_Y_PERIOD 61
#define BALL_DIV 12	/* radius: h / 12 */
#define SENSOR_NOISE 3	/* +- per channel */
#define BUILDINGS 7
#define TWO_PI 6.283185307179586

/* Integer hash of a lattice point (deterministic value noise). */
static uint32_t hash3(uint32_t x, uint32_t y, uint32_t seed)
{
	uint32_t h = x * 0x8da6b343u ^ y * 0xd8163841u ^ seed * 0xcb1ab31fu;

	h ^= h >> 13;
	h *= 0x5bd1e995u;
	h ^= h >> 15;
	return h;
}

static uint8_t clamp8(int v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* Adds one octave of bilinear value noise (spacing sp, amplitude amp) to
 * acc (W x H). */
static void octave(int16_t *acc, unsigned W, unsigned H, unsigned sp, int amp,
		   uint32_t seed)
{
	for (unsigned y = 0; y < H; y++) {
		unsigned gy = y / sp, fy = (y % sp) * 256 / sp;

		for (unsigned x = 0; x < W; x++) {
			unsigned gx = x / sp, fx = (x % sp) * 256 / sp;
			int a = (int)(hash3(gx, gy, seed) & 255) - 128;
			int b = (int)(hash3(gx + 1, gy, seed) & 255) - 128;
			int c = (int)(hash3(gx, gy + 1, seed) & 255) - 128;
			int d = (int)(hash3(gx + 1, gy + 1, seed) & 255) - 128;
			int top = a * 256 + (b - a) * (int)fx;
			int bot = c * 256 + (d - c) * (int)fx;
			int v = (top * 256 + (bot - top) * (int)fy) >> 16;

			acc[(size_t)y * W + x] =
				(int16_t)(acc[(size_t)y * W + x] + v * amp / 128);
		}
	}
}

static int noise(unsigned x, unsigned y, uint32_t seed)
{
	return (int)(hash3(x, y, seed) % (2 * SENSOR_NOISE + 1)) - SENSOR_NOISE;
}

/* Sky above a hilly horizon, textured ground below; the ground's fine
 * detail fades in and out across the width (more or fewer bytes as the
 * camera pans). */
static void draw_land(struct emu_scene *s, const int16_t *low,
		      const int16_t *detail, const int16_t *tint)
{
	unsigned W = s->world_w, H = s->world_h;

	for (unsigned y = 0; y < H; y++) {
		for (unsigned x = 0; x < W; x++) {
			size_t i = (size_t)y * W + x;
			int horizon = (int)(H * 2 / 5) + low[(H / 2) * W + x] * (int)H / 1024;
			double c = 0.5 + 0.5 * cos(TWO_PI * x / W);
			int mask = (int)(256 * (0.05 + 0.95 * c * c));
			uint8_t *p = s->world + i * BPP;
			int n = noise(x, y, 99);

			if ((int)y < horizon) {
				int t = (int)(y * 120 / H), cl = low[i] / 4;

				p[0] = clamp8(90 + t + cl + n);
				p[1] = clamp8(140 + t + cl + n);
				p[2] = clamp8(215 + t / 3 + cl + n);
			} else {
				int l = low[i] / 2 + detail[i] * mask / 256;
				int a = tint[i];

				p[0] = clamp8(90 + l + a / 2 + n);
				p[1] = clamp8(110 + l + n);
				p[2] = clamp8(60 + l - a / 2 + n);
			}
		}
	}
}

/* Buildings on the horizon: flat walls, window grids, sharp edges. */
static void draw_buildings(struct emu_scene *s)
{
	unsigned W = s->world_w, H = s->world_h;

	for (uint32_t b = 0; b < BUILDINGS; b++) {
		unsigned bw = 60 + hash3(b, 1, 11) % (W / 8 + 1);
		unsigned bh = H / 6 + hash3(b, 2, 11) % (H / 4 + 1);
		unsigned bx = hash3(b, 0, 11) % (W > bw ? W - bw : 1);
		unsigned base = H * 2 / 5 + H / 20;
		unsigned by = base > bh ? base - bh : 0;
		int shade = 120 + (int)(hash3(b, 3, 11) % 100);

		for (unsigned y = by; y < by + bh && y < H; y++) {
			for (unsigned x = bx; x < bx + bw && x < W; x++) {
				unsigned dx = x - bx, dy = y - by;
				bool win = dx % 14 < 8 && dy % 18 < 10 && dx > 4 && dy > 4;
				int v = win ? 40 + (int)(hash3(x / 14, y / 18, b) % 60)
					    : shade;
				int n = noise(x, y, 98);
				uint8_t *p = s->world + ((size_t)y * W + x) * BPP;

				p[0] = clamp8(v + n);
				p[1] = clamp8(v - 10 + n);
				p[2] = clamp8(v - 20 + n);
			}
		}
	}
}

void emu_scene_finish(struct emu_scene *s)
{
	if (!s)
		return;
	mem_free(s->world);
	s->world = NULL;
}

int emu_scene_init(struct emu_scene *s, unsigned w, unsigned h)
{
	size_t n;
	int16_t *low, *detail, *tint;

	memset(s, 0, sizeof(*s));
	s->w = w;
	s->h = h;
	s->world_w = w + w / PAN_X_DIV;
	s->world_h = h + h / PAN_Y_DIV;
	n = (size_t)s->world_w * s->world_h;
	s->world = mem_alloc(n * BPP);
	low = mem_calloc(n, sizeof(*low));
	detail = mem_calloc(n, sizeof(*detail));
	tint = mem_calloc(n, sizeof(*tint));
	if (!s->world || !low || !detail || !tint) {
		mem_free(low);
		mem_free(detail);
		mem_free(tint);
		emu_scene_finish(s);
		return ALPHAFS_ERR_NOMEM;
	}
	octave(low, s->world_w, s->world_h, 128, 70, 1);
	octave(low, s->world_w, s->world_h, 48, 40, 2);
	octave(detail, s->world_w, s->world_h, 16, 40, 3);
	octave(detail, s->world_w, s->world_h, 6, 40, 4);
	octave(detail, s->world_w, s->world_h, 3, 40, 5);
	octave(tint, s->world_w, s->world_h, 96, 60, 7);
	draw_land(s, low, detail, tint);
	draw_buildings(s);
	mem_free(low);
	mem_free(detail);
	mem_free(tint);
	return 0;
}

/* Position in [0, range] along a cosine of the given period. */
static unsigned swing(uint64_t k, unsigned period, unsigned range, bool sine)
{
	double a = TWO_PI * (double)(k % period) / period;

	return (unsigned)(range * (0.5 + 0.5 * (sine ? sin(a) : cos(a))));
}

static void draw_ball(const struct emu_scene *s, uint8_t *pix, uint64_t k,
		      unsigned top)
{
	unsigned r = s->h / BALL_DIV;
	unsigned cx, cy;

	if (r < 4 || s->w < 2 * r + 2 || s->h < top + 2 * r + 2)
		return;
	cx = r + swing(k, BALL_X_PERIOD, s->w - 2 * r - 1, true);
	cy = top + r + swing(k, BALL_Y_PERIOD, s->h - top - 2 * r - 1, false);
	for (unsigned y = cy - r; y <= cy + r; y++) {
		for (unsigned x = cx - r; x <= cx + r; x++) {
			int dx = (int)x - (int)cx, dy = (int)y - (int)cy;
			uint8_t *p = pix + ((size_t)y * s->w + x) * BPP;
			bool check = ((unsigned)(dx + (int)r) / 6 +
				      (unsigned)(dy + (int)r) / 6 + k / 4) % 2;

			if (dx * dx + dy * dy > (int)(r * r))
				continue;
			p[0] = clamp8((check ? 220 : 170) + noise(x, y, (uint32_t)k));
			p[1] = clamp8((check ? 60 : 30) + dx / 2);
			p[2] = clamp8((check ? 40 : 90) + dy / 2);
		}
	}
}

void emu_scene_draw(const struct emu_scene *s, uint64_t k, unsigned top,
		    uint8_t *pix)
{
	unsigned ox = swing(k, PAN_X_PERIOD, s->world_w - s->w, false);
	unsigned oy = swing(k, PAN_Y_PERIOD, s->world_h - s->h, true);

	for (unsigned y = 0; y < s->h; y++)
		memcpy(pix + (size_t)y * s->w * BPP,
		       s->world + ((size_t)(y + oy) * s->world_w + ox) * BPP,
		       (size_t)s->w * BPP);
	draw_ball(s, pix, k, top);
}
