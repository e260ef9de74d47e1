/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The 0x9209 GetAllExtDevicePropInfo blob (dossier §5.2): u32 count,
 * u32 zero, then Sony DevicePropDescs (§5.1: the standard layout plus an
 * IsEnabled byte after GetSet; from protocol 3.00 on, two enumeration
 * lists per enumerated property, as a real ILCE-7SM3 sends) back to back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sony/sony.h"

#define PROPS_HEADER_SIZE 8
/* First allocation; the table doubles from here up to SONY_PROPS_MAX. */
#define PROPS_INITIAL_CAP 32

static int table_grow(struct sony_prop_table *t, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : PROPS_INITIAL_CAP;
	struct ptp_prop_desc *v;

	if (ncap > SONY_PROPS_MAX)
		ncap = SONY_PROPS_MAX;
	v = mem_realloc(t->v, ncap * sizeof(*v));
	if (!v)
		return ALPHAFS_ERR_NOMEM;
	t->v = v;
	*cap = ncap;
	return 0;
}

/*
 * The count is not trusted (the ILCE-6000 sent 34 for 35 codes, dossier
 * §5.2): like libgphoto2, parse until the data ends and keep everything
 * before the first entry that does not parse. The table never holds more
 * than SONY_PROPS_MAX entries; the rest of a longer blob is ignored.
 */
bool sony_props_two_enums(uint16_t version)
{
	return version >= SONY_PROTOCOL_300;
}

static unsigned layout_flags(uint16_t version)
{
	return PTP_DPD_ENABLED_BYTE |
	       (sony_props_two_enums(version) ? PTP_DPD_TWO_ENUMS : 0u);
}

int sony_props_parse(const uint8_t *buf, size_t len, uint16_t version,
		     struct sony_prop_table *out)
{
	unsigned flags = layout_flags(version);
	struct ptp_prop_desc d;
	size_t cap = 0;
	struct rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	rd_init(&r, buf, len);
	out->count_field = rd_u32le(&r); /* NumberOfEntries: advisory only */
	rd_u32le(&r); /* zero (ptpy reads both words as one u64 count) */
	if (!rd_ok(&r))
		return ALPHAFS_ERR_MALFORMED;
	while (rd_left(&r) > 0 && out->n < SONY_PROPS_MAX) {
		rc = ptp_prop_desc_read(&r, flags, &d);
		if (rc == ALPHAFS_ERR_NOMEM)
			goto fail;
		if (rc < 0) {
			/* Keep what parsed; say how it ended. */
			if (rc == ALPHAFS_ERR_TRUNCATED)
				out->cut_short = true;
			else
				out->bad_entry = true;
			break;
		}
		if (out->n == cap && (rc = table_grow(out, &cap)) < 0) {
			ptp_prop_desc_finish(&d);
			goto fail;
		}
		out->v[out->n++] = d;
	}
	return 0;
fail:
	/* Out of memory is not a malformed entry: report it. */
	sony_props_finish(out);
	return rc;
}

void sony_props_write(struct buf *b, const struct sony_prop_table *t,
		      uint16_t version)
{
	buf_put_u32le(b, (uint32_t)t->n);
	buf_put_u32le(b, 0);
	for (size_t i = 0; i < t->n; i++)
		ptp_prop_desc_write(b, &t->v[i], layout_flags(version));
}

bool sony_props_problem(const struct sony_prop_table *t, char *out, size_t cap)
{
	const char *how = t->cut_short ? ", the data ends inside the next entry"
			  : t->bad_entry ? ", the next entry does not parse"
					 : "";

	out[0] = '\0';
	if (t->count_field == t->n && !t->cut_short && !t->bad_entry)
		return false;
	snprintf(out, cap, "0x9209 property blob: count field says %" PRIu32
		 ", %zu parsed%s", t->count_field, t->n, how);
	return true;
}

void sony_props_finish(struct sony_prop_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		ptp_prop_desc_finish(&t->v[i]);
	mem_free(t->v);
	t->v = NULL;
	t->n = 0;
}

const struct ptp_prop_desc *sony_props_find(const struct sony_prop_table *t,
					    uint16_t code)
{
	if (!t)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].code == code)
			return &t->v[i];
	return NULL;
}

int sony_props_fetch(struct ptp_session *s, uint16_t version,
		     struct sony_prop_table *out)
{
	struct ptp_request req = {
		.code = SONY_OC_GET_ALL_PROP_INFO,
		.dir = PTP_DATA_IN,
	};
	struct ptp_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ptp_transact(s, &req, &resp);
	if (rc == 0) {
		rc = sony_props_parse(resp.data, resp.data_len, version, out);
		if (rc < 0)
			err_replace(&s->err, rc,
				    "0x9209 property blob: %zu bytes, no header",
				    resp.data_len);
	}
	ptp_response_finish(&resp);
	return rc;
}
