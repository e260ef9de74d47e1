/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_reader: the readers of the benchmark (scripts/bench drives it).
 *
 *   bench_reader stream PATH|- [--readers N] [--slow] [--warmup F]
 *                [--frames F] [--seconds S] [--latency]
 *   bench_reader latest PATH [--readers N] [--seconds S]
 *
 * stream: N readers of PATH (stream.mjpeg; "-": one reader of standard
 * input, e.g. gphoto2 --capture-movie --stdout) and, with --slow, one more
 * that reads 4 KiB every 100 ms. Frames are cut at the JPEG's end marker
 * (an emulated frame has exactly one). When every fast reader has had F
 * warm-up frames it prints "window start"; the window ends when reader 0
 * has had --frames frames in it (or --seconds passed): "window end". Then
 * per fast reader the frames it got in the window and the range of the
 * camera's frame numbers they came from (the emulated camera's pixel
 * marker), so frames got / frames the camera made is exact; with
 * --latency, reader 0 reads every frame's marker: the time from "ready in
 * the camera" to "whole frame here" (p50, p99, max).
 *
 * latest: N copiers of latest.jpg (open, read to the end, close) for S
 * seconds after one warm-up second: whole-frame copies per second (SOI
 * and EOI checked on every copy).
 *
 * Plain "key value" lines on standard output; asserts nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emu/emu.h"
#include "util/util.h"

#define READERS_MAX 128
#define READ_SIZE (128 * 1024) /* what cat and ffmpeg ask for */
#define SLOW_READ 4096
#define SLOW_PAUSE_MS 100
#define FRAME_CAP (4u * 1024 * 1024)
#define LAT_CAP 200000
#define WARMUP_DEFAULT 30
#define FRAMES_DEFAULT 1000
#define SECONDS_DEFAULT 600
#define LATEST_WARMUP_MS 1000
#define COORD_POLL_MS 2
#define NS_PER_MS 1000000.0

struct reader {
	pthread_t tid;
	unsigned id;
	int fd;
	bool slow, latency;
	uint8_t *buf;
	size_t have, scanned;
	atomic_uint_fast64_t seen; /* frames since the start */
	atomic_uint_fast64_t counted; /* frames in the window (coordinator) */
	atomic_bool done;
	/* in the window, the reader's own */
	uint64_t frames, first_seq, last_seq, bytes, bad;
	uint64_t *lat;
	size_t nlat;
};

static atomic_int phase; /* 0 warm-up, 1 window, 2 stop */
static uint64_t window_ns[2];

static bool stopping(void)
{
	return atomic_load(&phase) == 2;
}

/* A whole frame of len bytes at the start of r->buf, received at now. */
static void frame_done(struct reader *r, size_t len, uint64_t now)
{
	uint64_t seq = 0, t = 0;
	bool measure = atomic_load(&phase) == 1;
	bool need = r->latency || r->frames == 0 || measure;

	atomic_fetch_add(&r->seen, 1);
	if (!measure)
		return;
	if (need && emu_frame_marker(r->buf, len, &seq, &t) < 0) {
		r->bad++;
		return;
	}
	if (r->frames == 0)
		r->first_seq = seq;
	r->last_seq = seq;
	r->frames++;
	atomic_fetch_add(&r->counted, 1);
	if (r->latency && t <= now && r->nlat < LAT_CAP)
		r->lat[r->nlat++] = now - t;
}

