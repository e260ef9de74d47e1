/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The standard datasets: DeviceInfo (dossier §2.2), ObjectInfo (§2.3) and
 * DevicePropDesc (§5.1, with Sony's extra IsEnabled byte as a flag). The
 * parsers read through a bounded cursor and check it once per structure;
 * the writers serve the emulated camera and tests.
 */
#include <string.h>

#include "ptp/ptp.h"

void ptp_device_info_finish(struct ptp_device_info *di)
{
	if (!di)
		return;
	ptp_u16_list_finish(&di->operations);
	ptp_u16_list_finish(&di->events);
	ptp_u16_list_finish(&di->properties);
	ptp_u16_list_finish(&di->capture_formats);
	ptp_u16_list_finish(&di->image_formats);
}

/* Reads the five code lists in dataset order; stops at the first error. */
static int read_lists(struct rd *r, struct ptp_device_info *di)
{
	struct ptp_u16_list *lists[] = { &di->operations, &di->events,
					 &di->properties, &di->capture_formats,
					 &di->image_formats };
	int rc;

	for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
		rc = ptp_read_u16_list(r, lists[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int ptp_device_info_parse(const uint8_t *buf, size_t len,
			  struct ptp_device_info *out)
{
	struct rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	rd_init(&r, buf, len);
	out->standard_version = rd_u16le(&r);
	out->vendor_ext_id = rd_u32le(&r);
	out->vendor_ext_version = rd_u16le(&r);
	rc = ptp_read_string(&r, out->vendor_ext_desc, sizeof(out->vendor_ext_desc));
	if (rc < 0)
		goto fail;
	out->functional_mode = rd_u16le(&r);
	rc = read_lists(&r, out);
	if (rc < 0)
		goto fail;
	if ((rc = ptp_read_string(&r, out->manufacturer, sizeof(out->manufacturer))) < 0 ||
	    (rc = ptp_read_string(&r, out->model, sizeof(out->model))) < 0 ||
	    (rc = ptp_read_string(&r, out->device_version, sizeof(out->device_version))) < 0 ||
	    (rc = ptp_read_string(&r, out->serial, sizeof(out->serial))) < 0)
		goto fail;
	if (!rd_ok(&r)) {
		rc = ALPHAFS_ERR_TRUNCATED;
		goto fail;
	}
	return 0;
fail:
	ptp_device_info_finish(out);
	return rc;
}

void ptp_device_info_write(struct buf *b, const struct ptp_device_info *di)
{
	buf_put_u16le(b, di->standard_version);
	buf_put_u32le(b, di->vendor_ext_id);
	buf_put_u16le(b, di->vendor_ext_version);
	ptp_write_string(b, di->vendor_ext_desc);
	buf_put_u16le(b, di->functional_mode);
	ptp_write_u16_list(b, di->operations.v, di->operations.n);
	ptp_write_u16_list(b, di->events.v, di->events.n);
	ptp_write_u16_list(b, di->properties.v, di->properties.n);
	ptp_write_u16_list(b, di->capture_formats.v, di->capture_formats.n);
	ptp_write_u16_list(b, di->image_formats.v, di->image_formats.n);
	ptp_write_string(b, di->manufacturer);
	ptp_write_string(b, di->model);
	ptp_write_string(b, di->device_version);
	ptp_write_string(b, di->serial);
}

int ptp_object_info_parse(const uint8_t *buf, size_t len,
			  struct ptp_object_info *out)
{
	struct rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	rd_init(&r, buf, len);
	out->storage_id = rd_u32le(&r);
	out->format = rd_u16le(&r);
	out->protection = rd_u16le(&r);
	out->compressed_size = rd_u32le(&r);
	out->thumb_format = rd_u16le(&r);
	out->thumb_size = rd_u32le(&r);
	out->thumb_width = rd_u32le(&r);
	out->thumb_height = rd_u32le(&r);
	out->width = rd_u32le(&r);
	out->height = rd_u32le(&r);
	out->bit_depth = rd_u32le(&r);
	out->parent = rd_u32le(&r);
	out->association_type = rd_u16le(&r);
	out->association_desc = rd_u32le(&r);
	out->sequence_number = rd_u32le(&r);
	if ((rc = ptp_read_string(&r, out->filename, sizeof(out->filename))) < 0 ||
	    (rc = ptp_read_string(&r, out->capture_date, sizeof(out->capture_date))) < 0 ||
	    (rc = ptp_read_string(&r, out->modification_date, sizeof(out->modification_date))) < 0)
		return rc;
	/* Keywords are the last field; some devices end the dataset before
	 * it, which costs nothing to tolerate. */
	if (rd_left(&r) > 0 &&
	    (rc = ptp_read_string(&r, out->keywords, sizeof(out->keywords))) < 0)
		return rc;
	return rd_ok(&r) ? 0 : ALPHAFS_ERR_TRUNCATED;
}

void ptp_object_info_write(struct buf *b, const struct ptp_object_info *oi)
{
	buf_put_u32le(b, oi->storage_id);
	buf_put_u16le(b, oi->format);
	buf_put_u16le(b, oi->protection);
	buf_put_u32le(b, oi->compressed_size);
	buf_put_u16le(b, oi->thumb_format);
	buf_put_u32le(b, oi->thumb_size);
	buf_put_u32le(b, oi->thumb_width);
	buf_put_u32le(b, oi->thumb_height);
	buf_put_u32le(b, oi->width);
	buf_put_u32le(b, oi->height);
	buf_put_u32le(b, oi->bit_depth);
	buf_put_u32le(b, oi->parent);
	buf_put_u16le(b, oi->association_type);
	buf_put_u32le(b, oi->association_desc);
	buf_put_u32le(b, oi->sequence_number);
	ptp_write_string(b, oi->filename);
	ptp_write_string(b, oi->capture_date);
	ptp_write_string(b, oi->modification_date);
	ptp_write_string(b, oi->keywords);
}

void ptp_prop_desc_finish(struct ptp_prop_desc *d)
{
	if (!d)
		return;
	ptp_value_finish(&d->factory);
	ptp_value_finish(&d->current);
	ptp_value_finish(&d->min);
	ptp_value_finish(&d->max);
	ptp_value_finish(&d->step);
	for (uint16_t i = 0; i < d->enum_count; i++)
		ptp_value_finish(&d->enum_values[i]);
	mem_free(d->enum_values);
	d->enum_values = NULL;
	d->enum_count = 0;
	for (uint16_t i = 0; i < d->enum2_count; i++)
		ptp_value_finish(&d->enum2_values[i]);
	mem_free(d->enum2_values);
	d->enum2_values = NULL;
	d->enum2_count = 0;
}

/* One u16-counted list of values into *values / *n (owned). */
static int read_list(struct rd *r, uint16_t type, struct ptp_value **values,
		     uint16_t *n)
{
	uint16_t count = rd_u16le(r);
	size_t min_size = type == PTP_DTC_STR ? 1 : ptp_dtc_size(type);
	int rc;

	if (!rd_ok(r))
		return ALPHAFS_ERR_TRUNCATED;
	if (count > PTP_ENUM_MAX)
		return ALPHAFS_ERR_TOO_BIG;
	/* Every element takes at least min_size bytes: refuse counts the
	 * data cannot hold before allocating for them. */
	if ((size_t)count * min_size > rd_left(r))
		return ALPHAFS_ERR_TRUNCATED;
	if (count == 0)
		return 0;
	*values = mem_calloc(count, sizeof(**values));
	if (!*values)
		return ALPHAFS_ERR_NOMEM;
	for (uint16_t i = 0; i < count; i++) {
		rc = ptp_value_read(r, type, &(*values)[i]);
		if (rc < 0)
			return rc;
		*n = (uint16_t)(i + 1);
	}
	return 0;
}

static int read_enum(struct rd *r, struct ptp_prop_desc *d, unsigned flags)
{
	int rc = read_list(r, d->type, &d->enum_values, &d->enum_count);

	if (rc == 0 && (flags & PTP_DPD_TWO_ENUMS))
		rc = read_list(r, d->type, &d->enum2_values, &d->enum2_count);
	return rc;
}

static int read_form(struct rd *r, struct ptp_prop_desc *d, unsigned flags)
{
	int rc;

	d->form = rd_u8(r);
	if (!rd_ok(r))
		return ALPHAFS_ERR_TRUNCATED;
	switch (d->form) {
	case PTP_FORM_NONE:
		return 0;
	case PTP_FORM_RANGE:
		if ((rc = ptp_value_read(r, d->type, &d->min)) < 0 ||
		    (rc = ptp_value_read(r, d->type, &d->max)) < 0 ||
		    (rc = ptp_value_read(r, d->type, &d->step)) < 0)
			return rc;
		return 0;
	case PTP_FORM_ENUM:
		return read_enum(r, d, flags);
	default:
		return ALPHAFS_ERR_MALFORMED;
	}
}

int ptp_prop_desc_read(struct rd *r, unsigned flags, struct ptp_prop_desc *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->code = rd_u16le(r);
	out->type = rd_u16le(r);
	out->getset = rd_u8(r);
	out->is_enabled = (flags & PTP_DPD_ENABLED_BYTE) ? rd_u8(r) : 1;
	if (!rd_ok(r))
		return ALPHAFS_ERR_TRUNCATED;
	rc = ptp_value_read(r, out->type, &out->factory);
	if (rc < 0)
		goto fail;
	/* A STR property may end after its default (ptp-pack.c). */
	if (out->type == PTP_DTC_STR && rd_left(r) == 0) {
		out->current.type = PTP_DTC_STR;
		out->current.str = mem_strdup(out->factory.str);
		rc = out->current.str ? 0 : ALPHAFS_ERR_NOMEM;
		if (rc < 0)
			goto fail;
		return 0;
	}
	rc = ptp_value_read(r, out->type, &out->current);
	if (rc < 0)
		goto fail;
	rc = read_form(r, out, flags);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	ptp_prop_desc_finish(out);
	return rc;
}

void ptp_prop_desc_write(struct buf *b, const struct ptp_prop_desc *d,
			 unsigned flags)
{
	buf_put_u16le(b, d->code);
	buf_put_u16le(b, d->type);
	buf_put_u8(b, d->getset);
	if (flags & PTP_DPD_ENABLED_BYTE)
		buf_put_u8(b, d->is_enabled);
	ptp_value_write(b, &d->factory);
	ptp_value_write(b, &d->current);
	buf_put_u8(b, d->form);
	if (d->form == PTP_FORM_RANGE) {
		ptp_value_write(b, &d->min);
		ptp_value_write(b, &d->max);
		ptp_value_write(b, &d->step);
	} else if (d->form == PTP_FORM_ENUM) {
		buf_put_u16le(b, d->enum_count);
		for (uint16_t i = 0; i < d->enum_count; i++)
			ptp_value_write(b, &d->enum_values[i]);
		if (flags & PTP_DPD_TWO_ENUMS) {
			buf_put_u16le(b, d->enum2_count);
			for (uint16_t i = 0; i < d->enum2_count; i++)
				ptp_value_write(b, &d->enum2_values[i]);
		}
	}
}
