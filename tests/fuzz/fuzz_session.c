/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the transaction engine's reassembly of what a hostile camera
 * sends on bulk IN. The input is a sequence of device transfers, each
 * prefixed by a 16-bit little-endian length, delivered in 512-byte packets
 * with USB semantics (short packet ends a host read; ZLP after an exact
 * multiple). The engine runs GetObject transactions until the input is used
 * up, resetting the session when it desyncs.
 */
#include <stdint.h>
#include <string.h>

#include "../common/bulk_sim.h"
#include "ptp/ptp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MP 512

struct fz {
	struct ptp_transport base;
	const uint8_t *data;
	size_t size, pos;     /* cursor over the length-prefixed transfers */
	struct bulk_sim_xfer cur; /* current transfer */
	bool in_transfer;
};

static bool next_transfer(struct fz *f)
{
	size_t len;

	if (f->size - f->pos < 2)
		return false;
	len = get_u16le(f->data + f->pos);
	f->pos += 2;
	if (len > f->size - f->pos)
		len = f->size - f->pos;
	f->cur = (struct bulk_sim_xfer){ .data = f->data + f->pos, .len = len };
	f->pos += len;
	f->in_transfer = true;
	return true;
}

static int fz_bulk_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		      size_t *got, unsigned timeout_ms)
{
	struct fz *f = (struct fz *)t;
	int rc;

	(void)timeout_ms;
	*got = 0;
	if (!f->in_transfer && !next_transfer(f))
		return ALPHAFS_ERR_TIMEOUT;
	rc = bulk_sim_read(&f->cur, MP, buf, cap, got);
	if (f->cur.done)
		f->in_transfer = false;
	return rc;
}

static int fz_bulk_out(struct ptp_transport *t, const uint8_t *buf, size_t len,
		       unsigned timeout_ms)
{
	(void)t; (void)buf; (void)len; (void)timeout_ms;
	return 0;
}

static int fz_event_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		       size_t *got, unsigned timeout_ms)
{
	(void)t; (void)buf; (void)cap; (void)timeout_ms;
	*got = 0;
	return ALPHAFS_ERR_TIMEOUT;
}

static int fz_control(struct ptp_transport *t, uint8_t type, uint8_t req,
		      uint16_t value, uint8_t *data, uint16_t len, size_t *got,
		      unsigned timeout_ms)
{
	(void)t; (void)type; (void)req; (void)value; (void)data; (void)len;
	(void)timeout_ms;
	*got = 0;
	return 0;
}

static int fz_clear_halt(struct ptp_transport *t, uint8_t ep)
{
	(void)t; (void)ep;
	return 0;
}

static void fz_destroy(struct ptp_transport *t)
{
	(void)t;
}

static const struct ptp_transport_ops fz_ops = {
	.bulk_out = fz_bulk_out, .bulk_in = fz_bulk_in, .event_in = fz_event_in,
	.control = fz_control, .clear_halt = fz_clear_halt, .destroy = fz_destroy,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { .base = { .ops = &fz_ops, .max_packet = MP },
			.data = data, .size = size };
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT, .nparams = 1,
				   .params = { 0xFFFFC002 }, .dir = PTP_DATA_IN };
	struct ptp_session s;

	ptp_session_init(&s, &f.base);
	s.data_max = 1 << 20;
	/* Each transaction consumes at least one transfer or ends the run
	 * with TIMEOUT, so the loop is bounded by the input length. */
	for (int i = 0; i < 64 && (f.pos < f.size || f.in_transfer); i++) {
		struct ptp_response resp;
		int rc = ptp_transact(&s, &req, &resp);

		if (rc == 0 && resp.data_len > s.data_max)
			__builtin_trap();
		ptp_response_finish(&resp);
		if (rc == ALPHAFS_ERR_TIMEOUT)
			break;
		if (s.desynced)
			ptp_session_reset(&s);
	}
	ptp_session_finish(&s);
	return 0;
}
