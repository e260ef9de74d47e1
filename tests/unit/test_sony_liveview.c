/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sony: the live-view dataset at 0xFFFFC002 (dossier §4.3). The JPEG is
 * found by the offset field only, and accepted only when whole; hostile
 * offsets and sizes are rejected with a reason, never wrapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sony/sony.h"

static const uint8_t jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x11, 0x22,
				0xFF, 0xD9 };
#define LV_OFFSET 0x80

/* A dataset as the emulator writes it: header, zero reserved area, JPEG. */
static void build(struct buf *b, uint32_t offset, const uint8_t *reserved)
{
	buf_init(b, 1u << 20);
	sony_liveview_write(b, offset, reserved, jpeg, sizeof(jpeg));
	assert_int_equal(buf_status(b), 0);
}

static int parse(const struct buf *b, size_t len, struct sony_liveview *lv)
{
	int why = -1;
	int rc = sony_liveview_parse(b->data, len, lv, &why);

	if (rc == 0)
		return -1;
	assert_int_equal(rc, ALPHAFS_ERR_REJECTED);
	assert_true(why >= 0 && why < FRAME_REJECT_COUNT);
	return why;
}

static void test_write_layout(void **state)
{
	struct buf b;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	assert_int_equal(b.len, LV_OFFSET + sizeof(jpeg));
	assert_int_equal(get_u32le(b.data), LV_OFFSET);
	assert_int_equal(get_u32le(b.data + 4), sizeof(jpeg));
	assert_int_equal(get_u32le(b.data + 8), 0);
	assert_int_equal(get_u32le(b.data + 12), 0);
	for (size_t i = SONY_LV_HEADER_SIZE; i < LV_OFFSET; i++)
		assert_int_equal(b.data[i], 0);
	assert_memory_equal(b.data + LV_OFFSET, jpeg, sizeof(jpeg));
	buf_finish(&b);
}

static void test_parse_whole(void **state)
{
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_ptr_equal(lv.jpeg, b.data + LV_OFFSET);
	assert_int_equal(lv.jpeg_len, sizeof(jpeg));
	assert_int_equal(lv.image_offset, LV_OFFSET);
	assert_null(lv.focal);
	buf_finish(&b);
	/* The smallest layout: JPEG right after the header. */
	build(&b, SONY_LV_HEADER_SIZE, NULL);
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_ptr_equal(lv.jpeg, b.data + SONY_LV_HEADER_SIZE);
	buf_finish(&b);
}

static void test_stray_soi_in_reserved(void **state)
{
	uint8_t reserved[LV_OFFSET - SONY_LV_HEADER_SIZE];
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	/* FF D8 ... FF D9 in the reserved area (A7R II, gp#389): the offset
	 * field wins, no scan. */
	memset(reserved, 0, sizeof(reserved));
	reserved[4] = 0xFF;
	reserved[5] = 0xD8;
	reserved[20] = 0xFF;
	reserved[21] = 0xD9;
	build(&b, LV_OFFSET, reserved);
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_ptr_equal(lv.jpeg, b.data + LV_OFFSET);
	assert_int_equal(lv.jpeg_len, sizeof(jpeg));
	/* With the offset pointing at the stray SOI, the size does not end
	 * at an EOI: rejected. */
	put_u32le(b.data, SONY_LV_HEADER_SIZE + 4);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_NO_EOI);
	buf_finish(&b);
}

static void test_hostile_offsets(void **state)
{
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	/* The libgphoto2 wrap: offset 0xFFFFFFFF, "offset + 1 < size". */
	put_u32le(b.data, 0xFFFFFFFFu);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_OFFSET);
	put_u32le(b.data, 0xFFFFFFFEu);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_OFFSET);
	put_u32le(b.data, (uint32_t)b.len + 1);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_OFFSET);
	/* offset == len: only a zero size fits, which is no frame. */
	put_u32le(b.data, (uint32_t)b.len);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_SIZE);
	put_u32le(b.data + 4, 0);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_EMPTY);
	/* An offset inside the header. */
	put_u32le(b.data, 4);
	put_u32le(b.data + 4, sizeof(jpeg));
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_OFFSET);
	buf_finish(&b);
}

static void test_hostile_sizes(void **state)
{
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	put_u32le(b.data + 4, 0xFFFFFFFFu);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_SIZE);
	put_u32le(b.data + 4, sizeof(jpeg) + 1);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_SIZE);
	/* One byte short: the JPEG does not end at its EOI. */
	put_u32le(b.data + 4, sizeof(jpeg) - 1);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_NO_EOI);
	put_u32le(b.data + 4, 0);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_EMPTY);
	put_u32le(b.data + 4, 3);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_EMPTY);
	buf_finish(&b);
}

