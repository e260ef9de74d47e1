/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Property values for people (see propfmt.h): the control/ table, the
 * formatter and parser of each form, the comparison a 0x9207 walk steps
 * along, and the choices text taken from a descriptor.
 *
 * Names of values and where they come from (dossier §5.3): white balance,
 * image quality and drive mode as libgphoto2's config.c and gphoto2's
 * listing of a real ILCE-6300 name them; focus modes from config.c
 * (`focusmodes`); exposure programs from ptpy. Values without a source
 * read as their code.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sony/propfmt.h"
#include "sony/sony.h"

/* ISO (dossier §5.3): low 24 bits the speed, 0xFFFFFF auto; bits 24-31
 * 0 normal, 1 Multi Frame NR, 2 MFNR High (config.c _stringify_Sony_ISO). */
#define ISO_AUTO 0xFFFFFFu
#define ISO_SPEED_MASK 0xFFFFFFu
#define ISO_MODE_SHIFT 24
#define ISO_MODE_MFNR 1u
#define ISO_MODE_MFNR_HIGH 2u
/* Shutter: numerator << 16 | denominator; 0 = bulb. */
#define SHUTTER_BULB 0u
#define SHUTTER_PART_MAX 0xFFFFu
#define SHUTTER_DECIMALS_MAX 4
/* F-number x 100; 0 and 0xFFFF: no lens, or not reported. */
#define FNUMBER_UNKNOWN_HI 0xFFFFu
#define FNUMBER_SCALE 100
#define EV_SCALE 1000
#define BATTERY_UNKNOWN (-1)

/* ---- names ---------------------------------------------------------- */

/* WhiteBalance 0x5005: config.c and gphoto2's a6300 listing. */
static const struct sony_name wb_names[] = {
	{ 0x0002, "auto" },
	{ 0x0004, "daylight" },
	{ 0x8011, "shade" },
	{ 0x8010, "cloudy" },
	{ 0x0006, "incandescent" },
	{ 0x8001, "fluorescent-warm-white" },
	{ 0x8002, "fluorescent-cool-white" },
	{ 0x8003, "fluorescent-day-white" },
	{ 0x8004, "fluorescent-daylight" },
	{ 0x0007, "flash" },
	{ 0x8012, "color-temperature" },
};

/* FocusMode 0x500A: config.c focusmodes (2 is "Automatic" there; Sony's
 * bodies call their single AF mode AF-S). */
static const struct sony_name focus_names[] = {
	{ 0x0001, "manual" }, { 0x0002, "af-s" }, { 0x8004, "af-c" },
	{ 0x8005, "af-a" },   { 0x8006, "dmf" },
};

/* StillCaptureMode 0x5013: gphoto2's a6300 listing, ptpy. */
static const struct sony_name drive_names[] = {
	{ 0x0001, "single" },
	{ 0x0002, "continuous-hi" },
	{ 0x8012, "continuous-lo" },
	{ 0x8004, "self-timer-10s" },
	{ 0x8005, "self-timer-2s" },
};

/* ExposureProgramMode 0x500E: ptpy (dossier §5.3). M/P/A/S as the dial
 * shows them. */
#define MODE_M 0x0001u
#define MODE_P 0x0002u
#define MODE_A 0x0003u
#define MODE_S 0x0004u
#define MODE_MOVIE_P 0x8050u
#define MODE_MOVIE_A 0x8051u
#define MODE_MOVIE_S 0x8052u
#define MODE_MOVIE_M 0x8053u
static const struct sony_name program_names[] = {
	{ MODE_M, "M" },
	{ MODE_P, "P" },
	{ MODE_A, "A" },
	{ MODE_S, "S" },
	{ 0x8000, "intelligent-auto" },
	{ 0x8001, "superior-auto" },
	{ MODE_MOVIE_P, "movie-P" },
	{ MODE_MOVIE_A, "movie-A" },
	{ MODE_MOVIE_S, "movie-S" },
	{ MODE_MOVIE_M, "movie-M" },
	{ 0x8041, "sweep-panorama" },
	{ 0x0007, "portrait" },
	{ 0x8011, "sports" },
	{ 0x8012, "sunset" },
	{ 0x8013, "night-scene" },
	{ 0x8014, "landscape" },
	{ 0x8015, "macro" },
	{ 0x8016, "handheld-twilight" },
	{ 0x8017, "night-portrait" },
	{ 0x8018, "anti-motion-blur" },
};

