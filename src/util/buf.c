/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Capped growable byte buffer with a latched error. */
#include <stdio.h>
#include <string.h>

#include "util.h"

void buf_init(struct buf *b, size_t limit)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
	b->err = 0;
}

void buf_finish(struct buf *b)
{
	if (!b)
		return;
	mem_free(b->data);
	buf_init(b, b->limit);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
}

uint8_t *buf_grow(struct buf *b, size_t n)
{
	size_t want, ncap;
	uint8_t *p;

	if (b->err)
		return NULL;
	if (n > b->limit || b->len > b->limit - n) {
		b->err = ALPHAFS_ERR_TOO_BIG;
		return NULL;
	}
	want = b->len + n;
	if (want > b->cap) {
		ncap = b->cap ? b->cap : 64;
		while (ncap < want)
			ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
		if (ncap > b->limit)
			ncap = b->limit;
		p = mem_realloc(b->data, ncap);
		if (!p) {
			b->err = ALPHAFS_ERR_NOMEM;
			return NULL;
		}
		b->data = p;
		b->cap = ncap;
	}
	p = b->data + b->len;
	b->len += n;
	return p;
}

void buf_put(struct buf *b, const void *src, size_t n)
{
	uint8_t *p = buf_grow(b, n);

	if (p && n)
		memcpy(p, src, n);
}

void buf_put_u8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_put_u16le(struct buf *b, uint16_t v)
{
	uint8_t *p = buf_grow(b, 2);

	if (p)
		put_u16le(p, v);
}

void buf_put_u32le(struct buf *b, uint32_t v)
{
	uint8_t *p = buf_grow(b, 4);

	if (p)
		put_u32le(p, v);
}

void buf_put_u64le(struct buf *b, uint64_t v)
{
	buf_put_u32le(b, (uint32_t)v);
	buf_put_u32le(b, (uint32_t)(v >> 32));
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;
	uint8_t *p;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		if (!b->err)
			b->err = ALPHAFS_ERR_INVALID;
		return;
	}
	/* Room for the NUL vsnprintf writes; it is not counted in len. */
	p = buf_grow(b, (size_t)n + 1);
	if (!p)
		return;
	vsnprintf((char *)p, (size_t)n + 1, fmt, ap);
	b->len--;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

uint8_t *buf_steal(struct buf *b, size_t *len)
{
	uint8_t *p = b->data;

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
