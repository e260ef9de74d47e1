/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Replay internals shared by replay.c (what is kept of a capture) and
 * replay_transport.c (the camera's side played from it). Not for other
 * modules: they use capture.h.
 */
#ifndef ALPHAFS_PCAP_REPLAY_INTERNAL_H
#define ALPHAFS_PCAP_REPLAY_INTERNAL_H

#include "pcap/capture.h"

/* Events kept for replay. */
#define REPLAY_EVENTS_MAX 4096

/* A recorded answer: the command it answered, its response, its data. */
struct replay_answer {
	struct ptp_params cmd;
	struct ptp_params resp;
	bool has_data;
	uint8_t *data; /* len bytes (owned) */
	size_t len;
};

struct replay_frame {
	uint64_t ts_ns;	/* capture time of the data phase */
	uint8_t *data;	/* the whole live-view dataset (owned) */
	size_t len;
};

struct replay_event {
	uint64_t ts_ns;
	struct ptp_params ev;
};

struct capture_replay {
	char name[64]; /* "replay:FILE" */
	uint16_t vid, pid;
	struct replay_answer answers[CAPTURE_REPLAY_ANSWERS_MAX];
	size_t nanswers;
	struct replay_frame *frames;
	size_t nframes, frames_cap;
	size_t bytes; /* data kept, frames and answers */
	struct replay_event events[REPLAY_EVENTS_MAX];
	size_t nevents;
};

/* The recorded answer to cmd: same operation and parameters, else the
 * first one to the same operation, else NULL. */
const struct replay_answer *replay_find(const struct capture_replay *rp,
					const struct ptp_params *cmd);

#endif
