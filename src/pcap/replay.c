/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a replay keeps of a capture (replay_internal.h): the camera's
 * recorded answers to the host's commands (identity, handshake, property
 * blobs, stills: the first whole answer to each operation and parameters,
 * an OK one preferred), every whole live-view dataset answered OK in
 * capture order with its time, and the events. Data phases the capture
 * cut are never kept: a replay only plays bytes the camera really sent.
 */
#include <stdio.h>
#include <string.h>

#include "pcap/replay_internal.h"
#include "sony/sony.h"

/* Largest single recorded answer kept (a RAW still is ~25 MB). */
#define ANSWER_DATA_MAX (32u * 1024 * 1024)

struct loader {
	struct capture_replay *rp;
	struct capture_reasm *r;
	int err; /* the first failure while keeping */
};

static bool same_call(const struct replay_answer *a, const struct ptp_params *c)
{
	return a->cmd.code == c->code && a->cmd.nparams == c->nparams &&
	       memcmp(a->cmd.params, c->params,
		      c->nparams * sizeof(c->params[0])) == 0;
}

static int copy_data(const struct capture_txn *t, uint8_t **out)
{
	*out = NULL;
	if (!t->has_data || !t->data_in || t->data_len == 0)
		return 0;
	*out = mem_alloc(t->data_len);
	if (!*out)
		return ALPHAFS_ERR_NOMEM;
	memcpy(*out, t->data, t->data_len);
	return 0;
}

static int keep_frame(struct capture_replay *rp, const struct capture_txn *t)
{
	struct replay_frame *f;

	if (t->data_len > CAPTURE_REPLAY_BYTES_MAX - rp->bytes)
		return ALPHAFS_ERR_TOO_BIG;
	if (rp->nframes == rp->frames_cap) {
		size_t cap = rp->frames_cap ? 2 * rp->frames_cap : 256;

		f = mem_realloc(rp->frames, cap * sizeof(*f));
		if (!f)
			return ALPHAFS_ERR_NOMEM;
		rp->frames = f;
		rp->frames_cap = cap;
	}
	f = &rp->frames[rp->nframes];
	f->ts_ns = t->ts_data_ns;
	f->len = t->data_len;
	if (copy_data(t, &f->data) < 0)
		return ALPHAFS_ERR_NOMEM;
	rp->bytes += f->len;
	rp->nframes++;
	return 0;
}

static int keep_answer(struct capture_replay *rp, const struct capture_txn *t)
{
	struct replay_answer *a = NULL;
	bool ok = t->resp.code == PTP_RC_OK;

	if (t->data_len > ANSWER_DATA_MAX ||
	    t->data_len > CAPTURE_REPLAY_BYTES_MAX - rp->bytes)
		return 0; /* too big to replay: made up or refused instead */
	for (size_t i = 0; i < rp->nanswers && !a; i++)
		if (same_call(&rp->answers[i], &t->cmd))
			a = &rp->answers[i];
	if (a && (a->resp.code == PTP_RC_OK || !ok))
		return 0; /* the first answer stays, unless an OK one comes */
	if (!a) {
		if (rp->nanswers == CAPTURE_REPLAY_ANSWERS_MAX)
			return 0;
		a = &rp->answers[rp->nanswers++];
	} else {
		rp->bytes -= a->len;
		mem_free(a->data);
	}
	memset(a, 0, sizeof(*a));
	a->cmd = t->cmd;
	a->resp = t->resp;
	a->has_data = t->has_data && t->data_in;
	a->len = a->has_data ? t->data_len : 0;
	if (copy_data(t, &a->data) < 0) {
		a->has_data = false;
		a->len = 0;
		return ALPHAFS_ERR_NOMEM;
	}
	rp->bytes += a->len;
	return 0;
}

