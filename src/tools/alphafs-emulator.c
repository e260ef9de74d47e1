/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * alphafs-emulator: runs a command against the emulated ILCE-6300 as a real
 * USB device (umockdev), so that any program (the alphafs daemon in the
 * foreground, gphoto2, lsusb, a test) reaches it through the real libusb.
 *
 * This file reads the options, makes sure the umockdev preload is in
 * place, and sets up the camera (emu/) and its USB device (usbdev/); the
 * command's supervision and the control FIFO are the launcher's
 * (src/launcher/).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "emu/emu.h"
#include "launcher/launcher.h"
#include "tools/tools.h"
#include "usbdev/usbdev.h"

#define PRELOAD_LIB "libumockdev-preload.so.0"
#define PRELOAD_MARK "libumockdev-preload"
#define REEXEC_ENV "ALPHAFS_EMULATOR_REEXEC"
#define EXIT_USAGE 2
#define EXIT_SETUP LAUNCHER_EXIT_SETUP
#define EMULATOR_THREAD_NAME "alphafs-emu"
#define DEFAULT_SERIAL "00000000000000000000000000000000"
#define PATH_MAX_LEN 4096

enum {
	OPT_LIST_FAULTS = 1000,
	OPT_BUSY_POLL,
	OPT_STATS,
	OPT_MODE,
	OPT_QUALITY,
	OPT_SMALL,
	OPT_WARMUP,
	OPT_STEP_MS,
	OPT_FOCUS_FRAMES,
	OPT_JITTER,
	OPT_FOCUS_OPAQUE,
	OPT_STILL,
	OPT_RAW_SIZE,
};

/* One table for getopt_long and --help. */
static const struct tool_opt opt_defs[] = {
	{ "fault", required_argument, 'f', "SPEC",
	  "inject faults (--list-faults), e.g. busy=5,stall-at=3" },
	{ "fps", required_argument, 'r', "N",
	  "live-view frame rate (default 30)" },
	{ "serial", required_argument, 's', "S",
	  "serial number (USB iSerialNumber and DeviceInfo)" },
	{ "size", required_argument, 'g', "WxH",
	  "live-view frame size (default 1024x680)" },
	{ "quality", required_argument, OPT_QUALITY, "Q",
	  "JPEG quality 1-100 (default 80: frames of 60-130 KB)" },
	{ "small", no_argument, OPT_SMALL, NULL,
	  "640x424 frames (10-40 KB): for tests that need speed" },
	{ "warmup", required_argument, OPT_WARMUP, "MS",
	  "live view comes MS ms after the handshake (1000)" },
	{ "jitter", required_argument, OPT_JITTER, "US",
	  "frames ready up to US us after their slot (1000)" },
	{ "step-ms", required_argument, OPT_STEP_MS, "MS",
	  "a 0x9207 notch shows MS ms after the step (300)" },
	{ "focus-frames", no_argument, OPT_FOCUS_FRAMES, NULL,
	  "a focus-frame block after each live-view JPEG" },
	{ "focus-opaque", no_argument, OPT_FOCUS_OPAQUE, NULL,
	  "... in no known layout (51-105 bytes)" },
	{ "still", required_argument, OPT_STILL, "WxH",
	  "size of the stills' JPEG (default 6000x4000, ~10 MB)" },
	{ "raw-size", required_argument, OPT_RAW_SIZE, "BYTES",
	  "size of the ARW of RAW(+JPEG) stills (25165824)" },
	{ "mode", required_argument, OPT_MODE, "MODE",
	  "USB mode: pc-remote (default), mtp or mass-storage" },
	{ "control", required_argument, 'c', "FIFO",
	  "take commands on FIFO (created); replies on FIFO.ack" },
	{ "busy-poll", no_argument, OPT_BUSY_POLL, NULL,
	  "do not brake libusb's reap loop (CPU measurements)" },
	{ "stats", no_argument, OPT_STATS, NULL,
	  "print CPU time and URB counters at exit" },
	{ "list-faults", no_argument, OPT_LIST_FAULTS, NULL,
	  "list the faults and exit" },
	{ "help", no_argument, 'h', NULL, "show this help and exit" },
	{ "version", no_argument, 'V', NULL, "show the version and exit" },
};

