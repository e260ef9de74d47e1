/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.alphafs: mounts a Sony Alpha camera (or the built-in emulated one)
 * as a FUSE filesystem.
 *
 *   mount.alphafs [SOURCE] MOUNTPOINT [-o opts] [-f] [-d] [-s]
 *
 * Start-up order (research/fuse.md 2.1): parse -> fork into the background
 * (unless -f/-d) keeping a readiness pipe -> open the camera (libusb is
 * initialised after the fork: its contexts do not survive one) -> FUSE
 * session, signal handlers, mount -> tell the parent "ok" or the one-line
 * error -> loop (a signal ends it the way fs/shutdown.c describes: readers
 * first) -> unmount, stop the camera -> free. Before all that, the mount
 * point is checked: a dead FUSE mount there is detached, a live alphafs
 * refused (mountpoint.c).
 * The parent exits 0 on "ok", else prints the line and exits 1, so errors
 * at start reach the shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "camera/camera.h"
#include "frame/frame.h"
#include "fs/fs.h"
#include "sony/sony.h"
#include "tools/emu_control.h"
#include "tools/mount_capture.h"
#include "tools/mount_control.h"
#include "tools/tools.h"
#include "mountpoint.h"
#include "util/util.h"

#define PROG "mount.alphafs"
/* One status line from the daemon to the waiting parent. */
#define READY_LINE_MAX 512
#define READY_OK "ok"

struct options {
	char *pos[2]; /* positional arguments, malloc'd by fuse_opt */
	unsigned npos;
	unsigned fps;
	unsigned linger;
	unsigned reconnect_timeout;
	unsigned emu_fps;
	unsigned emu_step_ms;
	unsigned max_threads;
	unsigned frames;
	unsigned captures_max;
	unsigned captures_max_mb;
	unsigned control_mode;
	char *captures_dir;
	int captures_ram;
	char *emu_fault;
	char *emu_still;
	char *emu_control;
	char *log_spec;
	int exit_on_disconnect;
	int stale_frames;
	int emu_small;
	int emu_focus;
	int replay_loop;
	int replay_realtime;
	int recover;
	int stack;
	int foreground;
	int debug;
	int single;
	int clone_fd;
	int show_help;
	int show_version;
	int verbose;
};

enum {
	KEY_HELP,
	KEY_VERSION,
	KEY_DEBUG,
	KEY_VERBOSE,
};

/* Default for -o reconnect_timeout (issue "Resilience": 30 s): a replug
 * or a camera waking from auto power-off takes a few seconds, switching
 * the body off and on again some more. */
#define RECONNECT_TIMEOUT_DEFAULT 30
/* Default for -o linger (issue "rest when nobody reads"): long enough
 * that a script copying latest.jpg every few seconds keeps the camera
 * live, short enough that a forgotten mount stops costing USB traffic
 * and camera work soon. 0 never rests. */
#define LINGER_DEFAULT 30
/* Larger values would overflow the camera's milliseconds (49 days). */
#define LINGER_MAX 4000000u

#define OPT(t, f, v) { t, offsetof(struct options, f), v }

/*
 * One table feeds fuse_opt_parse and --help: each row is how libfuse's
 * parser takes the option and, when it has a name, its --help line (no
 * name: an alias, an option the named row above already describes, or a
 * word mount(8) may hand us). --help must fit an 80x24 screen: at most 16
 * named rows (tests/integration/fs/test_daemon.py checks it), so related
 * options share a row; the faults of the emulated camera are listed by
 * alphafs-emulator --list-faults, every detail is in mount.alphafs(8).
 */
struct mount_opt {
	struct fuse_opt opt;
	const char *name; /* --help's left column, or NULL */
	const char *help;
};