static void handle_txn(const struct capture_txn *t, void *arg)
{
	struct loader *L = arg;
	bool whole = !t->has_data || !t->data_cut;
	int rc = 0;

	if (L->err < 0 || !t->has_resp || !whole)
		return;
	if (t->cmd.code == PTP_OC_GET_OBJECT && t->cmd.nparams >= 1 &&
	    t->cmd.params[0] == SONY_HANDLE_LIVEVIEW) {
		if (t->resp.code == PTP_RC_OK && t->has_data && t->data_in)
			rc = keep_frame(L->rp, t);
	} else if (t->cmd.code != PTP_OC_OPEN_SESSION &&
		   t->cmd.code != PTP_OC_CLOSE_SESSION) {
		rc = keep_answer(L->rp, t);
	}
	if (rc < 0)
		L->err = rc;
}

static void handle_event(const struct ptp_params *ev, uint64_t ts_ns, void *arg)
{
	struct loader *L = arg;
	struct capture_replay *rp = L->rp;

	if (rp->nevents == REPLAY_EVENTS_MAX)
		return;
	rp->events[rp->nevents].ts_ns = ts_ns;
	rp->events[rp->nevents++].ev = *ev;
}

static int feed(const struct capture_usb_event *ev, void *arg)
{
	struct loader *L = arg;

	if (L->err < 0)
		return L->err;
	return capture_reasm_feed(L->r, ev);
}

static void name_from(struct capture_replay *rp, const char *path)
{
	const char *base = strrchr(path, '/');

	snprintf(rp->name, sizeof(rp->name), "replay:%s", base ? base + 1 : path);
}

static void identity(struct capture_replay *rp, const struct capture_reasm *r)
{
	const struct capture_device *d;
	size_t n;

	rp->vid = SONY_USB_VENDOR;
	rp->pid = SONY_PID_ILCE6300_CONTROL;
	d = capture_reasm_devices(r, &n);
	for (size_t i = 0; i < n; i++) {
		if (d[i].followed && d[i].have_ids) {
			rp->vid = d[i].vid;
			rp->pid = d[i].pid;
		}
	}
}

int capture_replay_load(const char *path, uint16_t bus, uint16_t dev,
			struct capture_replay **out, struct err_detail *err)
{
	struct capture_replay *rp = mem_calloc(1, sizeof(*rp));
	struct loader L = { .rp = rp };
	struct capture_reasm_handlers h = { .txn = handle_txn,
					    .event = handle_event, .arg = &L };
	struct capture_read_info info;
	struct capture_reasm *r;
	int rc;

	*out = NULL;
	if (!rp)
		return err_set(err, ALPHAFS_ERR_NOMEM, "loading %s", path);
	r = capture_reasm_create(&h, bus, dev);
	if (!r) {
		capture_replay_destroy(rp);
		return err_set(err, ALPHAFS_ERR_NOMEM, "loading %s", path);
	}
	name_from(rp, path);
	L.r = r;
	rc = capture_read_file(path, feed, &L, &info, err);
	capture_reasm_end(r);
	identity(rp, r);
	capture_reasm_destroy(r);
	if (rc == 0 && L.err < 0)
		rc = err_set(err, L.err, "%s: %s (live view kept: %zu bytes)",
			     path, alphafs_strerror(L.err), rp->bytes);
	if (rc == 0 && rp->nframes == 0)
		rc = err_set(err, ALPHAFS_ERR_NOT_FOUND,
			     "%s: no whole live-view frame in the capture (alphafs-extract says why)",
			     path);
	if (rc < 0) {
		capture_replay_destroy(rp);
		return rc;
	}
	*out = rp;
	return 0;
}

void capture_replay_destroy(struct capture_replay *rp)
{
	if (!rp)
		return;
	for (size_t i = 0; i < rp->nframes; i++)
		mem_free(rp->frames[i].data);
	for (size_t i = 0; i < rp->nanswers; i++)
		mem_free(rp->answers[i].data);
	mem_free(rp->frames);
	mem_free(rp);
}

size_t capture_replay_frames(const struct capture_replay *rp)
{
	return rp->nframes;
}

const struct replay_answer *replay_find(const struct capture_replay *rp,
					const struct ptp_params *cmd)
{
	const struct replay_answer *same_op = NULL;

	for (size_t i = 0; i < rp->nanswers; i++) {
		if (same_call(&rp->answers[i], cmd))
			return &rp->answers[i];
		if (!same_op && rp->answers[i].cmd.code == cmd->code)
			same_op = &rp->answers[i];
	}
	return same_op;
}