/* Cuts the frames out of what was read: each ends at FF D9. */
static void take_frames(struct reader *r, uint64_t now)
{
	while (r->have >= 2) {
		uint8_t *e = NULL;

		for (size_t i = r->scanned ? r->scanned - 1 : 0; i + 1 < r->have; i++)
			if (r->buf[i] == 0xFF && r->buf[i + 1] == 0xD9) {
				e = r->buf + i;
				break;
			}
		if (!e) {
			r->scanned = r->have;
			return;
		}
		size_t len = (size_t)(e - r->buf) + 2;

		frame_done(r, len, now);
		memmove(r->buf, r->buf + len, r->have - len);
		r->have -= len;
		r->scanned = 0;
	}
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	while (!stopping()) {
		size_t want = r->slow ? SLOW_READ : READ_SIZE;
		ssize_t n;

		if (r->have + want > FRAME_CAP) {
			r->have = r->scanned = 0;
			r->bad++;
		}
		n = read(r->fd, r->buf + r->have, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r->have += (size_t)n;
		r->bytes += (uint64_t)n;
		take_frames(r, clock_now_ns());
		if (r->slow)
			clock_sleep_ms(SLOW_PAUSE_MS);
	}
	atomic_store(&r->done, true);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n ? (double)v[i] / NS_PER_MS : 0.0;
}

struct opts {
	const char *mode, *path;
	unsigned readers, warmup, frames, seconds;
	bool slow, latency;
};

/* Waits for the warm-up, then the window; prints both edges. */
static void coordinate(struct reader *rs, unsigned fast, const struct opts *o)
{
	uint64_t end = clock_now_ns() + (uint64_t)o->seconds * 1000000000u;

	for (;;) {
		bool warm = true, dead = false;

		for (unsigned i = 0; i < fast; i++) {
			warm &= atomic_load(&rs[i].seen) >= o->warmup;
			dead |= atomic_load(&rs[i].done);
		}
		if (warm || dead || clock_now_ns() > end)
			break;
		clock_sleep_ms(COORD_POLL_MS);
	}
	window_ns[0] = clock_now_ns();
	atomic_store(&phase, 1);
	printf("window start\n");
	fflush(stdout);
	while (atomic_load(&rs[0].counted) < o->frames &&
	       !atomic_load(&rs[0].done) && clock_now_ns() < end)
		clock_sleep_ms(COORD_POLL_MS);
	window_ns[1] = clock_now_ns();
	atomic_store(&phase, 2);
	printf("window end\n");
	fflush(stdout);
}

static void report(struct reader *rs, unsigned fast, unsigned total)
{
	double secs = (double)(window_ns[1] - window_ns[0]) / 1e9;
	struct reader *r0 = &rs[0];

	printf("window_s %.3f\n", secs);
	printf("fps %.2f\n", secs > 0 ? (double)r0->frames / secs : 0.0);
	for (unsigned i = 0; i < total; i++) {
		struct reader *r = &rs[i];

		printf("reader %u %s frames %" PRIu64 " camera_frames %" PRIu64
		       " bytes %" PRIu64 " bad %" PRIu64 "\n",
		       i, i < fast ? "fast" : "slow", r->frames,
		       r->frames ? r->last_seq - r->first_seq + 1 : 0, r->bytes,
		       r->bad);
	}
	if (r0->nlat) {
		qsort(r0->lat, r0->nlat, sizeof(*r0->lat), cmp_u64);
		printf("latency_ms n %zu p50 %.3f p99 %.3f max %.3f\n", r0->nlat,
		       pct_ms(r0->lat, r0->nlat, 0.50),
		       pct_ms(r0->lat, r0->nlat, 0.99),
		       (double)r0->lat[r0->nlat - 1] / NS_PER_MS);
	}
}

static int run_stream(const struct opts *o)
{
	unsigned fast = o->readers, total = fast + (o->slow ? 1 : 0);
	struct reader *rs = mem_calloc(total, sizeof(*rs));

	if (!rs)
		return 1;
	for (unsigned i = 0; i < total; i++) {
		struct reader *r = &rs[i];

		r->id = i;
		r->slow = i >= fast;
		r->latency = i == 0 && o->latency;
		r->fd = strcmp(o->path, "-") ? open(o->path, O_RDONLY) : 0;
		r->buf = mem_alloc(FRAME_CAP);
		r->lat = r->latency ? mem_calloc(LAT_CAP, sizeof(uint64_t)) : NULL;
		if (r->fd < 0 || !r->buf || (r->latency && !r->lat)) {
			fprintf(stderr, "bench_reader: %s: %s\n", o->path,
				strerror(errno));
			return 1;
		}
		if (pthread_create(&r->tid, NULL, reader_main, r) != 0)
			return 1;
	}
	coordinate(rs, fast, o);
	/* A reader blocked in read wakes with the next frame (or EOF). */
	for (unsigned i = 0; i < total; i++)
		pthread_join(rs[i].tid, NULL);
	report(rs, fast, total);
	for (unsigned i = 0; i < total; i++) {
		if (rs[i].fd > 0)
			close(rs[i].fd);
		mem_free(rs[i].buf);
		mem_free(rs[i].lat);
	}
	mem_free(rs);
	return 0;
}

/* ---- latest.jpg copiers ------------------------------------------------ */

struct copier {
	pthread_t tid;
	const char *path;
	uint8_t *buf;
	uint64_t copies, bad;
};

static void *copier_main(void *arg)
{
	struct copier *c = arg;

	while (!stopping()) {
		int fd = open(c->path, O_RDONLY);
		size_t have = 0;
		ssize_t n;

		if (fd < 0) {
			c->bad++;
			clock_sleep_ms(COORD_POLL_MS);
			continue;
		}
		while ((n = read(fd, c->buf + have, FRAME_CAP - have)) > 0)
			have += (size_t)n;
		close(fd);
		if (atomic_load(&phase) != 1)
			continue;
		if (have >= 4 && c->buf[0] == 0xFF && c->buf[1] == 0xD8 &&
		    c->buf[have - 2] == 0xFF && c->buf[have - 1] == 0xD9)
			c->copies++;
		else
			c->bad++;
	}
	return NULL;
}

static int run_latest(const struct opts *o)
{
	struct copier *cs = mem_calloc(o->readers, sizeof(*cs));
	uint64_t copies = 0, bad = 0;
	double secs;

	if (!cs)
		return 1;
	for (unsigned i = 0; i < o->readers; i++) {
		cs[i].path = o->path;
		cs[i].buf = mem_alloc(FRAME_CAP);
		if (!cs[i].buf ||
		    pthread_create(&cs[i].tid, NULL, copier_main, &cs[i]) != 0)
			return 1;
	}
	clock_sleep_ms(LATEST_WARMUP_MS);
	window_ns[0] = clock_now_ns();
	atomic_store(&phase, 1);
	printf("window start\n");
	fflush(stdout);
	clock_sleep_ms((uint64_t)o->seconds * 1000u);
	window_ns[1] = clock_now_ns();
	atomic_store(&phase, 2);
	printf("window end\n");
	fflush(stdout);
	for (unsigned i = 0; i < o->readers; i++) {
		pthread_join(cs[i].tid, NULL);
		copies += cs[i].copies;
		bad += cs[i].bad;
		mem_free(cs[i].buf);
	}
	secs = (double)(window_ns[1] - window_ns[0]) / 1e9;
	printf("window_s %.3f\n", secs);
	printf("copies %" PRIu64 " bad %" PRIu64 " copies_per_s %.1f\n", copies,
	       bad, (double)copies / secs);
	mem_free(cs);
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: bench_reader stream PATH|- [--readers N] [--slow] "
		"[--warmup F] [--frames F] [--seconds S] [--latency]\n"
		"       bench_reader latest PATH [--readers N] [--seconds S]\n");
	return 2;
}

