/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The transaction engine against a scripted transport that behaves like USB
 * bulk pipes: each scripted IN item is one device transfer, delivered in
 * 512-byte packets; a host read ends at a short packet or when its buffer
 * is full, and a transfer whose length is a multiple of 512 is ended by a
 * zero-length packet (dossier §1.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../common/bulk_sim.h"
#include "ptp/ptp.h"

#define MP 512
#define MAX_ITEMS 16
#define MAX_OUT 8

struct in_item {
	uint8_t data[8192];
	struct bulk_sim_xfer x; /* USB delivery of data */
	int err;		/* returned instead of data when set */
};

struct script {
	struct ptp_transport base;
	struct in_item in[MAX_ITEMS];
	int n_in, cur;
	uint8_t out[MAX_OUT][1024];
	size_t out_len[MAX_OUT];
	int n_out;
	int out_err_once;
	int clears_in, clears_out, resets, status_calls;
};

static struct script *S(struct ptp_transport *t)
{
	return (struct script *)t;
}

static int s_bulk_out(struct ptp_transport *t, const uint8_t *buf, size_t len,
		      unsigned timeout_ms)
{
	struct script *s = S(t);

	(void)timeout_ms;
	if (s->out_err_once) {
		int e = s->out_err_once;

		s->out_err_once = 0;
		return e;
	}
	if (s->n_out < MAX_OUT) {
		memcpy(s->out[s->n_out], buf, len < 1024 ? len : 1024);
		s->out_len[s->n_out++] = len;
	}
	return 0;
}

static int s_bulk_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		     size_t *got, unsigned timeout_ms)
{
	struct script *s = S(t);
	struct in_item *it;
	int rc;

	(void)timeout_ms;
	*got = 0;
	if (s->cur >= s->n_in)
		return ALPHAFS_ERR_TIMEOUT;
	it = &s->in[s->cur];
	if (it->err) {
		s->cur++;
		return it->err;
	}
	rc = bulk_sim_read(&it->x, MP, buf, cap, got);
	if (it->x.done)
		s->cur++;
	return rc;
}

static int s_event_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		      size_t *got, unsigned timeout_ms)
{
	(void)t; (void)buf; (void)cap; (void)timeout_ms;
	*got = 0;
	return ALPHAFS_ERR_TIMEOUT;
}

static int s_control(struct ptp_transport *t, uint8_t type, uint8_t req,
		     uint16_t value, uint8_t *data, uint16_t len, size_t *got,
		     unsigned timeout_ms)
{
	struct script *s = S(t);

	(void)type; (void)value; (void)timeout_ms;
	*got = 0;
	if (req == PTP_CLASS_REQ_DEVICE_RESET) {
		s->resets++;
		return 0;
	}
	if (req == PTP_CLASS_REQ_GET_DEVICE_STATUS && len >= 4) {
		s->status_calls++;
		put_u16le(data, 4);
		put_u16le(data + 2, PTP_RC_OK);
		*got = 4;
		return 0;
	}
	return ALPHAFS_ERR_PIPE;
}

static int s_clear_halt(struct ptp_transport *t, uint8_t ep)
{
	if (ep == PTP_EP_BULK_IN)
		S(t)->clears_in++;
	else
		S(t)->clears_out++;
	return 0;
}

static void s_destroy(struct ptp_transport *t)
{
	(void)t;
}

static const struct ptp_transport_ops script_ops = {
	.bulk_out = s_bulk_out, .bulk_in = s_bulk_in, .event_in = s_event_in,
	.control = s_control, .clear_halt = s_clear_halt, .destroy = s_destroy,
};

