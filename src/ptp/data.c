/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PTP data types (dossier §0): strings (u8 count of UCS-2 units including
 * the terminating NUL, then the units), arrays (u32 count then elements)
 * and typed property values. Everything from the device is untrusted.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ptp/ptp.h"

#define REPLACEMENT_CHAR 0xFFFDu

/* Appends code point cp as UTF-8 if it fits (keeping room for the NUL). */
static void utf8_put(char *out, size_t cap, size_t *n, uint32_t cp)
{
	uint8_t tmp[4];
	size_t k;

	if (cp < 0x80) {
		tmp[0] = (uint8_t)cp;
		k = 1;
	} else if (cp < 0x800) {
		tmp[0] = (uint8_t)(0xC0 | cp >> 6);
		tmp[1] = (uint8_t)(0x80 | (cp & 0x3F));
		k = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (uint8_t)(0xE0 | cp >> 12);
		tmp[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (uint8_t)(0x80 | (cp & 0x3F));
		k = 3;
	} else {
		tmp[0] = (uint8_t)(0xF0 | cp >> 18);
		tmp[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (uint8_t)(0x80 | (cp & 0x3F));
		k = 4;
	}
	if (cap - 1 - *n < k)
		return;
	memcpy(out + *n, tmp, k);
	*n += k;
}

int ptp_read_string(struct rd *r, char *out, size_t cap)
{
	const uint8_t *units;
	uint8_t count;
	size_t n = 0;
	bool ended = false;

	out[0] = '\0';
	count = rd_u8(r);
	units = rd_bytes(r, (size_t)count * 2);
	if (!rd_ok(r))
		return ALPHAFS_ERR_TRUNCATED;
	for (unsigned i = 0; i < count && !ended; i++) {
		uint32_t cp = get_u16le(units + 2 * i);

		if (cp == 0) {
			ended = true;
		} else if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < count) {
			uint32_t lo = get_u16le(units + 2 * (i + 1));

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i++;
			} else {
				cp = REPLACEMENT_CHAR;
			}
			utf8_put(out, cap, &n, cp);
		} else if (cp >= 0xD800 && cp <= 0xDFFF) {
			utf8_put(out, cap, &n, REPLACEMENT_CHAR);
		} else {
			utf8_put(out, cap, &n, cp);
		}
	}
	out[n] = '\0';
	return 0;
}

/* Decodes one UTF-8 sequence at s (NUL-terminated); *adv = bytes used. */
static uint32_t utf8_next(const unsigned char *s, size_t *adv)
{
	unsigned char c = s[0];
	uint32_t cp;
	size_t k;

	if (c < 0x80) {
		*adv = 1;
		return c;
	}
	if ((c & 0xE0) == 0xC0) {
		k = 2;
		cp = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		k = 3;
		cp = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		k = 4;
		cp = c & 0x07;
	} else {
		*adv = 1;
		return REPLACEMENT_CHAR;
	}
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*adv = i;
			return REPLACEMENT_CHAR;
		}
		cp = cp << 6 | (s[i] & 0x3F);
	}
	*adv = k;
	return cp;
}

void ptp_write_string(struct buf *b, const char *utf8)
{
	uint16_t units[PTP_STRING_MAX_UNITS];
	const unsigned char *s = (const unsigned char *)utf8;
	size_t n = 0, adv;

	/* At most 254 units of text so the NUL unit fits in the u8 count. */
	while (s && *s) {
		uint32_t cp = utf8_next(s, &adv);
		size_t need = cp >= 0x10000 ? 2 : 1;

		if (n + need > PTP_STRING_MAX_UNITS - 1)
			break;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			units[n++] = (uint16_t)(0xD800 + (cp >> 10));
			units[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
		} else {
			units[n++] = (uint16_t)cp;
		}
		s += adv;
	}
	if (n == 0) {
		buf_put_u8(b, 0);
		return;
	}
	buf_put_u8(b, (uint8_t)(n + 1));
	for (size_t i = 0; i < n; i++)
		buf_put_u16le(b, units[i]);
	buf_put_u16le(b, 0);
}

