/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * emu internals shared by the emulator's files: USB pipe framing (pipe.c),
 * the camera object (camera.c), the PTP responder (responder.c), the a6300
 * model facts (model.c) and the test-pattern encoder (pattern.c).
 *
 * Locking: everything reached through struct emu_camera runs with cam->lock
 * held (taken by the public emu_camera_* entry points). pipe.c, model.c,
 * pattern.c and faults.c are pure and lock-free.
 */
#ifndef ALPHAFS_EMU_INTERNAL_H
#define ALPHAFS_EMU_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu/emu.h"
#include "ptp/ptp.h"
#include "sony/sony.h"
#include "util/util.h"

/* Largest container the camera accepts from the host. Commands are at most
 * 32 bytes and the a6300's only host-to-device data phases (0x9205, 0x9207)
 * carry a single value, so anything near this is a garbled header. */
#define EMU_OUT_CONTAINER_MAX (1024u * 1024u)
/* IN transfers the camera holds before it NAKs further commands: a real
 * responder does not take a new command while its answer is unread. */
#define EMU_IN_QUEUE_MAX 16
/* Events the interrupt pipe holds; newer ones are dropped beyond this. */
#define EMU_EVENT_QUEUE_MAX 32
/* Delayed camera actions (steps, focus, capture) pending at once. */
#define EMU_ACTIONS_MAX 32

/* ---- pipe.c: bulk IN transfers ---------------------------------------- */
/*
 * One IN transfer: a whole container (or, under the short-every fault, its
 * beginning). It goes out as 512-byte packets, a short last packet, or a
 * ZLP after it when len is a non-zero multiple of 512. A transfer of
 * length 0 is a lone ZLP.
 */
struct emu_xfer {
	struct emu_xfer *next;
	uint8_t *data; /* owned */
	size_t len;
	size_t off;	      /* bytes already delivered */
	uint64_t ready_ns;    /* not readable before (latency fault) */
	size_t unplug_at;     /* 0, or offset where the device vanishes */
	uint32_t tid;	      /* transaction it belongs to (Cancel) */
};

struct emu_in_queue {
	struct emu_xfer *head;
	struct emu_xfer *tail;
	unsigned n;
};

void emu_inq_init(struct emu_in_queue *q);
/* Frees every queued transfer. */
void emu_inq_clear(struct emu_in_queue *q);
/* Appends a transfer taking ownership of data (freed on failure too).
 * Returns the transfer or NULL on NOMEM. */
struct emu_xfer *emu_inq_push(struct emu_in_queue *q, uint8_t *data,
			      size_t len, uint64_t ready_ns, uint32_t tid);
/* ready_ns of the head transfer, UINT64_MAX when empty. */
uint64_t emu_inq_ready_at(const struct emu_in_queue *q);
/* Drops every transfer of transaction tid, started or not (Cancel). */
void emu_inq_drop_tid(struct emu_in_queue *q, uint32_t tid);
/*
 * One host read of cap bytes at time now (see emu_camera_bulk_in). Returns
 * 0, AGAIN (nothing ready), OVERFLOW (a packet larger than what is left of
 * cap: the packet is lost), INVALID (cap 0), or NO_DEVICE when the read
 * reached the head transfer's unplug point (*got: bytes before it).
 */
int emu_inq_read(struct emu_in_queue *q, uint8_t *buf, size_t cap,
		 size_t *got, uint64_t now);

/* ---- pipe.c: bulk OUT reassembly --------------------------------------- */
/* Called for each whole container; returns false to halt the OUT pipe. */
typedef bool emu_container_fn(void *arg, const uint8_t *c, size_t len);

struct emu_out_asm {
	struct buf b; /* the container being received */
	bool halted;
};

