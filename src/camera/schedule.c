/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-view poll schedule (schedule.h says what and why).
 *
 * Model: frame k is ready at about line(k) = at + slope * (k - k_mean),
 * each frame a little late by the camera's jitter. line is a weighted
 * least-squares fit through brackets: a frame that came on the first poll
 * after a refusal was ready between the two (narrow brackets weigh more).
 * TRACK polls frame k at line(k) + offset, and moves the offset as a
 * quantile tracker: down a small step (growing while frames keep coming
 * at once), up a larger one on a refusal, so that about one poll in
 * CAMERA_SCHED_UP_DOWN + 1 is refused and retried a fraction of a
 * millisecond later.
 */
#include <math.h>
#include <string.h>

#include "camera/schedule.h"

#define NS_PER_MS 1000000ull
#define NS_PER_US 1000ull
#define NS_PER_S 1000000000ull
#define HINT_NS (NS_PER_S / 30) /* what Sony bodies send (dossier §4.2) */
#define PERIOD_MIN_NS (NS_PER_S / 250) /* the emulated camera goes to 240 */
#define PERIOD_MAX_NS (2 * NS_PER_S)

/* LEARN: polls about twice a frame (9/20 of the shortest gap between
 * frames), never closer than GAP_MIN, backing off by half again up to
 * GAP_MAX while no frame comes for QUIET_PERIODS periods. */
#define GAP_NUM 9
#define GAP_DEN 20
#define GAP_MIN_NS (1 * NS_PER_MS)
#define GAP_MAX_NS (50 * NS_PER_MS)
#define QUIET_PERIODS 3
/* Frames that came at once, in a row, before the gap is halved. */
#define PILED_MAX 2
/* Brackets, and how good the line must be (standard error of the period,
 * doubt about the next frame), before tracking. */
#define LEARN_SAMPLES 6
#define LEARN_SLOPE_SE_NS (50.0 * NS_PER_US)
#define LEARN_DOUBT_NS (2.0 * NS_PER_MS)
/* The line aims LEARN's polls once its period is known to 1/AIM_SLOPE_DIV,
 * starting its doubt plus AIM_MARGIN before the next frame. */
#define AIM_SLOPE_DIV 20
#define AIM_MARGIN_NS (500 * NS_PER_US)
/* Besides its width, each bracket's ready time is as uncertain as this
 * (the camera's own jitter), so a very narrow one does not outweigh every
 * other. */
#define WIDTH_FLOOR_NS (500.0 * NS_PER_US)

/* TRACK: the retry grid after a refusal, GRID_N polls, the first
 * GRID_FIRST_DIV of a period later (within GRID_FIRST_MIN..MAX), each gap
 * twice the one before: about a quarter period in all. */
#define GRID_N 5
#define GRID_FIRST_DIV 128
#define GRID_FIRST_MIN_NS (250 * NS_PER_US)
#define GRID_FIRST_MAX_NS (1 * NS_PER_MS)
/* Offset steps: down by period/DOWN_DIV, growing by 9/8 per frame that
 * came at once (to DOWN_MAX_DIV); up by UP_DOWN times the first step
 * after a refusal. The first step stays within DOWN_MIN..DOWN_MAX: the
 * camera's jitter does not grow with its period. */
#define DOWN_DIV 1024
#define DOWN_MIN_NS (8 * NS_PER_US)
#define DOWN_MAX_NS (40 * NS_PER_US)
#define DOWN_MAX_DIV 16
#define UP_DOWN 15
/* A poll this late (period / LATE_DIV after its time) was delayed by the
 * host, not early for the camera: it teaches nothing. */
#define LATE_DIV 4
/* Learn again when: the offset moved a quarter period down with no
 * refusal (the camera got faster), FAR_MAX brackets in a row lie more than
 * period / FAR_DIV (at least FAR_MIN) off the line, or the grid ends
 * without a frame (slower, paused). */
#define CREEP_DIV 4
/* TRACK probes half a period before a frame is due about once a second
 * (every PROBE_MIN_FRAMES frames at least): refused, as it should be; a
 * frame there means the camera got faster. */
