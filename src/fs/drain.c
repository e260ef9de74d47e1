/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shutdown drain's clock (drain.h has the why). */
#include "fs/drain.h"

#define NS_PER_MS UINT64_C(1000000)

void drain_clock_init(struct drain_clock *c, uint64_t now_ns)
{
	c->start_ns = c->slot_ns = now_ns;
	c->slots = 0;
}

void drain_tick(struct drain_clock *c, uint64_t now_ns)
{
	if (now_ns - c->slot_ns >= DRAIN_SLOT_MS * NS_PER_MS) {
		c->slot_ns = now_ns;
		c->slots++;
	}
}

bool drain_watch_idle(const struct drain_clock *c, struct drain_watch *w,
		      uint64_t last_ns)
{
	if (last_ns != w->seen_ns) {
		w->seen_ns = last_ns;
		w->from_slot = c->slots;
	}
	return c->slots - w->from_slot >= FS_DRAIN_IDLE_MS / DRAIN_SLOT_MS;
}

bool drain_expired(const struct drain_clock *c)
{
	return c->slots >= FS_DRAIN_MAX_MS / DRAIN_SLOT_MS;
}
