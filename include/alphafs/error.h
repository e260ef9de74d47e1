/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * alphafs error codes.
 *
 * Every alphafs function that can fail returns an int: >= 0 on success, a
 * negative ALPHAFS_ERR_* code on failure. A PTP response code from the camera
 * is data, not one of these: the transaction engine returns
 * ALPHAFS_ERR_PTP_RESPONSE and the 16-bit code travels in the result.
 */
#ifndef ALPHAFS_ERROR_H
#define ALPHAFS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message): the single table the enum, alphafs_strerror() and
 * alphafs_err_name() are generated from. Values are stable. */
#define ALPHAFS_ERRORS(X)                                                     \
	X(OK, 0, "success")                                                    \
	X(NOMEM, -1, "out of memory")                                          \
	X(INVALID, -2, "invalid argument")                                     \
	X(MALFORMED, -3, "malformed data")                                     \
	X(TRUNCATED, -4, "data cut short")                                     \
	X(TOO_BIG, -5, "size exceeds the limit")                               \
	X(IO, -6, "input/output error")                                        \
	X(TIMEOUT, -7, "operation timed out")                                  \
	X(NO_DEVICE, -8, "camera disconnected")                                \
	X(NOT_FOUND, -9, "no camera found")                                    \
	X(ACCESS, -10, "permission denied")                                    \
	X(BUSY, -11, "camera interface is held by another program")            \
	X(PIPE, -12, "USB endpoint stalled")                                   \
	X(OVERFLOW, -13, "USB transfer overflow")                              \
	X(PTP_RESPONSE, -14, "camera answered with an error code")             \
	X(PROTOCOL, -15, "PTP protocol violation")                             \
	X(UNSUPPORTED, -16, "not supported by this camera")                    \
	X(INTERRUPTED, -17, "interrupted")                                     \
	X(AGAIN, -18, "no new data yet, try again")                            \
	X(STATE, -19, "operation not valid in the current state")              \
	X(REJECTED, -20, "frame rejected")                                     \
	X(WRONG_MODE, -21, "camera is not in PC Remote mode")                  \
	X(CLOSED, -22, "shut down")                                            \
	X(READ_ONLY, -23, "read-only")

enum alphafs_error {
#define ALPHAFS_ERR_ENUM(name, value, msg) ALPHAFS_ERR_##name = (value),
	ALPHAFS_ERRORS(ALPHAFS_ERR_ENUM)
#undef ALPHAFS_ERR_ENUM
};

/* A static, human-readable message for err ("camera disconnected").
 * Unknown codes give "unknown error". Never returns NULL. Thread-safe. */
const char *alphafs_strerror(int err);

/* The code's symbolic name without prefix ("NO_DEVICE"), or "UNKNOWN".
 * Never returns NULL. Thread-safe. */
const char *alphafs_err_name(int err);

/* The closest errno value (positive) for err, for FUSE replies and exit
 * statuses: NO_DEVICE -> ENODEV, TIMEOUT -> ETIMEDOUT, ... */
int alphafs_err_errno(int err);

#ifdef __cplusplus
}
#endif

#endif
