/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stills of the emulated a6300, as a protocol-2.00 body takes them
 * (dossier §4.5, §5.5): the shutter buttons through SetControlDeviceB,
 * autofocus, the exposure with live view withheld, the image processed
 * into the body's RAM buffer, announced, and downloaded from handle
 * 0xFFFFC001. Runs with cam->lock held (responder.c calls in).
 *
 * A shot, in the camera's time (emu_camera_now):
 *   - S1 (0xD2C1) down: unless FocusMode (0x500A) is manual, focus is
 *     found FOCUS_DELAY_MS later (0xD213 FocusFound 1 -> 2, event C203).
 *   - S2 (0xD2C2) down while S1 is held: the shutter opens once focus is
 *     found (at once in manual focus); released before that, no shot.
 *   - The exposure lasts the shutter speed (0xD20D; BULB: while S2 is
 *     held, at most EXPOSURE_MAX_MS) plus READOUT_MS. Meanwhile
 *     GetObject(0xFFFFC002) answers "no new frame" (16-byte empty dataset
 *     + AccessDenied 0x200F), the answer a body gives when it has no new
 *     frame (dossier §4.2) and the one hosts already retry; no a6300 log
 *     shows DeviceBusy.
 *   - Then the image is processed: 0xD215 ObjectInMemory reads 1 (C203)
 *     for PROCESS_MS (PROCESS_RAW_MS for RAW or RAW+JPEG), then
 *     0x8000 + the objects waiting (C203), then event C201 ObjectAdded
 *     with handle 0xFFFFC001.
 *   - GetObjectInfo / GetObject(0xFFFFC001) give the oldest object
 *     waiting: for RAW+JPEG (0x5004 = 0x13) the JPEG, then the ARW
 *     (a6300-cfg: capt0000.jpg then capt0000.arw). GetObject removes it
 *     (0xD215 counts down, C203).
 *   - Asking for 0xFFFFC001 while the image is still processing (0xD215
 *     = 1) crashes the body: no answer at all until a Device Reset
 *     (libgphoto2 library.c: "downloading at that point crashed the
 *     firmware").
 *
 * The JPEG is real and decodes (still_image.c: one picture encoded
 * once); each shot's copy carries a COM segment with its file name and
 * date, so no two shots are the same bytes. The ARW is RAW-sized
 * (cfg.raw_bytes) but only its TIFF header is real: nothing decodes it.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emu_internal.h"

#define FOCUS_DELAY_MS 300
#define READOUT_MS 150	      /* shutter closed to sensor read out */
#define PROCESS_MS 400	      /* to a JPEG in RAM */
#define PROCESS_RAW_MS 800    /* RAW or RAW+JPEG */
#define EXPOSURE_MAX_MS 30000 /* the longest the shutter table offers */
#define IMAGE_WAIT_MS 10      /* picture still encoding: look again */
#define FOCUS_MODE_MANUAL 1
#define FOCUS_FOUND_IDLE 1
#define FOCUS_FOUND_OK 2
#define IN_MEMORY_FLAG 0x8000 /* 0xD215: images waiting (dossier §4.5) */
#define IN_MEMORY_PROCESSING 1
#define COMPRESSION_RAW 0x10
#define COMPRESSION_RAW_JPEG 0x13
#define FILE_NUMBER_MAX 9999
#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define COM_MAX 128
#define TIFF_HEADER_LEN 8
#define CONTAINER_MAX (PTP_DATA_MAX)

/* ---- properties ---------------------------------------------------------- */

static int64_t prop(struct emu_camera *cam, uint16_t code)
{
	return emu_camera_prop(cam, code);
}

/* 0xD215 from the buffer's state; C203 when it changes. */
static void update_in_memory(struct emu_camera *cam)
{
	struct emu_still *st = &cam->still;
	int64_t v = st->nram ? IN_MEMORY_FLAG + st->nram
		    : st->processing ? IN_MEMORY_PROCESSING : 0;

	if (prop(cam, SONY_DPC_OBJECT_IN_MEMORY) != v)
		emu_camera_prop_set(cam, SONY_DPC_OBJECT_IN_MEMORY, v, true);
}

/* ---- objects ------------------------------------------------------------- */

static void object_free(struct emu_object *o)
{
	mem_free(o->data);
	memset(o, 0, sizeof(*o));
}

/* Drops the oldest object (downloaded, or power cycle). */
static void ram_pop(struct emu_still *st)
{
	if (st->nram == 0)
		return;
	object_free(&st->ram[0]);
	memmove(&st->ram[0], &st->ram[1], (st->nram - 1) * sizeof(st->ram[0]));
	memset(&st->ram[st->nram - 1], 0, sizeof(st->ram[0]));
	st->nram--;
}

/* "YYYYMMDDThhmmss" (dossier §2.3) of the wall clock, UTC. */
static void date_string(char *out, size_t cap)
{
	time_t t = (time_t)(clock_wall_ns() / NS_PER_S);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y%m%dT%H%M%S", &tm) == 0)
		snprintf(out, cap, "19700101T000000");
}

/* The shot's JPEG: SOI, a COM segment naming it, the shared picture. */
static int make_jpeg(const uint8_t *pic, size_t len, const char *name,
		     const char *date, struct emu_object *o)
{
	char com[COM_MAX];
	int n = snprintf(com, sizeof(com), "alphafs emulated ILCE-6300 %s %s",
			 name, date);
	struct buf b;

	if (n < 0 || (size_t)n >= sizeof(com) || len < 2)
		return ALPHAFS_ERR_IO;
	buf_init(&b, CONTAINER_MAX);
	buf_put(&b, pic, 2);
	buf_put_u8(&b, 0xFF);
	buf_put_u8(&b, 0xFE);
	buf_put_u8(&b, (uint8_t)((n + 2) >> 8));
	buf_put_u8(&b, (uint8_t)(n + 2));
	buf_put(&b, com, (size_t)n);
	buf_put(&b, pic + 2, len - 2);
	if (buf_status(&b)) {
		buf_finish(&b);
		return ALPHAFS_ERR_NOMEM;
	}
	o->data = buf_steal(&b, &o->len);
	return 0;
}

/* An ARW-sized object: a little-endian TIFF header (as ARW files start)
 * and filler that differs per shot. */
static int make_arw(size_t size, unsigned shot, struct emu_object *o)
{
	static const uint8_t tiff[TIFF_HEADER_LEN] = { 'I', 'I', 42, 0, 8, 0, 0, 0 };
	uint8_t *p = mem_alloc(size);

	if (!p)
		return ALPHAFS_ERR_NOMEM;
	memcpy(p, tiff, size < sizeof(tiff) ? size : sizeof(tiff));
	for (size_t i = sizeof(tiff); i < size; i++)
		p[i] = (uint8_t)(i * 31 + shot);
	o->data = p;
	o->len = size;
	return 0;
}

static int add_object(struct emu_camera *cam, uint16_t format,
		      const char *ext, const char *date)
{
	struct emu_still *st = &cam->still;
	struct emu_object o = { .format = format };
	const uint8_t *pic;
	size_t len;
	bool failed;
	int rc;

	if (st->nram == EMU_OBJECTS_MAX)
		return ALPHAFS_ERR_BUSY;
	snprintf(o.name, sizeof(o.name), "DSC%05u.%s", st->shots, ext);
	snprintf(o.date, sizeof(o.date), "%s", date);
	o.width = cam->cfg.still_width;
	o.height = cam->cfg.still_height;
	if (format == SONY_OFC_ARW) {
		rc = make_arw(cam->cfg.raw_bytes, st->shots, &o);
	} else {
		pic = emu_still_image_get(st->image, &len, &failed);
		rc = pic ? make_jpeg(pic, len, o.name, date, &o) : ALPHAFS_ERR_IO;
	}
	if (rc < 0)
		return rc;
	st->ram[st->nram++] = o;
	return 0;
}

/* ---- the shot ------------------------------------------------------------ */

static bool schedule(struct emu_camera *cam, enum emu_action_kind kind,
		     uint64_t due_ns)
{
	struct emu_action a = { .due_ns = due_ns, .kind = kind };

	return emu_camera_schedule(cam, &a);
}

/* Shutter speed 0xD20D as ns: numerator << 16 | denominator (dossier
 * §5.3); 0 = BULB. */
static uint64_t exposure_ns(struct emu_camera *cam, bool *bulb)
{
	uint32_t v = (uint32_t)prop(cam, SONY_DPC_SHUTTER_SPEED);
	uint64_t num = v >> 16, den = v & 0xFFFF, ns;

	*bulb = v == 0;
	if (v == 0 || den == 0)
		return EXPOSURE_MAX_MS * NS_PER_MS;
	ns = num * NS_PER_S / den;
	return ns < EXPOSURE_MAX_MS * NS_PER_MS ? ns : EXPOSURE_MAX_MS * NS_PER_MS;
}

/* Opens the shutter at time `at` (a press, or the due time of the action
 * that found focus: actions run late, when the host next looks, but the
 * shot keeps the camera's own timeline). */
static void open_shutter(struct emu_camera *cam, uint64_t at)
{
	struct emu_still *st = &cam->still;

	st->shutter_pending = false;
	st->exposing = true;
	st->expose_end_ns = at + exposure_ns(cam, &st->bulb) +
			    READOUT_MS * NS_PER_MS;
	if (!schedule(cam, EMU_ACT_EXPOSED, st->expose_end_ns))
		st->exposing = false; /* no room: the shot is lost */
}

/* Whether this shot makes a JPEG, an ARW, or both (0x5004). */
static void shot_formats(struct emu_camera *cam, bool *jpeg, bool *raw)
{
	int64_t c = prop(cam, SONY_DPC_COMPRESSION);

	*raw = c == COMPRESSION_RAW || c == COMPRESSION_RAW_JPEG;
	*jpeg = c != COMPRESSION_RAW;
}

static void exposed(struct emu_camera *cam, uint64_t at)
{
	struct emu_still *st = &cam->still;
	bool jpeg, raw;

	if (!st->exposing)
		return; /* an older action for a shot already handled */
	if (at < st->expose_end_ns) {
		schedule(cam, EMU_ACT_EXPOSED, st->expose_end_ns);
		return;
	}
	st->exposing = false;
	st->processing++;
	update_in_memory(cam);
	if (cam->fs.f.object_added_early) {
		/* libgphoto2 #981/#1082 (A7 II/III with live view): the
		 * announcement comes before the image is in memory. */
		emu_camera_queue_event(cam, SONY_EC_OBJECT_ADDED,
				       SONY_HANDLE_CAPTURED);
		cam->stats.faults_injected++;
	}
	shot_formats(cam, &jpeg, &raw);
	schedule(cam, EMU_ACT_STORED,
		 at + (raw ? PROCESS_RAW_MS : PROCESS_MS) * NS_PER_MS);
}

/* True while the shared picture is still being encoded. */
static bool image_pending(struct emu_camera *cam)
{
	size_t len;
	bool failed;

	return !emu_still_image_get(cam->still.image, &len, &failed) && !failed;
}

static void stored(struct emu_camera *cam)
{
	struct emu_still *st = &cam->still;
	char date[sizeof(st->ram[0].date)];
	bool jpeg, raw;
	int rc = 0;

	shot_formats(cam, &jpeg, &raw);
	if (jpeg && image_pending(cam)) {
		schedule(cam, EMU_ACT_STORED,
			 emu_camera_now(cam) + IMAGE_WAIT_MS * NS_PER_MS);
		return;
	}
	if (st->processing > 0)
		st->processing--;
	if (cam->fs.lost_left > 0) {
		/* capture-lost: the shot never reaches the buffer. */
		cam->fs.lost_left--;
		cam->stats.faults_injected++;
		update_in_memory(cam);
		return;
	}
	st->shots = st->shots % FILE_NUMBER_MAX + 1;
	date_string(date, sizeof(date));
	if (jpeg)
		rc = add_object(cam, PTP_OFC_JPEG, "JPG", date);
	if (rc == 0 && raw)
		rc = add_object(cam, SONY_OFC_ARW, "ARW", date);
	if (rc < 0)
		log_warn(EMU, "still %u not stored: %s", st->shots,
			 alphafs_strerror(rc));
	cam->stats.stills++;
	update_in_memory(cam);
	if (st->nram > 0 && !cam->fs.f.object_added_early &&
	    !cam->fs.f.no_capture_event)
		emu_camera_queue_event(cam, SONY_EC_OBJECT_ADDED,
				       SONY_HANDLE_CAPTURED);
}

static void focus_found(struct emu_camera *cam, uint64_t at)
{
	struct emu_still *st = &cam->still;

	if (!st->s1_down)
		return;
	emu_camera_prop_set(cam, SONY_DPC_FOCUS_FOUND, FOCUS_FOUND_OK, true);
	if (st->shutter_pending && st->s2_down)
		open_shutter(cam, at);
}

void emu_still_action(struct emu_camera *cam, const struct emu_action *a)
{
	switch (a->kind) {
	case EMU_ACT_FOCUS:
		focus_found(cam, a->due_ns);
		break;
	case EMU_ACT_EXPOSED:
		exposed(cam, a->due_ns);
		break;
	case EMU_ACT_STORED:
		stored(cam);
		break;
	case EMU_ACT_STEP:
		break;
	}
}

/* ---- buttons ------------------------------------------------------------- */

static bool manual_focus(struct emu_camera *cam)
{
	return prop(cam, SONY_DPC_FOCUS_MODE) == FOCUS_MODE_MANUAL;
}

static bool focused(struct emu_camera *cam)
{
	return prop(cam, SONY_DPC_FOCUS_FOUND) == FOCUS_FOUND_OK;
}

static void half_press(struct emu_camera *cam, bool down)
{
	struct emu_still *st = &cam->still;

	if (down && !st->s1_down) {
		/* The picture is needed soon: start encoding it now. */
		emu_still_image_start(st->image, false);
		if (!manual_focus(cam))
			schedule(cam, EMU_ACT_FOCUS,
				 emu_camera_now(cam) + FOCUS_DELAY_MS * NS_PER_MS);
	}
	st->s1_down = down;
	if (!down) {
		st->shutter_pending = false;
		if (focused(cam))
			emu_camera_prop_set(cam, SONY_DPC_FOCUS_FOUND,
					    FOCUS_FOUND_IDLE, true);
	}
}

/* Returns the response code for the press. */
static uint16_t full_press(struct emu_camera *cam, bool down)
{
	struct emu_still *st = &cam->still;
	bool was_down = st->s2_down;

	st->s2_down = down;
	if (!down) {
		st->shutter_pending = false;
		if (st->exposing && st->bulb) {
			/* BULB: the exposure ends with the release. */
			st->expose_end_ns = emu_camera_now(cam) +
					    READOUT_MS * NS_PER_MS;
			schedule(cam, EMU_ACT_EXPOSED, st->expose_end_ns);
		}
		return PTP_RC_OK;
	}
	if (was_down || !st->s1_down)
		return PTP_RC_OK; /* a full press needs the half press */
	if (cam->fs.capture_fail_left > 0) {
		/* capture-fail: no Sony document says how a 2.00 body
		 * reports a failed shot; this is the one way a host can
		 * learn of it at once. */
		cam->fs.capture_fail_left--;
		cam->stats.faults_injected++;
		st->s2_down = false;
		return PTP_RC_GENERAL_ERROR;
	}
	if (st->exposing || st->nram == EMU_OBJECTS_MAX) {
		st->s2_down = false;
		return PTP_RC_DEVICE_BUSY; /* buffer full, or mid-exposure */
	}
	emu_still_image_start(st->image, false);
	if (manual_focus(cam) || focused(cam))
		open_shutter(cam, emu_camera_now(cam));
	else
		st->shutter_pending = true; /* focus priority (AF-S) */
	return PTP_RC_OK;
}

uint16_t emu_still_button(struct emu_camera *cam, uint16_t code, bool down)
{
	switch (code) {
	case SONY_CTL_S1:
		half_press(cam, down);
		return PTP_RC_OK;
	case SONY_CTL_S2:
		return full_press(cam, down);
	case SONY_CTL_ONE_SHOT:
		/* RequestOneShooting: a whole shot, focus as it is. */
		if (!down || cam->still.exposing)
			return PTP_RC_OK;
		emu_still_image_start(cam->still.image, false);
		open_shutter(cam, emu_camera_now(cam));
		return PTP_RC_OK;
	default:
		return PTP_RC_OK;
	}
}

/* ---- handle 0xFFFFC001 ---------------------------------------------------- */

/* The firmware crash of a download while processing: true when it hit. */
static bool crash_if_early(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;

	if (cam->still.nram > 0 || cam->still.processing == 0)
		return false;
	log_info(EMU, "0xFFFFC001 asked while the image is processing: "
		      "the body stops answering until a Device Reset");
	cam->fs.hung = true;
	cam->stats.faults_injected++;
	return true;
}

bool emu_still_object_info(struct emu_tx *t)
{
	struct emu_object *o = &t->cam->still.ram[0];
	struct ptp_object_info oi = { 0 };
	struct buf c;

	if (crash_if_early(t))
		return true;
	if (t->cam->still.nram == 0)
		return false;
	oi.storage_id = 0;
	oi.format = o->format;
	oi.compressed_size = (uint32_t)o->len;
	oi.width = o->width;
	oi.height = o->height;
	snprintf(oi.filename, sizeof(oi.filename), "%s", o->name);
	snprintf(oi.capture_date, sizeof(oi.capture_date), "%s", o->date);
	snprintf(oi.modification_date, sizeof(oi.modification_date), "%s",
		 o->date);
	emu_tx_begin(&c);
	ptp_object_info_write(&c, &oi);
	emu_tx_queue_data(t, &c);
	emu_tx_respond(t, PTP_RC_OK);
	return true;
}

bool emu_still_get_object(struct emu_tx *t)
{
	struct emu_camera *cam = t->cam;
	struct emu_object *o = &cam->still.ram[0];

	if (crash_if_early(t))
		return true;
	if (cam->still.nram == 0)
		return false;
	emu_tx_send(t, o->data, o->len);
	emu_tx_respond(t, PTP_RC_OK);
	cam->stats.objects_sent++;
	ram_pop(&cam->still);
	update_in_memory(cam);
	return true;
}

bool emu_still_get_partial(struct emu_tx *t, uint32_t off, uint32_t max)
{
	struct emu_camera *cam = t->cam;
	struct emu_object *o = &cam->still.ram[0];
	size_t n;

	if (crash_if_early(t))
		return true;
	if (cam->still.nram == 0)
		return false;
	if (off > o->len) {
		emu_tx_respond(t, PTP_RC_INVALID_PARAMETER);
		return true;
	}
	/* The object stays: only GetObject takes it from the buffer. */
	n = o->len - off < max ? o->len - off : max;
	emu_tx_send(t, o->data + off, n);
	emu_tx_respond_param(t, PTP_RC_OK, (uint32_t)n);
	return true;
}

bool emu_still_waiting(const struct emu_camera *cam)
{
	return cam->still.nram > 0;
}

bool emu_still_withholds(const struct emu_camera *cam)
{
	return cam->still.exposing;
}

/* ---- lifecycle ----------------------------------------------------------- */

int emu_still_init(struct emu_camera *cam)
{
	struct emu_still *st = &cam->still;

	memset(st, 0, sizeof(*st));
	st->image = emu_still_image_create(cam->cfg.still_width,
					   cam->cfg.still_height,
					   cam->cfg.still_quality);
	if (!st->image)
		return ALPHAFS_ERR_NOMEM;
	if (cam->cfg.faults.stale_image) {
		/* stale-image: a shot nobody downloaded survived power-off
		 * (dossier §7.6); a host must drain it before its own. */
		char date[sizeof(st->ram[0].date)];

		emu_still_image_start(st->image, true);
		date_string(date, sizeof(date));
		st->shots = 1;
		if (add_object(cam, PTP_OFC_JPEG, "JPG", date) < 0)
			return ALPHAFS_ERR_NOMEM;
		emu_camera_prop_set(cam, SONY_DPC_OBJECT_IN_MEMORY,
				    IN_MEMORY_FLAG + st->nram, false);
	}
	return 0;
}

void emu_still_finish(struct emu_camera *cam)
{
	struct emu_still *st = &cam->still;

	while (st->nram > 0)
		ram_pop(st);
	emu_still_image_destroy(st->image);
	st->image = NULL;
}

void emu_still_unplug(struct emu_camera *cam)
{
	struct emu_still *st = &cam->still;

	/* "Just USB reconnection helps" for a stale image (dossier §7.6):
	 * the buffer empties with the power. */
	while (st->nram > 0)
		ram_pop(st);
	st->processing = 0;
	st->exposing = st->shutter_pending = false;
	st->s1_down = st->s2_down = false;
	emu_camera_prop_set(cam, SONY_DPC_OBJECT_IN_MEMORY, 0, false);
	emu_camera_prop_set(cam, SONY_DPC_FOCUS_FOUND, FOCUS_FOUND_IDLE, false);
}
