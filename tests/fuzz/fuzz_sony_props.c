/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the 0x9209 all-properties blob (dossier §5.1, §5.2), in
 * both descriptor layouts (protocol 2.00: one enumeration list; 3.00: two)
 * on every input. */
#include <stdint.h>
#include <stdio.h>

#include "sony/sony.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Large enough for any table the parser accepts from a fuzz input. */
#define REWRITE_LIMIT (64u * 1024 * 1024)
#define PROBLEM_MAX 160

static void one_layout(const uint8_t *data, size_t size, uint16_t version)
{
	struct sony_prop_table t, again;
	char problem[PROBLEM_MAX];
	struct buf b;

	if (sony_props_parse(data, size, version, &t) < 0)
		return;
	if (t.n > SONY_PROPS_MAX)
		__builtin_trap();
	for (size_t i = 0; i < t.n; i++)
		if (sony_props_find(&t, t.v[i].code) == NULL)
			__builtin_trap();
	/* A problem is reported exactly when something disagrees. */
	if (sony_props_problem(&t, problem, sizeof(problem)) !=
	    (t.count_field != t.n || t.cut_short || t.bad_entry))
		__builtin_trap();
	/* What parses writes back to a blob that parses to as many entries,
	 * with nothing to report. */
	buf_init(&b, REWRITE_LIMIT);
	sony_props_write(&b, &t, version);
	if (buf_status(&b) == 0) {
		if (sony_props_parse(b.data, b.len, version, &again) < 0 ||
		    again.n != t.n || again.cut_short || again.bad_entry)
			__builtin_trap();
		sony_props_finish(&again);
	}
	buf_finish(&b);
	sony_props_finish(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_layout(data, size, SONY_PROTOCOL_200);
	one_layout(data, size, SONY_PROTOCOL_300);
	return 0;
}
