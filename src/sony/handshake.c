/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Sony SDIO handshake (dossier §3.2): SDIOConnect phases 1 and 2,
 * GetExtDeviceInfo, SDIOConnect phase 3. Without it the body acts as a
 * plain PTP camera and live view is not available (dossier §7.2).
 *
 * Retry budget: an empty 0x9202 data phase (a body still starting up) is
 * asked again at most SONY_EXT_INFO_TRIES times, SONY_EXT_INFO_RETRY_MS
 * apart, so the whole handshake waits at most ~1 s beyond its transactions.
 */
#include <string.h>

#include "sony/sony.h"

/* 0x9202 parameters: libgphoto2 >= 2.5.34 always asks for 3.00 with a
 * second parameter 1 and trusts the version in the reply, the a6300
 * answering 2.00 (dossier §3.4). */
#define EXT_INFO_ASK_VERSION SONY_PROTOCOL_300
#define EXT_INFO_ASK_FLAG 1u

enum { SDIO_PHASE_1 = 1, SDIO_PHASE_2 = 2, SDIO_PHASE_3 = 3 };

/* The 8-byte data phase is zeros on every body logged; it is discarded. */
static int sdio_connect(struct ptp_session *s, uint32_t phase)
{
	struct ptp_request req = {
		.code = SONY_OC_SDIO_CONNECT,
		.nparams = 3,
		.params = { phase, 0, 0 },
		.dir = PTP_DATA_IN,
	};
	struct ptp_response resp;
	int rc;

	rc = sony_transact(s, &req, &resp);
	ptp_response_finish(&resp);
	return rc;
}

/* One 0x9202; AGAIN when the data phase came back empty. The legacy form
 * is the single parameter 0xC8 that older libgphoto2, ptpy and INDIGO send
 * (dossier §3.2). */
static int ext_info_once(struct ptp_session *s, struct sony_ext_info *ext,
			 bool legacy)
{
	struct ptp_request req = {
		.code = SONY_OC_GET_EXT_DEVICE_INFO,
		.nparams = 2,
		.params = { EXT_INFO_ASK_VERSION, EXT_INFO_ASK_FLAG },
		.dir = PTP_DATA_IN,
	};
	struct ptp_response resp;
	int rc;

	if (legacy) {
		req.nparams = 1;
		req.params[0] = SONY_PROTOCOL_200;
		req.params[1] = 0;
	}
	rc = sony_transact(s, &req, &resp);
	if (rc == 0) {
		rc = sony_ext_info_parse(resp.data, resp.data_len, ext);
		if (rc < 0 && rc != ALPHAFS_ERR_AGAIN)
			err_replace(&s->err, rc,
				    "GetSDIOExtDeviceInfo: reply of %zu bytes does not parse",
				    resp.data_len);
	}
	ptp_response_finish(&resp);
	return rc;
}

/*
 * A body that refuses the 3.00 request outright (any non-OK answer) is
 * asked once in the legacy form, which every 2.00 client uses; the a6300's
 * answer to (0x12C, 1) is unverified (dossier §3.4).
 */
static int ext_info(struct ptp_session *s, struct sony_ext_info *ext)
{
	bool legacy = false;
	int rc = ALPHAFS_ERR_AGAIN;

	for (unsigned i = 0; i < SONY_EXT_INFO_TRIES; i++) {
		if (i > 0)
			clock_sleep_ms(SONY_EXT_INFO_RETRY_MS);
		rc = ext_info_once(s, ext, legacy);
		if (rc == ALPHAFS_ERR_PTP_RESPONSE && !legacy) {
			log_info(SONY, "%s; asking again with 0x%04X", s->err.msg,
				 SONY_PROTOCOL_200);
			legacy = true;
			rc = ext_info_once(s, ext, legacy);
		}
		if (rc != ALPHAFS_ERR_AGAIN)
			return rc;
		log_dbg(SONY, "GetSDIOExtDeviceInfo: empty reply, try %u of %u",
			i + 1, SONY_EXT_INFO_TRIES);
	}
	return err_replace(&s->err, ALPHAFS_ERR_AGAIN,
			   "GetSDIOExtDeviceInfo: no data after %u tries; the camera is still starting up",
			   SONY_EXT_INFO_TRIES);
}

int sony_handshake(struct ptp_session *s, struct sony_ext_info *ext)
{
	int rc;

	memset(ext, 0, sizeof(*ext));
	rc = sdio_connect(s, SDIO_PHASE_1);
	if (rc == 0)
		rc = sdio_connect(s, SDIO_PHASE_2);
	if (rc == 0)
		rc = ext_info(s, ext);
	if (rc == 0)
		rc = sdio_connect(s, SDIO_PHASE_3);
	if (rc < 0) {
		sony_ext_info_finish(ext);
		return rc;
	}
	/* Trust the version in the reply (dossier §3.4). */
	log_info(SONY, "handshake done: protocol 0x%04X, %u codes, %u controls",
		 ext->version, ext->codes.n, ext->controls.n);
	return 0;
}
