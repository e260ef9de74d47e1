/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transaction engine: command -> optional data phase -> response, one
 * transaction at a time (dossier §1.3), over a struct ptp_transport.
 *
 * Host rules it follows (dossier §1.4): the container length is the only
 * boundary; reads are asked in multiples of the max packet size; a data
 * container whose length is a multiple of it is followed by a zero-length
 * packet, consumed before the response; one ZLP where a container is
 * expected is skipped; bytes past a container's end in one transfer are kept
 * for the next read; a response in place of the data phase is the answer; a
 * stale (lower) transaction id is discarded. Whenever the pipe state becomes
 * unknown the session is marked desynced and the caller resets it.
 */
#include <stdio.h>
#include <string.h>

#include "ptp/ptp.h"

/* First read of a container: the header and, for small ones, all of it
 * (libgphoto2 reads 1024 bytes first too). A multiple of 512. */
#define RX_FIRST 1024
/* Largest single bulk IN transfer asked for. */
#define RX_CHUNK_MAX (1024u * 1024u)
/* Zero-length packets tolerated where a container must start. */
#define ZLP_SKIP_MAX 1
/* Stale responses (lower transaction id) discarded before giving up. */
#define STALE_MAX 3
/* Grace for the response after a data phase that was cut short. */
#define RESYNC_TIMEOUT_MS 200

struct rx_container {
	struct ptp_header h;
	uint8_t head[RX_FIRST]; /* first transfer (header + first bytes) */
	size_t head_len;
};

void ptp_session_init(struct ptp_session *s, struct ptp_transport *t)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->timeout_ms = PTP_TIMEOUT_DEFAULT_MS;
	s->data_max = PTP_DATA_MAX;
}

void ptp_session_finish(struct ptp_session *s)
{
	if (!s)
		return;
	mem_free(s->surplus);
	s->surplus = NULL;
	s->surplus_len = 0;
}

void ptp_response_finish(struct ptp_response *resp)
{
	if (!resp)
		return;
	mem_free(resp->data);
	resp->data = NULL;
	resp->data_len = 0;
	resp->data_cap = 0;
}

static void op_label(uint16_t code, char *out, size_t cap)
{
	const char *name = ptp_op_name(code);

	if (name)
		snprintf(out, cap, "%s (0x%04X)", name, code);
	else
		snprintf(out, cap, "operation 0x%04X", code);
}

static int fail(struct ptp_session *s, int code, bool desync, const char *what)
{
	if (desync)
		s->desynced = true;
	err_set(&s->err, code, "%s", what);
	log_dbg(PTP, "transaction failed: %s: %s", alphafs_strerror(code), what);
	return code;
}

static size_t round_up(size_t n, size_t m)
{
	return n % m ? n + (m - n % m) : n;
}

/* Keeps bytes that arrived past a container's end for the next read. */
static int keep_surplus(struct ptp_session *s, const uint8_t *p, size_t n)
{
	uint8_t *q;

	if (n == 0)
		return 0;
	q = mem_alloc(s->surplus_len + n);
	if (!q)
		return ALPHAFS_ERR_NOMEM;
	if (s->surplus_len)
		memcpy(q, s->surplus, s->surplus_len);
	memcpy(q + s->surplus_len, p, n);
	mem_free(s->surplus);
	s->surplus = q;
	s->surplus_len += n;
	return 0;
}

/*
 * One bulk IN transfer, surplus bytes first. A stall before anything was
 * read is cleared and the read retried once (libgphoto2 does the same).
 */
static int read_transfer(struct ptp_session *s, uint8_t *buf, size_t cap,
			 size_t *got, unsigned timeout_ms)
{
	int rc;

	*got = 0;
	if (s->surplus_len) {
		size_t n = s->surplus_len < cap ? s->surplus_len : cap;

		memcpy(buf, s->surplus, n);
		memmove(s->surplus, s->surplus + n, s->surplus_len - n);
		s->surplus_len -= n;
		*got = n;
		return 0;
	}
	rc = s->t->ops->bulk_in(s->t, buf, cap, got, timeout_ms);
	if (rc == ALPHAFS_ERR_PIPE && *got == 0) {
		log_info(PTP, "bulk IN stalled; clearing the halt");
		s->halts_cleared++;
		if (s->t->ops->clear_halt(s->t, PTP_EP_BULK_IN) == 0)
			rc = s->t->ops->bulk_in(s->t, buf, cap, got, timeout_ms);
	}
	return rc;
}