static void test_no_frame_dataset(void **state)
{
	const uint8_t zeros[SONY_LV_HEADER_SIZE] = { 0 };
	struct sony_liveview lv;
	int why = -1;

	(void)state;
	/* The 16 zero bytes of a "no frame" reply (dossier §4.2). */
	assert_int_equal(sony_liveview_parse(zeros, sizeof(zeros), &lv, &why),
			 ALPHAFS_ERR_REJECTED);
	assert_int_equal(why, FRAME_REJECT_EMPTY);
	assert_int_equal(sony_liveview_parse(NULL, 0, &lv, &why),
			 ALPHAFS_ERR_REJECTED);
	assert_int_equal(why, FRAME_REJECT_HEADER);
	/* A NULL reason pointer is allowed. */
	assert_int_equal(sony_liveview_parse(zeros, 3, &lv, NULL),
			 ALPHAFS_ERR_REJECTED);
}

static void test_every_prefix(void **state)
{
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	for (size_t n = 0; n < b.len; n++) {
		int why = parse(&b, n, &lv);

		if (n < SONY_LV_HEADER_SIZE)
			assert_int_equal(why, FRAME_REJECT_HEADER);
		else if (n < LV_OFFSET)
			assert_int_equal(why, FRAME_REJECT_OFFSET);
		else
			assert_int_equal(why, FRAME_REJECT_SIZE);
	}
	assert_int_equal(parse(&b, b.len, &lv), -1);
	buf_finish(&b);
}

static void test_no_soi(void **state)
{
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	b.data[LV_OFFSET + 1] = 0xD9;
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_NO_SOI);
	buf_finish(&b);
}

static void test_focal_frame(void **state)
{
	const uint8_t focal[6] = { 1, 2, 3, 4, 5, 6 };
	struct sony_liveview lv;
	struct buf b;
	size_t foff;

	(void)state;
	build(&b, LV_OFFSET, NULL);
	foff = b.len;
	buf_put(&b, focal, sizeof(focal));
	put_u32le(b.data + 8, (uint32_t)foff);
	put_u32le(b.data + 12, sizeof(focal));
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_ptr_equal(lv.focal, b.data + foff);
	assert_int_equal(lv.focal_len, sizeof(focal));
	assert_int_equal(lv.jpeg_len, sizeof(jpeg));
	/* Out of range focal data is ignored, not a rejection. */
	put_u32le(b.data + 8, 0xFFFFFFFFu);
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_null(lv.focal);
	put_u32le(b.data + 8, (uint32_t)foff);
	put_u32le(b.data + 12, 0xFFFFFFFFu);
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_null(lv.focal);
	buf_finish(&b);
}

static void test_write_short_offset(void **state)
{
	struct buf b;

	(void)state;
	/* An offset below 16 is written as given, with no reserved area. */
	build(&b, 4, NULL);
	assert_int_equal(b.len, SONY_LV_HEADER_SIZE + sizeof(jpeg));
	assert_int_equal(get_u32le(b.data), 4);
	buf_finish(&b);
}

/* ---- focus-frame block -------------------------------------------------- */

static const struct sony_focus_frame af_frames[] = {
	{ .type = 3, .state = 2, .priority = 1, .x = 512, .y = 400,
	  .width = 60, .height = 40 },
	{ .type = 0x20, .state = 9, .priority = 2, .x = 7, .y = 8,
	  .width = 9, .height = 10 },
};
static const struct sony_focus_frame face_frames[] = {
	{ .type = 2, .state = 1, .selection = 2, .priority = 3, .x = 100,
	  .y = 200, .width = 30, .height = 31 },
};

static void build_focus(struct buf *b, uint16_t version, uint16_t naf,
			uint16_t nface)
{
	struct sony_focus_section sec[SONY_FOCUS_KINDS] = {
		{ .x_den = 1024, .y_den = 768, .count = naf },
		{ .x_den = 640, .y_den = 480, .count = nface },
		{ .x_den = 1, .y_den = 1, .count = 0 },
	};
	const struct sony_focus_frame *frames[SONY_FOCUS_KINDS] = {
		af_frames, face_frames, NULL,
	};

	buf_init(b, 4096);
	sony_focus_write(b, version, sec, frames);
	assert_int_equal(buf_status(b), 0);
}

