/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A host session against the emulated camera, recorded through the tap:
 * what alphafs does (the same engine and Sony code), on a virtual clock so
 * that runs are fast and repeatable. What the host received is kept per
 * live-view poll; the capture is then damaged on purpose where the test
 * wants a diagnosis (a record cut, a transfer left out).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capgen.h"
#include "pcap/capture.h"
#include "sony/sony.h"

#define START_NS (1700000000ull * 1000000000ull)
#define NS_PER_MS 1000000ull
#define CAMERA_BUS 1
#define CAMERA_DEV 5
#define STICK_DEV 7
#define SESSION_ID 1
#define TIMEOUT_MS 1000
#define SETUP_TRIES 50
#define CUT_KEEP 100 /* payload bytes a cut record keeps */
#define STICK_BLOCK 4096
/* Polls per data phase asked for, at most: a camera warming up or
 * refusing for a long while ends the scenario instead of looping. */
#define POLLS_PER_FRAME_MAX 200
#define CAP_WARMUP_MS 60

/* A USB stick: mass storage, bulk-only, the same endpoint addresses. */
static const uint8_t stick_device_desc[18] = {
	18, 1, 0x00, 0x02, 0, 0, 0, 64, 0x81, 0x07, 0x67, 0x55,
	0x00, 0x01, 1, 2, 3, 1,
};
static const uint8_t stick_config_desc[32] = {
	9, 2, 32, 0, 1, 1, 0, 0x80, 50,
	9, 4, 0, 0, 2, 0x08, 0x06, 0x50, 0,
	7, 5, 0x81, 0x02, 0x00, 0x02, 0,
	7, 5, 0x02, 0x02, 0x00, 0x02, 0,
};

static uint32_t rnd(uint32_t *s)
{
	/* xorshift32: repeatable junk. */
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static uint64_t virtual_now(void *arg)
{
	return ((struct cap_log *)arg)->now_ns;
}

static void get_descriptor(struct cap_log *l, uint16_t dev, uint8_t type,
			   const uint8_t *desc, uint16_t len)
{
	uint8_t setup[8] = { 0x80, 0x06, 0, type, 0, 0, 0, 0 };

	put_u16le(setup + 6, len);
	cap_log_urb(l, CAMERA_BUS, dev, 0x80, CAPTURE_XFER_CONTROL, setup, desc,
		    len, len, 0, 0);
}

static void enumerate(struct cap_scenario *sc)
{
	get_descriptor(&sc->log, CAMERA_DEV, 1, emu_usb_descriptors, 18);
	get_descriptor(&sc->log, CAMERA_DEV, 2, emu_usb_descriptors + 18, 39);
	if (!sc->second_device)
		return;
	get_descriptor(&sc->log, STICK_DEV, 1, stick_device_desc,
		       sizeof(stick_device_desc));
	get_descriptor(&sc->log, STICK_DEV, 2, stick_config_desc,
		       sizeof(stick_config_desc));
}

/* One READ(10) of the stick: CBW out, a block in (holding a whole JPEG
 * and a PTP-looking header, which must not be taken), CSW in. */
static void stick_read(struct cap_scenario *sc, uint32_t *seed)
{
	uint8_t cbw[31] = { 'U', 'S', 'B', 'C' }, csw[13] = { 'U', 'S', 'B', 'S' };
	static uint8_t block[STICK_BLOCK];
	static const uint8_t fake[] = { 0x10, 0, 0, 0, 2, 0, 0x09, 0x10,
					7, 0, 0, 0, 0xFF, 0xD8, 0xFF, 0xD9 };

	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (uint8_t)rnd(seed);
	memcpy(block, fake, sizeof(fake));
	cbw[8] = 0x00;
	cbw[9] = 0x10; /* 4096 bytes */
	cbw[14] = 10;
	cbw[15] = 0x28;
	cap_log_urb(&sc->log, CAMERA_BUS, STICK_DEV, 0x02, CAPTURE_XFER_BULK,
		    NULL, cbw, sizeof(cbw), 0, 0, 0);
	cap_log_urb(&sc->log, CAMERA_BUS, STICK_DEV, 0x81, CAPTURE_XFER_BULK,
		    NULL, block, sizeof(block), sizeof(block), 0, 0);
	cap_log_urb(&sc->log, CAMERA_BUS, STICK_DEV, 0x81, CAPTURE_XFER_BULK,
		    NULL, csw, sizeof(csw), 512, 0, 0);
}

/* Junk: whole records no parser can take, and one transfer on the
 * camera's bulk IN pipe that is not a container (type field 0xA5A5). */
static void junk(struct cap_scenario *sc, uint32_t *seed)
{
	struct cap_event e = { .keep = UINT32_MAX, .garbage = true };
	uint8_t bytes[90], not_container[40];
	uint32_t n = 1 + rnd(seed) % sizeof(bytes);

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)rnd(seed);
	bytes[8] = 'x'; /* neither 'S', 'C' nor 'E' */
	if (n > 22)
		bytes[22] = 9; /* no transfer type */
	e.ts_ns = sc->log.now_ns;
	e.data = bytes;
	e.data_len = n;
	cap_log_add(&sc->log, &e);
	for (size_t i = 0; i < sizeof(not_container); i++)
		not_container[i] = (uint8_t)rnd(seed);
	not_container[4] = not_container[5] = 0xA5;
	cap_log_urb(&sc->log, CAMERA_BUS, CAMERA_DEV, PTP_EP_BULK_IN,
		    CAPTURE_XFER_BULK, NULL, not_container,
		    sizeof(not_container), 512, 0, 0);
}