static int write_transfer(struct ptp_session *s, const uint8_t *buf,
			  size_t len)
{
	int rc = s->t->ops->bulk_out(s->t, buf, len, s->timeout_ms);

	if (rc == ALPHAFS_ERR_PIPE) {
		log_info(PTP, "bulk OUT stalled; clearing the halt");
		s->halts_cleared++;
		if (s->t->ops->clear_halt(s->t, PTP_EP_BULK_OUT) == 0)
			rc = s->t->ops->bulk_out(s->t, buf, len, s->timeout_ms);
	}
	return rc;
}

/* Reads the first transfer of a container and decodes its header. */
static int rx_head(struct ptp_session *s, struct rx_container *c,
		   unsigned timeout_ms)
{
	char what[128];
	int rc;

	for (int zlps = 0;; zlps++) {
		rc = read_transfer(s, c->head, sizeof(c->head), &c->head_len,
				   timeout_ms);
		if (rc < 0) {
			snprintf(what, sizeof(what),
				 "bulk IN read failed waiting for a container");
			return fail(s, rc, true, what);
		}
		if (c->head_len > 0)
			break;
		if (zlps >= ZLP_SKIP_MAX)
			return fail(s, ALPHAFS_ERR_PROTOCOL, true,
				    "zero-length packets where a container was expected");
		s->zlps_skipped++;
	}
	rc = ptp_header_decode(c->head, c->head_len, &c->h);
	if (rc < 0 || c->h.length == PTP_LENGTH_UNKNOWN) {
		snprintf(what, sizeof(what),
			 "bad container header in a %zu-byte transfer",
			 c->head_len);
		return fail(s, rc < 0 ? rc : ALPHAFS_ERR_UNSUPPORTED, true, what);
	}
	return 0;
}

/* Response containers are small; all of it is in the first transfer. */
static int rx_response(struct ptp_session *s, struct rx_container *c,
		       struct ptp_response *resp)
{
	struct ptp_params p;
	char what[128];

	if (c->h.length > PTP_HEADER_SIZE + 4 * PTP_MAX_PARAMS ||
	    c->head_len < c->h.length) {
		snprintf(what, sizeof(what),
			 "response container of %u bytes (%zu received)",
			 c->h.length, c->head_len);
		return fail(s, ALPHAFS_ERR_PROTOCOL, true, what);
	}
	if (keep_surplus(s, c->head + c->h.length, c->head_len - c->h.length) < 0)
		return fail(s, ALPHAFS_ERR_NOMEM, true, "keeping surplus bytes");
	if (ptp_params_decode(c->head, c->h.length, &p) < 0)
		return fail(s, ALPHAFS_ERR_PROTOCOL, true,
			    "response parameters are not whole u32 values");
	resp->code = p.code;
	resp->tid = p.tid;
	resp->nparams = p.nparams;
	memcpy(resp->params, p.params, sizeof(resp->params));
	return 0;
}

/* After a data phase cut short: if the response follows, the pipe is still
 * in step and only this transaction is lost. */
static bool try_resync(struct ptp_session *s, uint32_t tid,
		       struct ptp_response *resp)
{
	struct rx_container c;
	struct err_detail saved = s->err;
	bool ok;

	if (rx_head(s, &c, RESYNC_TIMEOUT_MS) < 0)
		ok = false;
	else
		ok = c.h.type == PTP_TYPE_RESPONSE && c.h.tid == tid &&
		     rx_response(s, &c, resp) == 0;
	s->err = saved;
	return ok;
}

