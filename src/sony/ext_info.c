/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ExtDeviceInfo dataset, the data phase of 0x9202 (dossier §3.3):
 * u16 protocol version, AUINT16 supported codes, AUINT16 supported controls.
 */
#include <string.h>

#include "sony/sony.h"

/*
 * A body still starting up answers 0x9202 with an empty data phase
 * (dossier §3.2, libgphoto2 commit ec6f80de6): AGAIN tells the handshake
 * to ask again. Bytes after the two lists are ignored: 3.00 bodies and
 * future firmware may append fields.
 */
int sony_ext_info_parse(const uint8_t *buf, size_t len,
			struct sony_ext_info *out)
{
	struct rd r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!buf || len == 0)
		return ALPHAFS_ERR_AGAIN;
	rd_init(&r, buf, len);
	out->version = rd_u16le(&r);
	if (!rd_ok(&r))
		return ALPHAFS_ERR_TRUNCATED;
	rc = ptp_read_u16_list(&r, &out->codes);
	if (rc < 0)
		goto fail;
	rc = ptp_read_u16_list(&r, &out->controls);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	sony_ext_info_finish(out);
	return rc;
}

void sony_ext_info_write(struct buf *b, const struct sony_ext_info *ei)
{
	buf_put_u16le(b, ei->version);
	ptp_write_u16_list(b, ei->codes.v, ei->codes.n);
	ptp_write_u16_list(b, ei->controls.v, ei->controls.n);
}

void sony_ext_info_finish(struct sony_ext_info *ei)
{
	if (!ei)
		return;
	ptp_u16_list_finish(&ei->codes);
	ptp_u16_list_finish(&ei->controls);
	ei->version = 0;
}