#define PROBE_EVERY_NS NS_PER_S
#define PROBE_MIN_FRAMES 16
#define FAR_DIV 8
#define FAR_MIN_NS (4 * NS_PER_MS)
#define FAR_MAX 2

/* DeviceBusy: wait BUSY_START_MS, growing by BUSY_STEP_MS to BUSY_MAX_MS
 * (all under a 30 fps frame interval, dossier §7.4). */
#define BUSY_START_MS 5
#define BUSY_STEP_MS 5
#define BUSY_MAX_MS 30

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static uint64_t period_or_hint(const struct camera_sched *s)
{
	return s->period_ns ? s->period_ns : HINT_NS;
}

/* ---- the line ------------------------------------------------------------ */

static void line_clear(struct camera_sched *s)
{
	s->ns = 0;
	s->head = 0;
	s->line_ok = false;
	s->far_brackets = 0;
}

static double sample_weight(const struct camera_sched_sample *p)
{
	/* A bracket of width w holds the ready time anywhere in it: a
	 * variance of w^2 / 12, plus the floor for the camera's jitter. */
	return 1.0 / (p->w_ns * p->w_ns / 12.0 + WIDTH_FLOOR_NS * WIDTH_FLOOR_NS);
}

/* Weighted least squares through the samples: the slope (the period) and
 * the ready time at the mean index, with their standard errors (from the
 * brackets' widths: a lucky fit of few wide brackets does not count as a
 * good one). false with fewer than two samples or a slope out of range. */
static bool line_fit(struct camera_sched *s)
{
	double sw = 0, sk = 0, st = 0, skk = 0, skt = 0;

	s->line_ok = false;
	if (s->ns < 2)
		return false;
	for (unsigned i = 0; i < s->ns; i++) {
		double w = sample_weight(&s->s[i]);

		sw += w;
		sk += w * (double)s->s[i].k;
		st += w * s->s[i].t_ns;
	}
	s->k_mean = sk / sw;
	s->at_ns = st / sw;
	for (unsigned i = 0; i < s->ns; i++) {
		const struct camera_sched_sample *p = &s->s[i];
		double w = sample_weight(p), dk = (double)p->k - s->k_mean;

		skk += w * dk * dk;
		skt += w * dk * (p->t_ns - s->at_ns);
	}
	if (skk <= 0)
		return false;
	s->slope_ns = skt / skk;
	if (s->slope_ns < PERIOD_MIN_NS || s->slope_ns > PERIOD_MAX_NS)
		return false;
	s->se_slope_ns = 1.0 / sqrt(skk);
	s->se_at_ns = 1.0 / sqrt(sw);
	s->line_ok = true;
	s->period_ns = (uint64_t)llround(s->slope_ns);
	return true;
}

/* How far off the line's place for frame k may be (two standard errors). */
static double line_doubt(const struct camera_sched *s, int64_t k)
{
	double dk = (double)k - s->k_mean;

	return 2.0 * sqrt(s->se_at_ns * s->se_at_ns +
			  s->se_slope_ns * s->se_slope_ns * dk * dk);
}

/* Where the line puts frame k (ns since the origin). */
static double line_at(const struct camera_sched *s, int64_t k)
{
	return s->at_ns + s->slope_ns * ((double)k - s->k_mean);
}

static uint64_t line_abs(const struct camera_sched *s, int64_t k, double offset)
{
	double t = line_at(s, k) + offset;

	return t <= 0 ? s->origin_ns : s->origin_ns + (uint64_t)llround(t);
}

/* Adds the bracket (lo, hi] of frame k's ready time. */
static void line_add(struct camera_sched *s, int64_t k, uint64_t lo,
		     uint64_t hi)
{
	struct camera_sched_sample *p;

	if (s->ns == 0)
		s->origin_ns = lo;
	if (lo < s->origin_ns) /* cannot happen with a monotonic clock */
		return;
	p = &s->s[s->head];
	p->k = k;
	p->t_ns = (double)(lo - s->origin_ns) + (double)(hi - lo) / 2;
	p->w_ns = (double)(hi - lo);
	s->head = (s->head + 1) % CAMERA_SCHED_SAMPLES;
	if (s->ns < CAMERA_SCHED_SAMPLES)
		s->ns++;
	s->brackets++;
}

