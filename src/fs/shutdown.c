/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The end of a mount, owned by us rather than by libfuse's signal handlers.
 *
 * libfuse's handlers end the request loop at once (fuse_session_exit), and
 * fuse_session_unmount then closes /dev/fuse before it unmounts. Closing
 * the device aborts the connection: a read still queued in the kernel
 * fails with ECONNABORTED, a later one with ENOTCONN, and close() of a file
 * that sends FLUSH (latest.jpg, info/) fails with ENOTCONN. So on SIGTERM,
 * SIGINT or SIGHUP we do it in this order instead, with the loop running:
 *
 *   1. The handler only counts the signal and posts a semaphore (all it
 *      may do); the stop thread below does the work.
 *   2. Stop taking opens (ENODEV, fs_open_refused), answer every parked
 *      read with end of file, and let reads in progress finish the frame
 *      they are in (stream.c): a reader sees a whole last frame, then EOF.
 *      FLUSH is answered ENOSYS from now on, which the kernel takes as
 *      success and as "never send FLUSH again" (fuse_flush, fc->no_flush),
 *      so a close() after we are gone returns 0 instead of ENOTCONN.
 *   3. Wait for the open files to be closed, for as long as their readers
 *      keep using them: until each file still open has had no request for
 *      FS_DRAIN_IDLE_MS (on its own clock, counted from the stop at the
 *      earliest), FS_DRAIN_MAX_MS in all. A reader that never reads again
 *      does not hold us, however busy the others are until they close. A
 *      second signal cuts the wait short.
 *   4. If a snapshot file (FLUSH on close) is still open and no FLUSH was
 *      answered ENOSYS yet, have a helper process open and close
 *      info/device, so that one is (switch_flush_off).
 *   5. Detach the mount from its path (umount2 MNT_DETACH, or fusermount3
 *      -uz when not root), only if the mount on top there is ours. Lazily:
 *      a process in the middle of a lookup, or of an open we refuse, would
 *      make a plain unmount fail (EBUSY). New lookups now see the directory
 *      underneath; the kernel ends the connection as soon as the detached
 *      mount has no user left (at once when every file was closed), and
 *      the loop returns by itself (ENODEV).
 *   6. Otherwise, after a short grace, end the loop ourselves: libfuse's
 *      exit flag, and SIGTERM to the loop thread, repeated, since
 *      fuse_session_loop_mt only looks at the flag when its sem_wait is
 *      interrupted. A file still open then fails its next read (ENOTCONN)
 *      and closes with 0.
 * fs_unmount then closes the device through fuse_session_unmount, which
 * unmounts by path only when the mount on top at the path is still ours
 * (disown_path): never someone else's mount, nor one stacked over ours.
 *
 * An unmount from outside (fusermount3 -u, which the kernel refuses while
 * a file is open) ends the connection, and the loop, the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/fs_internal.h"
#include "util/util.h"

#define NS_PER_MS UINT64_C(1000000)
/* Hang guard: the loop to notice it must end. */
#define LOOP_END_DEADLINE_MS 10000

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* The fs the termination signals stop (one mount per process, as with
 * libfuse's own handlers). */
static _Atomic(struct fs *) signal_fs;

_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
	       "the signal handler needs lock-free atomics");

/* Async-signal-safe: atomics and sem_post only. */
static void handle_stop_signal(int sig)
{
	struct fs *fs = atomic_load(&signal_fs);
	int saved = errno;

	(void)sig;
	if (fs) {
		atomic_fetch_add(&fs->stop_signals, 1);
		sem_post(&fs->stop_sem);
	}
	errno = saved;
}

