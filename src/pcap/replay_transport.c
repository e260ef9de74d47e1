/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The replay transport: a struct ptp_transport whose device side is a
 * capture, so the whole host stack (engine, handshake, live-view loop,
 * frame store, filesystem) runs unchanged against it.
 *
 * Bulk OUT: containers reassembled by their length (dossier §1.4). A
 * command is answered when the host reads, so a data phase it sends after
 * the command has arrived by then. Answers:
 *   - GetObject(0xFFFFC002): the next recorded live-view dataset, byte for
 *     byte, with OK; AccessDenied (the camera's "no new frame yet",
 *     dossier §4.2) while the next one is not due: in realtime mode until
 *     the capture's own interval has passed, otherwise until the gate says
 *     a reader took the last frame; after the last frame, the first again
 *     (loop) or AccessDenied for good (a camera that stopped sending);
 *   - OpenSession, CloseSession: OK;
 *   - anything else: the recorded answer (same parameters, else the same
 *     operation); when the capture has none, identity and handshake
 *     answers are made up (a Sony body, protocol 2.00, no extra codes) so
 *     a capture begun mid-stream still plays; SetControlDevice A/B answer
 *     OK; other operations OperationNotSupported.
 * Bulk IN: each container is one transfer of 512-byte packets ending with
 * a short packet, or with a ZLP of its own when it fills the read exactly
 * (the USB rules the emulated camera follows too). Interrupt IN: the
 * capture's events, each once its frame has been played. EP0: Get Device
 * Status (OK), Device Reset and Cancel (pending data dropped).
 *
 * Thread context: the thread that owns the PTP session, as any transport.
 */
#include <stdio.h>
#include <string.h>

#include "pcap/replay_internal.h"
#include "sony/sony.h"

#define MAX_PACKET 512
/* Host-to-device bytes buffered (commands, small control data phases). */
#define OUT_MAX (64u * 1024)
#define IN_QUEUE 4
#define EVENT_QUEUE 16
#define NS_PER_MS 1000000ull
/* Pause before a looped capture starts again when it has one frame. */
#define LOOP_GAP_NS (33ull * NS_PER_MS)
#define DEVICE_STATUS_LEN 4
#define SDIO_DATA_LEN 8
#define REPLAY_MODEL "capture replay"

struct in_item {
	uint8_t *buf; /* owned */
	size_t len, off;
};

struct replay_t {
	struct ptp_transport base; /* first: the engine casts back */
	struct capture_replay *rp; /* shared, not owned */
	struct capture_replay_options opt;
	uint8_t out[OUT_MAX];
	size_t out_len;
	bool have_cmd; /* a command waits for its answer */
	struct ptp_params cmd;
	const uint8_t *cmd_data; /* its OUT data phase, inside out[] */
	struct in_item q[IN_QUEUE];
	size_t qn;
	/* Live-view play state. */
	size_t next;	    /* frame to play next */
	uint64_t served;    /* frames played */
	uint64_t base_ns;   /* CLOCK_MONOTONIC of frame 0 in this loop */
	size_t next_event;
	struct ptp_params evq[EVENT_QUEUE];
	size_t evn;
};

static struct replay_t *rt_of(struct ptp_transport *t)
{
	return (struct replay_t *)t;
}

/* ---- the IN side ---------------------------------------------------------- */

static void drop_in(struct replay_t *r)
{
	for (size_t i = 0; i < r->qn; i++)
		mem_free(r->q[i].buf);
	r->qn = 0;
}

static int push_container(struct replay_t *r, uint16_t type, uint16_t code,
			  const uint32_t *params, unsigned nparams,
			  const uint8_t *data, size_t len)
{
	size_t total = PTP_HEADER_SIZE + (type == PTP_TYPE_DATA ? len : 4u * nparams);
	uint8_t *b;

	if (r->qn == IN_QUEUE || total > UINT32_MAX)
		return ALPHAFS_ERR_NOMEM;
	b = mem_alloc(total);
	if (!b)
		return ALPHAFS_ERR_NOMEM;
	ptp_header_encode(b, (uint32_t)total, type, code, r->cmd.tid);
	if (type == PTP_TYPE_DATA && len)
		memcpy(b + PTP_HEADER_SIZE, data, len);
	for (unsigned i = 0; type != PTP_TYPE_DATA && i < nparams; i++)
		put_u32le(b + PTP_HEADER_SIZE + 4 * i, params[i]);
	r->q[r->qn++] = (struct in_item){ .buf = b, .len = total };
	return 0;
}