static bool parse_u(const char *s, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || *end || errno || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

int main(int argc, char **argv)
{
	struct opts o = { .readers = 1, .warmup = WARMUP_DEFAULT,
			  .frames = FRAMES_DEFAULT, .seconds = SECONDS_DEFAULT };

	log_init();
	if (argc < 3)
		return usage();
	o.mode = argv[1];
	o.path = argv[2];
	for (int i = 3; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		bool ok = true;

		if (!strcmp(a, "--slow"))
			o.slow = true;
		else if (!strcmp(a, "--latency"))
			o.latency = true;
		else if (!strcmp(a, "--readers") && ++i)
			ok = parse_u(v, READERS_MAX, &o.readers) && o.readers;
		else if (!strcmp(a, "--warmup") && ++i)
			ok = parse_u(v, 100000, &o.warmup);
		else if (!strcmp(a, "--frames") && ++i)
			ok = parse_u(v, LAT_CAP, &o.frames) && o.frames;
		else if (!strcmp(a, "--seconds") && ++i)
			ok = parse_u(v, 86400, &o.seconds) && o.seconds;
		else
			ok = false;
		if (!ok)
			return usage();
	}
	if (!strcmp(o.mode, "stream")) {
		if (!strcmp(o.path, "-") && (o.readers != 1 || o.slow))
			return usage();
		return run_stream(&o);
	}
	if (!strcmp(o.mode, "latest"))
		return run_latest(&o);
	return usage();
}
