/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control/: one file per camera setting the program lists
 * (fs_config.controls), present while its `present` callback says so, and
 * a NAME.choices companion where the entry has one.
 *
 * Reading: open takes a snapshot of the value text (one line), which every
 * read on that handle returns, as info/ files do. Writing: each write(2)
 * carries one value; it goes to the entry's write callback and the FUSE
 * request stays unanswered (no worker waits) until the program calls
 * fs_control_done from wherever the work finishes (the camera's owner
 * thread): write(2) then returns with the whole count, or the error. A
 * writer's signal answers it at once with EINTR and marks it cancelled;
 * the end of the mount answers it with ECANCELED. The record behind it is
 * freed by fs_control_done alone, so a late answer never touches freed
 * memory; the program stops whatever holds pending writes before
 * fs_destroy.
 *
 * Permissions are the kernel's (default_permissions): the entry's mode,
 * owned by the user the daemon runs as. A write to an entry without a
 * write callback (or a choices file) is refused here too, for root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs_internal.h"
#include "util/util.h"

/* A value is a few bytes; a longer write is not one value. */
#define WRITE_MAX 256
#define TEXT_MAX (64u * 1024)
#define CHOICES_SUFFIX ".choices"
/* The set of files can change (another camera body): names are cached
 * briefly, attributes not at all. */
#define CONTROL_ENTRY_TIMEOUT 1.0
#define CONTROL_ATTR_TIMEOUT 0.0
#define NS_PER_S UINT64_C(1000000000)

bool fs_control_ino(fuse_ino_t ino, size_t *idx, bool *choices)
{
	if (ino < FS_INO_CONTROL_FIRST || ino > FS_INO_CONTROL_LAST)
		return false;
	*idx = (size_t)(ino - FS_INO_CONTROL_FIRST) / 2;
	*choices = (ino - FS_INO_CONTROL_FIRST) % 2 == 1;
	return true;
}

static fuse_ino_t ino_of(size_t idx, bool choices)
{
	return FS_INO_CONTROL_FIRST + 2 * idx + (choices ? 1 : 0);
}

/* The entry behind ino when it is there now, or NULL. */
static const struct fs_control *entry(struct fs *fs, fuse_ino_t ino,
				      bool *choices)
{
	const struct fs_control *c;
	size_t i;

	if (!fs_control_ino(ino, &i, choices) || i >= fs->cfg.ncontrols ||
	    i >= FS_CONTROLS_MAX)
		return NULL;
	c = &fs->cfg.controls[i];
	if (*choices && !c->read_choices)
		return NULL;
	if (c->present && !c->present(fs->cfg.control_arg, c))
		return NULL;
	return c;
}

/* The text an open would read now (mem_alloc'd), or an ALPHAFS_ERR_*. */
static int text_of(struct fs *fs, const struct fs_control *c, bool choices,
		   uint8_t **out, size_t *len)
{
	struct buf b;
	int rc;

	buf_init(&b, TEXT_MAX);
	rc = choices ? c->read_choices(fs->cfg.control_arg, c, &b)
		     : c->read(fs->cfg.control_arg, c, &b);
	if (rc == 0)
		rc = buf_status(&b);
	if (rc < 0) {
		buf_finish(&b);
		return rc;
	}
	*out = buf_steal(&b, len);
	return 0;
}