/* CompressionSetting 0x5004: config.c sony_qx_compression. */
static const struct sony_name quality_names[] = {
	{ 0x02, "standard" }, { 0x03, "fine" },	     { 0x04, "extra-fine" },
	{ 0x10, "raw" },      { 0x13, "raw+jpeg" },
};

#define NAMES(t) .names = (t), .nnames = ARRAY_LEN(t)

static const struct sony_control controls[] = {
	{ "iso", SONY_DPC_ISO, SONY_FORM_ISO, SONY_SET_STEP, SONY_NEED_PASM, 0,
	  NULL, 0, NULL },
	{ "shutter_speed", SONY_DPC_SHUTTER_SPEED, SONY_FORM_SHUTTER,
	  SONY_SET_STEP, SONY_NEED_SHUTTER, -1, NULL, 0, NULL },
	{ "f_number", SONY_DPC_FNUMBER, SONY_FORM_FNUMBER, SONY_SET_STEP,
	  SONY_NEED_APERTURE, 1, NULL, 0, NULL },
	{ "exposure_compensation", SONY_DPC_EXPOSURE_BIAS, SONY_FORM_EV,
	  SONY_SET_STEP, SONY_NEED_PASM, 1, NULL, 0, NULL },
	{ "white_balance", SONY_DPC_WHITE_BALANCE, SONY_FORM_NAMED,
	  SONY_SET_VALUE, SONY_NEED_ANY, 0, NAMES(wb_names), NULL },
	{ "color_temperature", SONY_DPC_COLOR_TEMP, SONY_FORM_KELVIN,
	  SONY_SET_VALUE, SONY_NEED_ANY, 0, NULL, 0, NULL },
	{ "focus_mode", SONY_DPC_FOCUS_MODE, SONY_FORM_NAMED, SONY_SET_VALUE,
	  SONY_NEED_ANY, 0, NAMES(focus_names), NULL },
	{ "drive_mode", SONY_DPC_DRIVE_MODE, SONY_FORM_NAMED, SONY_SET_VALUE,
	  SONY_NEED_ANY, 0, NAMES(drive_names), NULL },
	{ "image_quality", SONY_DPC_COMPRESSION, SONY_FORM_NAMED,
	  SONY_SET_VALUE, SONY_NEED_ANY, 0, NAMES(quality_names), NULL },
	{ "exposure_mode", SONY_DPC_EXPOSURE_PROGRAM, SONY_FORM_NAMED,
	  SONY_SET_NONE, SONY_NEED_ANY, 0, NAMES(program_names),
	  "set by the camera's mode dial" },
	{ "battery", SONY_DPC_BATTERY_LEVEL, SONY_FORM_PERCENT, SONY_SET_NONE,
	  SONY_NEED_ANY, 0, NULL, 0, "reported by the camera" },
};

const struct sony_control *sony_controls(size_t *n)
{
	*n = ARRAY_LEN(controls);
	return controls;
}

const struct sony_control *sony_control_by_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(controls); i++)
		if (!strcmp(controls[i].name, name))
			return &controls[i];
	return NULL;
}

const struct sony_control *sony_control_by_code(uint16_t code)
{
	for (size_t i = 0; i < ARRAY_LEN(controls); i++)
		if (controls[i].code == code)
			return &controls[i];
	return NULL;
}

/* ---- values --------------------------------------------------------- */

int64_t sony_value_int(const struct ptp_value *v)
{
	if (ptp_dtc_signed(v->type))
		return v->i;
	return (int64_t)v->u;
}

void sony_value_set(struct ptp_value *v, uint16_t type, int64_t x)
{
	v->type = type;
	v->str = NULL;
	if (ptp_dtc_signed(type))
		v->i = x;
	else
		v->u = (uint64_t)x;
}

/* The smallest and largest integer of type (0 and 0 for non-integers). */
static void type_bounds(uint16_t type, int64_t *lo, int64_t *hi)
{
	size_t w = ptp_dtc_size(type);

	*lo = *hi = 0;
	if (w == 0 || w > 8)
		return;
	if (ptp_dtc_signed(type)) {
		*hi = w == 8 ? INT64_MAX : (int64_t)((UINT64_C(1) << (8 * w - 1)) - 1);
		*lo = -*hi - 1;
	} else {
		/* A UINT64 above INT64_MAX is not a value any form here has. */
		*hi = w == 8 ? INT64_MAX : (int64_t)((UINT64_C(1) << (8 * w)) - 1);
	}
}

