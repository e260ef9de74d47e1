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

#define LV_OFFSET 0x80		/* JPEG offset in the dataset (dossier §4.3) */
#define LV_STRAY_SOI_AT 32	/* A7R II quirk, gp#389: FF D8 before the JPEG */
#define SDIO_REPLY_LEN 8	/* SDIOConnect data: 8 zero bytes (§3.2) */
#define SDIO_PHASE_MAX 3
#define SDIO_NEED_BEFORE_3 ((1u << 1) | (1u << 2))
#define BADSIZE_EXTRA 4096	/* badsize-every: size runs this far past */
#define BADOFFSET_PAST 0x100	/* badoffset-every: offset this far past */
#define STEP_DELAY_MS 250	/* a step is applied asynchronously (§5.5) */
#define FOCUS_DELAY_MS 300
#define CAPTURE_DELAY_MS 500	/* S1+S2 to image in RAM (§8.2: ~0.5 s) */
#define OBJECT_IN_MEMORY_ONE 0x8001 /* 0xD215: one image waiting (§4.5) */
#define FOCUS_MODE_MANUAL 1
#define FOCUS_FOUND_IDLE 1
#define FOCUS_FOUND_OK 2
#define NS_PER_MS 1000000ull
#define CONTAINER_MAX (PTP_DATA_MAX)
#define RNG_DEFAULT_SEED 0x2545F491u
#define PTP_OC_SONY_PRIORITY_MODE 0xD25A /* set by libgphoto2 (§3.2 tid 6) */

/* One transaction being answered. */
struct tx {
	struct emu_camera *cam;
	const struct ptp_params *cmd;
	const uint8_t *data; /* host data phase (0x9205, 0x9207) */
	size_t dlen;
	uint64_t now;
	uint64_t ready; /* when its answer becomes readable (latency) */
};

/* ---- queuing ---------------------------------------------------------- */

static void container_begin(struct buf *c)
{
	buf_init(c, CONTAINER_MAX);
	buf_grow(c, PTP_HEADER_SIZE);
}

/* Finishes c as tx's data container and queues it as one transfer. */
static struct emu_xfer *queue_data(struct tx *t, struct buf *c)
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

static void send_bytes(struct tx *t, const void *p, size_t n)
{
	struct buf c;

	container_begin(&c);
	buf_put(&c, p, n);
	queue_data(t, &c);
}

static void respond_n(struct tx *t, uint16_t rc, unsigned n, uint32_t p1)
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

static void respond(struct tx *t, uint16_t rc)
{
	respond_n(t, rc, 0, 0);
}

/* ---- sessions and standard operations ------------------------------- */

static void op_get_device_info(struct tx *t)
{
	struct buf c;

	container_begin(&c);
	emu_model_device_info(&c, &t->cam->cfg);
	queue_data(t, &c);
	respond(t, PTP_RC_OK);
}

