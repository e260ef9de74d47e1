/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixed tree: inode numbers, names, modes, attributes, lookup and
 * readdir. Inodes never change, so `cp` sees the same inode in its stat of
 * the path and its fstat of the descriptor (research/fuse.md 2.2: a new
 * inode per frame makes coreutils refuse the copy).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs_internal.h"
#include "util/util.h"

/* Live files: attributes are never cached, every stat asks us (the size
 * is that of the frame the caller would get now). Directories never
 * change. */
#define LIVE_ATTR_TIMEOUT 0.0
#define DIR_ATTR_TIMEOUT 3600.0
#define NS_PER_S UINT64_C(1000000000)

static const struct fs_node nodes[] = {
	{ FS_INO_ROOT, FS_INO_ROOT, "", S_IFDIR | 0555, DIR_ATTR_TIMEOUT },
	{ FS_INO_LIVE, FS_INO_ROOT, "live", S_IFDIR | 0555, DIR_ATTR_TIMEOUT },
	{ FS_INO_INFO, FS_INO_ROOT, "info", S_IFDIR | 0555, DIR_ATTR_TIMEOUT },
	{ FS_INO_LATEST, FS_INO_LIVE, "latest.jpg", S_IFREG | 0444,
	  LIVE_ATTR_TIMEOUT },
	{ FS_INO_STREAM, FS_INO_LIVE, "stream.mjpeg", S_IFREG | 0444,
	  LIVE_ATTR_TIMEOUT },
	{ FS_INO_DEVICE, FS_INO_INFO, "device", S_IFREG | 0444,
	  LIVE_ATTR_TIMEOUT },
	{ FS_INO_STATUS, FS_INO_INFO, "status", S_IFREG | 0444,
	  LIVE_ATTR_TIMEOUT },
	{ FS_INO_FRAMES, FS_INO_LIVE, "frames", S_IFDIR | 0555,
	  DIR_ATTR_TIMEOUT },
	/* control/'s files come and go with the camera (control.c) */
	{ FS_INO_CONTROL, FS_INO_ROOT, "control", S_IFDIR | 0555,
	  LIVE_ATTR_TIMEOUT },
	{ FS_INO_EVENTS, FS_INO_ROOT, "events", S_IFREG | 0444,
	  LIVE_ATTR_TIMEOUT },
	/* writable: `rm captures/NAME` frees a still (captures.c) */
	{ FS_INO_CAPTURES, FS_INO_ROOT, "captures", S_IFDIR | 0755,
	  LIVE_ATTR_TIMEOUT },
};

/* live/frames/ exists only when the mount keeps frames. */
static bool node_visible(const struct fs *fs, const struct fs_node *n)
{
	if (n->ino == FS_INO_CAPTURES)
		return fs->captures != NULL;
	return n->ino != FS_INO_FRAMES || fs->frames != NULL;
}

const struct fs_node *fs_node_get(fuse_ino_t ino)
{
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)
		if (nodes[i].ino == ino)
			return &nodes[i];
	return NULL;
}

const struct fs_node *fs_node_find(fuse_ino_t parent, const char *name)
{
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)
		if (nodes[i].ino != FS_INO_ROOT && nodes[i].parent == parent &&
		    !strcmp(nodes[i].name, name))
			return &nodes[i];
	return NULL;
}

static void set_time(struct timespec *ts, uint64_t wall_ns)
{
	ts->tv_sec = (time_t)(wall_ns / NS_PER_S);
	ts->tv_nsec = (long)(wall_ns % NS_PER_S);
}

static unsigned count_subdirs(const struct fs *fs, enum fs_ino ino)
{
	unsigned n = 0;

	for (size_t i = 0; i < ARRAY_LEN(nodes); i++)
		if (nodes[i].ino != FS_INO_ROOT && nodes[i].parent == ino &&
		    S_ISDIR(nodes[i].mode) && node_visible(fs, &nodes[i]))
			n++;
	return n;
}

/* Size and time of what an open by `pid` would read right now. */
static void fill_content(struct fs *fs, const struct fs_node *n, pid_t pid,
			 struct stat *st)
{
	uint64_t wall = clock_wall_ns();

	if (n->ino == FS_INO_EVENTS) {
		wall = fs_events_mtime(fs); /* a stream: no size */
	} else if (n->ino == FS_INO_STREAM) {
		struct frame *f = frame_store_latest(fs->cfg.store);

		if (f)
			wall = f->wall_ns;
		frame_unref(f);
	} else {
		struct fs_snap *s = fs_snap_for(fs, n->ino, pid, false);

		if (s) {
			st->st_size = (off_t)s->len;
			st->st_blocks = (blkcnt_t)((s->len + 511) / 512);
			wall = s->wall_ns;
		}
		fs_snap_put(s);
	}
	set_time(&st->st_mtim, wall);
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

static void fill_attr(struct fs *fs, const struct fs_node *n, pid_t pid,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_mode = n->mode;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	if (S_ISDIR(n->mode)) {
		st->st_nlink = 2 + count_subdirs(fs, n->ino);
		set_time(&st->st_mtim, n->ino == FS_INO_CAPTURES
					       ? fs_captures_mtime(fs)
					       : fs->start_wall_ns);
		st->st_ctim = st->st_mtim;
		st->st_atim = st->st_mtim;
		return;
	}
	st->st_nlink = 1;
	fill_content(fs, n, pid, st);
}

static struct fs *req_fs(fuse_req_t req)
{
	fs_worker_name();
	return fuse_req_userdata(req);
}

static void handle_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct fs_node *n = fs_node_find(parent, name);
	struct fuse_entry_param e;