void emu_outasm_init(struct emu_out_asm *o);
void emu_outasm_finish(struct emu_out_asm *o);
/* Drops a half-received container (halt cleared, reset, unplug). */
void emu_outasm_reset(struct emu_out_asm *o);
/*
 * Feeds one host OUT transfer. Containers are cut by their length field;
 * ZLPs are ignored. A header with length < 12, length above
 * EMU_OUT_CONTAINER_MAX or a type other than command/data halts the pipe.
 * Returns 0, PIPE (halted before or by this write) or NOMEM.
 */
int emu_outasm_write(struct emu_out_asm *o, const uint8_t *data, size_t len,
		     emu_container_fn *fn, void *arg);

/* ---- scene.c: what the camera sees ------------------------------------ */
struct emu_scene {
	unsigned w, h;		  /* frame size */
	unsigned world_w, world_h; /* the panorama the frame is cut from */
	uint8_t *world;		  /* RGB, owned */
};
/* Draws the world for w x h frames; NOMEM. */
int emu_scene_init(struct emu_scene *s, unsigned w, unsigned h);
void emu_scene_finish(struct emu_scene *s);
/* Frame k (RGB, w x h) into pix; the moving ball stays below row `top`. */
void emu_scene_draw(const struct emu_scene *s, uint64_t k, unsigned top,
		    uint8_t *pix);

/* ---- marker.c: sequence number and capture time in the pixels ---------- */
#define EMU_MARKER_BITS 120
#define EMU_MARKER_MAGIC 0xA5
/* Widest 1/8-scale line emu_frame_marker decodes (4096 px frames). */
#define EMU_MARKER_LINE_MAX 512
/* MCU rows (16 px) the marker needs at this width; 0 when it cannot fit. */
unsigned emu_marker_rows(unsigned width);
/* Draws the marker of (seq, ns) into the top rows of pix (RGB, w x h). */
void emu_marker_draw(uint8_t *pix, unsigned w, unsigned h, uint32_t seq,
		     uint64_t ns);

/* ---- pattern.c: the JPEG encoder ---------------------------------------- */
struct emu_pattern;

struct emu_render_opts {
	bool big; /* add APPn padding to pass 512 KiB (big-frames) */
};

/* NULL on NOMEM, when libjpeg cannot be set up, or when the frame is too
 * small for the marker (width below 128 or height below twice the
 * marker's rows). */
struct emu_pattern *emu_pattern_create(unsigned width, unsigned height,
				       unsigned quality);
/* A second encoder of the same frames that shares p's scene (read-only),
 * for another thread; p must outlive it. NULL on NOMEM. */
struct emu_pattern *emu_pattern_clone(const struct emu_pattern *p);
void emu_pattern_destroy(struct emu_pattern *p);
/* Appends one whole JPEG of frame seq, captured at mono_ns, to out.
 * Returns 0, NOMEM or IO (encoder failure). */
int emu_pattern_render(struct emu_pattern *p, uint64_t seq, uint64_t mono_ns,
		       const struct emu_render_opts *o, struct buf *out);

/* ---- sensor.c: the frame clock, and frames rendered ahead --------------- */
struct emu_camera;

struct emu_sensor {
	uint64_t t0_ns;	    /* frame base_k + m is due at t0 + m * period */
	uint64_t base_k;
	uint64_t period_ns;
	uint64_t jitter_ns; /* ready up to this long after due (< period/2) */
	uint64_t gen;	    /* bumped when the grid restarts */
	/* The thread that renders ahead (under cam->lock unless noted). */
	pthread_t thread;
	bool thread_started, failed, stop;
	pthread_cond_t cond;	     /* work for the thread */
	struct emu_pattern *pattern; /* the thread's encoder (thread only) */
	uint64_t want_k;	     /* frame to render next, 0 none */
	bool want_big;
	struct buf ahead;	     /* frame ahead_k, rendered */
	uint64_t ahead_k, ahead_gen;
	bool ahead_big, ahead_ok;
	struct buf spare;	     /* the thread's output (thread only) */
	uint64_t renders_ahead, renders_on_demand;
};

/* Sets up the clock (frame 1 due one period from now); the thread starts
 * with the first frame asked for. finish stops and joins it. */
