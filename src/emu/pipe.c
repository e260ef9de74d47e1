/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device-side USB bulk framing (dossier §1.4).
 *
 * IN: each container is its own transfer, sent as 512-byte packets ended by
 * a short packet, or by a zero-length packet (ZLP) when its length is an
 * exact multiple of 512. A host read of cap bytes takes packets until cap is
 * full or a short packet ends the transfer, as a USB host controller does.
 *
 * OUT: the host may split a container over any number of writes
 * (libgphoto2: header + first bytes, then 4096-byte chunks, then a ZLP), so
 * containers are cut by their length field, never by write boundaries.
 */
#include <string.h>

#include "emu_internal.h"

/* ---- IN ------------------------------------------------------------------ */

void emu_inq_init(struct emu_in_queue *q)
{
	q->head = NULL;
	q->tail = NULL;
	q->n = 0;
}

static void xfer_free(struct emu_xfer *x)
{
	mem_free(x->data);
	mem_free(x);
}

static void pop_head(struct emu_in_queue *q)
{
	struct emu_xfer *x = q->head;

	q->head = x->next;
	if (!q->head)
		q->tail = NULL;
	q->n--;
	xfer_free(x);
}

void emu_inq_clear(struct emu_in_queue *q)
{
	while (q->head)
		pop_head(q);
}

struct emu_xfer *emu_inq_push(struct emu_in_queue *q, uint8_t *data,
			      size_t len, uint64_t ready_ns, uint32_t tid)
{
	struct emu_xfer *x = mem_calloc(1, sizeof(*x));

	if (!x) {
		mem_free(data);
		return NULL;
	}
	x->data = data;
	x->len = len;
	x->ready_ns = ready_ns;
	x->tid = tid;
	if (q->tail)
		q->tail->next = x;
	else
		q->head = x;
	q->tail = x;
	q->n++;
	return x;
}

uint64_t emu_inq_ready_at(const struct emu_in_queue *q)
{
	return q->head ? q->head->ready_ns : UINT64_MAX;
}

void emu_inq_drop_tid(struct emu_in_queue *q, uint32_t tid)
{
	struct emu_xfer **pp = &q->head;
	struct emu_xfer *x;

	q->tail = NULL;
	while ((x = *pp) != NULL) {
		/* A started transfer goes too: Cancel aborts the data
		 * phase in the middle (the host sees a short read). */
		if (x->tid == tid) {
			*pp = x->next;
			q->n--;
			xfer_free(x);
			continue;
		}
		q->tail = x;
		pp = &x->next;
	}
}

/* A ZLP follows a non-empty transfer whose last packet is full. */
static bool needs_zlp(const struct emu_xfer *x)
{
	return x->len > 0 && x->len % EMU_MAX_PACKET == 0;
}

int emu_inq_read(struct emu_in_queue *q, uint8_t *buf, size_t cap,
		 size_t *got, uint64_t now)
{
	struct emu_xfer *x = q->head;
	size_t pkt;

	*got = 0;
	if (cap == 0)
		return ALPHAFS_ERR_INVALID;
	if (!x || x->ready_ns > now)
		return ALPHAFS_ERR_AGAIN;
	if (x->off == x->len) {
		/* Only the ZLP (or a lone ZLP transfer) is left. */
		pop_head(q);
		return 0;
	}
	while (*got < cap) {
		pkt = x->len - x->off;
		if (pkt > EMU_MAX_PACKET)
			pkt = EMU_MAX_PACKET;
		if (x->unplug_at && x->off + pkt > x->unplug_at)
			return ALPHAFS_ERR_NO_DEVICE;
		if (pkt > cap - *got) {
			/* libusb: the device sent more than the buffer holds;
			 * the packet is lost (babble). */
			x->off += pkt;
			if (x->off == x->len && !needs_zlp(x))
				pop_head(q);
			return ALPHAFS_ERR_OVERFLOW;
		}
		memcpy(buf + *got, x->data + x->off, pkt);
		*got += pkt;
		x->off += pkt;
		if (pkt < EMU_MAX_PACKET) {
			pop_head(q); /* short packet: transfer complete */
			return 0;
		}
		if (x->off == x->len) {
			/* Full last packet: the ZLP ends the host transfer only
			 * if the host still has room; else it stays queued and
			 * the next read returns 0 bytes. */
			if (*got < cap)
				pop_head(q);
			return 0;
		}
	}
	return 0;
}

/* ---- OUT ----------------------------------------------------------------- */

void emu_outasm_init(struct emu_out_asm *o)
{
	buf_init(&o->b, EMU_OUT_CONTAINER_MAX);
	o->halted = false;
}

void emu_outasm_finish(struct emu_out_asm *o)
{
	buf_finish(&o->b);
}

void emu_outasm_reset(struct emu_out_asm *o)
{
	buf_reset(&o->b);
}

static bool header_sane(const uint8_t *h)
{
	uint32_t len = get_u32le(h);
	uint16_t type = get_u16le(h + 4);

	if (len < PTP_HEADER_SIZE || len > EMU_OUT_CONTAINER_MAX)
		return false;
	return type == PTP_TYPE_COMMAND || type == PTP_TYPE_DATA;
}

/* Bytes still missing from the container being received. */
static size_t out_need(const struct emu_out_asm *o)
{
	if (o->b.len < PTP_HEADER_SIZE)
		return PTP_HEADER_SIZE - o->b.len;
	return get_u32le(o->b.data) - o->b.len;
}

static int out_halt(struct emu_out_asm *o)
{
	o->halted = true;
	buf_reset(&o->b);
	return ALPHAFS_ERR_PIPE;
}

int emu_outasm_write(struct emu_out_asm *o, const uint8_t *data, size_t len,
		     emu_container_fn *fn, void *arg)
{
	size_t take;
	bool ok;

	if (o->halted)
		return ALPHAFS_ERR_PIPE;
	while (len > 0) {
		take = out_need(o);
		if (take > len)
			take = len;
		buf_put(&o->b, data, take);
		if (buf_status(&o->b)) {
			buf_reset(&o->b);
			return ALPHAFS_ERR_NOMEM;
		}
		data += take;
		len -= take;
		if (o->b.len == PTP_HEADER_SIZE && !header_sane(o->b.data))
			return out_halt(o);
		if (o->b.len < PTP_HEADER_SIZE || out_need(o) > 0)
			continue;
		ok = fn(arg, o->b.data, o->b.len);
		buf_reset(&o->b);
		if (!ok)
			return out_halt(o);
	}
	return 0;
}
