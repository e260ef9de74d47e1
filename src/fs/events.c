/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /events: one line per camera event, from each reader's open on, like
 * `tail -f` on a log that only grows.
 *
 * The lines live in one ring of the newest FS_EVENTS_BACKLOG, shared by
 * every reader; each reader has a cursor (the sequence number of its next
 * line) and the line it is in the middle of, copied out of the ring, so a
 * line is never torn whatever read sizes a client uses. Memory is bounded
 * whatever readers do: a reader that falls more than the backlog behind
 * receives one line "TIME dropped N events ..." where it lost them, then goes
 * on with the oldest line kept. Every reader sees every line otherwise.
 *
 * A read returns what is there at once (as many whole lines as fit, or the
 * rest of one), is parked while there is nothing (park.c answers it when a
 * line is posted), receives EAGAIN with O_NONBLOCK, and end of file once the
 * filesystem stops, as stream.mjpeg does; poll() says POLLIN when a line
 * (or the end) is there. Lines keep coming through a camera disconnect:
 * they report it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "fs/fs_internal.h"
#include "util/util.h"

void fs_events_init(struct fs *fs)
{
	fs->events.next_seq = 1;
	fs->events.readers.next = fs->events.readers.prev = &fs->events.readers;
}

static uint64_t oldest_locked(const struct fs *fs)
{
	uint64_t next = fs->events.next_seq;

	return next > FS_EVENTS_BACKLOG ? next - FS_EVENTS_BACKLOG : 1;
}

void fs_events_post(struct fs *fs, const char *line, size_t len)
{
	struct fs_event *e;

	if (!fs || !line)
		return;
	if (len > FS_EVENT_LINE_MAX - 1)
		len = FS_EVENT_LINE_MAX - 1;
	pthread_mutex_lock(&fs->lock);
	e = &fs->events.ring[fs->events.next_seq % FS_EVENTS_BACKLOG];
	memcpy(e->text, line, len);
	e->text[len] = '\n';
	e->len = (uint16_t)(len + 1);
	fs->events.next_seq++;
	fs->events.last_wall_ns = clock_wall_ns();
	fs->stats.events_posted++;
	pthread_mutex_unlock(&fs->lock);
	/* Parked reads and poll()ers (park.c), answered outside the lock. */
	fs_park_answer(fs);
}

/* The next line for ev into ev->line: the note of what it missed, or the
 * line at its cursor. False when there is none yet. */
static bool next_line_locked(struct fs *fs, struct fs_ev_reader *ev)
{
	uint64_t oldest = oldest_locked(fs);
	const struct fs_event *e;
	char when[CLOCK_ISO_MAX];
	int n;

	if (ev->cursor < oldest) {
		uint64_t missed = oldest - ev->cursor;

		clock_wall_iso(clock_wall_ns(), when, sizeof(when));
		n = snprintf(ev->line, sizeof(ev->line),
			     "%s dropped %" PRIu64
			     " events (this reader fell more than %u lines behind)\n",
			     when, missed, FS_EVENTS_BACKLOG);
		ev->line_len = n > 0 && (size_t)n < sizeof(ev->line)
				       ? (size_t)n
				       : sizeof(ev->line) - 1;
		ev->line_off = 0;
		ev->cursor = oldest;
		ev->dropped += missed;
		fs->stats.events_dropped += missed;
		return true;
	}
	if (ev->cursor >= fs->events.next_seq)
		return false;
	e = &fs->events.ring[ev->cursor % FS_EVENTS_BACKLOG];
	memcpy(ev->line, e->text, e->len);
	ev->line_len = e->len;
	ev->line_off = 0;
	ev->cursor++;
	return true;
}

bool fs_events_ready_locked(struct fs *fs, struct fs_ev_reader *ev)
{
	return ev->line_off < ev->line_len || ev->cursor < fs->events.next_seq;
}

