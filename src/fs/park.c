/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parked requests: stream reads with nothing new to return, latest.jpg
 * opens before the first frame, /events reads with no new line. The
 * handler returns without replying; one of four parties answers later,
 * exactly once:
 *   - the frame-store listener (a frame arrived, or the state changed),
 *     or fs_events_post (a new event line),
 *   - the interrupt callback (the caller got a signal: EINTR),
 *   - the disconnect timer (camera gone longer than reconnect_timeout:
 *     EIO; stream reads only: /events goes on through a disconnect),
 *   - fs_shutdown (unmount: EOF for reads, ENODEV for opens).
 * Whoever unlinks the entry from fs->parked under fs->lock owns the reply;
 * the reply itself is always sent with no lock held.
 *
 * Interrupt rules (research/fuse.md 2.1, from lib/fuse_lowlevel.c): the
 * callback runs with libfuse's per-request lock held and the request kept
 * alive, so it may look the entry up by its req pointer and reply; we never
 * call fuse_req_interrupt_func with fs->lock held (lock inversion), and we
 * register the callback before the entry becomes visible to the listener,
 * so the request cannot be answered and freed under our feet.
 */
#include <errno.h>

#include "fs/fs_internal.h"
#include "util/util.h"

#define NS_PER_S UINT64_C(1000000000)

/* What to send for one parked request. */
struct answer {
	int err;	   /* errno to reply, 0 = data */
	struct frame *f;   /* READ: frame reference, or NULL for EOF */
	size_t off, len;
	char *text;	   /* EVENTS: len bytes (mem_alloc'd), NULL for EOF */
	struct fs_snap *snap; /* OPEN: snapshot to open with */
};

static bool disconnect_expired_locked(struct fs *fs, uint64_t now)
{
	uint64_t limit = (uint64_t)fs->cfg.reconnect_timeout_s * NS_PER_S;

	return fs->disconnected_ns && now - fs->disconnected_ns >= limit;
}

/* Fills *a and returns true when p can be answered now. fs->lock held. */
static bool try_answer_locked(struct fs *fs, struct fs_park *p,
			      struct answer *a, uint64_t now)
{
	struct frame *f;

	*a = (struct answer){ 0 };
	if (p->kind == FS_PARK_OPEN) {
		if (fs->closing || fs->disconnected_ns) {
			a->err = ENODEV;
			return true;
		}
		f = frame_store_latest(fs->cfg.store);
		if (!f)
			return false;
		a->snap = fs_snap_new_frame(f);
		a->err = a->snap ? 0 : ENOMEM;
		return true;
	}
	if (fs->closing)
		return true; /* EOF: the stream ends cleanly on unmount */
	if (p->kind == FS_PARK_EVENTS) {
		if (!fs_events_ready_locked(fs, p->ev))
			return false;
		a->text = mem_alloc(p->size);
		if (!a->text) {
			a->err = ENOMEM;
			return true;
		}
		a->len = fs_events_take_locked(fs, p->ev, a->text, p->size);
		return true;
	}
	a->f = fs_reader_take_locked(fs, p->rd, p->size, &a->off, &a->len);
	if (a->f)
		return true;
	if (disconnect_expired_locked(fs, now)) {
		a->err = EIO;
		return true;
	}
	return false;
}

static void answer_send(struct fs *fs, struct fs_park *p, struct answer *a)
{
	if (a->err) {
		fuse_reply_err(p->req, a->err);
	} else if (p->kind == FS_PARK_EVENTS) {
		fuse_reply_buf(p->req, a->text, a->len);
		mem_free(a->text);
	} else if (p->kind == FS_PARK_OPEN) {
		fs_snap_reply_open(fs, p->req, &p->fi, a->snap, p->pid);
	} else {
		fuse_reply_buf(p->req, a->f ? (const char *)a->f->jpeg + a->off
					    : NULL,
			       a->len);
		frame_unref(a->f);
	}
	mem_free(p);
}

static void unlink_locked(struct fs *fs, struct fs_park **pp)
{
	*pp = (*pp)->next;
	fs->nparked--;
}

