/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Live view of the emulated a6300 (dossier §4): GetObject(0xFFFFC002)
 * returns the newest frame of a sensor running at cfg.fps, or "no new
 * frame" (16-byte zero header + AccessDenied). Frame faults (truncated,
 * bad size or offset, garbage, short transfer, unplug mid-frame, hang
 * after the first frame) are applied here. Runs with cam->lock held.
 */
#include <string.h>

#include "emu_internal.h"

/* JPEG offsets in the dataset: 0x80 is what libgphoto2's "128 byte
 * header" comment implies, 0x88 and 0xA0 were seen in real datasets
 * (issue notes, dossier §4.3). Which one a frame uses varies. */
static const uint32_t lv_offsets[] = { 0x80, 0x88, 0xA0 };
#define LV_OFFSET_MAX 0xA0
#define LV_STRAY_SOI_AT 32	/* A7R II quirk, gp#389: FF D8 before the JPEG */
#define LV_STRAY_EOI_AT 48	/* and an FF D9 too: nothing may scan */
#define FOCUS_MIN 51		/* opaque focus-frame block: 51..105 bytes */
#define FOCUS_SPAN 55
#define FOCUS_AF_MAX 3		/* AF points in a FocalFrameInfo block */
#define FOCUS_DEN 1024		/* its position denominators */
#define FOCUS_BOX 48
#define FOCUS_FACE_EVERY 4
#define FOCUS_VERSION 100	/* 1.00: AF points only */
#define FOCUS_VERSION_FACES 101
#define FOCUS_TYPE_WIDE 3
#define FOCUS_FACE_DETECTED 1
#define FOCUS_STATE_NOT 1
#define FOCUS_STATE_FOCUSED 2
#define FOCUS_FOUND_OK 2	/* 0xD213 FocusFound: focused */
#define TRAIL_EVERY 3		/* unannounced bytes after every 3rd JPEG */
#define PAD_EVERY 2		/* every 2nd JPEG: size padded past the EOI */
#define PAD_ROUND 128		/* ... to a multiple of this (RX100M7) */
#define TRAIL_MAX 64
#define BADSIZE_EXTRA 4096	/* badsize-every: size runs this far past */
#define BADOFFSET_PAST 0x100	/* badoffset-every: offset this far past */
#define RNG_DEFAULT_SEED 0x2545F491u
#define CONTAINER_MAX (PTP_DATA_MAX)
#define NS_PER_MS 1000000ull

static uint32_t rng_next(struct emu_fault_state *fs)
{
	uint32_t x = fs->rng ? fs->rng : RNG_DEFAULT_SEED;

	x ^= x << 13; /* xorshift32: deterministic garbage from the seed */
	x ^= x >> 17;
	x ^= x << 5;
	fs->rng = x;
	return x;
}

static bool due(unsigned every, uint64_t n)
{
	return every != 0 && n % every == 0;
}

/* "No new frame": 16-byte all-zero header then AccessDenied (§4.2). */
static void deny(struct emu_tx *t)
{
	static const uint8_t zero_header[SONY_LV_HEADER_SIZE] = { 0 };

	if (!t->cam->fs.f.denied_no_data)
		emu_tx_send(t, zero_header, sizeof(zero_header));
	emu_tx_respond(t, PTP_RC_ACCESS_DENIED);
	t->cam->stats.denied++;
}

static void put_garbage(struct emu_fault_state *fs, struct buf *c, size_t n)
{
	uint8_t *p = buf_grow(c, n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)rng_next(fs);
}

/* Deterministic per-frame bytes (layout choices, reserved and trailing
 * filler) that leave the garbage fault's random sequence alone. */
static uint32_t frame_hash(const struct emu_camera *cam, uint64_t n,
			   uint32_t salt)
{
	uint32_t h = (uint32_t)n * 0x9E3779B1u ^ salt * 0x85EBCA77u ^
		     cam->cfg.seed;

	h ^= h >> 15;
	h *= 0x2C1B3C6Du;
	h ^= h >> 12;
	return h;
}

