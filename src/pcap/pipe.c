/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One pipe's transfers -> PTP containers, by the container length alone
 * (dossier §1.4 host rule 1): a capture shows URBs, not containers. A
 * container may span many transfers (a host reads a data phase in 16-64
 * KB requests), a transfer may hold the end of one container and the start
 * of the next, and a zero-length transfer may follow a container whose
 * length is a multiple of the packet size.
 *
 * What the capture may have done to it, and how each is told apart:
 *   - a record cut by the snapshot length: fewer bytes kept than the
 *     transfer carried (CAPTURE). The length stays known, so the
 *     containers after it are still found; the cut one is never whole.
 *     Its header itself not kept: the length is unknown, the bytes are
 *     counted (LOST) until a transfer starts with a plausible header for
 *     the transaction in progress.
 *   - a transfer ended by a short packet before the container's length:
 *     the device cut it (SHORT).
 *   - transfers missing from the capture (lost records): the reassembler
 *     says so when it saw a URB submitted and never completed, and a
 *     transfer that starts with this transaction's response while data is
 *     still owed means the same (MISSING).
 */
#include <string.h>

#include "pcap/capture.h"

/* A response container: header plus at most 5 parameters. */
#define RESPONSE_MAX (PTP_HEADER_SIZE + 4 * PTP_MAX_PARAMS)
/* First allocation for a payload; grows by doubling up to its length. */
#define PAYLOAD_FIRST 4096

void capture_pipe_init(struct capture_pipe *p, uint8_t ep)
{
	memset(p, 0, sizeof(*p));
	p->ep = ep;
	p->state = CAPTURE_PIPE_HEAD;
}

void capture_pipe_finish(struct capture_pipe *p)
{
	if (!p)
		return;
	mem_free(p->buf);
	p->buf = NULL;
	p->buf_cap = 0;
}

static bool plausible(const struct ptp_header *h)
{
	return h->length != PTP_LENGTH_UNKNOWN &&
	       h->length - PTP_HEADER_SIZE <= CAPTURE_CONTAINER_MAX;
}

/* Bytes whose payload is not kept: cut by the capture or lost. */
static bool payload_dropped(const struct capture_pipe *p)
{
	return (p->c.cut & (CAPTURE_CUT_CAPTURE | CAPTURE_CUT_LOST)) != 0;
}

static void emit(struct capture_pipe *p, capture_container_fn *fn, void *arg)
{
	p->c.payload = p->buf;
	if (fn)
		fn(&p->c, arg);
	p->state = CAPTURE_PIPE_HEAD;
	p->head_have = 0;
	p->need = 0;
	memset(&p->c, 0, sizeof(p->c));
}

void capture_pipe_flush(struct capture_pipe *p, unsigned cut, capture_container_fn *fn,
		     void *arg)
{
	if (p->state == CAPTURE_PIPE_HEAD) {
		p->head_have = 0;
		return;
	}
	p->c.cut |= cut;
	emit(p, fn, arg);
}

static void note_cut(struct capture_pipe *p, unsigned cut,
		     const struct capture_transfer *x)
{
	if (!(p->c.cut & (CAPTURE_CUT_CAPTURE | CAPTURE_CUT_LOST)) &&
	    (cut & CAPTURE_CUT_CAPTURE)) {
		p->c.cut_cap = (uint32_t)x->cap;
		p->c.cut_len = x->len;
	}
	p->c.cut |= cut;
}

/* Room for n more payload bytes, growing geometrically up to p->need. */
static int reserve(struct capture_pipe *p, size_t n)
{
	size_t want = p->c.kept + n, cap = p->buf_cap ? p->buf_cap
							      : PAYLOAD_FIRST;
	uint8_t *q;

	if (want <= p->buf_cap)
		return 0;
	while (cap < want)
		cap = cap > p->need / 2 ? p->need : cap * 2;
	q = mem_realloc(p->buf, cap);
	if (!q)
		return ALPHAFS_ERR_NOMEM;
	p->buf = q;
	p->buf_cap = cap;
	return 0;
}

/* Does the captured start of x look like a header, and whose? */
static bool peek_header(const struct capture_transfer *x, struct ptp_header *h)
{
	return x->cap >= PTP_HEADER_SIZE &&
	       ptp_header_decode(x->data, x->cap, h) == 0 && plausible(h);
}

/* While data is owed: a transfer that is this transaction's response. */
static bool is_our_response(const struct capture_pipe *p,
			    const struct capture_transfer *x)
{
	struct ptp_header h;

	return peek_header(x, &h) && h.type == PTP_TYPE_RESPONSE &&
	       h.tid == p->c.h.tid && h.length <= RESPONSE_MAX &&
	       x->len >= h.length;
}

static void start_lost(struct capture_pipe *p, const struct capture_transfer *x,
		       size_t off)
{
	memset(&p->c, 0, sizeof(p->c));
	p->c.ep = p->ep;
	p->c.ts_first_ns = x->ts_ns;
	p->c.ts_last_ns = x->ts_ns;
	p->c.transfers = 1;
	note_cut(p, CAPTURE_CUT_CAPTURE | CAPTURE_CUT_LOST, x);
	p->c.payload_len = x->len - off;
	p->state = CAPTURE_PIPE_LOST;
}

