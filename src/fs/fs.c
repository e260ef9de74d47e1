/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FUSE session: creation, the operations table, the multithreaded loop
 * and an orderly end (the order is in fs.h; shutdown.c runs it).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs_internal.h"
#include "util/util.h"

/* Set once this thread carries the workers' name. */
static _Thread_local bool worker_named;

void fs_worker_name(void)
{
	if (worker_named)
		return;
	worker_named = true;
	/* Never the main thread (a single-threaded loop runs there): its
	 * name is the process's, which ps, pgrep and the logs show. */
	if (gettid() != getpid())
		thread_name_self(FS_WORKER_THREAD_NAME);
}

static struct fs *req_fs(fuse_req_t req)
{
	fs_worker_name();
	return fuse_req_userdata(req);
}

static struct fs_handle *fi_handle(const struct fuse_file_info *fi)
{
	return (struct fs_handle *)(uintptr_t)fi->fh;
}

static void handle_open(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);

	if (fs_open_refused(fs, req)) {
		fuse_reply_err(req, fs_node_get(ino) || fs_frames_ino(ino) ||
					    fs_captures_ino(ino)
				    ? ENODEV
				    : ENOENT);
		return;
	}
	if (fs_frames_ino(ino)) {
		fs_frames_open(fs, req, ino, fi);
		return;
	}
	if (fs_captures_ino(ino)) {
		fs_captures_open(fs, req, ino, fi);
		return;
	}
	switch (ino) {
	case FS_INO_LATEST:
		fs_latest_open(fs, req, fi);
		return;
	case FS_INO_STREAM:
		fs_stream_open(fs, req, fi);
		return;
	case FS_INO_DEVICE:
	case FS_INO_STATUS:
		fs_snap_open(fs, req, (enum fs_ino)ino, fi);
		return;
	case FS_INO_EVENTS:
		fs_events_open(fs, req, fi);
		return;
	default:
		if (!fs_node_get(ino))
			fs_control_open(fs, req, ino, fi);
		else
			fuse_reply_err(req, EISDIR);
		return;
	}
}

static void handle_read(fuse_req_t req, fuse_ino_t ino, size_t size,
			off_t off, struct fuse_file_info *fi)
{
	struct fs_handle *h = fi_handle(fi);

	fs_note_activity(req_fs(req), h);
	/* Dispatch on ino, not on *h: the handle was filled by the open on
	 * another worker, and only fs->lock (taken by both) orders that for
	 * thread checkers; the kernel's own ordering is invisible to them. */
	if (ino == FS_INO_STREAM)
		fs_stream_read(req_fs(req), req, h, size, fi);
	else if (ino == FS_INO_EVENTS)
		fs_events_read(req_fs(req), req, h, size, fi);
	else
		fs_snap_read(req_fs(req), req, h, size, off);
}

/* Only control/ files open for writing (the others refuse at open). */
static void handle_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			 size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)off, (void)fi; /* each write(2) is one whole value */
	fs_control_write(req_fs(req), req, ino, buf, size);
}

static void handle_release(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	struct fs_handle *h = fi_handle(fi);

	fs_note_activity(req_fs(req), NULL);
	if (ino == FS_INO_STREAM)
		fs_stream_release(req_fs(req), h);
	else if (ino == FS_INO_EVENTS)
		fs_events_release(req_fs(req), h);
	else
		fs_snap_release(req_fs(req), h);
	fuse_reply_err(req, 0);
}

/*
 * close(2) sends FLUSH and waits for it; RELEASE follows asynchronously and
 * may reach us after the same process has stat'ed the file again. A
 * flushed handle no longer describes what that process reads, so a stat
 * must not answer from it (snap.c), or stat and the next open disagree.
 *
 * While stopping, FLUSH is answered ENOSYS: the kernel turns that into
 * success for this close() and never sends FLUSH on this connection again
 * (fs/fuse/file.c, fuse_flush: fc->no_flush), so a file closed after the
 * daemon has gone closes with 0 instead of ENOTCONN (shutdown.c).
 */
static void handle_flush(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct fs *fs = req_fs(req);
	struct fs_handle *h = fi_handle(fi);
	bool off;

	fs_note_activity(fs, h);
	pthread_mutex_lock(&fs->lock);
	if (ino != FS_INO_STREAM && ino != FS_INO_EVENTS && h)
		h->flushed = true;
	off = fs->closing;
	if (off) {
		fs->flush_off = true;
		pthread_cond_broadcast(&fs->drain_cond);
	}
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_err(req, off ? ENOSYS : 0);
}

static void handle_poll(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct fs_handle *h = fi_handle(fi);

	fs_note_activity(req_fs(req), h);
	if (ino == FS_INO_STREAM) {
		fs_stream_poll(req_fs(req), req, h, ph);
		return;
	}
	if (ino == FS_INO_EVENTS) {
		fs_events_poll(req_fs(req), req, h, ph);
		return;
	}
	/* A snapshot is always readable. */
	if (ph)
		fuse_pollhandle_destroy(ph);
	fuse_reply_poll(req, POLLIN | POLLRDNORM);
}

static const struct fuse_lowlevel_ops *ops_table(void)
{
	static struct fuse_lowlevel_ops ops;

	if (!ops.open) {
		fs_tree_ops(&ops);
		fs_readonly_ops(&ops);
		ops.open = handle_open;
		ops.read = handle_read;
		ops.release = handle_release;
		ops.flush = handle_flush;
		ops.poll = handle_poll;
		ops.write = handle_write;
	}
	return &ops;
}

