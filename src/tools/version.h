/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef ALPHAFS_TOOLS_VERSION_H
#define ALPHAFS_TOOLS_VERSION_H

/*
 * tool_print_version: prints the --version line to stdout,
 *   "PROG VERSION (libfuse X.Y.Z, libusb A.B.C)",
 * with the versions of the libraries loaded at run time (not those the
 * program was built against), so a bug report says what actually ran.
 * prog: the program's name (borrowed). Main thread; cannot fail.
 */
void tool_print_version(const char *prog);

#endif
