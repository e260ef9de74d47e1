/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Default options, and the identity snapshot's copy/finish/merge helpers.
 */
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

void camera_options_default(struct camera_options *o)
{
	memset(o, 0, sizeof(*o));
	o->fps_limit = 0;
	o->exit_on_disconnect = false;
	o->usb_timeout_ms = CAMERA_TIMEOUT_DEFAULT_MS;
}

void camera_info_finish(struct camera_info *ci)
{
	if (!ci)
		return;
	ptp_u16_list_finish(&ci->operations);
	ptp_u16_list_finish(&ci->events);
	ptp_u16_list_finish(&ci->properties);
}

static int list_copy(struct ptp_u16_list *dst, const struct ptp_u16_list *src)
{
	dst->v = NULL;
	dst->n = 0;
	if (src->n == 0)
		return 0;
	dst->v = mem_alloc(src->n * sizeof(*dst->v));
	if (!dst->v)
		return ALPHAFS_ERR_NOMEM;
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	dst->n = src->n;
	return 0;
}

int camera_info_copy(struct camera_info *dst, const struct camera_info *src)
{
	*dst = *src;
	dst->operations = (struct ptp_u16_list){ 0 };
	dst->events = (struct ptp_u16_list){ 0 };
	dst->properties = (struct ptp_u16_list){ 0 };
	if (list_copy(&dst->operations, &src->operations) < 0 ||
	    list_copy(&dst->events, &src->events) < 0 ||
	    list_copy(&dst->properties, &src->properties) < 0) {
		camera_info_finish(dst);
		return ALPHAFS_ERR_NOMEM;
	}
	return 0;
}

/* Appends the codes of add that l lacks (libgphoto2 appends the 0x9202
 * lists to DeviceInfo's, dossier §3.3; we skip duplicates). */
int camera_list_merge(struct ptp_u16_list *l, const struct ptp_u16_list *add)
{
	uint16_t *v;
	uint32_t n = l->n;

	if (add->n == 0)
		return 0;
	if (add->n > PTP_ARRAY_MAX || l->n > PTP_ARRAY_MAX)
		return ALPHAFS_ERR_TOO_BIG;
	v = mem_realloc(l->v, ((size_t)l->n + add->n) * sizeof(*v));
	if (!v)
		return ALPHAFS_ERR_NOMEM;
	for (uint32_t i = 0; i < add->n; i++) {
		bool seen = false;

		for (uint32_t j = 0; j < n && !seen; j++)
			seen = v[j] == add->v[i];
		if (!seen)
			v[n++] = add->v[i];
	}
	l->v = v;
	l->n = n;
	return 0;
}
