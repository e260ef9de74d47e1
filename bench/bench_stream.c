/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench_stream: frames per second and latency through a real mount.
 *
 * Mounts `mount.alphafs emulate` on a temporary directory (in the
 * foreground, as a child), then for 1 and 4 concurrent readers of
 * live/stream.mjpeg reads for a fixed time and reports, per run, the frames
 * per second each reader got and the latency from "frame complete in the
 * camera" (the capture time in the emulated frame's pixel marker) to "whole
 * frame read by the reader" (p50, p99, max). Prints figures; asserts
 * nothing.
 *
 *   bench_stream [PATH-TO-mount.alphafs] [SECONDS]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/emu.h"
#include "util/util.h"

#ifndef MOUNT_ALPHAFS_PATH
#define MOUNT_ALPHAFS_PATH "mount.alphafs"
#endif

#define RUN_SECONDS_DEFAULT 5
#define MAX_READERS 4
#define READ_SIZE (128 * 1024)	 /* what cat and ffmpeg ask for */
#define FRAME_CAP (1024 * 1024)	 /* emulated frames are tens of KB */
#define LAT_CAP 100000		 /* samples per reader */
#define MOUNT_WAIT_MS 30000
#define POLL_MS 20
#define NS_PER_MS 1000000.0

struct reader {
	pthread_t tid;
	const char *path;
	uint64_t until_ns;
	uint64_t frames, bytes, bad;
	uint64_t first_ns, last_ns;
	uint64_t *lat;
	size_t nlat;
	uint8_t *buf;
};

/* Length of the whole JPEG at the start of buf, 0 if not complete yet, or
 * SIZE_MAX if buf does not start with one. Walks marker segments, then the
 * entropy-coded data up to EOI. */
static size_t jpeg_whole_len(const uint8_t *b, size_t n)
{
	size_t i = 2;

	if (n < 2)
		return 0;
	if (b[0] != 0xFF || b[1] != 0xD8)
		return SIZE_MAX;
	while (i + 4 <= n) {
		uint8_t m = b[i + 1];

		if (b[i] != 0xFF)
			return SIZE_MAX;
		if (m == 0xD9)
			return i + 2;
		i += 2 + ((size_t)b[i + 2] << 8 | b[i + 3]);
		if (m != 0xDA)
			continue;
		for (; i + 1 < n; i++)
			if (b[i] == 0xFF && b[i + 1] != 0 &&
			    (b[i + 1] < 0xD0 || b[i + 1] > 0xD7))
				break;
	}
	if (i + 2 <= n && b[i] == 0xFF && b[i + 1] == 0xD9)
		return i + 2;
	return 0;
}

