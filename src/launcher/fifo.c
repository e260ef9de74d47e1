/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The control FIFO: a test (or a person) writes command lines to FIFO and
 * reads one reply line per command from FIFO.ack. What the commands do:
 * unplug/replug the device, plug another body, replace the faults, queue
 * an event, pause the frames, turn a dial on the camera (set, dial).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/launcher.h"

#define ACK_SUFFIX ".ack"
#define FIFO_PATH_MAX 4096

static int open_fifo(const char *path)
{
	struct stat st;

	if (mkfifo(path, 0600) < 0 && errno != EEXIST)
		return -1;
	if (stat(path, &st) < 0 || !S_ISFIFO(st.st_mode))
		return -1;
	/* O_RDWR: the FIFO never reports end-of-file between writers, and
	 * opening it never blocks. */
	return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
}

int launcher_fifo_init(struct launcher_fifo *f, const char *path)
{
	char ack[FIFO_PATH_MAX];
	int saved;

	f->ctl_fd = f->ack_fd = -1;
	f->line_len = 0;
	snprintf(ack, sizeof(ack), "%s" ACK_SUFFIX, path);
	f->ctl_fd = open_fifo(path);
	if (f->ctl_fd >= 0)
		f->ack_fd = open_fifo(ack);
	if (f->ctl_fd < 0 || f->ack_fd < 0) {
		saved = errno;
		launcher_fifo_finish(f);
		errno = saved;
		return ALPHAFS_ERR_IO;
	}
	return 0;
}

void launcher_fifo_finish(struct launcher_fifo *f)
{
	if (f->ctl_fd >= 0)
		close(f->ctl_fd);
	if (f->ack_fd >= 0)
		close(f->ack_fd);
	f->ctl_fd = f->ack_fd = -1;
}

static void reply(struct launcher_fifo *f, const char *msg)
{
	char out[LAUNCHER_LINE_MAX + 16];
	int n = snprintf(out, sizeof(out), "%s\n", msg);

	/* Nobody may be reading: never block, drop what does not fit. */
	if (f->ack_fd >= 0 && n > 0 && write(f->ack_fd, out, (size_t)n) < 0)
		log_dbg(EMU, "control reply dropped");
}

void launcher_unplug(const struct launcher_target *t)
{
	if (t->ops)
		t->ops->unplug(t->dev);
	else
		emu_camera_unplug(t->cam);
	fprintf(stderr, "alphafs-emulator: camera unplugged\n");
}

void launcher_replug(const struct launcher_target *t)
{
	struct err_detail e = { 0 };

	if (!t->ops) {
		emu_camera_replug(t->cam);
		fprintf(stderr, "alphafs-emulator: camera plugged in\n");
	} else if (t->ops->replug(t->dev, &e) < 0) {
		fprintf(stderr, "alphafs-emulator: replug: %s\n", e.msg);
	} else {
		fprintf(stderr, "alphafs-emulator: camera plugged in at %s\n",
			t->ops->node(t->dev));
	}
}

/* Another body in the same port: a new USB serial, then plugged in. */
static int replug_serial(struct launcher_fifo *f,
			 const struct launcher_target *t, const char *serial)
{
	struct err_detail e = { 0 };

	if (!t->ops) {
		reply(f, "replug-serial needs the camera on USB (alphafs-emulator)");
		return ALPHAFS_ERR_UNSUPPORTED;
	}
	if (t->ops->set_serial(t->dev, serial, &e) < 0) {
		fprintf(stderr, "alphafs-emulator: replug-serial: %s\n", e.msg);
		reply(f, e.msg);
		return e.code;
	}
	fprintf(stderr, "alphafs-emulator: USB serial now %s\n", serial);
	launcher_replug(t);
	return 0;
}

static void run_command(struct launcher_fifo *f,
			const struct launcher_target *t, const char *line)
{
	struct launcher_cmd cmd;
	char msg[LAUNCHER_LINE_MAX + 8];

	if (launcher_cmd_parse(line, &cmd, msg, sizeof(msg)) < 0) {
		reply(f, msg);
		return;
	}
	switch (cmd.kind) {
	case LAUNCHER_CMD_UNPLUG:
		launcher_unplug(t);
		break;
	case LAUNCHER_CMD_REPLUG:
		launcher_replug(t);
		break;
	case LAUNCHER_CMD_REPLUG_SERIAL:
		if (replug_serial(f, t, cmd.serial) < 0)
			return; /* the error was the reply */
		break;
	case LAUNCHER_CMD_FAULT:
		if (!t->ops && (cmd.usb.claimed || cmd.usb.no_zlp_cap)) {
			reply(f, "usb-* faults need the camera on USB (alphafs-emulator)");
			return;
		}
		emu_camera_set_faults(t->cam, &cmd.faults);
		if (t->ops)
			t->ops->set_claimed(t->dev, cmd.usb.claimed);
		break;
	case LAUNCHER_CMD_EVENT:
		emu_camera_push_event(t->cam, cmd.code, cmd.param);
		break;
	case LAUNCHER_CMD_PAUSE:
	case LAUNCHER_CMD_RESUME:
		emu_camera_pause(t->cam, cmd.kind == LAUNCHER_CMD_PAUSE);
		break;
	case LAUNCHER_CMD_SET:
		if (emu_camera_set_prop(t->cam, cmd.code, cmd.value) < 0) {
			snprintf(msg, sizeof(msg),
				 "%s: not a value of property 0x%04X on this camera",
				 line, cmd.code);
			reply(f, msg);
			return;
		}
		break;
	}
	snprintf(msg, sizeof(msg), "ok %s", line);
	reply(f, msg);
}

void launcher_fifo_read(struct launcher_fifo *f,
			const struct launcher_target *t)
{
	char chunk[256];
	ssize_t n;

	while ((n = read(f->ctl_fd, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (chunk[i] != '\n') {
				if (f->line_len < sizeof(f->line) - 1)
					f->line[f->line_len++] = chunk[i];
				continue;
			}
			f->line[f->line_len] = '\0';
			if (f->line_len > 0)
				run_command(f, t, f->line);
			f->line_len = 0;
		}
	}
}