void emu_sensor_init(struct emu_camera *cam);
void emu_sensor_finish(struct emu_camera *cam);
/* Restarts the grid at now (pace cfg.fps, jitter cfg.jitter_us): frame
 * base_k + 1 is due one period later; renders ahead are dropped. */
void emu_sensor_restart(struct emu_camera *cam, uint64_t now, uint64_t base_k);
/* When frame k is ready (its marker's time). */
uint64_t emu_sensor_ready_ns(const struct emu_camera *cam, uint64_t k);
/* The newest frame ready at now (base_k when none since the restart). */
uint64_t emu_sensor_newest(const struct emu_camera *cam, uint64_t now);
/* Asks the thread to render frame k ahead (no-op when it has it). */
void emu_sensor_ahead(struct emu_camera *cam, uint64_t k,
		      const struct emu_render_opts *o);
/* Appends frame k's JPEG to out: the one rendered ahead, or rendered now.
 * Returns 0, NOMEM or IO. */
int emu_sensor_render(struct emu_camera *cam, uint64_t k,
		      const struct emu_render_opts *o, struct buf *out);

/* ---- model.c ------------------------------------------------------------ */
/* The a6300's DeviceInfo dataset (dossier §2.2) with model and serial. */
void emu_model_device_info(struct buf *b, const struct emu_config *cfg);
/* The 0x9202 reply: version 0x00C8, codes, controls (dossier §3.3). */
void emu_model_ext_info(struct buf *b);

/* ---- props.c: the a6300's properties ------------------------------------ */
/* Fills t with the a6300's descriptors (its property listing, dossier
 * §5.3); NOMEM. */
int emu_model_props_init(struct sony_prop_table *t);
struct ptp_prop_desc *emu_model_prop(struct sony_prop_table *t,
				     uint16_t code);
/* True for button/lock controls (GetSet bit 7, dossier §5.1). */
bool emu_model_is_control(const struct ptp_prop_desc *d);
/* True when v is an allowed value for d (enum member / within range). */
bool emu_model_value_ok(const struct ptp_prop_desc *d, const struct ptp_value *v);
/* Moves d by delta notches (dossier §5.5): the lens's f-stops, the
 * shutter dial (bulb in M only), EV by value, other enumerations in their
 * order, ranges by their step; clamped. True if it changed. Lock held. */
bool emu_props_step(struct emu_camera *cam, struct ptp_prop_desc *d,
		    int delta);
/* PTP_RC_OK, or how the body answers a 0x9207 step of d (a dial or mode
 * that forbids it). Lock held. */
uint16_t emu_props_step_refusal(struct emu_camera *cam,
				const struct ptp_prop_desc *d);
/* PTP_RC_OK, or how the body answers 0x9205 of v on d. */
uint16_t emu_props_set_refusal(const struct ptp_prop_desc *d,
			       const struct ptp_value *v);
/* The mode dial moved: grey out or enable what the mode decides. Lock
 * held. */
void emu_props_apply_mode(struct emu_camera *cam);

/* ---- camera.c / responder.c ------------------------------------------- */
struct emu_event {
	uint16_t code;
	uint32_t param;
};

enum emu_action_kind {
	EMU_ACT_STEP,	 /* apply a 0x9207 step */
	EMU_ACT_FOCUS,	 /* S1 held: focus found (still.c) */
	EMU_ACT_EXPOSED, /* the shutter closed and the sensor is read */
	EMU_ACT_STORED,	 /* processed: the image is in the RAM buffer */
};

struct emu_action {
	uint64_t due_ns;
	enum emu_action_kind kind;
	uint16_t code;
	int delta;
};

