/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * alphafs-extract: whole live-view frames (and still JPEGs) out of a USB
 * capture of a Sony camera: usbmon (Linux) or USBPcap (Windows), pcap or
 * pcapng, or a pcap stream on stdin for live sniffing. Writes each whole
 * frame as it is found, then a summary: frames and sizes, frames dropped
 * by reason (each one with its numbers), devices seen, PTP operations
 * with counts, and whether the Sony handshake is in the capture.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alphafs-config.h"
#include "pcap/capture.h"
#include "sony/sony.h"
#include "tools/tools.h"
#include "util/util.h"

#define PROG "alphafs-extract"
#define NS_PER_S UINT64_C(1000000000)
#define NS_PER_US UINT64_C(1000)
#define SUMMARY_NAME "summary.txt"
/* The per-frame log kept for the summary (lines beyond are counted). */
#define FRAME_LOG_MAX (4u * 1024 * 1024)
#define DIR_SUFFIX ".frames"

/* One table drives getopt_long and --help. */
static const struct tool_opt opt_docs[] = {
	{ "output", required_argument, 'o', "DIR",
	  "frames and summary.txt go there (CAPTURE.frames)" },
	{ "device", required_argument, 'D', "BUS.DEV",
	  "follow this device (default: the first PTP camera)" },
	{ "dry-run", no_argument, 'n', NULL, "write no files; print the summary" },
	{ "quiet", no_argument, 'q', NULL, "do not print the summary" },
	{ "help", no_argument, 'h', NULL, "show this help and exit" },
	{ "version", no_argument, 'V', NULL, "show the version and exit" },
};

struct extract {
	const char *capture;
	char dir[PATH_MAX];
	bool dry_run, quiet;
	uint16_t bus, dev;
	uint64_t first_ts_ns;
	struct capture_reasm *reasm;
	struct capture_extract *x;
	struct buf log; /* the per-frame lines */
	uint64_t log_lines_lost;
	int write_error; /* errno of the first failed write */
};

static void usage(FILE *f)
{
	tool_help(f,
		  "Usage: " PROG " [OPTIONS] CAPTURE\n"
		  "Write the whole live-view frames (and still JPEGs) of a Sony camera found in\n"
		  "a USB capture: usbmon (Linux) or USBPcap (Windows), pcap or pcapng. CAPTURE\n"
		  "'-' reads a pcap stream from stdin (DIR: frames), as in\n"
		  "  dumpcap -i usbmon1 -s 0 -w - | " PROG " -\n\n",
		  opt_docs, ARRAY_LEN(opt_docs),
		  "\nFrames are DIR/frame-NNNNNN-SECONDS.jpg (order, then seconds since the\n"
		  "capture began); a frame that is not whole is never written: the summary\n"
		  "says why. Exit status: 0 read to the end, 1 capture or I/O error, 2 usage.\n");
}

/* "BUS.DEV", each 1..65535 / 1..255. */
static int parse_device(const char *s, uint16_t *bus, uint16_t *dev)
{
	unsigned long b, d;
	char *end;

	errno = 0;
	b = strtoul(s, &end, 10);
	if (errno || end == s || *end != '.' || b == 0 || b > UINT16_MAX ||
	    s[0] == '-')
		return -1;
	s = end + 1;
	d = strtoul(s, &end, 10);
	if (errno || end == s || *end || d == 0 || d > UINT8_MAX || s[0] == '-')
		return -1;
	*bus = (uint16_t)b;
	*dev = (uint16_t)d;
	return 0;
}

static int parse_args(int argc, char **argv, struct extract *e)
{
	struct tool_getopt g;
	const char *out = NULL;
	int c;

	tool_getopt_init(&g, opt_docs, ARRAY_LEN(opt_docs), "");
	while ((c = tool_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'D':
			if (parse_device(optarg, &e->bus, &e->dev) < 0) {
				fprintf(stderr, PROG ": --device wants BUS.DEV (e.g. 1.5), not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			e->dry_run = true;
			break;
		case 'q':
			e->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			tool_print_version(PROG);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, PROG ": %s (see --help)\n",
			optind >= argc ? "no capture given" : "one capture at a time");
		return 2;
	}
	e->capture = argv[optind];
	if (out)
		snprintf(e->dir, sizeof(e->dir), "%s", out);
	else if (strcmp(e->capture, "-") == 0)
		snprintf(e->dir, sizeof(e->dir), "frames");
	else
		snprintf(e->dir, sizeof(e->dir), "%s" DIR_SUFFIX, e->capture);
	return -1;
}

/* Seconds since the capture's first record, as "SSSSSS.UUUUUU". */
static void rel_time(const struct extract *e, uint64_t ts, char *out, size_t cap)
{
	uint64_t d = ts > e->first_ts_ns ? ts - e->first_ts_ns : 0;

	snprintf(out, cap, "%06" PRIu64 ".%06" PRIu64, d / NS_PER_S,
		 d % NS_PER_S / NS_PER_US);
}

/* Whole file or nothing: written under a temporary name, then renamed. */
static int write_file(const char *path, const uint8_t *p, size_t n)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.part", path);
	f = fopen(tmp, "wb");
	if (!f)
		return errno;
	ok = fwrite(p, 1, n, f) == n;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		int err = errno ? errno : EIO;

		unlink(tmp);
		return err;
	}
	return 0;
}

