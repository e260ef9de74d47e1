/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Threads: named, and started with the termination signals blocked so
 * that they reach the thread that handles them (libfuse handles them in
 * its session loop on the main thread, research/fuse.md §2.1).
 */
#include <signal.h>

#include "util.h"

int thread_start(pthread_t *tid, const char *name, void *(*fn)(void *),
		 void *arg)
{
	sigset_t block, old;
	int rc;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGQUIT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return ALPHAFS_ERR_NOMEM;
	/* From here the name shows in top -H, ps -L and a debugger; a name
	 * the kernel refuses (too long) only leaves the default. */
	pthread_setname_np(*tid, name);
	return 0;
}

void thread_name_self(const char *name)
{
	pthread_setname_np(pthread_self(), name);
}
