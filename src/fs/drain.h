/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The shutdown drain's clock (shutdown.c, step 3): when the files still
 * open after a stop signal have been left alone long enough.
 *
 * Each open file has its own watch: a file is idle once it has had no
 * request for FS_DRAIN_IDLE_MS, counted from the stop at the earliest (a
 * reader that read just before the signal is given the whole bound to come
 * back for its end of file). The drain ends when every file still open
 * is idle, or FS_DRAIN_MAX_MS after the stop whatever they do. A shared
 * clock would restart at every other reader's last read and close, and
 * keep a reader that never reads again waiting for the busiest one.
 *
 * Time is counted in DRAIN_SLOT_MS slots that the stop thread saw pass
 * while it ran (drain_tick), not on the wall clock: when the daemon is
 * starved of CPU (a loaded machine, valgrind), its workers cannot take
 * the readers' requests either, and wall time alone would call a busy
 * reader idle. Slots are at least DRAIN_SLOT_MS apart, so they never run
 * ahead of the wall clock. A request is counted from the slot of the
 * look that first saw it (within one slot of when it came).
 *
 * Pure: no clock, no locks; the caller passes CLOCK_MONOTONIC ns to
 * drain_clock_init and drain_tick, and each file's last request time
 * (0: none since it was opened) to drain_watch_idle.
 */
#ifndef ALPHAFS_FS_DRAIN_H
#define ALPHAFS_FS_DRAIN_H

#include <stdbool.h>
#include <stdint.h>

/* How long an open file may keep a stop waiting. */
#define FS_DRAIN_IDLE_MS 700u /* each file, after its last request */
#define FS_DRAIN_MAX_MS 5000u /* in all */
/* The stop thread's slot: how often it looks while it waits. */
#define DRAIN_SLOT_MS 20u

struct drain_clock {
	uint64_t start_ns; /* the stop */
	uint64_t slot_ns;  /* when the last slot was counted */
	unsigned slots;	   /* slots counted since start_ns */
};

/* One file's (or the whole mount's) requests as the drain last saw them. */
struct drain_watch {
	uint64_t seen_ns;   /* the last request time at the last look */
	unsigned from_slot; /* the slot in which that value was first seen
			       (0, the stop, for what came before it) */
};

void drain_clock_init(struct drain_clock *c, uint64_t now_ns);
/* After each wait: counts one slot when DRAIN_SLOT_MS passed since the
 * last one (however late the thread woke: one). */
void drain_tick(struct drain_clock *c, uint64_t now_ns);
/* True when FS_DRAIN_IDLE_MS of slots passed since the stop and since
 * the look that first saw last_ns (the time of the file's last request;
 * a change is all that matters). Updates w. */
bool drain_watch_idle(const struct drain_clock *c, struct drain_watch *w,
		      uint64_t last_ns);
/* True when FS_DRAIN_MAX_MS of slots passed since the stop. */
bool drain_expired(const struct drain_clock *c);

#endif
