/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sony: the operations that talk to the camera (handshake, controls,
 * 0x9209 fetch, live-view fetch) against a small scripted body behind the
 * transport vtable. Command and data bytes are compared with the real
 * exchanges quoted in the dossier (§3.2, §5.4, §5.5).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sony/sony.h"

#define FAKE_OUT_MAX 4096
#define FAKE_IN_MAX 8
#define FAKE_CONTAINER_MAX 2048
#define FAKE_OPS_MAX 64
#define SDIO_REPLY_LEN 8

struct container {
	uint8_t b[FAKE_CONTAINER_MAX];
	size_t len, off;
};

/* A scripted camera: answers each command from the fields below. */
struct fake {
	struct ptp_transport base;
	/* what the host sent */
	uint8_t out[FAKE_OUT_MAX];
	size_t out_len;
	struct ptp_params ops[FAKE_OPS_MAX];
	size_t nops;
	bool want_data; /* a DATA_OUT command waits for its data */
	/* what goes back */
	struct container in[FAKE_IN_MAX];
	size_t in_head, in_n;
	/* policy */
	unsigned empty_ext_left;
	bool ext_one_param_only; /* a body that refuses (0x12C, 1) */
	uint16_t sdio_rc[4]; /* per phase; 0 = OK */
	uint16_t lv_rc;
	const uint8_t *lv_data;
	size_t lv_len;
	const uint8_t *props;
	size_t props_len;
};

static const uint8_t ext_reply[] = {
	0xc8, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1e, 0xd2,
	0x01, 0x00, 0x00, 0x00, 0xc1, 0xd2,
};

static void queue(struct fake *f, uint16_t type, uint16_t code, uint32_t tid,
		  const uint8_t *payload, size_t n)
{
	struct container *c = &f->in[(f->in_head + f->in_n++) % FAKE_IN_MAX];

	assert_true(f->in_n <= FAKE_IN_MAX);
	assert_true(n + PTP_HEADER_SIZE <= sizeof(c->b));
	ptp_header_encode(c->b, (uint32_t)(n + PTP_HEADER_SIZE), type, code, tid);
	if (n)
		memcpy(c->b + PTP_HEADER_SIZE, payload, n);
	c->len = n + PTP_HEADER_SIZE;
	c->off = 0;
}

static void reply(struct fake *f, const struct ptp_params *cmd, uint16_t rc,
		  const uint8_t *data, size_t n, bool with_data)
{
	if (with_data)
		queue(f, PTP_TYPE_DATA, cmd->code, cmd->tid, data, n);
	queue(f, PTP_TYPE_RESPONSE, rc ? rc : PTP_RC_OK, cmd->tid, NULL, 0);
}

static void answer(struct fake *f, const struct ptp_params *cmd)
{
	static const uint8_t zeros[SDIO_REPLY_LEN] = { 0 };

	switch (cmd->code) {
	case SONY_OC_SDIO_CONNECT:
		reply(f, cmd, cmd->params[0] < 4 ? f->sdio_rc[cmd->params[0]] : 0,
		      zeros, sizeof(zeros), true);
		break;
	case SONY_OC_GET_EXT_DEVICE_INFO:
		if (f->ext_one_param_only && cmd->nparams != 1) {
			reply(f, cmd, PTP_RC_PARAMETER_NOT_SUPPORTED, NULL, 0, false);
		} else if (f->empty_ext_left > 0) {
			f->empty_ext_left--;
			reply(f, cmd, 0, NULL, 0, true);
		} else {
			reply(f, cmd, 0, ext_reply, sizeof(ext_reply), true);
		}
		break;
	case SONY_OC_SET_CONTROL_A:
	case SONY_OC_SET_CONTROL_B:
		reply(f, cmd, 0, NULL, 0, false);
		break;
	case SONY_OC_GET_ALL_PROP_INFO:
		reply(f, cmd, 0, f->props, f->props_len, true);
		break;
	case PTP_OC_GET_OBJECT:
		reply(f, cmd, f->lv_rc, f->lv_data, f->lv_len, f->lv_data != NULL);
		break;
	default:
		reply(f, cmd, PTP_RC_OPERATION_NOT_SUPPORTED, NULL, 0, false);
		break;
	}
}

static int f_bulk_out(struct ptp_transport *t, const uint8_t *buf, size_t len,
		      unsigned timeout_ms)
{
	struct fake *f = (struct fake *)t;
	struct ptp_header h;
	struct ptp_params *p;

	(void)timeout_ms;
	assert_true(len <= sizeof(f->out) - f->out_len);
	memcpy(f->out + f->out_len, buf, len);
	f->out_len += len;
	assert_int_equal(ptp_header_decode(buf, len, &h), 0);
	if (h.type == PTP_TYPE_DATA) {
		assert_true(f->want_data);
		f->want_data = false;
		answer(f, &f->ops[f->nops - 1]);
		return 0;
	}
	assert_true(f->nops < FAKE_OPS_MAX);
	p = &f->ops[f->nops++];
	assert_int_equal(ptp_params_decode(buf, len, p), 0);
	if (p->code == SONY_OC_SET_CONTROL_A || p->code == SONY_OC_SET_CONTROL_B)
		f->want_data = true;
	else
		answer(f, p);
	return 0;
}

