/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The stop request of programs that run until done or interrupted
 * (alphafs-grab, alphafs-extract): SIGINT and SIGTERM set a flag the
 * program checks between steps.
 */
#include <signal.h>

#include "tools/tools.h"

static volatile sig_atomic_t stop_flag;

static void handle_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void tool_stop_on_signals(void)
{
	struct sigaction sa = { .sa_handler = handle_stop };

	/* No SA_RESTART: a blocking read or wait returns (EINTR) so the
	 * program sees the flag and still finishes in order. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool tool_stop_requested(void)
{
	return stop_flag != 0;
}
