/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ILCE-6300's facts: DeviceInfo (dossier §2.2), the 0x9202 extended
 * device info (§3.3) and the property descriptors of the 0x9209 blob (§5.3),
 * plus how 0x9207 steps move a value (§5.5). Where the dossier marks an
 * a6300 value as unverified the sibling ILCE-6000's is used and the entry
 * says so.
 */
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"

#define MODEL_STANDARD_VERSION 100
#define MODEL_VENDOR_EXT_VERSION 100
#define MODEL_DEFAULT_MODEL "ILCE-6300"
#define MODEL_DEFAULT_SERIAL "00000000000000000000000000000000"
#define GETSET_GET 0x00
#define GETSET_SET 0x01
#define GETSET_BUTTON 0x81 /* 2.00 control kinds, dossier §5.1 */
#define GETSET_LOCK 0x83
#define CONTROL_BIT 0x80
#define ENABLED 1
#define DISPLAY_ONLY 2
#define ISO_AUTO 0xFFFFFFu
#define ISO_MFNR 0x01000000u

/* ILCE-6000 order (a6000-log), dossier §2.2. */
static const uint16_t model_ops[] = {
	0x1002, 0x1003, 0x1001, 0x1004, 0x1005, 0x1006, 0x1007, 0x1008,
	0x1009, 0x100A, 0x101B, 0x9201, 0x9202, 0x9205, 0x9207, 0x9209,
};
static const uint16_t model_events[] = { 0xC201, 0xC202, 0xC203 };
static const uint16_t model_image_formats[] = { 0x3801, 0xB301, 0xB101 };

/* a6300-cfg listing order (wire order unverified), dossier §3.3. */
static const uint16_t model_codes[] = {
	0x5004, 0x5005, 0x5007, 0x500A, 0x500B, 0x500C, 0x500E, 0x5010,
	0x5013, 0xD200, 0xD201, 0xD203, 0xD20D, 0xD20E, 0xD20F, 0xD211,
	0xD213, 0xD21E, 0xD21B, 0xD21D, 0xD21F, 0xD217, 0xD218, 0xD219,
	0xD212, 0xD210, 0xD21C, 0xD221, 0xD214, 0xD215,
};
static const uint16_t model_controls[] = {
	0xD2C1, 0xD2C2, 0xD2C3, 0xD2C9, 0xD2C8, 0xD2C5, 0xD2C7,
};

static void put_list(struct ptp_u16_list *l, uint16_t *store,
		     const uint16_t *src, size_t n)
{
	memcpy(store, src, n * sizeof(*src));
	l->v = n ? store : NULL;
	l->n = (uint32_t)n;
}

void emu_model_device_info(struct buf *b, const struct emu_config *cfg)
{
	struct ptp_device_info di = { 0 };
	uint16_t ops[ARRAY_LEN(model_ops)], evs[ARRAY_LEN(model_events)];
	uint16_t fmts[ARRAY_LEN(model_image_formats)];

	di.standard_version = MODEL_STANDARD_VERSION;
	di.vendor_ext_id = SONY_VENDOR_EXT_ID;
	di.vendor_ext_version = MODEL_VENDOR_EXT_VERSION;
	snprintf(di.vendor_ext_desc, sizeof(di.vendor_ext_desc), "%s",
		 "Sony PTP Extensions");
	put_list(&di.operations, ops, model_ops, ARRAY_LEN(model_ops));
	put_list(&di.events, evs, model_events, ARRAY_LEN(model_events));
	/* properties and capture formats: empty (dossier §2.2) */
	put_list(&di.image_formats, fmts, model_image_formats,
		 ARRAY_LEN(model_image_formats));
	snprintf(di.manufacturer, sizeof(di.manufacturer), "%s",
		 "Sony Corporation");
	snprintf(di.model, sizeof(di.model), "%s",
		 cfg->model[0] ? cfg->model : MODEL_DEFAULT_MODEL);
	snprintf(di.device_version, sizeof(di.device_version), "%s", "1.0");
	snprintf(di.serial, sizeof(di.serial), "%s",
		 cfg->serial[0] ? cfg->serial : MODEL_DEFAULT_SERIAL);
	ptp_device_info_write(b, &di);
}