int fs_signals_install(struct fs *fs)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the loop thread waits in sem_wait, which SA_RESTART
	 * would restart (signal(7)), and it must look at libfuse's exit flag
	 * when we interrupt it (end_loop). Our threads and libfuse's workers
	 * block these signals, so a process-directed one lands in the loop
	 * thread too (or in a library's thread, where the handler is just as
	 * harmless). */
	sa.sa_flags = 0;
	sa.sa_handler = handle_stop_signal;
	atomic_store(&signal_fs, fs);
	for (size_t i = 0; i < ARRAY_LEN(fs->old_sa); i++) {
		/* As libfuse does, SIGPIPE last and ignored: a reader gone from
		 * a pipe we write to (the readiness pipe) is an error return,
		 * not the end of the daemon. */
		int sig = i < ARRAY_LEN(stop_signals) ? stop_signals[i] : SIGPIPE;

		if (sig == SIGPIPE)
			sa.sa_handler = SIG_IGN;
		if (sigaction(sig, &sa, &fs->old_sa[i]) < 0) {
			while (i-- > 0)
				sigaction(i < ARRAY_LEN(stop_signals)
						  ? stop_signals[i]
						  : SIGPIPE,
					  &fs->old_sa[i], NULL);
			atomic_store(&signal_fs, NULL);
			return ALPHAFS_ERR_IO;
		}
	}
	return 0;
}

void fs_signals_remove(struct fs *fs)
{
	for (size_t i = 0; i < ARRAY_LEN(stop_signals); i++)
		sigaction(stop_signals[i], &fs->old_sa[i], NULL);
	sigaction(SIGPIPE, &fs->old_sa[ARRAY_LEN(stop_signals)], NULL);
	atomic_store(&signal_fs, NULL);
}

void fs_note_activity(struct fs *fs, struct fs_handle *h)
{
	uint64_t now = clock_now_ns();

	atomic_store_explicit(&fs->last_activity_ns, now,
			      memory_order_relaxed);
	if (!h)
		return;
	/* Under the lock, not as an atomic: the handle was made by the open
	 * on another worker, and only fs->lock orders that for thread
	 * checkers (the kernel's ordering is invisible to them; fs.c). */
	pthread_mutex_lock(&fs->lock);
	h->last_ns = now;
	pthread_mutex_unlock(&fs->lock);
}

bool fs_open_refused(struct fs *fs, fuse_req_t req)
{
	bool refused;

	pthread_mutex_lock(&fs->lock);
	refused = fs->closing &&
		  (!fs->self_pid || fuse_req_ctx(req)->pid != fs->self_pid);
	pthread_mutex_unlock(&fs->lock);
	return refused;
}

/* ---- the mount point ---------------------------------------------------- */

/* The id of the mount on top at path into *id (0: nothing mounted there).
 * Negative when the mount table cannot be read. */
static int top_mount_id(const char *path, unsigned *id)
{
	struct mount_entry e;
	char *text;
	size_t len;
	int rc;

	rc = mountinfo_read(&text, &len);
	if (rc < 0)
		return rc;
	rc = mountinfo_top(text, len, path, &e);
	mem_free(text);
	if (rc < 0)
		return rc;
	*id = rc == 1 ? e.id : 0;
	return 0;
}

void fs_mount_remember(struct fs *fs)
{
	unsigned id = 0;

	if (top_mount_id(fs->mountpoint, &id) < 0 || !id)
		log_warn(FS, "%s: not found in the mount table; it will be "
			     "unmounted by path without checking it is ours",
			 fs->mountpoint);
	fs->mount_id = id;
}

bool fs_mount_is_top(struct fs *fs)
{
	unsigned id = 0;

	if (!fs->mount_id || top_mount_id(fs->mountpoint, &id) < 0)
		return true; /* unknown: as libfuse would */
	return id == fs->mount_id;
}

/*
 * Step 4: detaches our mount from its path (lazily, so a process in the
 * middle of a path lookup or an open we refuse does not make it EBUSY).
 * New lookups see the directory underneath; the kernel ends the connection
 * when the last user of the detached mount goes, at once when none is left.
 */
static void detach(struct fs *fs)
{
	int rc;

	if (!fs_mount_is_top(fs)) {
		log_info(FS, "%s: the mount on top there is not ours; not "
			     "unmounting it",
			 fs->mountpoint);
		return;
	}
	rc = mount_detach(fs->mountpoint);
	if (rc < 0)
		log_warn(FS, "%s: cannot unmount: %s", fs->mountpoint,
			 alphafs_strerror(rc));
}