/* The USB side of the FIFO's and the signals' commands. */
static const struct launcher_device usb_device = {
	.unplug = usbdev_unplug,
	.replug = usbdev_replug,
	.set_serial = usbdev_set_serial,
	.set_claimed = usbdev_set_claimed,
	.sync = usbdev_sync,
	.node = usbdev_node,
};

struct launcher {
	struct emu_config cfg;
	struct usbdev_options uopt;
	struct launcher_usb_faults usb_faults;
	const char *control;
	bool stats;
	char **cmd;
	struct launcher_target target; /* the camera and its USB device */
	struct launcher_fifo fifo;
	pid_t child;
};

static void usage(FILE *f)
{
	tool_help(f,
		  "Usage: alphafs-emulator [OPTION]... [--] CMD [ARGS]...\n"
		  "Run CMD against an emulated Sony ILCE-6300 (PC Remote) "
		  "on USB bus 001.\n\n",
		  opt_defs, ARRAY_LEN(opt_defs),
		  "\nSIGUSR1 unplugs the camera, SIGUSR2 plugs it back.\n"
		  "CMD sees ALPHAFS_EMU_PORT, ALPHAFS_EMU_SERIAL and, with "
		  "--control,\nALPHAFS_EMU_CONTROL.\n"
		  "Exit status: CMD's (128+N if killed by signal N), 2 on "
		  "usage errors,\n70 if the emulator cannot start.\n");
}

static int parse_size(const char *s, unsigned *w, unsigned *h)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b;

	if (end == s || *end != 'x' || a > UINT32_MAX)
		return ALPHAFS_ERR_INVALID;
	s = end + 1;
	b = strtoul(s, &end, 10);
	if (end == s || *end || b > UINT32_MAX)
		return ALPHAFS_ERR_INVALID;
	*w = (unsigned)a;
	*h = (unsigned)b;
	return 0;
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (end == s || *end || errno || v > UINT32_MAX)
		return ALPHAFS_ERR_INVALID;
	*out = (unsigned)v;
	return 0;
}

static int parse_mode(const char *s, enum usbdev_mode *m)
{
	if (!strcmp(s, "pc-remote"))
		*m = USBDEV_MODE_PC_REMOTE;
	else if (!strcmp(s, "mtp"))
		*m = USBDEV_MODE_MTP;
	else if (!strcmp(s, "mass-storage"))
		*m = USBDEV_MODE_MASS_STORAGE;
	else
		return ALPHAFS_ERR_INVALID;
	return 0;
}

static int set_faults(struct launcher *l, const char *spec)
{
	char msg[160];
	int r = launcher_fault_parse(spec, &l->cfg.faults, &l->usb_faults,
				       msg, sizeof(msg));

	if (r < 0)
		fprintf(stderr, "alphafs-emulator: --fault: %s\n", msg);
	return r;
}

static int parse_opt(struct launcher *l, int c, const char *arg)
{
	switch (c) {
	case 'f':
		return set_faults(l, arg);
	case 'r':
		return parse_uint(arg, &l->cfg.fps);
	case 'g':
		return parse_size(arg, &l->cfg.width, &l->cfg.height);
	case OPT_QUALITY:
		return parse_uint(arg, &l->cfg.jpeg_quality) < 0 ||
				       l->cfg.jpeg_quality == 0 ||
				       l->cfg.jpeg_quality > 100
			       ? ALPHAFS_ERR_INVALID
			       : 0;
	case OPT_SMALL:
		l->cfg.width = EMU_SMALL_WIDTH;
		l->cfg.height = EMU_SMALL_HEIGHT;
		return 0;
	case OPT_WARMUP:
		return parse_uint(arg, &l->cfg.warmup_ms) < 0 ||
				       l->cfg.warmup_ms > EMU_WARMUP_MAX_MS
			       ? ALPHAFS_ERR_INVALID
			       : 0;
	case OPT_STEP_MS:
		return parse_uint(arg, &l->cfg.step_ms) < 0 ||
				       l->cfg.step_ms > EMU_STEP_MAX_MS
			       ? ALPHAFS_ERR_INVALID
			       : 0;
	case OPT_FOCUS_FRAMES:
		l->cfg.focus_frames = true;
		return 0;
	case OPT_JITTER:
		return parse_uint(arg, &l->cfg.jitter_us) < 0 ||
				       l->cfg.jitter_us > EMU_JITTER_MAX_US
			       ? ALPHAFS_ERR_INVALID
			       : 0;
	case OPT_FOCUS_OPAQUE:
		l->cfg.focus_frames = l->cfg.focus_opaque = true;
		return 0;
	case OPT_STILL:
		return parse_size(arg, &l->cfg.still_width, &l->cfg.still_height);
	case OPT_RAW_SIZE:
		return parse_uint(arg, &l->cfg.raw_bytes);
	case 's':
		if (strlen(arg) >= sizeof(l->cfg.serial))
			return ALPHAFS_ERR_INVALID;
		snprintf(l->cfg.serial, sizeof(l->cfg.serial), "%s", arg);
		return 0;
	case OPT_MODE:
		return parse_mode(arg, &l->uopt.mode);
	case 'c':
		l->control = arg;
		return 0;
	case OPT_BUSY_POLL:
		l->uopt.reap_wait_ms = 0;
		return 0;
	case OPT_STATS:
		l->stats = true;
		return 0;
	default:
		return ALPHAFS_ERR_INVALID;
	}
}

