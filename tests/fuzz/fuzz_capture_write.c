/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: what a user writes to control/capture and control/focus
 * (mount_capture_parse). The first byte picks the file (bit 0: focus);
 * the rest is the write. Checked against the rule the man page states:
 * capture takes one line of printable text other than "0"; focus takes
 * lock/1/half and release/0/unlock; anything else is INVALID.
 */
#include <stdint.h>
#include <string.h>

#include "tools/mount_capture.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool printable_line(const char *t, size_t n, size_t *len)
{
	if (n > 0 && t[n - 1] == '\n')
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)t[i] < 0x20 || (unsigned char)t[i] == 0x7F)
			return false;
	*len = n;
	return true;
}

static bool is(const char *t, size_t n, const char *w)
{
	return n == strlen(w) && !memcmp(t, w, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum camera_still_kind kind = (enum camera_still_kind)-1;
	const char *t = (const char *)data + 1;
	bool focus, line;
	size_t n = 0;
	int rc;

	if (size < 1)
		return 0;
	focus = data[0] & 1;
	rc = mount_capture_parse(focus, t, size - 1, &kind);
	line = printable_line(t, size - 1, &n);
	if (rc != 0 && rc != ALPHAFS_ERR_INVALID)
		__builtin_trap();
	if (!focus) {
		if ((rc == 0) != (line && !is(t, n, "0")))
			__builtin_trap();
		if (rc == 0 && kind != CAMERA_STILL_CAPTURE)
			__builtin_trap();
		return 0;
	}
	if (rc == 0 && kind == CAMERA_STILL_FOCUS_LOCK &&
	    !(is(t, n, "lock") || is(t, n, "1") || is(t, n, "half")))
		__builtin_trap();
	if (rc == 0 && kind == CAMERA_STILL_FOCUS_RELEASE &&
	    !(is(t, n, "release") || is(t, n, "0") || is(t, n, "unlock")))
		__builtin_trap();
	if (rc == 0 && kind != CAMERA_STILL_FOCUS_LOCK &&
	    kind != CAMERA_STILL_FOCUS_RELEASE)
		__builtin_trap();
	if (rc != 0 && line &&
	    (is(t, n, "lock") || is(t, n, "release") || is(t, n, "0")))
		__builtin_trap();
	return 0;
}
