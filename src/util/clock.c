/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Monotonic time for every wait and deadline; wall time only for display. */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "util.h"

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_now_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

uint64_t clock_now_ms(void)
{
	return clock_now_ns() / 1000000u;
}

uint64_t clock_wall_ns(void)
{
	return ts_ns(CLOCK_REALTIME);
}

void clock_wall_iso(uint64_t wall_ns, char *out, size_t cap)
{
	time_t t = (time_t)(wall_ns / 1000000000u);
	char day[CLOCK_ISO_MAX];
	struct tm tm;

	if (cap == 0)
		return;
	if (!gmtime_r(&t, &tm) ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		snprintf(out, cap, "unknown-time");
		return;
	}
	snprintf(out, cap, "%s.%03uZ", day,
		 (unsigned)(wall_ns % 1000000000u / 1000000u));
}

void clock_sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void clock_deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int clock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	if (pthread_condattr_init(&attr) != 0)
		return ALPHAFS_ERR_NOMEM;
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return rc == 0 ? 0 : ALPHAFS_ERR_NOMEM;
}
