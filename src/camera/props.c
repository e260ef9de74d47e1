/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The camera's properties as the control/ files see them, and control
 * writes.
 *
 * Reading: the owner thread reads the whole 0x9209 blob, always WITHOUT
 * parameters (an a6300 hangs after the first live-view frame when 0x9209
 * carries any: dougforpres/SonyCamera#3, dossier §7), when a C203 says a
 * property changed, while a write waits (every CAMERA_WALK_READ_MS), and
 * otherwise at least every CAMERA_PROPS_REFRESH_MS, so the files stay
 * honest with a body that sends no events. Each read becomes an immutable
 * snapshot; what changed since the previous one becomes event lines
 * ("property iso 800 -> 1600"). Other threads take a reference to the
 * newest snapshot under cam->lock and format from it, never waiting on
 * the camera.
 *
 * Writing: camera_control_write checks the text against the newest
 * snapshot (parse, allowed values, read-only, mode) on the caller's
 * thread, then hands a job to the owner through the request queue. The
 * owner runs one job at a time as a walk (walk.c): one transaction per
 * decision, between live-view frames, so live view keeps flowing.
 *
 * How each property is set (dossier §5.4, §5.5): on protocol 2.00 ISO,
 * shutter speed, f-number and exposure compensation move one notch per
 * SetControlDeviceB (0x9207) step; everything else, and those four from
 * 3.00 on, by SetControlDeviceA (0x9205) with the value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

#define NS_PER_MS 1000000ull
#define CONTROL_BIT 0x80   /* GetSet bit 7: a button, not a value (§5.1) */
#define ENABLED_NO 0	   /* IsEnabled: greyed out now */
#define ENABLED_YES 1
#define ENABLED_DISPLAY 2  /* display only */
#define VALUE_LINE_MAX 64

/* ---- snapshots ------------------------------------------------------- */

static struct camera_props_snap *snap_get(struct camera_props_snap *p)
{
	if (p)
		atomic_fetch_add(&p->refs, 1);
	return p;
}

static void snap_put(struct camera_props_snap *p)
{
	if (!p || atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	sony_props_finish(&p->t);
	mem_free(p);
}

/* The newest snapshot (a reference) and whether the camera is there. */
static struct camera_props_snap *snap_current(struct camera *cam,
					      bool *connected,
					      uint16_t *protocol)
{
	struct camera_props_snap *p;

	pthread_mutex_lock(&cam->lock);
	p = snap_get(cam->snap);
	*connected = cam->status.connected;
	if (protocol)
		*protocol = cam->info.sony_protocol;
	pthread_mutex_unlock(&cam->lock);
	return p;
}

static void publish(struct camera *cam, struct camera_props_snap *p)
{
	struct camera_props_snap *old;

	pthread_mutex_lock(&cam->lock);
	old = cam->snap;
	cam->snap = snap_get(p);
	if (p)
		cam->status.props_reads++;
	pthread_mutex_unlock(&cam->lock);
	snap_put(old);
}

/* ---- what changed ----------------------------------------------------- */

static bool same_value(const struct ptp_value *a, const struct ptp_value *b)
{
	if (a->type != b->type)
		return false;
	if (a->type == PTP_DTC_STR)
		return !strcmp(a->str ? a->str : "", b->str ? b->str : "");
	return sony_value_int(a) == sony_value_int(b);
}

/* "iso", "FocusFound", or "0xD2A0". */
static void prop_label(uint16_t code, char *out, size_t cap)
{
	const struct sony_control *c = sony_control_by_code(code);
	const char *n = c ? c->name : sony_prop_name(code);

	if (n)
		snprintf(out, cap, "%s", n);
	else
		snprintf(out, cap, "0x%04X", code);
}

static void post_change(struct camera *cam, const struct ptp_prop_desc *old,
			const struct ptp_prop_desc *now)
{
	const struct sony_control *c = sony_control_by_code(now->code);
	char name[SONY_CONTROL_NAME_MAX], a[VALUE_LINE_MAX], b[VALUE_LINE_MAX];

	prop_label(now->code, name, sizeof(name));
	sony_value_format(c, &old->current, a, sizeof(a));
	sony_value_format(c, &now->current, b, sizeof(b));
	camera_event_post(cam, "property %s %s -> %s", name, a, b);
}

/* Event lines for every value that differs between two reads (buttons,
 * GetSet bit 7, are not values). */
static void post_changes(struct camera *cam, const struct sony_prop_table *old,
			 const struct sony_prop_table *now)
{
	for (size_t i = 0; i < now->n; i++) {
		const struct ptp_prop_desc *d = &now->v[i], *o;

		if (d->getset & CONTROL_BIT)
			continue;
		o = sony_props_find(old, d->code);
		if (o && !same_value(&o->current, &d->current))
			post_change(cam, o, d);
	}
}

void camera_props_absorb(struct camera *cam, struct sony_prop_table *t)
{
	struct camera_props *P = &cam->props;
	struct camera_props_snap *p = mem_calloc(1, sizeof(*p));

	if (!p) {
		sony_props_finish(t);
		return;
	}
	atomic_init(&p->refs, 1);
	p->t = *t;
	memset(t, 0, sizeof(*t));
	p->read_ns = clock_now_ns();
	if (P->cur)
		post_changes(cam, &P->cur->t, &p->t);
	publish(cam, p);
	snap_put(P->cur);
	P->cur = p;
	P->dirty = false;
	P->next_read_ns = p->read_ns + CAMERA_PROPS_REFRESH_MS * NS_PER_MS;
}

void camera_props_changed(struct camera *cam)
{
	cam->props.dirty = true;
}

/* One 0x9209 read (no parameters), noting a blob that disagrees. */
static int read_props(struct camera *cam)
{
	struct sony_prop_table t;
	int rc = sony_props_fetch(&cam->s, cam->ext.version, &t);

	if (rc < 0)
		return rc;
	if (t.count_field != t.n || t.cut_short)
		camera_note_props(cam, t.count_field != t.n, t.cut_short);
	camera_props_absorb(cam, &t);
	return 0;
}

/* ---- who may set what -------------------------------------------------- */

static const struct ptp_prop_desc *exposure_mode(const struct sony_prop_table *t)
{
	return sony_props_find(t, SONY_DPC_EXPOSURE_PROGRAM);
}

/*
 * Whether c can be set now: READ_ONLY (never from here) or STATE (not in
 * the camera's present mode), with why. The IsEnabled rule is
 * libgphoto2's (dossier §5.1): 1 settable, 0 greyed out, 2 display only
 * except focus and metering mode. Stepped properties show 2 and move by
 * steps on 2.00, where the exposure mode decides (INDIGO, §5.5).
 */
static int settable(const struct sony_control *c, const struct ptp_prop_desc *d,
		    const struct sony_prop_table *t, bool by_steps, char *why,
		    size_t cap)
{
	const struct ptp_prop_desc *m = exposure_mode(t);
	char mode[SONY_VALUE_TEXT_MAX];

	if (c->set == SONY_SET_NONE || (d->getset & CONTROL_BIT)) {
		snprintf(why, cap, "%s is read-only: %s", c->name,
			 c->read_only_why ? c->read_only_why
					  : "a button, not a value");
		return ALPHAFS_ERR_READ_ONLY;
	}
	if (m && !sony_mode_allows(c->need, (uint32_t)sony_value_int(&m->current))) {
		sony_value_format(sony_control_by_code(m->code), &m->current, mode,
				  sizeof(mode));
		snprintf(why, cap,
			 "%s is not settable in exposure mode %s (the camera sets it; turn the mode dial)",
			 c->name, mode);
		return ALPHAFS_ERR_STATE;
	}
	if (d->is_enabled == ENABLED_NO) {
		snprintf(why, cap,
			 "%s is disabled by the camera in its current mode",
			 c->name);
		return ALPHAFS_ERR_STATE;
	}
	if (d->is_enabled == ENABLED_DISPLAY && !by_steps &&
	    d->code != SONY_DPC_FOCUS_MODE && d->code != SONY_DPC_METERING) {
		snprintf(why, cap, "%s is display-only on this camera", c->name);
		return ALPHAFS_ERR_READ_ONLY;
	}
	return 0;
}

static bool set_by_steps(const struct sony_control *c, uint16_t protocol)
{
	return c->set == SONY_SET_STEP && protocol < SONY_PROTOCOL_300;
}

/* ---- the caller's side ------------------------------------------------- */

void camera_note_control(struct camera *cam, bool failed, const char *fmt,
			 ...)
{
	char why[ERR_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_info(SONY, "control: %s", why);
	pthread_mutex_lock(&cam->lock);
	snprintf(cam->status.control_why, sizeof(cam->status.control_why),
		 "%s", why);
	cam->status.control_failed += failed;
	pthread_mutex_unlock(&cam->lock);
}

bool camera_prop_announced(struct camera *cam, uint16_t code)
{
	bool has;

	pthread_mutex_lock(&cam->lock);
	has = cam->info_valid && ptp_u16_list_has(&cam->info.properties, code);
	pthread_mutex_unlock(&cam->lock);
	return has;
}

/* The snapshot and c's descriptor in it, for a read or a write. */
static int lookup(struct camera *cam, uint16_t code,
		  const struct sony_control **c, struct camera_props_snap **p,
		  const struct ptp_prop_desc **d, uint16_t *protocol)
{
	bool connected;

	*c = sony_control_by_code(code);
	if (!*c)
		return ALPHAFS_ERR_INVALID;
	*p = snap_current(cam, &connected, protocol);
	if (!connected) {
		snap_put(*p);
		*p = NULL;
		return ALPHAFS_ERR_NO_DEVICE;
	}
	if (!*p)
		return ALPHAFS_ERR_AGAIN;
	*d = sony_props_find(&(*p)->t, code);
	if (!*d) {
		snap_put(*p);
		*p = NULL;
		return ALPHAFS_ERR_UNSUPPORTED;
	}
	return 0;
}

int camera_control_read(struct camera *cam, uint16_t code, struct buf *out)
{
	const struct sony_control *c;
	const struct ptp_prop_desc *d;
	struct camera_props_snap *p;
	char v[VALUE_LINE_MAX];
	int rc = lookup(cam, code, &c, &p, &d, NULL);

	if (rc < 0)
		return rc;
	sony_value_format(c, &d->current, v, sizeof(v));
	buf_printf(out, "%s\n", v);
	snap_put(p);
	return buf_status(out);
}

int camera_control_choices(struct camera *cam, uint16_t code, struct buf *out)
{
	const struct sony_control *c;
	const struct ptp_prop_desc *d;
	struct camera_props_snap *p;
	int rc = lookup(cam, code, &c, &p, &d, NULL);

	if (rc < 0)
		return rc;
	sony_choices_format(c, d, out);
	snap_put(p);
	return buf_status(out);
}

/* The enumeration's own member for v (a shutter speed 30" may be 300/10
 * on the camera), so 0x9205 sends exactly what the camera listed. */
static void canonical(const struct sony_control *c,
		      const struct ptp_prop_desc *d, struct ptp_value *v)
{
	if (d->form != PTP_FORM_ENUM)
		return;
	for (uint16_t i = 0; i < d->enum_count; i++)
		if (sony_value_cmp(c, d, &d->enum_values[i], v) == 0) {
			sony_value_set(v, d->type,
				       sony_value_int(&d->enum_values[i]));
			return;
		}
}

static int check_write(struct camera *cam, const struct camera_control_write *w,
		       const struct sony_control *c,
		       const struct ptp_prop_desc *d,
		       const struct sony_prop_table *t, uint16_t protocol,
		       struct ptp_value *v)
{
	char why[ERR_DETAIL_MAX];
	char shown[SONY_VALUE_INPUT_MAX + 1];
	size_t n = w->len < sizeof(shown) - 1 ? w->len : sizeof(shown) - 1;
	int rc;

	rc = settable(c, d, t, set_by_steps(c, protocol), why, sizeof(why));
	if (rc < 0) {
		camera_note_control(cam, true, "%s", why);
		return rc;
	}
	memcpy(shown, w->text, n);
	shown[n] = '\0';
	shown[strcspn(shown, "\r\n")] = '\0';
	if (sony_value_parse(c, d->type, w->text, w->len, v) < 0) {
		camera_note_control(cam, true,
				    "%s: \"%s\" is not a value (see control/%s.choices)",
				    c->name, shown, c->name);
		return ALPHAFS_ERR_INVALID;
	}
	if (!sony_value_allowed(c, d, v)) {
		camera_note_control(cam, true,
				    "%s: %s is not one of the camera's values (control/%s.choices)",
				    c->name, shown, c->name);
		return ALPHAFS_ERR_INVALID;
	}
	canonical(c, d, v);
	return 0;
}

static void job_complete(struct camera_job *job, int rc, const char *why)
{
	struct camera *cam = job->cam;
	char v[VALUE_LINE_MAX];

	if (rc < 0) {
		camera_note_control(cam, true, "%s", why && why[0] ? why
						      : alphafs_strerror(rc));
	} else {
		sony_value_format(job->c, &job->value, v, sizeof(v));
		log_info(SONY, "control: %s set to %s", job->c->name, v);
		pthread_mutex_lock(&cam->lock);
		cam->status.control_writes++;
		pthread_mutex_unlock(&cam->lock);
	}
	job->done(rc, job->arg);
	mem_free(job);
}

/* Owner thread: the job joins the queue of writes. */
static int handle_job_run(struct ptp_session *s, void *arg)
{
	struct camera_job *job = arg;
	struct camera_props *P = &job->cam->props;

	(void)s;
	if (P->njobs == CAMERA_JOBS_MAX)
		return ALPHAFS_ERR_BUSY;
	P->jobs[P->njobs++] = job;
	return 0;
}

/* Owner thread (or camera_stop): 0 = queued above; otherwise the job
 * never ran (busy, camera gone or stopping). */
static void handle_job_queued(int result, void *arg)
{
	struct camera_job *job = arg;

	if (result < 0)
		job_complete(job, result,
			     result == ALPHAFS_ERR_BUSY
				     ? "too many control writes waiting"
				     : alphafs_strerror(result));
}

int camera_control_write(struct camera *cam, const struct camera_control_write *w)
{
	const struct sony_control *c;
	const struct ptp_prop_desc *d;
	struct camera_props_snap *p;
	struct camera_request req;
	struct camera_job *job;
	struct ptp_value v;
	uint16_t protocol = 0;
	int rc;

	if (!w || !w->done || (!w->text && w->len))
		return ALPHAFS_ERR_INVALID;
	rc = lookup(cam, w->code, &c, &p, &d, &protocol);
	if (rc < 0) {
		if (c && rc != ALPHAFS_ERR_NO_DEVICE)
			camera_note_control(cam, true, "%s: %s", c->name,
					    rc == ALPHAFS_ERR_UNSUPPORTED
						    ? "the camera does not report it"
						    : alphafs_strerror(rc));
		return rc;
	}
	rc = check_write(cam, w, c, d, &p->t, protocol, &v);
	snap_put(p);
	if (rc < 0)
		return rc;
	job = mem_calloc(1, sizeof(*job));
	if (!job)
		return ALPHAFS_ERR_NOMEM;
	*job = (struct camera_job){ .cam = cam, .c = c, .value = v,
				    .done = w->done, .cancelled = w->cancelled,
				    .arg = w->arg };
	req = (struct camera_request){ .run = handle_job_run,
				       .done = handle_job_queued, .arg = job };
	rc = camera_submit(cam, &req);
	if (rc < 0)
		mem_free(job);
	return rc;
}

/* ---- the owner's side ------------------------------------------------- */

static void finish_active(struct camera *cam, int rc, const char *why)
{
	struct camera_job *job = cam->props.active;

	cam->props.active = NULL;
	if (job)
		job_complete(job, rc, why);
}

/* A transaction of the walk failed: PTP_RESPONSE by name, BUSY for
 * DeviceBusy. */
static int failed_transaction(struct camera *cam, int rc)
{
	char why[ERR_DETAIL_MAX];
	struct camera_job *job = cam->props.active;

	snprintf(why, sizeof(why), "%s: %s", job->c->name,
		 cam->s.err.msg[0] ? cam->s.err.msg : alphafs_strerror(rc));
	if (rc == ALPHAFS_ERR_PTP_RESPONSE &&
	    cam->s.last_rc == PTP_RC_DEVICE_BUSY)
		rc = ALPHAFS_ERR_BUSY;
	finish_active(cam, rc, why);
	return rc;
}

static void begin_job(struct camera *cam, uint64_t now)
{
	struct camera_props *P = &cam->props;
	struct camera_job *job = P->jobs[0];

	memmove(&P->jobs[0], &P->jobs[1], --P->njobs * sizeof(P->jobs[0]));
	P->active = job;
	P->active_needs_read = true;
	camera_walk_begin(&job->walk, job->c,
			  set_by_steps(job->c, cam->ext.version), &job->value,
			  now);
}

/* The camera may have changed since the caller checked: mode dial,
 * greyed-out entries. */
static bool still_settable(struct camera *cam, const struct ptp_prop_desc *d)
{
	struct camera_job *job = cam->props.active;
	char why[ERR_DETAIL_MAX];
	int rc;

	if (job->walk.started)
		return true;
	rc = settable(job->c, d, &cam->props.cur->t, job->walk.by_steps, why,
		      sizeof(why));
	if (rc == 0)
		return true;
	finish_active(cam, rc, why);
	return false;
}

static int send_action(struct camera *cam, enum camera_walk_action a,
		       uint64_t now)
{
	struct camera_job *job = cam->props.active;
	int rc;

	if (a == CAMERA_WALK_SEND_VALUE) {
		rc = sony_set_control_a(&cam->s, job->c->code, &job->walk.target);
	} else {
		rc = sony_step(&cam->s, job->c->code,
			       a == CAMERA_WALK_STEP_UP ? 1 : -1);
		pthread_mutex_lock(&cam->lock);
		cam->status.control_steps++;
		pthread_mutex_unlock(&cam->lock);
	}
	if (rc < 0)
		return failed_transaction(cam, rc);
	camera_walk_sent(&job->walk, now);
	cam->props.next_read_ns = now + CAMERA_WALK_READ_MS * NS_PER_MS;
	return 0;
}

/* The active write's next move, from the newest read. */
static int act(struct camera *cam, uint64_t now)
{
	struct camera_props *P = &cam->props;
	struct camera_job *job = P->active;
	const struct ptp_prop_desc *d = sony_props_find(&P->cur->t, job->c->code);
	enum camera_walk_action a;
	char why[ERR_DETAIL_MAX];

	if (!d) {
		snprintf(why, sizeof(why), "%s: the camera stopped reporting it",
			 job->c->name);
		finish_active(cam, ALPHAFS_ERR_UNSUPPORTED, why);
		return 0;
	}
	if (!still_settable(cam, d))
		return 0;
	a = camera_walk_next(&job->walk, d, now);
	switch (a) {
	case CAMERA_WALK_WAIT: {
		uint64_t next = now + CAMERA_WALK_READ_MS * NS_PER_MS;

		if (P->next_read_ns > next)
			P->next_read_ns = next;
		return 0;
	}
	case CAMERA_WALK_SEND_VALUE:
	case CAMERA_WALK_STEP_UP:
	case CAMERA_WALK_STEP_DOWN:
		return send_action(cam, a, now);
	case CAMERA_WALK_DONE:
		finish_active(cam, 0, NULL);
		return 0;
	case CAMERA_WALK_FAIL:
		finish_active(cam, job->walk.fail_code, job->walk.why);
		return 0;
	}
	return 0;
}

int camera_props_tick(struct camera *cam, uint64_t now)
{
	struct camera_props *P = &cam->props;
	int rc;

	if (!cam->t || !cam->session_ready)
		return 0;
	if (!P->active && P->njobs > 0)
		begin_job(cam, now);
	if (P->active && P->active->cancelled &&
	    P->active->cancelled(P->active->arg))
		finish_active(cam, ALPHAFS_ERR_INTERRUPTED, "write interrupted");
	if (P->dirty || now >= P->next_read_ns ||
	    (P->active && P->active_needs_read)) {
		rc = read_props(cam);
		if (rc < 0) {
			/* A refused read is tried again later (and counted
			 * with the other DeviceBusy answers); a write
			 * waiting on it fails with the reason. */
			if (rc == ALPHAFS_ERR_PTP_RESPONSE &&
			    cam->s.last_rc == PTP_RC_DEVICE_BUSY)
				camera_note_counters(cam, 0, 0, 1);
			P->dirty = false;
			P->next_read_ns = now + CAMERA_WALK_READ_MS * NS_PER_MS;
			if (P->active)
				failed_transaction(cam, rc);
			return rc;
		}
		P->active_needs_read = false;
	}
	if (!P->active || !P->cur)
		return 0;
	return act(cam, now);
}

uint64_t camera_props_next_ns(struct camera *cam)
{
	struct camera_props *P = &cam->props;

	if (!cam->t || !cam->session_ready)
		return UINT64_MAX;
	if (P->dirty || (!P->active && P->njobs > 0))
		return 0;
	return P->next_read_ns;
}

void camera_props_drop(struct camera *cam, int code, bool all)
{
	struct camera_props *P = &cam->props;
	char why[ERR_DETAIL_MAX];

	if (P->active) {
		snprintf(why, sizeof(why), "%s: %s", P->active->c->name,
			 code == ALPHAFS_ERR_IO ? "the session was reset during the write"
						: alphafs_strerror(code));
		finish_active(cam, code, why);
	}
	while (all && P->njobs > 0) {
		struct camera_job *job = P->jobs[--P->njobs];

		snprintf(why, sizeof(why), "%s: %s", job->c->name,
			 alphafs_strerror(code));
		job_complete(job, code, why);
	}
	if (!all)
		return;
	publish(cam, NULL);
	snap_put(P->cur);
	P->cur = NULL;
	P->dirty = false;
	P->next_read_ns = 0; /* read at once on the next session */
}

void camera_props_finish(struct camera *cam)
{
	camera_props_drop(cam, ALPHAFS_ERR_CLOSED, true);
}