/* One container per transfer (none is a multiple of 512 here). */
static int f_bulk_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		     size_t *got, unsigned timeout_ms)
{
	struct fake *f = (struct fake *)t;
	struct container *c;
	size_t n;

	(void)timeout_ms;
	*got = 0;
	if (f->in_n == 0)
		return ALPHAFS_ERR_TIMEOUT;
	c = &f->in[f->in_head];
	n = c->len - c->off < cap ? c->len - c->off : cap;
	memcpy(buf, c->b + c->off, n);
	c->off += n;
	*got = n;
	if (c->off == c->len) {
		f->in_head = (f->in_head + 1) % FAKE_IN_MAX;
		f->in_n--;
	}
	return 0;
}

static int f_event_in(struct ptp_transport *t, uint8_t *buf, size_t cap,
		      size_t *got, unsigned timeout_ms)
{
	(void)t, (void)buf, (void)cap, (void)timeout_ms;
	*got = 0;
	return ALPHAFS_ERR_TIMEOUT;
}

static int f_control(struct ptp_transport *t, uint8_t type, uint8_t req,
		     uint16_t value, uint8_t *data, uint16_t len, size_t *got,
		     unsigned timeout_ms)
{
	(void)t, (void)type, (void)req, (void)value, (void)data, (void)len;
	(void)timeout_ms;
	*got = 0;
	return 0;
}

static int f_clear_halt(struct ptp_transport *t, uint8_t ep)
{
	(void)t, (void)ep;
	return 0;
}

static void f_destroy(struct ptp_transport *t)
{
	(void)t;
}

static const struct ptp_transport_ops fake_ops = {
	f_bulk_out, f_bulk_in, f_event_in, f_control, f_clear_halt, f_destroy,
};

static int setup(void **state)
{
	struct fake *f = test_calloc(1, sizeof(*f));

	f->base.ops = &fake_ops;
	f->base.max_packet = 512;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	test_free(*state);
	return 0;
}

static void session(struct fake *f, struct ptp_session *s, uint32_t next_tid)
{
	ptp_session_init(s, &f->base);
	s->session_id = 1;
	s->next_tid = next_tid;
}

/* ---- handshake ---------------------------------------------------------- */