static int respond(struct replay_t *r, uint16_t rc, const uint32_t *params,
		   unsigned nparams)
{
	return push_container(r, PTP_TYPE_RESPONSE, rc, params, nparams, NULL, 0);
}

static int respond_data(struct replay_t *r, const uint8_t *data, size_t len)
{
	int rc = push_container(r, PTP_TYPE_DATA, r->cmd.code, NULL, 0, data, len);

	return rc < 0 ? rc : respond(r, PTP_RC_OK, NULL, 0);
}

/* ---- made-up answers for a capture without them ---------------------------- */

static int made_up_device_info(struct replay_t *r)
{
	static const uint16_t ops[] = {
		PTP_OC_GET_DEVICE_INFO, PTP_OC_OPEN_SESSION, PTP_OC_CLOSE_SESSION,
		PTP_OC_GET_OBJECT_INFO, PTP_OC_GET_OBJECT, SONY_OC_SDIO_CONNECT,
		SONY_OC_GET_EXT_DEVICE_INFO, SONY_OC_SET_CONTROL_A,
		SONY_OC_SET_CONTROL_B, SONY_OC_GET_ALL_PROP_INFO,
	};
	static const uint16_t events[] = { SONY_EC_OBJECT_ADDED,
					   SONY_EC_OBJECT_REMOVED,
					   SONY_EC_PROP_CHANGED };
	static const uint16_t formats[] = { PTP_OFC_JPEG };
	struct ptp_device_info di = {
		.standard_version = 100,
		.vendor_ext_id = SONY_VENDOR_EXT_ID,
		.vendor_ext_version = 100,
		.operations = { (uint16_t *)ops, ARRAY_LEN(ops) },
		.events = { (uint16_t *)events, ARRAY_LEN(events) },
		.image_formats = { (uint16_t *)formats, ARRAY_LEN(formats) },
	};
	struct buf b;
	int rc;

	snprintf(di.vendor_ext_desc, sizeof(di.vendor_ext_desc), "Sony PTP Extensions");
	snprintf(di.manufacturer, sizeof(di.manufacturer), "Sony Corporation");
	snprintf(di.model, sizeof(di.model), REPLAY_MODEL);
	buf_init(&b, OUT_MAX);
	ptp_device_info_write(&b, &di);
	rc = buf_status(&b) ? buf_status(&b) : respond_data(r, b.data, b.len);
	buf_finish(&b);
	return rc;
}

static int made_up_ext_info(struct replay_t *r)
{
	struct sony_ext_info ei = { .version = SONY_PROTOCOL_200 };
	struct buf b;
	int rc;

	buf_init(&b, OUT_MAX);
	sony_ext_info_write(&b, &ei);
	rc = buf_status(&b) ? buf_status(&b) : respond_data(r, b.data, b.len);
	buf_finish(&b);
	return rc;
}

static int made_up(struct replay_t *r)
{
	static const uint8_t zeros[SDIO_DATA_LEN];

	switch (r->cmd.code) {
	case PTP_OC_GET_DEVICE_INFO:
		return made_up_device_info(r);
	case SONY_OC_GET_EXT_DEVICE_INFO:
		return made_up_ext_info(r);
	case SONY_OC_SDIO_CONNECT:
		return respond_data(r, zeros, sizeof(zeros));
	case SONY_OC_SET_CONTROL_A:
	case SONY_OC_SET_CONTROL_B:
		return respond(r, PTP_RC_OK, NULL, 0);
	default:
		return respond(r, PTP_RC_OPERATION_NOT_SUPPORTED, NULL, 0);
	}
}

/* ---- live view ---------------------------------------------------------------- */

static uint64_t capture_span(const struct capture_replay *rp)
{
	uint64_t span = rp->frames[rp->nframes - 1].ts_ns - rp->frames[0].ts_ns;

	/* One mean interval after the last frame before the first again. */
	return rp->nframes > 1 ? span + span / (rp->nframes - 1) : LOOP_GAP_NS;
}

