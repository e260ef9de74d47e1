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
int log_configure(const char *spec)
{
	unsigned char next[LOG_AREA_COUNT];
	bool pending[LOG_AREA_COUNT] = { false };
	bool any_pending = false;
	const char *s = spec;

	memcpy(next, (const void *)log_levels, sizeof(next));
	while (s && *s) {
		const char *end = s + strcspn(s, ",");
		const char *colon = memchr(s, ':', (size_t)(end - s));
		size_t wlen = (size_t)((colon ? colon : end) - s);
		int lvl = -1, area;

		if (wlen == 0 && !colon) {
			s = *end ? end + 1 : end;
			continue;
		}
		area = parse_area(s, wlen);
		if (area < 0 && !colon) {
			lvl = parse_level(s, wlen);
			if (lvl < 0)
				return ALPHAFS_ERR_INVALID;
		} else if (area < 0) {
			return ALPHAFS_ERR_INVALID;
		}
		if (colon) {
			lvl = parse_level(colon + 1, (size_t)(end - colon - 1));
			if (lvl < 0)
				return ALPHAFS_ERR_INVALID;
		}
		if (area >= 0 && area < LOG_AREA_COUNT) {
			pending[area] = true;
			any_pending = true;
		} else if (area == LOG_AREA_COUNT) {
			for (int i = 0; i < LOG_AREA_COUNT; i++)
				pending[i] = true;
			any_pending = true;
		}
		if (lvl >= 0) {
			for (int i = 0; i < LOG_AREA_COUNT; i++)
				if (pending[i] || !any_pending)
					next[i] = (unsigned char)lvl;
			memset(pending, 0, sizeof(pending));
			any_pending = false;
		}
		s = *end ? end + 1 : end;
	}
	for (int i = 0; i < LOG_AREA_COUNT; i++)
		if (pending[i])
			next[i] = LOG_LVL_DEBUG;
	for (int i = 0; i < LOG_AREA_COUNT; i++)
		log_levels[i] = next[i];
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
