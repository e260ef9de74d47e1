/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * util: the bounded byte reader, capped growable buffers, allocation wrapper,
 * error details, monotonic clock, named threads and logging that every
 * other module uses.
 * Nothing here knows about PTP, USB or cameras.
 */
#ifndef ALPHAFS_UTIL_H
#define ALPHAFS_UTIL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "alphafs/error.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* ---- allocation ------------------------------------------------------- */
/*
 * All heap memory goes through these so a test can fail the Nth allocation
 * (mem_fail_after) and check that the caller returns ALPHAFS_ERR_NOMEM with
 * nothing leaked. mem_free(NULL) is a no-op. Thread-safe.
 */
void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
void *mem_realloc(void *p, size_t size);
char *mem_strdup(const char *s);
void mem_free(void *p);
/* Fail every allocation after n more succeed; n < 0 turns failing off. */
void mem_fail_after(long n);
/* Allocations made since the process started (for tests and bench). */
unsigned long mem_alloc_count(void);

/* ---- error detail ----------------------------------------------------- */
/*
 * A code plus a one-line explanation, kept at the first failure so that the
 * user sees "camera disconnected: bulk IN 0x81 read failed after 0 of 1024
 * bytes" rather than the last symptom.
 */
#define ERR_DETAIL_MAX 240
struct err_detail {
	int code;
	char msg[ERR_DETAIL_MAX];
};

/* Records code and message if d holds no error yet; returns code either way,
 * so callers write `return err_set(&s->err, ALPHAFS_ERR_IO, "...")`. */