static bool fits(uint16_t type, int64_t x)
{
	int64_t lo, hi;

	type_bounds(type, &lo, &hi);
	return lo != hi && x >= lo && x <= hi;
}

/* ---- formatting ----------------------------------------------------- */

/* x / 10^scale with as few decimals as show it exactly, at least one
 * when `one` (so "+1.0" reads as EV, "5.6" as an f-number). */
static void put_fixed(char *out, size_t cap, int64_t x, unsigned scale,
		      bool sign, bool one)
{
	uint64_t mag = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
	uint64_t div = 1, ip, fp;
	unsigned digits = scale;
	char frac[24] = "";

	for (unsigned i = 0; i < scale; i++)
		div *= 10;
	ip = mag / div;
	fp = mag % div;
	while (digits > 0 && fp % 10 == 0 && (digits > 1 || !one)) {
		fp /= 10;
		digits--;
	}
	if (digits > 0)
		snprintf(frac, sizeof(frac), ".%0*" PRIu64, (int)digits, fp);
	snprintf(out, cap, "%s%" PRIu64 "%s",
		 x < 0 ? "-" : (sign && x > 0) ? "+" : "", ip, frac);
}

static void format_iso(uint32_t v, char *out, size_t cap)
{
	uint32_t mode = v >> ISO_MODE_SHIFT, speed = v & ISO_SPEED_MASK;
	const char *suffix = mode == 0 ? ""
			     : mode == ISO_MODE_MFNR ? " mfnr"
			     : mode == ISO_MODE_MFNR_HIGH ? " mfnr-high"
							  : NULL;

	/* An unknown mode, or speed 0 (not an ISO: what a body reports
	 * before it has one), reads as the raw code, which parses back. */
	if (!suffix || speed == 0)
		snprintf(out, cap, "0x%08" PRIX32, v);
	else if (speed == ISO_AUTO)
		snprintf(out, cap, "auto%s", suffix);
	else
		snprintf(out, cap, "%" PRIu32 "%s", speed, suffix);
}

static void format_shutter(uint32_t v, char *out, size_t cap)
{
	uint32_t n = v >> 16, d = v & SHUTTER_PART_MAX, pow10 = 1;
	unsigned k = 0;

	if (v == SHUTTER_BULB) {
		snprintf(out, cap, "bulb");
		return;
	}
	if (d == 0 || n == 0) {
		snprintf(out, cap, "0x%08" PRIX32, v);
		return;
	}
	if (n == 1 && d > 1) {
		snprintf(out, cap, "1/%" PRIu32, d);
		return;
	}
	if (n % d == 0) {
		snprintf(out, cap, "%" PRIu32 "\"", n / d);
		return;
	}
	while (pow10 < d && k < SHUTTER_DECIMALS_MAX) {
		pow10 *= 10;
		k++;
	}
	if (pow10 == d) {
		char secs[SONY_VALUE_TEXT_MAX];

		put_fixed(secs, sizeof(secs), n, k, false, false);
		snprintf(out, cap, "%s\"", secs);
		return;
	}
	snprintf(out, cap, "%" PRIu32 "/%" PRIu32, n, d);
}

static void format_named(const struct sony_control *c, int64_t x, char *out,
			 size_t cap)
{
	for (size_t i = 0; i < c->nnames; i++)
		if ((int64_t)c->names[i].value == x) {
			snprintf(out, cap, "%s", c->names[i].name);
			return;
		}
	snprintf(out, cap, "0x%04" PRIX64, (uint64_t)x);
}

void sony_value_format(const struct sony_control *c, const struct ptp_value *v,
		       char *out, size_t cap)
{
	int64_t x = sony_value_int(v);

	if (cap == 0)
		return;
	out[0] = '\0';
	if (v->type == PTP_DTC_STR) {
		snprintf(out, cap, "%s", v->str ? v->str : "");
		return;
	}
	switch (c ? c->form : SONY_FORM_INT) {
	case SONY_FORM_INT:
		snprintf(out, cap, "%" PRId64, x);
		return;
	case SONY_FORM_ISO:
		format_iso((uint32_t)x, out, cap);
		return;
	case SONY_FORM_SHUTTER:
		format_shutter((uint32_t)x, out, cap);
		return;
	case SONY_FORM_FNUMBER:
		if (x <= 0 || x >= FNUMBER_UNKNOWN_HI) {
			snprintf(out, cap, "unknown");
			return;
		}
		snprintf(out, cap, "f/");
		put_fixed(out + 2, cap > 2 ? cap - 2 : 0, x, 2,
			  false, x < 10 * FNUMBER_SCALE);
		return;
	case SONY_FORM_EV:
		put_fixed(out, cap, x, 3, true, true);
		return;
	case SONY_FORM_KELVIN:
		snprintf(out, cap, "%" PRId64 "K", x);
		return;
	case SONY_FORM_PERCENT:
		if (x < 0)
			snprintf(out, cap, "unknown");
		else
			snprintf(out, cap, "%" PRId64 "%%", x);
		return;
	case SONY_FORM_NAMED:
		format_named(c, x, out, cap);
		return;
	}
	snprintf(out, cap, "%" PRId64, x);
}