static int connect_session(struct ptp_session *s)
{
	struct ptp_device_info di;
	struct sony_ext_info ext;
	int rc = ptp_open_session(s, SESSION_ID);

	for (unsigned i = 0; rc == 0 && i < SETUP_TRIES; i++) {
		rc = ptp_get_device_info(s, &di);
		if (rc == 0) {
			ptp_device_info_finish(&di);
			rc = sony_handshake(s, &ext);
		}
		if (rc == 0) {
			sony_ext_info_finish(&ext);
			return 0;
		}
		if (rc != ALPHAFS_ERR_PTP_RESPONSE)
			break;
		rc = 0;
	}
	fprintf(stderr, "capgen: session setup failed: %s\n", s->err.msg);
	return -1;
}

static void keep_poll(struct cap_scenario *sc, unsigned tag, int rc,
		      struct sony_lv_result *res)
{
	struct cap_poll *p;

	sc->v = realloc(sc->v, (sc->n + 1) * sizeof(*sc->v));
	if (!sc->v)
		abort();
	p = &sc->v[sc->n++];
	memset(p, 0, sizeof(*p));
	p->tag = tag;
	p->ts_ns = sc->log.now_ns;
	if (rc == 0) {
		p->outcome = CAP_FRAME;
		p->len = res->frame->len;
		p->jpeg = malloc(p->len);
		if (!p->jpeg)
			abort();
		memcpy(p->jpeg, res->frame->jpeg, p->len);
		frame_unref(res->frame);
	} else if (rc == ALPHAFS_ERR_AGAIN || rc == ALPHAFS_ERR_PTP_RESPONSE) {
		p->outcome = CAP_DENIED;
	} else if (rc == ALPHAFS_ERR_REJECTED) {
		p->outcome = CAP_REJECTED;
		p->reject = res->reject;
	} else {
		p->outcome = CAP_FAILED;
	}
}

/* The IN completions with data of poll `tag`, in order; returns count. */
static size_t data_completions(struct cap_log *l, unsigned tag, size_t *idx,
			       size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n && n < max; i++) {
		struct cap_event *e = &l->v[i];

		if (e->tag == tag && e->kind == 'C' && e->ep == PTP_EP_BULK_IN &&
		    e->dev == CAMERA_DEV && e->data_len > 0)
			idx[n++] = i;
	}
	return n;
}

/* Damage to a frame's data phase: a record cut keeps the first transfer
 * (the container header) and cuts the second; a transfer left out is the
 * last one before the response, which is how extraction can tell it from
 * a camera ending the data phase early (a middle one followed by the
 * short last one could be either). Frames in a single transfer are passed
 * over for the next. */
static void damage(struct cap_scenario *sc)
{
	unsigned frames = 0, cut_due = 0, drop_due = 0;
	size_t idx[64], n;

	for (size_t k = 0; k < sc->n; k++) {
		struct cap_poll *p = &sc->v[k];
		struct cap_event *e;

		if (p->outcome != CAP_FRAME)
			continue;
		frames++;
		if (sc->cut_every && frames % sc->cut_every == 2)
			cut_due++;
		if (sc->drop_every && (frames + 1) % sc->drop_every == 0)
			drop_due++;
		n = data_completions(&sc->log, p->tag, idx, ARRAY_LEN(idx));
		if ((!cut_due && !drop_due) || n < 3)
			continue;
		if (cut_due) {
			cut_due--;
			sc->log.v[idx[1]].keep = CUT_KEEP;
			p->damage = "capture-truncated";
			continue;
		}
		drop_due--;
		e = &sc->log.v[idx[n - 2]];
		e->drop = true;
		if (!sc->drop_completion_only)
			sc->log.v[idx[n - 2] - 1].drop = true; /* its 'S' */
		p->damage = "missing-transfers";
	}
}

