/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * alphafs-emulator: runs a command against the emulated ILCE-6300 as a real
 * USB device (umockdev), so that any program (the alphafs daemon in the
 * foreground, gphoto2, lsusb, a test) reaches it through the real libusb.
 *
 * The launcher owns the testbed and must outlive everything that uses it:
 * a process that touches the device after the owner exited hangs forever
 * (umockdev). So the command runs in its own process group, signals are
 * forwarded to it, and whatever is left of the group is killed before the
 * launcher exits with the command's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu/emu.h"
#include "emu/usbdev.h"
#include "tools/version.h"

#define PRELOAD_LIB "libumockdev-preload.so.0"
#define PRELOAD_MARK "libumockdev-preload"
#define REEXEC_ENV "ALPHAFS_EMULATOR_REEXEC"
#define EXIT_USAGE 2
#define EXIT_SETUP 70 /* EX_SOFTWARE: the emulator itself failed */
#define SIGNAL_EXIT_BASE 128
#define LOOP_TICK_MS 50
#define KILL_GRACE_MS 2000
#define DEFAULT_SERIAL "00000000000000000000000000000000"
#define PATH_MAX_LEN 4096

struct opt_def {
	const char *name;
	int has_arg;
	int val;
	const char *arg, *help;
};

enum {
	OPT_LIST_FAULTS = 1000,
	OPT_BUSY_POLL,
	OPT_STATS,
	OPT_MODE,
	OPT_QUALITY,
	OPT_SMALL,
	OPT_WARMUP,
	OPT_FOCUS_FRAMES,
};

/* One table for getopt_long and --help. */
static const struct opt_def opt_defs[] = {
	{ "fault", 1, 'f', "SPEC",
	  "inject faults (see --list-faults), e.g. busy=5,stall-at=3" },
	{ "fps", 1, 'r', "N", "live-view frame rate (default 30)" },
	{ "serial", 1, 's', "S",
	  "serial number (USB iSerialNumber and DeviceInfo)" },
	{ "size", 1, 'g', "WxH", "live-view frame size (default 1024x680)" },
	{ "quality", 1, OPT_QUALITY, "Q",
	  "JPEG quality 1-100 (default 80: frames of 60-130 KB)" },
	{ "small", 0, OPT_SMALL, NULL,
	  "640x424 frames (10-40 KB): for tests that need speed" },
	{ "warmup", 1, OPT_WARMUP, "MS",
	  "live view comes up MS ms after the handshake (default 1000)" },
	{ "focus-frames", 0, OPT_FOCUS_FRAMES, NULL,
	  "a focus-frame block after each live-view JPEG" },
	{ "mode", 1, OPT_MODE, "M",
	  "USB Connection: pc-remote (default), mtp, mass-storage" },
	{ "control", 1, 'c', "FIFO",
	  "accept commands on FIFO (created); replies on FIFO.ack" },
	{ "busy-poll", 0, OPT_BUSY_POLL, NULL,
	  "do not brake libusb's reap loop (for CPU measurements)" },
	{ "stats", 0, OPT_STATS, NULL,
	  "print the launcher's CPU time and URB counters at exit" },
	{ "list-faults", 0, OPT_LIST_FAULTS, NULL, "list the faults and exit" },
	{ "help", 0, 'h', NULL, "show this help and exit" },
	{ "version", 0, 'V', NULL, "show the version and exit" },
};

struct launcher {
	struct emu_config cfg;
	struct usbdev_options uopt;
	struct usbdev_faults usb_faults;
	const char *control;
	bool stats;
	char **cmd;
	struct emu_camera *cam;
	struct usbdev *dev;
	pid_t child;
	int ctl_fd, ack_fd;
	char line[USBDEV_LINE_MAX + 1];
	size_t line_len;
};

/* Set by the signal handler, which may run on umockdev's worker thread
 * (it does not block signals): lock-free atomics, not sig_atomic_t. */
