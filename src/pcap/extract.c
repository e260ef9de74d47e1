/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Transactions -> frames. A live-view frame is the JPEG of a GetObject
 * 0xFFFFC002 data phase (dossier §4.3), judged by the daemon's own rules
 * (sony_liveview_parse: offsets from the header, never a scan; SOI and EOI
 * by frame_jpeg_check). Any other GetObject data phase that starts with a
 * JPEG SOI is a still (a captured image, 0xFFFFC001). Whatever the capture
 * did to a data phase is judged first: a frame with a hole is never
 * handed on as whole, whatever its bytes look like.
 *
 * The summary also counts every operation, the live-view polls answered
 * without a frame, the events, and whether the Sony handshake is there
 * (SDIOConnect 1, 2, GetSDIOExtDeviceInfo, SDIOConnect 3; dossier §3.2).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pcap/capture.h"
#include "sony/sony.h"

#define JPEG_SOI_0 0xFF
#define JPEG_SOI_1 0xD8

struct capture_extract {
	capture_frame_fn *fn;
	void *arg;
	unsigned live_index, still_index;
	struct capture_summary sum;
};

static const char *const drop_names[] = {
#define CAPTURE_DROP_NAME(id, name, text) name,
	CAPTURE_DROP_REASONS(CAPTURE_DROP_NAME)
#undef CAPTURE_DROP_NAME
};
static const char *const drop_texts[] = {
#define CAPTURE_DROP_TEXT(id, name, text) text,
	CAPTURE_DROP_REASONS(CAPTURE_DROP_TEXT)
#undef CAPTURE_DROP_TEXT
};

const char *capture_drop_name(enum capture_drop d)
{
	return (unsigned)d < CAPTURE_DROP_COUNT ? drop_names[d] : "?";
}

const char *capture_drop_text(enum capture_drop d)
{
	return (unsigned)d < CAPTURE_DROP_COUNT ? drop_texts[d] : "?";
}

struct capture_extract *capture_extract_create(capture_frame_fn *fn, void *arg)
{
	struct capture_extract *x = mem_calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->fn = fn;
	x->arg = arg;
	return x;
}

void capture_extract_destroy(struct capture_extract *x)
{
	mem_free(x);
}

const struct capture_summary *capture_extract_summary(const struct capture_extract *x)
{
	return &x->sum;
}

bool capture_summary_handshake(const struct capture_summary *s)
{
	return s->sdio_phase[1] && s->sdio_phase[2] && s->sdio_phase[3] &&
	       s->ext_info;
}

void capture_extract_note_ts(struct capture_extract *x, uint64_t ts_ns)
{
	if (!x->sum.first_ts_ns || ts_ns < x->sum.first_ts_ns)
		x->sum.first_ts_ns = ts_ns;
	if (ts_ns > x->sum.last_ts_ns)
		x->sum.last_ts_ns = ts_ns;
}

/* What the capture did to the data phase, if anything; -1 when intact. */
static int judge_transfer(const struct capture_txn *t, char *detail, size_t cap)
{
	if (t->data_cut & CAPTURE_CUT_CAPTURE) {
		if (t->data_cut & CAPTURE_CUT_LOST)
			snprintf(detail, cap,
				 "container header not captured; %zu bytes on the wire",
				 t->data_len);
		else
			snprintf(detail, cap,
				 "a record kept %" PRIu32 " of %" PRIu32 " bytes (data phase of %" PRIu32 ")",
				 t->cut_cap, t->cut_len, t->data_announced);
		return CAPTURE_DROP_CAPTURE_CUT;
	}
	if (t->data_cut & CAPTURE_CUT_MISSING) {
		snprintf(detail, cap, "%zu of %" PRIu32 " bytes in %u transfers, then the response",
			 t->data_len, t->data_announced, t->data_transfers);
		return CAPTURE_DROP_MISSING;
	}
	if (t->data_cut & CAPTURE_CUT_SHORT) {
		snprintf(detail, cap, "%zu of %" PRIu32 " bytes, ended by a short packet",
			 t->data_len, t->data_announced);
		return CAPTURE_DROP_SHORT;
	}
	if (t->data_cut & CAPTURE_CUT_UNFINISHED) {
		snprintf(detail, cap, "%zu of %" PRIu32 " bytes when the capture ended",
			 t->data_len, t->data_announced);
		return CAPTURE_DROP_UNFINISHED;
	}
	return -1;
}

int capture_liveview_judge(const struct capture_txn *t, const uint8_t **jpeg,
			size_t *len, char *detail, size_t cap)
{
	struct sony_liveview lv;
	int why = -1, drop;

	detail[0] = '\0';
	*jpeg = NULL;
	*len = 0;
	if (!t->has_data) {
		snprintf(detail, cap, "no data container before the response");
		return CAPTURE_DROP_NO_DATA;
	}
	drop = judge_transfer(t, detail, cap);
	if (drop >= 0)
		return drop;
	if (sony_liveview_parse(t->data, t->data_len, &lv, &why) < 0) {
		snprintf(detail, cap, "%s (JPEG at %" PRIu32 ", %" PRIu32 " bytes, dataset %zu)",
			 frame_reject_text((enum frame_reject)why),
			 lv.image_offset, lv.image_size, t->data_len);
		return why == FRAME_REJECT_NO_EOI ? CAPTURE_DROP_NO_EOI
						  : CAPTURE_DROP_DATASET;
	}
	*jpeg = lv.jpeg;
	*len = lv.jpeg_len;
	return -1;
}

