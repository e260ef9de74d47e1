/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fault specs: "NAME[=N],NAME[=N],...". Each fault imitates something a real
 * body or a real USB link does; the help text says what and where it was
 * seen, and man/alphafs-emulator.7 repeats it.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"

/* Largest N accepted for any fault (a count, a period or milliseconds). */
#define FAULT_VALUE_MAX 100000000u
#define FAULT_LATENCY_MAX_MS 60000u
#define FAULT_NAME_MAX 32

enum fault_kind {
	FAULT_COUNT,  /* =N, N >= 0 */
	FAULT_PERIOD, /* =N, N >= 1 (every Nth / at the Nth) */
	FAULT_FLAG,   /* no value */
	FAULT_MS,     /* =MS, 0..FAULT_LATENCY_MAX_MS */
};

struct fault_def {
	const char *name;
	enum fault_kind kind;
	size_t off; /* offset of the field in struct emu_faults */
};

#define FIELD(f) offsetof(struct emu_faults, f)

static const struct fault_def fault_defs[] = {
	{ "busy", FAULT_COUNT, FIELD(busy) },
	{ "not-ready", FAULT_COUNT, FIELD(not_ready) },
	{ "truncate-every", FAULT_PERIOD, FIELD(truncate_every) },
	{ "badsize-every", FAULT_PERIOD, FIELD(badsize_every) },
	{ "badoffset-every", FAULT_PERIOD, FIELD(badoffset_every) },
	{ "garbage-every", FAULT_PERIOD, FIELD(garbage_every) },
	{ "short-every", FAULT_PERIOD, FIELD(short_every) },
	{ "stall-at", FAULT_PERIOD, FIELD(stall_at) },
	{ "timeout-at", FAULT_PERIOD, FIELD(timeout_at) },
	{ "unplug-at-frame", FAULT_PERIOD, FIELD(unplug_at_frame) },
	{ "hang-after-first", FAULT_FLAG, FIELD(hang_after_first) },
	{ "empty-ext-info", FAULT_COUNT, FIELD(empty_ext_info) },
	{ "denied-no-data", FAULT_FLAG, FIELD(denied_no_data) },
	{ "latency", FAULT_MS, FIELD(latency_ms) },
	{ "zlp-frames", FAULT_FLAG, FIELD(zlp_frames) },
	{ "big-frames", FAULT_FLAG, FIELD(big_frames) },
	{ "warmup-denied", FAULT_FLAG, FIELD(warmup_denied) },
	{ "liveview-stuck", FAULT_FLAG, FIELD(liveview_stuck) },
	{ "no-liveview", FAULT_FLAG, FIELD(no_liveview) },
	{ "capture-fail", FAULT_COUNT, FIELD(capture_fail) },
	{ "capture-lost", FAULT_COUNT, FIELD(capture_lost) },
	{ "object-added-early", FAULT_FLAG, FIELD(object_added_early) },
	{ "no-capture-event", FAULT_FLAG, FIELD(no_capture_event) },
	{ "stale-image", FAULT_FLAG, FIELD(stale_image) },
};

static const char fault_help[] =
	"Faults (comma-separated, e.g. \"busy=5,truncate-every=10\"):\n"
	"  busy=N             the next N operations in a session answer\n"
	"                     DeviceBusy 0x2019 with no data phase (dossier\n"
	"                     §7.4: other vendors' live view; none logged on\n"
	"                     an a6300)\n"
	"  not-ready=N        the next N live-view polls answer AccessDenied\n"
	"                     0x200F, as a body does while the sensor is\n"
	"                     starting (lgp#180, lgp#457)\n"
	"  truncate-every=N   every Nth frame's JPEG is cut short: no FF D9,\n"
	"                     size field matching the cut bytes (the grey\n"
	"                     bottom-half frames of ilce-6300-usb.md)\n"
	"  badsize-every=N    every Nth frame's size field runs past the end\n"
	"                     of the dataset (dossier §4.3)\n"
	"  badoffset-every=N  every Nth frame's offset is out of range,\n"
	"                     alternately 0xFFFFFFFF and just past the end\n"
	"                     (libgphoto2's offset check wraps, dossier §4.4)\n"
	"  garbage-every=N    every Nth dataset is random bytes (from --seed)\n"
	"  short-every=N      every Nth frame's data phase ends early with a\n"
	"                     short packet: the host sees fewer bytes than the\n"
	"                     container length (dossier §7.8)\n"
	"  stall-at=N         bulk IN stalls at the Nth transaction; after\n"
	"                     CLEAR_FEATURE its response is lost and the host\n"
	"                     must reset (dossier §1.6)\n"
	"  timeout-at=N       the Nth transaction has no response at all\n"
	"  unplug-at-frame=N  the cable is pulled in the middle of frame N's\n"
	"                     data phase\n"
	"  hang-after-first   after the first live-view frame the next\n"
	"                     transaction is never answered until a Device\n"
	"                     Reset (a6300: dougforpres/SonyCamera#3)\n"
	"  empty-ext-info=N   the first N 0x9202 replies carry an empty data\n"
	"                     phase, as a body still starting up does\n"
	"                     (libgphoto2 commit ec6f80de6)\n"
	"  denied-no-data     \"no new frame\" is 0x200F without the 16-byte\n"
	"                     data phase (dossier §4.2: both forms possible)\n"
	"  latency=MS         every response becomes readable MS ms after its\n"
	"                     command: a slow body\n"
	"  zlp-frames         frames padded so every live-view container is an\n"
	"                     exact multiple of 512 bytes and needs a ZLP\n"
	"                     (dossier §1.4)\n"
	"  big-frames         frames above 512 KiB, the block size libgphoto2\n"
	"                     reads in (dossier §1.4)\n"
	"  warmup-denied      during the live-view warm-up (--warmup) polls\n"
	"                     answer AccessDenied 0x200F instead of\n"
	"                     InvalidObjectHandle 0x2009 (both are seen)\n"
	"  liveview-stuck     live view never comes up after the handshake:\n"
	"                     0xD221 LiveViewStatus stays 0 and polls answer\n"
	"                     0x2009 (a body showing a menu)\n"
	"  no-liveview        the body has no live view in this mode: 0xD221\n"
	"                     reads 2 and polls answer 0x2009\n"
	"  capture-fail=N     the next N full presses (0x9207 S2) answer\n"
	"                     GeneralError 0x2002 and no still is taken\n"
	"  capture-lost=N     the next N stills are exposed but never reach\n"
	"                     the buffer: 0xD215 goes back to 0, no C201\n"
	"  object-added-early C201 ObjectAdded comes when the exposure ends,\n"
	"                     before 0xD215 reads 0x8000 or more; asking for\n"
	"                     0xFFFFC001 then crashes the body until a Device\n"
	"                     Reset (A7 II/III with live view: libgphoto2\n"
	"                     #981, #1082)\n"
	"  no-capture-event   no C201 for a still: only 0xD215 says it is\n"
	"                     there (events can be missed, dossier §6)\n"
	"  stale-image        a still nobody downloaded waits at 0xFFFFC001\n"
	"                     from power-on (dossier §7.6)\n";

