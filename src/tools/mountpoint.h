/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mount.alphafs: the mount point check (mountpoint.c). */
#ifndef ALPHAFS_TOOLS_MOUNTPOINT_H
#define ALPHAFS_TOOLS_MOUNTPOINT_H

#include <stdbool.h>

/*
 * Resolves arg to a canonical path in out (PATH_MAX bytes) and checks that
 * it can be mounted on: a directory; a dead FUSE mount there is detached
 * first (a dead alphafs always, any other type only when `recover`); a
 * live alphafs there is refused unless `stack`. Returns 0, or -1 after one
 * line on stderr saying what is wrong and what to run. A detach is also
 * said in one line on stderr. Thread: main, before the daemon starts.
 */
int mountpoint_check(const char *arg, char *out, bool recover, bool stack);

#endif