static void test_focus_block_1_00(void **state)
{
	struct sony_focus fo;
	struct sony_focus_frame f;
	struct buf b, j;

	(void)state;
	build_focus(&b, 100, 2, 0);
	/* 8 + 32 + a 16-byte empty reserved array + 16 + 2 x 24: the size
	 * of the one block seen from a real body (120 bytes, RX100M7). */
	assert_int_equal(b.len, 120);
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), 0);
	assert_int_equal(fo.version, 100);
	assert_true(fo.s[SONY_FOCUS_AF].present);
	assert_false(fo.s[SONY_FOCUS_FACE].present);
	assert_int_equal(fo.s[SONY_FOCUS_AF].count, 2);
	assert_int_equal(fo.s[SONY_FOCUS_AF].x_den, 1024);
	assert_int_equal(fo.trailing, 0);
	assert_int_equal(sony_focus_frame_at(b.data, b.len, &fo.s[0], 0,
					     SONY_FOCUS_AF, &f), 0);
	assert_int_equal(f.type, 3);
	assert_int_equal(f.state, 2);
	assert_int_equal(f.x, 512);
	assert_int_equal(f.height, 40);
	assert_int_equal(sony_focus_frame_at(b.data, b.len, &fo.s[0], 2,
					     SONY_FOCUS_AF, &f),
			 ALPHAFS_ERR_INVALID);
	buf_init(&j, 4096);
	assert_int_equal(sony_focus_json(b.data, b.len, &j), 0);
	buf_put_u8(&j, 0);
	assert_string_equal((char *)j.data,
		"{\"layout\": \"FocalFrameInfo\", \"version\": \"1.00\", "
		"\"af\": {\"x_denominator\": 1024, \"y_denominator\": 768, "
		"\"frames\": [{\"type_code\": 3, \"type\": \"Wide\", "
		"\"state_code\": 2, \"state\": \"Focused\", \"priority\": 1, "
		"\"x\": 512, \"y\": 400, \"width\": 60, \"height\": 40}, "
		"{\"type_code\": 32, \"type\": null, \"state_code\": 9, "
		"\"state\": null, \"priority\": 2, \"x\": 7, \"y\": 8, "
		"\"width\": 9, \"height\": 10}]}, \"undecoded_bytes\": 0}");
	buf_finish(&j);
	/* Every shorter block lacks part of a declared section. */
	for (size_t n = 0; n < b.len; n++)
		assert_int_equal(sony_focus_parse(b.data, n, &fo),
				 ALPHAFS_ERR_MALFORMED);
	buf_finish(&b);
}

static void test_focus_block_faces_and_trailing(void **state)
{
	struct sony_focus fo;
	struct sony_focus_frame f;
	struct buf b, j;

	(void)state;
	build_focus(&b, 101, 1, 1);
	buf_put(&b, "\x01\x02\x03", 3); /* the 1.03 sections, say */
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), 0);
	assert_true(fo.s[SONY_FOCUS_FACE].present);
	assert_true(fo.s[SONY_FOCUS_TRACKING].present);
	assert_int_equal(fo.s[SONY_FOCUS_TRACKING].count, 0);
	assert_int_equal(fo.trailing, 3);
	assert_int_equal(sony_focus_frame_at(b.data, b.len, &fo.s[1], 0,
					     SONY_FOCUS_FACE, &f), 0);
	assert_int_equal(f.type, 2);
	assert_int_equal(f.selection, 2);
	assert_int_equal(f.priority, 3);
	assert_int_equal(f.width, 30);
	buf_init(&j, 4096);
	assert_int_equal(sony_focus_json(b.data, b.len, &j), 0);
	buf_put_u8(&j, 0);
	assert_non_null(strstr((char *)j.data,
		"\"face\": {\"x_denominator\": 640, \"y_denominator\": 480, "
		"\"frames\": [{\"type_code\": 2, \"type\": \"AF_TargetFace\", "
		"\"state_code\": 1, \"state\": \"NotFocused\", "
		"\"selected\": true, \"priority\": 3"));
	assert_non_null(strstr((char *)j.data, "\"tracking\": {"));
	assert_non_null(strstr((char *)j.data, "\"undecoded_bytes\": 3}"));
	buf_finish(&j);
	buf_finish(&b);
}