static void handle_frame(const struct capture_frame *f, void *arg)
{
	struct extract *e = arg;
	const char *kind = f->kind == CAPTURE_FRAME_LIVE ? "frame" : "still";
	char when[32], name[96], path[PATH_MAX + 100];
	size_t before = e->log.len;
	int err;

	rel_time(e, f->ts_ns, when, sizeof(when));
	if (f->drop >= 0) {
		buf_printf(&e->log, "%s %06u dropped %s at %s s, tid %" PRIu32 ": %s (%s)\n",
			   kind, f->index, capture_drop_name(f->drop), when,
			   f->tid, capture_drop_text(f->drop), f->detail);
	} else {
		snprintf(name, sizeof(name), "%s-%06u-%s.jpg", kind, f->index, when);
		buf_printf(&e->log, "%s %06u ok %zu bytes at %s s, tid %" PRIu32 ": %s\n",
			   kind, f->index, f->len, when, f->tid, name);
		snprintf(path, sizeof(path), "%s/%s", e->dir, name);
		if (!e->dry_run && !e->write_error &&
		    (err = write_file(path, f->jpeg, f->len)) != 0) {
			e->write_error = err;
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(err));
		}
	}
	if (buf_status(&e->log)) {
		/* The log is full: keep what it has, count the rest. */
		e->log.err = 0;
		e->log.len = before;
		e->log_lines_lost++;
	}
}

static int handle_event(const struct capture_usb_event *ev, void *arg)
{
	struct extract *e = arg;

	if (tool_stop_requested())
		return ALPHAFS_ERR_INTERRUPTED;
	if (!e->first_ts_ns)
		e->first_ts_ns = ev->ts_ns;
	capture_extract_note_ts(e->x, ev->ts_ns);
	return capture_reasm_feed(e->reasm, ev);
}

static const char *op_label(uint16_t code, char *out, size_t cap)
{
	const char *n = sony_op_name(code);

	snprintf(out, cap, "0x%04X %s", code, n ? n : "(unknown)");
	return out;
}

static void format_devices(struct buf *b, const struct extract *e)
{
	const struct capture_device *d;
	struct capture_reasm_stats st;
	size_t n;

	d = capture_reasm_devices(e->reasm, &n);
	capture_reasm_get_stats(e->reasm, &st);
	buf_printf(b, "devices: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "  bus %u device %u:", d[i].bus, d[i].dev);
		if (d[i].have_ids)
			buf_printf(b, " %04x:%04x%s", d[i].vid, d[i].pid,
				   d[i].vid == SONY_USB_VENDOR ? " (Sony)" : "");
		buf_printf(b, "%s%s, %" PRIu64 " records%s\n",
			   d[i].ptp_interface ? ", PTP interface" : "",
			   d[i].ptp_traffic ? ", PTP traffic" : "", d[i].records,
			   d[i].followed ? "  <- followed" : "");
	}
	if (st.devices_over)
		buf_printf(b, "  (%u more devices not listed)\n", st.devices_over);
}

static void format_ops(struct buf *b, const struct capture_summary *s)
{
	char label[64];

	buf_printf(b, "ptp operations: %zu kinds\n", s->nops);
	for (size_t i = 0; i < s->nops; i++)
		buf_printf(b, "  %s: %" PRIu64 "\n",
			   op_label(s->ops[i].code, label, sizeof(label)),
			   s->ops[i].n);
	if (s->ops_other)
		buf_printf(b, "  (others: %" PRIu64 ")\n", s->ops_other);
}

static void format_frames(struct buf *b, const struct extract *e,
			  const struct capture_summary *s)
{
	buf_printf(b, "frames: %" PRIu64 " written (live view %" PRIu64 ", stills %" PRIu64 "), %" PRIu64 " bytes",
		   s->live_frames + s->stills, s->live_frames, s->stills, s->bytes);
	if (s->live_frames + s->stills)
		buf_printf(b, ", %zu to %zu bytes each", s->min_len, s->max_len);
	buf_printf(b, "; %" PRIu64 " dropped\n", s->dropped_total);
	buf_printf(b, "live-view polls answered without a frame: %" PRIu64 "\n",
		   s->polls_denied);
	buf_printf(b, "dropped by reason:%s\n", s->dropped_total ? "" : " none");
	for (int i = 0; i < CAPTURE_DROP_COUNT; i++)
		if (s->dropped[i])
			buf_printf(b, "  %s: %" PRIu64 ": %s\n",
				   capture_drop_name(i), s->dropped[i],
				   capture_drop_text(i));
	buf_printf(b, "frame log:\n");
	buf_put(b, e->log.data, e->log.len);
	if (e->log_lines_lost)
		buf_printf(b, "(%" PRIu64 " more lines not kept)\n", e->log_lines_lost);
}

