/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every operation that would change the tree or a file's attributes is
 * refused with a permission error (but truncating a writable control/
 * file, which `>` may ask for, control.c). Leaving them unset makes the kernel
 * answer ENOSYS ("Function not implemented") to whoever passes its own
 * permission check (root, or the owner for chmod/utime), which reads like
 * a bug rather than a read-only file. Namespace changes answer EACCES, as
 * the kernel does for 0555 directories to everyone but root; attribute
 * changes answer EPERM.
 */
#include <errno.h>

#include "fs/fs_internal.h"

static void handle_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			   int to_set, struct fuse_file_info *fi)
{
	size_t idx;
	bool choices;

	(void)fi;
	/* truncate to 0 on a writable control/ file is allowed (control.c) */
	if (fs_control_ino(ino, &idx, &choices)) {
		fs_control_setattr(fuse_req_userdata(req), req, ino, attr, to_set);
		return;
	}
	fuse_reply_err(req, EPERM);
}

static void handle_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
			 mode_t mode, dev_t rdev)
{
	(void)parent, (void)name, (void)mode, (void)rdev;
	fuse_reply_err(req, EACCES);
}

static void handle_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
			 mode_t mode)
{
	(void)parent, (void)name, (void)mode;
	fuse_reply_err(req, EACCES);
}

static void handle_remove(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent, (void)name;
	fuse_reply_err(req, EACCES);
}

/* rm captures/NAME frees a still (captures.c); nothing else goes. */
static void handle_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (parent == FS_INO_CAPTURES) {
		fs_captures_unlink(fuse_req_userdata(req), req, name);
		return;
	}
	fuse_reply_err(req, EACCES);
}

static void handle_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
			   const char *name)
{
	(void)link, (void)parent, (void)name;
	fuse_reply_err(req, EACCES);
}

static void handle_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
			  fuse_ino_t newparent, const char *newname,
			  unsigned int flags)
{
	(void)parent, (void)name, (void)newparent, (void)newname, (void)flags;
	fuse_reply_err(req, EACCES);
}

static void handle_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
			const char *newname)
{
	(void)ino, (void)newparent, (void)newname;
	fuse_reply_err(req, EACCES);
}

static void handle_create(fuse_req_t req, fuse_ino_t parent, const char *name,
			  mode_t mode, struct fuse_file_info *fi)
{
	(void)parent, (void)name, (void)mode, (void)fi;
	fuse_reply_err(req, EACCES);
}

void fs_readonly_ops(struct fuse_lowlevel_ops *ops)
{
	ops->setattr = handle_setattr;
	ops->mknod = handle_mknod;
	ops->mkdir = handle_mkdir;
	ops->unlink = handle_unlink;
	ops->rmdir = handle_remove;
	ops->symlink = handle_symlink;
	ops->rename = handle_rename;
	ops->link = handle_link;
	ops->create = handle_create;
}
