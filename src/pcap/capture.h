/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcap: USB captures (Linux usbmon, Windows USBPcap; pcap and pcapng files
 * read through libpcap) turned back into what the camera said: USB
 * transfers -> PTP containers -> transactions -> live-view frames and
 * still JPEGs, each dropped frame with its reason; and a replay transport
 * that plays the camera's side of a capture to the unchanged host stack.
 *
 * The pipeline, each stage pure and fed by the one before:
 *   capture_usb_parse  one capture record -> one USB event (no I/O)
 *   capture_reasm      USB events -> containers per pipe -> transactions,
 *                      for one device (the camera), by container length
 *   capture_extract    transactions -> frames (the daemon's own live-view
 *                      parser and whole-JPEG check), with the drop reason
 *   capture_read_*     the thin libpcap reader feeding the above
 * Everything in a capture file is untrusted: every size is capped, every
 * read is bounded, bad records are counted and skipped.
 *
 * Layers: pcap/ uses ptp/ (containers, the transport interface), sony/
 * (the live-view dataset) and frame/ (the whole-JPEG check). Like usb/
 * it is a transport provider: capture_replay_open is a transport opener
 * the programs hand to the camera owner; it knows nothing of camera/.
 *
 * The header and the names say "capture", not "pcap": libpcap owns
 * <pcap/pcap.h> (which -Isrc would otherwise shadow) and the pcap_ prefix.
 *
 * Thread context: each object is used by one thread at a time.
 */
#ifndef ALPHAFS_CAPTURE_H
#define ALPHAFS_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "frame/frame.h"
#include "ptp/ptp.h"
#include "util/util.h"

/* ---- USB events from capture records (usbrec.c) ------------------------ */
/* Link-layer types (tcpdump.org link-layer header types). */
#define CAPTURE_LINK_USB_LINUX 189	       /* usbmon, 48-byte header */
#define CAPTURE_LINK_USB_LINUX_MMAPPED 220 /* usbmon, 64-byte header */
#define CAPTURE_LINK_USBPCAP 249	       /* Windows USBPcap */

#define CAPTURE_USBMON_HDR 48
#define CAPTURE_USBMON_MMAPPED_HDR 64
#define CAPTURE_USBPCAP_HDR 27
#define CAPTURE_USBPCAP_CONTROL_HDR 28

enum capture_xfer {
	CAPTURE_XFER_ISO = 0,
	CAPTURE_XFER_INTR = 1,
	CAPTURE_XFER_CONTROL = 2,
	CAPTURE_XFER_BULK = 3,
};

enum capture_ev_kind { CAPTURE_EV_SUBMIT, CAPTURE_EV_COMPLETE };

/* One capture record as a USB event: a URB submitted or completed. */
struct capture_usb_event {
	uint64_t ts_ns;	 /* capture time (ns since the epoch) */
	uint64_t urb_id; /* usbmon URB id / USBPcap IRP id */
	uint16_t bus, dev;
	uint8_t ep;   /* endpoint address, 0x80 set for IN */
	uint8_t xfer; /* enum capture_xfer */
	uint8_t kind; /* enum capture_ev_kind */
	bool ok;      /* completed without an error status (submit: true) */
	bool has_setup;
	uint8_t setup[8]; /* control SETUP packet when has_setup */
	/* usbmon: the URB length (a submitted IN: the bytes asked for);
	 * USBPcap: the payload length. */
	uint32_t urb_len;
	/* The event holds the transfer's payload: OUT at submission, IN at
	 * completion. data_len is what the transfer carried on the wire,
	 * data_cap what the capture kept of it (data_cap < data_len: the
	 * record was cut by the capture's snapshot length). */
	bool carries_data;
	const uint8_t *data; /* data_cap bytes inside the record */
	size_t data_cap;
	uint32_t data_len;
};

/*
 * Parses one record of link type `link` (caplen bytes captured of origlen
 * on the wire) into *out; out->data points into rec. Host byte order for
 * usbmon headers (libpcap converts a file written on the other byte order
 * when reading it), little-endian for USBPcap. Returns 0, UNSUPPORTED for
 * another link type, MALFORMED for a record whose own header is cut or
 * inconsistent. Pure.
 */
int capture_usb_parse(int link, const uint8_t *rec, size_t caplen, size_t origlen,
		   uint64_t ts_ns, struct capture_usb_event *out);
/* "usbmon", "usbmon (mmapped)", "USBPcap", or NULL for other types. */
const char *capture_link_name(int link);

