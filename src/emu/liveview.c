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

#define LV_OFFSET 0x80		/* JPEG offset in the dataset (dossier §4.3) */
#define LV_STRAY_SOI_AT 32	/* A7R II quirk, gp#389: FF D8 before the JPEG */
#define BADSIZE_EXTRA 4096	/* badsize-every: size runs this far past */
#define BADOFFSET_PAST 0x100	/* badoffset-every: offset this far past */
#define RNG_DEFAULT_SEED 0x2545F491u
#define CONTAINER_MAX (PTP_DATA_MAX)

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

/* Writes frame n's dataset into c with the dataset faults due for n. */
static void put_dataset(struct emu_camera *cam, uint64_t n,
			const struct buf *jpeg, struct buf *c)
{
	struct emu_fault_state *fs = &cam->fs;
	uint8_t reserved[LV_OFFSET - SONY_LV_HEADER_SIZE] = { 0 };
	size_t start = c->len, jlen = jpeg->len;
	uint8_t *hdr;

	if (due(fs->f.garbage_every, n)) {
		put_garbage(fs, c, LV_OFFSET + jlen);
		cam->stats.faults_injected++;
		return;
	}
	reserved[LV_STRAY_SOI_AT - SONY_LV_HEADER_SIZE] = 0xFF;
	reserved[LV_STRAY_SOI_AT - SONY_LV_HEADER_SIZE + 1] = 0xD8;
	if (due(fs->f.truncate_every, n)) {
		jlen = jlen * 3 / 5; /* no EOI; size matches the cut bytes */
		cam->stats.faults_injected++;
	}
	sony_liveview_write(c, LV_OFFSET, reserved, jpeg->data, jlen);
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
	struct emu_render_opts o = {
		.align = f->zlp_frames ? EMU_MAX_PACKET : 0,
		.lead = PTP_HEADER_SIZE + LV_OFFSET,
		.big = f->big_frames,
	};
	uint64_t n = ++cam->fs.frames;
	struct buf jpeg, c;
	struct emu_xfer *x;

	buf_init(&jpeg, CONTAINER_MAX);
	if (emu_pattern_render(cam->pattern, k, cam->t0_ns + k * cam->period_ns,
			       &o, &jpeg) < 0) {
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
	cam->stats.frames_sent++;
	cam->stats.last_frame_seq = k;
	if (f->hang_after_first && n == 1)
		cam->fs.hang_pending = true;
}

static uint64_t newest_frame(const struct emu_camera *cam, uint64_t now)
{
	return now > cam->t0_ns ? (now - cam->t0_ns) / cam->period_ns : 0;
}

void emu_liveview_poll(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	uint64_t k = newest_frame(cam, t->now);

	if (!cam->liveview_ready) {
		/* before SDIOConnect phase 3 (the real answer is unverified,
		 * dossier §7.2) */
		emu_tx_respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
		return;
	}
	if (cam->fs.not_ready_left > 0) {
		cam->fs.not_ready_left--;
		cam->stats.faults_injected++;
		deny(t);
		return;
	}
	if (cam->paused || k == 0 || k <= cam->last_seq) {
		deny(t);
		return;
	}
	deliver(t, k);
}
