/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Camera sources as the user writes them ("usb:001,004", "serial=...",
 * "emulate", or nothing for the first camera), default options, and the
 * identity snapshot's copy/finish helpers.
 */
#include <stdio.h>
#include <string.h>

#include "camera/camera_internal.h"

#define USB_BUS_MAX 255
#define USB_DEV_MAX 127 /* Linux device numbers; gphoto2's port syntax */
#define DECIMAL_DIGITS_MAX 3
#define PREFIX_USB "usb:"
#define PREFIX_SERIAL "serial="
#define WORD_EMULATE "emulate"

/* Parses 1-3 decimal digits (leading zeros allowed) in [1, max]; advances
 * *p past them. */
static bool parse_num(const char **p, unsigned max, uint8_t *out)
{
	unsigned v = 0, n = 0;

	while (**p >= '0' && **p <= '9' && n < DECIMAL_DIGITS_MAX) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0 || v == 0 || v > max || (**p >= '0' && **p <= '9'))
		return false;
	*out = (uint8_t)v;
	return true;
}

static int parse_usb(const char *p, struct camera_source *out, char *err,
		     size_t cap)
{
	if (!parse_num(&p, USB_BUS_MAX, &out->bus) || *p++ != ',' ||
	    !parse_num(&p, USB_DEV_MAX, &out->dev) || *p != '\0') {
		snprintf(err, cap,
			 "bad USB port: expected usb:BUS,DEV as alphafs-list prints it (e.g. usb:001,004)");
		return ALPHAFS_ERR_INVALID;
	}
	out->kind = CAMERA_SOURCE_USB;
	return 0;
}

static int parse_serial(const char *p, struct camera_source *out, char *err,
			size_t cap)
{
	size_t n = strlen(p);

	if (n == 0 || n >= sizeof(out->serial)) {
		snprintf(err, cap, "bad serial: expected serial=NUMBER (1 to %zu characters)",
			 sizeof(out->serial) - 1);
		return ALPHAFS_ERR_INVALID;
	}
	memcpy(out->serial, p, n + 1);
	out->kind = CAMERA_SOURCE_SERIAL;
	return 0;
}

int camera_source_parse(const char *text, struct camera_source *out,
			char *err, size_t cap)
{
	char dummy[1];

	memset(out, 0, sizeof(*out));
	emu_config_default(&out->emu);
	if (!err || cap == 0) {
		err = dummy;
		cap = sizeof(dummy);
	}
	err[0] = '\0';
	if (!text || text[0] == '\0') {
		out->kind = CAMERA_SOURCE_FIRST;
		return 0;
	}
	if (strncmp(text, PREFIX_USB, strlen(PREFIX_USB)) == 0)
		return parse_usb(text + strlen(PREFIX_USB), out, err, cap);
	if (strncmp(text, PREFIX_SERIAL, strlen(PREFIX_SERIAL)) == 0)
		return parse_serial(text + strlen(PREFIX_SERIAL), out, err, cap);
	if (strcmp(text, WORD_EMULATE) == 0) {
		out->kind = CAMERA_SOURCE_EMULATE;
		return 0;
	}
	snprintf(err, cap, "unknown camera source \"%.40s\": use usb:BUS,DEV, serial=NUMBER or emulate",
		 text);
	return ALPHAFS_ERR_INVALID;
}

void camera_options_default(struct camera_options *o)
{
	memset(o, 0, sizeof(*o));
	o->fps_limit = 0;
	o->reconnect_timeout_s = 10;
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
