/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz target: DeviceInfo, ObjectInfo and DevicePropDesc (standard and with
 * Sony's IsEnabled byte). The first byte picks the parser. An ObjectInfo
 * that parses also goes through what the still engine makes of a captured
 * object's (camera/capture.c): its file name and capture date.
 */
#include <stdint.h>
#include <string.h>

#include "camera/camera.h"
#include "ptp/ptp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void prop_descs(const uint8_t *data, size_t size, unsigned flags)
{
	struct ptp_prop_desc d;
	struct rd r;

	rd_init(&r, data, size);
	/* Back to back, as in a 0x9209 blob; each read consumes >= 5 bytes
	 * or fails, so this ends. */
	while (rd_left(&r) > 0 && ptp_prop_desc_read(&r, flags, &d) == 0) {
		char text[64];

		ptp_value_format(&d.current, text, sizeof(text));
		ptp_prop_desc_finish(&d);
	}
}

/* What a captured object's ObjectInfo becomes: a safe, bounded name. */
static void still_fields(const struct ptp_object_info *oi)
{
	char name[CAMERA_STILL_NAME_MAX];
	int64_t t;
	size_t n;

	if (strnlen(oi->filename, sizeof(oi->filename)) == sizeof(oi->filename) ||
	    strnlen(oi->capture_date, sizeof(oi->capture_date)) ==
		    sizeof(oi->capture_date))
		__builtin_trap(); /* strings always end inside their arrays */
	camera_still_name(oi->filename, oi->format, oi->sequence_number, name,
			  sizeof(name));
	n = strlen(name);
	if (n == 0 || n >= CAMERA_STILL_NAME_MAX || name[0] == '.')
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-", name[i]))
			__builtin_trap();
	camera_still_date(oi->capture_date, &t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ptp_device_info di;
	struct ptp_object_info oi;

	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		if (ptp_device_info_parse(data + 1, size - 1, &di) == 0)
			ptp_device_info_finish(&di);
		break;
	case 1:
		if (ptp_object_info_parse(data + 1, size - 1, &oi) == 0)
			still_fields(&oi);
		break;
	case 2:
		prop_descs(data + 1, size - 1, 0);
		break;
	default:
		prop_descs(data + 1, size - 1, PTP_DPD_ENABLED_BYTE);
		break;
	}
	return 0;
}