static void format_summary(struct buf *b, const struct extract *e,
			   const struct capture_read_info *info, int read_rc,
			   const struct err_detail *err)
{
	const struct capture_summary *s = capture_extract_summary(e->x);
	struct capture_reasm_stats st;
	uint64_t span = s->last_ts_ns - s->first_ts_ns;

	capture_reasm_get_stats(e->reasm, &st);
	buf_printf(b, PROG " %s\ncapture: %s: %s, link type %d%s, %" PRIu64 " records (%" PRIu64 " unreadable), %" PRIu64 ".%03" PRIu64 " s\n",
		   ALPHAFS_VERSION, e->capture,
		   info->link_name ? info->link_name : "?", info->link,
		   info->pcapng ? ", pcapng" : "", info->records,
		   info->unreadable, span / NS_PER_S,
		   span % NS_PER_S / UINT64_C(1000000));
	if (read_rc < 0)
		buf_printf(b, "read stopped early: %s: %s\n",
			   alphafs_strerror(read_rc), err->msg);
	format_devices(b, e);
	buf_printf(b, "transfers: %" PRIu64 " records cut by the capture, %" PRIu64 " not containers, %" PRIu64 " zero-length, %" PRIu64 " URBs never completed\n",
		   st.cut_records, st.garbage_transfers, st.zlps,
		   st.missed_completions);
	buf_printf(b, "transactions: %" PRIu64 " (%" PRIu64 " containers without their command, %" PRIu64 " stale responses); events: %" PRIu64 "\n",
		   st.transactions, st.orphan_containers, st.stale_responses,
		   st.events_ptp);
	format_ops(b, s);
	if (capture_summary_handshake(s))
		buf_printf(b, "sony handshake: found (protocol 0x%04X)\n",
			   s->sony_protocol);
	else
		buf_printf(b, "sony handshake: not found (SDIOConnect 1/2/3 %s/%s/%s, GetSDIOExtDeviceInfo %s): the capture began after it\n",
			   s->sdio_phase[1] ? "yes" : "no",
			   s->sdio_phase[2] ? "yes" : "no",
			   s->sdio_phase[3] ? "yes" : "no",
			   s->ext_info ? "yes" : "no");
	format_frames(b, e, s);
}

static int make_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0 || (errno == EEXIST && stat(dir, &st) == 0 &&
				      S_ISDIR(st.st_mode)))
		return 0;
	fprintf(stderr, PROG ": %s: %s\n", dir,
		errno == EEXIST ? "exists and is not a directory" : strerror(errno));
	return -1;
}

static int run(struct extract *e)
{
	struct capture_reasm_handlers h;
	struct capture_read_info info;
	struct err_detail err = { 0 };
	char path[PATH_MAX + 16];
	struct buf sum;
	int rc, status = 0;

	if (!e->dry_run && make_dir(e->dir) < 0)
		return 1;
	e->x = capture_extract_create(handle_frame, e);
	if (!e->x)
		return 1;
	capture_extract_handlers(e->x, &h);
	e->reasm = capture_reasm_create(&h, e->bus, e->dev);
	if (!e->reasm)
		return 1;
	rc = capture_read_file(e->capture, handle_event, e, &info, &err);
	if (rc < 0 && info.records == 0) {
		fprintf(stderr, PROG ": %s: %s\n", e->capture, err.msg);
		return 1;
	}
	if (rc < 0)
		fprintf(stderr, PROG ": %s: %s (summary of what was read)\n",
			e->capture, err.msg);
	capture_reasm_end(e->reasm);
	buf_init(&sum, FRAME_LOG_MAX + 65536);
	format_summary(&sum, e, &info, rc, &err);
	if (!e->quiet)
		fwrite(sum.data, 1, sum.len, stdout);
	snprintf(path, sizeof(path), "%s/" SUMMARY_NAME, e->dir);
	if (!e->dry_run && write_file(path, sum.data, sum.len) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		status = 1;
	}
	buf_finish(&sum);
	if (e->write_error || (rc < 0 && rc != ALPHAFS_ERR_INTERRUPTED))
		status = 1;
	return status;
}

int main(int argc, char **argv)
{
	struct extract e = { 0 };
	int rc;

	log_init();
	rc = parse_args(argc, argv, &e);
	if (rc >= 0)
		return rc;
	/* A read from a pipe returns on Ctrl-C, and the summary of what was
	 * read is still written. */
	tool_stop_on_signals();
	buf_init(&e.log, FRAME_LOG_MAX);
	rc = run(&e);
	buf_finish(&e.log);
	capture_reasm_destroy(e.reasm);
	capture_extract_destroy(e.x);
	return rc;
}
