/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * live/stream.mjpeg: an endless series of whole JPEGs per open.
 *
 * Each reader pins at most one frame (the one it is in the middle of), so
 * memory stays bounded whatever readers do. A read returns bytes of that
 * frame only, never running past its end (short reads are normal for a
 * stream). At a frame boundary the reader jumps to the newest frame, so a
 * slow reader skips whole frames instead of falling behind. With nothing
 * new the read is parked (park.c), answered EAGAIN for O_NONBLOCK, or EOF
 * once the filesystem is shutting down: then a reader in the middle of a
 * frame receives the rest of it first, and no reader starts a new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "fs/fs_internal.h"
#include "util/util.h"

/* At a boundary (nothing of cur returned yet, or cur finished), move to
 * the newest frame if there is one newer. */
static void reader_advance_locked(struct fs *fs, struct fs_reader *rd)
{
	uint64_t after;
	struct frame *newer;

	if (rd->cur && rd->off > 0)
		return;
	after = rd->cur ? rd->cur->seq : rd->last_seq;
	newer = frame_store_newer(fs->cfg.store, after);
	if (!newer)
		return;
	if (rd->last_seq && newer->seq > rd->last_seq + 1) {
		rd->skipped += newer->seq - rd->last_seq - 1;
		fs->stats.stream_skipped += newer->seq - rd->last_seq - 1;
	}
	frame_unref(rd->cur);
	rd->cur = newer;
	rd->off = 0;
}

struct frame *fs_reader_take_locked(struct fs *fs, struct fs_reader *rd,
				    size_t size, size_t *off, size_t *len)
{
	struct frame *f;
	size_t n;

	/* Stopping: finish the frame a reader is in, start no other (a frame
	 * begun now might be cut by the end of the mount). */
	if (fs->closing && rd->cur && rd->off == 0) {
		frame_unref(rd->cur);
		rd->cur = NULL;
	}
	if (!fs->closing)
		reader_advance_locked(fs, rd);
	if (!rd->cur || size == 0)
		return NULL;
	f = frame_ref(rd->cur);
	n = f->len - rd->off;
	if (n > size)
		n = size;
	*off = rd->off;
	*len = n;
	rd->off += n;
	fs->stats.stream_bytes += n;
	if (rd->off == f->len) {
		/* Finished: unpin now, remember where we were. */
		rd->last_seq = f->seq;
		fs->stats.stream_frames++;
		frame_unref(rd->cur);
		rd->cur = NULL;
		rd->off = 0;
	}
	return f;
}

/* True when a read would return data at once. */
bool fs_reader_ready_locked(struct fs *fs, struct fs_reader *rd)
{
	struct frame *f;
	bool ready;

	if (rd->cur) /* unfinished or not yet started: data is there */
		return true;
	f = frame_store_latest(fs->cfg.store);
	ready = f && f->seq > rd->last_seq;
	frame_unref(f);
	return ready;
}

void fs_stream_open(struct fs *fs, fuse_req_t req, struct fuse_file_info *fi)
{
	struct frame *cur;
	struct fs_handle *h;
	struct fs_reader *rd;
	uint64_t stale, last = 0;

	if (fs_open_wants_write(fi)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	h = mem_calloc(1, sizeof(*h));
	rd = mem_calloc(1, sizeof(*rd));
	if (!h || !rd) {
		mem_free(h);
		mem_free(rd);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->ino = FS_INO_STREAM;
	h->pid = fuse_req_ctx(req)->pid;
	h->rd = rd;
	rd->h = h;
	/* A reader: a resting camera wakes. */
	pthread_mutex_lock(&fs->lock);
	rd->next = fs->readers.next;
	rd->prev = &fs->readers;
	fs->readers.next->prev = rd;
	fs->readers.next = rd;
	fs->stats.readers++;
	fs_reader_add_locked(fs, 1);
	pthread_mutex_unlock(&fs->lock);
	/* Start at the SOI of the newest whole frame: ffmpeg's probe receives
	 * data at once. While the camera is away, or after a rest, that
	 * frame is old: wait for the first one after it instead of passing
	 * it off as live (the stale mark is read first: a wake may publish
	 * in between). */
	stale = frame_store_fresh_after(fs->cfg.store);
	cur = frame_store_latest(fs->cfg.store);
	if (cur && ((stale && cur->seq <= stale) ||
		    frame_store_get_state(fs->cfg.store, NULL, 0) ==
			    FRAME_STORE_DISCONNECTED)) {
		last = cur->seq;
		frame_unref(cur);
		cur = NULL;
	}
	pthread_mutex_lock(&fs->lock);
	rd->cur = cur;
	rd->last_seq = last;
	pthread_mutex_unlock(&fs->lock);
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	fi->keep_cache = 0;
	/* No FLUSH on close: nothing to flush, and a reader that got EOF at
	 * unmount must be able to close without the daemon (ENOTCONN). */
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_stream_release(fs, h);
}

void fs_stream_read(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    size_t size, struct fuse_file_info *fi)
{
	size_t off = 0, len = 0;
	struct frame *f;
	bool closing;

	pthread_mutex_lock(&fs->lock);
	f = fs_reader_take_locked(fs, h->rd, size, &off, &len);
	closing = fs->closing;
	if (!f && !closing && (fi->flags & O_NONBLOCK))
		fs->stats.eagain++;
	pthread_mutex_unlock(&fs->lock);
	if (f) {
		fuse_reply_buf(req, (const char *)f->jpeg + off, len);
		frame_unref(f);
		return;
	}
	if (closing || size == 0) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		return;
	}
	fs_park(fs, &(struct fs_park){
			.req = req,
			.kind = FS_PARK_READ,
			.rd = h->rd,
			.size = size,
		});
}

void fs_stream_poll(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    struct fuse_pollhandle *ph)
{
	struct fuse_pollhandle *old = NULL;
	unsigned revents = 0;

	pthread_mutex_lock(&fs->lock);
	if (fs->closing || fs_reader_ready_locked(fs, h->rd)) {
		revents = POLLIN | POLLRDNORM;
		old = ph; /* ready now: the kernel asks again next time */
	} else if (ph) {
		/* Keep the newest handle; the listener notifies it. */
		old = h->rd->ph;
		h->rd->ph = ph;
	}
	pthread_mutex_unlock(&fs->lock);
	if (old)
		fuse_pollhandle_destroy(old);
	fuse_reply_poll(req, revents);
}

void fs_stream_release(struct fs *fs, struct fs_handle *h)
{
	struct fs_reader *rd;

	/* h was filled by the open on another worker: read it under the
	 * lock that open released (see handle_read). */
	pthread_mutex_lock(&fs->lock);
	rd = h->rd;
	rd->prev->next = rd->next;
	rd->next->prev = rd->prev;
	fs->stats.readers--;
	pthread_cond_broadcast(&fs->drain_cond);
	fs_reader_add_locked(fs, -1);
	pthread_mutex_unlock(&fs->lock);
	if (rd->ph)
		fuse_pollhandle_destroy(rd->ph);
	frame_unref(rd->cur);
	mem_free(rd);
	mem_free(h);
}
