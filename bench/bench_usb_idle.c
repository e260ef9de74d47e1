/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CPU burnt while a USB transfer waits, through the real libusb and the
 * emulated camera (umockdev's device fd always polls ready, so libusb
 * reaps in a loop). Run under the launcher, which prints its own share:
 *
 *   alphafs-emulator --stats [--busy-poll] -- bench_usb_idle [SECONDS]
 *
 * Prints the client's CPU time for an idle wait on the interrupt pipe
 * (no event comes) and for a bulk IN read that waits for a response that
 * never comes (timeout-at fault not needed: no command is sent).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "usb/usb.h"

#define DEFAULT_SECONDS 5
#define MS_PER_S 1000

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
	struct usb_selector sel = { .kind = USB_SELECT_FIRST };
	struct err_detail err = { 0 };
	struct ptp_transport *t = NULL;
	unsigned secs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10)
				 : DEFAULT_SECONDS;
	uint8_t b[512];
	size_t got;
	double c0, c1, c2;
	int r1, r2;

	log_init();
	if (secs == 0 || usb_transport_open(NULL, &sel, &t, &err) < 0) {
		fprintf(stderr, "bench_usb_idle: %s\n",
			secs ? err.msg : "bad SECONDS");
		return 1;
	}
	c0 = cpu_s();
	r1 = t->ops->event_in(t, b, sizeof(b), &got, secs * MS_PER_S);
	c1 = cpu_s();
	r2 = t->ops->bulk_in(t, b, sizeof(b), &got, secs * MS_PER_S);
	c2 = cpu_s();
	printf("client CPU, interrupt IN idle %u s (%s): %.3f s\n", secs,
	       alphafs_err_name(r1), c1 - c0);
	printf("client CPU, bulk IN waiting %u s (%s): %.3f s\n", secs,
	       alphafs_err_name(r2), c2 - c1);
	ptp_transport_destroy(t);
	return 0;
}