static atomic_int got_usr1, got_usr2, got_term, got_chld;
static int wake_pipe[2] = { -1, -1 };

static void usage(FILE *f)
{
	fprintf(f, "Usage: alphafs-emulator [OPTION]... [--] CMD [ARGS]...\n"
		   "Run CMD against an emulated Sony ILCE-6300 (PC Remote) "
		   "on USB bus 001.\n\n");
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++) {
		char left[40];
		snprintf(left, sizeof(left), "--%s%s%s", opt_defs[i].name,
			 opt_defs[i].arg ? " " : "",
			 opt_defs[i].arg ? opt_defs[i].arg : "");
		fprintf(f, "  %-22s %s\n", left, opt_defs[i].help);
	}
	fprintf(f, "\nSIGUSR1 unplugs the camera, SIGUSR2 plugs it back.\n"
		   "CMD sees ALPHAFS_EMU_PORT, ALPHAFS_EMU_SERIAL and, with "
		   "--control, ALPHAFS_EMU_CONTROL.\nExit status: CMD's "
		   "(128+N if killed by signal N), 2 on usage errors, 70 if "
		   "the emulator cannot start.\n");
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
	int r = usbdev_fault_parse(spec, &l->cfg.faults, &l->usb_faults,
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
	case OPT_FOCUS_FRAMES:
		l->cfg.focus_frames = true;
		return 0;
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
	struct option lo[ARRAY_LEN(opt_defs) + 1];
	int c;

	memset(lo, 0, sizeof(lo));
	for (size_t i = 0; i < ARRAY_LEN(opt_defs); i++) {
		lo[i].name = opt_defs[i].name;
		lo[i].has_arg = opt_defs[i].has_arg;
		lo[i].val = opt_defs[i].val;
	}
	/* '+': stop at CMD, so its own options are left alone. */
	while ((c = getopt_long(argc, argv, "+f:r:s:g:c:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			tool_print_version("alphafs-emulator");
			return 0;
		case OPT_LIST_FAULTS:
			fputs(emu_fault_help(), stdout);
			fputs(usbdev_fault_help(), stdout);
			return 0;
		default:
			if (parse_opt(l, c, optarg) < 0) {
				if (c != 'f')
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

/* ---- signals: flags only, acted on in the main loop ----------------------- */

static void handle_signal(int sig)
{
	int saved = errno;
	char b = 0;

	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = sig;
	if (write(wake_pipe[1], &b, 1) < 0) {
		/* full pipe: the loop wakes anyway */
	}
	errno = saved;
}

static int setup_signals(void)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGCHLD, SIGINT,
				    SIGTERM, SIGHUP };
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return ALPHAFS_ERR_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handle_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	return 0;
}

/* ---- control FIFO ----------------------------------------------------------- */

static int open_fifo(const char *path)
{
	struct stat st;

	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		return -1;
	if (stat(path, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -1;
	/* O_RDWR: the FIFO never reports end-of-file between writers, and
	 * opening it never blocks. */
	return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

static int setup_control(struct launcher *l)
{
	char ack[PATH_MAX_LEN];

	l->ctl_fd = l->ack_fd = -1;
	if (!l->control)
		return 0;
	snprintf(ack, sizeof(ack), "%s.ack", l->control);
	l->ctl_fd = open_fifo(l->control);
	l->ack_fd = open_fifo(ack);
	if (l->ctl_fd < 0 || l->ack_fd < 0) {
		fprintf(stderr, "alphafs-emulator: --control %s: %s\n",
			l->control, strerror(errno));
		return ALPHAFS_ERR_IO;
	}
	setenv("ALPHAFS_EMU_CONTROL", l->control, 1);
	return 0;
}

static void reply(struct launcher *l, const char *msg)
{
	char out[USBDEV_LINE_MAX + 16];
	int n = snprintf(out, sizeof(out), "%s\n", msg);

	/* Nobody may be reading: never block, drop what does not fit. */
	if (l->ack_fd >= 0 && n > 0 && write(l->ack_fd, out, (size_t)n) < 0)
		log_dbg(EMU, "control reply dropped");
}

static void do_unplug(struct launcher *l)
{
	usbdev_unplug(l->dev);
	fprintf(stderr, "alphafs-emulator: camera unplugged\n");
}

static void do_replug(struct launcher *l)
{
	struct err_detail e = { 0 };

	if (usbdev_replug(l->dev, &e) < 0)
		fprintf(stderr, "alphafs-emulator: replug: %s\n", e.msg);
	else
		fprintf(stderr, "alphafs-emulator: camera plugged in at %s\n",
			usbdev_node(l->dev));
}

/* Another body in the same port: a new USB serial, then plugged in. */
static int do_replug_serial(struct launcher *l, const char *serial)
{
	struct err_detail e = { 0 };

	if (usbdev_set_serial(l->dev, serial, &e) < 0) {
		fprintf(stderr, "alphafs-emulator: replug-serial: %s\n", e.msg);
		reply(l, e.msg);
		return e.code;
	}
	fprintf(stderr, "alphafs-emulator: USB serial now %s\n", serial);
	do_replug(l);
	return 0;
}

static void run_command(struct launcher *l, const char *line)
{
	struct usbdev_cmd cmd;
	char msg[USBDEV_LINE_MAX + 8];

	if (usbdev_cmd_parse(line, &cmd, msg, sizeof(msg)) < 0) {
		reply(l, msg);
		return;
	}
	switch (cmd.kind) {
	case USBDEV_CMD_UNPLUG:
		do_unplug(l);
		break;
	case USBDEV_CMD_REPLUG:
		do_replug(l);
		break;
	case USBDEV_CMD_REPLUG_SERIAL:
		if (do_replug_serial(l, cmd.serial) < 0)
			return; /* the error was the reply */
		break;
	case USBDEV_CMD_FAULT:
		emu_camera_set_faults(l->cam, &cmd.faults);
		usbdev_set_claimed(l->dev, cmd.usb.claimed);
		break;
	case USBDEV_CMD_EVENT:
		emu_camera_push_event(l->cam, cmd.code, cmd.param);
		break;
	case USBDEV_CMD_PAUSE:
	case USBDEV_CMD_RESUME:
		emu_camera_pause(l->cam, cmd.kind == USBDEV_CMD_PAUSE);
		break;
	}
	snprintf(msg, sizeof(msg), "ok %s", line);
	reply(l, msg);
}

static void read_control(struct launcher *l)
{
	char chunk[256];
	ssize_t n;

	while ((n = read(l->ctl_fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (chunk[i] != '\n') {
				if (l->line_len < sizeof(l->line) - 1)
					l->line[l->line_len++] = chunk[i];
				continue;
			}
			l->line[l->line_len] = '\0';
			if (l->line_len > 0)
				run_command(l, l->line);
			l->line_len = 0;
		}
	}
}

/* ---- child -------------------------------------------------------------------- */

static void exec_child(struct launcher *l)
{
	sigset_t none;

	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Its own group, so whatever it leaves behind can be killed before
	 * the testbed goes away. */
	setpgid(0, 0);
	execvp(l->cmd[0], l->cmd);
	fprintf(stderr, "alphafs-emulator: %s: %s\n", l->cmd[0],
		strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Ends what the command left in its process group (a daemon it started,
 * a pipeline) before the testbed goes: they would hang without it. As a
 * child subreaper the launcher also inherits and reaps orphans. */
static void kill_group(pid_t pgid)
{
	uint64_t deadline = clock_now_ms() + KILL_GRACE_MS;

	if (kill(-pgid, SIGTERM) < 0)
		return; /* nothing left */
	while (clock_now_ms() < deadline) {
		while (waitpid(-1, NULL, WNOHANG) > 0) {
		}
		if (kill(-pgid, 0) < 0)
			return;
		clock_sleep_ms(LOOP_TICK_MS / 5);
	}
	kill(-pgid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
}

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return SIGNAL_EXIT_BASE + WTERMSIG(st);
	return EXIT_SETUP;
}

static void act_on_signals(struct launcher *l)
{
	char drain[64];
	int sig;

	while (read(wake_pipe[0], drain, sizeof(drain)) > 0) {
	}
	if (atomic_exchange(&got_usr1, 0))
		do_unplug(l);
	if (atomic_exchange(&got_usr2, 0))
		do_replug(l);
	sig = atomic_exchange(&got_term, 0);
	if (sig)
		kill(-l->child, sig); /* forward; the child must go first */
}

static int main_loop(struct launcher *l)
{
	struct pollfd pfd[2] = { { .fd = wake_pipe[0], .events = POLLIN },
				 { .fd = l->ctl_fd, .events = POLLIN } };
	int st;

	for (;;) {
		pid_t w = waitpid(l->child, &st, WNOHANG);
		if (w == l->child)
			return exit_status(st);
		poll(pfd, l->ctl_fd >= 0 ? 2 : 1, LOOP_TICK_MS);
		act_on_signals(l);
		if (l->ctl_fd >= 0 && (pfd[1].revents & POLLIN))
			read_control(l);
		/* Follow an unplug the camera did by itself (a fault). */
		usbdev_sync(l->dev);
	}
}

static void print_stats(struct launcher *l)
{
	struct rusage ru;
	struct usbdev_stats s;

	getrusage(RUSAGE_SELF, &ru);
	usbdev_get_stats(l->dev, &s);
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
	l->cam = emu_camera_create(&l->cfg);
	if (!l->cam) {
		fprintf(stderr, "alphafs-emulator: cannot create the camera "
				"(check --fps and --size)\n");
		return ALPHAFS_ERR_INVALID;
	}
	l->uopt.serial = l->cfg.serial;
	l->uopt.claimed_by_other = l->usb_faults.claimed;
	l->uopt.no_zero_packet_cap = l->usb_faults.no_zlp_cap;
	if (usbdev_create_emu(l->cam, &l->uopt, &l->dev, &e) < 0) {
		fprintf(stderr, "alphafs-emulator: %s\n", e.msg);
		return e.code;
	}
	usbdev_port(l->dev, port, sizeof(port));
	setenv("ALPHAFS_EMU_PORT", port, 1);
	setenv("ALPHAFS_EMU_SERIAL", l->cfg.serial, 1);
	return setup_control(l);
}

int main(int argc, char **argv)
{
	struct launcher l;
	int r;

	memset(&l, 0, sizeof(l));
	log_init();
	emu_config_default(&l.cfg);
	usbdev_options_default(&l.uopt);
	r = parse_args(&l, argc, argv);
	if (r >= 0)
		return r;
	ensure_preload(argv);
	unsetenv(REEXEC_ENV);
	/* Orphans of the command become ours, so we can reap (and stop) them
	 * before the testbed disappears. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (setup_signals() < 0 || start(&l) < 0) {
		usbdev_destroy(l.dev);
		emu_camera_destroy(l.cam);
		return EXIT_SETUP;
	}
	fflush(NULL);
	l.child = fork();
	if (l.child < 0) {
		fprintf(stderr, "alphafs-emulator: fork: %s\n",
			strerror(errno));
		r = EXIT_SETUP;
	} else if (l.child == 0) {
		exec_child(&l);
	} else {
		setpgid(l.child, l.child); /* no race with the child's own */
		r = main_loop(&l);
	}
	if (l.child > 0)
		kill_group(l.child);
	if (l.stats)
		print_stats(&l);
	usbdev_destroy(l.dev);
	emu_camera_destroy(l.cam);
	return r;
}
