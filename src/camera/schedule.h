/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-view poll schedule: when to ask the camera for the next frame.
 *
 * A Sony body makes a frame every period (1/30 s, 1/25 s, slower on some
 * bodies and modes) and answers GetObject(0xFFFFC002) before the next one
 * is ready with AccessDenied (dossier §4.2). Guessing (poll, be refused,
 * back off) costs about four transactions a frame and most of the latency
 * a reader feels. The schedule instead learns the camera's frame clock
 * from when frames become available and polls just after the next one is
 * due:
 *
 *   LEARN  polls at most about twice a frame (Sony's own limit), halving
 *          the interval while frames pile up (a faster camera) and backing
 *          off to 50 ms while none come (a paused or
 *          silent body). Each frame that comes on the first poll after a
 *          refusal brackets its ready time; a weighted least-squares line
 *          through the brackets gives the period and the phase.
 *   TRACK  polls once at the time the next frame is due. A frame on that
 *          poll moves the next poll a little earlier (a step that grows
 *          while frames keep coming at once); a refusal is retried on a
 *          short bounded grid, and the frame that then comes brackets the
 *          ready time again, which resets the step and refines the period.
 *          The poll settles just after the late end of the camera's own
 *          jitter: about one transaction per frame, little added latency.
 *
 * Pace changes are found and learnt again: a grid that ends without a
 * frame (slower camera, a pause, a capture), a frame at the probe poll
 * sent half a period early about once a second or steps that add up to
 * a quarter period with no refusal (faster camera), brackets far from the
 * line. DeviceBusy and other refusals back off within a fixed budget
 * (CAMERA_SCHED_BUSY_*), as before.
 *
 * Pure: no clock, no I/O; the owner thread tells it what happened and when
 * (CLOCK_MONOTONIC ns) and asks when to poll. Not thread-safe (one owner).
 */
#ifndef ALPHAFS_CAMERA_SCHEDULE_H
#define ALPHAFS_CAMERA_SCHEDULE_H

#include <stdbool.h>
#include <stdint.h>

/* Brackets kept for the line through the camera's frame clock. */
#define CAMERA_SCHED_SAMPLES 32

enum camera_poll_result {
	/* A frame came: published, or rejected (the camera's clock moved
	 * on either way). */
	CAMERA_POLL_FRAME,
	/* AccessDenied: no new frame yet. */
	CAMERA_POLL_DENIED,
	/* DeviceBusy, or another refusal (live view not there yet): back
	 * off, learn nothing. */
	CAMERA_POLL_BUSY,
};

enum camera_sched_mode {
	CAMERA_SCHED_LEARN,
	CAMERA_SCHED_TRACK,
};

struct camera_sched_sample {
	int64_t k;   /* frame index */
	double t_ns; /* bracket middle, from origin_ns */
	double w_ns; /* bracket width */
};

struct camera_sched {
	enum camera_sched_mode mode;
	uint64_t next_ns;	  /* the next poll */
	uint64_t min_interval_ns; /* between frames (fps limit), 0 none */
	uint64_t period_ns;	  /* the camera's, 0 while unknown */

	/* The line: brackets of ready times against frame indices. */
	struct camera_sched_sample s[CAMERA_SCHED_SAMPLES];
	unsigned ns, head;
	uint64_t origin_ns;
	bool line_ok;		/* at least two samples: period_ns from them */
	double slope_ns, at_ns; /* ready(k) ~ at_ns + slope_ns * (k - k_mean) */
	double k_mean;
	double se_slope_ns, se_at_ns; /* their standard errors */
	unsigned far_brackets;	/* in a row, off the line */

	/* The last frame and the polls since. */
	bool have_frame;
	int64_t k;		/* index of the last frame */
	uint64_t frame_ns;	/* when the poll that brought it was sent */
	uint64_t denied_ns;	/* last refusal since that frame, 0 none */
	uint64_t quiet_ns;	/* first refusal since that frame, 0 none */
	unsigned retries;	/* TRACK: grid polls for this frame */

	/* LEARN */
	uint64_t gap_ns;	/* between polls */
	uint64_t shortest_ns;	/* shortest time between two frames */
	unsigned piled;		/* frames in a row that came at once */

	/* TRACK */
	double offset_ns;	/* poll frame k at line(k) + offset */
	uint64_t due_ns;	/* the next frame's poll */
	uint64_t step_ns;	/* how much earlier after a frame at once */
	uint64_t creep_ns;	/* moved earlier since the last bracket */
	bool probing;		/* the next poll is a probe */
	uint64_t probe_ns;	/* the last probe */

	/* Busy: a growing back-off. */
	unsigned busy_ms;

	/* Counters (info/status). */
	uint64_t relearns;
	uint64_t brackets;
};

/*
 * Starts learning with nothing known; the first poll is at now. hint_ns
 * is a period to start from (0: 1/30 s, what Sony bodies send).
 */
void camera_sched_init(struct camera_sched *s, uint64_t now, uint64_t hint_ns);
/* Learns again from now (new session, wake from rest, recovery), with the
 * period known so far as the hint; counters kept. */
void camera_sched_restart(struct camera_sched *s, uint64_t now);
/* At most one frame per interval (ns; 0: as fast as the camera). With a
 * limit the schedule does not follow the frame clock: it polls the
 * interval after each frame and takes the newest then (a rate limit asks
 * for fewer frames, not fresher ones); refusals are retried as in LEARN. */
void camera_sched_set_min_interval(struct camera_sched *s, uint64_t ns);
/* When to poll next (CLOCK_MONOTONIC ns; at once when in the past). */
uint64_t camera_sched_next(const struct camera_sched *s);
/* The outcome of a poll sent at sent_ns and answered at done_ns. */
void camera_sched_note(struct camera_sched *s, enum camera_poll_result r,
		       uint64_t sent_ns, uint64_t done_ns);

#endif