/* ---- modes ------------------------------------------------------------- */

static uint64_t learn_gap(uint64_t period)
{
	return clamp_u64(period * GAP_NUM / GAP_DEN, GAP_MIN_NS, GAP_MAX_NS);
}

static void go_learn(struct camera_sched *s, uint64_t now)
{
	s->mode = CAMERA_SCHED_LEARN;
	line_clear(s);
	s->gap_ns = learn_gap(period_or_hint(s));
	s->shortest_ns = 0;
	s->piled = 0;
	s->retries = 0;
	s->probing = false;
	s->next_ns = now;
}

static uint64_t grid_gap(const struct camera_sched *s, unsigned i)
{
	uint64_t g = clamp_u64(s->period_ns / GRID_FIRST_DIV, GRID_FIRST_MIN_NS,
			       GRID_FIRST_MAX_NS);

	return g << i;
}

static uint64_t down_min(const struct camera_sched *s)
{
	return clamp_u64(s->period_ns / DOWN_DIV, DOWN_MIN_NS, DOWN_MAX_NS);
}

/* The poll for the frame after k (a probe half a period before it now
 * and then). */
static void track_plan(struct camera_sched *s, uint64_t t)
{
	s->due_ns = line_abs(s, s->k + 1, s->offset_ns);
	s->next_ns = s->due_ns;
	s->retries = 0;
	s->probing = t >= s->probe_ns && t - s->probe_ns >= PROBE_EVERY_NS &&
		     t - s->probe_ns >= PROBE_MIN_FRAMES * s->period_ns;
	if (s->probing)
		s->next_ns = s->due_ns - s->period_ns / 2;
}

static void go_track(struct camera_sched *s, uint64_t t)
{
	s->mode = CAMERA_SCHED_TRACK;
	s->probe_ns = t;
	/* Start late enough (half a bracket's worth) that the first frames
	 * come at once; the offset comes down from there. */
	s->offset_ns = (double)(UP_DOWN * down_min(s));
	s->step_ns = down_min(s);
	s->creep_ns = 0;
	track_plan(s, t);
}

void camera_sched_init(struct camera_sched *s, uint64_t now, uint64_t hint_ns)
{
	memset(s, 0, sizeof(*s));
	s->period_ns = hint_ns ? clamp_u64(hint_ns, PERIOD_MIN_NS, PERIOD_MAX_NS)
			       : 0;
	go_learn(s, now);
}

void camera_sched_restart(struct camera_sched *s, uint64_t now)
{
	s->have_frame = false;
	s->denied_ns = 0;
	s->quiet_ns = 0;
	s->busy_ms = 0;
	s->relearns++;
	go_learn(s, now);
}

void camera_sched_set_min_interval(struct camera_sched *s, uint64_t ns)
{
	s->min_interval_ns = ns;
}

uint64_t camera_sched_next(const struct camera_sched *s)
{
	return s->next_ns;
}

/* ---- what happened --------------------------------------------------------- */

/* How many frames on from the last one a frame at t is: by the line's
 * period, or while there is none by the shortest time between two frames
 * (they are found at most a poll gap late: half a gap more). */
static int64_t frames_since(const struct camera_sched *s, uint64_t t)
{
	uint64_t p = s->line_ok ? s->period_ns
		     : s->shortest_ns ? s->shortest_ns + s->gap_ns / 2
				      : 0;
	uint64_t n;

	if (p == 0 || t <= s->frame_ns)
		return 1;
	n = (t - s->frame_ns + p / 2) / p;
	return n < 1 ? 1 : (int64_t)n;
}

static void relearn(struct camera_sched *s, uint64_t now)
{
	s->relearns++;
	go_learn(s, now);
}

/* A bracket for frame k: far from the line twice in a row, the pace
 * changed. Returns false when it made the schedule learn again. */
