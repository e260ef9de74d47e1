/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The launcher's runtime controls: fault specs with USB-level items and
 * the lines accepted on its control FIFO. Pure parsers over argv / FIFO
 * text, which is untrusted.
 */
#include <stdio.h>
#include <string.h>

#include "launcher/launcher.h"
#include "sony/propfmt.h"

#define USB_FAULT_CLAIMED "usb-claimed"
#define USB_FAULT_NO_ZLP_CAP "usb-no-zlp-cap"
#define EVENT_ARGS_MAX 2

static const char usb_fault_help[] =
	"USB-level faults (alphafs-emulator only):\n"
	"  usb-claimed        another program holds the PTP interface, as\n"
	"                     gvfs-gphoto2-volume-monitor / gvfsd-gphoto2 do:\n"
	"                     CLAIMINTERFACE answers EBUSY\n"
	"  usb-no-zlp-cap     usbfs without ZERO_PACKET (old kernels): the\n"
	"                     host must send ZLPs as separate transfers\n";

const char *launcher_fault_help(void)
{
	return usb_fault_help;
}

/* Takes item [p, p+n) as a usb-* fault; false if it is not one. */
static bool usb_item(const char *p, size_t n, struct launcher_usb_faults *usb)
{
	if (n == strlen(USB_FAULT_CLAIMED) &&
	    !strncmp(p, USB_FAULT_CLAIMED, n)) {
		usb->claimed = true;
		return true;
	}
	if (n == strlen(USB_FAULT_NO_ZLP_CAP) &&
	    !strncmp(p, USB_FAULT_NO_ZLP_CAP, n)) {
		usb->no_zlp_cap = true;
		return true;
	}
	return false;
}

int launcher_fault_parse(const char *spec, struct emu_faults *emu,
		       struct launcher_usb_faults *usb, char *err, size_t cap)
{
	char rest[LAUNCHER_LINE_MAX + 1];
	size_t len = 0;

	memset(usb, 0, sizeof(*usb));
	if (!spec)
		spec = "";
	if (strlen(spec) > LAUNCHER_LINE_MAX) {
		snprintf(err, cap, "fault spec longer than %d characters",
			 LAUNCHER_LINE_MAX);
		memset(emu, 0, sizeof(*emu));
		return ALPHAFS_ERR_TOO_BIG;
	}
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");
		if (!usb_item(p, n, usb)) {
			if (len > 0)
				rest[len++] = ',';
			memcpy(rest + len, p, n);
			len += n;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	rest[len] = '\0';
	return emu_fault_parse(rest, emu, err, cap);
}

static int parse_hex(const char *s, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	if (!*s)
		return ALPHAFS_ERR_INVALID;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return ALPHAFS_ERR_INVALID;
		if (v > (max - (uint32_t)d) / 16)
			return ALPHAFS_ERR_INVALID;
		v = v * 16 + (uint32_t)d;
	}
	*out = v;
	return 0;
}

