/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the 0x9202 ExtDeviceInfo dataset (dossier §3.3). */
#include <stdint.h>
#include <string.h>

#include "sony/sony.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REWRITE_LIMIT (1u * 1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sony_ext_info ei;
	struct buf b;

	if (sony_ext_info_parse(data, size, &ei) < 0)
		return 0;
	/* The written dataset is exactly the bytes that were parsed (any
	 * trailing bytes are ignored by the parser). */
	buf_init(&b, REWRITE_LIMIT);
	sony_ext_info_write(&b, &ei);
	if (buf_status(&b) != 0 || b.len > size || memcmp(b.data, data, b.len) != 0)
		__builtin_trap();
	buf_finish(&b);
	sony_ext_info_finish(&ei);
	return 0;
}
