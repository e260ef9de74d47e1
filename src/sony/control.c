/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Setting values and pressing buttons: SetControlDeviceA (0x9205, an
 * absolute value, dossier §5.4) and SetControlDeviceB (0x9207, a button
 * state or a step, dossier §5.5). Each sends the property code as the one
 * parameter and the bare value as the data phase: no descriptor, no count.
 */
#include <stdio.h>
#include <string.h>

#include "sony/sony.h"

/* Enough for any integer value; strings are capped by the PTP string rules. */
#define CONTROL_VALUE_MAX 1024

int sony_transact(struct ptp_session *s, const struct ptp_request *req,
		  struct ptp_response *resp)
{
	char rcs[64];
	const char *op;
	int rc;

	rc = ptp_transact(s, req, resp);
	if (rc == ALPHAFS_ERR_PTP_RESPONSE) {
		op = sony_op_name(req->code);
		ptp_rc_describe(resp->code, rcs, sizeof(rcs));
		if (op)
			err_replace(&s->err, rc, "%s: camera answered %s", op, rcs);
		else
			err_replace(&s->err, rc, "operation 0x%04X: camera answered %s",
				    req->code, rcs);
	}
	return rc;
}

/* One operation with param1 = code and the bytes of b as the data phase. */
static int send_value(struct ptp_session *s, uint16_t op, uint16_t code,
		      struct buf *b)
{
	struct ptp_request req = {
		.code = op,
		.nparams = 1,
		.params = { code },
		.dir = PTP_DATA_OUT,
	};
	struct ptp_response resp;
	int rc = buf_status(b);

	if (rc < 0)
		return rc;
	req.out = b->data;
	req.out_len = b->len;
	rc = sony_transact(s, &req, &resp);
	ptp_response_finish(&resp);
	return rc;
}

int sony_set_control_a(struct ptp_session *s, uint16_t code,
		       const struct ptp_value *v)
{
	struct buf b;
	int rc;

	if (!v || (ptp_dtc_size(v->type) == 0 && v->type != PTP_DTC_STR))
		return ALPHAFS_ERR_INVALID;
	buf_init(&b, CONTROL_VALUE_MAX);
	ptp_value_write(&b, v);
	rc = send_value(s, SONY_OC_SET_CONTROL_A, code, &b);
	buf_finish(&b);
	return rc;
}

int sony_button(struct ptp_session *s, uint16_t code, uint16_t value)
{
	uint8_t data[2];
	struct buf b;
	int rc;

	put_u16le(data, value);
	buf_init(&b, sizeof(data));
	buf_put(&b, data, sizeof(data));
	rc = send_value(s, SONY_OC_SET_CONTROL_B, code, &b);
	buf_finish(&b);
	return rc;
}

/* One byte, as libgphoto2 sends it: 0x01 = +1, 0xFF = -1 (dossier §5.5;
 * INDIGO's INT16 width is unverified on the a6300). */
int sony_step(struct ptp_session *s, uint16_t code, int8_t step)
{
	struct buf b;
	int rc;

	buf_init(&b, 1);
	buf_put_u8(&b, (uint8_t)step);
	rc = send_value(s, SONY_OC_SET_CONTROL_B, code, &b);
	buf_finish(&b);
	return rc;
}