void emu_model_ext_info(struct buf *b)
{
	buf_put_u16le(b, SONY_PROTOCOL_200);
	ptp_write_u16_list(b, model_codes, ARRAY_LEN(model_codes));
	ptp_write_u16_list(b, model_controls, ARRAY_LEN(model_controls));
}

/* ---- property descriptors ------------------------------------------------ */

struct model_prop {
	uint16_t code;
	uint16_t type;
	uint8_t getset;
	uint8_t enabled;
	uint8_t form;
	int64_t factory, current;
	int64_t min, max, step;	 /* range form */
	const int64_t *values;	 /* enumeration form */
	uint16_t nvalues;
};

#define ENUM(a) .form = PTP_FORM_ENUM, .values = (a), .nvalues = ARRAY_LEN(a)
#define RANGE(lo, hi, st) .form = PTP_FORM_RANGE, .min = (lo), .max = (hi), \
			  .step = (st)

static const int64_t e_compression[] = { 2, 3, 0x10, 0x13 };
/* ILCE-6000 count (13); meanings beyond Auto unverified (dossier §5.3). */
static const int64_t e_wb[] = { 2,	4,	0x8011, 0x8010, 6,
				0x8001, 0x8002, 0x8003, 0x8004, 7,
				0x8012, 0x8020, 0x8023 };
static const int64_t e_focus[] = { 2, 0x8004, 0x8005, 0x8006, 1 };
static const int64_t e_metering[] = { 4, 1, 0x8002 };
/* PTP standard flash codes; the a6300's list is unverified. */
static const int64_t e_flash[] = { 2, 1, 3, 4 };
static const int64_t e_program[] = { 1, 2, 3, 4, 0x8000, 0x8001, 0x8015 };
/* EV x 1000 in thirds, +5..-5 as Sony lists them (largest first). */
static const int64_t e_ev5[] = {
	5000,  4700,  4300,  4000,  3700,  3300,  3000,	 2700,	2300,  2000,
	1700,  1300,  1000,  700,   300,   0,	  -300,	 -700,	-1000, -1300,
	-1700, -2000, -2300, -2700, -3000, -3300, -3700, -4000, -4300, -4700,
	-5000,
};
static const int64_t e_ev3[] = { 3000,	2700,  2300,  2000,  1700,
				 1300,	1000,  700,   300,   0,
				 -300,	-700,  -1000, -1300, -1700,
				 -2000, -2300, -2700, -3000 };
static const int64_t e_drive[] = { 1, 2, 0x8012, 0x8004, 0x8003, 0x8005 };
static const int64_t e_dro[] = { 1, 0x1F, 0x11, 0x12, 0x13, 0x14, 0x15 };
static const int64_t e_123[] = { 1, 2, 3 };
static const int64_t e_battery_icon[] = { 1, 2, 3, 4 };
static const int64_t e_12[] = { 1, 2 };
static const int64_t e_21[] = { 2, 1 };
static const int64_t e_focus_found[] = { 1, 2, 3, 5, 6, 7 };
static const int64_t e_effect[] = { 0x8000, 0x8001, 0x8002, 0x8003 };
static const int64_t e_01[] = { 0, 1 };
static const int64_t e_012[] = { 0, 1, 2 };
/* AUTO, ISO 100-51200 in thirds, then the same with Multi-Frame NR
 * (bits 24-31 = 1): 58 entries as on the ILCE-6000 (dossier §5.3). */