static int parse_event(char *args, struct launcher_cmd *out, char *err,
		       size_t cap)
{
	char *words[EVENT_ARGS_MAX + 1] = { 0 };
	size_t n = 0;
	uint32_t code, param = 0;

	for (char *p = args; *p && n <= EVENT_ARGS_MAX;) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		words[n++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
	if (n < 1 || n > EVENT_ARGS_MAX ||
	    parse_hex(words[0], UINT16_MAX, &code) < 0 ||
	    (n == 2 && parse_hex(words[1], UINT32_MAX, &param) < 0)) {
		snprintf(err, cap, "usage: event CODE [PARAM] (hex)");
		return ALPHAFS_ERR_INVALID;
	}
	out->kind = LAUNCHER_CMD_EVENT;
	out->code = (uint16_t)code;
	out->param = param;
	return 0;
}

static const struct {
	const char *word;
	enum launcher_cmd_kind kind;
} plain_cmds[] = {
	{ "unplug", LAUNCHER_CMD_UNPLUG },
	{ "replug", LAUNCHER_CMD_REPLUG },
	{ "pause", LAUNCHER_CMD_PAUSE },
	{ "resume", LAUNCHER_CMD_RESUME },
};

/* "replug-serial S": one word of printable ASCII that fits. */
static int parse_serial(const char *args, struct launcher_cmd *out, char *err,
			size_t cap)
{
	size_t n = strlen(args);
	bool ok = n > 0 && n < sizeof(out->serial);

	for (const char *p = args; ok && *p; p++)
		ok = *p > ' ' && *p <= '~' && *p != '\\';
	if (!ok) {
		snprintf(err, cap, "usage: replug-serial SERIAL (one word, "
				   "printable ASCII, at most %zu characters)",
			 sizeof(out->serial) - 1);
		return ALPHAFS_ERR_INVALID;
	}
	out->kind = LAUNCHER_CMD_REPLUG_SERIAL;
	memcpy(out->serial, args, n + 1);
	return 0;
}

/* "PROP VALUE" (set) or "VALUE" (dial: PROP is the mode dial). */
static int parse_set(char *args, bool dial, struct launcher_cmd *out,
		     char *err, size_t cap)
{
	const struct sony_control *c;
	const char *prop = dial ? "exposure_mode" : args, *value = args;
	struct ptp_value v;
	uint32_t code;

	if (!dial) {
		size_t n = strcspn(args, " \t");

		value = args + n + strspn(args + n, " \t");
		args[n] = '\0';
	}
	c = sony_control_by_name(prop);
	if (!c && parse_hex(prop, UINT16_MAX, &code) == 0)
		c = NULL;
	else if (!c)
		goto usage;
	else
		code = c->code;
	/* Any width here; the camera checks what its descriptor allows. */
	if (!*value ||
	    sony_value_parse(c, PTP_DTC_INT64, value, strlen(value), &v) < 0)
		goto usage;
	out->kind = LAUNCHER_CMD_SET;
	out->code = (uint16_t)code;
	out->value = sony_value_int(&v);
	return 0;
usage:
	snprintf(err, cap, dial ? "usage: dial MODE (M, P, A, S, intelligent-auto...)"
				: "usage: set PROP VALUE (PROP: a control/ name or a hex code; VALUE in its form: 1600, 1/250, f/8, +0.7, daylight)");
	return ALPHAFS_ERR_INVALID;
}

int launcher_cmd_parse(const char *line, struct launcher_cmd *out, char *err,
		     size_t cap)
{
	char buf[LAUNCHER_LINE_MAX + 1];
	char *args;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strlen(line) > LAUNCHER_LINE_MAX) {
		snprintf(err, cap, "line longer than %d characters",
			 LAUNCHER_LINE_MAX);
		return ALPHAFS_ERR_INVALID;
	}
	snprintf(buf, sizeof(buf), "%s", line);
	n = strcspn(buf, " \t");
	args = buf + n;
	if (*args)
		*args++ = '\0';
	args += strspn(args, " \t");
	for (size_t i = 0; i < ARRAY_LEN(plain_cmds); i++) {
		if (!strcmp(buf, plain_cmds[i].word) && !*args) {
			out->kind = plain_cmds[i].kind;
			return 0;
		}
	}
	if (!strcmp(buf, "fault")) {
		out->kind = LAUNCHER_CMD_FAULT;
		return launcher_fault_parse(args, &out->faults, &out->usb, err,
					  cap) < 0
			       ? ALPHAFS_ERR_INVALID
			       : 0;
	}
	if (!strcmp(buf, "event"))
		return parse_event(args, out, err, cap);
	if (!strcmp(buf, "replug-serial"))
		return parse_serial(args, out, err, cap);
	if (!strcmp(buf, "set") || !strcmp(buf, "dial"))
		return parse_set(args, buf[0] == 'd', out, err, cap);
	snprintf(err, cap,
		 "unknown command (unplug, replug, replug-serial S, pause, "
		 "resume, fault SPEC, event CODE [PARAM], set PROP VALUE, "
		 "dial MODE)");
	return ALPHAFS_ERR_INVALID;
}