static void handle_interrupt(fuse_req_t req, void *data)
{
	struct fs *fs = data;
	struct fs_park *found = NULL;

	pthread_mutex_lock(&fs->lock);
	for (struct fs_park **pp = &fs->parked; *pp; pp = &(*pp)->next)
		if ((*pp)->req == req) {
			found = *pp;
			unlink_locked(fs, pp);
			fs->stats.interrupted++;
			break;
		}
	pthread_mutex_unlock(&fs->lock);
	if (found) {
		fuse_reply_err(req, EINTR);
		mem_free(found);
	}
}

void fs_park(struct fs *fs, const struct fs_park *what)
{
	struct fs_park *p = mem_alloc(sizeof(*p));
	struct answer a;
	bool now_ok;

	if (!p) {
		fuse_reply_err(what->req, ENOMEM);
		return;
	}
	*p = *what;
	p->next = NULL;
	fuse_req_interrupt_func(p->req, handle_interrupt, fs);
	pthread_mutex_lock(&fs->lock);
	if (fuse_req_interrupted(p->req)) {
		fs->stats.interrupted++;
		pthread_mutex_unlock(&fs->lock);
		fuse_reply_err(p->req, EINTR);
		mem_free(p);
		return;
	}
	/* A frame may have been published since the handler looked: check
	 * again under the lock the listener takes. */
	now_ok = try_answer_locked(fs, p, &a, clock_now_ns());
	if (!now_ok) {
		p->next = fs->parked;
		fs->parked = p;
		fs->nparked++;
		pthread_cond_signal(&fs->timer_cond);
	}
	pthread_mutex_unlock(&fs->lock);
	if (now_ok)
		answer_send(fs, p, &a);
}

/* Moves every answerable entry to *done (answers in the same order). */
static void collect_locked(struct fs *fs, struct fs_park **done,
			   struct answer *answers, size_t cap, size_t *n)
{
	uint64_t now = clock_now_ns();
	struct fs_park **pp = &fs->parked;

	while (*pp && *n < cap) {
		struct fs_park *p = *pp;

		if (!try_answer_locked(fs, p, &answers[*n], now)) {
			pp = &p->next;
			continue;
		}
		unlink_locked(fs, pp);
		done[(*n)++] = p;
	}
}

/* Poll handles of readers (stream, events) that became readable, taken
 * from them. */
static size_t collect_polls_locked(struct fs *fs,
				   struct fuse_pollhandle **out, size_t cap)
{
	size_t n = 0;

	for (struct fs_reader *rd = fs->readers.next;
	     rd != &fs->readers && n < cap; rd = rd->next)
		if (rd->ph && (fs->closing || fs_reader_ready_locked(fs, rd))) {
			out[n++] = rd->ph;
			rd->ph = NULL;
		}
	for (struct fs_ev_reader *ev = fs->events.readers.next;
	     ev != &fs->events.readers && n < cap; ev = ev->next)
		if (ev->ph && (fs->closing || fs_events_ready_locked(fs, ev))) {
			out[n++] = ev->ph;
			ev->ph = NULL;
		}
	return n;
}

/* Answers in batches so no allocation is needed on the producer thread. */
#define BATCH 32

static void flush_batch(struct fs *fs, struct fs_park **done,
			struct answer *answers, size_t n,
			struct fuse_pollhandle **polls, size_t npolls)
{
	for (size_t i = 0; i < n; i++)
		answer_send(fs, done[i], &answers[i]);
	for (size_t i = 0; i < npolls; i++) {
		fuse_lowlevel_notify_poll(polls[i]);
		fuse_pollhandle_destroy(polls[i]);
	}
}

/* Answers everything answerable now; loops until a pass finds nothing. */
static void answer_ready(struct fs *fs)
{
	struct fs_park *done[BATCH];
	struct answer answers[BATCH];
	struct fuse_pollhandle *polls[BATCH];
	size_t n, npolls;

	do {
		n = 0;
		pthread_mutex_lock(&fs->lock);
		collect_locked(fs, done, answers, BATCH, &n);
		npolls = collect_polls_locked(fs, polls, BATCH);
		pthread_mutex_unlock(&fs->lock);
		flush_batch(fs, done, answers, n, polls, npolls);
	} while (n == BATCH || npolls == BATCH);
}