static void test_handshake_order(void **state)
{
	struct fake *f = *state;
	struct sony_ext_info ext;
	struct ptp_session s;

	session(f, &s, 2);
	assert_int_equal(sony_handshake(&s, &ext), 0);
	assert_int_equal(ext.version, SONY_PROTOCOL_200);
	assert_int_equal(ext.codes.n, 1);
	assert_int_equal(ext.codes.v[0], SONY_DPC_ISO);
	assert_int_equal(ext.controls.v[0], SONY_CTL_S1);
	/* SDIOConnect 1, 2, GetExtDeviceInfo(0x12C, 1), SDIOConnect 3
	 * (dossier §3.2, §3.4). */
	assert_int_equal(f->nops, 4);
	assert_int_equal(f->ops[0].code, SONY_OC_SDIO_CONNECT);
	assert_int_equal(f->ops[0].nparams, 3);
	assert_int_equal(f->ops[0].params[0], 1);
	assert_int_equal(f->ops[1].params[0], 2);
	assert_int_equal(f->ops[2].code, SONY_OC_GET_EXT_DEVICE_INFO);
	assert_int_equal(f->ops[2].nparams, 2);
	assert_int_equal(f->ops[2].params[0], SONY_PROTOCOL_300);
	assert_int_equal(f->ops[2].params[1], 1);
	assert_int_equal(f->ops[3].params[0], 3);
	/* The first command, byte for byte (tid 2, as in gp#106). */
	{
		const uint8_t want[] = { 0x18, 0, 0, 0, 0x01, 0, 0x01, 0x92, 0x02, 0, 0, 0,
					 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

		assert_memory_equal(f->out, want, sizeof(want));
	}
	sony_ext_info_finish(&ext);
	ptp_session_finish(&s);
}

static void test_handshake_retries_empty_ext_info(void **state)
{
	struct fake *f = *state;
	struct sony_ext_info ext;
	struct ptp_session s;

	f->empty_ext_left = 3;
	session(f, &s, 2);
	assert_int_equal(sony_handshake(&s, &ext), 0);
	assert_int_equal(f->nops, 2 + 4 + 1);
	for (int i = 2; i < 6; i++)
		assert_int_equal(f->ops[i].code, SONY_OC_GET_EXT_DEVICE_INFO);
	sony_ext_info_finish(&ext);
	ptp_session_finish(&s);
}

static void test_handshake_gives_up_after_budget(void **state)
{
	struct fake *f = *state;
	struct sony_ext_info ext;
	struct ptp_session s;

	f->empty_ext_left = SONY_EXT_INFO_TRIES + 5;
	session(f, &s, 2);
	assert_int_equal(sony_handshake(&s, &ext), ALPHAFS_ERR_AGAIN);
	/* Exactly the budget, and no phase 3 after a failure. */
	assert_int_equal(f->nops, 2 + SONY_EXT_INFO_TRIES);
	assert_null(ext.codes.v);
	assert_non_null(strstr(s.err.msg, "GetSDIOExtDeviceInfo"));
	ptp_session_finish(&s);
}

static void test_handshake_legacy_ext_info(void **state)
{
	struct fake *f = *state;
	struct sony_ext_info ext;
	struct ptp_session s;

	f->ext_one_param_only = true;
	session(f, &s, 2);
	assert_int_equal(sony_handshake(&s, &ext), 0);
	assert_int_equal(ext.version, SONY_PROTOCOL_200);
	/* (0x12C, 1) refused, then (0xC8) as older clients send it. */
	assert_int_equal(f->nops, 5);
	assert_int_equal(f->ops[2].nparams, 2);
	assert_int_equal(f->ops[3].code, SONY_OC_GET_EXT_DEVICE_INFO);
	assert_int_equal(f->ops[3].nparams, 1);
	assert_int_equal(f->ops[3].params[0], SONY_PROTOCOL_200);
	assert_int_equal(f->ops[4].params[0], 3);
	sony_ext_info_finish(&ext);
	ptp_session_finish(&s);
}

static void test_handshake_refused(void **state)
{
	struct fake *f = *state;
	struct sony_ext_info ext;
	struct ptp_session s;

	f->sdio_rc[2] = PTP_RC_OPERATION_NOT_SUPPORTED;
	session(f, &s, 2);
	assert_int_equal(sony_handshake(&s, &ext), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(f->nops, 2);
	/* The message names Sony's operation and the code. */
	assert_non_null(strstr(s.err.msg, "SDIOConnect"));
	assert_non_null(strstr(s.err.msg, "0x2005"));
	ptp_session_finish(&s);
}

/* ---- controls ---------------------------------------------------------- */

static void test_button_bytes(void **state)
{
	struct fake *f = *state;
	struct ptp_session s;
	/* a6000-log: RequestOneShooting press, tid 9 (dossier §5.5). */
	const uint8_t cmd[] = { 0x10, 0, 0, 0, 0x01, 0, 0x07, 0x92, 0x09, 0, 0, 0,
				0xc7, 0xd2, 0, 0 };
	const uint8_t data[] = { 0x0e, 0, 0, 0, 0x02, 0, 0x07, 0x92, 0x09, 0, 0, 0,
				 0x02, 0x00 };

	session(f, &s, 9);
	assert_int_equal(sony_button(&s, SONY_CTL_ONE_SHOT, SONY_BUTTON_DOWN), 0);
	assert_int_equal(f->out_len, sizeof(cmd) + sizeof(data));
	assert_memory_equal(f->out, cmd, sizeof(cmd));
	assert_memory_equal(f->out + sizeof(cmd), data, sizeof(data));
	ptp_session_finish(&s);
}

static void test_set_control_a_bytes(void **state)
{
	struct fake *f = *state;
	struct ptp_value v = { .type = PTP_DTC_INT8, .i = 1 };
	struct ptp_session s;
	/* a7sm3-log: PriorityMode = 1, tid 6 (dossier §3.2, §5.4). */
	const uint8_t cmd[] = { 0x10, 0, 0, 0, 0x01, 0, 0x05, 0x92, 0x06, 0, 0, 0,
				0x5a, 0xd2, 0, 0 };
	const uint8_t data[] = { 0x0d, 0, 0, 0, 0x02, 0, 0x05, 0x92, 0x06, 0, 0, 0,
				 0x01 };

	session(f, &s, 6);
	assert_int_equal(sony_set_control_a(&s, SONY_DPC_PRIORITY_MODE, &v), 0);
	assert_int_equal(f->out_len, sizeof(cmd) + sizeof(data));
	assert_memory_equal(f->out, cmd, sizeof(cmd));
	assert_memory_equal(f->out + sizeof(cmd), data, sizeof(data));
	/* Types without a wire form are refused before anything is sent. */
	v.type = PTP_DTC_UINT128;
	assert_int_equal(sony_set_control_a(&s, SONY_DPC_ISO, &v), ALPHAFS_ERR_INVALID);
	assert_int_equal(sony_set_control_a(&s, SONY_DPC_ISO, NULL), ALPHAFS_ERR_INVALID);
	assert_int_equal(f->nops, 1);
	ptp_session_finish(&s);
}

static void test_step_bytes(void **state)
{
	struct fake *f = *state;
	struct ptp_session s;

	session(f, &s, 20);
	assert_int_equal(sony_step(&s, SONY_DPC_ISO, -1), 0);
	/* One data byte: 0xFF for -1 (libgphoto2's width). */
	assert_int_equal(f->out_len, 16 + 13);
	assert_int_equal(get_u32le(f->out + 16), 13);
	assert_int_equal(f->out[16 + 12], 0xFF);
	assert_int_equal(f->ops[0].params[0], SONY_DPC_ISO);
	ptp_session_finish(&s);
}

static void test_props_fetch(void **state)
{
	struct fake *f = *state;
	const uint8_t blob[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x50, 0x02, 0x00, 0x01,
				 0x01, 0x02, 0x03, 0x02, 0x04, 0x00, 0x02, 0x03, 0x10,
				 0x13 };
	struct sony_prop_table t;
	struct ptp_session s;

	f->props = blob;
	f->props_len = sizeof(blob);
	session(f, &s, 1);
	assert_int_equal(sony_props_fetch(&s, SONY_PROTOCOL_200, &t), 0);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.v[0].current.u, 3);
	sony_props_finish(&t);
	/* No header at all: MALFORMED with a message. */
	f->props_len = 4;
	assert_int_equal(sony_props_fetch(&s, SONY_PROTOCOL_200, &t), ALPHAFS_ERR_MALFORMED);
	assert_non_null(strstr(s.err.msg, "0x9209"));
	ptp_session_finish(&s);
}

/* ---- live view ------------------------------------------------------- */

static const uint8_t jpeg[] = { 0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, 0x41, 0x42,
				0xFF, 0xD9 };

static void test_liveview_fetch_frame(void **state)
{
	struct fake *f = *state;
	struct sony_lv_result res;
	struct ptp_session s;
	struct buf b;

	buf_init(&b, 4096);
	sony_liveview_write(&b, 0x80, NULL, jpeg, sizeof(jpeg));
	f->lv_data = b.data;
	f->lv_len = b.len;
	session(f, &s, 1);
	assert_int_equal(sony_liveview_fetch(&s, &res), 0);
	assert_non_null(res.frame);
	assert_int_equal(res.frame->len, sizeof(jpeg));
	assert_memory_equal(res.frame->jpeg, jpeg, sizeof(jpeg));
	/* No copy: the JPEG lies inside the data-phase buffer it came in. */
	assert_ptr_equal(res.frame->jpeg, (const uint8_t *)res.frame->owner + 0x80);
	assert_int_equal(f->ops[0].params[0], SONY_HANDLE_LIVEVIEW);
	frame_unref(res.frame);
	/* Torn: the size stops one byte short of the EOI. */
	put_u32le(b.data + 4, sizeof(jpeg) - 1);
	assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_REJECTED);
	assert_null(res.frame);
	assert_int_equal(res.reject, FRAME_REJECT_NO_EOI);
	/* OK without a data phase. */
	f->lv_data = NULL;
	assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_REJECTED);
	assert_int_equal(res.reject, FRAME_REJECT_HEADER);
	buf_finish(&b);
	ptp_session_finish(&s);
}