/* Reads the rest of a data container into resp->data. */
static int rx_data(struct ptp_session *s, struct rx_container *c,
		   uint32_t tid, struct ptp_response *resp)
{
	size_t mp = s->t->max_packet ? s->t->max_packet : 512;
	size_t total = c->h.length - PTP_HEADER_SIZE, have, first;
	char what[160];
	int rc;

	if (total > s->data_max) {
		snprintf(what, sizeof(what),
			 "data phase of %zu bytes exceeds the %zu-byte limit",
			 total, s->data_max);
		return fail(s, ALPHAFS_ERR_TOO_BIG, true, what);
	}
	/* Slack of one packet: a read rounded up to whole packets may end
	 * past the container (data and response in one transfer). */
	resp->data_cap = total + mp;
	resp->data = mem_alloc(resp->data_cap);
	if (!resp->data)
		return fail(s, ALPHAFS_ERR_NOMEM, true, "allocating the data phase");
	first = c->head_len - PTP_HEADER_SIZE;
	have = first < total ? first : total;
	memcpy(resp->data, c->head + PTP_HEADER_SIZE, have);
	if (keep_surplus(s, c->head + PTP_HEADER_SIZE + have, first - have) < 0)
		return fail(s, ALPHAFS_ERR_NOMEM, true, "keeping surplus bytes");
	while (have < total) {
		size_t ask = round_up(total - have, mp), got;

		if (ask > RX_CHUNK_MAX)
			ask = RX_CHUNK_MAX;
		rc = read_transfer(s, resp->data + have, ask, &got, s->timeout_ms);
		if (rc < 0) {
			snprintf(what, sizeof(what),
				 "data phase failed after %zu of %zu bytes",
				 have + got, total);
			return fail(s, rc, true, what);
		}
		if (got > total - have) {
			rc = keep_surplus(s, resp->data + total, got - (total - have));
			if (rc < 0)
				return fail(s, rc, true, "keeping surplus bytes");
			got = total - have;
		}
		have += got;
		if (got < ask && have < total) {
			resp->data_len = have;
			snprintf(what, sizeof(what),
				 "data phase ended by a short packet after %zu of %zu bytes",
				 have, total);
			return fail(s, ALPHAFS_ERR_TRUNCATED,
				    !try_resync(s, tid, resp), what);
		}
	}
	resp->data_len = total;
	return 0;
}

static int send_request(struct ptp_session *s, const struct ptp_request *req,
			uint32_t tid)
{
	struct ptp_params cmd = { .type = PTP_TYPE_COMMAND, .code = req->code,
				  .tid = tid, .nparams = req->nparams };
	uint8_t out[PTP_HEADER_SIZE + 4 * PTP_MAX_PARAMS], *data;
	int len, rc;

	memcpy(cmd.params, req->params, sizeof(cmd.params));
	len = ptp_params_encode(out, sizeof(out), &cmd);
	if (len < 0)
		return fail(s, len, false, "too many command parameters");
	rc = write_transfer(s, out, (size_t)len);
	if (rc < 0)
		return fail(s, rc, true, "sending the command failed");
	if (req->dir != PTP_DATA_OUT)
		return 0;
	if (req->out_len > s->data_max)
		return fail(s, ALPHAFS_ERR_TOO_BIG, true, "outgoing data too large");
	data = mem_alloc(PTP_HEADER_SIZE + req->out_len);
	if (!data)
		return fail(s, ALPHAFS_ERR_NOMEM, true, "allocating outgoing data");
	ptp_header_encode(data, (uint32_t)(PTP_HEADER_SIZE + req->out_len),
			  PTP_TYPE_DATA, req->code, tid);
	if (req->out_len)
		memcpy(data + PTP_HEADER_SIZE, req->out, req->out_len);
	/* The transport ends an exact multiple of 512 with a ZLP (§1.4). */
	rc = write_transfer(s, data, PTP_HEADER_SIZE + req->out_len);
	mem_free(data);
	if (rc < 0)
		return fail(s, rc, true, "sending the data phase failed");
	return 0;
}

/* Reads containers until the response for tid; data goes to resp. */
static int receive(struct ptp_session *s, const struct ptp_request *req,
		   uint32_t tid, struct ptp_response *resp)
{
	struct rx_container c;
	bool data_seen = false;
	char what[160];
	int rc;

	for (int stale = 0;;) {
		rc = rx_head(s, &c, s->timeout_ms);
		if (rc < 0)
			return rc;
		if (c.h.type == PTP_TYPE_DATA && !data_seen &&
		    req->dir == PTP_DATA_IN && c.h.tid == tid) {
			data_seen = true;
			rc = rx_data(s, &c, tid, resp);
			if (rc < 0)
				return rc;
			continue;
		}
		if (c.h.type != PTP_TYPE_RESPONSE) {
			snprintf(what, sizeof(what),
				 "unexpected container type %u (tid %u) for tid %u",
				 c.h.type, c.h.tid, tid);
			return fail(s, ALPHAFS_ERR_PROTOCOL, true, what);
		}
		rc = rx_response(s, &c, resp);
		if (rc < 0)
			return rc;
		if (resp->tid == tid)
			return 0;
		if (resp->tid > tid || ++stale > STALE_MAX) {
			snprintf(what, sizeof(what),
				 "response for tid %u while waiting for tid %u",
				 resp->tid, tid);
			return fail(s, ALPHAFS_ERR_PROTOCOL, true, what);
		}
		s->stale_responses++;
		log_info(PTP, "discarding a stale response for tid %u", resp->tid);
	}
}

