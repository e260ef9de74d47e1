/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_emu_frames: what the emulated camera's live view looks like on the
 * wire, and what it costs to make. Drives the emulated ILCE-6300 in memory
 * (its own clock stepped one frame period per poll), runs the handshake,
 * waits out the warm-up, then fetches N live-view datasets and prints the
 * JPEG sizes (min, median, p90, max), how many distinct JPEG offsets and
 * how many datasets with bytes after the JPEG were seen, and the time the
 * camera spent producing a frame (render + encode + framing). Prints
 * figures; asserts nothing.
 *
 *   bench_emu_frames [FRAMES] [WIDTHxHEIGHT] [QUALITY]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu.h"
#include "ptp/ptp.h"
#include "sony/sony.h"
#include "util/util.h"

#define FRAMES_DEFAULT 300
#define FRAMES_MAX 100000
#define OFFSETS_MAX 16
#define NS_PER_MS 1000000ull

static uint64_t fake_ns = 1000000000ull;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_ns;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void note_offset(uint32_t off, uint32_t *seen, unsigned *n)
{
	for (unsigned i = 0; i < *n; i++)
		if (seen[i] == off)
			return;
	if (*n < OFFSETS_MAX)
		seen[(*n)++] = off;
}

static int parse_args(int argc, char **argv, unsigned *frames,
		      struct emu_config *cfg)
{
	char *end;

	if (argc > 1) {
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end || v == 0 || v > FRAMES_MAX)
			return -1;
		*frames = (unsigned)v;
	}
	if (argc > 2) {
		unsigned long w = strtoul(argv[2], &end, 10), h;

		if (*end != 'x')
			return -1;
		h = strtoul(end + 1, &end, 10);
		if (*end || w > UINT16_MAX || h > UINT16_MAX)
			return -1;
		cfg->width = (unsigned)w;
		cfg->height = (unsigned)h;
	}
	if (argc > 3) {
		unsigned long q = strtoul(argv[3], &end, 10);

		if (*end || q == 0 || q > 100)
			return -1;
		cfg->jpeg_quality = (unsigned)q;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct emu_config cfg;
	struct emu_camera *cam;
	struct ptp_transport *t;
	struct ptp_session s;
	struct sony_ext_info ext;
	unsigned frames = FRAMES_DEFAULT, got = 0, noffsets = 0, trailing = 0;
	uint32_t offsets[OFFSETS_MAX];
	size_t *sizes;
	uint64_t spent = 0, period;

	emu_config_default(&cfg);
	if (parse_args(argc, argv, &frames, &cfg) < 0) {
		fprintf(stderr, "usage: bench_emu_frames [FRAMES] [WxH] [QUALITY]\n");
		return 2;
	}
	cam = emu_camera_create(&cfg);
	sizes = calloc(frames, sizeof(*sizes));
	if (!cam || !sizes) {
		fprintf(stderr, "bench_emu_frames: cannot create the camera\n");
		return 1;
	}
	emu_camera_set_clock(cam, fake_clock, NULL);
	t = emu_memusb_create(cam);
	ptp_session_init(&s, t);
	if (ptp_open_session(&s, 1) < 0 || sony_handshake(&s, &ext) < 0) {
		fprintf(stderr, "bench_emu_frames: handshake failed: %s\n", s.err.msg);
		return 1;
	}
	sony_ext_info_finish(&ext);
	period = 1000000000ull / cfg.fps;
	fake_ns += (uint64_t)cfg.warmup_ms * NS_PER_MS;
	for (unsigned i = 0; i < frames * 2 && got < frames; i++) {
		struct ptp_response resp;
		struct sony_liveview lv;
		uint64_t t0;
		int why;

		fake_ns += period;
		t0 = clock_now_ns();
		if (ptp_get_object(&s, SONY_HANDLE_LIVEVIEW, &resp) == 0 &&
		    sony_liveview_parse(resp.data, resp.data_len, &lv, &why) == 0) {
			spent += clock_now_ns() - t0;
			sizes[got++] = lv.jpeg_len;
			note_offset(lv.image_offset, offsets, &noffsets);
			if (resp.data_len > (size_t)lv.image_offset + lv.image_size)
				trailing++;
		}
		ptp_response_finish(&resp);
	}
	if (got == 0) {
		fprintf(stderr, "bench_emu_frames: no frame\n");
		return 1;
	}
	qsort(sizes, got, sizeof(*sizes), cmp_size);
	printf("frames %u at %ux%u quality %u\n", got, cfg.width, cfg.height,
	       cfg.jpeg_quality);
	printf("jpeg KB: min %.1f median %.1f p90 %.1f max %.1f\n",
	       sizes[0] / 1024.0, sizes[got / 2] / 1024.0,
	       sizes[got * 9 / 10] / 1024.0, sizes[got - 1] / 1024.0);
	printf("distinct jpeg offsets: %u; datasets with bytes after the jpeg: %u\n",
	       noffsets, trailing);
	printf("camera time per frame (render, encode, transfer): %.2f ms\n",
	       (double)spent / got / NS_PER_MS);
	ptp_session_finish(&s);
	ptp_transport_destroy(t);
	emu_camera_destroy(cam);
	free(sizes);
	return 0;
}