/* ---- containers and transactions (reasm.c, pipe.c) ---------------------- */
/* Largest container followed (a RAW still is ~25 MB; as the engine). */
#define CAPTURE_CONTAINER_MAX PTP_DATA_MAX
/* Devices tracked on the capture's buses (beyond: counted, not listed). */
#define CAPTURE_DEVICES_MAX 64
/* Distinct operation codes counted for the summary. */
#define CAPTURE_OPS_MAX 128
/* Submitted URBs remembered for their asked length, per device. */
#define CAPTURE_URBS_MAX 64
/* Endpoints followed per device (bulk and interrupt pipes). */
#define CAPTURE_PIPES_MAX 8
/* Bulk max packet size assumed until the descriptors say (USB 2.0 HS). */
#define CAPTURE_MAX_PACKET_DEFAULT 512

/* Why a container is not whole. */
enum capture_cut {
	CAPTURE_CUT_CAPTURE = 1u << 0,  /* a record cut by the snapshot length */
	CAPTURE_CUT_SHORT = 1u << 1,    /* device ended it before its length */
	CAPTURE_CUT_MISSING = 1u << 2,  /* transfers missing from the capture */
	CAPTURE_CUT_UNFINISHED = 1u << 3, /* the capture ended inside it */
	CAPTURE_CUT_LOST = 1u << 4,     /* header itself not captured: length
					unknown, bytes counted only */
};

struct capture_container {
	uint16_t bus, dev;
	uint8_t ep;
	struct ptp_header h; /* type 0 for a CAPTURE_CUT_LOST run */
	const uint8_t *payload; /* the first `kept` payload bytes */
	size_t kept;		/* bytes held: all of them when whole, those
				   before the first cut otherwise */
	size_t payload_len;	/* bytes on the wire (== h.length - 12 when
				   whole) */
	unsigned cut;		/* enum capture_cut bits; 0 when whole */
	uint32_t cut_cap, cut_len; /* first cut record: kept / on the wire */
	unsigned transfers;
	uint64_t ts_first_ns, ts_last_ns;
};

/* One transaction of the followed device, as the capture saw it. */
struct capture_txn {
	uint16_t bus, dev;
	struct ptp_params cmd;
	bool has_data;
	bool data_in;		/* device -> host */
	const uint8_t *data;	/* data_kept bytes, valid during the callback */
	size_t data_kept;	/* == data_len unless cut */
	size_t data_len;	/* bytes on the wire */
	uint32_t data_announced; /* container length - 12 */
	unsigned data_cut;	 /* enum capture_cut bits */
	uint32_t cut_cap, cut_len;
	unsigned data_transfers;
	bool has_resp;
	struct ptp_params resp;
	uint64_t ts_cmd_ns, ts_data_ns, ts_resp_ns; /* data: its last byte */
};

struct capture_device {
	uint16_t bus, dev;
	bool have_ids;
	uint16_t vid, pid;	/* from a GET_DESCRIPTOR(device) answer */
	bool ptp_interface;	/* a configuration with class 6/1/1 */
	bool ptp_traffic;	/* a bulk OUT transfer held a PTP command */
	bool followed;
	uint64_t records;
	uint16_t max_packet;	/* bulk wMaxPacketSize, when seen */
};

struct capture_reasm_stats {
	uint64_t events;	   /* USB events fed */
	uint64_t other_device;	   /* events of devices not followed */
	uint64_t cut_records;	   /* followed-device records cut short */
	uint64_t garbage_transfers; /* no container header where one began */
	uint64_t zlps;		   /* zero-length transfers between containers */
	uint64_t orphan_containers; /* data/response with no command for it */
	uint64_t stale_responses;
	uint64_t events_ptp;	   /* PTP events on the interrupt pipe */
	uint64_t transactions;
	uint64_t missed_completions; /* URBs submitted, never completed */
	unsigned devices_over;	   /* devices beyond CAPTURE_DEVICES_MAX */
};

struct capture_reasm_handlers {
	/* A transaction ended (response, a newer command, or the capture's
	 * end). Pointers in t are valid during the call only. */
	void (*txn)(const struct capture_txn *t, void *arg);
	/* A PTP event on the interrupt pipe (whole containers only). */
	void (*event)(const struct ptp_params *ev, uint64_t ts_ns, void *arg);
	void *arg;
};

struct capture_reasm;

/* Follows bus/dev when both are non-zero, else the first device found to
 * be a PTP camera (a PTP interface in its descriptors, or a PTP command on
 * a bulk OUT pipe). NULL on NOMEM. */
struct capture_reasm *capture_reasm_create(const struct capture_reasm_handlers *h,
				     uint16_t bus, uint16_t dev);
void capture_reasm_destroy(struct capture_reasm *r);
/* Feeds one event in capture order. Returns 0 or NOMEM (the event was not
 * taken in full; the reassembler stays usable). */
int capture_reasm_feed(struct capture_reasm *r, const struct capture_usb_event *ev);
/* End of the capture: containers and transactions in progress end as
 * UNFINISHED and are handed to the callbacks. */
void capture_reasm_end(struct capture_reasm *r);
void capture_reasm_get_stats(const struct capture_reasm *r,
			  struct capture_reasm_stats *out);
