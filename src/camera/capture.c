/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stills: the protocol-2.00 capture sequence (camera.h says which steps,
 * dossier §4.5 why) as a job the owner thread steps between live-view
 * polls. Each step runs one to three transactions and says when the next
 * is due, so the loop keeps polling frames meanwhile; every wait has a
 * deadline, every loop a fixed budget.
 *
 * Threads: camera_still_submit runs on any thread and only touches
 * still_busy / still_pending / still_req under cam->lock; everything else
 * here runs on the owner thread (the loop calls camera_still_step,
 * camera_still_event and camera_still_fail), and the ops callbacks are
 * called there without cam->lock.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "camera/camera_internal.h"

#define NS_PER_MS 1000000ull
#define IN_MEMORY_FLAG 0x8000	     /* 0xD215: images waiting (§4.5) */
#define FOCUS_MODE_MANUAL 1	     /* 0x500A (§5.3) */
#define FOCUS_FOUND_OK 2	     /* 0xD213: focused */
#define FOCUS_FOUND_OK_RX0 3	     /* libgphoto2 takes 3 as focused too */
#define COMPRESSION_RAW_JPEG 0x13    /* 0x5004: two objects */
#define SETTLE_MS 5000		     /* 0xD215 = 1 before a shot: wait */
#define MORE_OBJECTS_MS 3000	     /* RAW+JPEG: the second one's wait */
#define BULB_MS 30000
#define SHUTTER_MAX_MS 30000

/* What one 0x9209 read says about the capture. */
struct still_props {
	bool has_in_memory;
	uint32_t in_memory;   /* 0xD215 */
	uint32_t focus_found; /* 0xD213 */
	uint32_t focus_mode;  /* 0x500A */
	uint32_t compression; /* 0x5004 */
	uint32_t shutter;     /* 0xD20D */
};

static bool prop_u(const struct sony_prop_table *t, uint16_t code,
		   uint32_t *out)
{
	const struct ptp_prop_desc *d = sony_props_find(t, code);

	if (!d)
		return false;
	*out = (uint32_t)(ptp_dtc_signed(d->type) ? (uint64_t)d->current.i
						  : d->current.u);
	return true;
}

static int read_props(struct camera *cam, struct still_props *p)
{
	struct sony_prop_table t;
	int rc = sony_props_fetch(&cam->s, cam->ext.version, &t);

	memset(p, 0, sizeof(*p));
	if (rc < 0)
		return rc;
	p->has_in_memory = prop_u(&t, SONY_DPC_OBJECT_IN_MEMORY, &p->in_memory);
	prop_u(&t, SONY_DPC_FOCUS_FOUND, &p->focus_found);
	prop_u(&t, SONY_DPC_FOCUS_MODE, &p->focus_mode);
	prop_u(&t, SONY_DPC_COMPRESSION, &p->compression);
	prop_u(&t, SONY_DPC_SHUTTER_SPEED, &p->shutter);
	sony_props_finish(&t);
	return 0;
}

static bool objects_waiting(const struct still_props *p)
{
	return p->in_memory >= IN_MEMORY_FLAG;
}

/* ---- submit (any thread) --------------------------------------------------- */

