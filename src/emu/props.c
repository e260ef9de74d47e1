/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The emulated a6300's properties: its 0x9209 table, how 0x9205 and 0x9207
 * change them, and what the body refuses.
 *
 * The table follows gphoto2's listing of a real ILCE-6300
 * (tests/data/sony/a6300-props.json, from libgphoto2's sony-a6300.txt):
 * the same properties in the same order, the same enumerations and
 * ranges. The listing has no data types, GetSet or IsEnabled bytes; those
 * come from the ILCE-6000's 0x9209 blob (a6000-9209-props.bin, the same
 * protocol 2.00 generation; its body was in Intelligent Auto). Where the
 * listing's current value is 0 and not one of the property's own values
 * (it reads as "not reported yet"), a value of the list is used instead,
 * and the entry says so; so are the f-number (0 in the listing: a lens
 * that reports nothing) and the shutter speed (0 = bulb in the listing).
 *
 * What the body refuses (dossier §5.4, §5.5; the response codes are this
 * emulator's choice, the real ones are unverified):
 *   - 0x9205 on ISO, shutter speed, f-number and exposure compensation:
 *     protocol 2.00 moves them by 0x9207 steps only -> AccessDenied;
 *   - 0x9205 on a property its descriptor greys out (IsEnabled 0) or
 *     shows as display-only (2), focus and metering mode excepted as in
 *     libgphoto2 -> InvalidDevicePropValue / AccessDenied;
 *   - a 0x9207 step the mode dial forbids (INDIGO's rule: shutter in
 *     M/S, aperture in M/A, ISO and EV in M/P/A/S) -> AccessDenied;
 *   - the exposure mode itself (the dial) and the battery -> AccessDenied.
 * The "creative" settings (white balance, DRO, colour temperature, the WB
 * shift, metering, flash, picture effect) are greyed out (IsEnabled 0) in
 * the automatic and scene modes, as the ILCE-6000 blob shows them in
 * Intelligent Auto, and enabled in P/A/S/M.
 */
#include <string.h>

#include "emu_internal.h"
#include "sony/propfmt.h"

#define GETSET_GET 0x00
#define GETSET_SET 0x01
#define GETSET_BUTTON 0x81 /* 2.00 control kinds, dossier §5.1 */
#define GETSET_LOCK 0x83
#define CONTROL_BIT 0x80
#define EN_NO 0
#define EN_YES 1
#define EN_DISPLAY 2
#define ISO_AUTO 0x00FFFFFF
#define SHUTTER_1_100 0x00010064
#define MODE_M 1
#define ZOOM_LISTED 33911808 /* prints as the listing's "3.39118e+07" */

struct model_prop {
	uint16_t code;
	uint16_t type;
	uint8_t getset;
	uint8_t enabled;
	bool creative; /* greyed out outside P/A/S/M */
	uint8_t form;
	int64_t factory, current;
	int64_t min, max, step; /* range form; enumeration lo..hi (SEQ) */
	const int64_t *values;	/* enumeration form */
	uint16_t nvalues;
};

#define ENUM(a) .form = PTP_FORM_ENUM, .values = (a), .nvalues = ARRAY_LEN(a)
/* An enumeration of every integer lo..hi (how the a6300 lists 0xD218,
 * 0xD212 and 0xD210). */
#define SEQ(lo, hi) .form = PTP_FORM_ENUM, .min = (lo), .max = (hi), \
		    .nvalues = (uint16_t)((hi) - (lo) + 1)
#define RANGE(lo, hi, st) .form = PTP_FORM_RANGE, .min = (lo), .max = (hi), \
			  .step = (st)

/* The a6300 listing's enumerations, in the camera's order. */
static const int64_t e_compression[] = { 2, 3, 4, 16, 19 };
static const int64_t e_wb[] = {
	2,	4,	0x8011, 0x8010, 6,	0x8001, 0x8002, 0x8003,
	0x8004, 7,	0x8030, 0x8012, 0x8020, 0x8021, 0x8022,
};
static const int64_t e_focus[] = { 1, 2, 0x8004, 0x8005, 0x8006 };
static const int64_t e_metering[] = { 4, 1, 0x8002 };
static const int64_t e_flash[] = {
	2, 1, 4, 3, 5, 0x8001, 0x8003, 0x8004, 0x8031, 0x8032,
};
static const int64_t e_program[] = {
	0x8000, 0x8001, 2,	3,	4,	1,	0x8050, 0x8051,
	0x8052, 0x8053, 0x8054, 0x8080, 0x8081, 0x8082, 0x8055, 0x8056,
	0x8057, 0x8058, 0x8083, 0x8041, 7,	0x8011, 0x8015, 0x8014,
	0x8012, 0x8013, 0x8016, 0x8017, 0x8018,
};
static const int64_t e_ev[] = {
	0,     5000,  4700,  4500,  4300,  4000,  3700,	 3500,	3300,
	3000,  2700,  2500,  2300,  2000,  1700,  1500,	 1300,	1000,
	700,   500,   300,   -300,  -500,  -700,  -1000, -1300, -1500,
	-1700, -2000, -2300, -2500, -2700, -3000, -3300, -3500, -3700,
	-4000, -4300, -4500, -4700, -5000,
};
static const int64_t e_drive[] = {
	1,	0x8010, 2,	0x8015, 0x8012, 0x8005, 0x8003, 0x8004,
	0x8008, 0x8009, 0x800C, 0x800D, 0x800E, 0x800F, 0x8337, 0x8537,
	0x8937, 0x8357, 0x8557, 0x8957, 0x8377, 0x8577, 0x8977, 0x8311,
	0x8511, 0x8911, 0x8321, 0x8521, 0x8331, 0x8531, 0x8336, 0x8536,
	0x8936, 0x8356, 0x8556, 0x8956, 0x8376, 0x8576, 0x8976, 0x8310,
	0x8510, 0x8910, 0x8320, 0x8520, 0x8330, 0x8530, 0x8018, 0x8028,
	0x8019, 0x8029,
};
static const int64_t e_flash_comp[] = {
	0,     3000,  2700,  2500,  2300,  2000,  1700,	 1500,	1300,
	1000,  700,   500,   300,   -300,  -500,  -700,	 -1000, -1300,
	-1500, -1700, -2000, -2300, -2500, -2700, -3000,
};
static const int64_t e_dro[] = { 1, 31, 17, 18, 19, 20, 21 };
static const int64_t e_image_size[] = {
	4, 14, 15, 5, 6, 7, 16, 17, 18, 8, 19, 9,
	10, 11, 20, 21, 12, 23, 24, 13, 1, 2, 3,
};
static const int64_t e_battery_icon[] = {
	1, 2, 3, 11, 8, 9, 10, 4, 12, 5, 13, 6, 14, 7, 15,
};
static const int64_t e_12[] = { 1, 2 };
static const int64_t e_21[] = { 2, 1 };
static const int64_t e_012[] = { 0, 1, 2 };
static const int64_t e_focus_found[] = { 1, 2, 3, 5, 6, 7 };
static const int64_t e_effect[] = { 0x8000 };
static const int64_t e_iso[] = {
	0x00FFFFFF, 0x00000019, 0x00000032, 0x00000040, 0x00000050, 0x00000064,
	0x0000007D, 0x000000A0, 0x000000C8, 0x000000FA, 0x00000140, 0x00000190,
	0x000001F4, 0x00000280, 0x00000320, 0x000003E8, 0x000004E2, 0x00000640,
	0x000007D0, 0x000009C4, 0x00000C80, 0x00000FA0, 0x00001388, 0x00001900,
	0x00001F40, 0x00002710, 0x00003200, 0x00003E80, 0x00004E20, 0x00006400,
	0x00007D00, 0x00009C40, 0x0000C800, 0x0000FA00, 0x00013880, 0x00019000,
	0x0001F400, 0x00027100, 0x00032000, 0x0003E800, 0x0004E200, 0x00064000,
	0x01FFFFFF, 0x01000019, 0x01000032, 0x01000040, 0x01000050, 0x01000064,
	0x0100007D, 0x010000A0, 0x010000C8, 0x010000FA, 0x01000140, 0x01000190,
	0x010001F4, 0x01000280, 0x01000320, 0x010003E8, 0x010004E2, 0x01000640,
	0x010007D0, 0x010009C4, 0x01000C80, 0x01000FA0, 0x01001388, 0x01001900,
	0x01001F40, 0x01002710, 0x01003200, 0x01003E80, 0x01006400, 0x0100C800,
	0x01019000, 0x01032000, 0x01064000, 0x02FFFFFF, 0x02000064, 0x020000C8,
	0x02000190, 0x02000320, 0x02000640, 0x02000C80, 0x02001900, 0x02003200,
	0x02006400, 0x0200C800,
};

/* In the listing's order; types, GetSet and IsEnabled from the ILCE-6000
 * blob unless said. */
static const struct model_prop model_props[] = {
	/* listing: current 16 (RAW alone); fine JPEG (3) used, so that a
	 * still decodes as it comes (RAW and RAW+JPEG are one write away) */
	{ 0x5004, PTP_DTC_UINT8, GETSET_SET, EN_YES, false, .factory = 2,
	  .current = 3, ENUM(e_compression) },
	/* listing: current 0, not a white balance; auto used */
	{ 0x5005, PTP_DTC_UINT16, GETSET_SET, EN_YES, true, .factory = 2,
	  .current = 2, ENUM(e_wb) },
	/* listing: 0 (no lens reporting); f/5.6 on a kit lens used */
	{ 0x5007, PTP_DTC_UINT16, GETSET_GET, EN_DISPLAY, false,
	  .factory = 0xFFFF, .current = 560, RANGE(0, 0xFFFF, 1) },
	/* listing: current 0; AF-S (2) used */
	{ 0x500A, PTP_DTC_UINT16, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = 2, ENUM(e_focus) },
	/* listing: current 0; 1 used (the ILCE-6000's) */
	{ 0x500B, PTP_DTC_UINT16, GETSET_GET, EN_YES, true, .factory = 1,
	  .current = 1, ENUM(e_metering) },
	{ 0x500C, PTP_DTC_UINT16, GETSET_GET, EN_YES, true, .factory = 1,
	  .current = 3, ENUM(e_flash) },
	/* the mode dial: display only */
	{ 0x500E, PTP_DTC_UINT16, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = MODE_M, ENUM(e_program) },
	{ 0x5010, PTP_DTC_INT16, GETSET_GET, EN_DISPLAY, false, .factory = 0,
	  .current = 0, ENUM(e_ev) },
	/* listing: current 0; single shot (1) used */
	{ 0x5013, PTP_DTC_UINT16, GETSET_SET, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_drive) },
	{ 0xD200, PTP_DTC_INT16, GETSET_GET, EN_DISPLAY, false, .factory = 0,
	  .current = 0, ENUM(e_flash_comp) },
	/* listing: current 0; 31 (the ILCE-6000's) used */
	{ 0xD201, PTP_DTC_UINT8, GETSET_SET, EN_YES, true, .factory = 1,
	  .current = 31, ENUM(e_dro) },
	/* listing: current 0; 1 (L) used */
	{ 0xD203, PTP_DTC_UINT8, GETSET_SET, EN_YES, false, .factory = 4,
	  .current = 1, ENUM(e_image_size) },
	/* listing: 0 = bulb; 1/100 s used (dossier §8.2) */
	{ 0xD20D, PTP_DTC_UINT32, GETSET_GET, EN_DISPLAY, false,
	  .factory = 0xFFFFFFFF, .current = SHUTTER_1_100,
	  RANGE(0, 0xFFFFFFFF, 1) },
	{ 0xD20E, PTP_DTC_UINT8, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = 1, ENUM(e_battery_icon) },
	/* 0 outside the range, as both listings show it while WB is not
	 * "color temperature" */
	{ 0xD20F, PTP_DTC_UINT16, GETSET_SET, EN_YES, true, .factory = 5500,
	  .current = 0, RANGE(2500, 9900, 100) },
	/* listing: current 0; 1 used */
	{ 0xD211, PTP_DTC_UINT8, GETSET_SET, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD213, PTP_DTC_UINT8, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = 1, ENUM(e_focus_found) },
	/* listing: current 0; AUTO used */
	{ 0xD21E, PTP_DTC_UINT32, GETSET_GET, EN_DISPLAY, false,
	  .factory = ISO_AUTO, .current = ISO_AUTO, ENUM(e_iso) },
	{ 0xD21B, PTP_DTC_UINT16, GETSET_SET, EN_YES, true, .factory = 0x8000,
	  .current = 0x8000, ENUM(e_effect) },
	{ 0xD21D, PTP_DTC_UINT8, GETSET_GET, EN_DISPLAY, false, .factory = 0,
	  .current = 0, ENUM(e_012) },
	/* not in the ILCE-6000 blob: UINT8 (dossier §5.3); current 0 -> 1 */
	{ 0xD21F, PTP_DTC_UINT8, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = 1, ENUM(e_21) },
	{ 0xD217, PTP_DTC_UINT8, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = 1, ENUM(e_21) },
	{ 0xD218, PTP_DTC_INT8, GETSET_GET, EN_DISPLAY, false, .factory = -1,
	  .current = -1, SEQ(-1, 100) },
	{ 0xD219, PTP_DTC_UINT8, GETSET_GET, EN_DISPLAY, false, .factory = 1,
	  .current = 1, ENUM(e_21) },
	{ 0xD212, PTP_DTC_UINT8, GETSET_GET, EN_YES, false, .factory = 0,
	  .current = 0, SEQ(0, 15) },
	{ 0xD210, PTP_DTC_UINT8, GETSET_SET, EN_YES, true, .factory = 192,
	  .current = 192, SEQ(164, 220) },
	{ 0xD21C, PTP_DTC_UINT8, GETSET_SET, EN_YES, true, .factory = 192,
	  .current = 192, RANGE(164, 220, 2) },
	/* LiveViewStatus (not in the ILCE-6000 blob): 0 not up, 1 up, 2
	 * none; set when 0x9209 is answered */
	{ 0xD221, PTP_DTC_UINT8, GETSET_GET, EN_YES, false, .factory = 0,
	  .current = 0, ENUM(e_012) },
	{ 0xD214, PTP_DTC_UINT32, GETSET_GET, EN_YES, false,
	  .factory = 0xFFFFFFFF, .current = ZOOM_LISTED,
	  RANGE(0, 0xFFFFFFFF, 1) },
	{ 0xD215, PTP_DTC_UINT16, GETSET_GET, EN_YES, false, .factory = 0,
	  .current = 0, RANGE(0, 0xFFFF, 1) },
	/* controls (dossier §5.1 button example); 0xD2C9 is not in the
	 * ILCE-6000 blob and is shaped like its neighbours */
	{ 0xD2C1, PTP_DTC_UINT16, GETSET_BUTTON, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C2, PTP_DTC_UINT16, GETSET_BUTTON, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C3, PTP_DTC_UINT16, GETSET_BUTTON, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C9, PTP_DTC_UINT16, GETSET_BUTTON, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C8, PTP_DTC_UINT16, GETSET_BUTTON, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C5, PTP_DTC_UINT16, GETSET_LOCK, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
	{ 0xD2C7, PTP_DTC_UINT16, GETSET_BUTTON, EN_YES, false, .factory = 1,
	  .current = 1, ENUM(e_12) },
};

static int fill_desc(struct ptp_prop_desc *d, const struct model_prop *m)
{
	memset(d, 0, sizeof(*d));
	d->code = m->code;
	d->type = m->type;
	d->getset = m->getset;
	d->is_enabled = m->enabled;
	d->form = m->form;
	sony_value_set(&d->factory, m->type, m->factory);
	sony_value_set(&d->current, m->type, m->current);
	if (m->form == PTP_FORM_RANGE) {
		sony_value_set(&d->min, m->type, m->min);
		sony_value_set(&d->max, m->type, m->max);
		sony_value_set(&d->step, m->type, m->step);
		return 0;
	}
	d->enum_values = mem_calloc(m->nvalues, sizeof(*d->enum_values));
	if (!d->enum_values)
		return ALPHAFS_ERR_NOMEM;
	d->enum_count = m->nvalues;
	for (uint16_t i = 0; i < m->nvalues; i++)
		sony_value_set(&d->enum_values[i], m->type,
			       m->values ? m->values[i] : m->min + i);
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

bool emu_model_value_ok(const struct ptp_prop_desc *d,
			const struct ptp_value *v)
{
	int64_t x = sony_value_int(v);

	if (d->form == PTP_FORM_ENUM) {
		for (uint16_t i = 0; i < d->enum_count; i++)
			if (sony_value_int(&d->enum_values[i]) == x)
				return true;
		return false;
	}
	if (d->form == PTP_FORM_RANGE)
		return x >= sony_value_int(&d->min) &&
		       x <= sony_value_int(&d->max);
	return true;
}

/* ---- the mode dial ---------------------------------------------------- */

static uint32_t mode_of(struct emu_camera *cam)
{
	const struct ptp_prop_desc *m =
		emu_model_prop(&cam->props, SONY_DPC_EXPOSURE_PROGRAM);

	return m ? (uint32_t)sony_value_int(&m->current) : MODE_M;
}

/* IsEnabled of the creative settings follows the dial. */
void emu_props_apply_mode(struct emu_camera *cam)
{
	bool pasm = sony_mode_allows(SONY_NEED_PASM, mode_of(cam));

	for (size_t i = 0; i < ARRAY_LEN(model_props); i++) {
		struct ptp_prop_desc *d;

		if (!model_props[i].creative)
			continue;
		d = emu_model_prop(&cam->props, model_props[i].code);
		if (d)
			d->is_enabled = pasm ? EN_YES : EN_NO;
	}
}

/* ---- steps (dossier §5.5) ------------------------------------------------ */

/* The kit lens (16-50 mm f/3.5-5.6 at 16 mm): f-number x 100 in thirds,
 * the positions a 0x9207 step moves through. */
static const int64_t fstops[] = { 350,	400,  450,  500,  560,	630,
				  710,	800,  900,  1000, 1100, 1300,
				  1400, 1600, 1800, 2000, 2200 };
/* numerator << 16 | denominator, longest first: +1 = shorter exposure.
 * Bulb (0) before 30" in M mode only. */
#define SS(n, d) (((int64_t)(n) << 16) | (d))
static const int64_t shutters[] = {
	0,	     SS(30, 1),	  SS(25, 1),   SS(20, 1),   SS(15, 1),
	SS(13, 1),   SS(10, 1),	  SS(8, 1),    SS(6, 1),    SS(5, 1),
	SS(4, 1),    SS(32, 10),  SS(25, 10),  SS(2, 1),    SS(16, 10),
	SS(13, 10),  SS(1, 1),	  SS(8, 10),   SS(6, 10),   SS(5, 10),
	SS(4, 10),   SS(1, 3),	  SS(1, 4),    SS(1, 5),    SS(1, 6),
	SS(1, 8),    SS(1, 10),	  SS(1, 13),   SS(1, 15),   SS(1, 20),
	SS(1, 25),   SS(1, 30),	  SS(1, 40),   SS(1, 50),   SS(1, 60),
	SS(1, 80),   SS(1, 100),  SS(1, 125),  SS(1, 160),  SS(1, 200),
	SS(1, 250),  SS(1, 320),  SS(1, 400),  SS(1, 500),  SS(1, 640),
	SS(1, 800),  SS(1, 1000), SS(1, 1250), SS(1, 1600), SS(1, 2000),
	SS(1, 2500), SS(1, 3200), SS(1, 4000),
};

static size_t clamp_pos(long pos, size_t lo, size_t n)
{
	if (pos < (long)lo)
		return lo;
	return (size_t)pos >= n ? n - 1 : (size_t)pos;
}

static size_t table_pos(const int64_t *t, size_t n, int64_t cur)
{
	for (size_t i = 0; i < n; i++)
		if (t[i] == cur)
			return i;
	return 0;
}

static bool move_in(const int64_t *t, size_t lo, size_t n,
		    struct ptp_value *cur, int delta)
{
	int64_t old = sony_value_int(cur);
	size_t pos = clamp_pos((long)table_pos(t, n, old) + delta, lo, n);

	sony_value_set(cur, cur->type, t[pos]);
	return t[pos] != old;
}

/* Enumeration order, or (sorted) value order for EV: the camera turns its
 * dial through values, whatever order it lists them in (§5.5). */
static bool move_enum(struct ptp_prop_desc *d, int delta, bool by_value)
{
	int64_t old = sony_value_int(&d->current), best = old;
	long pos = 0;

	if (by_value) {
		/* the delta-th value above (below) the current one */
		for (int k = 0; k < (delta < 0 ? -delta : delta); k++) {
			bool found = false;
			int64_t cand = best;

			for (uint16_t i = 0; i < d->enum_count; i++) {
				int64_t x = sony_value_int(&d->enum_values[i]);
				bool ahead = delta > 0 ? x > best : x < best;
				bool closer = !found || (delta > 0 ? x < cand
								   : x > cand);

				if (ahead && closer) {
					cand = x;
					found = true;
				}
			}
			best = cand;
		}
		sony_value_set(&d->current, d->type, best);
		return best != old;
	}
	for (uint16_t i = 0; i < d->enum_count; i++)
		if (sony_value_int(&d->enum_values[i]) == old)
			pos = i;
	pos = (long)clamp_pos(pos + delta, 0, d->enum_count);
	sony_value_set(&d->current, d->type,
		       sony_value_int(&d->enum_values[pos]));
	return sony_value_int(&d->current) != old;
}

static bool move_range(struct ptp_prop_desc *d, int delta)
{
	int64_t old = sony_value_int(&d->current), st = sony_value_int(&d->step);
	int64_t lo = sony_value_int(&d->min), hi = sony_value_int(&d->max);
	int64_t v = old + (int64_t)delta * (st > 0 ? st : 1);

	v = v < lo ? lo : v > hi ? hi : v;
	sony_value_set(&d->current, d->type, v);
	return v != old;
}

bool emu_props_step(struct emu_camera *cam, struct ptp_prop_desc *d,
		    int delta)
{
	if (delta == 0)
		return false;
	if (d->code == SONY_DPC_FNUMBER)
		return move_in(fstops, 0, ARRAY_LEN(fstops), &d->current, delta);
	if (d->code == SONY_DPC_SHUTTER_SPEED)
		return move_in(shutters, mode_of(cam) == MODE_M ? 0 : 1,
			       ARRAY_LEN(shutters), &d->current, delta);
	if (d->form == PTP_FORM_ENUM && d->enum_count > 0)
		return move_enum(d, delta,
				 d->code == SONY_DPC_EXPOSURE_BIAS ||
					 d->code == SONY_DPC_FLASH_COMP);
	if (d->form == PTP_FORM_RANGE)
		return move_range(d, delta);
	return false;
}

/* ---- what the body refuses -------------------------------------------- */

uint16_t emu_props_step_refusal(struct emu_camera *cam,
				const struct ptp_prop_desc *d)
{
	const struct sony_control *c = sony_control_by_code(d->code);

	if (c && c->set == SONY_SET_NONE)
		return PTP_RC_ACCESS_DENIED;
	if (c && !sony_mode_allows(c->need, mode_of(cam)))
		return PTP_RC_ACCESS_DENIED;
	if (d->is_enabled == EN_NO)
		return PTP_RC_ACCESS_DENIED;
	return PTP_RC_OK;
}

uint16_t emu_props_set_refusal(const struct ptp_prop_desc *d,
			       const struct ptp_value *v)
{
	const struct sony_control *c = sony_control_by_code(d->code);

	if (c && c->set != SONY_SET_VALUE)
		return PTP_RC_ACCESS_DENIED; /* stepped, or not settable */
	if (d->is_enabled == EN_NO)
		return PTP_RC_INVALID_DEVICE_PROP_VALUE;
	if (d->is_enabled == EN_DISPLAY && d->code != SONY_DPC_FOCUS_MODE &&
	    d->code != SONY_DPC_METERING)
		return PTP_RC_ACCESS_DENIED;
	if (!emu_model_value_ok(d, v))
		return PTP_RC_INVALID_DEVICE_PROP_VALUE;
	return PTP_RC_OK;
}

/* ---- the person holding the camera --------------------------------------- */

int emu_camera_set_prop(struct emu_camera *cam, uint16_t code, int64_t x)
{
	struct ptp_prop_desc *d;
	struct ptp_value v;
	int rc = 0;

	pthread_mutex_lock(&cam->lock);
	d = emu_model_prop(&cam->props, code);
	if (d && !emu_model_is_control(d) && d->type != PTP_DTC_STR) {
		sony_value_set(&v, d->type, x);
		if (emu_model_value_ok(d, &v) && sony_value_int(&v) == x) {
			d->current = v;
			if (code == SONY_DPC_EXPOSURE_PROGRAM)
				emu_props_apply_mode(cam);
			if (cam->plugged)
				emu_camera_queue_event(cam, SONY_EC_PROP_CHANGED,
						       code);
		} else {
			rc = ALPHAFS_ERR_INVALID;
		}
	} else {
		rc = ALPHAFS_ERR_INVALID;
	}
	pthread_mutex_unlock(&cam->lock);
	return rc;
}

int emu_camera_get_prop(struct emu_camera *cam, uint16_t code, int64_t *x)
{
	struct ptp_prop_desc *d;
	int rc = ALPHAFS_ERR_INVALID;

	pthread_mutex_lock(&cam->lock);
	d = emu_model_prop(&cam->props, code);
	if (d && d->type != PTP_DTC_STR) {
		*x = sony_value_int(&d->current);
		rc = 0;
	}
	pthread_mutex_unlock(&cam->lock);
	return rc;
}