static int setup(void **state)
{
	struct script *s = test_calloc(1, sizeof(*s));

	s->base.ops = &script_ops;
	s->base.max_packet = MP;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

/* Appends one device transfer holding raw bytes. */
static void push_raw(struct script *s, const uint8_t *p, size_t n)
{
	struct in_item *it = &s->in[s->n_in++];

	memset(it, 0, sizeof(*it));
	memcpy(it->data, p, n);
	it->x.data = it->data;
	it->x.len = n;
}

static void push_err(struct script *s, int err)
{
	struct in_item *it = &s->in[s->n_in++];

	memset(it, 0, sizeof(*it));
	it->err = err;
}

static size_t make_data(uint8_t *out, uint16_t code, uint32_t tid,
			const uint8_t *payload, size_t n)
{
	ptp_header_encode(out, (uint32_t)(PTP_HEADER_SIZE + n), PTP_TYPE_DATA, code, tid);
	if (n)
		memcpy(out + PTP_HEADER_SIZE, payload, n);
	return PTP_HEADER_SIZE + n;
}

static void push_data(struct script *s, uint16_t code, uint32_t tid,
		      const uint8_t *payload, size_t n)
{
	uint8_t tmp[8192];

	push_raw(s, tmp, make_data(tmp, code, tid, payload, n));
}

static void push_resp(struct script *s, uint16_t rc, uint32_t tid,
		      unsigned nparams)
{
	struct ptp_params p = { .type = PTP_TYPE_RESPONSE, .code = rc, .tid = tid,
				.nparams = nparams, .params = { 0x136 } };
	uint8_t tmp[32];
	int n = ptp_params_encode(tmp, sizeof(tmp), &p);

	push_raw(s, tmp, (size_t)n);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static void test_open_session_golden(void **state)
{
	const uint8_t want[] = { 0x10, 0, 0, 0, 0x01, 0, 0x02, 0x10, 0, 0, 0, 0, 0x01, 0, 0, 0 };
	struct script *sc = *state;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	s.next_tid = 9; /* OpenSession always uses tid 0 */
	push_resp(sc, PTP_RC_OK, 0, 0);
	assert_int_equal(ptp_open_session(&s, 1), 0);
	assert_int_equal(sc->out_len[0], sizeof(want));
	assert_memory_equal(sc->out[0], want, sizeof(want));
	assert_int_equal(s.session_id, 1);
	assert_int_equal(s.next_tid, 1);
	/* SessionAlreadyOpen counts as open (library.c camera_init). */
	push_resp(sc, PTP_RC_SESSION_ALREADY_OPEN, 0, 1);
	assert_int_equal(ptp_open_session(&s, 1), 0);
	assert_int_equal(ptp_open_session(&s, 0), ALPHAFS_ERR_INVALID);
	ptp_session_finish(&s);
}

static void test_data_in_small(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_GET_STORAGE_IDS, .dir = PTP_DATA_IN };
	const uint8_t empty[4] = { 0 };
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	s.next_tid = 7;
	push_data(sc, PTP_OC_GET_STORAGE_IDS, 7, empty, 4);
	push_resp(sc, PTP_RC_OK, 7, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(resp.code, PTP_RC_OK);
	assert_int_equal(resp.data_len, 4);
	assert_int_equal(sc->out_len[0], 12);
	ptp_response_finish(&resp);
	ptp_session_finish(&s);
}

/* A container of exactly k * 512 bytes is followed by a ZLP (§1.4 rule 3),
 * whatever the read sizes: 1024 (ZLP stays), 2048 (ZLP consumed). */
static void check_exact_multiple(struct script *sc, size_t container)
{
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT, .nparams = 1,
				   .params = { 0xFFFFC002 }, .dir = PTP_DATA_IN };
	uint8_t payload[8192];
	struct ptp_response resp;
	struct ptp_session s;
	size_t n = container - PTP_HEADER_SIZE;

	sc->n_in = sc->cur = 0;
	ptp_session_init(&s, &sc->base);
	fill(payload, n);
	push_data(sc, PTP_OC_GET_OBJECT, 0, payload, n);
	push_resp(sc, PTP_RC_OK, 0, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(resp.data_len, n);
	assert_memory_equal(resp.data, payload, n);
	assert_int_equal(sc->cur, sc->n_in); /* ZLP and response consumed */
	ptp_response_finish(&resp);
	ptp_session_finish(&s);
}

static void test_zlp_boundaries(void **state)
{
	struct script *sc = *state;

	check_exact_multiple(sc, 512);
	check_exact_multiple(sc, 1024);
	check_exact_multiple(sc, 1536);
	check_exact_multiple(sc, 4096);
	/* Around the boundaries: short packets end the transfer. */
	check_exact_multiple(sc, 511);
	check_exact_multiple(sc, 513);
	check_exact_multiple(sc, 1023);
	check_exact_multiple(sc, 1025);
	check_exact_multiple(sc, 5000);
}

/* Data and response in one transfer: the surplus is the response. */
static void test_surplus_in_one_transfer(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT, .nparams = 1,
				   .params = { 1 }, .dir = PTP_DATA_IN };
	uint8_t both[2048], payload[700];
	struct ptp_params r = { .type = PTP_TYPE_RESPONSE, .code = PTP_RC_OK };
	struct ptp_response resp;
	struct ptp_session s;
	size_t n;

	ptp_session_init(&s, &sc->base);
	fill(payload, sizeof(payload));
	n = make_data(both, PTP_OC_GET_OBJECT, 0, payload, sizeof(payload));
	n += (size_t)ptp_params_encode(both + n, sizeof(both) - n, &r);
	push_raw(sc, both, n);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(resp.data_len, sizeof(payload));
	assert_memory_equal(resp.data, payload, sizeof(payload));
	assert_int_equal(s.surplus_len, 0);
	ptp_response_finish(&resp);
	ptp_session_finish(&s);
}

static void test_response_instead_of_data(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT_INFO, .nparams = 1,
				   .params = { 0xFFFFC002 }, .dir = PTP_DATA_IN };
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	push_resp(sc, PTP_RC_INVALID_OBJECT_HANDLE, 0, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(resp.code, PTP_RC_INVALID_OBJECT_HANDLE);
	assert_null(resp.data);
	assert_false(s.desynced);
	assert_non_null(strstr(s.err.msg, "InvalidObjectHandle (0x2009)"));
	ptp_response_finish(&resp);
	ptp_session_finish(&s);
}

static void test_response_params_and_stale(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = 0x9202, .nparams = 2, .params = { 0x12C, 1 } };
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	s.next_tid = 5;
	push_resp(sc, PTP_RC_OK, 4, 0); /* a leftover answer to tid 4 */
	push_resp(sc, PTP_RC_OK, 5, 1); /* a7sm3 answers with one param */
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(resp.nparams, 1);
	assert_int_equal(resp.params[0], 0x136);
	assert_int_equal(s.stale_responses, 1);
	/* A response from the future is a protocol violation. */
	push_resp(sc, PTP_RC_OK, 9, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_PROTOCOL);
	assert_true(s.desynced);
	/* Nothing more until a reset. */
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_STATE);
	assert_int_equal(ptp_session_reset(&s), 0);
	assert_int_equal(sc->resets, 1);
	assert_int_equal(sc->clears_in, 1);
	assert_int_equal(sc->clears_out, 1);
	assert_false(s.desynced);
	assert_int_equal(s.next_tid, 0);
	ptp_session_finish(&s);
}

