/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * alphafs-list: the cameras alphafs can use, one per line, and when there
 * is none, why (no USB device, no permission, wrong USB mode).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "tools/tools.h"
#include "usb/usb.h"

#define EXIT_FOUND 0
#define EXIT_NONE 1
#define EXIT_USAGE 2

/* One table drives getopt_long and --help. */
static const struct tool_opt opt_defs[] = {
	{ "help", no_argument, 'h', NULL, "show this help and exit" },
	{ "version", no_argument, 'V', NULL, "show the version and exit" },
};

static void usage(FILE *f)
{
	tool_help(f,
		  "Usage: alphafs-list [OPTION]...\n"
		  "List the PTP cameras on USB that alphafs can use "
		  "(Sony bodies first).\n\n",
		  opt_defs, ARRAY_LEN(opt_defs),
		  "\nEach line: PORT VID:PID MANUFACTURER MODEL serial "
		  "SERIAL MODE.\nExit status: 0 when a usable camera is "
		  "found, 1 when none is, 2 on usage errors.\n");
}

static bool usable(const struct usb_camera_desc *c)
{
	return c->open_err == 0 && (c->mode == USB_MODE_PC_REMOTE ||
				    c->mode == USB_MODE_PTP_OTHER);
}

static void print_camera(const struct usb_camera_desc *c)
{
	char port[16];

	usb_port_name(c->bus, c->dev, port, sizeof(port));
	printf("%s  %04x:%04x  %s %s  serial %s  %s", port, c->vendor,
	       c->product, c->manufacturer[0] ? c->manufacturer : "?",
	       c->product_name[0] ? c->product_name : "?",
	       c->serial[0] ? c->serial : "?", usb_mode_name(c->mode));
	if (c->open_err)
		printf("  (cannot open: %s)", alphafs_strerror(c->open_err));
	printf("\n");
}

/* Says why nothing usable was found, most specific reason first. */
static void explain(const struct usb_camera_desc *list, size_t n,
		    int total)
{
	for (size_t i = 0; i < n; i++) {
		if (list[i].open_err == ALPHAFS_ERR_ACCESS) {
			fprintf(stderr,
				"alphafs-list: no permission on "
				"/dev/bus/usb/%03u/%03u: add a udev rule "
				"(SUBSYSTEM==\"usb\", ATTR{idVendor}==\"054c\", "
				"MODE=\"0660\", GROUP=\"plugdev\") and join "
				"that group, or run as root\n",
				list[i].bus, list[i].dev);
			return;
		}
	}
	if (n > 0) {
		fprintf(stderr, "alphafs-list: the Sony camera is not in PC "
				"Remote mode: on the camera set Menu > Setup > "
				"USB Connection to PC Remote, then reconnect\n");
		return;
	}
	if (total <= 0)
		fprintf(stderr, "alphafs-list: no USB device at all: nothing "
				"is connected, or this system gives no access "
				"to USB (/dev/bus/usb)\n");
	else
		fprintf(stderr, "alphafs-list: %d USB device(s), none is a "
				"camera: connect the camera, switch it on and "
				"set USB Connection to PC Remote\n",
			total);
}

static int parse_args(int argc, char **argv)
{
	struct tool_getopt g;
	int c;

	tool_getopt_init(&g, opt_defs, ARRAY_LEN(opt_defs), "");
	while ((c = tool_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_FOUND;
		case 'V':
			tool_print_version("alphafs-list");
			return EXIT_FOUND;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "alphafs-list: unexpected argument '%s'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct usb_camera_desc *list = NULL;
	struct err_detail err = { 0 };
	char msg[ERR_DETAIL_MAX + 64];
	size_t n = 0, found = 0;
	int r = parse_args(argc, argv);

	if (r >= 0)
		return r;
	log_init();
	if (usb_camera_list(NULL, &list, &n, &err) < 0) {
		err_format(&err, msg, sizeof(msg));
		fprintf(stderr, "alphafs-list: %s\n", msg);
		return EXIT_NONE;
	}
	for (size_t i = 0; i < n; i++) {
		print_camera(&list[i]);
		found += usable(&list[i]);
	}
	if (!found)
		explain(list, n, usb_device_count(NULL));
	mem_free(list);
	return found ? EXIT_FOUND : EXIT_NONE;
}
