/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Immutable reference-counted frames. The JPEG bytes usually stay in the
 * PTP data-phase buffer they arrived in (frame_create_take), so a frame
 * reaches readers without a copy.
 */
#include <string.h>

#include "frame/frame.h"
#include "util/util.h"

struct frame *frame_create_take(void *owner, const uint8_t *jpeg, size_t len,
				int *reject)
{
	struct frame *f;
	unsigned w, h;
	int why = frame_jpeg_check(jpeg, len);

	if (why >= 0) {
		mem_free(owner);
		if (reject)
			*reject = why;
		return NULL;
	}
	f = mem_alloc(sizeof(*f));
	if (!f) {
		mem_free(owner);
		if (reject)
			*reject = -1;
		return NULL;
	}
	atomic_init(&f->refs, 1);
	f->seq = 0;
	f->mono_ns = clock_now_ns();
	f->wall_ns = clock_wall_ns();
	f->jpeg = jpeg;
	f->len = len;
	f->owner = owner;
	f->width = f->height = 0;
	f->focus = NULL;
	f->focus_len = 0;
	f->interval_ns = 0;
	f->late = f->repeated = false;
	/* Once here, so no reader parses the JPEG again. The SOF's 16-bit
	 * fields always fit. */
	if (frame_jpeg_size(jpeg, len, &w, &h) == 0) {
		f->width = (uint16_t)w;
		f->height = (uint16_t)h;
	}
	return f;
}

struct frame *frame_create_copy(const uint8_t *jpeg, size_t len, int *reject)
{
	uint8_t *copy;
	int why = frame_jpeg_check(jpeg, len);

	/* Check before allocating: len may be hostile. */
	if (why >= 0) {
		if (reject)
			*reject = why;
		return NULL;
	}
	copy = mem_alloc(len);
	if (!copy) {
		if (reject)
			*reject = -1;
		return NULL;
	}
	memcpy(copy, jpeg, len);
	return frame_create_take(copy, copy, len, reject);
}

struct frame *frame_ref(struct frame *f)
{
	if (f)
		atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
	return f;
}

/* acq_rel: every holder's reads of the bytes happen before the free. */
void frame_unref(struct frame *f)
{
	if (!f)
		return;
	if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1)
		return;
	mem_free(f->owner);
	mem_free(f);
}