static void count_op(struct capture_summary *s, uint16_t code)
{
	for (size_t i = 0; i < s->nops; i++) {
		if (s->ops[i].code == code) {
			s->ops[i].n++;
			return;
		}
	}
	if (s->nops == CAPTURE_OPS_MAX) {
		s->ops_other++;
		return;
	}
	s->ops[s->nops].code = code;
	s->ops[s->nops++].n = 1;
}

/* The handshake, in order: each step needs the ones before it. */
static void note_handshake(struct capture_summary *s, const struct capture_txn *t)
{
	bool ok = t->has_resp && t->resp.code == PTP_RC_OK;
	struct sony_ext_info ei;

	if (!ok)
		return;
	if (t->cmd.code == SONY_OC_SDIO_CONNECT && t->cmd.nparams >= 1) {
		uint32_t phase = t->cmd.params[0];

		if (phase == 1 || (phase == 2 && s->sdio_phase[1]) ||
		    (phase == 3 && s->ext_info))
			s->sdio_phase[phase] = true;
		return;
	}
	if (t->cmd.code == SONY_OC_GET_EXT_DEVICE_INFO && s->sdio_phase[2] &&
	    t->has_data && !t->data_cut &&
	    sony_ext_info_parse(t->data, t->data_len, &ei) == 0) {
		s->ext_info = true;
		s->sony_protocol = ei.version;
		sony_ext_info_finish(&ei);
	}
}

static void deliver(struct capture_extract *x, struct capture_frame *f)
{
	struct capture_summary *s = &x->sum;

	if (f->drop >= 0) {
		s->dropped[f->drop]++;
		s->dropped_total++;
	} else {
		if (f->kind == CAPTURE_FRAME_LIVE)
			s->live_frames++;
		else
			s->stills++;
		s->bytes += f->len;
		if (!s->min_len || f->len < s->min_len)
			s->min_len = f->len;
		if (f->len > s->max_len)
			s->max_len = f->len;
	}
	if (x->fn)
		x->fn(f, x->arg);
}

static void live_view(struct capture_extract *x, const struct capture_txn *t)
{
	struct capture_frame f = { .kind = CAPTURE_FRAME_LIVE, .tid = t->cmd.tid };
	bool answered_ok = t->has_resp && t->resp.code == PTP_RC_OK;

	/* A non-OK answer is "no frame" (AccessDenied is the camera's flow
	 * control, dossier §4.2): whatever data came is not a frame. */
	if (t->has_resp && !answered_ok) {
		x->sum.polls_denied++;
		return;
	}
	/* No response: the capture ended or lost it; judge the data alone. */
	if (!t->has_data && !t->has_resp)
		return;
	f.index = ++x->live_index;
	f.ts_ns = t->has_data ? t->ts_data_ns : t->ts_resp_ns;
	f.drop = capture_liveview_judge(t, &f.jpeg, &f.len, f.detail,
				     sizeof(f.detail));
	deliver(x, &f);
}

/* Any other object: a still when its data is a JPEG. */
static void object(struct capture_extract *x, const struct capture_txn *t)
{
	struct capture_frame f = { .kind = CAPTURE_FRAME_STILL, .tid = t->cmd.tid };
	int why;

	if (!t->has_data || !t->data_in ||
	    (t->has_resp && t->resp.code != PTP_RC_OK))
		return;
	/* Only what starts as a JPEG is a JPEG object (a cut one too). */
	if (t->data_kept < 2 || t->data[0] != JPEG_SOI_0 ||
	    t->data[1] != JPEG_SOI_1)
		return;
	f.index = ++x->still_index;
	f.ts_ns = t->ts_data_ns;
	f.drop = judge_transfer(t, f.detail, sizeof(f.detail));
	if (f.drop < 0) {
		why = frame_jpeg_check(t->data, t->data_len);
		if (why >= 0 && why != FRAME_REJECT_TOO_BIG) {
			f.drop = why == FRAME_REJECT_NO_EOI ? CAPTURE_DROP_NO_EOI
							    : CAPTURE_DROP_DATASET;
			snprintf(f.detail, sizeof(f.detail), "%s",
				 frame_reject_text((enum frame_reject)why));
		} else {
			f.jpeg = t->data;
			f.len = t->data_len;
		}
	}
	deliver(x, &f);
}

void capture_extract_txn(struct capture_extract *x, const struct capture_txn *t)
{
	count_op(&x->sum, t->cmd.code);
	capture_extract_note_ts(x, t->ts_cmd_ns);
	note_handshake(&x->sum, t);
	if (t->cmd.code != PTP_OC_GET_OBJECT || t->cmd.nparams < 1)
		return;
	if (t->cmd.params[0] == SONY_HANDLE_LIVEVIEW)
		live_view(x, t);
	else
		object(x, t);
}

static void handle_txn(const struct capture_txn *t, void *arg)
{
	capture_extract_txn(arg, t);
}

static void handle_event(const struct ptp_params *ev, uint64_t ts_ns, void *arg)
{
	struct capture_extract *x = arg;

	(void)ev;
	(void)ts_ns;
	x->sum.events++;
}

void capture_extract_handlers(struct capture_extract *x, struct capture_reasm_handlers *h)
{
	h->txn = handle_txn;
	h->event = handle_event;
	h->arg = x;
}