/*
 * libfuse's fuse_session_unmount closes the device and then unmounts the
 * path lazily, unless the descriptor polls POLLERR, libfuse's sign that the
 * connection is gone already (lib/mount.c, fuse_kern_unmount). When the
 * mount at our path is not ours (we detached it; or fusermount3 -uz did;
 * or another is mounted over it), point the session's descriptor at the
 * write end of a pipe without a reader, which polls POLLERR: dup2 closes
 * /dev/fuse (ending the connection if it was not) and libfuse only closes
 * the pipe, never unmounting what is at the path now. After the loop only
 * (nothing else uses the descriptor then).
 */
static void disown_path(struct fs *fs)
{
	int p[2], fd = fuse_session_fd(fs->se);

	if (fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
		log_warn(FS, "cannot keep libfuse from unmounting %s: %s",
			 fs->mountpoint, strerror(errno));
		return;
	}
	close(p[0]);
	if (dup2(p[1], fd) < 0)
		log_warn(FS, "cannot keep libfuse from unmounting %s: %s",
			 fs->mountpoint, strerror(errno));
	close(p[1]);
}

void fs_session_unmount(struct fs *fs)
{
	if (!fs_mount_is_top(fs))
		disown_path(fs);
	fuse_session_unmount(fs->se);
}

/* ---- the stop thread ---------------------------------------------------- */

/* Open files that still hold a reader (a flushed one was closed). */
static size_t open_files_locked(struct fs *fs)
{
	size_t n = fs->stats.readers;

	for (struct fs_handle *h = fs->snap_handles; h; h = h->next)
		n += !h->flushed;
	return n;
}

/* Waits on drain_cond for at most one slot, then counts it (drain.h). */
static void wait_slot_locked(struct fs *fs, struct drain_clock *c)
{
	struct timespec ts;

	clock_deadline(&ts, DRAIN_SLOT_MS);
	pthread_cond_timedwait(&fs->drain_cond, &fs->lock, &ts);
	drain_tick(c, clock_now_ns());
}

static bool file_idle_locked(const struct drain_clock *c, struct fs_handle *h)
{
	return drain_watch_idle(c, &h->drain, h->last_ns);
}

/* The mount's watch: the last request of any kind (closes too). Kept up
 * to date from the start of the drain, for end_loop. */
static bool all_idle(struct fs *fs, const struct drain_clock *c,
		     struct drain_watch *all)
{
	return drain_watch_idle(c, all,
				atomic_load_explicit(&fs->last_activity_ns,
						     memory_order_relaxed));
}

/* The end of step 3's wait: every file still open idle on its own clock,
 * FS_DRAIN_MAX_MS in all, or a second signal. Looks at every open file
 * each time: each watch must see its file's requests as they come. */
static bool drained_enough_locked(struct fs *fs, struct drain_clock *c,
				  struct drain_watch *all)
{
	bool idle = true;

	(void)all_idle(fs, c, all);
	for (struct fs_reader *rd = fs->readers.next; rd != &fs->readers;
	     rd = rd->next)
		idle &= file_idle_locked(c, rd->h);
	for (struct fs_handle *h = fs->snap_handles; h; h = h->next)
		if (!h->flushed)
			idle &= file_idle_locked(c, h);
	return idle || drain_expired(c) || atomic_load(&fs->stop_signals) > 1;
}

/* end_loop's wait once every file was closed: FS_DRAIN_IDLE_MS after the
 * last request of any kind, FS_DRAIN_MAX_MS in all, or a second signal. */
static bool quiet_enough(struct fs *fs, const struct drain_clock *c,
			 struct drain_watch *all)
{
	return all_idle(fs, c, all) || drain_expired(c) ||
	       atomic_load(&fs->stop_signals) > 1;
}

