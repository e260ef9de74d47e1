/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The PTP responder of the emulated a6300 (dossier §8.2): sessions, the
 * standard operations a PC Remote body answers, the Sony SDIO handshake,
 * properties and controls, captured images and live view, with the faults
 * of struct emu_faults applied on the way out. Runs with cam->lock held.
 *
 * Each answer is queued as IN transfers: the data container (if any) and
 * then the response container as a separate transfer (dossier §1.4).
 */
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"

#define SDIO_REPLY_LEN 8	/* SDIOConnect data: 8 zero bytes (§3.2) */
#define SDIO_PHASE_MAX 3
#define SDIO_NEED_BEFORE_3 ((1u << 1) | (1u << 2))
#define NS_PER_MS 1000000ull
#define CONTAINER_MAX (PTP_DATA_MAX)

/* ---- queuing ---------------------------------------------------------- */

void emu_tx_begin(struct buf *c)
{
	buf_init(c, CONTAINER_MAX);
	buf_grow(c, PTP_HEADER_SIZE);
}

/* Finishes c as tx's data container and queues it as one transfer. */
struct emu_xfer *emu_tx_queue_data(struct emu_tx *t, struct buf *c)
{
	size_t len;
	uint8_t *bytes;

	if (buf_status(c)) {
		log_warn(EMU, "0x%04X: data phase lost (%s)", t->cmd->code,
			 alphafs_strerror(buf_status(c)));
		buf_finish(c);
		return NULL;
	}
	ptp_header_encode(c->data, (uint32_t)c->len, PTP_TYPE_DATA,
			  t->cmd->code, t->cmd->tid);
	bytes = buf_steal(c, &len);
	return emu_inq_push(&t->cam->inq, bytes, len, t->ready, t->cmd->tid);
}

void emu_tx_send(struct emu_tx *t, const void *p, size_t n)
{
	struct buf c;

	emu_tx_begin(&c);
	buf_put(&c, p, n);
	emu_tx_queue_data(t, &c);
}

static void respond_n(struct emu_tx *t, uint16_t rc, unsigned n, uint32_t p1)
{
	struct ptp_params r = { .type = PTP_TYPE_RESPONSE, .code = rc,
				.tid = t->cmd->tid, .nparams = n };
	uint8_t *bytes = mem_alloc(PTP_HEADER_SIZE + 4 * PTP_MAX_PARAMS);
	int len;

	r.params[0] = p1;
	if (!bytes)
		return;
	len = ptp_params_encode(bytes, PTP_HEADER_SIZE + 4 * PTP_MAX_PARAMS, &r);
	emu_inq_push(&t->cam->inq, bytes, (size_t)len, t->ready, t->cmd->tid);
}

void emu_tx_respond(struct emu_tx *t, uint16_t rc)
{
	respond_n(t, rc, 0, 0);
}

void emu_tx_respond_param(struct emu_tx *t, uint16_t rc, uint32_t p1)
{
	respond_n(t, rc, 1, p1);
}

/* ---- sessions and standard operations ------------------------------- */