	if (parent == FS_INO_FRAMES) {
		fs_frames_lookup(req_fs(req), req, name);
		return;
	}
	if (parent == FS_INO_CONTROL) {
		fs_control_lookup(req_fs(req), req, name);
		return;
	}
	if (parent == FS_INO_CAPTURES) {
		fs_captures_lookup(req_fs(req), req, name);
		return;
	}
	if (!n || !node_visible(req_fs(req), n)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = n->ino;
	e.generation = 1;
	e.attr_timeout = n->attr_timeout;
	e.entry_timeout = FS_ENTRY_TIMEOUT;
	fill_attr(req_fs(req), n, fuse_req_ctx(req)->pid, &e.attr);
	fuse_reply_entry(req, &e);
}

static void handle_getattr(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	const struct fs_node *n = fs_node_get(ino);
	struct stat st;

	(void)fi; /* the kernel sends no handle for stat/fstat (fuse.md 2.2) */
	if (fs_frames_ino(ino)) {
		fs_frames_getattr(req_fs(req), req, ino);
		return;
	}
	if (fs_captures_ino(ino)) {
		fs_captures_getattr(req_fs(req), req, ino);
		return;
	}
	if (!n) {
		fs_control_getattr(req_fs(req), req, ino);
		return;
	}
	fill_attr(req_fs(req), n, fuse_req_ctx(req)->pid, &st);
	fuse_reply_attr(req, &st, n->attr_timeout);
}

bool fs_dir_add(fuse_req_t req, char *buf, size_t cap, size_t *used,
		const char *name, fuse_ino_t ino, unsigned mode, off_t next)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t need = fuse_add_direntry(req, NULL, 0, name, NULL, 0);

	if (need > cap - *used)
		return false;
	fuse_add_direntry(req, buf + *used, cap - *used, name, &st, next);
	*used += need;
	return true;
}

bool fs_dir_add_dots(fuse_req_t req, char *buf, size_t cap, size_t *used,
		     off_t off, fuse_ino_t dir)
{
	const struct fs_node *d = fs_node_get(dir);
	const struct fs_node *p = fs_node_get(d->parent);

	if (off < 1 && !fs_dir_add(req, buf, cap, used, ".", d->ino, d->mode, 1))
		return false;
	return off >= 2 ||
	       fs_dir_add(req, buf, cap, used, "..", p->ino, p->mode, 2);
}

static bool add_entry(fuse_req_t req, char *buf, size_t cap, size_t *used,
		      const char *name, const struct fs_node *n, off_t next)
{
	return fs_dir_add(req, buf, cap, used, name, n->ino, n->mode, next);
}

/* The listing of a directory is ".", "..", then its children in table
 * order; the offset of entry i is i + 1. */
static void handle_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	const struct fs_node *dir = fs_node_get(ino);
	size_t used = 0;
	off_t idx = 0;
	char *buf;

	(void)fi;
	if (!dir || !S_ISDIR(dir->mode)) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (ino == FS_INO_FRAMES) {
		fs_frames_readdir(req_fs(req), req, size, off);
		return;
	}
	if (ino == FS_INO_CAPTURES && node_visible(req_fs(req), dir)) {
		fs_captures_readdir(req_fs(req), req, size, off);
		return;
	}
	if (ino == FS_INO_CONTROL) {
		fs_control_readdir(req_fs(req), req, size, off);
		return;
	}
	buf = mem_alloc(size ? size : 1);
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (!fs_dir_add_dots(req, buf, size, &used, off, dir->ino))
		goto out;
	idx = 2;
	for (size_t i = 0; i < ARRAY_LEN(nodes); i++) {
		if (nodes[i].ino == FS_INO_ROOT || nodes[i].parent != dir->ino ||
		    !node_visible(req_fs(req), &nodes[i]))
			continue;
		if (idx++ >= off && !add_entry(req, buf, size, &used,
					       nodes[i].name, &nodes[i], idx))
			break;
	}
out:
	fuse_reply_buf(req, buf, used);
	mem_free(buf);
}

void fs_tree_ops(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = handle_lookup;
	ops->getattr = handle_getattr;
	ops->readdir = handle_readdir;
}