size_t fs_events_take_locked(struct fs *fs, struct fs_ev_reader *ev,
			     char *out, size_t cap)
{
	size_t n = 0;

	while (n < cap) {
		size_t k;

		if (ev->line_off == ev->line_len) {
			/* Whole lines only, unless nothing fits at all. */
			if (n > 0 && fs->events.next_seq > ev->cursor) {
				const struct fs_event *e =
					&fs->events.ring[ev->cursor % FS_EVENTS_BACKLOG];

				if (ev->cursor >= oldest_locked(fs) &&
				    e->len > cap - n)
					break;
			}
			if (!next_line_locked(fs, ev))
				break;
		}
		k = ev->line_len - ev->line_off;
		if (k > cap - n)
			k = cap - n;
		memcpy(out + n, ev->line + ev->line_off, k);
		ev->line_off += k;
		n += k;
	}
	return n;
}

void fs_events_open(struct fs *fs, fuse_req_t req, struct fuse_file_info *fi)
{
	struct fs_handle *h;
	struct fs_ev_reader *ev;

	if (fs_open_wants_write(fi)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	h = mem_calloc(1, sizeof(*h));
	ev = mem_calloc(1, sizeof(*ev));
	if (!h || !ev) {
		mem_free(h);
		mem_free(ev);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->ino = FS_INO_EVENTS;
	h->pid = fuse_req_ctx(req)->pid;
	h->ev = ev;
	ev->h = h;
	pthread_mutex_lock(&fs->lock);
	ev->cursor = fs->events.next_seq; /* from now on, as tail -f */
	ev->next = fs->events.readers.next;
	ev->prev = &fs->events.readers;
	fs->events.readers.next->prev = ev;
	fs->events.readers.next = ev;
	fs->stats.events_readers++;
	pthread_mutex_unlock(&fs->lock);
	fi->fh = (uint64_t)(uintptr_t)h;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	fi->keep_cache = 0;
	fi->noflush = 1;
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_events_release(fs, h);
}

void fs_events_read(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    size_t size, struct fuse_file_info *fi)
{
	char *out = size ? mem_alloc(size) : NULL;
	struct fs_ev_reader *ev;
	bool closing;
	size_t n = 0;

	if (size && !out) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&fs->lock);
	ev = h->ev;
	closing = fs->closing;
	if (!closing && size)
		n = fs_events_take_locked(fs, ev, out, size);
	if (!n && !closing && size && (fi->flags & O_NONBLOCK))
		fs->stats.eagain++;
	pthread_mutex_unlock(&fs->lock);
	if (n || closing || size == 0) {
		fuse_reply_buf(req, out, n);
		mem_free(out);
		return;
	}
	mem_free(out);
	if (fi->flags & O_NONBLOCK) {
		fuse_reply_err(req, EAGAIN);
		return;
	}
	fs_park(fs, &(struct fs_park){
			.req = req,
			.kind = FS_PARK_EVENTS,
			.ev = ev,
			.size = size,
		});
}

void fs_events_poll(struct fs *fs, fuse_req_t req, struct fs_handle *h,
		    struct fuse_pollhandle *ph)
{
	struct fuse_pollhandle *old = NULL;
	unsigned revents = 0;

	pthread_mutex_lock(&fs->lock);
	if (fs->closing || fs_events_ready_locked(fs, h->ev)) {
		revents = POLLIN | POLLRDNORM;
		old = ph;
	} else if (ph) {
		old = h->ev->ph;
		h->ev->ph = ph;
	}
	pthread_mutex_unlock(&fs->lock);
	if (old)
		fuse_pollhandle_destroy(old);
	fuse_reply_poll(req, revents);
}

void fs_events_release(struct fs *fs, struct fs_handle *h)
{
	struct fs_ev_reader *ev;

	pthread_mutex_lock(&fs->lock);
	ev = h->ev;
	ev->prev->next = ev->next;
	ev->next->prev = ev->prev;
	fs->stats.events_readers--;
	pthread_mutex_unlock(&fs->lock);
	if (ev->ph)
		fuse_pollhandle_destroy(ev->ph);
	mem_free(ev);
	mem_free(h);
}

uint64_t fs_events_mtime(struct fs *fs)
{
	uint64_t t;

	pthread_mutex_lock(&fs->lock);
	t = fs->events.last_wall_ns ? fs->events.last_wall_ns
				    : fs->start_wall_ns;
	pthread_mutex_unlock(&fs->lock);
	return t;
}