int ptp_transact(struct ptp_session *s, const struct ptp_request *req,
		 struct ptp_response *resp)
{
	char label[48], rcname[64];
	uint32_t tid;
	int rc;

	memset(resp, 0, sizeof(*resp));
	err_clear(&s->err);
	s->last_rc = 0;
	if (s->desynced)
		return fail(s, ALPHAFS_ERR_STATE, false,
			    "session needs a reset after an earlier failure");
	tid = s->next_tid++;
	if (s->next_tid == PTP_TID_EVENT)
		s->next_tid = 1;
	s->transactions++;
	op_label(req->code, label, sizeof(label));
	log_dbg(PTP, "-> %s tid %u, %u params", label, tid, req->nparams);
	rc = send_request(s, req, tid);
	if (rc == 0)
		rc = receive(s, req, tid, resp);
	if (rc < 0) {
		char detail[ERR_DETAIL_MAX];

		snprintf(detail, sizeof(detail), "%s: %s", label, s->err.msg);
		err_replace(&s->err, rc, "%s", detail);
		return rc;
	}
	s->last_rc = resp->code;
	ptp_rc_describe(resp->code, rcname, sizeof(rcname));
	log_dbg(PTP, "<- %s tid %u: %s, %zu data bytes", label, tid, rcname,
		resp->data_len);
	if (resp->code != PTP_RC_OK)
		return err_set(&s->err, ALPHAFS_ERR_PTP_RESPONSE,
			       "%s answered %s", label, rcname);
	return 0;
}

int ptp_open_session(struct ptp_session *s, uint32_t session_id)
{
	struct ptp_request req = { .code = PTP_OC_OPEN_SESSION, .nparams = 1,
				   .params = { session_id } };
	struct ptp_response resp;
	int rc;

	if (session_id == 0)
		return err_set(&s->err, ALPHAFS_ERR_INVALID, "session id 0");
	/* OpenSession carries transaction id 0 (ptp.c ptp_opensession). */
	s->next_tid = 0;
	rc = ptp_transact(s, &req, &resp);
	ptp_response_finish(&resp);
	/* SessionAlreadyOpen means the session is there: use it. */
	if (rc == ALPHAFS_ERR_PTP_RESPONSE &&
	    resp.code == PTP_RC_SESSION_ALREADY_OPEN) {
		err_clear(&s->err);
		rc = 0;
	}
	if (rc == 0)
		s->session_id = session_id;
	return rc;
}

int ptp_close_session(struct ptp_session *s)
{
	struct ptp_request req = { .code = PTP_OC_CLOSE_SESSION };
	struct ptp_response resp;
	int rc;

	rc = ptp_transact(s, &req, &resp);
	ptp_response_finish(&resp);
	s->session_id = 0;
	return rc;
}

int ptp_get_device_info(struct ptp_session *s, struct ptp_device_info *out)
{
	struct ptp_request req = { .code = PTP_OC_GET_DEVICE_INFO,
				   .dir = PTP_DATA_IN };
	struct ptp_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ptp_transact(s, &req, &resp);
	if (rc == 0) {
		rc = ptp_device_info_parse(resp.data, resp.data_len, out);
		if (rc < 0)
			err_set(&s->err, rc, "GetDeviceInfo: malformed DeviceInfo dataset (%zu bytes)",
				resp.data_len);
	}
	ptp_response_finish(&resp);
	return rc;
}

int ptp_get_object(struct ptp_session *s, uint32_t handle,
		   struct ptp_response *resp)
{
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT, .nparams = 1,
				   .params = { handle }, .dir = PTP_DATA_IN };

	return ptp_transact(s, &req, resp);
}

int ptp_get_object_info(struct ptp_session *s, uint32_t handle,
			struct ptp_object_info *out)
{
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT_INFO, .nparams = 1,
				   .params = { handle }, .dir = PTP_DATA_IN };
	struct ptp_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ptp_transact(s, &req, &resp);
	if (rc == 0) {
		rc = ptp_object_info_parse(resp.data, resp.data_len, out);
		if (rc < 0)
			err_set(&s->err, rc, "GetObjectInfo: malformed ObjectInfo dataset");
	}
	ptp_response_finish(&resp);
	return rc;
}
