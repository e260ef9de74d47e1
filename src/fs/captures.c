/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * captures/: the stills taken during this mount, oldest first (newest
 * last), under the camera's own file names ("DSC01234.JPG", and
 * "DSC01234.ARW" beside it for RAW+JPEG). A still is listed only once all
 * its bytes are in place, so a reader never sees a partial one; its size
 * never changes and its mtime is the camera's capture time (the download
 * time when the camera gave none).
 *
 * Where the bytes live: by default in a private spool directory (mkdtemp,
 * 0700, under cfg.captures_dir) as one file per still, mapped read-only
 * for the readers; with cfg.captures_dir NULL, in memory. Either way the
 * bytes stay while a reader holds the file open, after `rm` or after the
 * still was dropped (the mapping of an unlinked file), and go with the
 * last close. `rm captures/NAME` unlinks the spool file (or frees the
 * memory); at most cfg.captures_max stills (and, when set,
 * cfg.captures_max_bytes bytes) are kept: a new one drops the oldest.
 * The spool directory is removed by fs_destroy.
 *
 * Inodes: FS_CAPTURES_INO_BASE + id, id counting stills from 1 and never
 * reused, so a name the kernel cached for a removed still answers ENOENT.
 * readdir offsets are 3 + id: stable while stills come and go.
 *
 * Locking: ca->lock guards the list; a leaf lock (never held while taking
 * fs->lock or replying to the kernel). fs_captures_add runs on the
 * program's thread (the camera owner), the handlers on FUSE workers.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/fs_internal.h"
#include "util/util.h"

#define CAPTURE_ATTR_TIMEOUT 1.0
#define CAPTURE_ENTRY_TIMEOUT 1.0
#define NS_PER_S UINT64_C(1000000000)
#define DIRENT_BASE 3
#define SPOOL_TEMPLATE "alphafs-captures-XXXXXX"
#define PATH_CAP 4096
#define SUFFIX_MAX 999 /* "NAME-2.JPG" .. "NAME-999.JPG" for repeats */
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* One still's bytes: immutable, shared by the list and every open. */
struct still {
	atomic_uint refs;
	uint8_t *mem;	 /* in memory: mem_alloc'd */
	void *map;	 /* spooled: the read-only mapping */
	size_t len;
};

struct entry {
	uint64_t id;
	char name[FS_CAPTURE_NAME_MAX];
	uint64_t mtime_ns;
	struct still *st;
	struct entry *next;
};

struct fs_captures {
	pthread_mutex_t lock;
	struct entry *head, *tail; /* oldest first */
	unsigned n;
	uint64_t bytes;
	uint64_t next_id;
	char spool[PATH_CAP]; /* "" in memory */
	uint64_t added, removed, dropped;
	uint64_t changed_ns; /* CLOCK_REALTIME of the last add or remove */
};

/* ---- bytes ------------------------------------------------------------------- */

static struct still *still_get(struct still *st)
{
	atomic_fetch_add(&st->refs, 1);
	return st;
}

static void still_put(struct still *st)
{
	if (!st || atomic_fetch_sub(&st->refs, 1) != 1)
		return;
	if (st->map)
		munmap(st->map, st->len);
	mem_free(st->mem);
	mem_free(st);
}

/* fs_snap release hook: the snapshot's reference to the bytes. */
static void snap_release(void *owner)
{
	still_put(owner);
}

static void spool_path(const struct fs_captures *ca, uint64_t id, char *out,
		       size_t cap)
{
	snprintf(out, cap, "%s/%020" PRIu64, ca->spool, id);
}

/* Writes data to a new spool file and maps it; 0 or IO (errno kept). */
static int spool_write(const char *path, const uint8_t *data, size_t len,
		       void **map)
{
	size_t done = 0;
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return ALPHAFS_ERR_IO;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			close(fd);
			unlink(path);
			errno = e;
			return ALPHAFS_ERR_IO;
		}
		done += (size_t)w;
	}
	*map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (*map == MAP_FAILED) {
		*map = NULL;
		unlink(path);
		return ALPHAFS_ERR_IO;
	}
	return 0;
}

/* ---- the list ----------------------------------------------------------------- */

