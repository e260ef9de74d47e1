/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * make_captures OUTDIR: records the emulated camera through the tap and
 * writes the test captures, each with what extraction must give:
 *
 *   usbmon.pcap      usbmon mmapped (220), pcap; 16 KiB reads; cut records,
 *                    whole URBs left out, JPEGs cut by the camera, a USB
 *                    stick on the same bus, junk
 *   usbmon.pcapng    usbmon mmapped (220), pcapng; 64 KiB reads, larger
 *                    frames; data phases ended early by the camera,
 *                    completions left out, denials
 *   usbmon189.pcap   usbmon (189), pcap; plain
 *   usbpcap.pcap     USBPcap (249), pcap; cut records, URBs left out,
 *                    JPEGs cut and data phases ended early by the camera,
 *                    the stick, junk
 *   snaplen.pcapng   usbmon.pcap's traffic captured with -s 4096
 *   tiny*.pcap*      each link type with 64x64 frames read 512 bytes at a
 *                    time, every kind of damage (also the fuzz seeds)
 *
 * NAME.expect lists, in order, each live-view frame extraction must
 * report ("frame N ok FILE" or "frame N dropped REASON") and the polls
 * answered without a frame ("denied N"); the whole frames, as the host
 * received them, are NAME.expect.d/NNNNNN.jpg.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capgen.h"
#include "pcap/capture.h"

#define SNAPLEN_SMALL 4096
/* Small frames read 512 bytes at a time: many transfers per container,
 * and records small enough for the fuzz seeds. */
#define TINY(name, link, fmt, rng)                                            \
	{ name, link, fmt, 0,                                                  \
	  { .faults = "truncate-every=4,short-every=5", .frames = 24,           \
	    .chunk = 512, .width = 256, .height = 128, .seed = rng,             \
	    .second_device = true, .garbage = true, .cut_every = 3,            \
	    .drop_every = 4 } }

struct spec {
	const char *name;
	int link;
	enum cap_format fmt;
	uint32_t snaplen;
	struct cap_scenario sc;
};

static int write_jpeg(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* With a snapshot length, a frame is cut when one of its records is. */
static const char *snaplen_drop(const struct cap_scenario *sc,
				const struct cap_poll *p, int link,
				uint32_t snaplen)
{
	size_t hdr = link == CAPTURE_LINK_USBPCAP ? CAPTURE_USBPCAP_HDR
			: link == CAPTURE_LINK_USB_LINUX ? CAPTURE_USBMON_HDR
							 : CAPTURE_USBMON_MMAPPED_HDR;

	for (size_t i = 0; snaplen && i < sc->log.n; i++) {
		const struct cap_event *e = &sc->log.v[i];

		if (e->tag == p->tag && e->kind == 'C' && e->data &&
		    e->dev == sc->dev && e->ep == 0x81 && hdr + e->data_len > snaplen)
			return "capture-truncated";
	}
	return NULL;
}

static int write_expect(const char *dir, const struct spec *s)
{
	char path[4096];
	unsigned index = 0, denied = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.expect.d", dir, s->name);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.expect", dir, s->name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "link %d\n", s->link);
	for (size_t i = 0; i < s->sc.n; i++) {
		const struct cap_poll *p = &s->sc.v[i];
		const char *drop;

		if (p->outcome == CAP_DENIED) {
			denied++;
			continue;
		}
		index++;
		drop = cap_expected_drop(p);
		if (!drop)
			drop = snaplen_drop(&s->sc, p, s->link, s->snaplen);
		if (drop) {
			fprintf(f, "frame %u dropped %s\n", index, drop);
			continue;
		}
		fprintf(f, "frame %u ok %06u.jpg\n", index, index);
		snprintf(path, sizeof(path), "%s/%s.expect.d/%06u.jpg", dir,
			 s->name, index);
		if (write_jpeg(path, p->jpeg, p->len) < 0) {
			fclose(f);
			return -1;
		}
	}
	fprintf(f, "denied %u\n", denied);
	return fclose(f);
}

static int make(const char *dir, struct spec *s)
{
	char path[4096];

	if (cap_scenario_run(&s->sc) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, s->name);
	if (cap_write(&s->sc.log, path, s->link, s->fmt, s->snaplen) < 0 ||
	    write_expect(dir, s) < 0) {
		fprintf(stderr, "make_captures: %s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("%s: %zu events, %zu polls\n", s->name, s->sc.log.n, s->sc.n);
	return 0;
}

int main(int argc, char **argv)
{
	struct spec specs[] = {
		{ "usbmon.pcap", CAPTURE_LINK_USB_LINUX_MMAPPED, CAP_PCAP, 0,
		  { .faults = "truncate-every=7", .frames = 33, .chunk = 16384,
		    .seed = 11, .second_device = true, .garbage = true,
		    .cut_every = 5, .drop_every = 6 } },
		{ "usbmon.pcapng", CAPTURE_LINK_USB_LINUX_MMAPPED, CAP_PCAPNG, 0,
		  { .faults = "short-every=6,not-ready=5", .frames = 30,
		    .chunk = 65536, .width = 1024, .height = 680, .seed = 22,
		    .drop_every = 5, .drop_completion_only = true } },
		{ "usbmon189.pcap", CAPTURE_LINK_USB_LINUX, CAP_PCAP, 0,
		  { .frames = 17, .chunk = 32768, .seed = 33 } },
		{ "usbpcap.pcap", CAPTURE_LINK_USBPCAP, CAP_PCAP, 0,
		  { .faults = "truncate-every=5,short-every=7", .frames = 33,
		    .chunk = 16384, .seed = 44, .second_device = true, .garbage = true,
		    .cut_every = 4, .drop_every = 5 } },
		{ "snaplen.pcapng", CAPTURE_LINK_USB_LINUX_MMAPPED, CAP_PCAPNG,
		  SNAPLEN_SMALL,
		  { .frames = 18, .chunk = 16384, .seed = 55 } },
		TINY("tiny189.pcap", CAPTURE_LINK_USB_LINUX, CAP_PCAP, 66),
		TINY("tiny220.pcapng", CAPTURE_LINK_USB_LINUX_MMAPPED, CAP_PCAPNG, 77),
		TINY("tiny249.pcap", CAPTURE_LINK_USBPCAP, CAP_PCAP, 88),
	};
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: make_captures OUTDIR\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		if (make(argv[1], &specs[i]) < 0)
			rc = 1;
		cap_scenario_finish(&specs[i].sc);
	}
	return rc;
}