#define ISO_LIST(f)                                                            \
	(f) | ISO_AUTO, (f) | 100, (f) | 125, (f) | 160, (f) | 200, (f) | 250, \
		(f) | 320, (f) | 400, (f) | 500, (f) | 640, (f) | 800,         \
		(f) | 1000, (f) | 1250, (f) | 1600, (f) | 2000, (f) | 2500,    \
		(f) | 3200, (f) | 4000, (f) | 5000, (f) | 6400, (f) | 8000,    \
		(f) | 10000, (f) | 12800, (f) | 16000, (f) | 20000,            \
		(f) | 25600, (f) | 32000, (f) | 40000, (f) | 51200
static const int64_t e_iso[] = { ISO_LIST(0u), ISO_LIST(ISO_MFNR) };

static const struct model_prop model_props[] = {
	{ 0x5004, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 2,
	  .current = 3, ENUM(e_compression) },
	{ 0x5005, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 2,
	  .current = 2, ENUM(e_wb) },
	{ 0x5007, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 0,
	  .current = 0x0230, RANGE(0, 0xFFFF, 1) },
	{ 0x500A, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 2,
	  .current = 2, ENUM(e_focus) },
	{ 0x500B, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 4,
	  .current = 4, ENUM(e_metering) },
	{ 0x500C, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 2,
	  .current = 2, ENUM(e_flash) },
	/* follows the mode dial: display-only (A6000 dump) */
	{ 0x500E, PTP_DTC_UINT16, GETSET_GET, DISPLAY_ONLY, .factory = 2,
	  .current = 2, ENUM(e_program) },
	{ 0x5010, PTP_DTC_INT16, GETSET_SET, ENABLED, .factory = 0,
	  .current = 0, ENUM(e_ev5) },
	{ 0x5013, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_drive) },
	{ 0xD200, PTP_DTC_INT16, GETSET_SET, ENABLED, .factory = 0,
	  .current = 0, ENUM(e_ev3) },
	{ 0xD201, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 0x1F,
	  .current = 0x1F, ENUM(e_dro) },
	{ 0xD203, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_123) },
	/* 0x00010064 = 1/100 s; 2.00 gives a range, not a list (§3.4) */
	{ 0xD20D, PTP_DTC_UINT32, GETSET_SET, ENABLED, .factory = 0,
	  .current = 0x00010064, RANGE(0, 0xFFFFFFFF, 1) },
	{ 0xD20E, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 4,
	  .current = 4, ENUM(e_battery_icon) },
	{ 0xD20F, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 5500,
	  .current = 5500, RANGE(2500, 9900, 100) },
	{ 0xD211, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD213, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_focus_found) },
	{ 0xD21E, PTP_DTC_UINT32, GETSET_SET, ENABLED, .factory = ISO_AUTO,
	  .current = ISO_AUTO, ENUM(e_iso) },
	{ 0xD21B, PTP_DTC_UINT16, GETSET_SET, ENABLED, .factory = 0x8000,
	  .current = 0x8000, ENUM(e_effect) },
	{ 0xD21D, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 0,
	  .current = 0, RANGE(0, 2, 1) },
	{ 0xD21F, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_21) },
	{ 0xD217, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_21) },
	{ 0xD218, PTP_DTC_INT8, GETSET_GET, ENABLED, .factory = -1,
	  .current = 80, RANGE(-1, 100, 1) },
	{ 0xD219, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_21) },
	/* 0xD212 and 0xD221: meaning unverified (dossier §9) */
	{ 0xD212, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 0,
	  .current = 0, ENUM(e_01) },
	{ 0xD210, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 192,
	  .current = 192, RANGE(164, 220, 2) },
	{ 0xD21C, PTP_DTC_UINT8, GETSET_SET, ENABLED, .factory = 192,
	  .current = 192, RANGE(164, 220, 2) },
	/* LiveViewStatus: 0 not up, 1 up, 2 none (the a6300 lists 0..2,
	 * a6300-cfg); the current value is set when 0x9209 is answered. */
	{ 0xD221, PTP_DTC_UINT8, GETSET_GET, ENABLED, .factory = 0,
	  .current = 0, ENUM(e_012) },
	{ 0xD214, PTP_DTC_UINT32, GETSET_GET, ENABLED, .factory = 0,
	  .current = 0, RANGE(0, 0xFFFF, 1) },
	{ 0xD215, PTP_DTC_UINT16, GETSET_GET, ENABLED, .factory = 0,
	  .current = 0, RANGE(0, 0xFFFF, 1) },
	/* controls (dossier §5.1 button example) */
	{ 0xD2C1, PTP_DTC_UINT16, GETSET_BUTTON, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C2, PTP_DTC_UINT16, GETSET_BUTTON, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C3, PTP_DTC_UINT16, GETSET_BUTTON, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C9, PTP_DTC_UINT16, GETSET_BUTTON, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C8, PTP_DTC_UINT16, GETSET_BUTTON, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C5, PTP_DTC_UINT16, GETSET_LOCK, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C7, PTP_DTC_UINT16, GETSET_BUTTON, ENABLED, .factory = 1,
	  .current = 1, ENUM(e_12) },
};

