/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the 0x9209 all-properties blob (dossier §5.1, §5.2). */
#include <stdint.h>

#include "sony/sony.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Large enough for any table the parser accepts from a fuzz input. */
#define REWRITE_LIMIT (64u * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sony_prop_table t, again;
	struct buf b;

	if (sony_props_parse(data, size, &t) < 0)
		return 0;
	if (t.n > SONY_PROPS_MAX)
		__builtin_trap();
	for (size_t i = 0; i < t.n; i++)
		if (sony_props_find(&t, t.v[i].code) == NULL)
			__builtin_trap();
	/* What parses writes back to a blob that parses to as many entries. */
	buf_init(&b, REWRITE_LIMIT);
	sony_props_write(&b, &t);
	if (buf_status(&b) == 0) {
		if (sony_props_parse(b.data, b.len, &again) < 0 || again.n != t.n)
			__builtin_trap();
		sony_props_finish(&again);
	}
	buf_finish(&b);
	sony_props_finish(&t);
	return 0;
}
