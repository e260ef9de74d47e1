/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: the event and property-change path, from the camera's bytes
 * to the lines an events reader takes, and the control/ values made of it.
 *
 * The input is a script of records, each a tag byte and its bytes:
 *   0 EVENT  u8 len, len bytes: an interrupt-pipe container (dossier §6),
 *            decoded and acted on as the owner does (camera_event_handle);
 *   1 PROPS  u16 len, len bytes: a 0x9209 blob (protocol 2.00), absorbed
 *            as a property read (camera_props_absorb: "property" lines for
 *            what changed); then every control/ file's value and choices
 *            are made from it;
 *   2 WRITE  u8 control, u8 flags, u8 len, len bytes of what a user wrote,
 *            u8 n, n bytes: the text is parsed against the camera's
 *            descriptor; a value it takes is walked (camera_walk_*) over a
 *            dial whose moves and delays are the n bytes;
 *   3 TAKE   u8 cap: the first events reader takes up to cap+1 bytes;
 *   4 UNPLUG / 5 REPLUG: the camera goes (values dropped) and comes back.
 * Every line goes through the events ring of a real struct fs. Checked:
 * each posted line is one line, timestamped, bounded; each of two readers
 * (one reading along, one only at the end, behind by more than the
 * backlog if the input posts enough) gets exactly the posted lines from
 * its open on, in order, whole, or a "dropped N events" line with the exact
 * N; a control value is one line; a walk ends within its bounds, and only
 * says DONE when the dial shows what was written.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"
#include "frame/frame.h"
#include "fs/fs_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_PER_MS 1000000ull
#define SHADOW_MAX 4096 /* lines remembered per input */
#define TEXT_LIMIT (1u << 20)
#define TAKE_MAX 4096
#define WALK_BYTES_MAX 255 /* u8 length */
#define WALK_ITER_MAX (WALK_BYTES_MAX + 2 * CAMERA_WALK_STEPS_MAX + 64)
#define ISO_LEN 24 /* "2026-01-01T00:00:00.000Z" */

enum { T_EVENT, T_PROPS, T_WRITE, T_TAKE, T_UNPLUG, T_REPLUG, T_COUNT };

struct reader {
	struct fs_ev_reader ev;
	size_t expect; /* shadow index of the next line it must get */
	char pending[FS_EVENT_LINE_MAX + 128];
	size_t npending;
};

static char shadow[SHADOW_MAX][CAMERA_EVENT_LINE_MAX];
static size_t nshadow;
static uint64_t now_ns;

