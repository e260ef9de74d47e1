/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * frame: the whole-JPEG check, immutable reference-counted frames, the
 * reasons a frame is rejected, and the frame store (store.c): the latest
 * frame, the connection state, counters and listeners, between the camera
 * owner that publishes and the readers (fs/, alphafs-grab).
 *
 * A frame is published only when whole: SOI (FF D8) at the start, EOI
 * (FF D9) as its last two bytes, and its size consistent with what the
 * camera's dataset announced. Everything else is dropped and counted by
 * reason; no reader ever sees it.
 */
#ifndef ALPHAFS_FRAME_H
#define ALPHAFS_FRAME_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(id, short name, explanation). Short names appear in info/status. */
#define FRAME_REJECT_REASONS(X)                                                \
	X(HEADER, "header", "live-view dataset shorter than its 16-byte header") \
	X(OFFSET, "offset", "JPEG offset points outside the dataset")         \
	X(SIZE, "size", "JPEG size runs past the end of the dataset")         \
	X(EMPTY, "empty", "JPEG size is zero or too small for a JPEG")        \
	X(NO_SOI, "no_soi", "no JPEG start marker (FF D8) at the offset")     \
	X(NO_EOI, "no_eoi", "JPEG cut short: no end marker (FF D9) at its end") \
	X(TOO_BIG, "too_big", "frame larger than the frame size limit")       \
	X(TRANSFER, "transfer", "data phase cut short or garbled on the wire")

enum frame_reject {
#define FRAME_REJECT_ENUM(id, name, text) FRAME_REJECT_##id,
	FRAME_REJECT_REASONS(FRAME_REJECT_ENUM)
#undef FRAME_REJECT_ENUM
	FRAME_REJECT_COUNT
};

/* Short name ("no_eoi") / explanation of a reason; "?" if out of range. */
const char *frame_reject_name(enum frame_reject r);
const char *frame_reject_text(enum frame_reject r);

/* Smallest plausible JPEG (SOI + a marker + EOI); anything shorter is EMPTY. */
#define FRAME_JPEG_MIN 4
/* Largest live-view frame accepted (the a6300's are tens of KB). */
#define FRAME_MAX_BYTES (8u * 1024 * 1024)

/*
 * Checks that jpeg[0..len) is one whole JPEG by its markers: FF D8 first,
 * FF D9 last. Returns -1 when whole, else the enum frame_reject reason
 * (EMPTY, NO_SOI, NO_EOI, TOO_BIG). Pure; never reads outside the range.
 */
int frame_jpeg_check(const uint8_t *jpeg, size_t len);

/*
 * An immutable, reference-counted frame. The bytes live in `owner` (a
 * mem_alloc'd block the frame frees on its last unref); jpeg points inside
 * it, so a whole PTP data phase can become a frame without a copy.
 */
struct frame {
	atomic_uint refs;
	uint64_t seq;	     /* alphafs's own publish counter, from 1 */
	uint64_t mono_ns;    /* CLOCK_MONOTONIC when the frame was received */
	uint64_t wall_ns;    /* CLOCK_REALTIME at the same moment (for stat) */
	const uint8_t *jpeg; /* len bytes, FF D8 ... FF D9 */
	size_t len;
	void *owner;

	/*
	 * What live/frames/NNN.json says about the frame. Set before the
	 * frame is published, never after: readers see them as immutable.
	 */
	/* Pixel size from the JPEG's SOF (frame_jpeg_size), read once at
	 * creation; 0 x 0 when the JPEG has no readable SOF. */
	uint16_t width, height;
	/* The live-view dataset's focus-frame block, as the camera sent it:
	 * focus_len bytes inside `owner` (no copy), NULL when the dataset
	 * carried none. Set by whoever parsed the dataset (sony/). */
	const uint8_t *focus;
	size_t focus_len;
	/* Set by frame_store_publish (the store's definitions, store.c):
	 * interval_ns: time since the previous frame published while the
	 * camera stayed connected (0 for the first frame after start or a
	 * reconnect); late: interval_ns above 1.5 times the median of the
	 * FRAME_LATE_HISTORY intervals before it (needs FRAME_LATE_MIN of
	 * them), i.e. at least one frame interval passed without a frame;
	 * repeated: the JPEG bytes are identical to the previous frame's. */
	uint64_t interval_ns;
	bool late;
	bool repeated;
};
/* Intervals the lateness median is taken over, and how many it needs. */
#define FRAME_LATE_HISTORY 15
#define FRAME_LATE_MIN 4

/*
 * The pixel size a JPEG declares in its frame header (SOFn, any of the
 * C0..CF markers but DHT C4, JPG C8 and DAC CC), found by walking the
 * marker segments from SOI by their lengths; the entropy-coded data is
 * never scanned. Returns 0 with *width and *height set, or MALFORMED when
 * there is no SOI, a segment runs past len, the scan (SOS) or EOI comes
 * first, or the SOF declares a zero size. Pure; never reads outside
 * jpeg[0..len).
 */
