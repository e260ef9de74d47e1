/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * latest.jpg and the other snapshot files (info/device, info/status): open pins a snapshot,
 * every read on that handle returns bytes of it, release unpins it.
 * direct_io so the kernel neither caches pages of an older frame nor clamps
 * reads to a stale i_size; keep_cache stays 0 so the open drops any pages a
 * sendfile reader left behind (research/fuse.md 2.2).
 */
#include <errno.h>
#include <fcntl.h>

#include "fs/fs_internal.h"
#include "util/util.h"

/* O_TRUNC arrives with the open (FUSE_CAP_ATOMIC_O_TRUNC): a request to
 * change the file like any write. */
bool fs_open_wants_write(const struct fuse_file_info *fi)
{
	return (fi->flags & O_ACCMODE) != O_RDONLY || (fi->flags & O_TRUNC);
}

void fs_snap_reply_open(struct fs *fs, fuse_req_t req,
			struct fuse_file_info *fi, struct fs_snap *s, pid_t pid,
			bool reader)
{
	struct fs_handle *h = mem_calloc(1, sizeof(*h));

	if (!h) {
		fs_snap_put(s);
		if (reader)
			fs_reader_release(fs);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->ino = s->ino;
	h->pid = pid;
	h->reader = reader;
	h->snap = s;
	fi->fh = (uint64_t)(uintptr_t)h;
	/* A live/frames/ file never changes under its inode: the page cache
	 * may keep it (and mmap works). */
	fi->direct_io = h->ino != FS_INO_FRAME_FILE &&
			h->ino != FS_INO_CAPTURE_FILE;
	fi->keep_cache = !fi->direct_io;
	pthread_mutex_lock(&fs->lock);
	h->next = fs->snap_handles;
	fs->snap_handles = h;
	if (h->ino == FS_INO_LATEST) {
		fs->stats.latest_opens++;
		fs->stats.latest_open++;
	} else if (h->ino == FS_INO_FRAME_FILE) {
		fs->stats.frames_opens++;
		fs->stats.frames_open++;
	} else if (h->ino == FS_INO_CAPTURE_FILE) {
		fs->stats.captures_opens++;
		fs->stats.captures_open++;
	}
	pthread_mutex_unlock(&fs->lock);
	/* -ENOENT: the open was interrupted and no release will come
	 * (fuse_lowlevel.h, open). */
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_snap_release(fs, h);
}

void fs_snap_open(struct fs *fs, fuse_req_t req, enum fs_ino ino,
		  struct fuse_file_info *fi)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	struct fs_snap *s;

	if (fs_open_wants_write(fi)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	s = fs_snap_for(fs, ino, pid, true);
	if (!s) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fs_snap_reply_open(fs, req, fi, s, pid, false);
}

/* latest.jpg: ENODEV while the camera is gone (unless stale_frames), the
 * advertised or newest frame otherwise; before the first frame the open
 * is parked and answered by the first publish. The open is a reader (it
 * wakes a resting camera); after a rest it waits for a frame newer than
 * the ones from before (FS_WAKE_WAIT_S at most, then ETIMEDOUT): an old
 * frame is never served as the newest. */
void fs_latest_open(struct fs *fs, fuse_req_t req, struct fuse_file_info *fi)
{
	pid_t pid = fuse_req_ctx(req)->pid;
	enum frame_store_state st;
	struct fs_snap *s = NULL;
	uint64_t stale;

	if (fs_open_wants_write(fi)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	st = frame_store_get_state(fs->cfg.store, NULL, 0);
	if (st == FRAME_STORE_CLOSED ||
	    (st == FRAME_STORE_DISCONNECTED && !fs->cfg.stale_frames)) {
		fuse_reply_err(req, ENODEV);
		return;
	}
	fs_reader_hold(fs);
	/* Before the frame is taken: a wake may publish in between. */
	stale = st == FRAME_STORE_DISCONNECTED
			? 0
			: frame_store_fresh_after(fs->cfg.store);
	if (stale == 0)
		s = fs_snap_for(fs, FS_INO_LATEST, pid, true);
	if (s) {
		fs_snap_reply_open(fs, req, fi, s, pid, true);
		return;
	}
	fs_park(fs, &(struct fs_park){
			.req = req,
			.kind = FS_PARK_OPEN,
			.fi = *fi,
			.pid = pid,
			.after_seq = stale,
			.deadline_ns = stale ? clock_now_ns() +
						       FS_WAKE_WAIT_S * 1000000000ull
					     : 0,
			.reader = true,
		});
}

void fs_snap_read(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		  size_t size, off_t off)
{
	struct fs_snap *s;
	size_t n;

	/* Our own reference for the reply: the kernel has copied the bytes
	 * when writev returns, but the caller may close (RELEASE on another
	 * worker) right then, before this thread is done with the buffer as
	 * far as sanitizers that check writev after the call can tell. Taken
	 * under fs->lock, which the open held after filling the handle: the
	 * open -> read order then holds for thread checkers too. */
	pthread_mutex_lock(&fs->lock);
	s = fs_snap_get(h->snap);
	pthread_mutex_unlock(&fs->lock);

	if (off < 0 || (uint64_t)off >= s->len) {
		fuse_reply_buf(req, NULL, 0);
	} else {
		n = s->len - (size_t)off;
		if (n > size)
			n = size;
		fuse_reply_buf(req, (const char *)s->data + off, n);
	}
	fs_snap_put(s);
}

void fs_snap_release(struct fs *fs, struct fs_handle *h)
{
	pthread_mutex_lock(&fs->lock);
	for (struct fs_handle **pp = &fs->snap_handles; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
	if (h->ino == FS_INO_LATEST)
		fs->stats.latest_open--;
	else if (h->ino == FS_INO_FRAME_FILE)
		fs->stats.frames_open--;
	else if (h->ino == FS_INO_CAPTURE_FILE)
		fs->stats.captures_open--;
	pthread_cond_broadcast(&fs->drain_cond);
	if (h->reader)
		fs_reader_add_locked(fs, -1);
	pthread_mutex_unlock(&fs->lock);
	fs_snap_put(h->snap);
	mem_free(h);
}