/* The devices seen, in order of appearance; *n set to the count. */
const struct capture_device *capture_reasm_devices(const struct capture_reasm *r,
					     size_t *n);

/* ---- pipe reassembly (pipe.c; used by reasm.c) ------------------------ */
enum capture_pipe_state { CAPTURE_PIPE_HEAD, CAPTURE_PIPE_BODY, CAPTURE_PIPE_LOST };

struct capture_pipe {
	uint8_t ep;
	enum capture_pipe_state state;
	uint8_t head[PTP_HEADER_SIZE];
	size_t head_have;
	unsigned head_xfers; /* transfers the header came in */
	struct capture_container c; /* in progress (BODY, LOST) */
	uint8_t *buf;		 /* payload under construction */
	size_t buf_cap;
	size_t need; /* payload bytes announced */
	bool last_full; /* the last transfer of c filled its request */
	uint32_t expect_tid; /* tid of the newest command (0: none) */
	bool have_expect;
};

/* What one transfer is, as far as the pipe needs to know. */
struct capture_transfer {
	const uint8_t *data;
	size_t cap;	   /* bytes captured */
	uint32_t len;	   /* bytes on the wire */
	bool is_short;	   /* ended by a short packet (or a ZLP) */
	bool gap_before;   /* transfers before it are missing */
	uint64_t ts_ns;
};

typedef void capture_container_fn(const struct capture_container *c, void *arg);

void capture_pipe_init(struct capture_pipe *p, uint8_t ep);
void capture_pipe_finish(struct capture_pipe *p);
/* Feeds one transfer; whole, cut and lost containers go to fn. Returns 0
 * or NOMEM. garbage/zlps count transfers skipped. */
int capture_pipe_feed(struct capture_pipe *p, const struct capture_transfer *x,
		   capture_container_fn *fn, void *arg, uint64_t *garbage,
		   uint64_t *zlps);
/* Ends a container in progress (flags added to its cut bits). */
void capture_pipe_flush(struct capture_pipe *p, unsigned cut, capture_container_fn *fn,
		     void *arg);

/* ---- frames (extract.c) ------------------------------------------------- */
/* X(id, name, text). Why a JPEG of the capture was not written. */
#define CAPTURE_DROP_REASONS(X)                                                   \
	X(CAPTURE_CUT, "capture-truncated",                                    \
	  "record truncated by the capture (caplen < len): raise the snapshot length: USBPcap -s 0 / dumpcap -s 0") \
	X(MISSING, "missing-transfers",                                        \
	  "data phase missing transfers: the capture lost USB records")        \
	X(SHORT, "short-container",                                            \
	  "container shorter than announced: the data phase ended early (the camera cut it, or the capture lost a URB inside it)") \
	X(UNFINISHED, "capture-ended", "the capture ended inside the data phase") \
	X(NO_EOI, "no-eoi", "JPEG without EOI (FF D9): the camera sent it cut")  \
	X(DATASET, "bad-dataset", "live-view dataset inconsistent")            \
	X(NO_DATA, "no-data", "answered OK without a data phase")

enum capture_drop {
#define CAPTURE_DROP_ENUM(id, name, text) CAPTURE_DROP_##id,
	CAPTURE_DROP_REASONS(CAPTURE_DROP_ENUM)
#undef CAPTURE_DROP_ENUM
	CAPTURE_DROP_COUNT
};
const char *capture_drop_name(enum capture_drop d);
const char *capture_drop_text(enum capture_drop d);

enum capture_frame_kind { CAPTURE_FRAME_LIVE, CAPTURE_FRAME_STILL };

struct capture_frame {
	enum capture_frame_kind kind;
	unsigned index;	    /* 1, 2, ... per kind, dropped ones included */
	uint64_t ts_ns;	    /* when its data phase ended */
	uint32_t tid;
	const uint8_t *jpeg; /* len bytes when drop < 0; valid in the call */
	size_t len;
	int drop;	    /* -1: whole; else enum capture_drop */
	char detail[160];   /* for a drop: the numbers behind it */
};

struct capture_op_count {
	uint16_t code;
	uint64_t n;
};

struct capture_summary {
	uint64_t live_frames, stills, bytes;
	size_t min_len, max_len;
	uint64_t dropped[CAPTURE_DROP_COUNT];
	uint64_t dropped_total;
	uint64_t polls_denied;	/* live-view polls answered non-OK, no frame */
	uint64_t events;
	struct capture_op_count ops[CAPTURE_OPS_MAX];
	size_t nops;
	uint64_t ops_other; /* codes beyond CAPTURE_OPS_MAX distinct ones */
	/* The Sony handshake: SDIOConnect phases 1, 2, 3 and 0x9202 answered
	 * OK, in that order (dossier §3.2). */
	bool sdio_phase[4];
	bool ext_info;
	uint16_t sony_protocol;
	uint64_t first_ts_ns, last_ts_ns;
};