static void need(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static bool timestamped(const char *s, size_t len)
{
	return len > ISO_LEN && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
	       s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' &&
	       s[ISO_LEN] == ' ';
}

static void sink(void *arg, const char *line, size_t len)
{
	struct fs *fs = arg;

	need(len > 0 && len < CAMERA_EVENT_LINE_MAX);
	need(memchr(line, '\n', len) == NULL && memchr(line, '\r', len) == NULL);
	need(timestamped(line, len));
	need(nshadow < SHADOW_MAX);
	memcpy(shadow[nshadow], line, len);
	shadow[nshadow][len] = '\0';
	nshadow++;
	fs_events_post(fs, line, len);
}

static void reader_open(struct fs *fs, struct reader *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_lock(&fs->lock);
	r->ev.cursor = fs->events.next_seq;
	pthread_mutex_unlock(&fs->lock);
	r->expect = nshadow;
}

/* One whole line the reader got: the next posted one, or the note of
 * exactly how many it missed. */
static void reader_line(struct reader *r, const char *s, size_t len)
{
	unsigned long long missed;
	char tail[16];

	if (timestamped(s, len) &&
	    sscanf(s + ISO_LEN, " dropped %llu events (this reader fell %15s",
		   &missed, tail) == 2) {
		need(missed > 0 && r->expect + missed <= nshadow);
		r->expect += missed;
		return;
	}
	need(r->expect < nshadow);
	need(strlen(shadow[r->expect]) == len &&
	     memcmp(shadow[r->expect], s, len) == 0);
	r->expect++;
}

static void reader_take(struct fs *fs, struct reader *r, size_t cap)
{
	char out[TAKE_MAX];
	size_t n;

	if (cap > sizeof(out))
		cap = sizeof(out);
	pthread_mutex_lock(&fs->lock);
	n = fs_events_take_locked(fs, &r->ev, out, cap);
	pthread_mutex_unlock(&fs->lock);
	need(n <= cap);
	for (size_t i = 0; i < n; i++) {
		if (out[i] == '\n') {
			r->pending[r->npending] = '\0';
			reader_line(r, r->pending, r->npending);
			r->npending = 0;
			continue;
		}
		need(r->npending < sizeof(r->pending) - 1);
		r->pending[r->npending++] = out[i];
	}
}

/* Everything the reader has not taken yet; it ends on a line boundary,
 * having seen every line posted. */
static void reader_drain(struct fs *fs, struct reader *r)
{
	for (unsigned i = 0; i < 4 * SHADOW_MAX + 8; i++) {
		bool more;

		pthread_mutex_lock(&fs->lock);
		more = fs_events_ready_locked(fs, &r->ev);
		pthread_mutex_unlock(&fs->lock);
		if (!more)
			break;
		reader_take(fs, r, 1 + i % TAKE_MAX);
	}
	need(r->npending == 0 && r->expect == nshadow);
}

static void check_text(const struct buf *b, bool one_line)
{
	need(buf_status(b) == 0);
	need(memchr(b->data, '\0', b->len) == NULL);
	if (one_line) {
		need(b->len > 0 && b->data[b->len - 1] == '\n');
		need(memchr(b->data, '\n', b->len) == b->data + b->len - 1);
	}
}

/* What control/NAME and NAME.choices would show now. */
static void read_controls(struct camera *cam)
{
	size_t n;
	const struct sony_control *c = sony_controls(&n);
	struct buf b;

	for (size_t i = 0; i < n; i++) {
		buf_init(&b, TEXT_LIMIT);
		if (camera_control_read(cam, c[i].code, &b) == 0)
			check_text(&b, true);
		buf_reset(&b);
		if (camera_control_choices(cam, c[i].code, &b) == 0)
			check_text(&b, false);
		buf_finish(&b);
	}
}

static void walk(const struct sony_control *c, const struct ptp_prop_desc *d,
		 bool by_steps, const struct ptp_value *v, struct rd *r)
{
	struct ptp_prop_desc dial = *d;
	struct camera_walk w;
	struct rd moves;
	size_t len = rd_u8(r);
	const uint8_t *b = rd_bytes(r, len);

	if (!b)
		return;
	rd_init(&moves, b, len);
	dial.current.str = NULL;
	camera_walk_begin(&w, c, by_steps, v, now_ns);
	for (unsigned i = 0; i < WALK_ITER_MAX; i++) {
		enum camera_walk_action a = camera_walk_next(&w, &dial, now_ns);

		need(w.steps <= CAMERA_WALK_STEPS_MAX);
		switch (a) {
		case CAMERA_WALK_DONE:
			need(sony_value_cmp(c, &dial, &dial.current, &w.wanted) == 0);
			return;
		case CAMERA_WALK_FAIL:
			need(w.fail_code < 0 && w.why[0] != '\0');
			return;
		case CAMERA_WALK_WAIT:
			if (rd_left(&moves) > 0)
				now_ns += (uint64_t)rd_u8(&moves) * 20 * NS_PER_MS;
			else
				now_ns += (CAMERA_WALK_STEP_MS + 1) * NS_PER_MS;
			break;
		case CAMERA_WALK_SEND_VALUE:
		case CAMERA_WALK_STEP_UP:
		case CAMERA_WALK_STEP_DOWN:
			/* sent; the camera's value moves as the input says */
			camera_walk_sent(&w, now_ns);
			if (rd_left(&moves) >= 4)
				sony_value_set(&dial.current, d->type,
					       (int32_t)rd_u32le(&moves));
			break;
		}
	}
	need(false); /* a walk that never ends */
}

static void user_write(struct camera *cam, struct rd *r)
{
	size_t n;
	const struct sony_control *cs = sony_controls(&n);
	const struct sony_control *c = &cs[rd_u8(r) % n];
	uint8_t flags = rd_u8(r);
	size_t len = rd_u8(r);
	const char *text = (const char *)rd_bytes(r, len);
	const struct ptp_prop_desc *d;
	struct ptp_value v = { 0 };

	if (!text || !cam->props.cur)
		return;
	d = sony_props_find(&cam->props.cur->t, c->code);
	if (!d || ptp_dtc_size(d->type) == 0)
		return;
	if (sony_value_parse(c, d->type, text, len, &v) < 0)
		return;
	if (sony_value_allowed(c, d, &v))
		walk(c, d, flags & 1, &v, r);
}

static void props(struct camera *cam, struct rd *r)
{
	size_t len = rd_u16le(r);
	const uint8_t *blob = rd_bytes(r, len);
	struct sony_prop_table t;

	if (!blob || sony_props_parse(blob, len, SONY_PROTOCOL_200, &t) < 0)
		return;
	now_ns += 200 * NS_PER_MS;
	camera_props_absorb(cam, &t);
	read_controls(cam);
}

static void event(struct camera *cam, struct rd *r)
{
	size_t len = rd_u8(r);
	const uint8_t *b = rd_bytes(r, len);
	struct ptp_event ev;

	if (b && ptp_event_decode(b, len, &ev) == 0)
		camera_event_handle(cam, &ev);
}

static void set_connected(struct camera *cam, bool on)
{
	pthread_mutex_lock(&cam->lock);
	cam->status.connected = on;
	pthread_mutex_unlock(&cam->lock);
	if (!on)
		camera_props_drop(cam, ALPHAFS_ERR_NO_DEVICE, true);
	read_controls(cam);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_store *st = frame_store_create();
	struct fs_config cfg = { .store = st };
	struct fs *fs = st ? fs_create(&cfg) : NULL;
	struct camera *cam = mem_calloc(1, sizeof(*cam));
	static struct reader along, behind;
	struct rd r;

	if (!fs || !cam || pthread_mutex_init(&cam->lock, NULL) != 0)
		__builtin_trap(); /* out of memory: not what is fuzzed */
	nshadow = 0;
	now_ns = 0;
	cam->status.connected = true;
	cam->info.sony_protocol = SONY_PROTOCOL_200;
	camera_set_event_sink(cam, &(struct camera_event_sink){ sink, fs });
	reader_open(fs, &along);
	reader_open(fs, &behind);
	rd_init(&r, data, size);
	/* Each record posts at most one line per property: stop while the
	 * shadow still has room for a whole table's worth. */
	while (rd_left(&r) > 0 && rd_ok(&r) &&
	       nshadow + SONY_PROPS_MAX + 2 < SHADOW_MAX) {
		switch (rd_u8(&r) % T_COUNT) {
		case T_EVENT:
			event(cam, &r);
			break;
		case T_PROPS:
			props(cam, &r);
			break;
		case T_WRITE:
			user_write(cam, &r);
			break;
		case T_TAKE:
			reader_take(fs, &along, 1u + rd_u8(&r));
			break;
		case T_UNPLUG:
			set_connected(cam, false);
			break;
		default:
			set_connected(cam, true);
			break;
		}
	}
	reader_drain(fs, &along);
	reader_drain(fs, &behind);
	camera_props_finish(cam);
	pthread_mutex_destroy(&cam->lock);
	mem_free(cam);
	fs_destroy(fs);
	frame_store_destroy(st);
	return 0;
}