static void test_short_packet_mid_data(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT, .nparams = 1,
				   .params = { 0xFFFFC002 }, .dir = PTP_DATA_IN };
	uint8_t c[4096], payload[4000];
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	fill(payload, sizeof(payload));
	make_data(c, PTP_OC_GET_OBJECT, 0, payload, sizeof(payload));
	/* The header promises 4012 bytes; the transfer ends after 1700. */
	push_raw(sc, c, 1700);
	push_resp(sc, PTP_RC_OK, 0, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_TRUNCATED);
	assert_int_equal(resp.data_len, 1700 - 12);
	/* The response followed: still in step, only this frame is lost. */
	assert_false(s.desynced);
	ptp_response_finish(&resp);
	/* Cut short and nothing follows: the pipe state is unknown. */
	make_data(c, PTP_OC_GET_OBJECT, 1, payload, sizeof(payload));
	push_raw(sc, c, 1700);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_TRUNCATED);
	assert_true(s.desynced);
	ptp_response_finish(&resp);
	ptp_session_finish(&s);
}

static void test_timeout_and_reset(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_GET_DEVICE_INFO, .dir = PTP_DATA_IN };
	struct ptp_response resp;
	struct ptp_session s;
	char line[300];

	ptp_session_init(&s, &sc->base);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_TIMEOUT);
	assert_true(s.desynced);
	err_format(&s.err, line, sizeof(line));
	assert_non_null(strstr(line, "GetDeviceInfo (0x1001)"));
	assert_int_equal(ptp_session_reset(&s), 0);
	assert_int_equal(sc->status_calls, 1);
	ptp_session_finish(&s);
}

static void test_stall_is_cleared_once(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_CLOSE_SESSION };
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	push_err(sc, ALPHAFS_ERR_PIPE);
	push_resp(sc, PTP_RC_OK, 0, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(sc->clears_in, 1);
	/* OUT stall: cleared and the command resent. */
	sc->out_err_once = ALPHAFS_ERR_PIPE;
	push_resp(sc, PTP_RC_OK, 1, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(sc->clears_out, 1);
	/* Two stalls in a row: reported. */
	push_err(sc, ALPHAFS_ERR_PIPE);
	push_err(sc, ALPHAFS_ERR_PIPE);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_PIPE);
	assert_true(s.desynced);
	ptp_session_finish(&s);
}

