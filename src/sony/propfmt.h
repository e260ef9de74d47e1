/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sony properties in the form a photographer writes them: which properties
 * alphafs shows as control/ files and under what name, how each value reads
 * ("800", "auto", "1/125", "2.5\"", "f/4.0", "+0.7", "daylight"), how a
 * written value parses back, what the camera's descriptor allows, and in
 * which order a 0x9207 step moves a value (dossier §5.3, §5.5).
 *
 * Value meanings come from the dossier's sources (libgphoto2's config.c,
 * ptpy) and gphoto2's listing of a real ILCE-6300; a value without a known
 * meaning reads as the camera's own code ("0x8030") and can be written
 * that way. The allowed values always come from the camera's descriptor,
 * never from a table here.
 *
 * Everything here is pure (no I/O, no globals written, no allocation):
 * callable from any thread, and fuzzed (tests/fuzz/fuzz_propfmt.c, and
 * through the property-change path in fuzz_camera_events.c).
 */
#ifndef ALPHAFS_SONY_PROPFMT_H
#define ALPHAFS_SONY_PROPFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ptp/ptp.h"

/* Longest value text (ISO "409600 mfnr-high", a name) and control name. */
#define SONY_VALUE_TEXT_MAX 48
#define SONY_CONTROL_NAME_MAX 32
/* A written value longer than this is refused without parsing. */
#define SONY_VALUE_INPUT_MAX 64

/* How values of a property read and parse. */
enum sony_form {
	SONY_FORM_INT,	   /* a plain number */
	SONY_FORM_ISO,	   /* "auto", "800", "800 mfnr", "800 mfnr-high" */
	SONY_FORM_SHUTTER, /* "bulb", "30\"", "2.5\"", "1/125" */
	SONY_FORM_FNUMBER, /* "f/4.0", "f/11"; "unknown" for 0 / 0xFFFF */
	SONY_FORM_EV,	   /* "+0.7", "-1.3", "0.0" (EV x 1000) */
	SONY_FORM_KELVIN,  /* "5500K" */
	SONY_FORM_PERCENT, /* "80%"; "unknown" for -1 */
	SONY_FORM_NAMED,   /* a name from the property's table, or 0xHHHH */
};

/* How alphafs sets a property (dossier §5.4, §5.5). */
enum sony_set {
	SONY_SET_NONE,	/* read-only: the body's dial or state sets it */
	SONY_SET_VALUE, /* SetControlDeviceA 0x9205, the value itself */
	/* Protocol 2.00: SetControlDeviceB 0x9207 steps of +1/-1 notch,
	 * read back from 0x9209; 3.00 and later: 0x9205 like SONY_SET_VALUE. */
	SONY_SET_STEP,
};

/* Which exposure modes let the camera take a stepped value (INDIGO's
 * rule, dossier §5.5: shutter in M/S, aperture in M/A, ISO in M/P/A/S). */
enum sony_mode_need {
	SONY_NEED_ANY = 0,
	SONY_NEED_PASM,	  /* M, P, A, S (and the movie P/A/S/M) */
	SONY_NEED_SHUTTER, /* M, S */
	SONY_NEED_APERTURE, /* M, A */
};

struct sony_name {
	uint32_t value;
	const char *name;
};

/* One control/ file: a property shown to people. Static data. */
struct sony_control {
	const char *name; /* file name: "iso", "shutter_speed" */
	uint16_t code;
	enum sony_form form;
	enum sony_set set;
	enum sony_mode_need need;
	/* SONY_SET_STEP: a +1 step moves the value up in this order:
	 * +1 = numerically larger (f-number, EV), -1 = shorter exposure
	 * first (shutter: +1 = shorter), 0 = the descriptor's enumeration
	 * order (ISO). */
	int step_order;
	const struct sony_name *names; /* SONY_FORM_NAMED */
	size_t nnames;
	const char *read_only_why; /* SONY_SET_NONE: for info/status */
};

/* The control/ files alphafs knows, in listing order; *n set. */
const struct sony_control *sony_controls(size_t *n);
/* By file name or by property code; NULL when not one of them. */
const struct sony_control *sony_control_by_name(const char *name);
const struct sony_control *sony_control_by_code(uint16_t code);

/* The integer in v (signed types sign-extended). */
int64_t sony_value_int(const struct ptp_value *v);
/* Sets v to x in type (an integer type). */
void sony_value_set(struct ptp_value *v, uint16_t type, int64_t x);

/*
 * Writes v in c's form into out (cap >= 1; cut to fit, always
 * terminated): "1/125", "f/5.6", "auto". c NULL: a plain decimal number
 * (a string property: its text). Never fails; a value the form cannot
 * express (a shutter speed with denominator 0) reads as its raw code.
 */
void sony_value_format(const struct sony_control *c, const struct ptp_value *v,
		       char *out, size_t cap);

/*
 * Parses text[0..len) (one value; leading and trailing blanks and one
 * final newline ignored; names case-insensitive) in c's form into *out,
 * as a value of `type` (the descriptor's data type). INVALID when the
 * text is not a value of that form, does not fit the type, or is longer
 * than SONY_VALUE_INPUT_MAX. Whether the camera allows it is
 * sony_value_allowed's business. Never reads outside text.
 */
int sony_value_parse(const struct sony_control *c, uint16_t type,
		     const char *text, size_t len, struct ptp_value *out);

/*
 * Compares a and b in the order a +1 step moves c's value (see
 * step_order; d gives the enumeration order for ISO): < 0 when a comes
 * before b, 0 when they are the same value (for shutter speeds: the same
 * exposure time, 30/1 and 300/10 alike), > 0 after. A value missing from
 * the enumeration (order 0) sorts before every listed one.
 */
int sony_value_cmp(const struct sony_control *c, const struct ptp_prop_desc *d,
		   const struct ptp_value *a, const struct ptp_value *b);

/* True when v is a value d allows: a member of its enumeration (compared
 * with sony_value_cmp), or within its range on the step grid. */
bool sony_value_allowed(const struct sony_control *c,
			const struct ptp_prop_desc *d,
			const struct ptp_value *v);

/*
 * The allowed values of d for people, appended to out: an enumeration one
 * value per line in the camera's order; a range as one line
 * "MIN..MAX" or "MIN..MAX step S"; a range spanning the whole data type
 * (how protocol 2.00 bodies describe shutter speed and f-number) as the
 * one word "any". Errors latch in out.
 */
void sony_choices_format(const struct sony_control *c,
			 const struct ptp_prop_desc *d, struct buf *out);

/* True when the range of d covers every value of its type (the camera
 * lists nothing useful). */
bool sony_range_is_whole_type(const struct ptp_prop_desc *d);

/*
 * Whether a camera in exposure program `mode` (0x500E) takes a stepped
 * write that needs `need`, per INDIGO's rule: true for SONY_NEED_ANY;
 * false in the automatic and scene modes alphafs knows; true for a mode
 * it has no name for (the camera then decides, and a walk that does not
 * move gives up).
 */
bool sony_mode_allows(enum sony_mode_need need, uint32_t mode);

#endif