static void set_value(struct ptp_value *v, uint16_t type, int64_t x)
{
	v->type = type;
	v->str = NULL;
	if (ptp_dtc_signed(type))
		v->i = x;
	else
		v->u = (uint64_t)x;
}

static int fill_desc(struct ptp_prop_desc *d, const struct model_prop *m)
{
	memset(d, 0, sizeof(*d));
	d->code = m->code;
	d->type = m->type;
	d->getset = m->getset;
	d->is_enabled = m->enabled;
	d->form = m->form;
	set_value(&d->factory, m->type, m->factory);
	set_value(&d->current, m->type, m->current);
	set_value(&d->min, m->type, m->min);
	set_value(&d->max, m->type, m->max);
	set_value(&d->step, m->type, m->step);
	if (m->form != PTP_FORM_ENUM)
		return 0;
	d->enum_values = mem_calloc(m->nvalues, sizeof(*d->enum_values));
	if (!d->enum_values)
		return ALPHAFS_ERR_NOMEM;
	d->enum_count = m->nvalues;
	for (uint16_t i = 0; i < m->nvalues; i++)
		set_value(&d->enum_values[i], m->type, m->values[i]);
	return 0;
}

int emu_model_props_init(struct sony_prop_table *t)
{
	size_t n = ARRAY_LEN(model_props);

	t->n = 0;
	t->v = mem_calloc(n, sizeof(*t->v));
	if (!t->v)
		return ALPHAFS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		t->n = i + 1;
		if (fill_desc(&t->v[i], &model_props[i]) < 0) {
			sony_props_finish(t);
			return ALPHAFS_ERR_NOMEM;
		}
	}
	return 0;
}

struct ptp_prop_desc *emu_model_prop(struct sony_prop_table *t, uint16_t code)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].code == code)
			return &t->v[i];
	return NULL;
}

bool emu_model_is_control(const struct ptp_prop_desc *d)
{
	return (d->getset & CONTROL_BIT) != 0;
}

/* ---- steps (dossier §5.5) ------------------------------------------------ */

/* f-number x 100 in thirds: the positions a 0x9207 step moves through. */
static const int64_t fstops[] = { 350,	400,  450,  500,  560,	630,
				  710,	800,  900,  1000, 1100, 1300,
				  1400, 1600, 1800, 2000, 2200 };