static void test_hostile_headers(void **state)
{
	struct script *sc = *state;
	struct ptp_request req = { .code = PTP_OC_GET_OBJECT, .nparams = 1,
				   .params = { 1 }, .dir = PTP_DATA_IN };
	const uint8_t zlp[1] = { 0 };
	uint8_t h[12];
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	s.data_max = 1 << 20;
	/* A data phase announcing 0xFFFFFFF0 bytes is refused, not allocated. */
	ptp_header_encode(h, 0xFFFFFFF0u, PTP_TYPE_DATA, PTP_OC_GET_OBJECT, 0);
	push_raw(sc, h, sizeof(h));
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_TOO_BIG);
	assert_int_equal(ptp_session_reset(&s), 0);
	/* Type 9 is no container. */
	ptp_header_encode(h, 12, 9, 0x2001, 0);
	push_raw(sc, h, sizeof(h));
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(ptp_session_reset(&s), 0);
	/* Five bytes: shorter than a header. */
	push_raw(sc, h, 5);
	assert_true(ptp_transact(&s, &req, &resp) < 0);
	assert_int_equal(ptp_session_reset(&s), 0);
	/* One ZLP is skipped, two are an error. */
	push_raw(sc, zlp, 0);
	push_resp(sc, PTP_RC_OK, 0, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(s.zlps_skipped, 1);
	push_raw(sc, zlp, 0);
	push_raw(sc, zlp, 0);
	push_resp(sc, PTP_RC_OK, 1, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_PROTOCOL);
	/* A data container on an operation without a data phase. */
	assert_int_equal(ptp_session_reset(&s), 0);
	req.dir = PTP_DATA_NONE;
	push_data(sc, PTP_OC_GET_OBJECT, 0, h, 4);
	assert_int_equal(ptp_transact(&s, &req, &resp), ALPHAFS_ERR_PROTOCOL);
	ptp_response_finish(&resp);
	ptp_session_finish(&s);
}

static void test_data_out_golden(void **state)
{
	/* SetControlDeviceA(0xD25A) = INT8 1, tid 6 (a7sm3-log, §3.2). */
	const uint8_t cmd[] = { 0x10, 0, 0, 0, 0x01, 0, 0x05, 0x92, 0x06, 0, 0, 0, 0x5a, 0xd2, 0, 0 };
	const uint8_t data[] = { 0x0d, 0, 0, 0, 0x02, 0, 0x05, 0x92, 0x06, 0, 0, 0, 0x01 };
	const uint8_t one = 1;
	struct script *sc = *state;
	struct ptp_request req = { .code = 0x9205, .nparams = 1, .params = { 0xD25A },
				   .dir = PTP_DATA_OUT, .out = &one, .out_len = 1 };
	struct ptp_response resp;
	struct ptp_session s;

	ptp_session_init(&s, &sc->base);
	s.next_tid = 6;
	push_resp(sc, PTP_RC_OK, 6, 0);
	assert_int_equal(ptp_transact(&s, &req, &resp), 0);
	assert_int_equal(sc->n_out, 2);
	assert_memory_equal(sc->out[0], cmd, sizeof(cmd));
	assert_int_equal(sc->out_len[1], sizeof(data));
	assert_memory_equal(sc->out[1], data, sizeof(data));
	ptp_session_finish(&s);
}

static void test_device_info_and_nomem(void **state)
{
	struct script *sc = *state;
	struct ptp_device_info di = { .standard_version = 100, .vendor_ext_id = 0x11 };
	struct ptp_device_info out;
	struct ptp_session s;
	struct buf b;

	buf_init(&b, 4096);
	snprintf(di.model, sizeof(di.model), "ILCE-6300");
	ptp_device_info_write(&b, &di);
	ptp_session_init(&s, &sc->base);
	push_data(sc, PTP_OC_GET_DEVICE_INFO, 0, b.data, b.len);
	push_resp(sc, PTP_RC_OK, 0, 0);
	assert_int_equal(ptp_get_device_info(&s, &out), 0);
	assert_string_equal(out.model, "ILCE-6300");
	ptp_device_info_finish(&out);
	/* Allocation failures surface as NOMEM, never as a crash or leak. */
	for (long k = 0; k < 4; k++) {
		int rc;

		sc->n_in = sc->cur = 0;
		ptp_session_reset(&s);
		push_data(sc, PTP_OC_GET_DEVICE_INFO, 0, b.data, b.len);
		push_resp(sc, PTP_RC_OK, 0, 0);
		mem_fail_after(k);
		rc = ptp_get_device_info(&s, &out);
		mem_fail_after(-1);
		assert_true(rc == 0 || rc == ALPHAFS_ERR_NOMEM);
		ptp_device_info_finish(&out);
	}
	ptp_session_finish(&s);
	buf_finish(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_session_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_in_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zlp_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_surplus_in_one_transfer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_instead_of_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_response_params_and_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_packet_mid_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_is_cleared_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_out_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_info_and_nomem, setup, teardown),
	};

	return cmocka_run_group_tests_name("ptp_session", tests, NULL, NULL);
}