static const struct mount_opt mount_opts[] = {
	{ OPT("fps=%u", fps, 0), "-o fps=N,linger=S",
	  "at most N fps (0: all); rest after S s unread (30)" },
	{ OPT("linger=%u", linger, 0), NULL, NULL },
	{ OPT("reconnect_timeout=%u", reconnect_timeout, 0),
	  "-o reconnect_timeout=S",
	  "stream readers wait S s for the camera, then EIO (30)" },
	{ OPT("exit_on_disconnect", exit_on_disconnect, 1),
	  "-o exit_on_disconnect", "unmount and exit when the camera goes" },
	{ OPT("stale_frames", stale_frames, 1), "-o stale_frames",
	  "latest.jpg serves the last frame while disconnected" },
	{ OPT("recover", recover, 1), "-o recover,stack",
	  "detach a dead mount there; mount over a live alphafs" },
	{ OPT("stack", stack, 1), NULL, NULL },
	{ OPT("nonempty", stack, 1), NULL, NULL },
	{ OPT("control_mode=%o", control_mode, 0), "-o control_mode=MODE",
	  "control/ files' mode (0644: only you write them)" },
	{ OPT("emu_fault=%s", emu_fault, 0), "-o emu_fault=SPEC",
	  "faults of the emulated camera: NAME[=N]:NAME..." },
	{ OPT("emu_fps=%u", emu_fps, 0), "-o emu_fps=N,emu_small",
	  "emulated camera: N fps (30); 640x424 frames" },
	{ OPT("emu_small", emu_small, 1), NULL, NULL },
	/* the emulated stills' size: mount.alphafs(8) */
	{ OPT("emu_still=%s", emu_still, 0), NULL, NULL },
	/* emulated focus-frame blocks: mount.alphafs(8) describes it */
	{ OPT("emu_focus", emu_focus, 1), NULL, NULL },
	{ OPT("frames=%u", frames, 0), "-o frames=N,captures_max=M",
	  "keep N live/frames/ (8), M stills (100)" },
	{ OPT("captures_max=%u", captures_max, 0), NULL, NULL },
	{ OPT("captures_max_mb=%u", captures_max_mb, 0), NULL, NULL },
	/* where captures/ spools, or memory: mount.alphafs(8) */
	{ OPT("captures_dir=%s", captures_dir, 0), NULL, NULL },
	{ OPT("captures_ram", captures_ram, 1), NULL, NULL },
	{ OPT("emu_step_ms=%u", emu_step_ms, 0), NULL, NULL },
	{ OPT("emu_control=%s", emu_control, 0), NULL, NULL },
	{ OPT("loop", replay_loop, 1), "-o loop,realtime",
	  "replay: again after the end; at the capture's pace" },
	{ OPT("realtime", replay_realtime, 1), NULL, NULL },
	{ OPT("max_threads=%u", max_threads, 0), "-s, -o max_threads=N",
	  "one FUSE worker thread; at most N (libfuse: 10)" },
	{ OPT("-s", single, 1), NULL, NULL },
	{ OPT("clone_fd", clone_fd, 1), "-o clone_fd",
	  "one /dev/fuse descriptor per worker" },
	{ OPT("log=%s", log_spec, 0), "-o log=SPEC",
	  "log levels, e.g. debug or usb,ptp:debug" },
	{ OPT("-f", foreground, 1), "-f, -v",
	  "stay in the foreground, log to stderr; -v: more" },
	{ FUSE_OPT_KEY("-d", KEY_DEBUG), "-d, -o debug",
	  "foreground, libfuse's request trace, debug logs" },
	{ FUSE_OPT_KEY("debug", KEY_DEBUG), NULL, NULL },
	{ FUSE_OPT_KEY("-v", KEY_VERBOSE), NULL, NULL },
	{ FUSE_OPT_KEY("-h", KEY_HELP), "-h, -V",
	  "this help (--help); the version (--version)" },
	{ FUSE_OPT_KEY("--help", KEY_HELP), NULL, NULL },
	{ FUSE_OPT_KEY("-V", KEY_VERSION), NULL, NULL },
	{ FUSE_OPT_KEY("--version", KEY_VERSION), NULL, NULL },
	/* fstab-only words mount(8) may hand us (libfuse#211, #390). */
	{ FUSE_OPT_KEY("auto", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("noauto", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("user", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("nouser", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("users", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("user=%s", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("_netdev", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("nofail", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("defaults", FUSE_OPT_KEY_DISCARD), NULL, NULL },
	{ FUSE_OPT_KEY("-n", FUSE_OPT_KEY_DISCARD), NULL, NULL },
};

/* The fuse_opt view of mount_opts, ended by FUSE_OPT_END (all zero). */
static struct fuse_opt fuse_opts[ARRAY_LEN(mount_opts) + 1];

static const struct fuse_opt *opt_table(void)
{
	for (size_t i = 0; i < ARRAY_LEN(mount_opts); i++)
		fuse_opts[i] = mount_opts[i].opt;
	return fuse_opts;
}

static int opt_proc(void *data, const char *arg, int key,
		    struct fuse_args *outargs)
{
	struct options *o = data;

	(void)outargs;
	switch (key) {
	case FUSE_OPT_KEY_NONOPT:
		if (o->npos >= ARRAY_LEN(o->pos)) {
			fprintf(stderr, PROG ": unexpected argument '%s'\n", arg);
			return -1;
		}
		o->pos[o->npos++] = strdup(arg);
		return 0;
	case KEY_DEBUG:
		o->debug = 1;
		o->foreground = 1;
		return 1; /* libfuse traces requests with -d */
	case KEY_VERBOSE:
		o->verbose = 1;
		return 0;
	case KEY_HELP:
		o->show_help = 1;
		return 0;
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	default:
		return 1; /* libfuse's own option: fuse_session_new checks it */
	}
}

static void show_help(void)
{
	printf("usage: " PROG " [SOURCE] MOUNTPOINT [-o OPT[,OPT...]] "
	       "[-f] [-d] [-s]\n"
	       "Mounts a Sony Alpha camera in PC Remote mode as files "
	       "(alphafs(7)):\n"
	       "  live/latest.jpg  live/stream.mjpeg  live/frames/  info/device  "
	       "info/status\n"
	       "  control/  captures/  events\n"
	       "SOURCE: " TOOL_SOURCE_SYNTAX "\n"
	       "(default: the first camera found; CAPTURE: usbmon/USBPcap, "
	       "alphafs-extract(1))\n");
	for (size_t i = 0; i < ARRAY_LEN(mount_opts); i++)
		if (mount_opts[i].name)
			tool_help_row(stdout, mount_opts[i].name,
				      mount_opts[i].help);
	printf("FUSE options: -o allow_other, allow_root, auto_unmount, ro... "
	       "(mount.fuse3(8))\n"
	       "Emulated faults: alphafs-emulator --list-faults. All of it: "
	       "mount.alphafs(8).\n");
}

/* ---- logging -------------------------------------------------------------- */

static pthread_mutex_t fuse_msg_lock = PTHREAD_MUTEX_INITIALIZER;
static char fuse_last_msg[ERR_DETAIL_MAX];
static char fuse_pending[ERR_DETAIL_MAX]; /* a line libfuse sends in pieces */

static void log_fuse_line(enum fuse_log_level level, const char *line)
{
	if (level <= FUSE_LOG_ERR)
		log_err(FS, "libfuse: %s", line);
	else if (level <= FUSE_LOG_WARNING)
		log_warn(FS, "libfuse: %s", line);
	else if (level <= FUSE_LOG_INFO)
		log_info(FS, "libfuse: %s", line);
	else
		log_dbg(FS, "libfuse: %s", line);
}

/* libfuse's messages go where ours go (stderr or syslog); the last error
 * line is kept so a failed mount can say why in its one line. libfuse
 * writes some lines in several calls, so pieces are joined up to '\n'. */
static void handle_fuse_log(enum fuse_log_level level, const char *fmt,
			    va_list ap)
{
	char line[ERR_DETAIL_MAX];
	size_t have, n;

	pthread_mutex_lock(&fuse_msg_lock);
	have = strlen(fuse_pending);
	vsnprintf(fuse_pending + have, sizeof(fuse_pending) - have, fmt, ap);
	n = strlen(fuse_pending);
	if (n && fuse_pending[n - 1] != '\n' && n < sizeof(fuse_pending) - 1) {
		pthread_mutex_unlock(&fuse_msg_lock);
		return;
	}
	while (n && fuse_pending[n - 1] == '\n')
		fuse_pending[--n] = '\0';
	memcpy(line, fuse_pending, n + 1);
	fuse_pending[0] = '\0';
	if (level <= FUSE_LOG_ERR)
		memcpy(fuse_last_msg, line, n + 1);
	pthread_mutex_unlock(&fuse_msg_lock);
	log_fuse_line(level, line);
}

/* ---- background and readiness ------------------------------------------- */

/* Parent side: waits for the daemon's line; never returns. */
static void wait_ready(int fd)
{
	char line[READY_LINE_MAX];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(line) - 1) {
		n = read(fd, line + got, sizeof(line) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(line, '\n', got))
			break;
	}
	line[got] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, READY_OK))
		_exit(0);
	fprintf(stderr, PROG ": %s\n",
		got ? line : "the daemon ended during start-up");
	_exit(1);
}

/* Forks; the parent waits in wait_ready, the child returns the write end
 * of the readiness pipe, detached from the terminal. */
static int go_background(void)
{
	int p[2], devnull;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		wait_ready(p[0]);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		return -1;
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		if (devnull > STDERR_FILENO)
			close(devnull);
	}
	log_use_syslog(true);
	return p[1];
}

/* Reports the start-up outcome: to the parent when backgrounded, to
 * stderr in the foreground. */
static void report(int ready_fd, const char *line)
{
	char buf[READY_LINE_MAX];
	int n;

	if (ready_fd < 0) {
		if (strcmp(line, READY_OK))
			fprintf(stderr, PROG ": %s\n", line);
		return;
	}
	if (strcmp(line, READY_OK))
		log_err(MAIN, "%s", line);
	n = snprintf(buf, sizeof(buf), "%s\n", line);
	if (n > 0 && write(ready_fd, buf, (size_t)n) < 0)
		log_warn(MAIN, "readiness pipe: %s", strerror(errno));
	close(ready_fd);
}

/* ---- serving ------------------------------------------------------------- */

/* Without -o realtime, a replay plays the next frame once a reader took
 * the last one: what the gate needs to tell. */
struct replay_gate {
	struct frame_store *store; /* set before the camera starts */
	_Atomic(struct fs *) fs;   /* set once the filesystem exists */
	/* Camera thread only: published and taken counts when the gate
	 * last opened. */
	uint64_t published, taken;
};

struct daemon {
	struct options *o;
	const char *source_text;
	const char *mountpoint;
	struct tool_source src;
	struct replay_gate replay;
	struct frame_store *store;
	struct camera *cam;
	struct fs *fs;
	struct mount_control mc;
	struct mount_capture mk; /* control/capture, control/focus */
	struct emu_control ec; /* -o emu_control */
	char emu_control_path[PATH_MAX];
	int exit_listener;
};

/* info/device and info/status: the camera's snapshots, as it words them. */
static int handle_device_text(void *arg, struct buf *out)
{
	struct camera_info ci;
	int rc = camera_get_info(arg, &ci);

	if (rc < 0)
		return rc;
	camera_info_format(&ci, out);
	camera_info_finish(&ci);
	return 0;
}

/* The filesystem says whether anybody reads: the camera rests without. */
static void handle_readers(void *arg, bool present)
{
	camera_set_readers(arg, present);
}

static void handle_status_text(void *arg, struct buf *out)
{
	struct camera_status cs;

	camera_get_status(arg, &cs);
	camera_status_format(&cs, out);
}

/* exit_on_disconnect: leave through our SIGTERM handler (fs/shutdown.c)
 * so that readers end cleanly and the mount is taken down; exit() here
 * would leave a dead mount ("Transport endpoint is not connected", as
 * jmtpfs does). */
static void handle_store_exit(void *arg)
{
	struct daemon *d = arg;

	if (frame_store_get_state(d->store, NULL, 0) ==
	    FRAME_STORE_DISCONNECTED) {
		log_warn(MAIN, "camera disconnected: exiting "
			       "(exit_on_disconnect)");
		kill(getpid(), SIGTERM);
	}
}

static int start_camera(struct daemon *d, char *err, size_t cap)
{
	struct ptp_transport_opener open;
	struct camera_event_sink sink;
	struct camera_options co;
	char why[ERR_DETAIL_MAX];
	int rc;

	camera_options_default(&co);
	co.fps_limit = d->o->fps;
	co.exit_on_disconnect = d->o->exit_on_disconnect;
	co.linger_ms = d->o->linger * 1000u;
	d->store = frame_store_create();
	if (!d->store) {
		snprintf(err, cap, "out of memory");
		return ALPHAFS_ERR_NOMEM;
	}
	d->replay.store = d->store;
	rc = tool_source_opener(&d->src, &open, err, cap);
	if (rc < 0)
		return rc;
	d->cam = camera_create(&open, &co, d->store);
	if (!d->cam) {
		snprintf(err, cap, "out of memory");
		return ALPHAFS_ERR_NOMEM;
	}
	mount_control_init(&d->mc, d->cam, d->o->control_mode);
	if (!mount_capture_register(&d->mk, &d->mc, d->cam,
				    d->o->control_mode)) {
		snprintf(err, cap, "too many control files");
		return ALPHAFS_ERR_NOMEM;
	}
	sink = mount_control_sink(&d->mc);
	camera_set_event_sink(d->cam, &sink);
	why[0] = '\0';
	rc = camera_start(d->cam, why, sizeof(why));
	if (rc < 0)
		snprintf(err, cap, "%s", why[0] ? why : alphafs_strerror(rc));
	return rc;
}

/* Where captures/ spools: -o captures_dir, else $TMPDIR, else /var/tmp
 * (on disk: stills do not take the RAM a tmpfs /tmp would). */
static const char *captures_dir(const struct options *o)
{
	const char *t = getenv("TMPDIR");

	if (o->captures_dir && o->captures_dir[0])
		return o->captures_dir;
	return t && t[0] == '/' ? t : "/var/tmp";
}

static int start_fs(struct daemon *d, struct fuse_args *args, char *err,
		    size_t cap)
{
	struct fs_config cfg = {
		.store = d->store,
		.device_text = handle_device_text,
		.status_text = handle_status_text,
		.info_arg = d->cam,
		.reconnect_timeout_s = d->o->reconnect_timeout,
		.stale_frames = d->o->stale_frames,
		.source = d->source_text,
		.readers = handle_readers,
		.readers_arg = d->cam,
		.frames_keep = d->o->frames,
		.focus_json = sony_focus_json,
		.controls = d->mc.entries,
		.ncontrols = d->mc.n,
		.control_arg = &d->mc,
		.captures_max = d->o->captures_max,
		.captures_max_bytes = (uint64_t)d->o->captures_max_mb << 20,
		.captures_dir = d->o->captures_ram ? NULL : captures_dir(d->o),
	};
	char why[ERR_DETAIL_MAX];
	int rc;

	d->fs = fs_create(&cfg);
	if (!d->fs) {
		if (cfg.captures_dir && cfg.captures_max)
			snprintf(err, cap, "out of memory, or no spool directory for captures/ under %s (-o captures_dir)",
				 cfg.captures_dir);
		else
			snprintf(err, cap, "out of memory");
		return ALPHAFS_ERR_NOMEM;
	}
	fuse_last_msg[0] = '\0';
	rc = fs_mount(d->fs, args, d->mountpoint, why, sizeof(why));
	if (rc < 0) {
		pthread_mutex_lock(&fuse_msg_lock);
		snprintf(err, cap, "%s%s%s", why, fuse_last_msg[0] ? ": " : "",
			 fuse_last_msg);
		pthread_mutex_unlock(&fuse_msg_lock);
		return rc;
	}
	if (d->o->exit_on_disconnect)
		d->exit_listener =
			frame_store_add_listener(d->store, handle_store_exit, d);
	atomic_store(&d->replay.fs, d->fs);
	mount_control_attach(&d->mc, d->fs);
	return 0;
}

static void stop_all(struct daemon *d)
{
	emu_control_stop(&d->ec);
	if (d->exit_listener >= 0 && d->store)
		frame_store_remove_listener(d->store, d->exit_listener);
	/* Readers first (a reader blocked in read() returns now), then the
	 * mount, then the camera (it answers the control writes it holds
	 * while the filesystem still exists: fs_control_done). */
	fs_unmount(d->fs);
	if (d->cam)
		camera_stop(d->cam);
	mount_control_attach(&d->mc, NULL);
	if (d->store)
		frame_store_set_state(d->store, FRAME_STORE_CLOSED, "unmounted");
	fs_destroy(d->fs);
	if (d->cam)
		mount_capture_finish(&d->mk);
	camera_destroy(d->cam);
	frame_store_destroy(d->store);
}

/* How long start-up waits for the first frame, so that
 * `mount.alphafs emulate /mnt && cp /mnt/live/latest.jpg .` finds one. A
 * slower camera still mounts; latest.jpg opens then wait for the frame. */
#define FIRST_FRAME_WAIT_MS 5000

struct first_frame {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	bool changed;
};

static void handle_first_frame(void *arg)
{
	struct first_frame *ff = arg;

	pthread_mutex_lock(&ff->lock);
	ff->changed = true;
	pthread_cond_signal(&ff->cond);
	pthread_mutex_unlock(&ff->lock);
}

static bool have_frame(struct frame_store *st)
{
	struct frame *f = frame_store_latest(st);

	frame_unref(f);
	return f != NULL;
}

static void wait_first_frame(struct frame_store *st)
{
	struct first_frame ff = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct timespec deadline;
	int id, rc = 0;

	clock_cond_init(&ff.cond);
	clock_deadline(&deadline, FIRST_FRAME_WAIT_MS);
	id = frame_store_add_listener(st, handle_first_frame, &ff);
	pthread_mutex_lock(&ff.lock);
	while (id >= 0 && rc == 0 && !have_frame(st)) {
		while (!ff.changed && rc == 0)
			rc = pthread_cond_timedwait(&ff.cond, &ff.lock,
						    &deadline);
		ff.changed = false;
	}
	pthread_mutex_unlock(&ff.lock);
	frame_store_remove_listener(st, id);
	pthread_cond_destroy(&ff.cond);
	if (!have_frame(st))
		log_warn(MAIN, "no frame within %d ms; mounted anyway",
			 FIRST_FRAME_WAIT_MS);
}

static int serve(struct daemon *d, struct fuse_args *args, int ready_fd)
{
	char err[READY_LINE_MAX];
	int rc;

	d->exit_listener = -1;
	rc = start_camera(d, err, sizeof(err));
	if (rc >= 0)
		rc = start_fs(d, args, err, sizeof(err));
	if (rc >= 0 && d->emu_control_path[0])
		rc = emu_control_start(&d->ec, d->src.cam, d->emu_control_path,
				       err, sizeof(err));
	if (rc < 0) {
		report(ready_fd, err);
		stop_all(d);
		return 1;
	}
	wait_first_frame(d->store);
	log_info(MAIN, "mounted %s on %s", d->source_text, d->mountpoint);
	report(ready_fd, READY_OK);
	rc = fs_run(d->fs, d->o->single ? 1 : d->o->max_threads,
		    d->o->clone_fd);
	log_info(MAIN, "unmounting %s", d->mountpoint);
	stop_all(d);
	return rc < 0 ? 1 : 0;
}

/* ---- arguments ----------------------------------------------------------- */

/*
 * Camera thread: the next frame may come when readers took one more frame
 * (stream.mjpeg frames read to their end, latest.jpg opens) since the gate
 * last opened, or when the last dataset played published nothing (the
 * daemon dropped it: waiting for a reader would wait for ever).
 */
static bool replay_gate_open(void *arg)
{
	struct replay_gate *r = arg;
	struct fs *fs = atomic_load(&r->fs);
	struct frame_store_stats fst;
	struct fs_stats st;
	uint64_t taken;

	if (!fs)
		return false;
	frame_store_get_stats(r->store, &fst);
	fs_get_stats(fs, &st);
	taken = st.stream_frames + st.latest_opens;
	if (fst.published != r->published && taken == r->taken)
		return false;
	r->published = fst.published;
	r->taken = taken;
	return true;
}

/* replay=CAPTURE: the capture is read now, before going to the
 * background, so its errors reach the shell and a relative path works. */
static int setup_replay(struct options *o, struct daemon *d)
{
	struct capture_replay_options *ro = &d->src.replay.opt;
	char err[ERR_DETAIL_MAX];

	if (o->emu_fault || o->emu_fps || o->emu_small || o->emu_focus ||
	    o->emu_still || o->emu_control || o->emu_step_ms != UINT_MAX) {
		fprintf(stderr, PROG ": the emu_* options need the 'emulate' "
				"source\n");
		return -1;
	}
	if (tool_source_load(&d->src, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return -1;
	}
	ro->loop = o->replay_loop;
	ro->realtime = o->replay_realtime;
	if (!ro->realtime) {
		ro->gate = replay_gate_open;
		ro->gate_arg = &d->replay;
	}
	log_info(MAIN, "replay: %zu frames from %s",
		 capture_replay_frames(d->src.replay.rp), d->src.replay_path);
	return 0;
}

/* The FIFO path, made absolute now: the daemon changes to / when it goes
 * to the background. */
static int emu_control_path(const char *arg, struct daemon *d)
{
	char cwd[PATH_MAX];
	int n;

	if (arg[0] == '/') {
		n = snprintf(d->emu_control_path, sizeof(d->emu_control_path),
			     "%s", arg);
	} else if (getcwd(cwd, sizeof(cwd))) {
		n = snprintf(d->emu_control_path, sizeof(d->emu_control_path),
			     "%s/%s", cwd, arg);
	} else {
		fprintf(stderr, PROG ": emu_control: %s\n", strerror(errno));
		return -1;
	}
	if (n < 0 || (size_t)n >= sizeof(d->emu_control_path)) {
		fprintf(stderr, PROG ": emu_control: path too long\n");
		return -1;
	}
	return 0;
}

/* -o emu_still=WxH: the emulated camera's still size (smaller stills
 * for tests that take many). */
static int parse_still(const char *s, struct emu_config *cfg)
{
	unsigned long w, h;
	char *end;

	w = strtoul(s, &end, 10);
	if (end == s || *end != 'x')
		return -1;
	s = end + 1;
	h = strtoul(s, &end, 10);
	if (end == s || *end || w < EMU_STILL_MIN_PX || w > EMU_STILL_MAX_PX ||
	    h < EMU_STILL_MIN_PX || h > EMU_STILL_MAX_PX)
		return -1;
	cfg->still_width = (unsigned)w;
	cfg->still_height = (unsigned)h;
	return 0;
}

static int setup_source(struct options *o, struct daemon *d)
{
	char err[ERR_DETAIL_MAX];

	if (tool_source_parse(d->source_text, &d->src, err, sizeof(err)) < 0) {
		fprintf(stderr, PROG ": source '%s': %s\n", d->source_text, err);
		return -1;
	}
	if ((o->replay_loop || o->replay_realtime) &&
	    d->src.kind != TOOL_SOURCE_REPLAY) {
		fprintf(stderr, PROG ": loop and realtime need a replay=CAPTURE "
				"source\n");
		return -1;
	}
	if (d->src.kind == TOOL_SOURCE_REPLAY)
		return setup_replay(o, d);
	if ((o->emu_fault || o->emu_fps || o->emu_small || o->emu_focus ||
	     o->emu_still || o->emu_control || o->emu_step_ms != UINT_MAX) &&
	    d->src.kind != TOOL_SOURCE_EMULATE) {
		fprintf(stderr, PROG ": the emu_* options need the 'emulate' "
				"source\n");
		return -1;
	}
	if (o->emu_fps)
		d->src.emu.fps = o->emu_fps;
	d->src.emu.focus_frames = o->emu_focus;
	if (o->emu_step_ms != UINT_MAX)
		d->src.emu.step_ms = o->emu_step_ms;
	if (o->emu_control && emu_control_path(o->emu_control, d) < 0)
		return -1;
	if (o->emu_still && parse_still(o->emu_still, &d->src.emu) < 0) {
		fprintf(stderr, PROG ": emu_still=%s: WxH, each %u..%u\n",
			o->emu_still, EMU_STILL_MIN_PX, EMU_STILL_MAX_PX);
		return -1;
	}
	if (o->emu_small) {
		d->src.emu.width = EMU_SMALL_WIDTH;
		d->src.emu.height = EMU_SMALL_HEIGHT;
	}
	if (o->emu_fault) {
		/* -o splits on commas, so faults are separated by ':' here. */
		for (char *p = o->emu_fault; *p; p++)
			if (*p == ':')
				*p = ',';
		if (emu_fault_parse(o->emu_fault, &d->src.emu.faults, err,
				    sizeof(err)) < 0) {
			fprintf(stderr, PROG ": emu_fault: %s\n", err);
			return -1;
		}
	}
	return 0;
}

/* Our own mount options, always: the type shows as fuse.alphafs, the
 * source in /proc/mounts, and the kernel checks permissions by mode. */
static int add_mount_opts(struct fuse_args *args, const char *source)
{
	char opt[PATH_MAX];

	snprintf(opt, sizeof(opt),
		 "-osubtype=alphafs,fsname=alphafs:%s,default_permissions",
		 source);
	/* fsname must not contain a comma: libfuse would split it. */
	for (char *p = opt + strlen("-osubtype=alphafs,fsname="); *p; p++)
		if (*p == ',' && strncmp(p, ",default_permissions", 20))
			*p = '.';
	return fuse_opt_add_arg(args, opt);
}

static void free_options(struct options *o)
{
	/* Strings from fuse_opt_parse come from malloc. */
	free(o->pos[0]);
	free(o->pos[1]);
	free(o->emu_fault);
	free(o->emu_control);
	free(o->log_spec);
	free(o->captures_dir);
	free(o->emu_still);
}

static int run(struct options *o, struct fuse_args *args)
{
	struct daemon d = { .o = o };
	char mp[PATH_MAX];
	int ready_fd = -1, rc;

	if (o->npos == 0) {
		fprintf(stderr, PROG ": no mountpoint (see --help)\n");
		return 1;
	}
	if (!mount_control_mode_ok(o->control_mode)) {
		fprintf(stderr, PROG ": control_mode=%o: the owner must read and write (0600), nothing beyond read and write (0666)\n",
			o->control_mode);
		return 1;
	}
	d.source_text = o->npos == 2 ? o->pos[0] : "";
	if (o->frames > FS_FRAMES_MAX) {
		fprintf(stderr, PROG ": frames=%u: at most %u frames\n",
			o->frames, FS_FRAMES_MAX);
		return 1;
	}
	if (o->captures_max > FS_CAPTURES_MAX) {
		fprintf(stderr, PROG ": captures_max=%u: at most %u stills\n",
			o->captures_max, FS_CAPTURES_MAX);
		return 1;
	}
	if (mountpoint_check(o->pos[o->npos - 1], mp, o->recover, o->stack) <
		    0 ||
	    setup_source(o, &d) < 0)
		return 1;
	d.mountpoint = mp;
	if (!d.source_text[0])
		d.source_text = "usb";
	if (add_mount_opts(args, d.source_text) < 0) {
		tool_source_finish(&d.src);
		return 1;
	}
	if (!o->foreground) {
		ready_fd = go_background();
		if (ready_fd < 0) {
			fprintf(stderr, PROG ": cannot go to the background: "
					"%s\n",
				strerror(errno));
			tool_source_finish(&d.src);
			return 1;
		}
	}
	rc = serve(&d, args, ready_fd);
	tool_source_finish(&d.src); /* after the camera that used it */
	return rc;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct options o = {
		.reconnect_timeout = RECONNECT_TIMEOUT_DEFAULT,
		.linger = LINGER_DEFAULT,
		.frames = FS_FRAMES_DEFAULT,
		.captures_max = FS_CAPTURES_DEFAULT,
		.control_mode = MOUNT_CONTROL_MODE_DEFAULT,
		.emu_step_ms = UINT_MAX, /* not given */
	};
	int rc = 1;

	log_init();
	fuse_set_log_func(handle_fuse_log);
	if (fuse_opt_parse(&args, &o, opt_table(), opt_proc) < 0)
		goto out;
	if (o.show_help) {
		show_help();
		rc = 0;
		goto out;
	}
	if (o.show_version) {
		tool_print_version(PROG);
		rc = 0;
		goto out;
	}
	if (o.verbose)
		log_configure("info");
	if (o.debug)
		log_configure("debug");
	if (o.log_spec && log_configure(o.log_spec) < 0) {
		fprintf(stderr, PROG ": bad -o log=%s\n", o.log_spec);
		goto out;
	}
	if (o.linger > LINGER_MAX) {
		fprintf(stderr, PROG ": -o linger=%u: at most %u seconds "
				     "(0: never rest)\n", o.linger, LINGER_MAX);
		goto out;
	}
	rc = run(&o, &args);
out:
	free_options(&o);
	fuse_opt_free_args(&args);
	return rc;
}