/* Step 3. Returns the files still open. */
static size_t drain(struct fs *fs, struct drain_clock *c,
		    struct drain_watch *all)
{
	size_t left;

	pthread_mutex_lock(&fs->lock);
	while ((left = open_files_locked(fs)) > 0 && !fs->loop_ended &&
	       !drained_enough_locked(fs, c, all))
		wait_slot_locked(fs, c);
	pthread_mutex_unlock(&fs->lock);
	return left;
}

/* How long the FLUSH switch's helper may take (a hang guard: it takes a
 * few ms; a daemon under valgrind on a loaded machine once needed more
 * than 2 s for the fork, the helper's open and its FLUSH). */
#define SWITCH_DEADLINE_MS 6000

/* The helper process: once told to go, /bin/sh opens path as its input
 * and exits, which closes it. It holds no descriptor of ours (above all
 * not /dev/fuse: a helper stuck in its close would otherwise keep the
 * connection, and itself, alive for ever). Between fork and exec only
 * async-signal-safe calls: we are a multithreaded process. The exec also
 * takes the helper out of any instrumentation the daemon runs under. */
static void switch_helper(int go_fd, const char *path)
{
	char *const argv[] = { "sh", "-c", "exec <\"$1\"", "sh",
			       (char *)path, NULL };
	char *const envp[] = { NULL };
	int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	char go;

	if (null_fd < 0 || dup2(null_fd, STDOUT_FILENO) < 0 ||
	    dup2(null_fd, STDERR_FILENO) < 0 || dup2(go_fd, STDIN_FILENO) < 0 ||
	    close_range(STDERR_FILENO + 1, ~0u, 0) < 0 ||
	    read(STDIN_FILENO, &go, 1) != 1)
		_exit(1);
	execve("/bin/sh", argv, envp);
	_exit(1);
}

/*
 * Step 5's FLUSH switch: one open and close of our own info/device, so
 * that the kernel sends us a FLUSH to answer ENOSYS. Done by a child
 * process, not by a thread of ours: a thread of the daemon blocked in a
 * request to its own mount could never be killed, and under valgrind it
 * holds the lock every thread needs to answer it. The child's open is let
 * through fs_open_refused by its pid.
 */
static void switch_flush_off(struct fs *fs)
{
	char path[MOUNTINFO_PATH_MAX];
	uint64_t end = clock_now_ms() + SWITCH_DEADLINE_MS;
	int p[2], status = 0, rc = 0;
	bool needed;
	pid_t pid;

	pthread_mutex_lock(&fs->lock);
	needed = fs->snap_handles && !fs->flush_off;
	pthread_mutex_unlock(&fs->lock);
	if (!needed || !fs_mount_is_top(fs))
		return;
	snprintf(path, sizeof(path), "%s/info/device", fs->mountpoint);
	if (pipe2(p, O_CLOEXEC) < 0)
		goto err;
	pid = fork();
	if (pid == 0)
		switch_helper(p[0], path);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		goto err;
	}
	pthread_mutex_lock(&fs->lock);
	fs->self_pid = pid;
	pthread_mutex_unlock(&fs->lock);
	if (write(p[1], "g", 1) != 1)
		kill(pid, SIGKILL);
	close(p[1]);
	while ((rc = waitpid(pid, &status, WNOHANG)) == 0 &&
	       clock_now_ms() < end)
		clock_sleep_ms(5);
	pthread_mutex_lock(&fs->lock);
	fs->self_pid = 0;
	pthread_mutex_unlock(&fs->lock);
	if (rc == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	if (rc == 0)
		kill(pid, SIGKILL); /* reaped by init once we are gone */
	log_warn(FS, "%s: the open and close that switch FLUSH off did not "
		     "work; a later close() of a file left open may fail",
		 path);
	return;
err:
	log_warn(FS, "cannot switch FLUSH off: %s; a later close() of a file "
		     "left open may fail",
		 strerror(errno));
}

