/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command under supervision. The launcher owns the testbed and must
 * outlive everything that uses it: a process that touches the device after
 * the owner exited hangs forever (umockdev). So the command runs in its
 * own process group, signals are forwarded to it, and whatever is left of
 * the group is ended before the launcher exits with the command's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/launcher.h"

#define SIGNAL_EXIT_BASE 128
#define LOOP_TICK_MS 50
#define KILL_GRACE_MS 2000
#define EXIT_NOT_FOUND 127
#define EXIT_CANNOT_RUN 126

/* Set by the signal handler, which may run on umockdev's worker thread
 * (it does not block signals): lock-free atomics, not sig_atomic_t. */
static atomic_int got_usr1, got_usr2, got_term, got_chld;
static int wake_pipe[2] = { -1, -1 };

static const int handled_signals[] = { SIGUSR1, SIGUSR2, SIGCHLD,
				       SIGINT,	SIGTERM, SIGHUP };

/* ---- signals: flags only, acted on in the supervision loop ------------- */

static void handle_signal(int sig)
{
	int saved = errno;
	char b = 0;

	if (sig == SIGUSR1)
		got_usr1 = 1;
	else if (sig == SIGUSR2)
		got_usr2 = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = sig;
	if (write(wake_pipe[1], &b, 1) < 0) {
		/* full pipe: the loop wakes anyway */
	}
	errno = saved;
}

int launcher_signals_init(void)
{
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return ALPHAFS_ERR_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handle_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_LEN(handled_signals); i++)
		sigaction(handled_signals[i], &sa, NULL);
	return 0;
}

/* ---- the child ----------------------------------------------------------- */

static void exec_child(char *const *cmd)
{
	sigset_t none;

	for (size_t i = 0; i < ARRAY_LEN(handled_signals); i++)
		signal(handled_signals[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Its own group, so whatever it leaves behind can be killed before
	 * the testbed goes away. */
	setpgid(0, 0);
	execvp(cmd[0], cmd);
	fprintf(stderr, "alphafs-emulator: %s: %s\n", cmd[0], strerror(errno));
	_exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

pid_t launcher_spawn(char *const *cmd)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0)
		exec_child(cmd);
	if (pid > 0)
		setpgid(pid, pid); /* no race with the child's own */
	return pid;
}

/* Ends what the command left in its process group (a daemon it started,
 * a pipeline) before the testbed goes: they would hang without it. As a
 * child subreaper the launcher also inherits and reaps orphans. */
void launcher_end_group(pid_t pgid)
{
	uint64_t deadline = clock_now_ms() + KILL_GRACE_MS;

	if (kill(-pgid, SIGTERM) < 0)
		return; /* nothing left */
	while (clock_now_ms() < deadline) {
		while (waitpid(-1, NULL, WNOHANG) > 0) {
		}
		if (kill(-pgid, 0) < 0)
			return;
		clock_sleep_ms(LOOP_TICK_MS / 5);
	}
	kill(-pgid, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0) {
	}
}

/* ---- supervision ------------------------------------------------------- */

static int exit_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return SIGNAL_EXIT_BASE + WTERMSIG(st);
	return LAUNCHER_EXIT_SETUP;
}

static void act_on_signals(pid_t child, const struct launcher_target *t)
{
	char drain[64];
	int sig;

	while (read(wake_pipe[0], drain, sizeof(drain)) > 0) {
	}
	if (atomic_exchange(&got_usr1, 0))
		launcher_unplug(t);
	if (atomic_exchange(&got_usr2, 0))
		launcher_replug(t);
	sig = atomic_exchange(&got_term, 0);
	if (sig)
		kill(-child, sig); /* forward; the child must go first */
}

int launcher_supervise(pid_t child, struct launcher_fifo *fifo,
		       const struct launcher_target *t)
{
	int ctl_fd = fifo ? fifo->ctl_fd : -1;
	struct pollfd pfd[2] = { { .fd = wake_pipe[0], .events = POLLIN },
				 { .fd = ctl_fd, .events = POLLIN } };
	int st;

	for (;;) {
		pid_t w = waitpid(child, &st, WNOHANG);
		if (w == child)
			return exit_status(st);
		poll(pfd, ctl_fd >= 0 ? 2 : 1, LOOP_TICK_MS);
		act_on_signals(child, t);
		if (ctl_fd >= 0 && (pfd[1].revents & POLLIN))
			launcher_fifo_read(fifo, t);
		/* Follow an unplug the camera did by itself (a fault). */
		if (t->ops)
			t->ops->sync(t->dev);
	}
}
