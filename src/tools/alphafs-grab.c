/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * alphafs-grab: connect to a camera (or the built-in emulated one), run the
 * PTP session and the Sony handshake, and write N whole live-view frames to
 * files or to stdout as MJPEG. A diagnostic and scripting companion to the
 * filesystem: the same camera owner and frame store, no FUSE.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camera/camera.h"
#include "frame/frame.h"
#include "tools/tools.h"
#include "util/util.h"

#define DEFAULT_FRAMES 10
#define DEFAULT_TIMEOUT_S 10
#define MAX_FRAMES 100000000u

/* One table drives getopt_long and --help. */
static const struct tool_opt opt_docs[] = {
	{ "frames", required_argument, 'n', "N", "frames to write (default 10)" },
	{ "output", required_argument, 'o', "DIR|-",
	  "DIR/frame-NNNNNN.jpg files, or MJPEG on stdout for -" },
	{ "timeout", required_argument, 't', "S",
	  "give up after S seconds without a new frame (10)" },
	{ "info", no_argument, 'i', NULL, "print the camera's identity first" },
	{ "fault", required_argument, 'F', "SPEC",
	  "emulated faults (alphafs-emulator --list-faults)" },
	{ "debug", optional_argument, 'd', "SPEC",
	  "log to stderr: debug, or areas as in usb,ptp:debug" },
	{ "help", no_argument, 'h', NULL, "show this help" },
	{ "version", no_argument, 'V', NULL, "show the version" },
};