int camera_still_submit(struct camera *cam, const struct camera_still_request *req)
{
	int rc = 0;

	if (!req || !req->ops.done ||
	    (req->kind != CAMERA_STILL_CAPTURE &&
	     req->kind != CAMERA_STILL_FOCUS_LOCK &&
	     req->kind != CAMERA_STILL_FOCUS_RELEASE) ||
	    (req->kind == CAMERA_STILL_CAPTURE && !req->ops.object))
		return ALPHAFS_ERR_INVALID;
	pthread_mutex_lock(&cam->lock);
	if (!cam->accepting) {
		rc = ALPHAFS_ERR_CLOSED;
	} else if (cam->still_busy) {
		rc = ALPHAFS_ERR_BUSY;
	} else {
		cam->still_busy = true;
		cam->still_pending = true;
		cam->still_req = *req;
		pthread_cond_broadcast(&cam->wake);
	}
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

/* ---- finishing ---------------------------------------------------------------- */

static void finish(struct camera *cam, int rc, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

/* Ends the job: the result to ops.done, the slot free for the next. */
static void finish(struct camera *cam, int rc, const char *fmt, ...)
{
	struct camera_still_job *j = &cam->still;
	struct camera_still_result res = j->res;
	struct camera_still_ops ops = j->req.ops;
	va_list ap;

	res.rc = rc;
	res.why[0] = '\0';
	if (rc < 0 && fmt) {
		va_start(ap, fmt);
		vsnprintf(res.why, sizeof(res.why), fmt, ap);
		va_end(ap);
	}
	if (rc < 0)
		log_warn(SONY, "still: %s", res.why);
	else
		log_info(SONY, "still: done, %u object(s), %u drained",
			 res.objects, res.drained);
	camera_note_still(cam, rc, res.objects, res.drained, res.why);
	memset(j, 0, sizeof(*j));
	pthread_mutex_lock(&cam->lock);
	cam->still_busy = false; /* before done: it may submit again */
	pthread_mutex_unlock(&cam->lock);
	ops.done(ops.arg, &res);
}

/* A failed transaction: the camera's refusal with the operation named, or
 * the transport's detail. */
static void finish_tx(struct camera *cam, int rc, const char *what)
{
	finish(cam, rc, "%s: %s", what,
	       cam->s.err.msg[0] ? cam->s.err.msg : alphafs_strerror(rc));
}

void camera_still_fail(struct camera *cam, int code, const char *why)
{
	struct camera_still_request req;
	struct camera_still_result res = { .rc = code };
	bool pending;

	cam->s1_held = false; /* a new session, or none */
	if (cam->still.step != STILL_IDLE)
		finish(cam, code, "%s", why);
	pthread_mutex_lock(&cam->lock);
	pending = cam->still_pending;
	req = cam->still_req;
	cam->still_pending = false;
	if (pending)
		cam->still_busy = false;
	pthread_mutex_unlock(&cam->lock);
	if (pending) {
		snprintf(res.why, sizeof(res.why), "%s", why);
		camera_note_still(cam, code, 0, 0, res.why);
		req.ops.done(req.ops.arg, &res);
	}
}

/* ---- steps --------------------------------------------------------------------- */

static int button(struct camera *cam, uint16_t code, uint16_t value)
{
	err_clear(&cam->s.err);
	return sony_button(&cam->s, code, value);
}

static uint64_t exposure_ms(uint32_t shutter)
{
	uint64_t num = shutter >> 16, den = shutter & 0xFFFF, ms;

	if (shutter == 0 || den == 0)
		return BULB_MS;
	ms = num * 1000 / den;
	return ms < SHUTTER_MAX_MS ? ms : SHUTTER_MAX_MS;
}

static void next_at(struct camera_still_job *j, enum camera_still_step step,
		    uint64_t at)
{
	j->step = step;
	j->next_ns = at;
}

static void poll_later(struct camera_still_job *j, uint64_t now)
{
	j->next_ns = now + CAMERA_STILL_POLL_MS * NS_PER_MS;
}

/* Reads the properties for the step; on failure the job is finished. */
static int props_for(struct camera *cam, struct still_props *p, const char *what)
{
	int rc;

	err_clear(&cam->s.err);
	rc = read_props(cam, p);
	if (rc < 0)
		finish_tx(cam, rc, what);
	return rc;
}

/* Where a shot starts: empty the buffer, let it settle, or press. */
static void route(struct camera *cam, const struct still_props *p, uint64_t now)
{
	struct camera_still_job *j = &cam->still;

	if (j->req.kind == CAMERA_STILL_CAPTURE && objects_waiting(p)) {
		next_at(j, STILL_DRAIN, now);
	} else if (j->req.kind == CAMERA_STILL_CAPTURE && p->in_memory != 0) {
		if (j->step != STILL_SETTLE)
			j->deadline_ns = now + SETTLE_MS * NS_PER_MS;
		j->step = STILL_SETTLE;
		poll_later(j, now);
	} else {
		next_at(j, STILL_PRESS, now);
	}
}

static int step_start(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct still_props p;
	int rc;

	if (j->req.kind == CAMERA_STILL_FOCUS_RELEASE) {
		rc = button(cam, SONY_CTL_S1, SONY_BUTTON_UP);
		cam->s1_held = false;
		if (rc < 0)
			finish_tx(cam, rc, "shutter half press release (0xD2C1)");
		else
			finish(cam, 0, NULL);
		return rc;
	}
	rc = props_for(cam, &p, "reading the camera's state (0x9209)");
	if (rc < 0)
		return rc;
	j->res.manual_focus = p.focus_mode == FOCUS_MODE_MANUAL;
	j->expected = p.compression == COMPRESSION_RAW_JPEG ? 2 : 1;
	j->exposure_ms = exposure_ms(p.shutter);
	route(cam, &p, now);
	return 0;
}

static int step_settle(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct still_props p;
	int rc = props_for(cam, &p, "reading 0xD215 before the shot");

	if (rc < 0)
		return rc;
	if (p.in_memory != 0 && !objects_waiting(&p) && now >= j->deadline_ns) {
		finish(cam, ALPHAFS_ERR_BUSY,
		       "the camera is still processing an earlier image (0xD215 = 0x%04X for %u ms)",
		       p.in_memory, SETTLE_MS);
		return 0;
	}
	route(cam, &p, now);
	return 0;
}

/* GetObjectInfo + GetObject of 0xFFFFC001: *obj filled, data owned. */
static int download(struct camera *cam, struct camera_still_object *obj)
{
	struct ptp_object_info oi;
	struct ptp_response resp;
	int rc;

	memset(obj, 0, sizeof(*obj));
	err_clear(&cam->s.err);
	rc = ptp_get_object_info(&cam->s, SONY_HANDLE_CAPTURED, &oi);
	if (rc < 0) {
		finish_tx(cam, rc, "GetObjectInfo(0xFFFFC001)");
		return rc;
	}
	rc = ptp_get_object(&cam->s, SONY_HANDLE_CAPTURED, &resp);
	if (rc < 0) {
		ptp_response_finish(&resp);
		finish_tx(cam, rc, "GetObject(0xFFFFC001)");
		return rc;
	}
	if (resp.data_len != oi.compressed_size)
		log_warn(SONY, "still %s: %zu bytes came, ObjectInfo said %u",
			 oi.filename, resp.data_len, oi.compressed_size);
	camera_still_name(oi.filename, oi.format, ++cam->still_seq, obj->name,
			  sizeof(obj->name));
	obj->format = oi.format;
	snprintf(obj->capture_date, sizeof(obj->capture_date), "%s",
		 oi.capture_date);
	if (camera_still_date(oi.capture_date, &obj->capture_time) < 0)
		obj->capture_time = 0;
	obj->width = oi.width;
	obj->height = oi.height;
	obj->wall_ns = clock_wall_ns();
	obj->data = resp.data;
	obj->len = resp.data_len;
	resp.data = NULL;
	ptp_response_finish(&resp);
	return 0;
}

static int step_drain(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct camera_still_object obj;
	struct still_props p;
	int rc;

	if (j->res.drained >= CAMERA_STILL_DRAIN_MAX) {
		finish(cam, ALPHAFS_ERR_BUSY,
		       "could not empty the camera's buffer: %u stale images taken, 0xD215 still says more",
		       j->res.drained);
		return 0;
	}
	rc = download(cam, &obj);
	if (rc < 0)
		return rc;
	log_info(SONY, "still: a stale image (%s, %zu bytes) was waiting; dropped",
		 obj.name, obj.len);
	mem_free(obj.data);
	j->res.drained++;
	rc = props_for(cam, &p, "reading 0xD215 after a stale image");
	if (rc == 0)
		route(cam, &p, now);
	return rc;
}

static bool focus_ok(const struct still_props *p)
{
	return p->focus_found == FOCUS_FOUND_OK ||
	       p->focus_found == FOCUS_FOUND_OK_RX0;
}

static unsigned focus_timeout(const struct camera_still_job *j)
{
	if (j->req.focus_timeout_ms)
		return j->req.focus_timeout_ms;
	return j->req.kind == CAMERA_STILL_FOCUS_LOCK ? CAMERA_STILL_FOCUS_LOCK_MS
						      : CAMERA_STILL_FOCUS_MS;
}

static int step_press(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	int rc;

	if (!cam->s1_held) {
		rc = button(cam, SONY_CTL_S1, SONY_BUTTON_DOWN);
		if (rc < 0) {
			finish_tx(cam, rc, "shutter half press (0xD2C1)");
			return rc;
		}
		j->pressed_s1 = true;
	}
	if (j->req.kind == CAMERA_STILL_CAPTURE) {
		rc = button(cam, SONY_CTL_S2, SONY_BUTTON_DOWN);
		if (rc < 0 && rc != ALPHAFS_ERR_PTP_RESPONSE) {
			finish_tx(cam, rc, "shutter full press (0xD2C2)");
			return rc;
		}
		if (rc < 0) {
			/* Refused: release the half press, then report. */
			j->failed_rc = rc;
			snprintf(j->failed_why, sizeof(j->failed_why),
				 "shutter full press (0xD2C2): %s", cam->s.err.msg);
			next_at(j, STILL_RELEASE, now);
			return 0;
		}
		j->pressed_s2 = true;
	} else {
		cam->s1_held = true; /* FOCUS_LOCK */
		j->pressed_s1 = false;
	}
	if (j->res.manual_focus) {
		if (j->req.kind == CAMERA_STILL_CAPTURE)
			next_at(j, STILL_RELEASE, now);
		else
			finish(cam, 0, NULL);
		return 0;
	}
	j->deadline_ns = now + focus_timeout(j) * NS_PER_MS;
	j->step = STILL_FOCUS;
	poll_later(j, now);
	return 0;
}

static int step_focus(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct still_props p;
	int rc = props_for(cam, &p, "reading 0xD213 FocusFound");

	if (rc < 0)
		return rc;
	j->res.focus_found = focus_ok(&p);
	if (!j->res.focus_found && now < j->deadline_ns) {
		poll_later(j, now);
		return 0;
	}
	if (j->req.kind == CAMERA_STILL_CAPTURE) {
		/* libgphoto2 shoots on after its wait, focused or not. */
		next_at(j, STILL_RELEASE, now);
		return 0;
	}
	if (j->res.focus_found) {
		finish(cam, 0, NULL);
		return 0;
	}
	rc = button(cam, SONY_CTL_S1, SONY_BUTTON_UP);
	cam->s1_held = false;
	if (rc < 0 && rc != ALPHAFS_ERR_PTP_RESPONSE) {
		finish_tx(cam, rc, "shutter half press release (0xD2C1)");
		return rc;
	}
	finish(cam, ALPHAFS_ERR_TIMEOUT,
	       "focus not found within %u ms (0xD213 FocusFound = %u)",
	       focus_timeout(j), p.focus_found);
	return 0;
}

/* Releases what this job pressed (S2, then S1), also after a refusal. */
static int step_release(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	int rc = 0, r;

	if (j->pressed_s2) {
		rc = button(cam, SONY_CTL_S2, SONY_BUTTON_UP);
		j->pressed_s2 = false;
		if (rc < 0 && rc != ALPHAFS_ERR_PTP_RESPONSE) {
			finish_tx(cam, rc, "shutter full press release (0xD2C2)");
			return rc;
		}
	}
	if (j->pressed_s1 || cam->s1_held) {
		r = button(cam, SONY_CTL_S1, SONY_BUTTON_UP);
		j->pressed_s1 = cam->s1_held = false;
		if (r < 0 && r != ALPHAFS_ERR_PTP_RESPONSE) {
			finish_tx(cam, r, "shutter half press release (0xD2C1)");
			return r;
		}
		rc = rc < 0 ? rc : r;
	}
	if (j->failed_rc < 0) {
		finish(cam, j->failed_rc, "%s", j->failed_why);
		return 0;
	}
	if (rc < 0)
		log_warn(SONY, "still: a button release was refused: %s",
			 cam->s.err.msg);
	j->announce_ms = j->req.announce_timeout_ms
				 ? j->req.announce_timeout_ms
				 : CAMERA_STILL_ANNOUNCE_MS + (unsigned)j->exposure_ms;
	j->deadline_ns = now + j->announce_ms * NS_PER_MS;
	j->step = STILL_ANNOUNCE;
	poll_later(j, now);
	return 0;
}

static int step_announce(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct still_props p;
	int rc = props_for(cam, &p, "reading 0xD215 ObjectInMemory");
	bool ready;

	if (rc < 0)
		return rc;
	/* 0xD215 decides; a body without it has only ObjectAdded. */
	ready = p.has_in_memory ? objects_waiting(&p) : j->event_object;
	if (ready) {
		next_at(j, STILL_DOWNLOAD, now);
	} else if (now >= j->deadline_ns) {
		finish(cam, ALPHAFS_ERR_TIMEOUT,
		       "no image announced within %u ms (0xD215 = 0x%04X)",
		       j->announce_ms, p.in_memory);
	} else {
		poll_later(j, now);
	}
	return 0;
}

static int step_download(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct camera_still_object obj;
	struct still_props p;
	unsigned got;
	int rc = download(cam, &obj);

	if (rc < 0)
		return rc;
	got = ++j->downloaded;
	if (j->abort_rc == 0) {
		log_info(SONY, "still: %s, %zu bytes", obj.name, obj.len);
		rc = j->req.ops.object(j->req.ops.arg, &obj);
		if (rc < 0)
			j->abort_rc = rc; /* the rest is taken and dropped */
		else
			j->res.objects++;
	} else {
		mem_free(obj.data);
	}
	rc = props_for(cam, &p, "reading 0xD215 after a download");
	if (rc < 0)
		return rc;
	if (objects_waiting(&p) && got < CAMERA_STILL_OBJECTS_MAX) {
		next_at(j, STILL_DOWNLOAD, now);
	} else if (got < j->expected && !j->waited_more) {
		j->waited_more = true;
		j->deadline_ns = now + MORE_OBJECTS_MS * NS_PER_MS;
		j->step = STILL_MORE;
		poll_later(j, now);
	} else if (j->abort_rc < 0) {
		finish(cam, j->abort_rc, "the still's objects were not taken: %s",
		       alphafs_strerror(j->abort_rc));
	} else {
		finish(cam, 0, NULL);
	}
	return 0;
}

/* RAW+JPEG and the second object is not announced yet. */
static int step_more(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	struct still_props p;
	int rc = props_for(cam, &p, "reading 0xD215 for the next object");

	if (rc < 0)
		return rc;
	if (objects_waiting(&p)) {
		next_at(j, STILL_DOWNLOAD, now);
	} else if (now < j->deadline_ns) {
		poll_later(j, now);
	} else if (j->abort_rc < 0) {
		finish(cam, j->abort_rc, "the still's objects were not taken: %s",
		       alphafs_strerror(j->abort_rc));
	} else {
		log_info(SONY, "still: %u of %u expected objects came",
			 j->downloaded, j->expected);
		finish(cam, 0, NULL);
	}
	return 0;
}

/* ---- the owner's entry points ---------------------------------------------- */

static bool take_pending(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;
	bool got;

	pthread_mutex_lock(&cam->lock);
	got = cam->still_pending;
	if (got) {
		memset(j, 0, sizeof(*j));
		j->req = cam->still_req;
		cam->still_pending = false;
	}
	pthread_mutex_unlock(&cam->lock);
	if (got)
		next_at(j, STILL_START, now);
	return got;
}

int camera_still_step(struct camera *cam, uint64_t now)
{
	struct camera_still_job *j = &cam->still;

	if (j->step == STILL_IDLE && !take_pending(cam, now))
		return 0;
	if (now < j->next_ns)
		return 0;
	switch (j->step) {
	case STILL_IDLE:
		return 0;
	case STILL_START:
		return step_start(cam, now);
	case STILL_SETTLE:
		return step_settle(cam, now);
	case STILL_DRAIN:
		return step_drain(cam, now);
	case STILL_PRESS:
		return step_press(cam, now);
	case STILL_FOCUS:
		return step_focus(cam, now);
	case STILL_RELEASE:
		return step_release(cam, now);
	case STILL_ANNOUNCE:
		return step_announce(cam, now);
	case STILL_DOWNLOAD:
		return step_download(cam, now);
	case STILL_MORE:
		return step_more(cam, now);
	}
	return 0;
}

uint64_t camera_still_next_ns(struct camera *cam)
{
	bool pending;

	if (cam->still.step != STILL_IDLE)
		return cam->still.next_ns;
	pthread_mutex_lock(&cam->lock);
	pending = cam->still_pending;
	pthread_mutex_unlock(&cam->lock);
	return pending ? 0 : UINT64_MAX;
}

bool camera_still_active(struct camera *cam)
{
	return cam->still.step != STILL_IDLE;
}

/* Events are hints (dossier §6): they only make the next read come now. */
void camera_still_event(struct camera *cam, const struct ptp_event *ev)
{
	struct camera_still_job *j = &cam->still;
	uint32_t p1 = ev->nparams ? ev->params[0] : 0;

	if (j->step == STILL_IDLE)
		return;
	if (ev->code == SONY_EC_OBJECT_ADDED) {
		j->event_object = true;
		j->next_ns = 0;
	} else if (ev->code == SONY_EC_PROP_CHANGED &&
		   (p1 == SONY_DPC_OBJECT_IN_MEMORY || p1 == SONY_DPC_FOCUS_FOUND)) {
		j->next_ns = 0;
	}
}

/* ---- pure helpers -------------------------------------------------------------- */

static bool name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

void camera_still_name(const char *camera_name, uint16_t format, unsigned seq,
		       char *out, size_t cap)
{
	size_t n = 0;
	const char *p = camera_name ? camera_name : "";
	const char *ext;

	if (cap == 0)
		return;
	while (*p == '.')
		p++;
	for (; *p && n + 1 < cap && n + 1 < CAMERA_STILL_NAME_MAX; p++)
		out[n++] = name_char(*p) ? *p : '_';
	out[n] = '\0';
	if (n > 0)
		return;
	ext = format == PTP_OFC_JPEG ? "JPG" : format == SONY_OFC_ARW ? "ARW" : "BIN";
	snprintf(out, cap, "STILL%04u.%s", seq % 10000, ext);
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

int camera_still_date(const char *s, int64_t *unix_s)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, se;
	time_t t;

	if (!s || strnlen(s, 16) < 15 || s[8] != 'T' || !digits(s, 4, &y) ||
	    !digits(s + 4, 2, &mo) || !digits(s + 6, 2, &d) ||
	    !digits(s + 9, 2, &h) || !digits(s + 11, 2, &mi) ||
	    !digits(s + 13, 2, &se))
		return ALPHAFS_ERR_MALFORMED;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || se > 60)
		return ALPHAFS_ERR_MALFORMED;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return ALPHAFS_ERR_MALFORMED;
	*unix_s = (int64_t)t;
	return 0;
}