static struct entry *find_name_locked(struct fs_captures *ca, const char *name)
{
	for (struct entry *e = ca->head; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static struct entry *find_id_locked(struct fs_captures *ca, uint64_t id)
{
	for (struct entry *e = ca->head; e; e = e->next)
		if (e->id == id)
			return e;
	return NULL;
}

/* Unlinks e from the list (ca->lock held); the caller frees it. */
static void remove_locked(struct fs_captures *ca, struct entry *e)
{
	struct entry **pp = &ca->head, *prev = NULL;

	for (; *pp && *pp != e; pp = &(*pp)->next)
		prev = *pp;
	if (!*pp)
		return;
	*pp = e->next;
	if (ca->tail == e)
		ca->tail = prev;
	ca->n--;
	ca->bytes -= e->st->len;
}

/* Frees a listed-no-more entry: its spool file goes (open readers keep
 * their mapping), its bytes with the last reference. No lock held. */
static void entry_free(struct fs_captures *ca, struct entry *e)
{
	char path[PATH_CAP];

	if (!e)
		return;
	if (ca->spool[0]) {
		spool_path(ca, e->id, path, sizeof(path));
		unlink(path);
	}
	still_put(e->st);
	mem_free(e);
}

/* name, or "STEM-k.EXT" with the smallest k >= 2 not listed. */
static bool unique_name_locked(struct fs_captures *ca, const char *name,
			       char *out, size_t cap)
{
	const char *dot = strrchr(name, '.');
	size_t stem = dot ? (size_t)(dot - name) : strlen(name);

	if (!find_name_locked(ca, name)) {
		snprintf(out, cap, "%s", name);
		return true;
	}
	for (unsigned k = 2; k <= SUFFIX_MAX; k++) {
		int w = snprintf(out, cap, "%.*s-%u%s", (int)stem, name, k,
				 dot ? dot : "");

		if (w > 0 && (size_t)w < cap && !find_name_locked(ca, out))
			return true;
	}
	return false;
}

/* A name the program may hand us: a plain directory entry. */
static bool name_ok(const char *name)
{
	size_t n = strnlen(name, FS_CAPTURE_NAME_MAX);

	if (n == 0 || n >= FS_CAPTURE_NAME_MAX || name[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || (unsigned char)name[i] < 0x20)
			return false;
	return true;
}

/* ---- the program's side ------------------------------------------------------- */

int fs_captures_add(struct fs *fs, const char *name, uint64_t mtime_ns,
		    uint8_t *data, size_t len, struct fs_capture_added *out)
{
	struct fs_captures *ca = fs->captures;
	struct entry *e = NULL, *old = NULL;
	char path[PATH_CAP];
	struct still *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!ca || !name_ok(name) || len == 0) {
		mem_free(data);
		return ca ? ALPHAFS_ERR_INVALID : ALPHAFS_ERR_UNSUPPORTED;
	}
	st = mem_calloc(1, sizeof(*st));
	e = mem_calloc(1, sizeof(*e));
	if (!st || !e) {
		mem_free(st);
		mem_free(e);
		mem_free(data);
		return ALPHAFS_ERR_NOMEM;
	}
	atomic_init(&st->refs, 1);
	st->len = len;
	pthread_mutex_lock(&ca->lock);
	e->id = ++ca->next_id;
	pthread_mutex_unlock(&ca->lock);
	if (ca->spool[0]) {
		spool_path(ca, e->id, path, sizeof(path));
		rc = spool_write(path, data, len, &st->map);
		mem_free(data);
		if (rc < 0) {
			snprintf(out->why, sizeof(out->why),
				 "writing the spool file %s: %s", path,
				 strerror(errno));
			mem_free(st);
			mem_free(e);
			return rc;
		}
	} else {
		st->mem = data;
	}
	e->st = st;
	e->mtime_ns = mtime_ns;
	pthread_mutex_lock(&ca->lock);
	if (!unique_name_locked(ca, name, e->name, sizeof(e->name))) {
		pthread_mutex_unlock(&ca->lock);
		snprintf(out->why, sizeof(out->why),
			 "%s is listed %u times already", name, SUFFIX_MAX);
		entry_free(ca, e);
		return ALPHAFS_ERR_BUSY;
	}
	/* Room for it: by count, then by bytes (a still over the byte bound
	 * on its own is kept alone). The dropped go on a private list. */
	while (ca->head &&
	       (ca->n >= fs->cfg.captures_max ||
		(fs->cfg.captures_max_bytes &&
		 len > fs->cfg.captures_max_bytes - MIN(ca->bytes,
						fs->cfg.captures_max_bytes)))) {
		struct entry *d = ca->head;
		size_t used = strlen(out->dropped);

		remove_locked(ca, d);
		snprintf(out->dropped + used, sizeof(out->dropped) - used,
			 "%s%s", used ? " " : "", d->name);
		out->ndropped++;
		ca->dropped++;
		d->next = old;
		old = d;
	}
	if (ca->tail)
		ca->tail->next = e;
	else
		ca->head = e;
	ca->tail = e;
	ca->n++;
	ca->bytes += len;
	ca->added++;
	ca->changed_ns = clock_wall_ns();
	snprintf(out->name, sizeof(out->name), "%s", e->name);
	pthread_mutex_unlock(&ca->lock);
	while (old) {
		struct entry *next = old->next;

		entry_free(ca, old);
		old = next;
	}
	return 0;
}

void fs_captures_stats(struct fs *fs, struct fs_captures_stats *s)
{
	struct fs_captures *ca = fs->captures;

	memset(s, 0, sizeof(*s));
	if (!ca)
		return;
	pthread_mutex_lock(&ca->lock);
	s->listed = ca->n;
	s->bytes = ca->bytes;
	s->added = ca->added;
	s->removed = ca->removed;
	s->dropped = ca->dropped;
	pthread_mutex_unlock(&ca->lock);
	snprintf(s->spool, sizeof(s->spool), "%s",
		 ca->spool[0] ? ca->spool : "memory");
}

/* ---- create / destroy --------------------------------------------------------- */

int fs_captures_create(struct fs *fs)
{
	struct fs_captures *ca;
	int w;

	if (fs->cfg.captures_max == 0)
		return 0;
	if (fs->cfg.captures_max > FS_CAPTURES_MAX)
		return ALPHAFS_ERR_INVALID;
	ca = mem_calloc(1, sizeof(*ca));
	if (!ca)
		return ALPHAFS_ERR_NOMEM;
	if (fs->cfg.captures_dir) {
		w = snprintf(ca->spool, sizeof(ca->spool), "%s/%s",
			     fs->cfg.captures_dir, SPOOL_TEMPLATE);
		if (w < 0 || (size_t)w >= sizeof(ca->spool) ||
		    !mkdtemp(ca->spool)) {
			log_err(FS, "captures: cannot make a spool directory under %s: %s",
				  fs->cfg.captures_dir, strerror(errno));
			mem_free(ca);
			return ALPHAFS_ERR_IO;
		}
		/* mkdtemp makes it 0700: the stills are the user's alone */
	}
	ca->changed_ns = fs->start_wall_ns;
	pthread_mutex_init(&ca->lock, NULL);
	fs->captures = ca;
	return 0;
}

void fs_captures_destroy(struct fs *fs)
{
	struct fs_captures *ca = fs->captures;
	struct entry *e;

	if (!ca)
		return;
	while ((e = ca->head)) {
		ca->head = e->next;
		entry_free(ca, e);
	}
	if (ca->spool[0] && rmdir(ca->spool) < 0)
		log_warn(FS, "captures: cannot remove %s: %s", ca->spool,
			 strerror(errno));
	pthread_mutex_destroy(&ca->lock);
	mem_free(ca);
	fs->captures = NULL;
}

/* ---- handlers ------------------------------------------------------------------ */

uint64_t fs_captures_mtime(struct fs *fs)
{
	struct fs_captures *ca = fs->captures;
	uint64_t t;

	if (!ca)
		return fs->start_wall_ns;
	pthread_mutex_lock(&ca->lock);
	t = ca->changed_ns;
	pthread_mutex_unlock(&ca->lock);
	return t;
}

bool fs_captures_ino(fuse_ino_t ino)
{
	return ino >= FS_CAPTURES_INO_BASE && ino < FS_FRAMES_INO_BASE;
}

static void fill_attr(fuse_ino_t ino, size_t len, uint64_t mtime_ns,
		      struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	st->st_size = (off_t)len;
	st->st_blocks = (blkcnt_t)((len + 511) / 512);
	st->st_mtim.tv_sec = (time_t)(mtime_ns / NS_PER_S);
	st->st_mtim.tv_nsec = (long)(mtime_ns % NS_PER_S);
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

void fs_captures_lookup(struct fs *fs, fuse_req_t req, const char *name)
{
	struct fs_captures *ca = fs->captures;
	struct fuse_entry_param p;
	struct entry *e;

	memset(&p, 0, sizeof(p));
	if (ca) {
		pthread_mutex_lock(&ca->lock);
		e = find_name_locked(ca, name);
		if (e) {
			p.ino = FS_CAPTURES_INO_BASE + e->id;
			fill_attr(p.ino, e->st->len, e->mtime_ns, &p.attr);
		}
		pthread_mutex_unlock(&ca->lock);
	}
	if (!p.ino) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	p.generation = 1;
	p.attr_timeout = CAPTURE_ATTR_TIMEOUT;
	p.entry_timeout = CAPTURE_ENTRY_TIMEOUT;
	fuse_reply_entry(req, &p);
}

/* A still open by some handle (removed from the list since), or NULL. */
static struct fs_snap *snap_of_open(struct fs *fs, fuse_ino_t ino)
{
	struct fs_snap *s = NULL;

	pthread_mutex_lock(&fs->lock);
	for (struct fs_handle *h = fs->snap_handles; h && !s; h = h->next)
		if (h->snap && h->snap->node == ino && !h->flushed)
			s = fs_snap_get(h->snap);
	pthread_mutex_unlock(&fs->lock);
	return s;
}

void fs_captures_getattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino)
{
	struct fs_captures *ca = fs->captures;
	bool found = false;
	struct fs_snap *s;
	struct entry *e;
	struct stat st;

	if (ca) {
		pthread_mutex_lock(&ca->lock);
		e = find_id_locked(ca, ino - FS_CAPTURES_INO_BASE);
		if (e) {
			fill_attr(ino, e->st->len, e->mtime_ns, &st);
			found = true;
		}
		pthread_mutex_unlock(&ca->lock);
	}
	if (!found && (s = snap_of_open(fs, ino))) {
		fill_attr(ino, s->len, s->wall_ns, &st);
		fs_snap_put(s);
		found = true;
	}
	if (!found) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fuse_reply_attr(req, &st, CAPTURE_ATTR_TIMEOUT);
}

void fs_captures_open(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi)
{
	struct fs_captures *ca = fs->captures;
	struct still *st = NULL;
	uint64_t mtime_ns = 0;
	struct fs_snap *s;
	struct entry *e;

	if (fs_open_wants_write(fi)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (ca) {
		pthread_mutex_lock(&ca->lock);
		e = find_id_locked(ca, ino - FS_CAPTURES_INO_BASE);
		if (e) {
			st = still_get(e->st);
			mtime_ns = e->mtime_ns;
		}
		pthread_mutex_unlock(&ca->lock);
	}
	if (!st) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	s = fs_snap_new_owned(FS_INO_CAPTURE_FILE,
			      st->map ? st->map : st->mem, st->len,
			      snap_release, st);
	if (!s) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	s->node = ino;
	s->wall_ns = mtime_ns;
	fs_snap_reply_open(fs, req, fi, s, fuse_req_ctx(req)->pid, false);
}

void fs_captures_unlink(struct fs *fs, fuse_req_t req, const char *name)
{
	struct fs_captures *ca = fs->captures;
	struct entry *e = NULL;

	if (ca) {
		pthread_mutex_lock(&ca->lock);
		e = find_name_locked(ca, name);
		if (e) {
			remove_locked(ca, e);
			ca->removed++;
			ca->changed_ns = clock_wall_ns();
		}
		pthread_mutex_unlock(&ca->lock);
	}
	if (!e) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	entry_free(ca, e);
	fuse_reply_err(req, 0);
}

void fs_captures_readdir(struct fs *fs, fuse_req_t req, size_t size, off_t off)
{
	struct fs_captures *ca = fs->captures;
	size_t used = 0;
	char *buf = mem_alloc(size ? size : 1);
	bool ok = true;

	if (!buf || !ca) {
		mem_free(buf);
		fuse_reply_err(req, buf ? ENOENT : ENOMEM);
		return;
	}
	ok = fs_dir_add_dots(req, buf, size, &used, off, FS_INO_CAPTURES);
	/* fuse_add_direntry only copies into buf: fine under the leaf lock */
	pthread_mutex_lock(&ca->lock);
	for (struct entry *e = ca->head; ok && e; e = e->next) {
		off_t cookie = (off_t)(DIRENT_BASE + e->id);

		if (cookie <= off)
			continue;
		ok = fs_dir_add(req, buf, size, &used, e->name,
				FS_CAPTURES_INO_BASE + e->id, S_IFREG | 0444,
				cookie);
	}
	pthread_mutex_unlock(&ca->lock);
	fuse_reply_buf(req, buf, used);
	mem_free(buf);
}