/* LOST: a transfer begins a container again only with a plausible header
 * of the transaction in progress (or any, when none is known). */
static bool lost_ends(const struct capture_pipe *p, const struct capture_transfer *x)
{
	struct ptp_header h;

	if (!peek_header(x, &h) || h.type == PTP_TYPE_COMMAND)
		return false;
	return !p->have_expect || h.tid == p->expect_tid;
}

/* HEAD: header bytes; returns the offset reached, or x->len when the
 * rest of the transfer is gone (garbage or lost). */
static size_t take_header(struct capture_pipe *p, const struct capture_transfer *x,
			  size_t off, capture_container_fn *fn, void *arg,
			  uint64_t *garbage)
{
	size_t want = PTP_HEADER_SIZE - p->head_have, n = x->len - off;
	struct ptp_header h;
	uint64_t first;

	if (n > want)
		n = want;
	if (off > x->cap || n > x->cap - off) {
		start_lost(p, x, off);
		return x->len;
	}
	if (p->head_have == 0) {
		p->c.ts_first_ns = x->ts_ns;
		p->head_xfers = 0;
	}
	p->head_xfers++;
	memcpy(p->head + p->head_have, x->data + off, n);
	p->head_have += n;
	off += n;
	if (p->head_have < PTP_HEADER_SIZE)
		return off;
	if (ptp_header_decode(p->head, PTP_HEADER_SIZE, &h) < 0 ||
	    !plausible(&h)) {
		(*garbage)++;
		p->head_have = 0;
		return x->len;
	}
	first = p->c.ts_first_ns;
	memset(&p->c, 0, sizeof(p->c));
	p->c.ep = p->ep;
	p->c.h = h;
	p->c.ts_first_ns = first;
	p->c.ts_last_ns = x->ts_ns;
	p->c.transfers = p->head_xfers;
	p->need = h.length - PTP_HEADER_SIZE;
	p->state = CAPTURE_PIPE_BODY;
	if (p->need == 0)
		emit(p, fn, arg);
	return off;
}

/* BODY: payload bytes; the captured part kept, the rest only counted. */
static int take_body(struct capture_pipe *p, const struct capture_transfer *x,
		     size_t *off, capture_container_fn *fn, void *arg)
{
	size_t n = p->need - p->c.payload_len, kept;

	if (n > x->len - *off)
		n = x->len - *off;
	kept = *off < x->cap ? x->cap - *off : 0;
	if (kept > n)
		kept = n;
	/* Bytes are held up to the first cut (the start of a cut object
	 * still says what it was), and only counted after it. */
	if (!payload_dropped(p) && kept > 0) {
		if (reserve(p, kept) < 0)
			return ALPHAFS_ERR_NOMEM;
		memcpy(p->buf + p->c.kept, x->data + *off, kept);
		p->c.kept += kept;
	}
	if (kept < n)
		note_cut(p, CAPTURE_CUT_CAPTURE, x);
	p->c.payload_len += n;
	p->c.ts_last_ns = x->ts_ns;
	*off += n;
	if (p->c.payload_len == p->need)
		emit(p, fn, arg);
	return 0;
}

/* At a transfer boundary inside a container: is it still ours? */
static void check_continuation(struct capture_pipe *p,
			       const struct capture_transfer *x,
			       capture_container_fn *fn, void *arg)
{
	if (p->state == CAPTURE_PIPE_BODY) {
		if (x->gap_before || is_our_response(p, x))
			capture_pipe_flush(p, CAPTURE_CUT_MISSING, fn, arg);
		else
			p->c.transfers++;
		return;
	}
	if (p->state == CAPTURE_PIPE_LOST) {
		if (lost_ends(p, x)) {
			capture_pipe_flush(p, 0, fn, arg);
			return;
		}
		p->c.transfers++;
		p->c.payload_len += x->len;
		p->c.ts_last_ns = x->ts_ns;
		return;
	}
	if (p->head_have > 0 && x->gap_before)
		p->head_have = 0;
}

int capture_pipe_feed(struct capture_pipe *p, const struct capture_transfer *x,
		   capture_container_fn *fn, void *arg, uint64_t *garbage,
		   uint64_t *zlps)
{
	size_t off = 0;
	int rc;

	check_continuation(p, x, fn, arg);
	if (p->state == CAPTURE_PIPE_LOST)
		return 0;
	if (x->len == 0 && p->state == CAPTURE_PIPE_HEAD && p->head_have == 0) {
		(*zlps)++;
		return 0;
	}
	while (off < x->len && p->state != CAPTURE_PIPE_LOST) {
		if (p->state == CAPTURE_PIPE_HEAD) {
			off = take_header(p, x, off, fn, arg, garbage);
			continue;
		}
		rc = take_body(p, x, &off, fn, arg);
		if (rc < 0)
			return rc;
	}
	if (p->state == CAPTURE_PIPE_BODY) {
		p->last_full = !x->is_short;
		if (x->is_short)
			capture_pipe_flush(p, CAPTURE_CUT_SHORT, fn, arg);
	} else if (p->state == CAPTURE_PIPE_HEAD && p->head_have > 0 &&
		   x->is_short) {
		(*garbage)++; /* a transfer ended inside a header */
		p->head_have = 0;
	}
	return 0;
}