static void fill_attr(struct fs *fs, const struct fs_control *c, bool choices,
		      fuse_ino_t ino, struct stat *st)
{
	uint64_t wall = clock_wall_ns();
	uint8_t *text = NULL;
	size_t len = 0;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFREG | (choices ? 0444 : (c->mode & 0777));
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	/* The size of what an open would read now (nothing when the camera
	 * is away: the open then says why). */
	if (text_of(fs, c, choices, &text, &len) == 0)
		st->st_size = (off_t)len;
	mem_free(text);
	st->st_mtim.tv_sec = (time_t)(wall / NS_PER_S);
	st->st_mtim.tv_nsec = (long)(wall % NS_PER_S);
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

void fs_control_lookup(struct fs *fs, fuse_req_t req, const char *name)
{
	size_t n = strlen(name), sl = strlen(CHOICES_SUFFIX);
	bool choices = n > sl && !strcmp(name + n - sl, CHOICES_SUFFIX);
	struct fuse_entry_param e;

	for (size_t i = 0; i < fs->cfg.ncontrols && i < FS_CONTROLS_MAX; i++) {
		const struct fs_control *c = &fs->cfg.controls[i];
		size_t cl = strlen(c->name);
		bool dummy;

		if (cl != (choices ? n - sl : n) || strncmp(c->name, name, cl))
			continue;
		if (!entry(fs, ino_of(i, choices), &dummy))
			break;
		memset(&e, 0, sizeof(e));
		e.ino = ino_of(i, choices);
		e.generation = 1;
		e.attr_timeout = CONTROL_ATTR_TIMEOUT;
		e.entry_timeout = CONTROL_ENTRY_TIMEOUT;
		fill_attr(fs, c, choices, e.ino, &e.attr);
		fuse_reply_entry(req, &e);
		return;
	}
	fuse_reply_err(req, ENOENT);
}

void fs_control_getattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino)
{
	bool choices;
	const struct fs_control *c = entry(fs, ino, &choices);
	struct stat st;

	if (!c) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(fs, c, choices, ino, &st);
	fuse_reply_attr(req, &st, CONTROL_ATTR_TIMEOUT);
}

/* truncate(2) to 0 (what `>` does without atomic O_TRUNC) is a no-op on a
 * file that takes whole values; every other change is refused. */
void fs_control_setattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
			struct stat *attr, int to_set)
{
	bool choices;
	const struct fs_control *c = entry(fs, ino, &choices);
	struct stat st;

	if (!c) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (choices || !c->write || to_set != FUSE_SET_ATTR_SIZE ||
	    attr->st_size != 0) {
		fuse_reply_err(req, EPERM);
		return;
	}
	fill_attr(fs, c, choices, ino, &st);
	fuse_reply_attr(req, &st, CONTROL_ATTR_TIMEOUT);
}

/* ".", "..", then each present entry and its companion; the offset of
 * the k-th listed name is k + 1 (k counts every possible name, so
 * offsets stay stable while entries come and go). */
void fs_control_readdir(struct fs *fs, fuse_req_t req, size_t size, off_t off)
{
	char name[FS_EVENT_LINE_MAX];
	size_t used = 0;
	char *buf = mem_alloc(size ? size : 1);
	bool ok = true;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	ok = fs_dir_add_dots(req, buf, size, &used, off, FS_INO_CONTROL);
	for (size_t i = 0; ok && i < fs->cfg.ncontrols && i < FS_CONTROLS_MAX;
	     i++) {
		const struct fs_control *c = &fs->cfg.controls[i];

		for (int k = 0; ok && k < 2; k++) {
			off_t at = 3 + 2 * (off_t)i + k;
			bool choices = k == 1, dummy;

			if (at <= off || !entry(fs, ino_of(i, choices), &dummy))
				continue;
			snprintf(name, sizeof(name), "%s%s", c->name,
				 choices ? CHOICES_SUFFIX : "");
			ok = fs_dir_add(req, buf, size, &used, name,
					ino_of(i, choices),
					S_IFREG | (choices ? 0444 : c->mode),
					at);
		}
	}
	fuse_reply_buf(req, buf, used);
	mem_free(buf);
}

void fs_control_open(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	bool choices, writing = (fi->flags & O_ACCMODE) != O_RDONLY;
	const struct fs_control *c = entry(fs, ino, &choices);
	pid_t pid = fuse_req_ctx(req)->pid;
	uint8_t *text = NULL;
	size_t len = 0;
	struct fs_snap *s;
	int rc;

	if (!c) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (writing && choices) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (writing && !c->write) {
		fuse_reply_err(req, EROFS);
		return;
	}
	/* A writer reads nothing; a reader receives the value at open (or why
	 * there is none: ENODEV while the camera is away). */
	if ((fi->flags & O_ACCMODE) != O_WRONLY) {
		rc = text_of(fs, c, choices, &text, &len);
		if (rc < 0) {
			fuse_reply_err(req, alphafs_err_errno(rc));
			return;
		}
	}
	s = fs_snap_new_text((enum fs_ino)ino, text, len);
	if (!s) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fs_snap_reply_open(fs, req, fi, s, pid, false);
}

