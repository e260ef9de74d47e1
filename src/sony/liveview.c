/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The live-view dataset at object handle 0xFFFFC002 (dossier §4.3): a
 * 16-byte header (JPEG offset, JPEG size, focal-frame offset and size),
 * a reserved area, the JPEG, optionally focal-frame data.
 *
 * The offset field is authoritative: the reserved area may hold a stray
 * FF D8 (A7R II, gp#389), so the JPEG is never found by scanning. All
 * bounds are in subtraction form; libgphoto2's `offset + 1 < size` wraps
 * for offset 0xFFFFFFFF (dossier §4.4), this code cannot.
 *
 * The size field may run past the JPEG: a recorded DSC-RX100M7 frame
 * declares 0x9780 bytes for a JPEG that ends 15 bytes earlier, and every
 * size in that recording is a multiple of 128 (dossier §4.3). So the EOI
 * is the last FF D9 within the declared size's final SONY_LV_PAD_MAX + 2
 * bytes (FF D9 cannot occur inside entropy-coded data: an FF there is
 * always stuffed or a restart marker), the frame is SOI..EOI only, and the
 * bytes after it are counted as padding. No FF D9 in that tail is a
 * truncated JPEG (NO_EOI), as before.
 */
#include <string.h>

#include "sony/sony.h"

/* Returns true when [off, off + size) lies inside [0, len). */
static bool span_inside(size_t len, uint32_t off, uint32_t size)
{
	return off <= len && size <= len - off;
}

/* Length of the JPEG at p: up to and including the last FF D9 among the
 * final SONY_LV_PAD_MAX + 2 bytes of size, or 0 when there is none. */
static size_t jpeg_end(const uint8_t *p, size_t size)
{
	size_t floor = size > SONY_LV_PAD_MAX + 2 ? size - SONY_LV_PAD_MAX - 2 : 0;

	for (size_t end = size; end - floor >= 2; end--)
		if (p[end - 2] == 0xFF && p[end - 1] == 0xD9)
			return end;
	return 0;
}

static int reject(int *out, enum frame_reject why)
{
	if (out)
		*out = (int)why;
	return ALPHAFS_ERR_REJECTED;
}

int sony_liveview_parse(const uint8_t *buf, size_t len,
			struct sony_liveview *out, int *reject_out)
{
	const uint8_t *jpeg;
	struct rd r;
	size_t end;
	int why;

	memset(out, 0, sizeof(*out));
	rd_init(&r, buf, len);
	out->image_offset = rd_u32le(&r);
	out->image_size = rd_u32le(&r);
	out->focal_offset = rd_u32le(&r);
	out->focal_size = rd_u32le(&r);
	if (!rd_ok(&r))
		return reject(reject_out, FRAME_REJECT_HEADER);
	if (out->image_offset > len)
		return reject(reject_out, FRAME_REJECT_OFFSET);
	if (out->image_size > len - out->image_offset)
		return reject(reject_out, FRAME_REJECT_SIZE);
	/* "No frame" datasets carry size 0 (dossier §4.2). */
	if (out->image_size < FRAME_JPEG_MIN)
		return reject(reject_out, FRAME_REJECT_EMPTY);
	/* A JPEG overlapping the header is an inconsistent offset. */
	if (out->image_offset < SONY_LV_HEADER_SIZE)
		return reject(reject_out, FRAME_REJECT_OFFSET);
	jpeg = buf + out->image_offset;
	if (out->image_size > FRAME_MAX_BYTES)
		return reject(reject_out, FRAME_REJECT_TOO_BIG);
	if (jpeg[0] != 0xFF || jpeg[1] != 0xD8)
		return reject(reject_out, FRAME_REJECT_NO_SOI);
	end = jpeg_end(jpeg, out->image_size);
	if (end == 0)
		return reject(reject_out, FRAME_REJECT_NO_EOI);
	why = frame_jpeg_check(jpeg, end);
	if (why >= 0)
		return reject(reject_out, (enum frame_reject)why);
	out->jpeg = jpeg;
	out->jpeg_len = end;
	out->padding = out->image_size - out->jpeg_len;
	/* Focal-frame data is optional and not needed for the picture. */
	if (out->focal_size > 0 &&
	    span_inside(len, out->focal_offset, out->focal_size)) {
		out->focal = buf + out->focal_offset;
		out->focal_len = out->focal_size;
	}
	return 0;
}

/*
 * An offset below the header size leaves no reserved area; the field is
 * still written as given so tests can build inconsistent datasets.
 */
void sony_liveview_write(struct buf *b, uint32_t offset,
			 const uint8_t *reserved, const uint8_t *jpeg,
			 size_t jpeg_len)
{
	size_t gap = offset > SONY_LV_HEADER_SIZE ? offset - SONY_LV_HEADER_SIZE : 0;
	uint8_t *p;

	buf_put_u32le(b, offset);
	buf_put_u32le(b, (uint32_t)jpeg_len);
	buf_put_u32le(b, 0);
	buf_put_u32le(b, 0);
	if (gap > 0) {
		p = buf_grow(b, gap);
		if (p && reserved)
			memcpy(p, reserved, gap);
		else if (p)
			memset(p, 0, gap);
	}
	buf_put(b, jpeg, jpeg_len);
}

/* OK: parse and check; the data phase becomes the frame's storage. */
static int take_frame(struct ptp_response *resp, struct sony_lv_result *out)
{
	struct sony_liveview lv;
	int why = -1;
	int rc;

	rc = sony_liveview_parse(resp->data, resp->data_len, &lv, &why);
	if (rc < 0) {
		out->reject = why;
		return rc;
	}
	out->padding = lv.padding;
	out->frame = frame_create_take(resp->data, lv.jpeg, lv.jpeg_len, &why);
	resp->data = NULL; /* owned (or already freed) by the frame now */
	resp->data_len = 0;
	resp->data_cap = 0;
	if (out->frame) {
		/* In the same buffer as the JPEG, which the frame owns. */
		out->frame->focus = lv.focal;
		out->frame->focus_len = lv.focal_len;
		return 0;
	}
	if (why < 0)
		return ALPHAFS_ERR_NOMEM;
	out->reject = why;
	return ALPHAFS_ERR_REJECTED;
}

int sony_liveview_fetch(struct ptp_session *s, struct sony_lv_result *out)
{
	struct ptp_response resp;
	int rc;

	memset(out, 0, sizeof(*out));
	out->reject = -1;
	rc = ptp_get_object(s, SONY_HANDLE_LIVEVIEW, &resp);
	if (rc == 0) {
		rc = take_frame(&resp, out);
	} else if (rc == ALPHAFS_ERR_PTP_RESPONSE) {
		/* AccessDenied is flow control: "no new frame yet"
		 * (dossier §4.2, §7.3). Any data that came is discarded. */
		out->rc = resp.code;
		if (resp.code == PTP_RC_ACCESS_DENIED)
			rc = ALPHAFS_ERR_AGAIN;
	} else if (rc == ALPHAFS_ERR_TRUNCATED) {
		/* The data phase was cut short on the wire: a torn frame,
		 * counted like the others (the engine marks s->desynced
		 * when the pipe needs a reset). */
		out->reject = FRAME_REJECT_TRANSFER;
		rc = ALPHAFS_ERR_REJECTED;
	}
	ptp_response_finish(&resp);
	return rc;
}