typedef void capture_frame_fn(const struct capture_frame *f, void *arg);

struct capture_extract;
/* fn receives every live-view frame and still JPEG, whole or dropped. */
struct capture_extract *capture_extract_create(capture_frame_fn *fn, void *arg);
void capture_extract_destroy(struct capture_extract *x);
/* The reassembler handlers that feed x. */
void capture_extract_handlers(struct capture_extract *x, struct capture_reasm_handlers *h);
void capture_extract_txn(struct capture_extract *x, const struct capture_txn *t);
void capture_extract_note_ts(struct capture_extract *x, uint64_t ts_ns);
const struct capture_summary *capture_extract_summary(const struct capture_extract *x);
bool capture_summary_handshake(const struct capture_summary *s);

/*
 * The whole-frame rule for one live-view data phase, the daemon's own
 * (sony_liveview_parse + frame_jpeg_check): returns -1 with *jpeg and *len
 * set when whole, else the enum capture_drop, with detail written. Pure.
 */
int capture_liveview_judge(const struct capture_txn *t, const uint8_t **jpeg,
			size_t *len, char *detail, size_t cap);

/* ---- capture files through libpcap (reader.c) -------------------------- */
struct capture_read_info {
	int link;
	const char *link_name;
	bool pcapng; /* by its first bytes; stdin: unknown, false */
	uint64_t records, unreadable;
};

typedef int capture_event_fn(const struct capture_usb_event *ev, void *arg);

/*
 * Reads path ("-" for stdin) to its end, parsing each record and handing
 * the events to fn in order (fn returning < 0 stops the read with that
 * code). Returns 0, or IO / UNSUPPORTED (not a USB link type) / MALFORMED
 * (not a capture, or cut mid-record) with err set. A record that is not a
 * USB event is counted in info->unreadable and skipped.
 */
int capture_read_file(const char *path, capture_event_fn *fn, void *arg,
		   struct capture_read_info *info, struct err_detail *err);
/* The same over a FILE (not closed). */
int capture_read_stream(FILE *f, capture_event_fn *fn, void *arg,
		     struct capture_read_info *info, struct err_detail *err);

/* ---- replay (replay.c, replay_transport.c) ----------------------------- */
/* Live-view bytes a replay keeps in memory. */
#define CAPTURE_REPLAY_BYTES_MAX (512u * 1024 * 1024)
/* Recorded answers kept (handshake, identity, properties, stills). */
#define CAPTURE_REPLAY_ANSWERS_MAX 256

struct capture_replay_options {
	bool loop;     /* after the last frame, start again */
	bool realtime; /* keep the capture's pace between frames */
	/* Without realtime: a new frame only once gate(arg) says a reader
	 * took the last one (NULL: as fast as the host asks). */
	bool (*gate)(void *arg);
	void *gate_arg;
	uint16_t bus, dev; /* the device to follow; 0, 0 = found */
};

struct capture_replay;

/*
 * Reads the capture at path and keeps what a replay needs: DeviceInfo, the
 * Sony handshake's answers, other recorded answers, every whole live-view
 * dataset and the events. NOT_FOUND with err set when the capture holds no
 * whole live-view frame; IO, MALFORMED, UNSUPPORTED as capture_read_file;
 * TOO_BIG beyond CAPTURE_REPLAY_BYTES_MAX.
 */
int capture_replay_load(const char *path, uint16_t bus, uint16_t dev,
		     struct capture_replay **out, struct err_detail *err);
void capture_replay_destroy(struct capture_replay *rp);
size_t capture_replay_frames(const struct capture_replay *rp);

/*
 * A transport whose device side is the capture: commands are answered
 * with the recorded answers (missing identity and handshake answers are
 * made up so a capture begun mid-stream still plays), GetObject(0xFFFFC002)
 * with the recorded live-view datasets in order, byte for byte, paced as
 * opt says with AccessDenied in between. rp is shared (not owned, must
 * outlive the transport); several transports may play it one after the
 * other. NULL on NOMEM.
 */
struct ptp_transport *capture_replay_transport_create(struct capture_replay *rp,
						   const struct capture_replay_options *opt);

/* What a program hands the camera owner to (re)open the replay: the
 * capture, loaded once, and the options. */
struct capture_replay_opener {
	struct capture_replay *rp; /* not owned */
	struct capture_replay_options opt;
};
/*
 * A transport opener (the shape of struct ptp_transport_opener's open):
 * arg is a struct capture_replay_opener; serial is ignored (a capture has
 * one body). Each call plays the capture from its first frame. NOMEM with
 * err set.
 */
int capture_replay_open(void *arg, const char *serial, struct ptp_transport **out,
			struct err_detail *err);

#endif