/* ---- parsing -------------------------------------------------------- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Copies text without surrounding blanks into out (cap >= 1); false when
 * empty, too long, or holding a NUL. */
static bool trimmed(const char *text, size_t len, char *out, size_t cap)
{
	while (len > 0 && is_blank(text[len - 1]))
		len--;
	while (len > 0 && is_blank(*text)) {
		text++;
		len--;
	}
	if (len == 0 || len >= cap || memchr(text, '\0', len))
		return false;
	memcpy(out, text, len);
	out[len] = '\0';
	return true;
}

static char lower(char ch)
{
	return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool same_word(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (lower(*a) != lower(*b))
			return false;
	return *a == *b;
}

/* Unsigned decimal digits at *p (at least one), at most max; advances. */
static bool digits(const char **p, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*p = s;
	*out = v;
	return true;
}

/*
 * "[+-]digits[.digits]" at *p as x * 10^scale, exactly (more decimals than
 * scale must be zeros); |result| <= max. Advances *p past it.
 */
static bool fixed(const char **p, unsigned scale, int64_t max, int64_t *out)
{
	const char *s = *p;
	bool neg = false;
	uint64_t ip, frac = 0, mult = 1;
	unsigned k = 0;

	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (unsigned i = 0; i < scale; i++)
		mult *= 10;
	if (!digits(&s, (uint64_t)max / mult, &ip))
		return false;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		for (; *s >= '0' && *s <= '9'; s++, k++) {
			if (k >= scale) {
				if (*s != '0')
					return false;
				continue;
			}
			frac = frac * 10 + (uint64_t)(*s - '0');
		}
		for (; k < scale; k++)
			frac *= 10;
	} else {
		frac = 0;
	}
	if (ip * mult + frac > (uint64_t)max)
		return false;
	*out = (int64_t)(ip * mult + frac) * (neg ? -1 : 1);
	*p = s;
	return true;
}

/* "0x" and 1..8 hex digits, nothing after. */
static bool hex_code(const char *s, int64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	for (s += 2; *s && n < 9; s++, n++) {
		char ch = lower(*s);

		if (ch >= '0' && ch <= '9')
			v = v * 16 + (uint64_t)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = v * 16 + (uint64_t)(ch - 'a' + 10);
		else
			return false;
	}
	if (n == 0 || n > 8 || *s)
		return false;
	*out = (int64_t)v;
	return true;
}

static bool parse_iso(const char *s, int64_t *out)
{
	uint64_t speed = ISO_AUTO, mode = 0;
	const char *rest;

	if (hex_code(s, out))
		return true;
	if (lower(s[0]) == 'a' && lower(s[1]) == 'u' && lower(s[2]) == 't' &&
	    lower(s[3]) == 'o')
		rest = s + 4;
	else if (digits(&s, ISO_AUTO - 1, &speed) && speed > 0)
		rest = s;
	else
		return false;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (*rest == '\0')
		mode = 0;
	else if (same_word(rest, "mfnr"))
		mode = ISO_MODE_MFNR;
	else if (same_word(rest, "mfnr-high"))
		mode = ISO_MODE_MFNR_HIGH;
	else
		return false;
	*out = (int64_t)(mode << ISO_MODE_SHIFT | speed);
	return true;
}

/* The seconds mark after a time: `"`, `s` or nothing. */
static bool seconds_mark(const char *s)
{
	return *s == '\0' || (s[1] == '\0' && (*s == '"' || *s == 's'));
}

