/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: container header, command/response parameters, events. */
#include <stdint.h>

#include "ptp/ptp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptp_header h;
	struct ptp_params p;
	struct ptp_event e;
	uint8_t out[64];

	if (ptp_header_decode(data, size, &h) == 0 && h.length <= size) {
		if (ptp_params_decode(data, h.length, &p) == 0) {
			/* What decodes must encode back to the same bytes. */
			int n = ptp_params_encode(out, sizeof(out), &p);

			if (n != (int)h.length)
				__builtin_trap();
			for (int i = 0; i < n; i++)
				if (out[i] != data[i])
					__builtin_trap();
		}
		ptp_event_decode(data, h.length, &e);
	}
	ptp_params_decode(data, size, &p);
	return 0;
}
