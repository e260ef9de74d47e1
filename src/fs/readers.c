/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who reads: the count of readers (open stream.mjpeg and latest.jpg
 * handles, latest.jpg opens waiting for a frame, other modules' files that
 * hold one), and telling fs_config.readers when it goes from 0 to 1 and
 * back, so the camera stops polling live view while nobody reads.
 *
 * The callback runs under fs->lock, so its calls keep the order of the
 * count's changes (a "present" can never overtake the "absent" before it).
 */
#include "fs/fs_internal.h"

void fs_reader_add_locked(struct fs *fs, int delta)
{
	bool present;

	if (delta < 0 && fs->readers_held == 0) {
		log_err(FS, "reader count would go below zero");
		return;
	}
	fs->readers_held = delta < 0 ? fs->readers_held - 1 : fs->readers_held + 1;
	present = fs->readers_held > 0;
	if (present == fs->readers_told)
		return;
	fs->readers_told = present;
	if (fs->cfg.readers)
		fs->cfg.readers(fs->cfg.readers_arg, present);
}

void fs_reader_hold(struct fs *fs)
{
	pthread_mutex_lock(&fs->lock);
	fs_reader_add_locked(fs, 1);
	pthread_mutex_unlock(&fs->lock);
}

void fs_reader_release(struct fs *fs)
{
	pthread_mutex_lock(&fs->lock);
	fs_reader_add_locked(fs, -1);
	pthread_mutex_unlock(&fs->lock);
}
