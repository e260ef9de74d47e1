/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * live/frames/: the last N whole frames as immutable files, each with its
 * metadata beside it:
 *
 *   0000000123.jpg   the frame's JPEG, exactly as published
 *   0000000123.json  sequence, host capture times, bytes, SOF size, late,
 *                    repeated, the focus-frame block (struct frame's
 *                    fields; frame.h defines them)
 *
 * Every file has its own inode (FS_FRAMES_INO_BASE + 2 x seq, + 1 for the
 * .json) and its content never changes while it exists, so its size is
 * its size, two readers get the same bytes, the page cache may keep it
 * (keep_cache, no direct_io: mmap works too) and cp's stat/open/fstat
 * agree. Names are the sequence in 10 digits, so a plain `ls` lists them
 * oldest first until frame 10^10 (over 10 years at 30 fps): the last name
 * is the newest frame. A file opened pins its content: it stays readable
 * after it leaves the directory (an open's snapshot, as latest.jpg's).
 *
 * A name also stays reachable for another N frames after it leaves the
 * listing (the ring holds 2 x N, readdir shows the newest N): `ls -l`
 * reads the names, then looks each one up; at 30 fps the oldest listed
 * frame could otherwise leave between the two, and ls would print "No
 * such file or directory" for a name it had just listed (found by
 * flake-hunt: valgrind_fs_tree).
 *
 * The ring is filled by a frame-store listener on the producer thread;
 * the .json text is made on first use and kept with the frame.
 *
 * Locking: fr->lock guards the ring; it is a leaf, never held while
 * taking fs->lock or the store's lock, or while replying to the kernel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/fs_internal.h"
#include "util/util.h"

#define NAME_DIGITS 10
#define NAME_MAX_LEN 32
#define JSON_MAX (64u * 1024) /* a focus block is a few hundred bytes */
#define FRAME_ATTR_TIMEOUT 1.0
#define FRAME_ENTRY_TIMEOUT 1.0
#define NS_PER_S UINT64_C(1000000000)
/* readdir offsets: 1 ".", 2 "..", then 3 + 2 x seq + kind. */
#define DIRENT_BASE 3

enum { KIND_JPEG, KIND_JSON };

struct slot {
	struct frame *f;      /* one reference */
	struct fs_snap *json; /* made on first use, or NULL */
};

struct fs_frames {
	pthread_mutex_t lock;
	unsigned keep;     /* frames listed */
	unsigned cap;      /* ring slots: keep listed + keep reachable */
	struct slot *ring; /* [head] is the oldest */
	unsigned head, n;
	uint64_t last_seq;
	int listener_id;
};

/* ---- names and inodes ------------------------------------------------------ */

bool fs_frames_ino(fuse_ino_t ino)
{
	return ino >= FS_FRAMES_INO_BASE;
}

static fuse_ino_t frame_ino(uint64_t seq, int kind)
{
	return FS_FRAMES_INO_BASE + seq * 2 + (uint64_t)kind;
}

static void frame_name(uint64_t seq, int kind, char *out, size_t cap)
{
	snprintf(out, cap, "%0*" PRIu64 ".%s", NAME_DIGITS, seq,
		 kind == KIND_JPEG ? "jpg" : "json");
}

/* "0000000123.jpg" -> 123, JPEG; false for anything not spelled exactly
 * as frame_name spells it. */
