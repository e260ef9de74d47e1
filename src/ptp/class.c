/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Class-specific requests on EP0 (dossier §1.5), recovery (§1.6, §7.11) and
 * events from the interrupt pipe (§6).
 */
#include <string.h>

#include "ptp/ptp.h"

/* Get Device Status answers at least wLength + code. */
#define STATUS_MIN 4
#define STATUS_MAX 64
/* Polls of Get Device Status after a reset before giving up. */
#define RESET_STATUS_TRIES 10
#define RESET_STATUS_WAIT_MS 20

int ptp_class_get_status(struct ptp_transport *t, uint16_t *status,
			 unsigned timeout_ms)
{
	uint8_t data[STATUS_MAX];
	size_t got = 0;
	int rc;

	rc = t->ops->control(t, PTP_CLASS_TYPE_IN, PTP_CLASS_REQ_GET_DEVICE_STATUS,
			     0, data, sizeof(data), &got, timeout_ms);
	if (rc < 0)
		return rc;
	if (got < STATUS_MIN)
		return ALPHAFS_ERR_TRUNCATED;
	*status = get_u16le(data + 2);
	return 0;
}

int ptp_class_reset(struct ptp_transport *t, unsigned timeout_ms)
{
	size_t got = 0;

	return t->ops->control(t, PTP_CLASS_TYPE_OUT, PTP_CLASS_REQ_DEVICE_RESET,
			       0, NULL, 0, &got, timeout_ms);
}

int ptp_class_cancel(struct ptp_transport *t, uint32_t tid,
		     unsigned timeout_ms)
{
	uint8_t data[6];
	size_t got = 0;

	put_u16le(data, PTP_CANCEL_CODE);
	put_u32le(data + 2, tid);
	return t->ops->control(t, PTP_CLASS_TYPE_OUT, PTP_CLASS_REQ_CANCEL, 0,
			       data, sizeof(data), &got, timeout_ms);
}

int ptp_session_reset(struct ptp_session *s)
{
	uint16_t status = 0;
	int rc;

	log_info(PTP, "resetting the PTP session (device reset, clear halts)");
	mem_free(s->surplus);
	s->surplus = NULL;
	s->surplus_len = 0;
	rc = ptp_class_reset(s->t, s->timeout_ms);
	if (rc == ALPHAFS_ERR_NO_DEVICE)
		return err_replace(&s->err, rc, "device reset: camera gone");
	/* A body that stalls Device Reset still has its halts cleared. */
	s->t->ops->clear_halt(s->t, PTP_EP_BULK_IN);
	s->t->ops->clear_halt(s->t, PTP_EP_BULK_OUT);
	for (int i = 0; i < RESET_STATUS_TRIES; i++) {
		rc = ptp_class_get_status(s->t, &status, s->timeout_ms);
		if (rc < 0 || status != PTP_RC_DEVICE_BUSY)
			break;
		clock_sleep_ms(RESET_STATUS_WAIT_MS);
	}
	if (rc == ALPHAFS_ERR_NO_DEVICE)
		return err_replace(&s->err, rc, "device status: camera gone");
	s->session_id = 0;
	s->next_tid = 0;
	s->desynced = false;
	err_clear(&s->err);
	return 0;
}

int ptp_event_read(struct ptp_session *s, struct ptp_event *ev,
		   unsigned timeout_ms)
{
	uint8_t buf[64];
	size_t got = 0;
	int rc;

	memset(ev, 0, sizeof(*ev));
	rc = s->t->ops->event_in(s->t, buf, sizeof(buf), &got, timeout_ms);
	if (rc < 0)
		return rc;
	rc = ptp_event_decode(buf, got, ev);
	if (rc < 0)
		log_warn(PTP, "ignoring a malformed %zu-byte event container", got);
	return rc;
}
