/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: a /proc/self/mountinfo text (util/mountinfo.c). */
#include <stdint.h>
#include <string.h>

#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Paths looked up in every input: the ones the seeds use, and the root. */
static const char *const paths[] = { "/", "/mnt/a b", "/tmp/alpha/mnt" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mount_entry e;

	for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
		int rc = mountinfo_top((const char *)data, size, paths[i], &e);

		if (rc == 1 && (memchr(e.fstype, '\0', sizeof(e.fstype)) == NULL ||
				memchr(e.source, '\0', sizeof(e.source)) == NULL))
			__builtin_trap(); /* fields must come back terminated */
		if (rc != 0 && rc != 1 && rc != ALPHAFS_ERR_MALFORMED)
			__builtin_trap();
	}
	return 0;
}