static void fill(const struct emu_camera *cam, uint64_t n, uint32_t salt,
		 uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(frame_hash(cam, n, salt + (uint32_t)i) | 1);
}

/* The reserved area: non-zero bytes, with a stray FF D8 and FF D9. */
static void put_reserved(const struct emu_camera *cam, uint64_t n,
			 uint8_t *r, size_t len)
{
	fill(cam, n, 1000, r, len);
	if (len >= LV_STRAY_EOI_AT + 2 - SONY_LV_HEADER_SIZE) {
		r[LV_STRAY_SOI_AT - SONY_LV_HEADER_SIZE] = 0xFF;
		r[LV_STRAY_SOI_AT - SONY_LV_HEADER_SIZE + 1] = 0xD8;
		r[LV_STRAY_EOI_AT - SONY_LV_HEADER_SIZE] = 0xFF;
		r[LV_STRAY_EOI_AT - SONY_LV_HEADER_SIZE + 1] = 0xD9;
	}
}

/*
 * A focus-frame block in the FocalFrameInfo layout (sony/focus.c): one to
 * three AF points that wander with the frame number, Focused while the
 * body has found focus (0xD213 = 2) and NotFocused otherwise; every
 * fourth frame is version 1.01 with one detected face and an empty
 * tracking section.
 */
static void put_focus_block(struct emu_camera *cam, uint64_t n, struct buf *c)
{
	struct sony_focus_frame af[FOCUS_AF_MAX], face[1];
	struct sony_focus_section sec[SONY_FOCUS_KINDS] = {
		{ .x_den = FOCUS_DEN, .y_den = FOCUS_DEN },
		{ .x_den = FOCUS_DEN, .y_den = FOCUS_DEN, .count = 1 },
		{ .x_den = FOCUS_DEN, .y_den = FOCUS_DEN },
	};
	const struct sony_focus_frame *frames[SONY_FOCUS_KINDS] = { af, face,
								    NULL };
	const struct ptp_prop_desc *d =
		emu_model_prop(&cam->props, SONY_DPC_FOCUS_FOUND);
	bool focused = d && d->current.u == FOCUS_FOUND_OK;
	bool faces = n % FOCUS_FACE_EVERY == 0;

	sec[SONY_FOCUS_AF].count = (uint16_t)(1 + frame_hash(cam, n, 6) % FOCUS_AF_MAX);
	for (unsigned i = 0; i < sec[SONY_FOCUS_AF].count; i++)
		af[i] = (struct sony_focus_frame){
			.type = FOCUS_TYPE_WIDE,
			.state = focused ? FOCUS_STATE_FOCUSED : FOCUS_STATE_NOT,
			.priority = (uint8_t)(i + 1),
			.x = (uint32_t)((n * 7 + i * 200) % FOCUS_DEN),
			.y = (uint32_t)((n * 3 + i * 150) % FOCUS_DEN),
			.width = FOCUS_BOX,
			.height = FOCUS_BOX,
		};
	face[0] = (struct sony_focus_frame){ .type = FOCUS_FACE_DETECTED,
					     .state = FOCUS_STATE_NOT,
					     .selection = 1, .priority = 1,
					     .x = FOCUS_DEN / 2, .y = FOCUS_DEN / 3,
					     .width = 2 * FOCUS_BOX,
					     .height = 2 * FOCUS_BOX };
	sony_focus_write(c, faces ? FOCUS_VERSION_FACES : FOCUS_VERSION, sec,
			 frames);
}

/* Bytes after the JPEG: the focus-frame block (announced in the header)
 * when asked, then sometimes unannounced trailing bytes; zlp-frames adds
 * what makes the container an exact multiple of 512. */