/* ---- waiting writes --------------------------------------------------- */

static void unlink_pending_locked(struct fs *fs, struct fs_pending *p)
{
	for (struct fs_pending **pp = &fs->pending; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			fs->stats.writes_waiting--;
			return;
		}
}

/* The writer got a signal: EINTR now, the work may stop (cancelled). */
static void handle_write_interrupt(fuse_req_t req, void *data)
{
	struct fs_pending *p = data;
	struct fs *fs = p->fs;
	bool mine;

	pthread_mutex_lock(&fs->lock);
	mine = p->req == req;
	if (mine) {
		p->req = NULL;
		fs->stats.interrupted++;
	}
	atomic_store(&p->cancelled, true);
	pthread_mutex_unlock(&fs->lock);
	if (mine)
		fuse_reply_err(req, EINTR);
}

void fs_control_done(struct fs_pending *p, int result)
{
	struct fs *fs;
	fuse_req_t req;

	if (!p)
		return;
	fs = p->fs;
	pthread_mutex_lock(&fs->lock);
	req = p->req;
	p->req = NULL;
	unlink_pending_locked(fs, p);
	pthread_mutex_unlock(&fs->lock);
	if (req) {
		if (result < 0)
			fuse_reply_err(req, alphafs_err_errno(result));
		else
			fuse_reply_write(req, p->size);
	}
	mem_free(p);
}

bool fs_control_cancelled(struct fs_pending *p)
{
	return p && atomic_load(&p->cancelled);
}

void fs_control_write(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		      const char *buf, size_t size)
{
	bool choices;
	const struct fs_control *c = entry(fs, ino, &choices);
	struct fs_pending *p;
	bool gone;
	int rc;

	if (!c || choices || !c->write) {
		fuse_reply_err(req, c ? EROFS : ENOENT);
		return;
	}
	if (size == 0 || size > WRITE_MAX) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	p = mem_calloc(1, sizeof(*p));
	if (!p) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	p->fs = fs;
	p->req = req;
	p->size = size;
	atomic_init(&p->cancelled, false);
	pthread_mutex_lock(&fs->lock);
	if (fs->closing) {
		pthread_mutex_unlock(&fs->lock);
		mem_free(p);
		fuse_reply_err(req, ENODEV);
		return;
	}
	p->next = fs->pending;
	fs->pending = p;
	fs->stats.writes_waiting++;
	pthread_mutex_unlock(&fs->lock);
	/* Registered while the request is visible in the list: a signal that
	 * came already is answered right here (EINTR), through the list. */
	fuse_req_interrupt_func(req, handle_write_interrupt, p);
	pthread_mutex_lock(&fs->lock);
	gone = p->req == NULL;
	pthread_mutex_unlock(&fs->lock);
	if (gone) {
		fs_control_done(p, ALPHAFS_ERR_INTERRUPTED);
		return;
	}
	rc = c->write(fs->cfg.control_arg, c, buf, size, p);
	if (rc < 0)
		fs_control_done(p, rc);
}

void fs_control_release_all(struct fs *fs)
{
	fuse_req_t reqs[FS_CONTROLS_MAX];
	size_t n;

	do {
		n = 0;
		pthread_mutex_lock(&fs->lock);
		for (struct fs_pending *p = fs->pending;
		     p && n < ARRAY_LEN(reqs); p = p->next) {
			if (!p->req)
				continue;
			reqs[n++] = p->req;
			p->req = NULL;
			atomic_store(&p->cancelled, true);
		}
		pthread_mutex_unlock(&fs->lock);
		for (size_t i = 0; i < n; i++)
			fuse_reply_err(reqs[i], ECANCELED);
	} while (n == ARRAY_LEN(reqs));
}
