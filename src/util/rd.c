/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounded little-endian reader over untrusted bytes. */
#include <string.h>

#include "util.h"

void rd_init(struct rd *r, const uint8_t *buf, size_t len)
{
	r->p = buf;
	r->len = buf ? len : 0;
	r->off = 0;
	r->bad = false;
}

size_t rd_left(const struct rd *r)
{
	return r->bad ? 0 : r->len - r->off;
}

/* Subtraction form: off <= len always holds, so len - off cannot wrap. */
const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

bool rd_skip(struct rd *r, size_t n)
{
	return rd_bytes(r, n) != NULL;
}

uint8_t rd_u8(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 1);

	return p ? p[0] : 0;
}

uint16_t rd_u16le(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 2);

	return p ? get_u16le(p) : 0;
}

uint32_t rd_u32le(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 4);

	return p ? get_u32le(p) : 0;
}

uint64_t rd_u64le(struct rd *r)
{
	const uint8_t *p = rd_bytes(r, 8);

	if (!p)
		return 0;
	return (uint64_t)get_u32le(p) | (uint64_t)get_u32le(p + 4) << 32;
}

void put_u16le(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint16_t get_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