static void put_tail(struct emu_camera *cam, uint64_t n, struct buf *c,
		     size_t start, size_t focal_at)
{
	uint8_t tail[TRAIL_MAX + FOCUS_MIN + FOCUS_SPAN];
	size_t len;

	if (cam->cfg.focus_frames) {
		size_t before = c->len;

		if (cam->cfg.focus_opaque) {
			len = FOCUS_MIN + frame_hash(cam, n, 3) % FOCUS_SPAN;
			fill(cam, n, 2000, tail, len);
			buf_put(c, tail, len);
		} else {
			put_focus_block(cam, n, c);
		}
		if (buf_status(c) == 0) {
			put_u32le(c->data + start + 8, (uint32_t)focal_at);
			put_u32le(c->data + start + 12,
				  (uint32_t)(c->len - before));
		}
	}
	if (frame_hash(cam, n, 4) % TRAIL_EVERY == 0) {
		len = 1 + frame_hash(cam, n, 5) % TRAIL_MAX;
		fill(cam, n, 3000, tail, len);
		tail[0] = 0xFF; /* a stray EOI right after the real one */
		if (len > 1)
			tail[1] = 0xD9;
		buf_put(c, tail, len);
	}
	if (cam->fs.f.zlp_frames && c->len % EMU_MAX_PACKET != 0) {
		len = EMU_MAX_PACKET - c->len % EMU_MAX_PACKET;
		fill(cam, n, 4000, tail, len < sizeof(tail) ? len : sizeof(tail));
		while (len > 0 && buf_status(c) == 0) {
			size_t k = len < sizeof(tail) ? len : sizeof(tail);

			buf_put(c, tail, k);
			len -= k;
		}
	}
}

/* Every PAD_EVERY-th frame (by hash) declares a size rounded up to a
 * multiple of PAD_ROUND, zero bytes after the EOI filling the difference,
 * as a recorded RX100M7 frame does (dossier §4.3). Returns the padding. */
static size_t put_padding(struct emu_camera *cam, uint64_t n, struct buf *c,
			  size_t start, size_t jlen)
{
	size_t pad = (PAD_ROUND - jlen % PAD_ROUND) % PAD_ROUND;
	uint8_t *p;

	if (frame_hash(cam, n, 6) % PAD_EVERY != 0 || pad == 0)
		return 0;
	p = buf_grow(c, pad);
	if (!p)
		return 0;
	memset(p, 0, pad);
	put_u32le(c->data + start + 4, (uint32_t)(jlen + pad));
	return pad;
}

/* Writes frame n's dataset into c with the dataset faults due for n. */
static void put_dataset(struct emu_camera *cam, uint64_t n,
			const struct buf *jpeg, struct buf *c)
{
	struct emu_fault_state *fs = &cam->fs;
	uint8_t reserved[LV_OFFSET_MAX - SONY_LV_HEADER_SIZE];
	uint32_t off = lv_offsets[frame_hash(cam, n, 0) % ARRAY_LEN(lv_offsets)];
	size_t start = c->len, jlen = jpeg->len, pad;
	uint8_t *hdr;

	if (due(fs->f.garbage_every, n)) {
		put_garbage(fs, c, off + jlen);
		cam->stats.faults_injected++;
		return;
	}
	put_reserved(cam, n, reserved, off - SONY_LV_HEADER_SIZE);
	if (due(fs->f.truncate_every, n)) {
		jlen = jlen * 3 / 5; /* no EOI; size matches the cut bytes */
		cam->stats.faults_injected++;
	}
	sony_liveview_write(c, off, reserved, jpeg->data, jlen);
	pad = put_padding(cam, n, c, start, jlen);
	put_tail(cam, n, c, start, off + jlen + pad);
	if (buf_status(c))
		return;
	hdr = c->data + start;
	if (due(fs->f.badsize_every, n)) {
		put_u32le(hdr + 4, (uint32_t)(jlen + BADSIZE_EXTRA));
		cam->stats.faults_injected++;
	}
	if (due(fs->f.badoffset_every, n)) {
		fs->badoffsets++;
		put_u32le(hdr, fs->badoffsets % 2
				       ? 0xFFFFFFFFu
				       : (uint32_t)(c->len - start + BADOFFSET_PAST));
		cam->stats.faults_injected++;
	}
}