/* Events recorded up to the frame being played join the queue. */
static void release_events(struct replay_t *r, uint64_t upto_ns)
{
	const struct capture_replay *rp = r->rp;

	while (r->next_event < rp->nevents &&
	       rp->events[r->next_event].ts_ns <= upto_ns) {
		if (r->evn < EVENT_QUEUE)
			r->evq[r->evn++] = rp->events[r->next_event].ev;
		r->next_event++;
	}
}

/* Is frame r->next due now? (Wraps to the first frame when looping.) */
static bool frame_due(struct replay_t *r, uint64_t now)
{
	const struct capture_replay *rp = r->rp;
	uint64_t due;

	if (r->next == rp->nframes) {
		if (!r->opt.loop)
			return false;
		r->next = 0;
		r->next_event = 0;
		r->base_ns += capture_span(rp);
	}
	if (r->served == 0) {
		r->base_ns = now;
		return true;
	}
	if (r->opt.realtime) {
		due = r->base_ns + (rp->frames[r->next].ts_ns - rp->frames[0].ts_ns);
		return now >= due;
	}
	return !r->opt.gate || r->opt.gate(r->opt.gate_arg);
}

static int live_view(struct replay_t *r)
{
	const struct replay_frame *f;

	if (!frame_due(r, clock_now_ns()))
		return respond(r, PTP_RC_ACCESS_DENIED, NULL, 0);
	f = &r->rp->frames[r->next++];
	r->served++;
	release_events(r, f->ts_ns);
	return respond_data(r, f->data, f->len);
}

/* ---- commands ------------------------------------------------------------------ */

static int answer(struct replay_t *r)
{
	const struct replay_answer *a;
	int rc;

	r->have_cmd = false;
	switch (r->cmd.code) {
	case PTP_OC_OPEN_SESSION:
	case PTP_OC_CLOSE_SESSION:
		return respond(r, PTP_RC_OK, NULL, 0);
	case PTP_OC_GET_OBJECT:
		if (r->cmd.nparams >= 1 && r->cmd.params[0] == SONY_HANDLE_LIVEVIEW)
			return live_view(r);
		break;
	default:
		break;
	}
	a = replay_find(r->rp, &r->cmd);
	if (!a)
		return made_up(r);
	if (a->has_data) {
		rc = push_container(r, PTP_TYPE_DATA, r->cmd.code, NULL, 0,
				    a->data, a->len);
		if (rc < 0)
			return rc;
	}
	return respond(r, a->resp.code, a->resp.params, a->resp.nparams);
}

/* Takes the whole containers at the start of out[]; keeps a partial one. */
static int take_out(struct replay_t *r)
{
	struct ptp_header h;
	struct ptp_params p;

	while (r->out_len >= PTP_HEADER_SIZE) {
		if (ptp_header_decode(r->out, r->out_len, &h) < 0 ||
		    h.length == PTP_LENGTH_UNKNOWN || h.length > OUT_MAX)
			return ALPHAFS_ERR_PIPE; /* a real body stalls OUT */
		if (h.length > r->out_len)
			return 0;
		if (h.type == PTP_TYPE_COMMAND &&
		    ptp_params_decode(r->out, h.length, &p) == 0) {
			r->cmd = p;
			r->have_cmd = true;
		} else if (h.type != PTP_TYPE_DATA || !r->have_cmd ||
			   h.tid != r->cmd.tid) {
			return ALPHAFS_ERR_PIPE;
		}
		/* A data phase is accepted and not interpreted. */
		memmove(r->out, r->out + h.length, r->out_len - h.length);
		r->out_len -= h.length;
	}
	return 0;
}

static int replay_bulk_out(struct ptp_transport *t, const uint8_t *buf,
			   size_t len, unsigned timeout_ms)
{
	struct replay_t *r = rt_of(t);
	int rc;

	(void)timeout_ms;
	if (len > OUT_MAX - r->out_len)
		return ALPHAFS_ERR_PIPE;
	memcpy(r->out + r->out_len, buf, len);
	r->out_len += len;
	rc = take_out(r);
	if (rc < 0)
		r->out_len = 0;
	return rc;
}