/* Returns -1 to go on, else an exit status. */
static int parse_args(struct launcher *l, int argc, char **argv)
{
	struct tool_getopt g;
	int c;

	/* '+': stop at CMD, so its own options are left alone. */
	tool_getopt_init(&g, opt_defs, ARRAY_LEN(opt_defs), "+");
	while ((c = tool_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			tool_print_version("alphafs-emulator");
			return 0;
		case OPT_LIST_FAULTS:
			fputs(emu_fault_help(), stdout);
			fputs(launcher_fault_help(), stdout);
			return 0;
		default:
			if (parse_opt(l, c, optarg) < 0) {
				if (c != 'f' && c != '?')
					fprintf(stderr, "alphafs-emulator: bad "
							"option value\n");
				usage(stderr);
				return EXIT_USAGE;
			}
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "alphafs-emulator: no command given\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	l->cmd = argv + optind;
	return -1;
}

/*
 * ASan builds: the preload comes before the ASan runtime in the initial
 * library list of the launcher and of every ASan-built command under it,
 * and ASan refuses to start then ("ASan runtime does not come first").
 * umockdev interposes no allocator, so the order is harmless: turn the
 * check off for the whole process tree.
 */
#if defined(__SANITIZE_ADDRESS__)
#define BUILT_WITH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUILT_WITH_ASAN 1
#endif
#endif
#define ASAN_LINK_ORDER_OFF "verify_asan_link_order=0"

/*
 * TSan builds: umockdev's testbed worker thread and glib race with the
 * launcher's calls into the testbed API inside those libraries (a string
 * freed by umockdev_testbed_uevent while its worker copies it, an fd
 * number reused between g_dir_close and g_socket_accept). Neither is our
 * code nor instrumented; the launcher is a test tool. Suppressed here, in
 * the launcher only (the hook's name is fixed by the TSan runtime).
 */
#if defined(__SANITIZE_THREAD__)
#define BUILT_WITH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BUILT_WITH_TSAN 1
#endif
#endif
#ifdef BUILT_WITH_TSAN
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "race:libumockdev.so\nrace:libumockdev-preload.so\n"
	       "race:libglib-2.0.so\nrace:libgio-2.0.so\n";
}
#endif

static void allow_preload_before_asan(void)
{
#ifdef BUILT_WITH_ASAN
	const char *cur = getenv("ASAN_OPTIONS");
	char val[PATH_MAX_LEN];

	snprintf(val, sizeof(val), "%s%s" ASAN_LINK_ORDER_OFF,
		 cur ? cur : "", cur && *cur ? ":" : "");
	setenv("ASAN_OPTIONS", val, 1);
#endif
}

/* The umockdev preload must be in place when the process starts. */
static void ensure_preload(char **argv)
{
	const char *cur = getenv("LD_PRELOAD");
	char val[PATH_MAX_LEN];

	if (cur && strstr(cur, PRELOAD_MARK))
		return;
	if (getenv(REEXEC_ENV)) {
		fprintf(stderr, "alphafs-emulator: %s did not load; is "
				"umockdev installed?\n",
			PRELOAD_LIB);
		exit(EXIT_SETUP);
	}
	snprintf(val, sizeof(val), "%s%s%s", PRELOAD_LIB, cur && *cur ? ":" : "",
		 cur ? cur : "");
	setenv("LD_PRELOAD", val, 1);
	setenv(REEXEC_ENV, "1", 1);
	allow_preload_before_asan();
	execv("/proc/self/exe", argv);
	fprintf(stderr, "alphafs-emulator: re-exec: %s\n", strerror(errno));
	exit(EXIT_SETUP);
}

static int setup_control(struct launcher *l)
{
	if (!l->control)
		return 0;
	if (launcher_fifo_init(&l->fifo, l->control) < 0) {
		fprintf(stderr, "alphafs-emulator: --control %s: %s\n",
			l->control, strerror(errno));
		return ALPHAFS_ERR_IO;
	}
	setenv("ALPHAFS_EMU_CONTROL", l->control, 1);
	return 0;
}

static void print_stats(struct launcher *l)
{
	struct rusage ru;
	struct usbdev_stats s;

	getrusage(RUSAGE_SELF, &ru);
	usbdev_get_stats(l->target.dev, &s);
	fprintf(stderr,
		"alphafs-emulator: cpu user %ld.%06lds sys %ld.%06lds; urbs "
		"%llu, reaps %llu (empty %llu, braked %llu), discards %llu, "
		"missing OUT ZLPs %llu\n",
		(long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
		(long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
		(unsigned long long)s.submits, (unsigned long long)s.reaps,
		(unsigned long long)s.empty_reaps,
		(unsigned long long)s.waits, (unsigned long long)s.discards,
		(unsigned long long)s.zlp_missing);
}

static int start(struct launcher *l)
{
	struct err_detail e = { 0 };
	char port[16];

	if (!l->cfg.serial[0])
		snprintf(l->cfg.serial, sizeof(l->cfg.serial), "%s",
			 DEFAULT_SERIAL);
	l->target.cam = emu_camera_create(&l->cfg);
	if (!l->target.cam) {
		fprintf(stderr, "alphafs-emulator: cannot create the camera "
				"(check --fps and --size)\n");
		return ALPHAFS_ERR_INVALID;
	}
	l->uopt.serial = l->cfg.serial;
	l->uopt.claimed_by_other = l->usb_faults.claimed;
	l->uopt.no_zero_packet_cap = l->usb_faults.no_zlp_cap;
	if (usbdev_create_emu(l->target.cam, &l->uopt, &l->target.dev, &e) <
	    0) {
		fprintf(stderr, "alphafs-emulator: %s\n", e.msg);
		return e.code;
	}
	l->target.ops = &usb_device;
	usbdev_port(l->target.dev, port, sizeof(port));
	setenv("ALPHAFS_EMU_PORT", port, 1);
	setenv("ALPHAFS_EMU_SERIAL", l->cfg.serial, 1);
	return setup_control(l);
}

static void stop(struct launcher *l)
{
	launcher_fifo_finish(&l->fifo);
	usbdev_destroy(l->target.dev);
	emu_camera_destroy(l->target.cam);
}

int main(int argc, char **argv)
{
	struct launcher l;
	int r;

	memset(&l, 0, sizeof(l));
	l.fifo.ctl_fd = l.fifo.ack_fd = -1;
	log_init();
	emu_config_default(&l.cfg);
	usbdev_options_default(&l.uopt);
	r = parse_args(&l, argc, argv);
	if (r >= 0)
		return r;
	ensure_preload(argv);
	unsetenv(REEXEC_ENV);
	/* Re-executed through /proc/self/exe, the process would show as
	 * "exe" in ps and top. */
	thread_name_self(EMULATOR_THREAD_NAME);
	/* Orphans of the command become ours, so we can reap (and stop) them
	 * before the testbed disappears. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (launcher_signals_init() < 0 || start(&l) < 0) {
		stop(&l);
		return EXIT_SETUP;
	}
	l.child = launcher_spawn(l.cmd);
	if (l.child < 0) {
		fprintf(stderr, "alphafs-emulator: fork: %s\n",
			strerror(errno));
		r = EXIT_SETUP;
	} else {
		r = launcher_supervise(l.child, &l.fifo, &l.target);
		launcher_end_group(l.child);
	}
	if (l.stats)
		print_stats(&l);
	stop(&l);
	return r;
}