/* Fault counters; restart whenever the fault set is replaced. */
struct emu_fault_state {
	struct emu_faults f;
	uint64_t tx;	     /* transactions executed */
	uint64_t frames;     /* live-view frames delivered */
	uint64_t ext_infos;  /* 0x9202 replies */
	unsigned busy_left;
	unsigned not_ready_left;
	unsigned badoffsets; /* alternates the bad offset value */
	bool hang_pending;   /* first frame sent: next transaction hangs */
	bool hung;	     /* no answers until Device Reset */
	uint32_t rng;
	unsigned capture_fail_left; /* capture-fail: shots still to refuse */
	unsigned lost_left;	    /* capture-lost: shots still to lose */
};

/* ---- still.c, still_image.c: stills ------------------------------------- */
/* The shared picture every shot's JPEG is made of (still_image.c). */
struct emu_still_image;
struct emu_still_image *emu_still_image_create(unsigned w, unsigned h,
					       unsigned quality);
/* Joins the encoder if it runs; NULL-safe. */
void emu_still_image_destroy(struct emu_still_image *img);
/* Starts encoding once (later calls do nothing): on the caller's thread
 * when `here` or the picture is small, else on a thread of its own. */
void emu_still_image_start(struct emu_still_image *img, bool here);
/* The JPEG once encoded (valid until destroy), else NULL with *failed
 * saying whether it never will be. Any thread. */
const uint8_t *emu_still_image_get(struct emu_still_image *img, size_t *len,
				   bool *failed);

/* Images the body's RAM buffer holds at 0xFFFFC001 (a new shot is
 * refused with DeviceBusy when it is full). */
#define EMU_OBJECTS_MAX 8

struct emu_object {
	uint8_t *data; /* owned */
	size_t len;
	uint16_t format; /* PTP_OFC_JPEG or SONY_OFC_ARW */
	char name[16];	 /* "DSC00001.JPG" */
	char date[16];	 /* "YYYYMMDDThhmmss" (UTC) */
	unsigned width, height;
};

struct emu_still {
	struct emu_still_image *image;
	struct emu_object ram[EMU_OBJECTS_MAX]; /* [0] is what C001 gives */
	unsigned nram;
	unsigned processing;   /* shots between exposure and buffer */
	bool s1_down, s2_down;
	bool shutter_pending;  /* S2 held, waiting for focus */
	bool exposing;	       /* live view withheld until expose_end_ns */
	bool bulb;
	uint64_t expose_end_ns;
	unsigned shots;	       /* file number of the newest shot */
};

typedef uint64_t emu_clock_fn(void *arg);

struct emu_camera {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool sensor_ready; /* emu_sensor_init ran (destroy finishes it) */
	struct emu_config cfg;
	emu_clock_fn *clock;
	void *clock_arg;

	bool plugged;
	bool in_halted;
	struct emu_in_queue inq;
	struct emu_out_asm out;
	struct emu_event events[EMU_EVENT_QUEUE_MAX];
	unsigned ev_head, ev_n;
	struct emu_action actions[EMU_ACTIONS_MAX];
	unsigned nactions;
	uint64_t cancel_until_ns; /* Get Device Status says Busy until then */

	/* PTP state machine (dossier §8.2) */
	uint32_t session_id;	  /* 0: no session */
	unsigned sdio_seen;	  /* bit n: SDIOConnect phase n this session */
	bool liveview_ready;	  /* phase 3 done after 1 and 2 */
	uint64_t lv_up_ns;	  /* live view comes up (warm-up over) */
	bool awaiting_data;	  /* command seen, its data phase pending */
	struct ptp_params pending;
	bool answered_valid;
	uint32_t answered_tid;	  /* last command answered (stray data) */

	struct sony_prop_table props;

	struct emu_pattern *pattern;
	struct emu_sensor sensor; /* frame clock (sensor.c) */
	uint64_t last_seq;	  /* newest frame delivered */
	size_t last_dataset_len;
	bool paused;
	bool lv_delivered;	  /* a live-view frame went out since plug-in */

	struct emu_still still;	  /* stills (still.c) */

	struct emu_fault_state fs;
	struct emu_stats stats;
};

