/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error table's string forms and the first-failure detail. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

const char *alphafs_strerror(int err)
{
	switch (err) {
#define ERR_MSG(name, value, msg)                                              \
	case value:                                                            \
		return msg;
		ALPHAFS_ERRORS(ERR_MSG)
#undef ERR_MSG
	}
	return "unknown error";
}

const char *alphafs_err_name(int err)
{
	switch (err) {
#define ERR_NAME(name, value, msg)                                             \
	case value:                                                            \
		return #name;
		ALPHAFS_ERRORS(ERR_NAME)
#undef ERR_NAME
	}
	return "UNKNOWN";
}

int alphafs_err_errno(int err)
{
	switch ((enum alphafs_error)err) {
	case ALPHAFS_ERR_OK:
		return 0;
	case ALPHAFS_ERR_NOMEM:
		return ENOMEM;
	case ALPHAFS_ERR_INVALID:
		return EINVAL;
	case ALPHAFS_ERR_MALFORMED:
	case ALPHAFS_ERR_TRUNCATED:
	case ALPHAFS_ERR_PROTOCOL:
	case ALPHAFS_ERR_IO:
	case ALPHAFS_ERR_PIPE:
	case ALPHAFS_ERR_OVERFLOW:
	case ALPHAFS_ERR_PTP_RESPONSE:
	case ALPHAFS_ERR_REJECTED:
		return EIO;
	case ALPHAFS_ERR_TOO_BIG:
		return EFBIG;
	case ALPHAFS_ERR_TIMEOUT:
		return ETIMEDOUT;
	case ALPHAFS_ERR_NO_DEVICE:
	case ALPHAFS_ERR_NOT_FOUND:
	case ALPHAFS_ERR_WRONG_MODE:
		return ENODEV;
	case ALPHAFS_ERR_ACCESS:
		return EACCES;
	case ALPHAFS_ERR_BUSY:
		return EBUSY;
	case ALPHAFS_ERR_UNSUPPORTED:
		return EOPNOTSUPP;
	case ALPHAFS_ERR_INTERRUPTED:
		return EINTR;
	case ALPHAFS_ERR_AGAIN:
		return EAGAIN;
	case ALPHAFS_ERR_STATE:
		return EPERM;
	case ALPHAFS_ERR_CLOSED:
		return ESHUTDOWN;
	case ALPHAFS_ERR_READ_ONLY:
		return EROFS;
	}
	return EIO;
}

PRINTF_LIKE(4, 0)
static int err_vset(struct err_detail *d, bool overwrite, int code,
		    const char *fmt, va_list ap)
{
	if (!d || (d->code != 0 && !overwrite))
		return code;
	d->code = code;
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	return code;
}

int err_set(struct err_detail *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(d, false, code, fmt, ap);
	va_end(ap);
	return code;
}

int err_replace(struct err_detail *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(d, true, code, fmt, ap);
	va_end(ap);
	return code;
}

void err_clear(struct err_detail *d)
{
	d->code = 0;
	d->msg[0] = '\0';
}

void err_format(const struct err_detail *d, char *out, size_t cap)
{
	if (cap == 0)
		return;
	if (d->msg[0])
		snprintf(out, cap, "%s: %s", alphafs_strerror(d->code), d->msg);
	else
		snprintf(out, cap, "%s", alphafs_strerror(d->code));
}