static void op_open_session(struct tx *t)
{
	struct emu_camera *cam = t->cam;
	uint32_t id = t->cmd->params[0];

	if (id == 0) {
		respond(t, PTP_RC_INVALID_PARAMETER);
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
	respond(t, PTP_RC_OK);
}

static void op_close_session(struct tx *t)
{
	emu_camera_close_session(t->cam);
	respond(t, PTP_RC_OK);
}

static void op_get_storage_ids(struct tx *t)
{
	static const uint8_t empty[4] = { 0 }; /* AUINT32, no storage */

	send_bytes(t, empty, sizeof(empty));
	respond(t, PTP_RC_OK);
}

static void op_no_storage(struct tx *t)
{
	respond(t, PTP_RC_INVALID_STORAGE_ID);
}

static void send_object_info(struct tx *t, size_t size, const char *name)
{
	struct ptp_object_info oi = { 0 };
	struct buf c;

	oi.format = PTP_OFC_JPEG;
	oi.compressed_size = (uint32_t)size;
	oi.width = t->cam->cfg.width;
	oi.height = t->cam->cfg.height;
	snprintf(oi.filename, sizeof(oi.filename), "%s", name);
	container_begin(&c);
	ptp_object_info_write(&c, &oi);
	queue_data(t, &c);
	respond(t, PTP_RC_OK);
}

static void op_get_object_info(struct tx *t)
{
	struct emu_camera *cam = t->cam;
	uint32_t h = t->cmd->params[0];

	/* Real content unverified; libgphoto2 ignores it (lgp#128). */
	if (h == SONY_HANDLE_LIVEVIEW && cam->liveview_ready)
		send_object_info(t, cam->last_dataset_len, "");
	else if (h == SONY_HANDLE_CAPTURED && cam->held)
		send_object_info(t, cam->held_len, "DSC00001.JPG");
	else
		respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
}

static void set_prop(struct emu_camera *cam, uint16_t code, int64_t v,
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

static void release_held(struct emu_camera *cam)
{
	mem_free(cam->held);
	cam->held = NULL;
	cam->held_len = 0;
	set_prop(cam, SONY_DPC_OBJECT_IN_MEMORY, 0, false);
}

static void op_get_captured(struct tx *t)
{
	struct emu_camera *cam = t->cam;

	send_bytes(t, cam->held, cam->held_len);
	respond(t, PTP_RC_OK);
	release_held(cam);
}

static void op_get_thumb(struct tx *t)
{
	bool held = t->cmd->params[0] == SONY_HANDLE_CAPTURED && t->cam->held;

	respond(t, held ? PTP_RC_NO_THUMBNAIL_PRESENT
			: PTP_RC_INVALID_OBJECT_HANDLE);
}

static void op_get_partial_object(struct tx *t)
{
	struct emu_camera *cam = t->cam;
	uint32_t off = t->cmd->params[1], max = t->cmd->params[2];
	size_t n;

	if (t->cmd->params[0] != SONY_HANDLE_CAPTURED || !cam->held) {
		respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
		return;
	}
	if (off > cam->held_len) {
		respond(t, PTP_RC_INVALID_PARAMETER);
		return;
	}
	n = cam->held_len - off < max ? cam->held_len - off : max;
	send_bytes(t, cam->held + off, n);
	respond_n(t, PTP_RC_OK, 1, (uint32_t)n);
}

/* ---- live view ---------------------------------------------------------- */

static uint32_t rng_next(struct emu_fault_state *fs)
{
	uint32_t x = fs->rng ? fs->rng : RNG_DEFAULT_SEED;

	x ^= x << 13; /* xorshift32: deterministic garbage from the seed */
	x ^= x >> 17;
	x ^= x << 5;
	fs->rng = x;
	return x;
}

static bool due(unsigned every, uint64_t n)
{
	return every != 0 && n % every == 0;
}

/* "No new frame": 16-byte all-zero header then AccessDenied (§4.2). */
static void deny(struct tx *t)
{
	static const uint8_t zero_header[SONY_LV_HEADER_SIZE] = { 0 };

	if (!t->cam->fs.f.denied_no_data)
		send_bytes(t, zero_header, sizeof(zero_header));
	respond(t, PTP_RC_ACCESS_DENIED);
	t->cam->stats.denied++;
}

static void put_garbage(struct emu_fault_state *fs, struct buf *c, size_t n)
{
	uint8_t *p = buf_grow(c, n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (uint8_t)rng_next(fs);
}

/* Writes frame n's dataset into c with the dataset faults due for n. */
static void put_dataset(struct emu_camera *cam, uint64_t n,
			const struct buf *jpeg, struct buf *c)
{
	struct emu_fault_state *fs = &cam->fs;
	uint8_t reserved[LV_OFFSET - SONY_LV_HEADER_SIZE] = { 0 };
	size_t start = c->len, jlen = jpeg->len;
	uint8_t *hdr;

	if (due(fs->f.garbage_every, n)) {
		put_garbage(fs, c, LV_OFFSET + jlen);
		cam->stats.faults_injected++;
		return;
	}
	reserved[LV_STRAY_SOI_AT - SONY_LV_HEADER_SIZE] = 0xFF;
	reserved[LV_STRAY_SOI_AT - SONY_LV_HEADER_SIZE + 1] = 0xD8;
	if (due(fs->f.truncate_every, n)) {
		jlen = jlen * 3 / 5; /* no EOI; size matches the cut bytes */
		cam->stats.faults_injected++;
	}
	sony_liveview_write(c, LV_OFFSET, reserved, jpeg->data, jlen);
	if (buf_status(c))
		return;
	hdr = c->data + start;
	if (due(fs->f.badsize_every, n)) {
		put_u32le(hdr + 4, (uint32_t)(jlen + BADSIZE_EXTRA));
		cam->stats.faults_injected++;
	}
	if (due(fs->f.badoffset_every, n)) {
		fs->badoffsets++;
		put_u32le(hdr, fs->badoffsets % 2
				       ? 0xFFFFFFFFu
				       : (uint32_t)(c->len - start + BADOFFSET_PAST));
		cam->stats.faults_injected++;
	}
}

/* Transport faults on the data transfer of frame n. */
static void cut_transfer(struct emu_camera *cam, uint64_t n,
			 struct emu_xfer *x)
{
	size_t half = (x->len / 2) & ~(size_t)(EMU_MAX_PACKET - 1);

	if (due(cam->fs.f.short_every, n)) {
		/* End the transfer with a short packet mid-container. */
		x->len = half + EMU_MAX_PACKET / 5 < x->len
				 ? half + EMU_MAX_PACKET / 5
				 : (x->len / 2) | 1;
		cam->stats.faults_injected++;
	}
	if (cam->fs.f.unplug_at_frame == n) {
		x->unplug_at = half > 0 ? half : x->len / 2 + 1;
		cam->stats.faults_injected++;
	}
}

static void deliver(struct tx *t, uint64_t k)
{
	struct emu_camera *cam = t->cam;
	const struct emu_faults *f = &cam->fs.f;
	struct emu_render_opts o = {
		.align = f->zlp_frames ? EMU_MAX_PACKET : 0,
		.lead = PTP_HEADER_SIZE + LV_OFFSET,
		.big = f->big_frames,
	};
	uint64_t n = ++cam->fs.frames;
	struct buf jpeg, c;
	struct emu_xfer *x;

	buf_init(&jpeg, CONTAINER_MAX);
	if (emu_pattern_render(cam->pattern, k, cam->t0_ns + k * cam->period_ns,
			       &o, &jpeg) < 0) {
		buf_finish(&jpeg);
		respond(t, PTP_RC_GENERAL_ERROR);
		return;
	}
	container_begin(&c);
	put_dataset(cam, n, &jpeg, &c);
	buf_finish(&jpeg);
	cam->last_dataset_len = c.len - PTP_HEADER_SIZE;
	x = queue_data(t, &c);
	if (x)
		cut_transfer(cam, n, x);
	respond(t, PTP_RC_OK);
	cam->last_seq = k;
	cam->stats.frames_sent++;
	cam->stats.last_frame_seq = k;
	if (f->hang_after_first && n == 1)
		cam->fs.hang_pending = true;
}

static uint64_t newest_frame(const struct emu_camera *cam, uint64_t now)
{
	return now > cam->t0_ns ? (now - cam->t0_ns) / cam->period_ns : 0;
}

static void op_liveview(struct tx *t)
{
	struct emu_camera *cam = t->cam;
	uint64_t k = newest_frame(cam, t->now);

	if (!cam->liveview_ready) {
		/* before SDIOConnect phase 3 (the real answer is unverified,
		 * dossier §7.2) */
		respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
		return;
	}
	if (cam->fs.not_ready_left > 0) {
		cam->fs.not_ready_left--;
		cam->stats.faults_injected++;
		deny(t);
		return;
	}
	if (cam->paused || k == 0 || k <= cam->last_seq) {
		deny(t);
		return;
	}
	deliver(t, k);
}

static void op_get_object(struct tx *t)
{
	uint32_t h = t->cmd->params[0];

	if (h == SONY_HANDLE_LIVEVIEW)
		op_liveview(t);
	else if (h == SONY_HANDLE_CAPTURED && t->cam->held)
		op_get_captured(t);
	else
		respond(t, PTP_RC_INVALID_OBJECT_HANDLE);
}

/* ---- Sony handshake and properties ---------------------------------- */

static void op_sdio_connect(struct tx *t)
{
	static const uint8_t zeros[SDIO_REPLY_LEN] = { 0 };
	struct emu_camera *cam = t->cam;
	uint32_t phase = t->cmd->params[0];

	if (phase < 1 || phase > SDIO_PHASE_MAX) {
		respond(t, PTP_RC_INVALID_PARAMETER);
		return;
	}
	/* Any order and any repetition within the session (dossier §3.2:
	 * gphoto2 --summary runs the whole handshake twice). */
	cam->sdio_seen |= 1u << phase;
	if (phase == SDIO_PHASE_MAX &&
	    (cam->sdio_seen & SDIO_NEED_BEFORE_3) == SDIO_NEED_BEFORE_3) {
		cam->liveview_ready = true;
		cam->stats.handshakes++;
	}
	send_bytes(t, zeros, sizeof(zeros));
	respond(t, PTP_RC_OK);
}

static void op_ext_info(struct tx *t)
{
	struct emu_camera *cam = t->cam;
	struct buf c;

	/* Version 0x00C8 whatever p1 asked (dossier §3.4). */
	container_begin(&c);
	if (++cam->fs.ext_infos <= cam->fs.f.empty_ext_info)
		cam->stats.faults_injected++;
	else
		emu_model_ext_info(&c);
	queue_data(t, &c);
	respond(t, PTP_RC_OK);
}

static void op_get_all_props(struct tx *t)
{
	struct buf c;

	container_begin(&c);
	sony_props_write(&c, &t->cam->props);
	queue_data(t, &c);
	respond(t, PTP_RC_OK);
}

static bool schedule_in(struct emu_camera *cam, enum emu_action_kind kind,
			uint16_t code, int delta, unsigned ms)
{
	struct emu_action a = { .due_ns = emu_camera_now(cam) + ms * NS_PER_MS,
				.kind = kind, .code = code, .delta = delta };

	return emu_camera_schedule(cam, &a);
}

static int64_t prop_value(struct emu_camera *cam, uint16_t code)
{
	const struct ptp_prop_desc *d = emu_model_prop(&cam->props, code);

	if (!d)
		return 0;
	return ptp_dtc_signed(d->type) ? d->current.i : (int64_t)d->current.u;
}

static void press(struct emu_camera *cam, uint16_t code, bool down)
{
	switch (code) {
	case SONY_CTL_S1:
		cam->s1_down = down;
		if (down && prop_value(cam, SONY_DPC_FOCUS_MODE) !=
				    FOCUS_MODE_MANUAL)
			schedule_in(cam, EMU_ACT_FOCUS, code, 0, FOCUS_DELAY_MS);
		if (!down)
			set_prop(cam, SONY_DPC_FOCUS_FOUND, FOCUS_FOUND_IDLE,
				 false);
		break;
	case SONY_CTL_S2:
		if (down && !cam->s2_down && cam->s1_down)
			schedule_in(cam, EMU_ACT_CAPTURE, code, 0,
				    CAPTURE_DELAY_MS);
		cam->s2_down = down;
		break;
	case SONY_CTL_ONE_SHOT:
		if (down)
			schedule_in(cam, EMU_ACT_CAPTURE, code, 0,
				    CAPTURE_DELAY_MS);
		break;
	case SONY_CTL_MOVIE:
		if (down)
			set_prop(cam, SONY_DPC_MOVIE_RECORDING,
				 !prop_value(cam, SONY_DPC_MOVIE_RECORDING),
				 true);
		break;
	default:
		break;
	}
}

/* A u16 button value: 2 down, 1 up (dossier §5.5). */
static void do_button(struct tx *t, struct ptp_prop_desc *d)
{
	uint16_t v = t->dlen == 2 ? get_u16le(t->data) : 0;

	if (v != SONY_BUTTON_DOWN && v != SONY_BUTTON_UP) {
		respond(t, PTP_RC_INVALID_DEVICE_PROP_VALUE);
		return;
	}
	d->current.u = v;
	press(t->cam, d->code, v == SONY_BUTTON_DOWN);
	respond(t, PTP_RC_OK);
}

static void op_set_control_a(struct tx *t)
{
	struct emu_camera *cam = t->cam;
	uint16_t code = (uint16_t)t->cmd->params[0];
	struct ptp_prop_desc *d = emu_model_prop(&cam->props, code);
	struct ptp_value v = { 0 };
	struct rd r;

	if (!d) {
		/* PriorityMode: libgphoto2 sets it and only logs a failure */
		respond(t, code == PTP_OC_SONY_PRIORITY_MODE
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
		respond(t, PTP_RC_INVALID_DEVICE_PROP_FORMAT);
		return;
	}
	if (!emu_model_value_ok(d, &v) || d->is_enabled == 0) {
		respond(t, PTP_RC_INVALID_DEVICE_PROP_VALUE);
		return;
	}
	d->current = v;
	emu_camera_queue_event(cam, SONY_EC_PROP_CHANGED, code);
	respond(t, PTP_RC_OK);
}

static void op_set_control_b(struct tx *t)
{
	uint16_t code = (uint16_t)t->cmd->params[0];
	struct ptp_prop_desc *d = emu_model_prop(&t->cam->props, code);
	int step;

	if (!d) {
		respond(t, PTP_RC_DEVICE_PROP_NOT_SUPPORTED);
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
		respond(t, PTP_RC_INVALID_DEVICE_PROP_VALUE);
		return;
	}
	if (step != 0 &&
	    !schedule_in(t->cam, EMU_ACT_STEP, code, step, STEP_DELAY_MS)) {
		respond(t, PTP_RC_DEVICE_BUSY);
		return;
	}
	respond(t, PTP_RC_OK);
}

/* ---- delayed actions -------------------------------------------------- */

static void capture(struct emu_camera *cam)
{
	struct buf jpeg;

	buf_init(&jpeg, CONTAINER_MAX);
	if (emu_pattern_render(cam->pattern, ++cam->shots, emu_camera_now(cam),
			       NULL, &jpeg) < 0) {
		buf_finish(&jpeg);
		return;
	}
	/* One image in RAM; a newer shot replaces an undownloaded one. */
	mem_free(cam->held);
	cam->held = buf_steal(&jpeg, &cam->held_len);
	set_prop(cam, SONY_DPC_OBJECT_IN_MEMORY, OBJECT_IN_MEMORY_ONE, true);
	emu_camera_queue_event(cam, SONY_EC_OBJECT_ADDED,
			       SONY_HANDLE_CAPTURED);
}

void emu_responder_action(struct emu_camera *cam, const struct emu_action *a)
{
	struct ptp_prop_desc *d;

	switch (a->kind) {
	case EMU_ACT_STEP:
		d = emu_model_prop(&cam->props, a->code);
		if (d && emu_model_step(d, a->delta))
			emu_camera_queue_event(cam, SONY_EC_PROP_CHANGED,
					       a->code);
		break;
	case EMU_ACT_FOCUS:
		if (cam->s1_down)
			set_prop(cam, SONY_DPC_FOCUS_FOUND, FOCUS_FOUND_OK,
				 true);
		break;
	case EMU_ACT_CAPTURE:
		capture(cam);
		break;
	}
}

/* ---- dispatch ----------------------------------------------------------- */

struct op_def {
	uint16_t code;
	bool sessionless; /* allowed before OpenSession */
	void (*run)(struct tx *t);
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
static bool transaction_fault(struct tx *t)
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
		respond(t, PTP_RC_DEVICE_BUSY);
	}
	cam->stats.faults_injected++;
	return true;
}

static void execute(struct emu_camera *cam, const struct ptp_params *cmd,
		    const uint8_t *data, size_t dlen)
{
	struct tx t = { .cam = cam, .cmd = cmd, .data = data, .dlen = dlen };
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
		respond(&t, PTP_RC_SESSION_NOT_OPEN);
	else if (!op)
		respond(&t, PTP_RC_OPERATION_NOT_SUPPORTED);
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