const char *cap_expected_drop(const struct cap_poll *p)
{
	switch (p->outcome) {
	case CAP_FRAME:
		return p->damage;
	case CAP_REJECTED:
		if (p->reject == FRAME_REJECT_NO_EOI)
			return "no-eoi";
		if (p->reject == FRAME_REJECT_TRANSFER)
			return "short-container";
		return "bad-dataset";
	case CAP_DENIED:
	case CAP_FAILED:
	default:
		return "?";
	}
}

static int run_polls(struct cap_scenario *sc, struct emu_camera *cam,
		     struct ptp_transport *tap, struct ptp_session *s)
{
	uint32_t seed = sc->seed ? sc->seed : 0x9E3779B9u;
	unsigned max = sc->frames * POLLS_PER_FRAME_MAX, got = 0;
	struct sony_lv_result res;
	struct ptp_event ev;
	int rc;

	for (unsigned k = 1; got < sc->frames; k++) {
		if (k > max) {
			fprintf(stderr, "capgen: %u data phases after %u polls\n",
				got, max);
			return -1;
		}
		cap_tap_set_tag(tap, k);
		rc = sony_liveview_fetch(s, &res);
		keep_poll(sc, k, rc, &res);
		if (sc->v[sc->n - 1].outcome != CAP_DENIED)
			got++;
		cap_tap_set_tag(tap, 0);
		if (s->desynced || (rc < 0 && rc != ALPHAFS_ERR_AGAIN &&
				    rc != ALPHAFS_ERR_PTP_RESPONSE &&
				    rc != ALPHAFS_ERR_REJECTED)) {
			if (ptp_session_reset(s) < 0 || connect_session(s) < 0)
				return -1;
		}
		if (k % 4 == 0) {
			emu_camera_push_event(cam, SONY_EC_PROP_CHANGED,
					      SONY_DPC_BATTERY_LEVEL);
			while (ptp_event_read(s, &ev, 0) == 0)
				;
		}
		if (sc->second_device && k % 3 == 0)
			stick_read(sc, &seed);
		if (sc->garbage && k % 9 == 4)
			junk(sc, &seed);
		/* The host's pace between polls: 4-6 ms. */
		sc->log.now_ns += (4 + rnd(&seed) % 3) * NS_PER_MS;
	}
	return 0;
}

int cap_scenario_run(struct cap_scenario *sc)
{
	struct emu_camera *cam = NULL;
	struct ptp_transport *mem = NULL, *tap = NULL;
	struct ptp_session s;
	struct emu_config cfg;
	uint16_t status;
	char err[128];
	int rc = -1;

	emu_config_default(&cfg);
	if (sc->width)
		cfg.width = sc->width;
	if (sc->height)
		cfg.height = sc->height;
	cfg.seed = sc->seed;
	/* A short live-view warm-up: the capture still opens with the body's
	 * refusals (0x2009) and 0xD221 reading 0, as a real one does, without
	 * spending the poll budget on a whole second of them. */
	cfg.warmup_ms = CAP_WARMUP_MS;
	if (emu_fault_parse(sc->faults, &cfg.faults, err, sizeof(err)) < 0) {
		fprintf(stderr, "capgen: faults: %s\n", err);
		return -1;
	}
	cap_log_init(&sc->log, START_NS);
	sc->bus = CAMERA_BUS;
	sc->dev = CAMERA_DEV;
	cam = emu_camera_create(&cfg);
	if (!cam) {
		fprintf(stderr, "capgen: the emulated camera refused its settings (%ux%u: too small for the frame marker?)\n",
			cfg.width, cfg.height);
		return -1;
	}
	emu_camera_set_clock(cam, virtual_now, &sc->log);
	mem = emu_memusb_create(cam);
	tap = mem ? cap_tap_create(mem, &sc->log, CAMERA_BUS, CAMERA_DEV,
				   sc->chunk)
		  : NULL;
	if (!tap)
		goto out;
	enumerate(sc);
	ptp_class_get_status(tap, &status, TIMEOUT_MS);
	ptp_session_init(&s, tap);
	s.timeout_ms = TIMEOUT_MS;
	if (connect_session(&s) == 0 && run_polls(sc, cam, tap, &s) == 0) {
		ptp_close_session(&s);
		damage(sc);
		rc = 0;
	}
	ptp_session_finish(&s);
out:
	ptp_transport_destroy(tap);
	ptp_transport_destroy(mem);
	emu_camera_destroy(cam);
	return rc;
}

void cap_scenario_finish(struct cap_scenario *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->v[i].jpeg);
	free(sc->v);
	sc->v = NULL;
	sc->n = 0;
	cap_log_finish(&sc->log);
}