struct grab {
	const char *source;
	unsigned long frames;
	const char *output;
	unsigned timeout_s;
	bool info;
	const char *fault;
	struct frame_store *store;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void usage(FILE *f)
{
	tool_help(f,
		  "Usage: alphafs-grab [OPTIONS] [SOURCE]\n"
		  "Write whole live-view frames from a Sony camera in PC Remote mode\n"
		  "(default: 10 frames as ./frame-NNNNNN.jpg).\n"
		  "SOURCE: " TOOL_SOURCE_SYNTAX_LIVE " (default: first camera)\n\n",
		  opt_docs, ARRAY_LEN(opt_docs),
		  "\nExit status: 0 all frames written, 1 camera or I/O error, 2 usage error.\n");
}

static int parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct grab *g)
{
	struct tool_getopt tg;
	unsigned long v;
	int c;

	tool_getopt_init(&tg, opt_docs, ARRAY_LEN(opt_docs), "");
	while ((c = tool_getopt(&tg, argc, argv)) != -1) {
		switch (c) {
		case 'n':
			if (parse_count(optarg, MAX_FRAMES, &g->frames) < 0) {
				fprintf(stderr, "alphafs-grab: --frames wants 1..%u, not '%s'\n",
					MAX_FRAMES, optarg);
				return 2;
			}
			break;
		case 'o':
			g->output = optarg;
			break;
		case 't':
			if (parse_count(optarg, 3600, &v) < 0) {
				fprintf(stderr, "alphafs-grab: --timeout wants 1..3600 seconds, not '%s'\n",
					optarg);
				return 2;
			}
			g->timeout_s = (unsigned)v;
			break;
		case 'i':
			g->info = true;
			break;
		case 'F':
			g->fault = optarg;
			break;
		case 'd':
			if (log_configure(optarg ? optarg : "debug") < 0) {
				fprintf(stderr, "alphafs-grab: bad --debug spec '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			tool_print_version("alphafs-grab");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		g->source = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "alphafs-grab: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return -1;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int save_frame(const struct grab *g, const struct frame *f,
		      unsigned long index)
{
	char path[PATH_MAX];
	int fd, rc;

	if (strcmp(g->output, "-") == 0)
		return write_all(STDOUT_FILENO, f->jpeg, f->len);
	snprintf(path, sizeof(path), "%s/frame-%06lu.jpg", g->output, index);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "alphafs-grab: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = write_all(fd, f->jpeg, f->len);
	if (close(fd) < 0)
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "alphafs-grab: writing %s: %s\n", path, strerror(errno));
	return rc;
}

static void handle_store_change(void *arg)
{
	struct grab *g = arg;

	pthread_mutex_lock(&g->lock);
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static void print_info(struct camera *cam)
{
	struct camera_info ci;

	if (camera_get_info(cam, &ci) < 0)
		return;
	fprintf(stderr, "camera: %s %s, serial %s, firmware %s, %s (0x%x v%u), Sony protocol 0x%04x, %s\n",
		ci.manufacturer, ci.model, ci.serial, ci.device_version,
		ci.vendor_ext_desc, ci.vendor_ext_id, ci.vendor_ext_version,
		ci.sony_protocol, ci.port);
	camera_info_finish(&ci);
}

/* Waits for a frame newer than *seq; NULL on timeout, stop or shutdown. */
static struct frame *next_frame(struct grab *g, uint64_t seq)
{
	uint64_t deadline = clock_now_ms() + (uint64_t)g->timeout_s * 1000;
	struct frame *f;

	pthread_mutex_lock(&g->lock);
	while (!tool_stop_requested()) {
		f = frame_store_newer(g->store, seq);
		if (f || frame_store_get_state(g->store, NULL, 0) == FRAME_STORE_CLOSED ||
		    clock_now_ms() >= deadline) {
			pthread_mutex_unlock(&g->lock);
			return f;
		}
		{
			struct timespec ts;

			/* Short waits so a signal or the deadline is seen. */
			clock_deadline(&ts, 200);
			pthread_cond_timedwait(&g->cond, &g->lock, &ts);
		}
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static void print_summary(struct grab *g, unsigned long written, uint64_t t0)
{
	struct frame_store_stats st;
	double secs = (double)(clock_now_ns() - t0) / 1e9;

	frame_store_get_stats(g->store, &st);
	fprintf(stderr, "alphafs-grab: %lu frames written in %.2f s (%.1f fps); %" PRIu64
		" captured, %" PRIu64 " rejected",
		written, secs, secs > 0 ? written / secs : 0.0, st.published,
		st.rejected_total);
	for (int r = 0; r < FRAME_REJECT_COUNT; r++)
		if (st.rejected[r])
			fprintf(stderr, " %s=%" PRIu64, frame_reject_name((enum frame_reject)r),
				st.rejected[r]);
	fputc('\n', stderr);
}

static int grab_frames(struct grab *g, struct camera *cam)
{
	unsigned long written = 0;
	uint64_t seq = 0, t0 = clock_now_ns();
	struct frame *f;
	int rc = 0;

	while (written < g->frames && (f = next_frame(g, seq)) != NULL) {
		seq = f->seq;
		rc = save_frame(g, f, written + 1);
		frame_unref(f);
		if (rc < 0)
			break;
		written++;
	}
	print_summary(g, written, t0);
	if (rc == 0 && written < g->frames) {
		struct camera_status cs;

		camera_get_status(cam, &cs);
		fprintf(stderr, "alphafs-grab: %s after %lu of %lu frames%s%s\n",
			tool_stop_requested() ? "interrupted" : "no new frame in time",
			written, g->frames, cs.why[0] ? ": " : "", cs.why);
		rc = -1;
	}
	return rc;
}

static int run(struct grab *g)
{
	struct tool_source src;
	struct ptp_transport_opener open;
	struct camera_options opt;
	struct camera *cam = NULL;
	char err[512];
	int id = -1, rc = 1;

	if (tool_source_parse(g->source, &src, err, sizeof(err)) < 0) {
		fprintf(stderr, "alphafs-grab: %s\n", err);
		return 2;
	}
	/* A replay plays as fast as it is asked: without a reader pacing it
	 * (mount.alphafs does) grab would skip most of its frames. */
	if (src.kind == TOOL_SOURCE_REPLAY) {
		fprintf(stderr, "alphafs-grab: replay=CAPTURE is for mount.alphafs; "
				"alphafs-extract writes a capture's frames\n");
		return 2;
	}
	if (g->fault && src.kind == TOOL_SOURCE_EMULATE &&
	    emu_fault_parse(g->fault, &src.emu.faults, err, sizeof(err)) < 0) {
		fprintf(stderr, "alphafs-grab: --fault: %s\n", err);
		return 2;
	}
	camera_options_default(&opt);
	if (tool_source_opener(&src, &open, err, sizeof(err)) < 0) {
		fprintf(stderr, "alphafs-grab: %s\n", err);
		goto out;
	}
	g->store = frame_store_create();
	if (!g->store)
		goto out;
	id = frame_store_add_listener(g->store, handle_store_change, g);
	cam = id >= 0 ? camera_create(&open, &opt, g->store) : NULL;
	if (!cam) {
		fprintf(stderr, "alphafs-grab: out of memory\n");
		goto out;
	}
	if (camera_start(cam, err, sizeof(err)) < 0) {
		fprintf(stderr, "alphafs-grab: %s\n", err);
		goto out;
	}
	if (g->info)
		print_info(cam);
	rc = grab_frames(g, cam) < 0 ? 1 : 0;
	camera_stop(cam);
out:
	camera_destroy(cam);
	tool_source_finish(&src);
	if (id >= 0)
		frame_store_remove_listener(g->store, id);
	frame_store_destroy(g->store);
	return rc;
}

int main(int argc, char **argv)
{
	struct grab g = { .frames = DEFAULT_FRAMES, .output = ".",
			  .timeout_s = DEFAULT_TIMEOUT_S };
	struct stat st;
	int rc;

	log_init();
	rc = parse_args(argc, argv, &g);
	if (rc >= 0)
		return rc;
	if (strcmp(g.output, "-") != 0 && (stat(g.output, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "alphafs-grab: --output %s: not a directory\n", g.output);
		return 2;
	}
	if (strcmp(g.output, "-") == 0 && isatty(STDOUT_FILENO)) {
		fprintf(stderr, "alphafs-grab: refusing to write JPEG data to a terminal; redirect stdout\n");
		return 2;
	}
	tool_stop_on_signals();
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&g.lock, NULL);
	clock_cond_init(&g.cond);
	rc = run(&g);
	pthread_cond_destroy(&g.cond);
	pthread_mutex_destroy(&g.lock);
	return rc;
}
