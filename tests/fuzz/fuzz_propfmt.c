/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: property values in people's form (sony/propfmt.c), what a
 * user writes into a control/ file and what the camera's descriptor says.
 *
 * Input: u8 control (index in the control/ table), u8 len, len bytes of
 * text, then a DevicePropDesc as 0x9209 carries it (protocol 2.00, with
 * the IsEnabled byte). Checked: the text parses or is refused, never
 * read past; whatever parses, and every value the descriptor holds, reads
 * back as one bounded line that parses again (32-bit values; "unknown"
 * and negative codes aside); the choices are whole
 * lines; the step order is consistent (a value equals itself, and a
 * comparison reversed flips its sign).
 */
#include <stdint.h>
#include <string.h>

#include "sony/propfmt.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHOICES_LIMIT (1u << 20)

static void need(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* v reads as one line of text that parses again as a value of its type. */
static void reads_back(const struct sony_control *c, const struct ptp_value *v)
{
	char t[SONY_VALUE_TEXT_MAX];
	struct ptp_value again;
	size_t n;

	sony_value_format(c, v, t, sizeof(t));
	n = strlen(t);
	need(n > 0 && n < sizeof(t));
	need(strchr(t, '\n') == NULL);
	/* Written values are at most 32 bits wide (every camera value the
	 * forms know); a 64-bit property's far values only read. */
	if (v->type == PTP_DTC_STR || ptp_dtc_size(v->type) == 0 ||
	    sony_value_int(v) > INT32_MAX || sony_value_int(v) < INT32_MIN ||
	    (!ptp_dtc_signed(v->type) && sony_value_int(v) < 0))
		return;
	/* Codes (ISO, shutter, f-number, names) are unsigned on every Sony
	 * body (dossier §5.3); a negative one from a body that declares a
	 * signed type reads as a hex code and is not writable. */
	if (sony_value_int(v) < 0 && c->form != SONY_FORM_EV &&
	    c->form != SONY_FORM_INT && c->form != SONY_FORM_PERCENT &&
	    c->form != SONY_FORM_KELVIN)
		return;
	/* "unknown" (no lens, no battery figure) says there is no value. */
	if (!strcmp(t, "unknown"))
		return;
	need(sony_value_parse(c, v->type, t, n, &again) == 0);
}

static void with_desc(const struct sony_control *c,
		      const struct ptp_prop_desc *d, const struct ptp_value *v)
{
	struct buf b;

	buf_init(&b, CHOICES_LIMIT);
	sony_choices_format(c, d, &b);
	if (buf_status(&b) == 0 && b.len > 0) {
		need(b.data[b.len - 1] == '\n');
		need(memchr(b.data, '\0', b.len) == NULL);
	}
	buf_finish(&b);
	if (d->type == PTP_DTC_STR || ptp_dtc_size(d->type) == 0)
		return;
	reads_back(c, &d->current);
	for (uint16_t i = 0; i < d->enum_count && i < 64; i++) {
		const struct ptp_value *e = &d->enum_values[i];

		reads_back(c, e);
		need(sony_value_cmp(c, d, e, e) == 0);
		need(sign(sony_value_cmp(c, d, e, &d->current)) ==
		     -sign(sony_value_cmp(c, d, &d->current, e)));
	}
	if (v && v->type == d->type) {
		(void)sony_value_allowed(c, d, v);
		need(sign(sony_value_cmp(c, d, v, &d->current)) ==
		     -sign(sony_value_cmp(c, d, &d->current, v)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	const struct sony_control *cs = sony_controls(&n);
	const struct sony_control *c;
	struct ptp_prop_desc d;
	struct ptp_value v;
	bool parsed = false;
	const char *text;
	struct rd r;
	size_t len;

	rd_init(&r, data, size);
	c = &cs[rd_u8(&r) % n];
	len = rd_u8(&r);
	text = (const char *)rd_bytes(&r, len);
	if (!text)
		return 0;
	if (ptp_prop_desc_read(&r, PTP_DPD_ENABLED_BYTE, &d) < 0) {
		/* No descriptor: the text as a value of each integer width. */
		static const uint16_t types[] = { PTP_DTC_INT8,	 PTP_DTC_UINT8,
						  PTP_DTC_INT16, PTP_DTC_UINT16,
						  PTP_DTC_INT32, PTP_DTC_UINT32 };

		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (sony_value_parse(c, types[i], text, len, &v) == 0)
				reads_back(c, &v);
		return 0;
	}
	if (d.type != PTP_DTC_STR && ptp_dtc_size(d.type) != 0 &&
	    sony_value_parse(c, d.type, text, len, &v) == 0) {
		parsed = true;
		need(v.type == d.type);
		reads_back(c, &v);
	}
	with_desc(c, &d, parsed ? &v : NULL);
	ptp_prop_desc_finish(&d);
	return 0;
}