/* Transport faults on the data transfer of frame n. */
static void cut_transfer(struct emu_camera *cam, uint64_t n,
			 struct emu_xfer *x)
{
	size_t half = (x->len / 2) & ~(size_t)(EMU_MAX_PACKET - 1);

	if (due(cam->fs.f.short_every, n)) {
		/* End the transfer with a short packet mid-container. */
		x->len = half + EMU_MAX_PACKET / 5 < x->len
				 ? half + EMU_MAX_PACKET / 5
				 : (x->len / 2) | 1;
		cam->stats.faults_injected++;
	}
	if (cam->fs.f.unplug_at_frame == n) {
		x->unplug_at = half > 0 ? half : x->len / 2 + 1;
		cam->stats.faults_injected++;
	}
}

static void deliver(struct emu_tx *t, uint64_t k)
{
	struct emu_camera *cam = t->cam;
	const struct emu_faults *f = &cam->fs.f;
	struct emu_render_opts o = { .big = f->big_frames };
	uint64_t n = ++cam->fs.frames;
	struct buf jpeg, c;
	struct emu_xfer *x;

	buf_init(&jpeg, CONTAINER_MAX);
	if (emu_sensor_render(cam, k, &o, &jpeg) < 0) {
		buf_finish(&jpeg);
		emu_tx_respond(t, PTP_RC_GENERAL_ERROR);
		return;
	}
	emu_tx_begin(&c);
	put_dataset(cam, n, &jpeg, &c);
	buf_finish(&jpeg);
	cam->last_dataset_len = c.len - PTP_HEADER_SIZE;
	x = emu_tx_queue_data(t, &c);
	if (x)
		cut_transfer(cam, n, x);
	emu_tx_respond(t, PTP_RC_OK);
	cam->last_seq = k;
	cam->lv_delivered = true;
	cam->stats.frames_sent++;
	cam->stats.last_frame_seq = k;
	if (f->hang_after_first && n == 1)
		cam->fs.hang_pending = true;
}

void emu_liveview_start(struct emu_camera *cam, uint64_t now)
{
	cam->lv_up_ns = now + (uint64_t)cam->cfg.warmup_ms * NS_PER_MS;
}

/* 0xD221 LiveViewStatus: 0 not (yet) up, 1 up, 2 none in this mode. */
uint8_t emu_liveview_status(const struct emu_camera *cam, uint64_t now)
{
	if (cam->fs.f.no_liveview)
		return EMU_LV_STATUS_NONE;
	if (!cam->liveview_ready || cam->fs.f.liveview_stuck ||
	    now < cam->lv_up_ns)
		return EMU_LV_STATUS_OFF;
	return EMU_LV_STATUS_ON;
}

void emu_liveview_poll(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	uint64_t k = emu_sensor_newest(cam, t->now);
	struct emu_render_opts o = { .big = cam->fs.f.big_frames };

	if (!cam->liveview_ready) {
		/* before SDIOConnect phase 3 (the real answer is unverified,
		 * dossier §7.2) */
		emu_tx_respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
		return;
	}
	if (emu_liveview_status(cam, t->now) != EMU_LV_STATUS_ON) {
		/* Warming up (or never): real bodies answer 0x2009 or
		 * AccessDenied for up to ~1-3 s after the handshake. */
		cam->stats.warmup_refusals++;
		if (cam->fs.f.warmup_denied && !cam->fs.f.no_liveview)
			deny(t);
		else
			emu_tx_respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
		return;
	}
	if (cam->fs.not_ready_left > 0) {
		cam->fs.not_ready_left--;
		cam->stats.faults_injected++;
		deny(t);
		return;
	}
	/* The sensor is exposing a still: no new frame (still.c). */
	if (cam->paused || k == 0 || k <= cam->last_seq ||
	    emu_still_withholds(cam)) {
		/* The sensor works on the next frame meanwhile. */
		if (!cam->paused)
			emu_sensor_ahead(cam, k + 1, &o);
		deny(t);
		return;
	}
	deliver(t, k);
	emu_sensor_ahead(cam, k + 1, &o);
}