static int replay_bulk_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
			  size_t *got, unsigned timeout_ms)
{
	struct replay_t *r = rt_of(t);
	struct in_item *it;
	size_t n;
	int rc;

	(void)timeout_ms;
	*got = 0;
	if (r->qn == 0 && r->have_cmd && (rc = answer(r)) < 0)
		return rc;
	if (r->qn == 0)
		return ALPHAFS_ERR_TIMEOUT; /* nothing was asked: nothing comes */
	it = &r->q[0];
	n = it->len - it->off;
	if (n > cap) {
		n = cap - cap % MAX_PACKET;
		if (n == 0)
			return ALPHAFS_ERR_OVERFLOW;
	}
	memcpy(buf, it->buf + it->off, n);
	it->off += n;
	*got = n;
	if (it->off < it->len)
		return 0;
	/* A container ending on a full packet that filled the read exactly:
	 * its ZLP is the next transfer. */
	if (n == cap && it->len % MAX_PACKET == 0) {
		it->off = it->len = 0;
		return 0;
	}
	mem_free(it->buf);
	memmove(&r->q[0], &r->q[1], (r->qn - 1) * sizeof(r->q[0]));
	r->qn--;
	return 0;
}

static int replay_event_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
			   size_t *got, unsigned timeout_ms)
{
	struct replay_t *r = rt_of(t);
	const struct ptp_params *ev;
	struct ptp_params e;
	int n;

	(void)timeout_ms;
	*got = 0;
	if (r->evn == 0)
		return ALPHAFS_ERR_TIMEOUT;
	ev = &r->evq[0];
	e = *ev;
	e.type = PTP_TYPE_EVENT;
	n = ptp_params_encode(buf, cap, &e);
	memmove(&r->evq[0], &r->evq[1], (r->evn - 1) * sizeof(r->evq[0]));
	r->evn--;
	if (n < 0)
		return ALPHAFS_ERR_OVERFLOW;
	*got = (size_t)n;
	return 0;
}

static int replay_control(struct ptp_transport *t, uint8_t request_type,
			  uint8_t request, uint16_t value, uint8_t *data,
			  uint16_t len, size_t *got, unsigned timeout_ms)
{
	struct replay_t *r = rt_of(t);
	uint8_t status[DEVICE_STATUS_LEN] = { DEVICE_STATUS_LEN, 0 };

	(void)value;
	(void)timeout_ms;
	if (got)
		*got = 0;
	if (request_type == PTP_CLASS_TYPE_IN &&
	    request == PTP_CLASS_REQ_GET_DEVICE_STATUS) {
		put_u16le(status + 2, PTP_RC_OK);
		if (len < sizeof(status))
			return ALPHAFS_ERR_OVERFLOW;
		memcpy(data, status, sizeof(status));
		if (got)
			*got = sizeof(status);
		return 0;
	}
	if (request_type == PTP_CLASS_TYPE_OUT &&
	    (request == PTP_CLASS_REQ_DEVICE_RESET ||
	     request == PTP_CLASS_REQ_CANCEL)) {
		drop_in(r);
		r->out_len = 0;
		r->have_cmd = false;
		return 0;
	}
	return ALPHAFS_ERR_PIPE;
}

static int replay_clear_halt(struct ptp_transport *t, uint8_t ep)
{
	struct replay_t *r = rt_of(t);

	if (ep == PTP_EP_BULK_OUT)
		r->out_len = 0;
	return 0;
}

static void replay_destroy(struct ptp_transport *t)
{
	struct replay_t *r = rt_of(t);

	if (!r)
		return;
	drop_in(r);
	mem_free(r);
}

static const struct ptp_transport_ops replay_ops = {
	.bulk_out = replay_bulk_out,
	.bulk_in = replay_bulk_in,
	.event_in = replay_event_in,
	.control = replay_control,
	.clear_halt = replay_clear_halt,
	.destroy = replay_destroy,
};

struct ptp_transport *capture_replay_transport_create(
	struct capture_replay *rp, const struct capture_replay_options *opt)
{
	struct replay_t *r = mem_calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base.ops = &replay_ops;
	r->base.max_packet = MAX_PACKET;
	r->base.usb_vendor = rp->vid;
	r->base.usb_product = rp->pid;
	snprintf(r->base.name, sizeof(r->base.name), "%s", rp->name);
	r->rp = rp;
	if (opt)
		r->opt = *opt;
	return &r->base;
}

int capture_replay_open(void *arg, const char *serial, struct ptp_transport **out,
			struct err_detail *err)
{
	const struct capture_replay_opener *o = arg;

	(void)serial;
	*out = capture_replay_transport_create(o->rp, &o->opt);
	if (!*out)
		return err_set(err, ALPHAFS_ERR_NOMEM, "creating the replay transport");
	return 0;
}
