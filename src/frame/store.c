/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The frame store: the newest whole frame, the connection state and the
 * counters, handed from the camera owner thread to any number of readers.
 *
 * Locking: one mutex (`lock`) guards every field; it is a leaf lock, held
 * only for pointer swaps and counter updates, never while a listener runs
 * or while frame bytes are copied. Listeners are snapshotted under the
 * lock and called without it; each slot counts the calls in flight so
 * frame_store_remove_listener can wait for them to finish before the
 * caller frees the listener's argument.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame/frame.h"
#include "util/util.h"

/* Room for the filesystem's notifier, a few parked-read queues and tests. */
#define STORE_LISTENERS_MAX 16
/* Publish times kept for the rate; 2 s at 64 fps, more than a camera gives. */
#define FPS_RING 128
#define FPS_WINDOW_NS (2ull * 1000000000ull)
#define NS_PER_S 1e9

struct listener {
	frame_store_listener_fn *fn;
	void *arg;
	bool used;     /* slot taken (until removal completes) */
	bool removing; /* no new calls; remove waits for busy to drop */
	unsigned busy; /* calls in flight */
};

struct frame_store {
	pthread_mutex_t lock;
	pthread_cond_t idle; /* a listener slot's busy count dropped */
	struct frame *latest;
	enum frame_store_state state;
	char why[ERR_DETAIL_MAX];
	struct frame_store_stats stats;
	uint64_t stale_seq; /* IDLE: newest seq when it began */
	uint64_t times[FPS_RING]; /* mono_ns of recent publishes, a ring */
	size_t times_next, times_n;
	struct listener listeners[STORE_LISTENERS_MAX];
	/* Lateness (frame.h): the previous publish of this connection and
	 * the intervals before it, a ring. */
	uint64_t prev_mono_ns; /* 0: none since start or DISCONNECTED */
	uint64_t intervals[FRAME_LATE_HISTORY];
	size_t intervals_next, intervals_n;
};

struct frame_store *frame_store_create(void)
{
	struct frame_store *st = mem_calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	if (pthread_mutex_init(&st->lock, NULL) != 0) {
		mem_free(st);
		return NULL;
	}
	if (clock_cond_init(&st->idle) < 0) {
		pthread_mutex_destroy(&st->lock);
		mem_free(st);
		return NULL;
	}
	st->state = FRAME_STORE_CONNECTING;
	return st;
}

void frame_store_destroy(struct frame_store *st)
{
	if (!st)
		return;
	frame_unref(st->latest);
	pthread_cond_destroy(&st->idle);
	pthread_mutex_destroy(&st->lock);
	mem_free(st);
}

/*
 * Snapshot of the listeners to call, taken under the lock; marks each
 * busy. Returns how many were copied into out.
 */
static size_t listeners_take(struct frame_store *st, struct listener *out,
			     size_t *slots)
{
	size_t n = 0;

	for (size_t i = 0; i < STORE_LISTENERS_MAX; i++) {
		struct listener *l = &st->listeners[i];

		if (!l->used || l->removing)
			continue;
		l->busy++;
		out[n] = *l;
		slots[n++] = i;
	}
	return n;
}

/* Calls the snapshot without the lock, then releases the busy marks. */
static void listeners_call(struct frame_store *st, const struct listener *ls,
			   const size_t *slots, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ls[i].fn(ls[i].arg);
	if (n == 0)
		return;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < n; i++)
		st->listeners[slots[i]].busy--;
	pthread_cond_broadcast(&st->idle);
	pthread_mutex_unlock(&st->lock);
}

static void fps_note(struct frame_store *st, uint64_t now)
{
	st->times[st->times_next] = now;
	st->times_next = (st->times_next + 1) % FPS_RING;
	if (st->times_n < FPS_RING)
		st->times_n++;
}

/* Rate over the publishes of the last FPS_WINDOW_NS (or the ring's span
 * when it holds less): (n - 1) intervals over the time they cover. */