static bool parse_shutter(const char *s, int64_t *out)
{
	uint64_t n, d;
	const char *p = s, *dot;
	int64_t fx;
	unsigned k = 0;
	uint64_t den = 1;

	if (same_word(s, "bulb")) {
		*out = SHUTTER_BULB;
		return true;
	}
	if (hex_code(s, out))
		return true;
	/* 0 only before a decimal point: 0.8" is a speed, 0 and 0/1 are not
	 * (fuzz_propfmt found 0.8" reading back but refused). */
	if (!digits(&p, SHUTTER_PART_MAX, &n) || (n == 0 && *p != '.'))
		return false;
	if (*p == '/') {
		p++;
		if (!digits(&p, SHUTTER_PART_MAX, &d) || d == 0 ||
		    !seconds_mark(p))
			return false;
		*out = (int64_t)(n << 16 | d);
		return true;
	}
	if (*p != '.') {
		if (!seconds_mark(p))
			return false;
		*out = (int64_t)(n << 16 | 1);
		return true;
	}
	/* Decimal seconds: 2.5" = 25/10 (the camera's own encoding). */
	dot = p + 1;
	for (p = dot; *p >= '0' && *p <= '9'; p++)
		k++;
	if (k == 0 || k > SHUTTER_DECIMALS_MAX || !seconds_mark(p))
		return false;
	for (unsigned i = 0; i < k; i++)
		den *= 10;
	p = s;
	if (!fixed(&p, k, (int64_t)SHUTTER_PART_MAX, &fx) || fx <= 0)
		return false;
	*out = (int64_t)((uint64_t)fx << 16 | den);
	return true;
}

static bool parse_fnumber(const char *s, int64_t *out)
{
	const char *p = s;

	if (p[0] == 'f' || p[0] == 'F') {
		p++;
		if (*p == '/')
			p++;
	}
	if (*p == '+' || *p == '-')
		return false;
	return fixed(&p, 2, FNUMBER_UNKNOWN_HI - 1, out) && *p == '\0' &&
	       *out > 0;
}

static bool parse_named(const struct sony_control *c, const char *s,
			int64_t *out)
{
	for (size_t i = 0; i < c->nnames; i++)
		if (same_word(s, c->names[i].name)) {
			*out = c->names[i].value;
			return true;
		}
	return hex_code(s, out);
}

static bool parse_form(const struct sony_control *c, const char *s,
		       int64_t *x)
{
	const char *p = s;

	switch (c ? c->form : SONY_FORM_INT) {
	case SONY_FORM_INT:
		return (fixed(&p, 0, INT64_MAX, x) && *p == '\0') ||
		       hex_code(s, x);
	case SONY_FORM_ISO:
		return parse_iso(s, x);
	case SONY_FORM_SHUTTER:
		return parse_shutter(s, x);
	case SONY_FORM_FNUMBER:
		return parse_fnumber(s, x);
	case SONY_FORM_EV:
		return fixed(&p, 3, INT32_MAX, x) && *p == '\0';
	case SONY_FORM_KELVIN:
		if (!fixed(&p, 0, INT32_MAX, x))
			return false;
		while (*p == ' ')
			p++;
		return *p == '\0' || same_word(p, "k");
	case SONY_FORM_PERCENT:
		if (same_word(s, "unknown")) {
			*x = BATTERY_UNKNOWN;
			return true;
		}
		return fixed(&p, 0, INT32_MAX, x) &&
		       (*p == '\0' || !strcmp(p, "%"));
	case SONY_FORM_NAMED:
		return parse_named(c, s, x);
	}
	return false;
}

int sony_value_parse(const struct sony_control *c, uint16_t type,
		     const char *text, size_t len, struct ptp_value *out)
{
	char s[SONY_VALUE_INPUT_MAX + 1];
	int64_t x = 0;

	memset(out, 0, sizeof(*out));
	if (!text || len > SONY_VALUE_INPUT_MAX + 2 ||
	    !trimmed(text, len, s, sizeof(s)))
		return ALPHAFS_ERR_INVALID;
	if (!parse_form(c, s, &x) || !fits(type, x))
		return ALPHAFS_ERR_INVALID;
	sony_value_set(out, type, x);
	return 0;
}

/* ---- order and choices ---------------------------------------------- */