static void op_get_device_info(struct emu_tx *t)
{
	struct buf c;

	emu_tx_begin(&c);
	emu_model_device_info(&c, &t->cam->cfg);
	emu_tx_queue_data(t, &c);
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_open_session(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	uint32_t id = t->cmd->params[0];

	if (id == 0) {
		emu_tx_respond(t, PTP_RC_INVALID_PARAMETER);
		return;
	}
	if (cam->session_id) {
		respond_n(t, PTP_RC_SESSION_ALREADY_OPEN, 1, cam->session_id);
		return;
	}
	cam->session_id = id;
	cam->sdio_seen = 0;
	cam->liveview_ready = false;
	cam->stats.sessions_opened++;
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_close_session(struct emu_tx *t)
{
	emu_camera_close_session(t->cam);
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_get_storage_ids(struct emu_tx *t)
{
	static const uint8_t empty[4] = { 0 }; /* AUINT32, no storage */

	emu_tx_send(t, empty, sizeof(empty));
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_no_storage(struct emu_tx *t)
{
	emu_tx_respond(t, PTP_RC_INVALID_STORAGE_ID);
}

static void send_object_info(struct emu_tx *t, size_t size, const char *name)
{
	struct ptp_object_info oi = { 0 };
	struct buf c;

	oi.format = PTP_OFC_JPEG;
	oi.compressed_size = (uint32_t)size;
	oi.width = t->cam->cfg.width;
	oi.height = t->cam->cfg.height;
	snprintf(oi.filename, sizeof(oi.filename), "%s", name);
	emu_tx_begin(&c);
	ptp_object_info_write(&c, &oi);
	emu_tx_queue_data(t, &c);
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_get_object_info(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	uint32_t h = t->cmd->params[0];

	/* Real content unverified; libgphoto2 ignores it (lgp#128). */
	if (h == SONY_HANDLE_LIVEVIEW &&
	    emu_liveview_status(cam, t->now) == EMU_LV_STATUS_ON)
		send_object_info(t, cam->last_dataset_len, "");
	else if (!(h == SONY_HANDLE_CAPTURED && emu_still_object_info(t)))
		emu_tx_respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
}

void emu_camera_prop_set(struct emu_camera *cam, uint16_t code, int64_t v,
			 bool notify)
{
	struct ptp_prop_desc *d = emu_model_prop(&cam->props, code);

	if (!d)
		return;
	if (ptp_dtc_signed(d->type))
		d->current.i = v;
	else
		d->current.u = (uint64_t)v;
	if (notify)
		emu_camera_queue_event(cam, SONY_EC_PROP_CHANGED, code);
}

static void op_get_thumb(struct emu_tx *t)
{
	bool held = t->cmd->params[0] == SONY_HANDLE_CAPTURED &&
		    emu_still_waiting(t->cam);

	emu_tx_respond(t, held ? PTP_RC_NO_THUMBNAIL_PRESENT
			: PTP_RC_INVALID_OBJECT_HANDLE);
}

static void op_get_partial_object(struct emu_tx *t)
{
	if (t->cmd->params[0] != SONY_HANDLE_CAPTURED ||
	    !emu_still_get_partial(t, t->cmd->params[1], t->cmd->params[2]))
		emu_tx_respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
}

static void op_get_object(struct emu_tx *t)
{
	uint32_t h = t->cmd->params[0];

	if (h == SONY_HANDLE_LIVEVIEW)
		emu_liveview_poll(t);
	else if (!(h == SONY_HANDLE_CAPTURED && emu_still_get_object(t)))
		emu_tx_respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
}

/* ---- Sony handshake and properties ---------------------------------- */

static void op_sdio_connect(struct emu_tx *t)
{
	static const uint8_t zeros[SDIO_REPLY_LEN] = { 0 };
	struct emu_camera *cam = t->cam;
	uint32_t phase = t->cmd->params[0];

	if (phase < 1 || phase > SDIO_PHASE_MAX) {
		emu_tx_respond(t, PTP_RC_INVALID_PARAMETER);
		return;
	}
	/* Any order and any repetition within the session (dossier §3.2:
	 * gphoto2 --summary runs the whole handshake twice). */
	cam->sdio_seen |= 1u << phase;
	if (phase == SDIO_PHASE_MAX &&
	    (cam->sdio_seen & SDIO_NEED_BEFORE_3) == SDIO_NEED_BEFORE_3) {
		/* Live view starts warming up at the first completion; a
		 * repeated handshake (gphoto2 --summary) does not restart it. */
		if (!cam->liveview_ready)
			emu_liveview_start(cam, t->now);
		cam->liveview_ready = true;
		cam->stats.handshakes++;
	}
	emu_tx_send(t, zeros, sizeof(zeros));
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_ext_info(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	struct buf c;

	/* Version 0x00C8 whatever p1 asked (dossier §3.4). */
	emu_tx_begin(&c);
	if (++cam->fs.ext_infos <= cam->fs.f.empty_ext_info)
		cam->stats.faults_injected++;
	else
		emu_model_ext_info(&c);
	emu_tx_queue_data(t, &c);
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_get_all_props(struct emu_tx *t)
{
	struct buf c;

	/* The a6300 hangs (no answer until a Device Reset; a host sees its
	 * transfers time out) when 0x9209 carries parameters once live view
	 * has sent a frame (dougforpres/SonyCamera#3: "camera functions
	 * fine until LiveView is started", fixed by sending none). */
	if (t->cmd->nparams > 0 && t->cam->lv_delivered) {
		log_info(EMU, "0x9209 with %u parameters after a live-view frame: hung until Device Reset",
			 t->cmd->nparams);
		t->cam->fs.hung = true;
		return;
	}
	emu_camera_prop_set(t->cam, SONY_DPC_LIVEVIEW_STATUS,
			    emu_liveview_status(t->cam, t->now), false);
	emu_tx_begin(&c);
	sony_props_write(&c, &t->cam->props, SONY_PROTOCOL_200);
	emu_tx_queue_data(t, &c);
	emu_tx_respond(t, PTP_RC_OK);
}

static bool schedule_in(struct emu_camera *cam, enum emu_action_kind kind,
			uint16_t code, int delta, unsigned ms)
{
	struct emu_action a = { .due_ns = emu_camera_now(cam) + ms * NS_PER_MS,
				.kind = kind, .code = code, .delta = delta };

	return emu_camera_schedule(cam, &a);
}

int64_t emu_camera_prop(struct emu_camera *cam, uint16_t code)
{
	const struct ptp_prop_desc *d = emu_model_prop(&cam->props, code);

	if (!d)
		return 0;
	return ptp_dtc_signed(d->type) ? d->current.i : (int64_t)d->current.u;
}

/* Returns the response code for the press (still.c for the shutter). */
static uint16_t press(struct emu_camera *cam, uint16_t code, bool down)
{
	switch (code) {
	case SONY_CTL_S1:
	case SONY_CTL_S2:
	case SONY_CTL_ONE_SHOT:
		return emu_still_button(cam, code, down);
	case SONY_CTL_MOVIE:
		if (down)
			emu_camera_prop_set(cam, SONY_DPC_MOVIE_RECORDING,
					    !emu_camera_prop(cam, SONY_DPC_MOVIE_RECORDING),
					    true);
		return PTP_RC_OK;
	default:
		return PTP_RC_OK;
	}
}

/* A u16 button value: 2 down, 1 up (dossier §5.5). */
static void do_button(struct emu_tx *t, struct ptp_prop_desc *d)
{
	uint16_t v = t->dlen == 2 ? get_u16le(t->data) : 0;
	uint16_t rc;

	if (v != SONY_BUTTON_DOWN && v != SONY_BUTTON_UP) {
		emu_tx_respond(t, PTP_RC_INVALID_DEVICE_PROP_VALUE);
		return;
	}
	rc = press(t->cam, d->code, v == SONY_BUTTON_DOWN);
	if (rc == PTP_RC_OK)
		d->current.u = v;
	emu_tx_respond(t, rc);
}

static void op_set_control_a(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	uint16_t code = (uint16_t)t->cmd->params[0];
	struct ptp_prop_desc *d = emu_model_prop(&cam->props, code);
	struct ptp_value v = { 0 };
	uint16_t rc;
	struct rd r;

	if (!d) {
		/* PriorityMode: libgphoto2 sets it and only logs a failure */
		emu_tx_respond(t, code == SONY_DPC_PRIORITY_MODE
				   ? PTP_RC_OK
				   : PTP_RC_DEVICE_PROP_NOT_SUPPORTED);
		return;
	}
	if (emu_model_is_control(d)) {
		do_button(t, d);
		return;
	}
	rd_init(&r, t->data, t->dlen);
	if (t->dlen != ptp_dtc_size(d->type) ||
	    ptp_value_read(&r, d->type, &v) < 0) {
		emu_tx_respond(t, PTP_RC_INVALID_DEVICE_PROP_FORMAT);
		return;
	}
	rc = emu_props_set_refusal(d, &v);
	if (rc != PTP_RC_OK) {
		emu_tx_respond(t, rc);
		return;
	}
	d->current = v;
	emu_camera_queue_event(cam, SONY_EC_PROP_CHANGED, code);
	emu_tx_respond(t, PTP_RC_OK);
}

static void op_set_control_b(struct emu_tx *t)
{
	uint16_t code = (uint16_t)t->cmd->params[0];
	struct ptp_prop_desc *d = emu_model_prop(&t->cam->props, code);
	uint16_t refusal;
	int step;

	if (!d) {
		emu_tx_respond(t, PTP_RC_DEVICE_PROP_NOT_SUPPORTED);
		return;
	}
	if (emu_model_is_control(d)) {
		do_button(t, d);
		return;
	}
	/* A signed step: one byte (libgphoto2) or two (INDIGO), §5.5. */
	if (t->dlen == 1)
		step = (int8_t)t->data[0];
	else if (t->dlen == 2)
		step = (int16_t)get_u16le(t->data);
	else {
		emu_tx_respond(t, PTP_RC_INVALID_DEVICE_PROP_VALUE);
		return;
	}
	refusal = emu_props_step_refusal(t->cam, d);
	if (refusal != PTP_RC_OK) {
		emu_tx_respond(t, refusal);
		return;
	}
	if (step != 0 && !schedule_in(t->cam, EMU_ACT_STEP, code, step,
				      t->cam->cfg.step_ms)) {
		emu_tx_respond(t, PTP_RC_DEVICE_BUSY);
		return;
	}
	emu_tx_respond(t, PTP_RC_OK);
}

/* ---- delayed actions -------------------------------------------------- */

void emu_responder_action(struct emu_camera *cam, const struct emu_action *a)
{
	struct ptp_prop_desc *d;

	if (a->kind != EMU_ACT_STEP) {
		emu_still_action(cam, a);
		return;
	}
	d = emu_model_prop(&cam->props, a->code);
	if (d && emu_props_step(cam, d, a->delta))
		emu_camera_queue_event(cam, SONY_EC_PROP_CHANGED, a->code);
}

/* ---- dispatch ----------------------------------------------------------- */

struct op_def {
	uint16_t code;
	bool sessionless; /* allowed before OpenSession */
	void (*run)(struct emu_tx *t);
};

static const struct op_def op_defs[] = {
	{ PTP_OC_GET_DEVICE_INFO, true, op_get_device_info },
	{ PTP_OC_OPEN_SESSION, true, op_open_session },
	{ PTP_OC_CLOSE_SESSION, false, op_close_session },
	{ PTP_OC_GET_STORAGE_IDS, false, op_get_storage_ids },
	{ PTP_OC_GET_STORAGE_INFO, false, op_no_storage },
	{ PTP_OC_GET_NUM_OBJECTS, false, op_no_storage },
	{ PTP_OC_GET_OBJECT_HANDLES, false, op_no_storage },
	{ PTP_OC_GET_OBJECT_INFO, false, op_get_object_info },
	{ PTP_OC_GET_OBJECT, false, op_get_object },
	{ PTP_OC_GET_THUMB, false, op_get_thumb },
	{ PTP_OC_GET_PARTIAL_OBJECT, false, op_get_partial_object },
	{ SONY_OC_SDIO_CONNECT, false, op_sdio_connect },
	{ SONY_OC_GET_EXT_DEVICE_INFO, false, op_ext_info },
	{ SONY_OC_SET_CONTROL_A, false, op_set_control_a },
	{ SONY_OC_SET_CONTROL_B, false, op_set_control_b },
	{ SONY_OC_GET_ALL_PROP_INFO, false, op_get_all_props },
};

static bool has_data_out(uint16_t code)
{
	return code == SONY_OC_SET_CONTROL_A || code == SONY_OC_SET_CONTROL_B;
}

/* Faults that take the whole transaction; true when it was consumed. */
static bool transaction_fault(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	struct emu_fault_state *fs = &cam->fs;
	uint16_t code = t->cmd->code;

	if (fs->hung)
		return true; /* no answer until Device Reset */
	if (fs->hang_pending) {
		fs->hang_pending = false;
		fs->hung = true;
	} else if (fs->f.stall_at && fs->tx == fs->f.stall_at) {
		cam->in_halted = true; /* and the response is lost */
	} else if (!(fs->f.timeout_at && fs->tx == fs->f.timeout_at)) {
		if (fs->busy_left == 0 || !cam->session_id ||
		    code == PTP_OC_OPEN_SESSION || code == PTP_OC_CLOSE_SESSION)
			return false;
		fs->busy_left--;
		cam->stats.busy++;
		emu_tx_respond(t, PTP_RC_DEVICE_BUSY);
	}
	cam->stats.faults_injected++;
	return true;
}

static void execute(struct emu_camera *cam, const struct ptp_params *cmd,
		    const uint8_t *data, size_t dlen)
{
	struct emu_tx t = { .cam = cam, .cmd = cmd, .data = data, .dlen = dlen };
	const struct op_def *op = NULL;

	t.now = emu_camera_now(cam);
	t.ready = t.now + (uint64_t)cam->fs.f.latency_ms * NS_PER_MS;
	cam->stats.transactions++;
	cam->fs.tx++;
	cam->answered_valid = true;
	cam->answered_tid = cmd->tid;
	if (transaction_fault(&t))
		return;
	for (size_t i = 0; i < ARRAY_LEN(op_defs); i++)
		if (op_defs[i].code == cmd->code)
			op = &op_defs[i];
	if (!cam->session_id && !(op && op->sessionless))
		emu_tx_respond(&t, PTP_RC_SESSION_NOT_OPEN);
	else if (!op)
		emu_tx_respond(&t, PTP_RC_OPERATION_NOT_SUPPORTED);
	else
		op->run(&t);
}

bool emu_responder_container(void *camera, const uint8_t *c, size_t len)
{
	struct emu_camera *cam = camera;
	struct ptp_params p;
	uint32_t tid = get_u32le(c + 8);

	if (get_u16le(c + 4) == PTP_TYPE_COMMAND) {
		if (ptp_params_decode(c, len, &p) < 0)
			return false; /* more than 5 params or ragged */
		/* A command while a data phase was due: the host gave up on
		 * the old transaction, which is dropped unanswered. */
		cam->awaiting_data = false;
		if (has_data_out(p.code)) {
			cam->pending = p;
			cam->awaiting_data = true;
			return true;
		}
		execute(cam, &p, NULL, 0);
		return true;
	}
	if (cam->awaiting_data && tid == cam->pending.tid) {
		cam->awaiting_data = false;
		p = cam->pending;
		execute(cam, &p, c + PTP_HEADER_SIZE, len - PTP_HEADER_SIZE);
		return true;
	}
	/* A data phase for a command already answered (an unsupported
	 * operation the host thought had one) is dropped; any other stray
	 * data phase is a protocol error and stalls OUT. */
	return cam->answered_valid && tid == cam->answered_tid;
}