/* numerator << 16 | denominator, longest first: +1 = shorter exposure. */
#define SS(n, d) (((int64_t)(n) << 16) | (d))
static const int64_t shutters[] = {
	SS(30, 1),   SS(25, 1),	  SS(20, 1),   SS(15, 1),   SS(13, 1),
	SS(10, 1),   SS(8, 1),	  SS(6, 1),    SS(5, 1),    SS(4, 1),
	SS(32, 10),  SS(25, 10),  SS(2, 1),    SS(16, 10),  SS(13, 10),
	SS(1, 1),    SS(8, 10),	  SS(6, 10),   SS(5, 10),   SS(4, 10),
	SS(1, 3),    SS(1, 4),	  SS(1, 5),    SS(1, 6),    SS(1, 8),
	SS(1, 10),   SS(1, 13),	  SS(1, 15),   SS(1, 20),   SS(1, 25),
	SS(1, 30),   SS(1, 40),	  SS(1, 50),   SS(1, 60),   SS(1, 80),
	SS(1, 100),  SS(1, 125),  SS(1, 160),  SS(1, 200),  SS(1, 250),
	SS(1, 320),  SS(1, 400),  SS(1, 500),  SS(1, 640),  SS(1, 800),
	SS(1, 1000), SS(1, 1250), SS(1, 1600), SS(1, 2000), SS(1, 2500),
	SS(1, 3200), SS(1, 4000),
};

static int64_t value_of(const struct ptp_value *v)
{
	return ptp_dtc_signed(v->type) ? v->i : (int64_t)v->u;
}

static size_t clamp_pos(long pos, size_t n)
{
	if (pos < 0)
		return 0;
	return (size_t)pos >= n ? n - 1 : (size_t)pos;
}

/* Position of cur in a table (nearest entry not below it). */
static size_t table_pos(const int64_t *t, size_t n, int64_t cur)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == cur)
			return i;
	return 0;
}

static bool move_in(const int64_t *t, size_t n, struct ptp_value *cur,
		    int delta)
{
	int64_t old = value_of(cur);
	size_t pos = clamp_pos((long)table_pos(t, n, old) + delta, n);

	set_value(cur, cur->type, t[pos]);
	return t[pos] != old;
}

static bool move_enum(struct ptp_prop_desc *d, int delta)
{
	int64_t old = value_of(&d->current);
	long pos = 0;

	for (uint16_t i = 0; i < d->enum_count; i++)
		if (value_of(&d->enum_values[i]) == old)
			pos = i;
	pos = (long)clamp_pos(pos + delta, d->enum_count);
	set_value(&d->current, d->type, value_of(&d->enum_values[pos]));
	return value_of(&d->current) != old;
}

static bool move_range(struct ptp_prop_desc *d, int delta)
{
	int64_t old = value_of(&d->current), st = value_of(&d->step);
	int64_t lo = value_of(&d->min), hi = value_of(&d->max);
	int64_t v = old + (int64_t)delta * (st > 0 ? st : 1);

	v = v < lo ? lo : v > hi ? hi : v;
	set_value(&d->current, d->type, v);
	return v != old;
}

bool emu_model_step(struct ptp_prop_desc *d, int delta)
{
	if (delta == 0)
		return false;
	if (d->code == SONY_DPC_FNUMBER)
		return move_in(fstops, ARRAY_LEN(fstops), &d->current, delta);
	if (d->code == SONY_DPC_SHUTTER_SPEED)
		return move_in(shutters, ARRAY_LEN(shutters), &d->current,
			       delta);
	if (d->form == PTP_FORM_ENUM && d->enum_count > 0)
		return move_enum(d, delta);
	if (d->form == PTP_FORM_RANGE)
		return move_range(d, delta);
	return false;
}

bool emu_model_value_ok(const struct ptp_prop_desc *d,
			const struct ptp_value *v)
{
	int64_t x = value_of(v);

	if (d->form == PTP_FORM_ENUM) {
		for (uint16_t i = 0; i < d->enum_count; i++)
			if (value_of(&d->enum_values[i]) == x)
				return true;
		return false;
	}
	if (d->form == PTP_FORM_RANGE)
		return x >= value_of(&d->min) && x <= value_of(&d->max);
	return true;
}