uint64_t emu_camera_now(const struct emu_camera *cam);
/* Queues an event (drops it when the queue is full). */
void emu_camera_queue_event(struct emu_camera *cam, uint16_t code,
			    uint32_t param);
/* Schedules a delayed action; false when the table is full. */
bool emu_camera_schedule(struct emu_camera *cam, const struct emu_action *a);
/* Closes the session and resets the PTP state machine. */
void emu_camera_close_session(struct emu_camera *cam);

/* One transaction being answered (responder.c, liveview.c). */
struct emu_tx {
	struct emu_camera *cam;
	const struct ptp_params *cmd;
	const uint8_t *data; /* host data phase (0x9205, 0x9207) */
	size_t dlen;
	uint64_t now;
	uint64_t ready; /* when its answer becomes readable (latency) */
};

/* Starts a data container in c (12 header bytes reserved, capped). */
void emu_tx_begin(struct buf *c);
/* Finishes c as t's data container and queues it as one IN transfer
 * (c is emptied). NULL when it could not be built (the phase is lost). */
struct emu_xfer *emu_tx_queue_data(struct emu_tx *t, struct buf *c);
/* Queues n bytes as t's data container. */
void emu_tx_send(struct emu_tx *t, const void *p, size_t n);
/* Queues t's response with code rc and no parameters / one parameter. */
void emu_tx_respond(struct emu_tx *t, uint16_t rc);
void emu_tx_respond_param(struct emu_tx *t, uint16_t rc, uint32_t p1);
/* GetObject(0xFFFFC002) (liveview.c). */
void emu_liveview_poll(struct emu_tx *t);
/* Starts the live-view warm-up (SDIOConnect phase 3 done). */
void emu_liveview_start(struct emu_camera *cam, uint64_t now);
#define EMU_LV_STATUS_OFF 0
#define EMU_LV_STATUS_ON 1
#define EMU_LV_STATUS_NONE 2
/* The 0xD221 LiveViewStatus value at time now. */
uint8_t emu_liveview_status(const struct emu_camera *cam, uint64_t now);

/* Property values of the model (responder.c): current value as a signed
 * number (0 for an unknown code); set, with a C203 event when notify. */
int64_t emu_camera_prop(struct emu_camera *cam, uint16_t code);
void emu_camera_prop_set(struct emu_camera *cam, uint16_t code, int64_t v,
			 bool notify);

/* still.c, called with the lock held. */
int emu_still_init(struct emu_camera *cam); /* after props and faults */
void emu_still_finish(struct emu_camera *cam);
/* Power gone: the RAM buffer and the buttons' state with it. */
void emu_still_unplug(struct emu_camera *cam);
/* S1, S2 or RequestOneShooting pressed (down) or released; returns the
 * response code for the 0x9207/0x9205. */
uint16_t emu_still_button(struct emu_camera *cam, uint16_t code, bool down);
/* A due FOCUS, EXPOSED or STORED action. */
void emu_still_action(struct emu_camera *cam, const struct emu_action *a);
/* GetObjectInfo / GetObject / GetPartialObject of 0xFFFFC001: true when
 * answered (or the body crashed: no answer), false when there is no
 * object (the caller answers InvalidObjectHandle). */
bool emu_still_object_info(struct emu_tx *t);
bool emu_still_get_object(struct emu_tx *t);
bool emu_still_get_partial(struct emu_tx *t, uint32_t off, uint32_t max);
/* An object waits at 0xFFFFC001. */
bool emu_still_waiting(const struct emu_camera *cam);
/* The sensor is exposing: live view has no new frame. */
bool emu_still_withholds(const struct emu_camera *cam);

/* Responder entry point: one whole host container (lock held). Returns
 * false when the container is a protocol violation that halts OUT. */
bool emu_responder_container(void *camera, const uint8_t *c, size_t len);
/* Applies a due delayed action (lock held). */
void emu_responder_action(struct emu_camera *cam, const struct emu_action *a);

#endif