static int sign3(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Exposure times n1/d1 and n2/d2, bulb longest of all: +1 steps go to
 * shorter times, so a longer time comes first. */
static int shutter_cmp(uint32_t a, uint32_t b)
{
	uint64_t an = a >> 16, ad = a & SHUTTER_PART_MAX;
	uint64_t bn = b >> 16, bd = b & SHUTTER_PART_MAX;

	if (a == b)
		return 0;
	if (a == SHUTTER_BULB || ad == 0)
		return b == SHUTTER_BULB || bd == 0 ? sign3(a, b) : -1;
	if (b == SHUTTER_BULB || bd == 0)
		return 1;
	/* a longer than b <=> an/ad > bn/bd <=> an*bd > bn*ad */
	return sign3((int64_t)(bn * ad), (int64_t)(an * bd));
}

static long enum_pos(const struct ptp_prop_desc *d, int64_t x)
{
	for (uint16_t i = 0; d && i < d->enum_count; i++)
		if (sony_value_int(&d->enum_values[i]) == x)
			return i;
	return -1;
}

int sony_value_cmp(const struct sony_control *c, const struct ptp_prop_desc *d,
		   const struct ptp_value *a, const struct ptp_value *b)
{
	int64_t x = sony_value_int(a), y = sony_value_int(b);

	if (c && c->form == SONY_FORM_SHUTTER)
		return shutter_cmp((uint32_t)x, (uint32_t)y);
	if (x == y)
		return 0;
	if (c && c->set == SONY_SET_STEP && c->step_order == 0)
		return sign3(enum_pos(d, x), enum_pos(d, y));
	return sign3(x, y) * (c && c->step_order < 0 ? -1 : 1);
}

bool sony_value_allowed(const struct sony_control *c,
			const struct ptp_prop_desc *d,
			const struct ptp_value *v)
{
	int64_t x = sony_value_int(v), lo, hi, st;

	if (!d)
		return false;
	if (d->form == PTP_FORM_ENUM) {
		for (uint16_t i = 0; i < d->enum_count; i++)
			if (sony_value_cmp(c, d, &d->enum_values[i], v) == 0)
				return true;
		return false;
	}
	if (d->form == PTP_FORM_RANGE) {
		lo = sony_value_int(&d->min);
		hi = sony_value_int(&d->max);
		st = sony_value_int(&d->step);
		if (x < lo || x > hi)
			return false;
		return st <= 1 || (x - lo) % st == 0;
	}
	return fits(d->type, x);
}

bool sony_range_is_whole_type(const struct ptp_prop_desc *d)
{
	int64_t lo, hi;

	if (d->form != PTP_FORM_RANGE)
		return false;
	type_bounds(d->type, &lo, &hi);
	return sony_value_int(&d->min) <= lo && sony_value_int(&d->max) >= hi;
}

void sony_choices_format(const struct sony_control *c,
			 const struct ptp_prop_desc *d, struct buf *out)
{
	char a[SONY_VALUE_TEXT_MAX], b[SONY_VALUE_TEXT_MAX];
	int64_t st;

	if (d->form == PTP_FORM_ENUM) {
		for (uint16_t i = 0; i < d->enum_count; i++) {
			sony_value_format(c, &d->enum_values[i], a, sizeof(a));
			buf_printf(out, "%s\n", a);
		}
		return;
	}
	if (d->form != PTP_FORM_RANGE) {
		buf_printf(out, "any\n");
		return;
	}
	if (sony_range_is_whole_type(d)) {
		buf_printf(out, "any\n");
		return;
	}
	sony_value_format(c, &d->min, a, sizeof(a));
	sony_value_format(c, &d->max, b, sizeof(b));
	st = sony_value_int(&d->step);
	if (st > 1) {
		struct ptp_value sv;
		char s[SONY_VALUE_TEXT_MAX];

		sony_value_set(&sv, d->type, st);
		/* A step reads in the value's form where that is a length
		 * (Kelvin); otherwise as a number. */
		sony_value_format(c && c->form == SONY_FORM_KELVIN ? c : NULL,
				  &sv, s, sizeof(s));
		buf_printf(out, "%s..%s step %s\n", a, b, s);
	} else {
		buf_printf(out, "%s..%s\n", a, b);
	}
}

bool sony_mode_allows(enum sony_mode_need need, uint32_t mode)
{
	bool m = mode == MODE_M || mode == MODE_MOVIE_M;
	bool p = mode == MODE_P || mode == MODE_MOVIE_P;
	bool a = mode == MODE_A || mode == MODE_MOVIE_A;
	bool s = mode == MODE_S || mode == MODE_MOVIE_S;
	bool known = false;

	for (size_t i = 0; i < ARRAY_LEN(program_names); i++)
		known |= program_names[i].value == mode;
	switch (need) {
	case SONY_NEED_ANY:
		return true;
	case SONY_NEED_PASM:
		return m || p || a || s || !known;
	case SONY_NEED_SHUTTER:
		return m || s || !known;
	case SONY_NEED_APERTURE:
		return m || a || !known;
	}
	return true;
}
