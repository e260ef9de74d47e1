/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test helper: the host's view of one device-side bulk IN transfer, with
 * USB semantics (dossier §1.4). The device sends `len` bytes as packets of
 * at most `mp` bytes; a host read of `cap` bytes completes when cap is
 * full or a short packet (a ZLP included) arrived. A transfer whose length
 * is a multiple of mp is ended by a ZLP, which a read that exactly fills
 * cap leaves for the next read. Used by the engine's unit test and fuzzer.
 */
#ifndef ALPHAFS_TEST_BULK_SIM_H
#define ALPHAFS_TEST_BULK_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alphafs/error.h"

struct bulk_sim_xfer {
	const uint8_t *data;
	size_t len, off;
	bool zlp_pending; /* every byte taken, the ZLP not yet */
	bool done;	  /* the transfer has ended for the host */
};

/* One host read from x; returns 0 or ALPHAFS_ERR_OVERFLOW (a packet that
 * does not fit in what is left of cap, as libusb reports it). */
static inline int bulk_sim_read(struct bulk_sim_xfer *x, size_t mp,
				uint8_t *buf, size_t cap, size_t *got)
{
	*got = 0;
	if (x->zlp_pending) {
		x->zlp_pending = false;
		x->done = true;
		return 0;
	}
	for (;;) {
		size_t left = x->len - x->off;
		size_t pkt = left < mp ? left : mp;

		if (pkt > cap - *got)
			return ALPHAFS_ERR_OVERFLOW;
		memcpy(buf + *got, x->data + x->off, pkt);
		*got += pkt;
		x->off += pkt;
		if (pkt < mp) { /* short packet or ZLP: the transfer ends */
			x->done = true;
			return 0;
		}
		if (x->off == x->len) { /* full last packet: a ZLP follows */
			if (*got < cap)
				x->done = true; /* consumed by this read */
			else
				x->zlp_pending = true;
			return 0;
		}
		if (*got == cap)
			return 0;
	}
}

#endif