static void test_liveview_fetch_not_ready(void **state)
{
	const uint8_t zeros[SONY_LV_HEADER_SIZE] = { 0 };
	struct fake *f = *state;
	struct sony_lv_result res;
	struct ptp_session s;

	session(f, &s, 1);
	/* AccessDenied with the 16 zero bytes (dossier §4.2): AGAIN. */
	f->lv_rc = PTP_RC_ACCESS_DENIED;
	f->lv_data = zeros;
	f->lv_len = sizeof(zeros);
	assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_AGAIN);
	assert_null(res.frame);
	assert_int_equal(res.rc, PTP_RC_ACCESS_DENIED);
	/* ... and without a data phase. */
	f->lv_data = NULL;
	assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_AGAIN);
	/* DeviceBusy and others: the code travels in rc. */
	f->lv_rc = PTP_RC_DEVICE_BUSY;
	assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(res.rc, PTP_RC_DEVICE_BUSY);
	f->lv_rc = PTP_RC_INVALID_OBJECT_HANDLE;
	assert_int_equal(sony_liveview_fetch(&s, &res), ALPHAFS_ERR_PTP_RESPONSE);
	assert_int_equal(res.rc, PTP_RC_INVALID_OBJECT_HANDLE);
	ptp_session_finish(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_retries_empty_ext_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_gives_up_after_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_legacy_ext_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_button_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_control_a_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_props_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_liveview_fetch_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_liveview_fetch_not_ready, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
