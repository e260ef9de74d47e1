/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshots of regular files and the per-caller advertisement.
 *
 * The kernel never tells us which open file an fstat is about, and i_size
 * lives in the one shared inode, so a size reported by stat must be the
 * size of what that caller will read (research/fuse.md 2.2). We key by the
 * calling thread: a stat by a thread that holds the file open reports its
 * handle's snapshot; any other stat takes a fresh snapshot and remembers
 * "advertised to pid P"; an open by P within FS_ADVERT_TTL_NS takes exactly
 * that snapshot. stat -> open -> fstat -> read then agree for cp, cat,
 * Python and sendfile users. The table is fixed-size: at most
 * FS_ADVERT_SLOTS snapshots are kept alive by it.
 */
#include <string.h>

#include "fs/fs_internal.h"
#include "util/util.h"

static struct fs_snap *snap_alloc(enum fs_ino ino)
{
	struct fs_snap *s = mem_calloc(1, sizeof(*s));

	if (s) {
		atomic_init(&s->refs, 1);
		s->ino = ino;
	}
	return s;
}

struct fs_snap *fs_snap_new_frame(struct frame *f)
{
	struct fs_snap *s = snap_alloc(FS_INO_LATEST);

	if (!s) {
		frame_unref(f);
		return NULL;
	}
	s->frame = f;
	s->data = f->jpeg;
	s->len = f->len;
	s->wall_ns = f->wall_ns;
	return s;
}

struct fs_snap *fs_snap_new_text(enum fs_ino ino, uint8_t *text, size_t len)
{
	struct fs_snap *s = snap_alloc(ino);

	if (!s) {
		mem_free(text);
		return NULL;
	}
	s->text = text;
	s->data = text;
	s->len = len;
	s->wall_ns = clock_wall_ns();
	return s;
}

struct fs_snap *fs_snap_new_owned(enum fs_ino ino, const uint8_t *data,
				  size_t len, void (*release)(void *owner),
				  void *owner)
{
	struct fs_snap *s = snap_alloc(ino);

	if (!s) {
		release(owner);
		return NULL;
	}
	s->data = data;
	s->len = len;
	s->wall_ns = clock_wall_ns();
	s->release = release;
	s->owner = owner;
	return s;
}

struct fs_snap *fs_snap_get(struct fs_snap *s)
{
	if (s)
		atomic_fetch_add(&s->refs, 1);
	return s;
}

void fs_snap_put(struct fs_snap *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	frame_unref(s->frame);
	mem_free(s->text);
	if (s->release)
		s->release(s->owner);
	mem_free(s);
}

/* A new snapshot of ino's current content; NULL when latest.jpg has no
 * frame yet, or on NOMEM. Called without fs->lock (may ask the camera
 * owner for a status snapshot). */
static struct fs_snap *snap_fresh(struct fs *fs, enum fs_ino ino)
{
	uint8_t *text = NULL;
	size_t len = 0;
	int rc;

	if (ino == FS_INO_LATEST) {
		struct frame *f = frame_store_latest(fs->cfg.store);

		return f ? fs_snap_new_frame(f) : NULL;
	}
	rc = ino == FS_INO_DEVICE ? fs_info_device(fs, &text, &len)
				  : fs_info_status(fs, &text, &len);
	if (rc < 0)
		return NULL;
	return fs_snap_new_text(ino, text, len);
}

static struct fs_snap *handle_snap_locked(struct fs *fs, enum fs_ino ino,
					  pid_t pid)
{
	/* Newest handle first: the list is pushed at the front. */
	for (struct fs_handle *h = fs->snap_handles; h; h = h->next)
		if (h->pid == pid && h->ino == ino && !h->flushed)
			return fs_snap_get(h->snap);
	return NULL;
}

static struct fs_advert *advert_find_locked(struct fs *fs, enum fs_ino ino,
					    pid_t pid)
{
	for (size_t i = 0; i < FS_ADVERT_SLOTS; i++)
		if (fs->adverts[i].snap && fs->adverts[i].pid == pid &&
		    fs->adverts[i].ino == ino)
			return &fs->adverts[i];
	return NULL;
}

/* The slot for (pid, ino): its own, a free one, or the oldest. Returns
 * the snapshot it held (the caller puts it outside the lock). */
static struct fs_snap *advert_store_locked(struct fs *fs, enum fs_ino ino,
					   pid_t pid, struct fs_snap *s)
{
	struct fs_advert *a = advert_find_locked(fs, ino, pid);
	struct fs_snap *old;

	for (size_t i = 0; !a && i < FS_ADVERT_SLOTS; i++)
		if (!fs->adverts[i].snap)
			a = &fs->adverts[i];
	if (!a) {
		a = &fs->adverts[0];
		for (size_t i = 1; i < FS_ADVERT_SLOTS; i++)
			if (fs->adverts[i].mono_ns < a->mono_ns)
				a = &fs->adverts[i];
	}
	old = a->snap;
	a->pid = pid;
	a->ino = ino;
	a->snap = s;
	a->mono_ns = clock_now_ns();
	a->reported_ns = a->mono_ns;
	return old;
}

/* Takes (for open) or copies (for stat) a fresh advertisement to pid. */
static struct fs_snap *advert_use_locked(struct fs *fs, enum fs_ino ino,
					 pid_t pid, bool take,
					 struct fs_snap **drop)
{
	struct fs_advert *a = advert_find_locked(fs, ino, pid);
	uint64_t now = clock_now_ns();
	struct fs_snap *s;

	if (!a)
		return NULL;
	/* A stat reuses an advertisement while it is young; an open honours
	 * the one last reported to it, even if a stat reused it at the end of
	 * its life (stat at 0.9 s, open at 1.1 s: still the stat's frame). */
	if (now - (take ? a->reported_ns : a->mono_ns) > FS_ADVERT_TTL_NS) {
		*drop = a->snap;
		a->snap = NULL;
		return NULL;
	}
	a->reported_ns = now;
	s = take ? a->snap : fs_snap_get(a->snap);
	if (take)
		a->snap = NULL;
	return s;
}

struct fs_snap *fs_snap_for(struct fs *fs, enum fs_ino ino, pid_t pid,
			    bool for_open)
{
	struct fs_snap *s = NULL, *drop = NULL;

	pthread_mutex_lock(&fs->lock);
	if (!for_open)
		s = handle_snap_locked(fs, ino, pid);
	if (!s)
		s = advert_use_locked(fs, ino, pid, for_open, &drop);
	pthread_mutex_unlock(&fs->lock);
	fs_snap_put(drop);
	if (s)
		return s;
	s = snap_fresh(fs, ino);
	/* After a rest the frame held is old: a stat shows it, but it is not
	 * kept for an open, which waits for a new one. */
	if (s && !for_open &&
	    !(ino == FS_INO_LATEST && frame_store_fresh_after(fs->cfg.store))) {
		pthread_mutex_lock(&fs->lock);
		drop = advert_store_locked(fs, ino, pid, fs_snap_get(s));
		pthread_mutex_unlock(&fs->lock);
		fs_snap_put(drop);
	}
	return s;
}

void fs_adverts_clear_locked(struct fs *fs)
{
	for (size_t i = 0; i < FS_ADVERT_SLOTS; i++) {
		fs_snap_put(fs->adverts[i].snap);
		fs->adverts[i].snap = NULL;
	}
}