int ptp_read_u16_list(struct rd *r, struct ptp_u16_list *out)
{
	uint32_t count;

	out->v = NULL;
	out->n = 0;
	count = rd_u32le(r);
	if (!rd_ok(r))
		return ALPHAFS_ERR_TRUNCATED;
	if (count > PTP_ARRAY_MAX)
		return ALPHAFS_ERR_TOO_BIG;
	if ((size_t)count * 2 > rd_left(r)) {
		r->bad = true;
		return ALPHAFS_ERR_TRUNCATED;
	}
	if (count == 0)
		return 0;
	out->v = mem_alloc((size_t)count * sizeof(*out->v));
	if (!out->v)
		return ALPHAFS_ERR_NOMEM;
	for (uint32_t i = 0; i < count; i++)
		out->v[i] = rd_u16le(r);
	out->n = count;
	return 0;
}

void ptp_write_u16_list(struct buf *b, const uint16_t *v, uint32_t n)
{
	buf_put_u32le(b, n);
	for (uint32_t i = 0; i < n; i++)
		buf_put_u16le(b, v[i]);
}

void ptp_u16_list_finish(struct ptp_u16_list *l)
{
	if (!l)
		return;
	mem_free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool ptp_u16_list_has(const struct ptp_u16_list *l, uint16_t code)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i] == code)
			return true;
	return false;
}

size_t ptp_dtc_size(uint16_t type)
{
	switch (type) {
	case PTP_DTC_INT8:
	case PTP_DTC_UINT8:
		return 1;
	case PTP_DTC_INT16:
	case PTP_DTC_UINT16:
		return 2;
	case PTP_DTC_INT32:
	case PTP_DTC_UINT32:
		return 4;
	case PTP_DTC_INT64:
	case PTP_DTC_UINT64:
		return 8;
	default:
		return 0;
	}
}

bool ptp_dtc_signed(uint16_t type)
{
	return type == PTP_DTC_INT8 || type == PTP_DTC_INT16 ||
	       type == PTP_DTC_INT32 || type == PTP_DTC_INT64;
}

int ptp_value_read(struct rd *r, uint16_t type, struct ptp_value *out)
{
	char tmp[PTP_STRING_UTF8_MAX];
	size_t size = ptp_dtc_size(type);
	uint64_t u = 0;
	int rc;

	*out = (struct ptp_value){ .type = type };
	if (type == PTP_DTC_STR) {
		rc = ptp_read_string(r, tmp, sizeof(tmp));
		if (rc < 0)
			return rc;
		out->str = mem_strdup(tmp);
		return out->str ? 0 : ALPHAFS_ERR_NOMEM;
	}
	if (size == 0)
		return ALPHAFS_ERR_UNSUPPORTED;
	switch (size) {
	case 1:
		u = rd_u8(r);
		break;
	case 2:
		u = rd_u16le(r);
		break;
	case 4:
		u = rd_u32le(r);
		break;
	default:
		u = rd_u64le(r);
		break;
	}
	if (!rd_ok(r))
		return ALPHAFS_ERR_TRUNCATED;
	if (ptp_dtc_signed(type)) {
		/* Sign-extend from the wire width. */
		unsigned shift = (unsigned)(64 - 8 * size);

		out->i = (int64_t)(u << shift) >> shift;
	} else {
		out->u = u;
	}
	return 0;
}

void ptp_value_write(struct buf *b, const struct ptp_value *v)
{
	switch (ptp_dtc_size(v->type)) {
	case 1:
		buf_put_u8(b, (uint8_t)v->u);
		return;
	case 2:
		buf_put_u16le(b, (uint16_t)v->u);
		return;
	case 4:
		buf_put_u32le(b, (uint32_t)v->u);
		return;
	case 8:
		buf_put_u64le(b, v->u);
		return;
	default:
		break;
	}
	if (v->type == PTP_DTC_STR)
		ptp_write_string(b, v->str ? v->str : "");
}

void ptp_value_finish(struct ptp_value *v)
{
	if (!v)
		return;
	mem_free(v->str);
	v->str = NULL;
}

void ptp_value_format(const struct ptp_value *v, char *out, size_t cap)
{
	if (v->type == PTP_DTC_STR)
		snprintf(out, cap, "%s", v->str ? v->str : "");
	else if (ptp_dtc_signed(v->type))
		snprintf(out, cap, "%" PRId64, v->i);
	else if (ptp_dtc_size(v->type) >= 4)
		snprintf(out, cap, "0x%08" PRIx64, v->u);
	else if (ptp_dtc_size(v->type) > 0)
		snprintf(out, cap, "%" PRIu64, v->u);
	else
		snprintf(out, cap, "(type 0x%04x)", v->type);
}
