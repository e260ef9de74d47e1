/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Logging: per-area levels, stderr in the foreground, syslog when the daemon
 * runs in the background. Library code never writes to stdout.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "util.h"

volatile unsigned char log_levels[LOG_AREA_COUNT] = {
#define LOG_DEFAULT(id, name) [LOG_AREA_##id] = LOG_LVL_WARN,
	LOG_AREAS(LOG_DEFAULT)
#undef LOG_DEFAULT
};

static const char *const area_names[LOG_AREA_COUNT] = {
#define LOG_NAME(id, name) [LOG_AREA_##id] = name,
	LOG_AREAS(LOG_NAME)
#undef LOG_NAME
};

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static atomic_bool use_syslog;

static int parse_level(const char *w, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(level_names); i++)
		if (strlen(level_names[i]) == n && !strncasecmp(w, level_names[i], n))
			return (int)i;
	if (n == 3 && !strncasecmp(w, "err", 3))
		return LOG_LVL_ERR;
	if (n == 7 && !strncasecmp(w, "warning", 7))
		return LOG_LVL_WARN;
	return -1;
}

static int parse_area(const char *w, size_t n)
{
	for (size_t i = 0; i < LOG_AREA_COUNT; i++)
		if (strlen(area_names[i]) == n && !strncasecmp(w, area_names[i], n))
			return (int)i;
	if (n == 3 && !strncasecmp(w, "all", 3))
		return LOG_AREA_COUNT;
	return -1;
}

/*
 * Grammar: items separated by ',' ; an item "level" applies to all areas
 * seen so far in a pending group or, with none pending, to every area;
 * "area" joins the pending group; "area:level" closes the group with that
 * level. A group left pending at the end is set to debug.
 */
struct spec_state {
	unsigned char next[LOG_AREA_COUNT]; /* levels once the spec is applied */
	bool pending[LOG_AREA_COUNT];	    /* the group waiting for a level */
	bool any_pending;
};

/* One item: an area (LOG_AREA_COUNT for "all"), a level, or both; -1 for
 * the part that is absent. */
struct spec_item {
	int area;
	int level;
};

/* Parses the n bytes at s ("word" or "area:level"); INVALID on an unknown
 * word. */
static int parse_item(const char *s, size_t n, struct spec_item *it)
{
	const char *colon = memchr(s, ':', n);
	size_t wlen = colon ? (size_t)(colon - s) : n;

	it->area = parse_area(s, wlen);
	it->level = -1;
	if (colon) {
		it->level = parse_level(colon + 1, n - wlen - 1);
		return it->area >= 0 && it->level >= 0 ? 0 : ALPHAFS_ERR_INVALID;
	}
	if (it->area < 0) {
		it->level = parse_level(s, wlen);
		if (it->level < 0)
			return ALPHAFS_ERR_INVALID;
	}
	return 0;
}

static void join_group(struct spec_state *st, int area)
{
	for (int i = 0; i < LOG_AREA_COUNT; i++)
		if (area == LOG_AREA_COUNT || area == i)
			st->pending[i] = true;
	st->any_pending = true;
}

/* Sets the pending group (every area when none is pending) to level. */
static void close_group(struct spec_state *st, int level)
{
	for (int i = 0; i < LOG_AREA_COUNT; i++)
		if (st->pending[i] || !st->any_pending)
			st->next[i] = (unsigned char)level;
	memset(st->pending, 0, sizeof(st->pending));
	st->any_pending = false;
}

int log_configure(const char *spec)
{
	struct spec_state st = { .any_pending = false };
	struct spec_item it;

	memcpy(st.next, (const void *)log_levels, sizeof(st.next));
	for (const char *s = spec; s && *s;) {
		size_t n = strcspn(s, ",");

		if (n > 0) {
			if (parse_item(s, n, &it) < 0)
				return ALPHAFS_ERR_INVALID;
			if (it.area >= 0)
				join_group(&st, it.area);
			if (it.level >= 0)
				close_group(&st, it.level);
		}
		s += n;
		if (*s)
			s++;
	}
	if (st.any_pending)
		close_group(&st, LOG_LVL_DEBUG);
	for (int i = 0; i < LOG_AREA_COUNT; i++)
		log_levels[i] = st.next[i];
	return 0;
}

void log_init(void)
{
	const char *env = getenv("ALPHAFS_DEBUG");

	if (env && log_configure(env) < 0)
		fprintf(stderr, "alphafs: ignoring bad ALPHAFS_DEBUG=%s\n", env);
}

void log_use_syslog(bool on)
{
	if (on)
		openlog("alphafs", LOG_PID, LOG_DAEMON);
	atomic_store(&use_syslog, on);
}

void log_vmsg(enum log_area area, enum log_level lvl, const char *fmt,
	      va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (atomic_load(&use_syslog)) {
		syslog(prio[lvl], "%s: %s", area_names[area], line);
		return;
	}
	/* One fprintf call so concurrent lines do not interleave. */
	fprintf(stderr, "alphafs[%s] %s: %s\n", area_names[area],
		level_names[lvl], line);
}

void log_msg(enum log_area area, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(area, lvl, fmt, ap);
	va_end(ap);
}

void log_hexdump(enum log_area area, const char *what, const uint8_t *p,
		 size_t len, size_t max)
{
	char line[16 * 3 + 1];

	if (log_levels[area] < LOG_LVL_DEBUG)
		return;
	log_msg(area, LOG_LVL_DEBUG, "%s: %zu bytes", what, len);
	for (size_t off = 0; off < len && off < max; off += 16) {
		size_t n = 0;

		for (size_t i = off; i < len && i < off + 16 && i < max; i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x ", p[i]);
		log_msg(area, LOG_LVL_DEBUG, "  %04zx: %s", off, line);
	}
}
