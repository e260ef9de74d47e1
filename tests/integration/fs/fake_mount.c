/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs_fake_mount: the filesystem alone, fed by a test producer instead of a
 * camera, so tests can drive frame-store states the emulated camera cannot
 * reach on demand.
 *
 *   fs_fake_mount MOUNTPOINT [-o FUSE options] [--fps N]
 *                 [--reconnect-timeout S] [--stale-frames]
 *
 * Frames are the emulated camera's own JPEGs (its moving scene, small
 * 320 x 240 frames: these tests are about store states, not sizes) with
 * the sequence number and capture time in their pixels
 * (emu_frame_marker). Stays in the foreground. Signals:
 *   SIGUSR1  store state DISCONNECTED, frames stop
 *   SIGUSR2  frames resume (state LIVE with the next frame)
 *   SIGINT/SIGTERM  unmount and exit
 */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu_internal.h"
#include "frame/frame.h"
#include "fs/fs.h"
#include "util/util.h"

#define WIDTH 320
#define HEIGHT 240
#define QUALITY 75
#define FRAME_MAX (4u * 1024 * 1024)

static atomic_bool paused;
static atomic_bool stop;

struct producer {
	struct frame_store *store;
	unsigned fps;
	struct emu_pattern *pattern;
};

static struct frame *make_frame(struct producer *p, uint64_t seq)
{
	struct buf b;
	uint8_t *data;
	size_t len;

	buf_init(&b, FRAME_MAX);
	if (emu_pattern_render(p->pattern, seq, clock_now_ns(), NULL, &b) < 0) {
		buf_finish(&b);
		return NULL;
	}
	data = buf_steal(&b, &len);
	return frame_create_take(data, data, len, NULL);
}

static void *producer_main(void *arg)
{
	struct producer *p = arg;
	uint64_t seq = 0;
	bool was_paused = false;

	while (!atomic_load(&stop)) {
		if (atomic_load(&paused)) {
			if (!was_paused)
				frame_store_set_state(p->store,
						      FRAME_STORE_DISCONNECTED,
						      "test: unplugged");
			was_paused = true;
		} else {
			struct frame *f = make_frame(p, ++seq);

			was_paused = false;
			if (f)
				frame_store_publish(p->store, f);
		}
		clock_sleep_ms(1000 / p->fps);
	}
	return NULL;
}

static void handle_usr(int sig)
{
	atomic_store(&paused, sig == SIGUSR1);
}

static int parse_args(int argc, char **argv, struct fuse_args *args,
		      struct fs_config *cfg, unsigned *fps, const char **mp)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fps") && i + 1 < argc)
			*fps = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--reconnect-timeout") && i + 1 < argc)
			cfg->reconnect_timeout_s =
				(unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--stale-frames"))
			cfg->stale_frames = true;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			fuse_opt_add_arg(args, "-o");
			fuse_opt_add_arg(args, argv[++i]);
		} else if (argv[i][0] != '-' && !*mp)
			*mp = argv[i];
		else
			return -1;
	}
	return *mp && *fps ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fs_config cfg = { .source = "test-producer" };
	static struct producer p;
	const char *mp = NULL;
	char err[ERR_DETAIL_MAX];
	pthread_t tid;
	struct fs *fs;
	int rc = 1;

	log_init();
	p.fps = 30;
	fuse_opt_add_arg(&args, argv[0]);
	/* Before the caller's -o, which may override them (libfuse keeps the
	 * last value of an option). */
	fuse_opt_add_arg(&args, "-osubtype=alphafs,fsname=alphafs:test,"
				"default_permissions");
	if (parse_args(argc, argv, &args, &cfg, &p.fps, &mp) < 0) {
		fprintf(stderr, "usage: %s MOUNTPOINT [-o opts] [--fps N] "
				"[--reconnect-timeout S] [--stale-frames]\n",
			argv[0]);
		return 2;
	}
	signal(SIGUSR1, handle_usr);
	signal(SIGUSR2, handle_usr);
	p.store = frame_store_create();
	p.pattern = emu_pattern_create(WIDTH, HEIGHT, QUALITY);
	cfg.store = p.store;
	fs = p.store && p.pattern ? fs_create(&cfg) : NULL;
	if (!fs || fs_mount(fs, &args, mp, err, sizeof(err)) < 0) {
		fprintf(stderr, "fs_fake_mount: %s\n", fs ? err : "out of memory");
		goto out;
	}
	if (thread_start(&tid, "fake-producer", producer_main, &p) < 0)
		goto out;
	rc = fs_run(fs, 0, false) < 0;
	atomic_store(&stop, true);
	fs_unmount(fs);
	pthread_join(tid, NULL);
out:
	fs_destroy(fs);
	frame_store_destroy(p.store);
	emu_pattern_destroy(p.pattern);
	fuse_opt_free_args(&args);
	return rc;
}