static bool parse_name(const char *name, uint64_t *seq, int *kind)
{
	char again[NAME_MAX_LEN];
	uint64_t v = 0;
	size_t i;

	for (i = 0; name[i] >= '0' && name[i] <= '9'; i++) {
		if (i >= 19)
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	if (i == 0 || v == 0)
		return false;
	if (!strcmp(name + i, ".jpg"))
		*kind = KIND_JPEG;
	else if (!strcmp(name + i, ".json"))
		*kind = KIND_JSON;
	else
		return false;
	frame_name(v, *kind, again, sizeof(again));
	*seq = v;
	return !strcmp(again, name);
}

/* ---- the ring ------------------------------------------------------------------ */

static struct slot *slot_at(struct fs_frames *fr, unsigned i)
{
	return &fr->ring[(fr->head + i) % fr->cap];
}

/* The slot of seq, or NULL. fr->lock held. */
static struct slot *find_locked(struct fs_frames *fr, uint64_t seq)
{
	for (unsigned i = 0; i < fr->n; i++) {
		struct slot *s = slot_at(fr, i);

		if (s->f->seq == seq)
			return s;
	}
	return NULL;
}

/* Frame-store listener (producer thread): the newest frame joins. */
static void handle_store(void *arg)
{
	struct fs *fs = arg;
	struct fs_frames *fr = fs->frames;
	struct frame *f = frame_store_newer(fs->cfg.store, fr->last_seq);
	struct slot old = { 0 };

	if (!f)
		return;
	pthread_mutex_lock(&fr->lock);
	fr->last_seq = f->seq;
	if (fr->n == fr->cap) {
		old = *slot_at(fr, 0);
		fr->head = (fr->head + 1) % fr->cap;
		fr->n--;
	}
	*slot_at(fr, fr->n) = (struct slot){ .f = f };
	fr->n++;
	pthread_mutex_unlock(&fr->lock);
	/* Open files keep their own references. */
	frame_unref(old.f);
	fs_snap_put(old.json);
}

int fs_frames_create(struct fs *fs)
{
	struct fs_frames *fr;

	if (fs->cfg.frames_keep == 0)
		return 0;
	if (fs->cfg.frames_keep > FS_FRAMES_MAX)
		return ALPHAFS_ERR_INVALID;
	fr = mem_calloc(1, sizeof(*fr));
	if (!fr)
		return ALPHAFS_ERR_NOMEM;
	fr->keep = fs->cfg.frames_keep;
	fr->cap = 2 * fr->keep;
	fr->ring = mem_calloc(fr->cap, sizeof(*fr->ring));
	if (!fr->ring) {
		mem_free(fr);
		return ALPHAFS_ERR_NOMEM;
	}
	pthread_mutex_init(&fr->lock, NULL);
	fs->frames = fr;
	fr->listener_id = frame_store_add_listener(fs->cfg.store, handle_store, fs);
	if (fr->listener_id < 0) {
		int rc = fr->listener_id;

		fs_frames_destroy(fs);
		return rc;
	}
	handle_store(fs); /* the frame there is now, if any */
	return 0;
}

void fs_frames_destroy(struct fs *fs)
{
	struct fs_frames *fr = fs->frames;

	if (!fr)
		return;
	if (fr->listener_id >= 0)
		frame_store_remove_listener(fs->cfg.store, fr->listener_id);
	for (unsigned i = 0; i < fr->n; i++) {
		frame_unref(slot_at(fr, i)->f);
		fs_snap_put(slot_at(fr, i)->json);
	}
	pthread_mutex_destroy(&fr->lock);
	mem_free(fr->ring);
	mem_free(fr);
	fs->frames = NULL;
}

/* ---- the .json ------------------------------------------------------------ */

static void put_hex(struct buf *b, const uint8_t *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t *d = buf_grow(b, 2 * n);

	for (size_t i = 0; d && i < n; i++) {
		d[2 * i] = (uint8_t)hex[p[i] >> 4];
		d[2 * i + 1] = (uint8_t)hex[p[i] & 0xF];
	}
}

static void put_focus(struct fs *fs, struct buf *b, const struct frame *f)
{
	size_t before;

	if (!f->focus || f->focus_len == 0) {
		buf_printf(b, "  \"focus\": null\n");
		return;
	}
	buf_printf(b, "  \"focus\": {\n    \"bytes\": %zu,\n    \"hex\": \"",
		   f->focus_len);
	put_hex(b, f->focus, f->focus_len);
	buf_printf(b, "\",\n    \"decoded\": ");
	before = b->len;
	if (!fs->cfg.focus_json ||
	    fs->cfg.focus_json(f->focus, f->focus_len, b) < 0) {
		b->len = before; /* the callback appends nothing on refusal */
		buf_printf(b, "null");
	}
	buf_printf(b, "\n  }\n");
}

/* The metadata of f: a pure function of the frame, so every reader (and
 * every re-make after the slot is gone) receives the same bytes. */
static struct fs_snap *make_json(struct fs *fs, const struct frame *f,
				 fuse_ino_t ino)
{
	char name[NAME_MAX_LEN], when[40];
	time_t secs = (time_t)(f->wall_ns / NS_PER_S);
	struct fs_snap *s;
	struct tm tm;
	struct buf b;
	uint8_t *text;
	size_t len;

	frame_name(f->seq, KIND_JPEG, name, sizeof(name));
	if (gmtime_r(&secs, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	else
		snprintf(when, sizeof(when), "1970-01-01T00:00:00");
	buf_init(&b, JSON_MAX);
	buf_printf(&b, "{\n  \"sequence\": %" PRIu64 ",\n  \"file\": \"%s\",\n",
		   f->seq, name);
	buf_printf(&b, "  \"bytes\": %zu,\n  \"width\": %u,\n  \"height\": %u,\n",
		   f->len, (unsigned)f->width, (unsigned)f->height);
	buf_printf(&b, "  \"wall_ns\": %" PRIu64 ",\n  \"wall_time\": \"%s.%09"
		   PRIu64 "Z\",\n  \"mono_ns\": %" PRIu64 ",\n",
		   f->wall_ns, when, f->wall_ns % NS_PER_S, f->mono_ns);
	buf_printf(&b, "  \"interval_ns\": %" PRIu64 ",\n  \"late\": %s,\n"
		   "  \"repeated\": %s,\n",
		   f->interval_ns, f->late ? "true" : "false",
		   f->repeated ? "true" : "false");
	put_focus(fs, &b, f);
	buf_printf(&b, "}\n");
	if (buf_status(&b)) {
		buf_finish(&b);
		return NULL;
	}
	text = buf_steal(&b, &len);
	s = fs_snap_new_text(FS_INO_FRAME_FILE, text, len);
	if (s) {
		s->node = ino;
		s->wall_ns = f->wall_ns;
	}
	return s;
}

static struct fs_snap *make_jpeg(struct frame *f, fuse_ino_t ino)
{
	struct fs_snap *s = fs_snap_new_frame(frame_ref(f));

	if (s) {
		s->ino = FS_INO_FRAME_FILE;
		s->node = ino;
	}
	return s;
}

/* A new reference to the content of (seq, kind) while it is in the ring,
 * or NULL (gone, or NOMEM with *nomem set). */
static struct fs_snap *content_in_ring(struct fs *fs, uint64_t seq, int kind,
				       bool *nomem)
{
	struct fs_frames *fr = fs->frames;
	struct fs_snap *s = NULL;
	struct frame *f = NULL;
	struct slot *sl;

	*nomem = false;
	pthread_mutex_lock(&fr->lock);
	sl = find_locked(fr, seq);
	if (sl && kind == KIND_JSON) {
		if (!sl->json)
			sl->json = make_json(fs, sl->f, frame_ino(seq, kind));
		s = fs_snap_get(sl->json);
		*nomem = !s;
	} else if (sl) {
		f = frame_ref(sl->f);
	}
	pthread_mutex_unlock(&fr->lock);
	if (f) {
		s = make_jpeg(f, frame_ino(seq, kind));
		frame_unref(f);
		*nomem = !s;
	}
	return s;
}

/* An open handle's content of node (the file left the ring), or NULL. */
static struct fs_snap *content_of_open(struct fs *fs, fuse_ino_t node)
{
	struct fs_snap *s = NULL;

	pthread_mutex_lock(&fs->lock);
	for (struct fs_handle *h = fs->snap_handles; h && !s; h = h->next)
		if (h->snap && h->snap->node == node)
			s = fs_snap_get(h->snap);
	pthread_mutex_unlock(&fs->lock);
	return s;
}

/* ---- handlers --------------------------------------------------------------- */

static void fill_attr(const struct fs_snap *s, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = s->node;
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	st->st_size = (off_t)s->len;
	st->st_blocks = (blkcnt_t)((s->len + 511) / 512);
	st->st_mtim.tv_sec = (time_t)(s->wall_ns / NS_PER_S);
	st->st_mtim.tv_nsec = (long)(s->wall_ns % NS_PER_S);
	st->st_ctim = st->st_mtim;
	st->st_atim = st->st_mtim;
}

void fs_frames_lookup(struct fs *fs, fuse_req_t req, const char *name)
{
	struct fuse_entry_param e;
	struct fs_snap *s;
	uint64_t seq;
	bool nomem;
	int kind;

	if (!fs->frames || !parse_name(name, &seq, &kind)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	s = content_in_ring(fs, seq, kind, &nomem);
	if (!s) {
		fuse_reply_err(req, nomem ? ENOMEM : ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = s->node;
	e.generation = 1;
	e.attr_timeout = FRAME_ATTR_TIMEOUT;
	e.entry_timeout = FRAME_ENTRY_TIMEOUT;
	fill_attr(s, &e.attr);
	fs_snap_put(s);
	fuse_reply_entry(req, &e);
}

/* (node -> seq, kind); the ring first, then what is still open. */
static struct fs_snap *content_of(struct fs *fs, fuse_ino_t ino, bool *nomem)
{
	uint64_t rel = ino - FS_FRAMES_INO_BASE;
	struct fs_snap *s;

	*nomem = false;
	if (!fs->frames)
		return NULL;
	s = content_in_ring(fs, rel / 2, (int)(rel % 2), nomem);
	return s || *nomem ? s : content_of_open(fs, ino);
}

void fs_frames_getattr(struct fs *fs, fuse_req_t req, fuse_ino_t ino)
{
	struct stat st;
	bool nomem;
	struct fs_snap *s = content_of(fs, ino, &nomem);

	if (!s) {
		fuse_reply_err(req, nomem ? ENOMEM : ENOENT);
		return;
	}
	fill_attr(s, &st);
	fs_snap_put(s);
	fuse_reply_attr(req, &st, FRAME_ATTR_TIMEOUT);
}

void fs_frames_open(struct fs *fs, fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi)
{
	bool nomem;
	struct fs_snap *s;

	if (fs_open_wants_write(fi)) {
		fuse_reply_err(req, EACCES);
		return;
	}
	/* The ring, or a copy another open still pins (a file that left the
	 * directory while the kernel still had its name). */
	s = content_of(fs, ino, &nomem);
	if (!s) {
		fuse_reply_err(req, nomem ? ENOMEM : ENOENT);
		return;
	}
	/* An open frame file is a reader: the camera does not rest. */
	fs_reader_hold(fs);
	fs_snap_reply_open(fs, req, fi, s, fuse_req_ctx(req)->pid, true);
}

/* The entries after offset off, oldest frame first (.jpg, then .json);
 * an offset stays meaningful while frames come and go. */
void fs_frames_readdir(struct fs *fs, fuse_req_t req, size_t size, off_t off)
{
	struct fs_frames *fr = fs->frames;
	uint64_t seqs[FS_FRAMES_MAX];
	unsigned n = 0;
	size_t used = 0;
	char name[NAME_MAX_LEN];
	char *buf;

	buf = mem_alloc(size ? size : 1);
	if (!fr || !buf) {
		mem_free(buf);
		fuse_reply_err(req, fr ? ENOMEM : ENOENT);
		return;
	}
	/* The newest keep frames; older ones in the ring are found by name
	 * only. */
	pthread_mutex_lock(&fr->lock);
	for (unsigned i = fr->n > fr->keep ? fr->n - fr->keep : 0; i < fr->n;
	     i++)
		seqs[n++] = slot_at(fr, i)->f->seq;
	pthread_mutex_unlock(&fr->lock);
	if (!fs_dir_add_dots(req, buf, size, &used, off, FS_INO_FRAMES))
		goto out;
	for (unsigned i = 0; i < n; i++) {
		for (int kind = KIND_JPEG; kind <= KIND_JSON; kind++) {
			off_t cookie = (off_t)(DIRENT_BASE + seqs[i] * 2 +
					       (uint64_t)kind);

			if (cookie <= off)
				continue;
			frame_name(seqs[i], kind, name, sizeof(name));
			if (!fs_dir_add(req, buf, size, &used, name,
				       frame_ino(seqs[i], kind), S_IFREG, cookie))
				goto out;
		}
	}
out:
	fuse_reply_buf(req, buf, used);
	mem_free(buf);
}
