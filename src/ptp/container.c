/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The generic container (dossier §1.2): a 12-byte little-endian header
 * (length, type, code, transaction id) then 0-5 u32 parameters or, for a
 * data container, the dataset bytes. The length field is the only reliable
 * container boundary; transfers and packets are not containers (§1.4).
 */
#include "ptp/ptp.h"

int ptp_header_decode(const uint8_t *buf, size_t len, struct ptp_header *out)
{
	struct rd r;

	rd_init(&r, buf, len);
	out->length = rd_u32le(&r);
	out->type = rd_u16le(&r);
	out->code = rd_u16le(&r);
	out->tid = rd_u32le(&r);
	if (!rd_ok(&r))
		return ALPHAFS_ERR_TRUNCATED;
	if (out->length < PTP_HEADER_SIZE && out->length != PTP_LENGTH_UNKNOWN)
		return ALPHAFS_ERR_MALFORMED;
	if (out->type < PTP_TYPE_COMMAND || out->type > PTP_TYPE_EVENT)
		return ALPHAFS_ERR_MALFORMED;
	return 0;
}

void ptp_header_encode(uint8_t out[PTP_HEADER_SIZE], uint32_t length,
		       uint16_t type, uint16_t code, uint32_t tid)
{
	put_u32le(out, length);
	put_u16le(out + 4, type);
	put_u16le(out + 6, code);
	put_u32le(out + 8, tid);
}

int ptp_params_decode(const uint8_t *buf, size_t len, struct ptp_params *out)
{
	struct ptp_header h;
	unsigned max;
	struct rd r;
	int rc;

	*out = (struct ptp_params){ 0 };
	rc = ptp_header_decode(buf, len, &h);
	if (rc < 0)
		return rc;
	if (h.type == PTP_TYPE_DATA || h.length != len)
		return ALPHAFS_ERR_MALFORMED;
	max = h.type == PTP_TYPE_EVENT ? PTP_EVENT_MAX_PARAMS : PTP_MAX_PARAMS;
	if ((len - PTP_HEADER_SIZE) % 4 != 0 ||
	    (len - PTP_HEADER_SIZE) / 4 > max)
		return ALPHAFS_ERR_MALFORMED;
	out->type = h.type;
	out->code = h.code;
	out->tid = h.tid;
	out->nparams = (unsigned)((len - PTP_HEADER_SIZE) / 4);
	rd_init(&r, buf + PTP_HEADER_SIZE, len - PTP_HEADER_SIZE);
	for (unsigned i = 0; i < out->nparams; i++)
		out->params[i] = rd_u32le(&r);
	return 0;
}

int ptp_params_encode(uint8_t *out, size_t cap, const struct ptp_params *c)
{
	size_t len;

	if (c->nparams > PTP_MAX_PARAMS)
		return ALPHAFS_ERR_INVALID;
	len = PTP_HEADER_SIZE + 4 * (size_t)c->nparams;
	if (cap < len)
		return ALPHAFS_ERR_INVALID;
	ptp_header_encode(out, (uint32_t)len, c->type, c->code, c->tid);
	for (unsigned i = 0; i < c->nparams; i++)
		put_u32le(out + PTP_HEADER_SIZE + 4 * i, c->params[i]);
	return (int)len;
}

int ptp_event_decode(const uint8_t *buf, size_t len, struct ptp_event *out)
{
	struct ptp_params p;
	int rc;

	*out = (struct ptp_event){ 0 };
	rc = ptp_params_decode(buf, len, &p);
	if (rc < 0)
		return rc;
	if (p.type != PTP_TYPE_EVENT)
		return ALPHAFS_ERR_MALFORMED;
	out->code = p.code;
	out->tid = p.tid;
	out->nparams = p.nparams;
	for (unsigned i = 0; i < p.nparams; i++)
		out->params[i] = p.params[i];
	return 0;
}
