/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The thin libpcap reader: pcap and pcapng files (or a pcap stream on
 * stdin, as `dumpcap -w -` writes it), one record at a time, handed to the
 * pure record parser. libpcap does the file formats (and converts a usbmon
 * header written on a host of the other byte order); nothing else here
 * interprets bytes.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>
#include <unistd.h>

#include "pcap/capture.h"

#define PCAPNG_MAGIC 0x0A0D0D0Au
#define NS_PER_S 1000000000ull

static bool file_is_pcapng(const char *path)
{
	uint8_t magic[4];
	FILE *f = fopen(path, "rb");
	bool ng;

	if (!f)
		return false;
	ng = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	     get_u32le(magic) == PCAPNG_MAGIC;
	fclose(f);
	return ng;
}

static int read_all(pcap_t *pc, capture_event_fn *fn, void *arg,
		    struct capture_read_info *info, struct err_detail *err)
{
	struct capture_usb_event ev;
	struct pcap_pkthdr *h;
	const u_char *rec;
	uint64_t ts;
	int rc;

	info->link = pcap_datalink(pc);
	info->link_name = capture_link_name(info->link);
	if (!info->link_name)
		return err_set(err, ALPHAFS_ERR_UNSUPPORTED,
			       "link type %d (%s) is not a USB capture: capture on a usbmon interface (Linux) or with USBPcap (Windows)",
			       info->link,
			       pcap_datalink_val_to_name(info->link)
				       ? pcap_datalink_val_to_name(info->link)
				       : "unknown");
	while ((rc = pcap_next_ex(pc, &h, &rec)) == 1) {
		info->records++;
		ts = (uint64_t)h->ts.tv_sec * NS_PER_S + (uint64_t)h->ts.tv_usec;
		if (capture_usb_parse(info->link, rec, h->caplen, h->len, ts, &ev) < 0) {
			info->unreadable++;
			continue;
		}
		rc = fn(&ev, arg);
		if (rc < 0)
			return err_set(err, rc, "record %llu: %s",
				       (unsigned long long)info->records,
				       alphafs_strerror(rc));
	}
	if (rc == PCAP_ERROR)
		return err_set(err, ALPHAFS_ERR_MALFORMED, "after record %llu: %s",
			       (unsigned long long)info->records, pcap_geterr(pc));
	return 0;
}

int capture_read_stream(FILE *f, capture_event_fn *fn, void *arg,
		     struct capture_read_info *info, struct err_detail *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc;
	int rc;

	memset(info, 0, sizeof(*info));
	pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO,
						      ebuf);
	if (!pc) {
		fclose(f);
		return err_set(err, ALPHAFS_ERR_MALFORMED,
			       "not a pcap or pcapng capture: %s", ebuf);
	}
	rc = read_all(pc, fn, arg, info, err);
	pcap_close(pc); /* closes f */
	return rc;
}

int capture_read_file(const char *path, capture_event_fn *fn, void *arg,
		   struct capture_read_info *info, struct err_detail *err)
{
	FILE *f;
	bool ng = false;
	int rc;

	if (strcmp(path, "-") == 0) {
		f = fdopen(dup(fileno(stdin)), "rb");
	} else {
		ng = file_is_pcapng(path);
		f = fopen(path, "rb");
	}
	if (!f) {
		int e = errno;

		memset(info, 0, sizeof(*info));
		return err_set(err, e == ENOENT ? ALPHAFS_ERR_NOT_FOUND : ALPHAFS_ERR_IO,
			       "%s: %s", path, strerror(e));
	}
	rc = capture_read_stream(f, fn, arg, info, err);
	info->pcapng = ng;
	return rc;
}
