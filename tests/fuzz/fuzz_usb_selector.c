/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the USB selector as the user writes SOURCE (usb:BUS,DEV,
 * serial=SERIAL, or nothing), the one parser of it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "usb/usb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer than any SOURCE a command line or fstab holds. */
#define TEXT_MAX 256

static void check_accepted(const char *text, const struct usb_selector *s)
{
	struct usb_selector again;
	char port[16];

	switch (s->kind) {
	case USB_SELECT_FIRST:
		if (text[0] != '\0')
			__builtin_trap();
		break;
	case USB_SELECT_PORT:
		/* In range, and the name alphafs-list prints parses back. */
		if (s->bus == 0 || s->dev == 0 || s->dev > 127)
			__builtin_trap();
		usb_port_name(s->bus, s->dev, port, sizeof(port));
		if (usb_selector_parse(port, &again, NULL, 0) != 0 ||
		    again.bus != s->bus || again.dev != s->dev)
			__builtin_trap();
		break;
	case USB_SELECT_SERIAL:
		if (s->serial[0] == '\0' ||
		    strcmp(text + strlen("serial="), s->serial) != 0)
			__builtin_trap();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[TEXT_MAX + 1], err[ERR_DETAIL_MAX];
	struct usb_selector s;
	static const struct usb_selector zero;

	if (size > TEXT_MAX)
		size = TEXT_MAX;
	memcpy(text, data, size);
	text[size] = '\0';
	if (usb_selector_parse(text, &s, err, sizeof(err)) == 0) {
		check_accepted(text, &s);
	} else if (memcmp(&s, &zero, sizeof(s)) != 0 || err[0] == '\0') {
		__builtin_trap(); /* refused: zeroed, and a reason given */
	}
	return 0;
}
