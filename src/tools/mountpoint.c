/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount.alphafs: what is already at the mount point. Read from the mount
 * table first (a stat on a dead FUSE mount fails, one on a live mount asks
 * its daemon), then asked directly with a stat that bypasses the attribute
 * cache: a dead FUSE mount is detached (a dead alphafs always, another
 * type with -o recover), a live alphafs refused unless -o stack
 * (mount.alphafs(8), MOUNT POINT).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mountpoint.h"
#include "util/util.h"

#define PROG "mount.alphafs"

/* The mount on top at the canonical path mp: 1 with *top filled, 0 when
 * nothing is mounted there, negative when the table cannot be read. */
static int mount_at(const char *mp, struct mount_entry *top)
{
	char *text;
	size_t len;
	int rc = mountinfo_read(&text, &len);

	if (rc < 0)
		return rc;
	rc = mountinfo_top(text, len, mp, top);
	mem_free(text);
	return rc;
}

static bool is_alphafs(const struct mount_entry *m)
{
	return !strcmp(m->fstype, "fuse.alphafs");
}

/*
 * A dead FUSE mount at mp (its daemon is gone: "Transport endpoint is not
 * connected"). Nothing can use it any more, so a dead alphafs is detached
 * (lazily: a process still holding a file there keeps its ENOTCONN) and
 * mp used afresh; a dead mount of another filesystem only with -o recover.
 */
static int recover_dead(bool recover, const char *mp,
			const struct mount_entry *top)
{
	int rc;

	if (!is_alphafs(top) && !recover) {
		fprintf(stderr, PROG ": mountpoint %s: %s (a dead %s mount: "
				"run fusermount3 -uz %s, or add -o recover)\n",
			mp, strerror(ENOTCONN), top->fstype, mp);
		return -1;
	}
	rc = mount_detach(mp);
	if (rc < 0) {
		fprintf(stderr, PROG ": mountpoint %s: a dead %s mount that "
				"cannot be detached (%s); its owner or root can: "
				"fusermount3 -uz %s\n",
			mp, top->fstype, alphafs_strerror(rc), mp);
		return -1;
	}
	fprintf(stderr, PROG ": %s: detached a dead %s mount (%s) whose "
			"daemon had gone\n",
		mp, top->fstype, top->source);
	return 0;
}

/* Resolves arg to a canonical path in out (PATH_MAX). A dead mount at
 * the last component cannot be resolved itself: its parent can. */
static int canonical(const char *arg, char *out)
{
	char dir[PATH_MAX], parent[PATH_MAX], *base;
	size_t n = strlen(arg);
	int w;

	if (realpath(arg, out))
		return 0;
	if (errno != ENOTCONN || n >= sizeof(dir))
		return -1;
	memcpy(dir, arg, n + 1);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	base = strrchr(dir, '/');
	if (base)
		*base++ = '\0';
	else
		base = dir;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..") ||
	    !realpath(base == dir ? "." : dir[0] ? dir : "/", parent)) {
		errno = ENOTCONN;
		return -1;
	}
	w = snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") ? parent : "",
		     base);
	if (w < 0 || w >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* stat(2) that asks the filesystem rather than the kernel's attribute
 * cache: a dead FUSE mount answers a cached stat of its root for as long
 * as the attributes were valid (an hour for our directories), and only a
 * fresh one tells it is dead (ENOTCONN). Returns 0 or the errno. */
static int stat_fresh(const char *path, struct stat *st)
{
	struct statx sx;

	if (statx(AT_FDCWD, path, AT_STATX_FORCE_SYNC, STATX_TYPE | STATX_MODE,
		  &sx) == 0) {
		memset(st, 0, sizeof(*st));
		st->st_mode = sx.stx_mode;
		return 0;
	}
	if (errno != ENOSYS)
		return errno;
	return stat(path, st) < 0 ? errno : 0; /* a kernel before 4.11 */
}

/* One line on stderr for a mount point that cannot be used. */
static int fail(const char *arg, int e)
{
	fprintf(stderr, PROG ": mountpoint %s: %s%s\n", arg, strerror(e),
		e == ENOTCONN ? " (a dead mount: run fusermount3 -uz on it, or "
				"add -o recover)"
			      : "");
	return -1;
}

/* Dead mounts stacked at one mount point that we detach, at most. */
#define RECOVER_MAX 4

/*
 * Checks (and repairs) the mount point: it must be a directory; a dead
 * FUSE mount there is detached (recover_dead); a live alphafs there is
 * refused unless -o stack, so that a second daemon never stacks silently.
 * The mount table is read before the path is touched.
 */
int mountpoint_check(const char *arg, char *out, bool recover, bool stack)
{
	struct mount_entry top;
	struct stat st;
	int have = 0, e = 0;

	if (canonical(arg, out) < 0)
		return fail(arg, errno);
	for (int i = 0; i <= RECOVER_MAX; i++) {
		have = mount_at(out, &top);
		e = stat_fresh(out, &st);
		if (e != ENOTCONN || have != 1 ||
		    strncmp(top.fstype, "fuse", 4) || i == RECOVER_MAX)
			break;
		if (recover_dead(recover, out, &top) < 0)
			return -1;
	}
	if (e)
		return fail(arg, e);
	if (have == 1 && is_alphafs(&top) && !stack) {
		fprintf(stderr, PROG ": mountpoint %s: already an alphafs mount "
				"(%s); unmount it first (fusermount3 -u %s), or "
				"add -o stack to mount over it\n",
			out, top.source, out);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, PROG ": mountpoint %s: not a directory\n", arg);
		return -1;
	}
	return 0;
}
