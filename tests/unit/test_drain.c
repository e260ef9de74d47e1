/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fs: the shutdown drain's clock (drain.c), on simulated time. A stop
 * thread is modelled looking every slot (or waking late, as a starved one
 * does); files make requests at given times and close. What is checked is
 * in which slot the drain would end: a file that never reads again must
 * not be kept waiting by a busy neighbour, a reader that comes back within
 * the bound must be waited for, a starved stop thread must not call a
 * reader idle on the wall clock alone (the drain counts slots it saw
 * pass). No wall-clock time is measured.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fs/drain.h"

#define MS 1000000ull
#define T0 (1000 * MS) /* the stop */
#define SLOT (DRAIN_SLOT_MS * MS)
#define IDLE (FS_DRAIN_IDLE_MS * MS)

/* A simulated open file: requests every `every` ns from `first` until
 * `until` (none when every is 0), closed at `closed` (0: never). */
struct sim_file {
	uint64_t first, every, until, closed;
	struct drain_watch watch;
};

static uint64_t last_request(const struct sim_file *f, uint64_t now)
{
	uint64_t end = f->until < now ? f->until : now;

	if (!f->every || end < f->first)
		return 0;
	return f->first + (end - f->first) / f->every * f->every;
}

/* Runs the drain as shutdown.c does: a look at every slot until every
 * file still open is idle or the drain expires. Returns when it ended,
 * relative to the stop. */
static uint64_t run_drain(struct sim_file *files, size_t n, uint64_t step)
{
	struct drain_clock c;
	uint64_t now = T0;

	drain_clock_init(&c, now);
	for (;;) {
		bool idle = true, open = false;

		for (size_t i = 0; i < n; i++) {
			if (files[i].closed && files[i].closed <= now)
				continue;
			open = true;
			idle &= drain_watch_idle(&c, &files[i].watch,
						 last_request(&files[i], now));
		}
		if (!open || idle || drain_expired(&c))
			return now - T0;
		now += step;
		drain_tick(&c, now);
	}
}

/* A file opened before the stop and never read: idle after the bound,
 * counted from the stop. */
static void test_never_read(void **state)
{
	struct sim_file f = { 0 };

	(void)state;
	assert_int_equal(run_drain(&f, 1, SLOT), IDLE);
}

/* The case a shared clock got wrong: a holder that never reads again and
 * a reader streaming until 400 ms after the stop, then closing. The drain
 * ends at the holder's bound (700 ms), not 700 ms after the reader's last
 * read or close. */
static void test_holder_not_kept_by_busy_reader(void **state)
{
	struct sim_file f[2] = {
		/* the holder: read a little long before the stop */
		{ .first = T0 - 3000 * MS, .every = 1 * MS,
		  .until = T0 - 2990 * MS },
		{ .first = T0 - 500 * MS, .every = 7 * MS,
		  .until = T0 + 400 * MS, .closed = T0 + 401 * MS },
	};

	(void)state;
	assert_int_equal(run_drain(f, 2, SLOT), IDLE);
}

/* A reader still reading after the stop keeps it until the bound after
 * its last request; one that read just before the stop gets the whole
 * bound from the stop to come back. */
static void test_active_reader_waited_for(void **state)
{
	struct sim_file busy = { .first = T0 - 100 * MS, .every = 10 * MS,
				 .until = T0 + 300 * MS };
	struct sim_file before = { .first = T0 - 100 * MS, .every = 10 * MS,
				   .until = T0 - 1 * MS };

	(void)state;
	assert_int_equal(run_drain(&busy, 1, SLOT), 300 * MS + IDLE);
	assert_int_equal(run_drain(&before, 1, SLOT), IDLE);
}

/* A reader that comes back within the bound restarts its own clock; the
 * other files' clocks are not touched by it. */
static void test_each_file_own_clock(void **state)
{
	struct sim_file f[2] = {
		{ .first = T0 + 600 * MS, .every = 1000 * MS,
		  .until = T0 + 600 * MS }, /* one read at +600 ms */
		{ 0 },			    /* never */
	};

	(void)state;
	assert_int_equal(run_drain(f, 2, SLOT), 600 * MS + IDLE);
	f[0].closed = T0 + 650 * MS; /* closes after its read */
	memset(&f[0].watch, 0, sizeof(f[0].watch));
	memset(&f[1].watch, 0, sizeof(f[1].watch));
	assert_int_equal(run_drain(f, 2, SLOT), IDLE);
}

/* A stop thread that wakes once a second (starved of CPU, as under
 * valgrind on a loaded machine) counts one slot each time: the wall
 * clock says idle long before the slots do. */
static void test_starved_thread_waits_for_slots(void **state)
{
	struct sim_file f = { 0 };
	struct drain_clock c;

	(void)state;
	drain_clock_init(&c, T0);
	drain_tick(&c, T0 + 1000 * MS);
	assert_int_equal(c.slots, 1);
	assert_false(drain_watch_idle(&c, &f.watch, 0));
	/* Waking every second, it needs one look per slot. */
	assert_int_equal(run_drain(&f, 1, 1000 * MS),
			 (uint64_t)(FS_DRAIN_IDLE_MS / DRAIN_SLOT_MS) * 1000 * MS);
}

/* Slots: one counted per look however late, none for an early wake. */
static void test_tick(void **state)
{
	struct drain_clock c;

	(void)state;
	drain_clock_init(&c, T0);
	drain_tick(&c, T0 + SLOT - 1);
	assert_int_equal(c.slots, 0);
	drain_tick(&c, T0 + SLOT);
	assert_int_equal(c.slots, 1);
	drain_tick(&c, T0 + SLOT + 5 * SLOT);
	assert_int_equal(c.slots, 2);
}

/* A reader that never stops reading: the drain ends at FS_DRAIN_MAX_MS,
 * and only once the slots say so too. */
static void test_expires(void **state)
{
	struct sim_file f = { .first = T0, .every = 5 * MS,
			      .until = UINT64_MAX };
	struct drain_clock c;

	(void)state;
	assert_int_equal(run_drain(&f, 1, SLOT), FS_DRAIN_MAX_MS * MS);
	drain_clock_init(&c, T0);
	drain_tick(&c, T0 + FS_DRAIN_MAX_MS * MS);
	assert_false(drain_expired(&c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_read),
		cmocka_unit_test(test_holder_not_kept_by_busy_reader),
		cmocka_unit_test(test_active_reader_waited_for),
		cmocka_unit_test(test_each_file_own_clock),
		cmocka_unit_test(test_starved_thread_waits_for_slots),
		cmocka_unit_test(test_tick),
		cmocka_unit_test(test_expires),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