int frame_jpeg_size(const uint8_t *jpeg, size_t len, unsigned *width,
		    unsigned *height);

/*
 * Creates a frame that takes ownership of `owner` (freed with mem_free when
 * the last reference goes, also on failure). jpeg must lie inside owner.
 * Checks the JPEG with frame_jpeg_check: on rejection returns NULL and sets
 * *reject (when non-NULL) to the reason; on allocation failure returns NULL
 * with *reject = -1. The new frame has one reference, seq 0, mono_ns /
 * wall_ns set to the moment of creation (when the bytes arrived), its
 * width and height read from the SOF (0 when unreadable: the frame is
 * still whole and published), no focus block, and the store's fields 0.
 */
struct frame *frame_create_take(void *owner, const uint8_t *jpeg, size_t len,
				int *reject);
/* Copies len bytes into a new frame (tests, emulator, capture replay). */
struct frame *frame_create_copy(const uint8_t *jpeg, size_t len, int *reject);
struct frame *frame_ref(struct frame *f);
/* Drops a reference; frees on the last. NULL is a no-op. Thread-safe. */
void frame_unref(struct frame *f);

/* ---- frame store ------------------------------------------------------ */
/*
 * The hand-off between the camera owner thread (one producer) and any
 * number of readers. Holds the newest whole frame, the connection state and
 * per-reason reject counters. publish never blocks on a reader and never
 * copies: readers take references. Listeners are called after every publish
 * or state change, from the producer's thread, with no store lock held; a
 * listener must not block (it answers parked FUSE reads, wakes a condvar).
 *
 * Lock order: the store's mutex is a leaf; never call into the store while
 * holding a listener's own lock that the listener callback also takes.
 */
enum frame_store_state {
	FRAME_STORE_CONNECTING,	  /* no frame yet since start or reconnect */
	FRAME_STORE_LIVE,	  /* frames flowing */
	FRAME_STORE_DISCONNECTED, /* camera gone; may come back */
	FRAME_STORE_CLOSED,	  /* shutting down; readers must give up */
	/* Nobody reads: live view is paused (the camera rests). The frames
	 * held are old; a reader waits for the first one published after
	 * (seq > frame_store_fresh_after), which sets LIVE again. */
	FRAME_STORE_IDLE,
};

struct frame_store_stats {
	uint64_t published;
	uint64_t late;	   /* published frames marked late */
	uint64_t repeated; /* published frames marked repeated */
	uint64_t rejected[FRAME_REJECT_COUNT];
	uint64_t rejected_total;
	uint64_t last_seq;
	uint64_t last_mono_ns;
	double fps; /* publish rate over the last ~2 s */
};

struct frame_store;
typedef void frame_store_listener_fn(void *arg);

struct frame_store *frame_store_create(void);
/* Drops the held frame; listeners must have been removed. NULL-safe. */
void frame_store_destroy(struct frame_store *st);
/* Takes over the caller's reference to f, stamps f->seq (1, 2, ...),
 * f->interval_ns, f->late, f->repeated and, if unset, f->mono_ns/wall_ns,
 * makes it the latest, sets state LIVE and calls the listeners. Once the
 * state is CLOSED the frame is dropped instead (no listener call). NULL f
 * is a no-op. One producer: publishes must not run concurrently (the
 * camera owner thread, or a replay, publishes). */
void frame_store_publish(struct frame_store *st, struct frame *f);
/* A new reference to the newest frame, or NULL when there is none. */
struct frame *frame_store_latest(struct frame_store *st);
/* A new reference to the newest frame if its seq is greater than
 * after_seq, else NULL. */
struct frame *frame_store_newer(struct frame_store *st, uint64_t after_seq);
void frame_store_count_reject(struct frame_store *st, enum frame_reject r);
/* Changes the state (and reason text, may be NULL) and calls listeners.
 * DISCONNECTED also restarts the intervals (the next frame's
 * interval_ns is 0). */
void frame_store_set_state(struct frame_store *st, enum frame_store_state s,
			   const char *why);
enum frame_store_state frame_store_get_state(struct frame_store *st,
					     char *why, size_t cap);
/* After IDLE (and until the next publish, whatever states came between):
 * the seq of the newest frame when the store became IDLE; only later
 * frames are fresh. 0 once a frame was published since, or before any
 * IDLE. */
uint64_t frame_store_fresh_after(struct frame_store *st);
void frame_store_get_stats(struct frame_store *st, struct frame_store_stats *out);
/* Returns a listener id >= 0, NOMEM when all 16 slots are taken, or
 * INVALID for a NULL fn. Any thread. */
int frame_store_add_listener(struct frame_store *st, frame_store_listener_fn *fn,
			     void *arg);
/* Removes a listener and waits until calls of it already in flight have
 * returned, so its arg may be freed afterwards. Must not be called from a
 * listener callback (it would wait for itself). Unknown ids are ignored. */
void frame_store_remove_listener(struct frame_store *st, int id);

#endif
