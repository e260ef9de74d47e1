/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ILCE-6300's facts: DeviceInfo (dossier §2.2) and the 0x9202 extended
 * device info (§3.3). Its properties (the 0x9209 blob) are in props.c.
 * Where the dossier marks an a6300 value as unverified the sibling
 * ILCE-6000's is used and the entry says so.
 */
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"

#define MODEL_STANDARD_VERSION 100
#define MODEL_VENDOR_EXT_VERSION 100
#define MODEL_DEFAULT_MODEL "ILCE-6300"
#define MODEL_DEFAULT_SERIAL "00000000000000000000000000000000"

/* ILCE-6000 order (a6000-log), dossier §2.2. */
static const uint16_t model_ops[] = {
	0x1002, 0x1003, 0x1001, 0x1004, 0x1005, 0x1006, 0x1007, 0x1008,
	0x1009, 0x100A, 0x101B, 0x9201, 0x9202, 0x9205, 0x9207, 0x9209,
};
static const uint16_t model_events[] = { 0xC201, 0xC202, 0xC203 };
static const uint16_t model_image_formats[] = { 0x3801, 0xB301, 0xB101 };

/* The a6300 listing's order (wire order unverified), dossier §3.3; the
 * same codes as props.c's table. */
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