static void test_focus_block_other_layouts(void **state)
{
	uint8_t junk[105];
	struct sony_focus fo;
	struct buf b, j;

	(void)state;
	/* bytes in no known layout (the emulator's opaque blocks) */
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	assert_int_equal(sony_focus_parse(junk, sizeof(junk), &fo),
			 ALPHAFS_ERR_MALFORMED);
	buf_init(&j, 64);
	assert_int_equal(sony_focus_json(junk, sizeof(junk), &j),
			 ALPHAFS_ERR_MALFORMED);
	assert_int_equal(j.len, 0);
	buf_finish(&j);
	/* versions outside 1.00..1.99 */
	build_focus(&b, 99, 0, 0);
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), ALPHAFS_ERR_MALFORMED);
	put_u16le(b.data, 200);
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), ALPHAFS_ERR_MALFORMED);
	put_u16le(b.data, 100);
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), 0);
	/* a count far past the end, in the reserved array and in AF */
	put_u16le(b.data + 48, 0xFFFF);
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), ALPHAFS_ERR_MALFORMED);
	put_u16le(b.data + 48, 0);
	put_u16le(b.data + 64, 0xFFFF);
	assert_int_equal(sony_focus_parse(b.data, b.len, &fo), ALPHAFS_ERR_MALFORMED);
	assert_int_equal(sony_focus_parse(NULL, 0, &fo), ALPHAFS_ERR_MALFORMED);
	buf_finish(&b);
}

/* The dataset of build() with pad bytes of value fill declared after the
 * JPEG's EOI (the size field covers them). */
static void build_padded(struct buf *b, size_t pad, uint8_t fill)
{
	uint8_t *p;

	build(b, LV_OFFSET, NULL);
	p = buf_grow(b, pad);
	assert_non_null(p);
	memset(p, fill, pad);
	put_u32le(b->data + 4, (uint32_t)(sizeof(jpeg) + pad));
}

/* A recorded RX100M7 frame declares 15 bytes after its EOI, sizes are
 * multiples of 128 (dossier §4.3): the JPEG is SOI..EOI, the rest is
 * padding, whatever its bytes, up to SONY_LV_PAD_MAX. */
static void test_size_padding(void **state)
{
	static const size_t pads[] = { 1, 15, 127, 300, SONY_LV_PAD_MAX };
	static const uint8_t fills[] = { 0x00, 0xFF, 0xD9, 0x55 };
	struct sony_liveview lv;
	struct buf b;

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(pads); i++) {
		for (size_t k = 0; k < ARRAY_LEN(fills); k++) {
			build_padded(&b, pads[i], fills[k]);
			assert_int_equal(parse(&b, b.len, &lv), -1);
			assert_ptr_equal(lv.jpeg, b.data + LV_OFFSET);
			assert_int_equal(lv.jpeg_len, sizeof(jpeg));
			assert_int_equal(lv.padding, pads[i]);
			assert_int_equal(lv.image_size, sizeof(jpeg) + pads[i]);
			buf_finish(&b);
		}
	}
	/* An EOI further back than the bound: a JPEG cut short. */
	build_padded(&b, SONY_LV_PAD_MAX + 1, 0);
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_NO_EOI);
	assert_null(lv.jpeg);
	buf_finish(&b);
	/* The last FF D9 in the tail ends the JPEG: padding never holds one
	 * (a second FF D9 makes the bytes before it part of the JPEG). */
	build_padded(&b, 8, 0);
	b.data[b.len - 4] = 0xFF;
	b.data[b.len - 3] = 0xD9;
	assert_int_equal(parse(&b, b.len, &lv), -1);
	assert_int_equal(lv.jpeg_len, sizeof(jpeg) + 6);
	assert_int_equal(lv.padding, 2);
	buf_finish(&b);
	/* Padding after a JPEG without EOI is still a truncated JPEG. */
	build_padded(&b, 15, 0);
	b.data[LV_OFFSET + sizeof(jpeg) - 1] = 0x00;
	assert_int_equal(parse(&b, b.len, &lv), FRAME_REJECT_NO_EOI);
	buf_finish(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_parse_whole),
		cmocka_unit_test(test_stray_soi_in_reserved),
		cmocka_unit_test(test_hostile_offsets),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_no_frame_dataset),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_no_soi),
		cmocka_unit_test(test_focal_frame),
		cmocka_unit_test(test_write_short_offset),
		cmocka_unit_test(test_size_padding),
		cmocka_unit_test(test_focus_block_1_00),
		cmocka_unit_test(test_focus_block_faces_and_trailing),
		cmocka_unit_test(test_focus_block_other_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
