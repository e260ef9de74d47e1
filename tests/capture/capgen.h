/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test captures made from the emulated camera (test code, not shipped).
 *
 *   tap        a struct ptp_transport that wraps another (the in-memory
 *              link to the emulated camera) and logs every USB event the
 *              way usbmon and USBPcap see them: each URB submitted and
 *              completed, OUT data at submission, IN data at completion.
 *              IN reads are split into URBs of at most `chunk` bytes, as
 *              real host software reads (16-64 KB requests).
 *   writer     the log as a usbmon pcap (link type 189 or 220), a usbmon
 *              pcapng, or a USBPcap pcap file, with damage on chosen
 *              events: records cut (snapshot length), records left out.
 *   scenario   a host session against the emulated camera through the
 *              tap (the daemon's own engine and Sony code: open, identity,
 *              handshake, live-view polls with denials and faults, events,
 *              a second device on the bus, garbage), recording what the
 *              host received so a test can compare extraction with it.
 */
#ifndef ALPHAFS_TEST_CAPGEN_H
#define ALPHAFS_TEST_CAPGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"
#include "ptp/transport.h"

/* ---- the event log ------------------------------------------------------ */
struct cap_event {
	uint64_t urb_id;
	uint64_t ts_ns;
	uint16_t bus, dev;
	uint8_t ep, xfer; /* enum capture_xfer */
	char kind;	  /* 'S' or 'C' */
	int32_t status;	  /* 0, or -errno as usbmon says */
	uint32_t urb_len; /* S IN: asked; otherwise the transfer's bytes */
	bool has_setup;
	uint8_t setup[8];
	uint8_t *data; /* the payload this event carries, or NULL */
	uint32_t data_len;
	/* Damage when written: keep only `keep` payload bytes (a record cut
	 * by the snapshot length); leave the record out. */
	uint32_t keep; /* UINT32_MAX: all */
	bool drop;
	unsigned tag; /* the scenario's label (live-view poll number) */
	bool garbage; /* data is a whole junk record, written as is */
};

struct cap_log {
	struct cap_event *v;
	size_t n, cap;
	uint64_t next_id;
	uint64_t now_ns; /* the virtual clock the events are stamped with */
};

void cap_log_init(struct cap_log *l, uint64_t start_ns);
void cap_log_finish(struct cap_log *l);
/* Appends a copy of e (its data copied too); returns its index. */
size_t cap_log_add(struct cap_log *l, const struct cap_event *e);
/* A whole URB: submission then completion, `step_ns` apart. */
void cap_log_urb(struct cap_log *l, uint16_t bus, uint16_t dev, uint8_t ep,
		 uint8_t xfer, const uint8_t *setup, const uint8_t *data,
		 uint32_t len, uint32_t asked, int32_t status, unsigned tag);

/* ---- the tap --------------------------------------------------------------- */
struct ptp_transport *cap_tap_create(struct ptp_transport *inner,
				     struct cap_log *log, uint16_t bus,
				     uint16_t dev, size_t chunk);
/* Labels the events logged from now on. */
void cap_tap_set_tag(struct ptp_transport *t, unsigned tag);

/* ---- writers ----------------------------------------------------------- */
enum cap_format { CAP_PCAP, CAP_PCAPNG };

/* Writes the log as `link` (189, 220, 249) in `fmt`; snaplen 0 = none
 * (262144 in the header). Returns 0 or -1 (errno set). */
int cap_write(const struct cap_log *l, const char *path, int link,
	      enum cap_format fmt, uint32_t snaplen);

/* ---- scenario ----------------------------------------------------------- */
enum cap_outcome {
	CAP_FRAME,	/* the host got a whole frame */
	CAP_DENIED,	/* answered without a frame (AccessDenied, busy) */
	CAP_REJECTED,	/* the host dropped it (reason in `reject`) */
	CAP_FAILED,	/* a transport error (session reset after it) */
};

/* One live-view poll as the host saw it, and what the capture did to it. */
struct cap_poll {
	unsigned tag;
	enum cap_outcome outcome;
	int reject; /* enum frame_reject for CAP_REJECTED */
	uint8_t *jpeg; /* CAP_FRAME: the JPEG the host received (owned) */
	size_t len;
	uint64_t ts_ns;
	/* Damage applied to this poll's data phase in the written capture:
	 * 0, or the extraction drop it must cause ("capture-truncated",
	 * "missing-transfers"). */
	const char *damage;
};

struct cap_scenario {
	/* inputs */
	const char *faults; /* emulated camera faults, or NULL */
	unsigned frames;    /* live-view polls until this many data phases
			       came (frames or frames dropped), however
			       long the camera refuses first */
	size_t chunk;	    /* host IN request size */
	unsigned width, height;
	uint32_t seed;
	bool second_device; /* a USB stick on the same bus */
	bool garbage;	    /* junk records and a junk camera transfer */
	unsigned cut_every; /* cut a record of every Nth frame (0: none) */
	unsigned drop_every; /* leave out a transfer of every Nth frame */
	bool drop_completion_only; /* ...only its completion (usbmon-style
				      lost event) instead of the whole URB */
	/* outputs */
	struct cap_log log;
	struct cap_poll *v;
	size_t n;
	uint16_t bus, dev; /* the camera's address in the capture */
};

/* Runs the scenario (log and polls filled). 0, or -1 with a message on
 * stderr. Free with cap_scenario_finish. */
int cap_scenario_run(struct cap_scenario *sc);
void cap_scenario_finish(struct cap_scenario *sc);
/* The drop name extraction must report for poll p, or NULL for a whole
 * frame (only for polls that are not CAP_DENIED). */
const char *cap_expected_drop(const struct cap_poll *p);

#endif