void fs_park_answer(struct fs *fs)
{
	pthread_mutex_lock(&fs->lock);
	if (fs->detached) {
		pthread_mutex_unlock(&fs->lock);
		return;
	}
	fs->busy++;
	pthread_mutex_unlock(&fs->lock);
	answer_ready(fs);
	pthread_mutex_lock(&fs->lock);
	if (--fs->busy == 0)
		pthread_cond_broadcast(&fs->idle_cond);
	pthread_mutex_unlock(&fs->lock);
}

void fs_park_handle_store(void *arg)
{
	struct fs *fs = arg;
	enum frame_store_state st = frame_store_get_state(fs->cfg.store, NULL, 0);

	pthread_mutex_lock(&fs->lock);
	if (fs->detached) {
		/* The session is going away: nothing may be sent to it. */
		pthread_mutex_unlock(&fs->lock);
		return;
	}
	fs->busy++;
	if (st == FRAME_STORE_DISCONNECTED && !fs->disconnected_ns)
		fs->disconnected_ns = clock_now_ns();
	else if (st != FRAME_STORE_DISCONNECTED)
		fs->disconnected_ns = 0;
	if (st == FRAME_STORE_CLOSED)
		fs->closing = true;
	/* A snapshot advertised to a stat before the camera went away (or
	 * while it was away) must not be opened as live after it is back.
	 * A session recovery or a stall (LIVE <-> CONNECTING) keeps them:
	 * they are still the newest frames. */
	if (st != fs->last_state &&
	    (st == FRAME_STORE_DISCONNECTED || st == FRAME_STORE_CLOSED ||
	     fs->last_state == FRAME_STORE_DISCONNECTED))
		fs_adverts_clear_locked(fs);
	fs->last_state = st;
	pthread_cond_signal(&fs->timer_cond);
	pthread_mutex_unlock(&fs->lock);
	answer_ready(fs);
	pthread_mutex_lock(&fs->lock);
	if (--fs->busy == 0)
		pthread_cond_broadcast(&fs->idle_cond);
	pthread_mutex_unlock(&fs->lock);
}

void fs_park_detach(struct fs *fs)
{
	pthread_mutex_lock(&fs->lock);
	fs->detached = true;
	while (fs->busy)
		pthread_cond_wait(&fs->idle_cond, &fs->lock);
	pthread_mutex_unlock(&fs->lock);
}

void fs_park_release_all(struct fs *fs)
{
	pthread_mutex_lock(&fs->lock);
	fs->closing = true;
	pthread_cond_signal(&fs->timer_cond);
	pthread_mutex_unlock(&fs->lock);
	answer_ready(fs);
}

/* ---- disconnect timer --------------------------------------------------- */

/* The moment parked reads expire, or 0 when none is waiting on one. */
static uint64_t next_deadline_locked(struct fs *fs)
{
	bool reads = false;

	for (struct fs_park *p = fs->parked; p; p = p->next)
		reads |= p->kind == FS_PARK_READ;
	if (!reads || !fs->disconnected_ns)
		return 0;
	return fs->disconnected_ns +
	       (uint64_t)fs->cfg.reconnect_timeout_s * NS_PER_S;
}

static void *timer_main(void *arg)
{
	struct fs *fs = arg;

	pthread_mutex_lock(&fs->lock);
	while (!fs->timer_stop) {
		uint64_t due = next_deadline_locked(fs), now = clock_now_ns();

		if (due && due <= now) {
			pthread_mutex_unlock(&fs->lock);
			answer_ready(fs);
			pthread_mutex_lock(&fs->lock);
		} else if (due) {
			struct timespec ts = {
				.tv_sec = (time_t)(due / NS_PER_S),
				.tv_nsec = (long)(due % NS_PER_S),
			};
			pthread_cond_timedwait(&fs->timer_cond, &fs->lock, &ts);
		} else {
			pthread_cond_wait(&fs->timer_cond, &fs->lock);
		}
	}
	pthread_mutex_unlock(&fs->lock);
	return NULL;
}

int fs_timer_start(struct fs *fs, pthread_t *tid)
{
	fs->timer_stop = false;
	return thread_start(tid, FS_TIMER_THREAD_NAME, timer_main, fs);
}

void fs_timer_stop(struct fs *fs, pthread_t tid)
{
	pthread_mutex_lock(&fs->lock);
	fs->timer_stop = true;
	pthread_cond_signal(&fs->timer_cond);
	pthread_mutex_unlock(&fs->lock);
	pthread_join(tid, NULL);
}