int err_set(struct err_detail *d, int code, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
/* Like err_set but always overwrites. */
int err_replace(struct err_detail *d, int code, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
void err_clear(struct err_detail *d);
/* "strerror: detail" (or just strerror when there is no detail) into out. */
void err_format(const struct err_detail *d, char *out, size_t cap);

/* ---- bounded reader --------------------------------------------------- */
/*
 * A cursor over untrusted bytes. Every read is bounds-checked; a short read
 * latches `bad`, returns 0 and consumes nothing, so parsers read a whole
 * structure and check rd_ok() once at the end.
 */
struct rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

void rd_init(struct rd *r, const uint8_t *buf, size_t len);
uint8_t rd_u8(struct rd *r);
uint16_t rd_u16le(struct rd *r);
uint32_t rd_u32le(struct rd *r);
uint64_t rd_u64le(struct rd *r);
/* Pointer to the next n bytes (and consumes them), or NULL and bad. */
const uint8_t *rd_bytes(struct rd *r, size_t n);
bool rd_skip(struct rd *r, size_t n);
size_t rd_left(const struct rd *r);
static inline bool rd_ok(const struct rd *r) { return !r->bad; }

/* ---- capped growable buffer ------------------------------------------ */
/*
 * An append-only byte buffer that refuses to grow past `limit` bytes. A
 * failed append latches an error (NOMEM or TOO_BIG) and later appends are
 * ignored, so writers check buf_status() once. The caller owns the storage:
 * free with buf_finish() or take it with buf_steal().
 */
struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t limit;
	int err;
};

void buf_init(struct buf *b, size_t limit);
void buf_finish(struct buf *b);
void buf_reset(struct buf *b);
/* Makes room for n more bytes; returns a pointer to them (len grows by n),
 * or NULL with the error latched. The bytes are uninitialised. */
uint8_t *buf_grow(struct buf *b, size_t n);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_put_u8(struct buf *b, uint8_t v);
void buf_put_u16le(struct buf *b, uint16_t v);
void buf_put_u32le(struct buf *b, uint32_t v);
void buf_put_u64le(struct buf *b, uint64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
/* 0, or the latched ALPHAFS_ERR_NOMEM / ALPHAFS_ERR_TOO_BIG. */
static inline int buf_status(const struct buf *b) { return b->err; }
/* Hands the storage to the caller (free with mem_free); b is left empty. */
uint8_t *buf_steal(struct buf *b, size_t *len);

/* Little-endian stores into caller memory (no bounds: caller sized it). */
void put_u16le(uint8_t *p, uint16_t v);
void put_u32le(uint8_t *p, uint32_t v);
uint16_t get_u16le(const uint8_t *p);
uint32_t get_u32le(const uint8_t *p);

/* ---- clock ------------------------------------------------------------ */
/* CLOCK_MONOTONIC in nanoseconds / milliseconds. */
uint64_t clock_now_ns(void);
uint64_t clock_now_ms(void);
/* CLOCK_REALTIME in nanoseconds (for file times only, never for waits). */
uint64_t clock_wall_ns(void);
/* wall_ns as ISO 8601 in UTC with milliseconds, "2024-05-01T12:00:00.123Z"
 * (out cap >= CLOCK_ISO_MAX for the whole of it; always terminated). */
#define CLOCK_ISO_MAX 32
void clock_wall_iso(uint64_t wall_ns, char *out, size_t cap);
/* Sleeps ms milliseconds, resuming after signals. */
void clock_sleep_ms(unsigned ms);
/* Absolute CLOCK_MONOTONIC timespec `ms` from now, for pthread_cond_timedwait
 * on a condvar created with clock_cond_init. */
void clock_deadline(struct timespec *ts, unsigned ms);
/* Initialises a condition variable that waits on CLOCK_MONOTONIC. */
int clock_cond_init(pthread_cond_t *cond);

/* ---- threads ---------------------------------------------------------- */
/* Longest thread name the kernel keeps (TASK_COMM_LEN 16, NUL included). */
#define THREAD_NAME_MAX 15
/*
 * Starts fn(arg) on a new thread named `name` (at most THREAD_NAME_MAX
 * characters: what top -H, ps -L and a debugger show; "alphafs-camera")
 * with SIGINT, SIGTERM, SIGHUP and SIGQUIT blocked, so that the process's
 * termination signals reach the thread that handles them. The caller's
 * signal mask is unchanged on return. Returns 0 with *tid set, or NOMEM
 * when the thread cannot be created. Any thread.
 */
int thread_start(pthread_t *tid, const char *name, void *(*fn)(void *),
		 void *arg);
/* Names the calling thread (one we did not create: a library's worker,
 * the main thread of a re-executed program). */
void thread_name_self(const char *name);

/* ---- logging ---------------------------------------------------------- */
enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

#define LOG_AREAS(X)                                                           \
	X(MAIN, "main") X(UTIL, "util") X(USB, "usb") X(PTP, "ptp")                \
	X(SONY, "sony") X(FRAME, "frame") X(FS, "fs") X(EMU, "emu")

enum log_area {
#define LOG_AREA_ENUM(id, name) LOG_AREA_##id,
	LOG_AREAS(LOG_AREA_ENUM)
#undef LOG_AREA_ENUM
	LOG_AREA_COUNT
};

/* Per-area thresholds; read without locks (a stale level is harmless). */
extern volatile unsigned char log_levels[LOG_AREA_COUNT];

/*
 * Applies a spec such as "debug", "usb,ptp:debug" or "warn,emu:info": a bare
 * level sets every area; "area[,area]:level" sets those; a bare area means
 * debug for it. Returns ALPHAFS_ERR_INVALID (and changes nothing) on an
 * unknown word. Also read from $ALPHAFS_DEBUG by log_init().
 */
int log_configure(const char *spec);
/* Default levels (warn), then $ALPHAFS_DEBUG if set. */
void log_init(void);
/* Send messages to syslog (daemon facility) instead of stderr. */
void log_use_syslog(bool on);
void log_msg(enum log_area area, enum log_level lvl, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
void log_vmsg(enum log_area area, enum log_level lvl, const char *fmt,
	      va_list ap) PRINTF_LIKE(3, 0);

/* Arguments are evaluated only when the level is enabled. */
#define log_at(area, lvl, ...)                                                 \
	do {                                                                   \
		if (log_levels[LOG_AREA_##area] >= (lvl))                      \
			log_msg(LOG_AREA_##area, (lvl), __VA_ARGS__);          \
	} while (0)
#define log_err(area, ...) log_at(area, LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(area, ...) log_at(area, LOG_LVL_WARN, __VA_ARGS__)
#define log_info(area, ...) log_at(area, LOG_LVL_INFO, __VA_ARGS__)
#define log_dbg(area, ...) log_at(area, LOG_LVL_DEBUG, __VA_ARGS__)
#define log_enabled(area, lvl) (log_levels[LOG_AREA_##area] >= (lvl))

/* Hex dump of up to max bytes at debug level, 16 per line. */
void log_hexdump(enum log_area area, const char *what, const uint8_t *p,
		 size_t len, size_t max);

#endif