static bool bracket(struct camera_sched *s, uint64_t lo, uint64_t hi,
		    uint64_t now)
{
	double far = (double)(s->period_ns / FAR_DIV), mid, r;

	if (far < (double)FAR_MIN_NS)
		far = (double)FAR_MIN_NS;
	if (s->line_ok && lo >= s->origin_ns) {
		mid = (double)(lo - s->origin_ns) + (double)(hi - lo) / 2;
		r = mid - line_at(s, s->k);
		/* Off by more than the line's own doubt and the bracket's. */
		far += 2.0 * line_doubt(s, s->k) + (double)(hi - lo) / 2;
		if (fabs(r) > far) {
			if (++s->far_brackets < FAR_MAX)
				return true; /* one odd bracket: not used */
			if (s->mode == CAMERA_SCHED_TRACK) {
				relearn(s, now);
				return false;
			}
			line_clear(s); /* learning: start the line again */
		}
	}
	s->far_brackets = 0;
	line_add(s, s->k, lo, hi);
	return true;
}

/* LEARN's next poll after a frame at t: once the line can aim, from a
 * little before where it puts the next frame, in steps as fine as its
 * doubt (narrower brackets, a better line); before that, every gap. */
static void learn_plan(struct camera_sched *s, uint64_t t)
{
	double doubt;
	uint64_t aim;

	if (s->shortest_ns)
		s->gap_ns = learn_gap(s->shortest_ns);
	s->next_ns = t + s->gap_ns;
	if (!s->line_ok || s->se_slope_ns > s->slope_ns / AIM_SLOPE_DIV)
		return;
	doubt = line_doubt(s, s->k + 1) + (double)AIM_MARGIN_NS;
	if (doubt < (double)s->gap_ns)
		s->gap_ns = doubt < GAP_MIN_NS ? GAP_MIN_NS : (uint64_t)doubt;
	aim = line_abs(s, s->k + 1, -doubt);
	s->next_ns = aim > t + GAP_MIN_NS ? aim : t + GAP_MIN_NS;
}

static void learn_frame(struct camera_sched *s, uint64_t t, uint64_t done)
{
	bool at_once = s->denied_ns == 0;

	if (s->have_frame) {
		uint64_t gap = t - s->frame_ns;

		if (!at_once && (s->shortest_ns == 0 || gap < s->shortest_ns))
			s->shortest_ns = gap;
	}
	s->piled = at_once && s->have_frame ? s->piled + 1 : 0;
	if (s->piled >= PILED_MAX) {
		/* Frames wait for each poll: the camera is faster. */
		s->gap_ns = s->gap_ns / 2 > GAP_MIN_NS ? s->gap_ns / 2 : GAP_MIN_NS;
		s->shortest_ns = 0;
		line_clear(s);
		s->piled = 0;
		s->next_ns = t + s->gap_ns;
		return;
	}
	if (!at_once && s->have_frame && !bracket(s, s->denied_ns, t, done))
		return;
	line_fit(s);
	if (s->line_ok && s->ns >= LEARN_SAMPLES &&
	    s->se_slope_ns <= LEARN_SLOPE_SE_NS &&
	    line_doubt(s, s->k + 1) <= LEARN_DOUBT_NS) {
		go_track(s, t);
		return;
	}
	learn_plan(s, t);
}