/* Waits for the loop to end by itself (the kernel ends the connection
 * when the last user of the detached mount goes), giving requests in
 * flight GRACE_MS at least and, when every file was closed, as long as
 * the drain would have waited for them; then ends it: sets libfuse's exit
 * flag and interrupts the loop thread's sem_wait, over and over, since a
 * signal landing just before sem_wait would be missed. */
#define GRACE_MS 50u

static void end_loop(struct fs *fs, struct drain_clock *c,
		     struct drain_watch *all, bool all_closed)
{
	uint64_t grace = clock_now_ns() + GRACE_MS * NS_PER_MS;
	uint64_t end = clock_now_ms() + LOOP_END_DEADLINE_MS;

	pthread_mutex_lock(&fs->lock);
	while (!fs->loop_ended &&
	       (clock_now_ns() < grace || (all_closed && !quiet_enough(fs, c, all))))
		wait_slot_locked(fs, c);
	if (!fs->loop_ended)
		fuse_session_exit(fs->se);
	while (!fs->loop_ended && clock_now_ms() < end) {
		pthread_mutex_unlock(&fs->lock);
		/* Our own handler: in the loop thread it only cuts sem_wait. */
		pthread_kill(fs->loop_thread, SIGTERM);
		pthread_mutex_lock(&fs->lock);
		if (!fs->loop_ended)
			wait_slot_locked(fs, c);
	}
	if (!fs->loop_ended)
		log_err(FS, "the request loop did not end");
	pthread_mutex_unlock(&fs->lock);
}

static void stop(struct fs *fs)
{
	struct drain_clock clock;
	struct drain_watch all = { 0 };
	size_t left, mid = 0;

	fs_note_activity(fs, NULL);
	pthread_mutex_lock(&fs->lock);
	left = open_files_locked(fs);
	for (struct fs_reader *rd = fs->readers.next; rd != &fs->readers;
	     rd = rd->next)
		mid += rd->cur && rd->off > 0;
	pthread_mutex_unlock(&fs->lock);
	log_info(FS, "stopping: %zu open file%s, %zu stream reader%s in the "
		     "middle of a frame",
		 left, left == 1 ? "" : "s", mid, mid == 1 ? "" : "s");
	fs_park_release_all(fs);
	drain_clock_init(&clock, clock_now_ns());
	left = drain(fs, &clock, &all);
	if (left) {
		log_warn(FS, "%zu file%s still open; leaving without %s", left,
			 left == 1 ? "" : "s", left == 1 ? "it" : "them");
		switch_flush_off(fs);
	}
	detach(fs);
	end_loop(fs, &clock, &all, left == 0);
	log_info(FS, "stopped after %" PRIu64 " ms",
		 (clock_now_ns() - clock.start_ns) / NS_PER_MS);
}

static void *stop_main(void *arg)
{
	struct fs *fs = arg;

	for (;;) {
		bool ended;

		/* Unmounted from outside: nothing left to stop. */
		pthread_mutex_lock(&fs->lock);
		ended = fs->loop_ended;
		pthread_mutex_unlock(&fs->lock);
		if (ended)
			return NULL;
		if (atomic_load(&fs->stop_signals) > 0) {
			stop(fs);
			return NULL;
		}
		while (sem_wait(&fs->stop_sem) < 0 && errno == EINTR)
			;
	}
}

int fs_stopper_start(struct fs *fs, pthread_t *tid)
{
	pthread_mutex_lock(&fs->lock);
	fs->loop_thread = pthread_self();
	fs->loop_ended = false;
	pthread_mutex_unlock(&fs->lock);
	return thread_start(tid, FS_STOP_THREAD_NAME, stop_main, fs);
}

void fs_stopper_join(struct fs *fs, pthread_t tid)
{
	pthread_mutex_lock(&fs->lock);
	fs->loop_ended = true;
	pthread_cond_broadcast(&fs->drain_cond);
	pthread_mutex_unlock(&fs->lock);
	sem_post(&fs->stop_sem);
	pthread_join(tid, NULL);
}