static void frame_done(struct reader *r, size_t len)
{
	uint64_t seq, t, now = clock_now_ns();

	r->frames++;
	if (!r->first_ns)
		r->first_ns = now;
	r->last_ns = now;
	if (emu_frame_marker(r->buf, len, &seq, &t) == 0 && t <= now &&
	    r->nlat < LAT_CAP)
		r->lat[r->nlat++] = now - t;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	size_t have = 0;
	int fd = open(r->path, O_RDONLY);

	if (fd < 0)
		return NULL;
	while (clock_now_ns() < r->until_ns) {
		ssize_t n;
		size_t len;

		if (have + READ_SIZE > FRAME_CAP) {
			have = 0;
			r->bad++;
		}
		n = read(fd, r->buf + have, READ_SIZE);
		if (n <= 0)
			break;
		have += (size_t)n;
		r->bytes += (uint64_t)n;
		while ((len = jpeg_whole_len(r->buf, have)) != 0) {
			if (len == SIZE_MAX) {
				r->bad++;
				have = 0;
				break;
			}
			frame_done(r, len);
			memmove(r->buf, r->buf + len, have - len);
			have -= len;
		}
	}
	close(fd);
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

static void report(struct reader *rs, unsigned n, unsigned secs)
{
	uint64_t *all = mem_calloc(LAT_CAP * MAX_READERS, sizeof(uint64_t));
	size_t nall = 0;

	for (unsigned i = 0; i < n; i++) {
		struct reader *r = &rs[i];
		double span = (double)(r->last_ns - r->first_ns) / 1e9;

		printf("  reader %u: %" PRIu64 " frames, %.1f fps, %.1f MB/s%s\n",
		       i, r->frames,
		       span > 0 ? (double)(r->frames - 1) / span : 0.0,
		       (double)r->bytes / 1e6 / secs,
		       r->bad ? " (MALFORMED DATA SEEN)" : "");
		if (all)
			for (size_t j = 0; j < r->nlat; j++)
				all[nall++] = r->lat[j];
	}
	if (!all)
		return;
	qsort(all, nall, sizeof(*all), cmp_u64);
	printf("  latency camera->reader over %zu frames: p50 %.2f ms, "
	       "p99 %.2f ms, max %.2f ms\n",
	       nall, pct_ms(all, nall, 0.50), pct_ms(all, nall, 0.99),
	       nall ? (double)all[nall - 1] / NS_PER_MS : 0.0);
	mem_free(all);
}

static void run(const char *path, unsigned n, unsigned secs)
{
	struct reader rs[MAX_READERS];
	uint64_t until = clock_now_ns() + (uint64_t)secs * 1000000000u;

	memset(rs, 0, sizeof(rs));
	printf("%u reader%s, %u s:\n", n, n > 1 ? "s" : "", secs);
	for (unsigned i = 0; i < n; i++) {
		rs[i].path = path;
		rs[i].until_ns = until;
		rs[i].lat = mem_calloc(LAT_CAP, sizeof(uint64_t));
		rs[i].buf = mem_alloc(FRAME_CAP);
		if (!rs[i].lat || !rs[i].buf ||
		    pthread_create(&rs[i].tid, NULL, reader_main, &rs[i]))
			rs[i].until_ns = 0;
	}
	for (unsigned i = 0; i < n; i++)
		if (rs[i].until_ns)
			pthread_join(rs[i].tid, NULL);
	report(rs, n, secs);
	for (unsigned i = 0; i < n; i++) {
		mem_free(rs[i].lat);
		mem_free(rs[i].buf);
	}
}

static bool wait_mounted(const char *file, pid_t child)
{
	uint64_t end = clock_now_ms() + MOUNT_WAIT_MS;
	struct stat st;

	while (clock_now_ms() < end) {
		if (stat(file, &st) == 0)
			return true;
		if (waitpid(child, NULL, WNOHANG) == child)
			return false;
		clock_sleep_ms(POLL_MS);
	}
	return false;
}

int main(int argc, char **argv)
{
	const char *prog = argc > 1 ? argv[1] : MOUNT_ALPHAFS_PATH;
	unsigned secs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10)
				 : RUN_SECONDS_DEFAULT;
	char dir[] = "/tmp/alphafs-bench-XXXXXX", file[sizeof(dir) + 64];
	pid_t child, um;

	log_init();
	if (!mkdtemp(dir))
		return 1;
	snprintf(file, sizeof(file), "%s/live/stream.mjpeg", dir);
	child = fork();
	if (child == 0) {
		execl(prog, prog, "emulate", dir, "-f", (char *)NULL);
		_exit(127);
	}
	if (child < 0 || !wait_mounted(file, child)) {
		fprintf(stderr, "bench_stream: could not mount %s on %s\n",
			prog, dir);
		rmdir(dir);
		return 1;
	}
	printf("stream.mjpeg through the mount, emulated camera (default "
	       "30 fps, 640x424)\n");
	run(file, 1, secs);
	run(file, MAX_READERS, secs);
	um = fork();
	if (um == 0) {
		execlp("fusermount3", "fusermount3", "-u", dir, (char *)NULL);
		_exit(127);
	}
	if (um > 0)
		waitpid(um, NULL, 0);
	waitpid(child, NULL, 0);
	rmdir(dir);
	return 0;
}
