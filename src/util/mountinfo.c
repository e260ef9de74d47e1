/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mount table as the kernel shows it in /proc/self/mountinfo
 * (proc(5)): which mount sits on top at a path, its type, source, mount id
 * and device. mount.alphafs uses it to tell a live alphafs from a dead one
 * at its mount point before touching the path (a stat on a dead FUSE mount
 * fails with ENOTCONN), and the filesystem to know whether the mount at its
 * path is still its own before it unmounts by path.
 *
 * One line per mount:
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw
 *   (1)(2)(3)  (4)   (5)   (6)       (7...)   - (8)  (9)       (10)
 * Fields are separated by single spaces; the kernel writes a space, tab,
 * newline or backslash inside a field as \ooo (octal), which we decode.
 * The text is treated as untrusted bytes: every field is bounded, and a
 * line that does not have this shape makes the whole text MALFORMED.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* Largest /proc/self/mountinfo we read (a few hundred mounts are ~50 KiB;
 * container hosts with thousands stay well below this). */
#define MOUNTINFO_MAX (4u * 1024 * 1024)
#define MOUNTINFO_CHUNK 65536u

/* One field of a line: [p, p + len). */
struct field {
	const char *p;
	size_t len;
};

/* Splits [p, end) at the next space. Returns false at the end of line. */
static bool next_field(const char **p, const char *end, struct field *f)
{
	const char *q = *p;

	if (q >= end)
		return false;
	f->p = q;
	while (q < end && *q != ' ')
		q++;
	f->len = (size_t)(q - f->p);
	*p = q < end ? q + 1 : q;
	return f->len > 0;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* Decodes the kernel's \ooo escapes of f into out (cap bytes, NUL ended).
 * False when the field does not fit, has a bad escape or decodes to NUL. */
static bool unescape(const struct field *f, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < f->len; i++) {
		unsigned char c = (unsigned char)f->p[i];

		if (c == '\\') {
			if (f->len - i < 4 || !is_octal(f->p[i + 1]) ||
			    !is_octal(f->p[i + 2]) || !is_octal(f->p[i + 3]))
				return false;
			c = (unsigned char)(((f->p[i + 1] - '0') << 6) |
					    ((f->p[i + 2] - '0') << 3) |
					    (f->p[i + 3] - '0'));
			if (c == '\0')
				return false;
			i += 3;
		}
		if (cap - o < 2)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

/* Parses a decimal number filling the whole field (at most 10 digits, so
 * a 32-bit value cannot wrap). */
static bool field_uint(const char *p, size_t len, unsigned *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool field_dev(const struct field *f, unsigned *major, unsigned *minor)
{
	const char *colon = memchr(f->p, ':', f->len);
	size_t a;

	if (!colon)
		return false;
	a = (size_t)(colon - f->p);
	return field_uint(f->p, a, major) &&
	       field_uint(colon + 1, f->len - a - 1, minor);
}

/* Parses one line (without its '\n'). The mount point goes to mp. */
static bool parse_line(const char *p, const char *end, struct mount_entry *e,
		       char *mp, size_t mp_cap)
{
	struct field f[6], sep, type, src;
	bool have_sep = false;

	for (size_t i = 0; i < ARRAY_LEN(f); i++)
		if (!next_field(&p, end, &f[i]))
			return false;
	/* Optional fields (tag[:value]) until the lone "-". */
	while (next_field(&p, end, &sep))
		if (sep.len == 1 && sep.p[0] == '-') {
			have_sep = true;
			break;
		}
	if (!have_sep || !next_field(&p, end, &type) ||
	    !next_field(&p, end, &src))
		return false;
	memset(e, 0, sizeof(*e));
	return field_uint(f[0].p, f[0].len, &e->id) &&
	       field_uint(f[1].p, f[1].len, &e->parent) &&
	       field_dev(&f[2], &e->major, &e->minor) &&
	       unescape(&f[4], mp, mp_cap) &&
	       unescape(&type, e->fstype, sizeof(e->fstype)) &&
	       unescape(&src, e->source, sizeof(e->source));
}

/* The candidates at one path, newest last. */
#define STACK_MAX 16

int mountinfo_top(const char *text, size_t len, const char *path,
		  struct mount_entry *out)
{
	struct mount_entry stack[STACK_MAX];
	size_t n = 0, dropped = 0;
	char mp[MOUNTINFO_PATH_MAX];
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		struct mount_entry e;

		if (eol > p) {
			if (!parse_line(p, eol, &e, mp, sizeof(mp)))
				return ALPHAFS_ERR_MALFORMED;
			if (!strcmp(mp, path)) {
				if (n == STACK_MAX) {
					memmove(stack, stack + 1,
						sizeof(stack[0]) * (STACK_MAX - 1));
					n--;
					dropped++;
				}
				stack[n++] = e;
			}
		}
		p = nl ? nl + 1 : end;
	}
	if (n == 0)
		return 0;
	/* The top is the mount nothing else at this path is mounted on. The
	 * table lists mounts in the order they were made, so search from the
	 * newest; with a deeper stack than we keep, the newest is the top. */
	for (size_t i = n; i-- > 0;) {
		bool covered = false;

		for (size_t j = 0; j < n; j++)
			covered |= j != i && stack[j].parent == stack[i].id;
		if (!covered || dropped) {
			*out = stack[i];
			return 1;
		}
	}
	*out = stack[n - 1]; /* a loop of parents: not a real table */
	return 1;
}

int mountinfo_read(char **text, size_t *len)
{
	struct buf b;
	int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return errno == ENOENT ? ALPHAFS_ERR_UNSUPPORTED : ALPHAFS_ERR_IO;
	buf_init(&b, MOUNTINFO_MAX);
	for (;;) {
		uint8_t *room = buf_grow(&b, MOUNTINFO_CHUNK);
		ssize_t got;

		if (!room)
			break;
		do
			got = read(fd, room, MOUNTINFO_CHUNK);
		while (got < 0 && errno == EINTR);
		if (got < 0) {
			b.len -= MOUNTINFO_CHUNK;
			close(fd);
			buf_finish(&b);
			return ALPHAFS_ERR_IO;
		}
		b.len -= MOUNTINFO_CHUNK - (size_t)got;
		if (got == 0)
			break;
	}
	close(fd);
	rc = buf_status(&b);
	if (rc < 0) {
		buf_finish(&b);
		return rc;
	}
	buf_put_u8(&b, 0); /* a C string too, for callers that want one */
	if (buf_status(&b) < 0) {
		buf_finish(&b);
		return ALPHAFS_ERR_NOMEM;
	}
	*text = (char *)buf_steal(&b, len);
	(*len)--;
	return 0;
}

/* How long fusermount3 may take to detach a mount (a hang guard). */
#define FUSERMOUNT_DEADLINE_MS 10000

/* Runs fusermount3 -uz -q -- path with no output; returns its exit status,
 * or -1 when it could not be run or did not end in time. */
static int run_fusermount_detach(const char *path)
{
	char *argv[] = { "fusermount3", "-uz", "-q", "--", (char *)path, NULL };
	uint64_t end = clock_now_ms() + FUSERMOUNT_DEADLINE_MS;
	posix_spawn_file_actions_t fa;
	int status = 0, rc;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
					 O_WRONLY, 0);
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, NULL);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while ((rc = waitpid(pid, &status, WNOHANG)) == 0 &&
	       clock_now_ms() < end)
		clock_sleep_ms(5);
	if (rc == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		return -1;
	}
	return rc > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int mount_detach(const char *path)
{
	if (geteuid() == 0) {
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			return 0;
		return errno == EPERM ? ALPHAFS_ERR_ACCESS : ALPHAFS_ERR_IO;
	}
	/* fusermount3 (setuid) detaches FUSE mounts of the calling user. */
	return run_fusermount_detach(path) == 0 ? 0 : ALPHAFS_ERR_ACCESS;
}