struct fs *fs_create(const struct fs_config *cfg)
{
	struct fs *fs = mem_calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->cfg = *cfg;
	fs->start_mono_ns = clock_now_ns();
	fs->start_wall_ns = clock_wall_ns();
	fs->readers.next = fs->readers.prev = &fs->readers;
	fs_events_init(fs);
	pthread_mutex_init(&fs->lock, NULL);
	clock_cond_init(&fs->timer_cond);
	clock_cond_init(&fs->drain_cond);
	pthread_cond_init(&fs->idle_cond, NULL);
	sem_init(&fs->stop_sem, 0, 0);
	fs->listener_id =
		frame_store_add_listener(cfg->store, fs_park_handle_store, fs);
	if (fs->listener_id < 0) {
		fs_destroy(fs);
		return NULL;
	}
	/* Learn the state the store is in now (it may already be live). */
	fs_park_handle_store(fs);
	if (fs_frames_create(fs) < 0 || fs_captures_create(fs) < 0) {
		fs_destroy(fs);
		return NULL;
	}
	return fs;
}

int fs_mount(struct fs *fs, struct fuse_args *args, const char *mountpoint,
	     char *err, size_t cap)
{
	char *canon = realpath(mountpoint, NULL);

	/* Canonical, as the mount table shows it (shutdown.c compares). */
	mem_free(fs->mountpoint);
	fs->mountpoint = mem_strdup(canon ? canon : mountpoint);
	free(canon); /* from realpath's malloc */
	if (!fs->mountpoint) {
		snprintf(err, cap, "out of memory");
		return ALPHAFS_ERR_NOMEM;
	}
	fs->se = fuse_session_new(args, ops_table(), sizeof(struct fuse_lowlevel_ops),
				  fs);
	if (!fs->se) {
		snprintf(err, cap, "invalid FUSE options (see --help)");
		return ALPHAFS_ERR_INVALID;
	}
	/* Ours, not fuse_set_signal_handlers: a signal must not end the loop
	 * before the readers are done (shutdown.c). */
	if (fs_signals_install(fs) != 0) {
		snprintf(err, cap, "cannot install signal handlers");
		goto err_session;
	}
	fs->handlers_set = true;
	if (fuse_session_mount(fs->se, mountpoint) != 0) {
		snprintf(err, cap, "cannot mount on %s", mountpoint);
		goto err_session;
	}
	fs->mounted = true;
	fs_mount_remember(fs);
	return 0;

err_session:
	if (fs->handlers_set)
		fs_signals_remove(fs);
	fs->handlers_set = false;
	fuse_session_destroy(fs->se);
	fs->se = NULL;
	return ALPHAFS_ERR_IO;
}

int fs_run(struct fs *fs, unsigned max_threads, bool clone_fd)
{
	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	pthread_t timer, stopper;
	int rc;

	if (!lc)
		return ALPHAFS_ERR_NOMEM;
	if (max_threads)
		fuse_loop_cfg_set_max_threads(lc, max_threads);
	fuse_loop_cfg_set_clone_fd(lc, clone_fd);
	if (fs_timer_start(fs, &timer) < 0) {
		fuse_loop_cfg_destroy(lc);
		return ALPHAFS_ERR_NOMEM;
	}
	if (fs_stopper_start(fs, &stopper) < 0) {
		fs_timer_stop(fs, timer);
		fuse_loop_cfg_destroy(lc);
		return ALPHAFS_ERR_NOMEM;
	}
	rc = fuse_session_loop_mt(fs->se, lc);
	fs_stopper_join(fs, stopper);
	fs_timer_stop(fs, timer);
	fuse_loop_cfg_destroy(lc);
	log_info(FS, "session loop ended (%d)", rc);
	return rc < 0 ? ALPHAFS_ERR_IO : 0;
}

void fs_shutdown(struct fs *fs)
{
	if (!fs)
		return;
	fs_park_release_all(fs);
	fs_control_release_all(fs);
}

void fs_unmount(struct fs *fs)
{
	if (!fs || !fs->se)
		return;
	fs_shutdown(fs);
	fs_park_detach(fs);
	if (fs->handlers_set)
		fs_signals_remove(fs);
	fs->handlers_set = false;
	if (fs->mounted)
		fs_session_unmount(fs);
	fs->mounted = false;
	fuse_session_destroy(fs->se);
	fs->se = NULL;
}

/* Files still open when the session ended get no RELEASE: free them. */
static void free_open_handles(struct fs *fs)
{
	while (fs->readers.next != &fs->readers)
		fs_stream_release(fs, fs->readers.next->h);
	while (fs->events.readers.next != &fs->events.readers)
		fs_events_release(fs, fs->events.readers.next->h);
	while (fs->snap_handles)
		fs_snap_release(fs, fs->snap_handles);
}

void fs_destroy(struct fs *fs)
{
	if (!fs)
		return;
	fs_unmount(fs);
	if (fs->listener_id >= 0)
		frame_store_remove_listener(fs->cfg.store, fs->listener_id);
	fs_frames_destroy(fs);
	free_open_handles(fs);
	fs_captures_destroy(fs);
	/* Writes still waiting have had their ECANCELED (fs_shutdown); what
	 * holds them must be stopped before this (fs.h). */
	pthread_mutex_lock(&fs->lock);
	fs_adverts_clear_locked(fs);
	pthread_mutex_unlock(&fs->lock);
	pthread_cond_destroy(&fs->idle_cond);
	pthread_cond_destroy(&fs->drain_cond);
	pthread_cond_destroy(&fs->timer_cond);
	pthread_mutex_destroy(&fs->lock);
	sem_destroy(&fs->stop_sem);
	mem_free(fs->mountpoint);
	mem_free(fs);
}

void fs_get_stats(struct fs *fs, struct fs_stats *out)
{
	pthread_mutex_lock(&fs->lock);
	*out = fs->stats;
	out->parked = fs->nparked;
	pthread_mutex_unlock(&fs->lock);
}
