/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sensor of the emulated camera: its frame clock, and frames rendered
 * ahead of it.
 *
 * Frame k (k > base_k) is due at t0 + (k - base_k) * period and becomes
 * ready (GetObject(0xFFFFC002) answers it; its marker carries that
 * moment) jitter(k) later: a fixed pseudo-random share of jitter_ns, from
 * k and the seed, below half a period. The grid restarts "now", after the
 * newest ready frame, when the pace changes (emu_camera_set_fps) and from
 * frame 0 when a test sets its own clock.
 *
 * A real body has the JPEG of a frame ready when the frame is: encoding it
 * on demand would add an encoding time (4-5 ms at 1024 x 680 here) to
 * every frame's latency and make the camera's answers late. So a thread
 * ("alphafs-sensor", started with the first frame) renders the frame the host
 * will ask for next while the host waits for it, with an encoder of its
 * own sharing the scene. What it renders is byte for byte what rendering
 * on demand gives (same frame number, same ready time, same options), so
 * tests on a fake clock see the same frames either way; a frame it has
 * not rendered in time is rendered on demand, as before.
 *
 * Everything here runs with cam->lock held, except the thread's encoding.
 */
#include <string.h>

#include "emu_internal.h"

#define NS_PER_S 1000000000ull
#define NS_PER_US 1000ull
#define SENSOR_THREAD_NAME "alphafs-sensor"
#define JITTER_SALT 0x6A09E667u

/* Frame k's share of the jitter, in [0, jitter_ns). */
static uint64_t jitter_of(const struct emu_camera *cam, uint64_t k)
{
	const struct emu_sensor *s = &cam->sensor;
	uint64_t h = (k + 1) * 0x9E3779B97F4A7C15ull ^
		     (cam->cfg.seed ^ JITTER_SALT) * 0xBF58476D1CE4E5B9ull;

	if (s->jitter_ns == 0)
		return 0;
	h ^= h >> 31;
	h *= 0x94D049BB133111EBull;
	h ^= h >> 29;
	return h % s->jitter_ns;
}

uint64_t emu_sensor_ready_ns(const struct emu_camera *cam, uint64_t k)
{
	const struct emu_sensor *s = &cam->sensor;

	return s->t0_ns + (k - s->base_k) * s->period_ns + jitter_of(cam, k);
}

uint64_t emu_sensor_newest(const struct emu_camera *cam, uint64_t now)
{
	const struct emu_sensor *s = &cam->sensor;
	uint64_t k;

	if (now <= s->t0_ns)
		return s->base_k;
	k = s->base_k + (now - s->t0_ns) / s->period_ns;
	if (k > s->base_k && emu_sensor_ready_ns(cam, k) > now)
		k--;
	return k;
}

void emu_sensor_restart(struct emu_camera *cam, uint64_t now, uint64_t base_k)
{
	struct emu_sensor *s = &cam->sensor;
	uint64_t jitter = (uint64_t)cam->cfg.jitter_us * NS_PER_US;

	s->period_ns = NS_PER_S / cam->cfg.fps;
	/* A frame is never ready after the next one is due. */
	s->jitter_ns = jitter < s->period_ns / 2 ? jitter : s->period_ns / 2;
	s->t0_ns = now;
	s->base_k = base_k;
	s->gen++;
	s->ahead_ok = false;
	s->want_k = 0;
}

/* ---- rendering ahead ------------------------------------------------------ */

static void *sensor_main(void *arg)
{
	struct emu_camera *cam = arg;
	struct emu_sensor *s = &cam->sensor;

	pthread_mutex_lock(&cam->lock);
	while (!s->stop) {
		struct emu_render_opts o = { .big = s->want_big };
		uint64_t k = s->want_k, gen = s->gen, at;
		int rc;

		if (k == 0) {
			pthread_cond_wait(&s->cond, &cam->lock);
			continue;
		}
		s->want_k = 0;
		at = emu_sensor_ready_ns(cam, k);
		pthread_mutex_unlock(&cam->lock);
		buf_reset(&s->spare);
		rc = emu_pattern_render(s->pattern, k, at, &o, &s->spare);
		pthread_mutex_lock(&cam->lock);
		if (rc < 0 || gen != s->gen)
			continue;
		/* The finished frame becomes the one ahead; the buffer it
		 * replaces is the next render's. */
		struct buf t = s->ahead;

		s->ahead = s->spare;
		s->spare = t;
		s->ahead_k = k;
		s->ahead_gen = gen;
		s->ahead_big = o.big;
		s->ahead_ok = true;
	}
	pthread_mutex_unlock(&cam->lock);
	return NULL;
}

void emu_sensor_init(struct emu_camera *cam)
{
	struct emu_sensor *s = &cam->sensor;

	pthread_cond_init(&s->cond, NULL);
	buf_init(&s->ahead, PTP_DATA_MAX);
	buf_init(&s->spare, PTP_DATA_MAX);
	emu_sensor_restart(cam, emu_camera_now(cam), 0);
}

void emu_sensor_finish(struct emu_camera *cam)
{
	struct emu_sensor *s = &cam->sensor;

	pthread_mutex_lock(&cam->lock);
	s->stop = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&cam->lock);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	s->thread_started = false;
	emu_pattern_destroy(s->pattern);
	s->pattern = NULL;
	buf_finish(&s->ahead);
	buf_finish(&s->spare);
	pthread_cond_destroy(&s->cond);
}

/* Starts the thread and its encoder the first time; false when either
 * cannot be had (frames are then rendered on demand). */
static bool sensor_running(struct emu_camera *cam)
{
	struct emu_sensor *s = &cam->sensor;

	if (s->thread_started)
		return true;
	if (s->failed || s->stop)
		return false;
	s->pattern = emu_pattern_clone(cam->pattern);
	if (!s->pattern ||
	    thread_start(&s->thread, SENSOR_THREAD_NAME, sensor_main, cam) < 0) {
		emu_pattern_destroy(s->pattern);
		s->pattern = NULL;
		s->failed = true;
		log_warn(EMU, "cannot start the sensor thread: frames are "
			      "encoded when asked for");
		return false;
	}
	s->thread_started = true;
	return true;
}

void emu_sensor_ahead(struct emu_camera *cam, uint64_t k,
		      const struct emu_render_opts *o)
{
	struct emu_sensor *s = &cam->sensor;

	if ((s->ahead_ok && s->ahead_k == k && s->ahead_gen == s->gen) ||
	    !sensor_running(cam))
		return;
	s->want_k = k;
	s->want_big = o->big;
	pthread_cond_signal(&s->cond);
}

int emu_sensor_render(struct emu_camera *cam, uint64_t k,
		      const struct emu_render_opts *o, struct buf *out)
{
	struct emu_sensor *s = &cam->sensor;

	if (s->ahead_ok && s->ahead_k == k && s->ahead_gen == s->gen &&
	    s->ahead_big == o->big) {
		s->ahead_ok = false;
		s->renders_ahead++;
		buf_put(out, s->ahead.data, s->ahead.len);
		return buf_status(out);
	}
	s->renders_on_demand++;
	return emu_pattern_render(cam->pattern, k, emu_sensor_ready_ns(cam, k),
				  o, out);
}