static double fps_compute(const struct frame_store *st, uint64_t now)
{
	uint64_t newest = 0, oldest = 0;
	size_t n = 0;

	for (size_t i = 0; i < st->times_n; i++) {
		size_t at = (st->times_next + FPS_RING - 1 - i) % FPS_RING;
		uint64_t t = st->times[at];

		if (now > t && now - t > FPS_WINDOW_NS)
			break;
		if (n++ == 0)
			newest = t;
		oldest = t;
	}
	if (n < 2 || newest == oldest)
		return 0.0;
	return (double)(n - 1) * NS_PER_S / (double)(newest - oldest);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* f->interval_ns and f->late from the intervals seen so far, then f's
 * interval joins them. Under st->lock. */
static void note_interval(struct frame_store *st, struct frame *f)
{
	uint64_t sorted[FRAME_LATE_HISTORY], median;

	f->interval_ns = 0;
	f->late = false;
	if (st->prev_mono_ns != 0 && f->mono_ns > st->prev_mono_ns)
		f->interval_ns = f->mono_ns - st->prev_mono_ns;
	st->prev_mono_ns = f->mono_ns;
	if (f->interval_ns == 0)
		return;
	if (st->intervals_n >= FRAME_LATE_MIN) {
		memcpy(sorted, st->intervals, st->intervals_n * sizeof(sorted[0]));
		qsort(sorted, st->intervals_n, sizeof(sorted[0]), cmp_u64);
		median = sorted[st->intervals_n / 2];
		/* More than 1.5 expected periods: the next frame was due and
		 * did not come. */
		f->late = f->interval_ns > median + median / 2;
	}
	st->intervals[st->intervals_next] = f->interval_ns;
	st->intervals_next = (st->intervals_next + 1) % FRAME_LATE_HISTORY;
	if (st->intervals_n < FRAME_LATE_HISTORY)
		st->intervals_n++;
}

/* True when f's bytes equal those of the latest frame. Outside the lock:
 * one producer, so the latest cannot change meanwhile, and a reference
 * keeps its bytes. */
static bool same_as_latest(struct frame_store *st, const struct frame *f)
{
	struct frame *prev = frame_store_latest(st);
	bool same = prev && prev->len == f->len &&
		    memcmp(prev->jpeg, f->jpeg, f->len) == 0;

	frame_unref(prev);
	return same;
}

void frame_store_publish(struct frame_store *st, struct frame *f)
{
	struct listener ls[STORE_LISTENERS_MAX];
	size_t slots[STORE_LISTENERS_MAX];
	struct frame *old;
	size_t n;

	if (!f)
		return;
	f->repeated = same_as_latest(st, f);
	pthread_mutex_lock(&st->lock);
	if (st->state == FRAME_STORE_CLOSED) {
		pthread_mutex_unlock(&st->lock);
		frame_unref(f);
		return;
	}
	if (f->mono_ns == 0) {
		f->mono_ns = clock_now_ns();
		f->wall_ns = clock_wall_ns();
	}
	f->seq = ++st->stats.last_seq;
	note_interval(st, f);
	st->stats.late += f->late;
	st->stats.repeated += f->repeated;
	old = st->latest;
	st->latest = f;
	st->stats.published++;
	st->stats.last_mono_ns = f->mono_ns;
	fps_note(st, f->mono_ns);
	st->state = FRAME_STORE_LIVE;
	st->stale_seq = 0;
	st->why[0] = '\0';
	n = listeners_take(st, ls, slots);
	pthread_mutex_unlock(&st->lock);
	/* The old frame may be the last reference: free it unlocked. */
	frame_unref(old);
	listeners_call(st, ls, slots, n);
}

struct frame *frame_store_latest(struct frame_store *st)
{
	return frame_store_newer(st, 0);
}

struct frame *frame_store_newer(struct frame_store *st, uint64_t after_seq)
{
	struct frame *f = NULL;

	pthread_mutex_lock(&st->lock);
	if (st->latest && st->latest->seq > after_seq)
		f = frame_ref(st->latest);
	pthread_mutex_unlock(&st->lock);
	return f;
}

void frame_store_count_reject(struct frame_store *st, enum frame_reject r)
{
	if ((unsigned)r >= FRAME_REJECT_COUNT)
		return;
	pthread_mutex_lock(&st->lock);
	st->stats.rejected[r]++;
	st->stats.rejected_total++;
	pthread_mutex_unlock(&st->lock);
}

void frame_store_set_state(struct frame_store *st, enum frame_store_state s,
			   const char *why)
{
	struct listener ls[STORE_LISTENERS_MAX];
	size_t slots[STORE_LISTENERS_MAX];
	size_t n;

	pthread_mutex_lock(&st->lock);
	if (s == FRAME_STORE_IDLE && st->state != FRAME_STORE_IDLE &&
	    st->stale_seq == 0)
		st->stale_seq = st->stats.last_seq;
	st->state = s;
	snprintf(st->why, sizeof(st->why), "%s", why ? why : "");
	if (s == FRAME_STORE_DISCONNECTED) {
		/* A new connection's first frame is not late. */
		st->prev_mono_ns = 0;
		st->intervals_n = st->intervals_next = 0;
	}
	n = listeners_take(st, ls, slots);
	pthread_mutex_unlock(&st->lock);
	listeners_call(st, ls, slots, n);
}

enum frame_store_state frame_store_get_state(struct frame_store *st,
					     char *why, size_t cap)
{
	enum frame_store_state s;

	pthread_mutex_lock(&st->lock);
	s = st->state;
	if (why && cap > 0)
		snprintf(why, cap, "%s", st->why);
	pthread_mutex_unlock(&st->lock);
	return s;
}

uint64_t frame_store_fresh_after(struct frame_store *st)
{
	uint64_t seq;

	pthread_mutex_lock(&st->lock);
	seq = st->stale_seq;
	pthread_mutex_unlock(&st->lock);
	return seq;
}

void frame_store_get_stats(struct frame_store *st, struct frame_store_stats *out)
{
	uint64_t now = clock_now_ns();

	pthread_mutex_lock(&st->lock);
	*out = st->stats;
	out->fps = fps_compute(st, now);
	pthread_mutex_unlock(&st->lock);
}

int frame_store_add_listener(struct frame_store *st, frame_store_listener_fn *fn,
			     void *arg)
{
	int id = ALPHAFS_ERR_NOMEM;

	if (!fn)
		return ALPHAFS_ERR_INVALID;
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < STORE_LISTENERS_MAX; i++) {
		if (st->listeners[i].used)
			continue;
		st->listeners[i] = (struct listener){ .fn = fn, .arg = arg, .used = true };
		id = (int)i;
		break;
	}
	pthread_mutex_unlock(&st->lock);
	return id;
}

void frame_store_remove_listener(struct frame_store *st, int id)
{
	struct listener *l;

	if (id < 0 || id >= STORE_LISTENERS_MAX)
		return;
	pthread_mutex_lock(&st->lock);
	l = &st->listeners[id];
	if (l->used) {
		l->removing = true;
		while (l->busy > 0)
			pthread_cond_wait(&st->idle, &st->lock);
		*l = (struct listener){ 0 };
	}
	pthread_mutex_unlock(&st->lock);
}