static void track_frame(struct camera_sched *s, uint64_t t, uint64_t done)
{
	if (s->probing) {
		/* A frame half a period early: a faster camera. */
		s->probing = false;
		relearn(s, done);
		return;
	}
	if (s->denied_ns) {
		/* Ready between the last refusal and t: a bracket. The offset
		 * goes up, at least to where the refusal was. */
		if (!bracket(s, s->denied_ns, t, done))
			return;
		line_fit(s);
		s->offset_ns += (double)(UP_DOWN * down_min(s));
		if (s->offset_ns < (double)(s->denied_ns - s->origin_ns) - line_at(s, s->k))
			s->offset_ns = (double)(s->denied_ns - s->origin_ns) -
				       line_at(s, s->k) + (double)down_min(s);
		s->step_ns = down_min(s);
		s->creep_ns = 0;
	} else if (t <= s->due_ns + s->period_ns / LATE_DIV) {
		/* At once, on time: the frame may have been ready for a
		 * while. A little earlier next time. */
		s->offset_ns -= (double)s->step_ns;
		s->creep_ns += s->step_ns;
		s->step_ns += s->step_ns / 8 + 1;
		if (s->step_ns > s->period_ns / DOWN_MAX_DIV)
			s->step_ns = s->period_ns / DOWN_MAX_DIV;
		if (s->creep_ns > s->period_ns / CREEP_DIV) {
			relearn(s, done);
			return;
		}
	}
	if (fabs(s->offset_ns) > (double)s->period_ns / 2) {
		relearn(s, done);
		return;
	}
	track_plan(s, t);
	if (s->next_ns < done)
		s->next_ns = done;
}

static void on_frame(struct camera_sched *s, uint64_t t, uint64_t done)
{
	s->k = s->have_frame ? s->k + frames_since(s, t) : 0;
	s->busy_ms = 0;
	if (s->min_interval_ns) {
		/* A rate limit asks for fewer frames, not fresher ones: the
		 * next poll comes the limit's interval later, and takes the
		 * newest frame then (at most a camera period old). */
		s->next_ns = t + s->min_interval_ns;
		s->gap_ns = learn_gap(period_or_hint(s));
	} else if (s->mode == CAMERA_SCHED_LEARN)
		learn_frame(s, t, done);
	else
		track_frame(s, t, done);
	s->have_frame = true;
	s->frame_ns = t;
	s->denied_ns = 0;
	s->quiet_ns = 0;
}

static void on_denied(struct camera_sched *s, uint64_t t, uint64_t done)
{
	uint64_t p = s->shortest_ns ? s->shortest_ns : period_or_hint(s);

	s->denied_ns = t;
	if (s->quiet_ns == 0)
		s->quiet_ns = t;
	if (s->mode == CAMERA_SCHED_TRACK && s->probing) {
		/* Refused half a period early, as it should be. */
		s->probing = false;
		s->probe_ns = t;
		s->denied_ns = 0;
		s->quiet_ns = 0;
		s->next_ns = s->due_ns > done ? s->due_ns : done;
		return;
	}
	if (s->mode == CAMERA_SCHED_TRACK && !s->min_interval_ns) {
		if (s->retries < GRID_N) {
			s->next_ns = t + grid_gap(s, s->retries);
			s->retries++;
		} else {
			relearn(s, done);
			s->denied_ns = t;
			s->quiet_ns = t;
			s->next_ns = done + s->gap_ns;
		}
	} else {
		/* Nothing for a while: a paused or silent body. Back off,
		 * bounded. */
		if (t - s->quiet_ns > QUIET_PERIODS * p &&
		    s->gap_ns < GAP_MAX_NS)
			s->gap_ns = clamp_u64(s->gap_ns * 3 / 2, GAP_MIN_NS,
					      GAP_MAX_NS);
		s->next_ns = t + s->gap_ns;
	}
	if (s->next_ns < done)
		s->next_ns = done;
}

static void on_busy(struct camera_sched *s, uint64_t done)
{
	s->busy_ms = s->busy_ms ? s->busy_ms + BUSY_STEP_MS : BUSY_START_MS;
	if (s->busy_ms > BUSY_MAX_MS)
		s->busy_ms = BUSY_MAX_MS;
	s->next_ns = done + s->busy_ms * NS_PER_MS;
}

void camera_sched_note(struct camera_sched *s, enum camera_poll_result r,
		       uint64_t sent_ns, uint64_t done_ns)
{
	if (done_ns < sent_ns)
		done_ns = sent_ns;
	switch (r) {
	case CAMERA_POLL_FRAME:
		on_frame(s, sent_ns, done_ns);
		return;
	case CAMERA_POLL_DENIED:
		on_denied(s, sent_ns, done_ns);
		return;
	case CAMERA_POLL_BUSY:
		on_busy(s, done_ns);
		return;
	}
}