const char *emu_fault_help(void)
{
	return fault_help;
}

static const struct fault_def *find_def(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(fault_defs); i++) {
		if (strlen(fault_defs[i].name) == len &&
		    memcmp(fault_defs[i].name, name, len) == 0)
			return &fault_defs[i];
	}
	return NULL;
}

/* Decimal digits only, no sign, bounded; false on anything else. */
static bool parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
	unsigned long v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return false;
	}
	*out = (unsigned)v;
	return true;
}

static int item_error(char *err, size_t cap, const char *item, size_t len,
		      const char *why)
{
	if (err && cap > 0)
		snprintf(err, cap, "fault \"%.*s\": %s", (int)len, item, why);
	return ALPHAFS_ERR_INVALID;
}

static int apply_value(const struct fault_def *d, const char *val,
		       size_t vlen, bool has_val, struct emu_faults *out,
		       unsigned *v)
{
	unsigned max = d->kind == FAULT_MS ? FAULT_LATENCY_MAX_MS
					   : FAULT_VALUE_MAX;

	if (d->kind == FAULT_FLAG) {
		if (has_val)
			return ALPHAFS_ERR_INVALID;
		*(bool *)((char *)out + d->off) = true;
		return 0;
	}
	if (!has_val || !parse_uint(val, vlen, max, v))
		return ALPHAFS_ERR_INVALID;
	if (d->kind == FAULT_PERIOD && *v == 0)
		return ALPHAFS_ERR_INVALID;
	*(unsigned *)((char *)out + d->off) = *v;
	return 0;
}

static int parse_item(const char *item, size_t len, struct emu_faults *out,
		      char *err, size_t cap)
{
	const char *eq = memchr(item, '=', len);
	size_t nlen = eq ? (size_t)(eq - item) : len;
	const struct fault_def *d = find_def(item, nlen);
	unsigned v = 0;

	if (!d)
		return item_error(err, cap, item, len, "unknown fault");
	if (apply_value(d, eq ? eq + 1 : NULL, eq ? len - nlen - 1 : 0,
			eq != NULL, out, &v) < 0) {
		if (d->kind == FAULT_FLAG)
			return item_error(err, cap, item, len,
					  "takes no value");
		if (d->kind == FAULT_PERIOD)
			return item_error(err, cap, item, len,
					  "needs =N with N >= 1");
		return item_error(err, cap, item, len,
				  d->kind == FAULT_MS ? "needs =MS (0-60000)"
						      : "needs =N");
	}
	return 0;
}

int emu_fault_parse(const char *spec, struct emu_faults *out, char *err,
		    size_t cap)
{
	const char *p = spec;
	const char *end;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (err && cap > 0)
		err[0] = '\0';
	if (!spec)
		return 0;
	while (*p) {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len > FAULT_NAME_MAX + 16) {
			rc = item_error(err, cap, p, len > FAULT_NAME_MAX
						      ? FAULT_NAME_MAX : len,
					len ? "too long" : "empty item");
			memset(out, 0, sizeof(*out));
			return rc;
		}
		rc = parse_item(p, len, out, err, cap);
		if (rc < 0) {
			memset(out, 0, sizeof(*out));
			return rc;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}
