#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Security defaults of the mount (daemon on the emulated camera behind
the real libusb):

  - default_permissions is on and allow_other is off unless asked for
    (/proc/self/mountinfo); without allow_other another user cannot even
    stat the mount; with -o allow_other the kernel lets them in and the
    modes (0444 files, 0555 directories) decide;
  - control/'s settings are written by the mounting user only (0644),
    also with allow_other; -o control_mode=0666 is how another user is
    let in, and a mode that takes the owner's writing away or adds
    anything beyond read and write is refused at mount time;
  - every other file is read-only: opens for writing, creating, removing,
    renaming, linking, chmod, chown, truncate and utime all fail with
    EACCES, EPERM or EROFS (never ENOSYS), and change nothing;
  - names outside the fixed tree give ENOENT.
"""
import errno
import os
import stat
import subprocess
import tempfile

from resil import MOUNT, Rig, check, log, read_latest, run_test

NOBODY = 65534
REFUSED = (errno.EACCES, errno.EPERM, errno.EROFS)
FILES = ["live/latest.jpg", "live/stream.mjpeg", "info/device",
         "info/status", "events"]
SETTING = "control/white_balance"  # set directly (0x9205): one transaction


def mount_options(mp):
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == os.path.realpath(mp):
                sep = fields.index("-")
                return set(fields[5].split(",")), \
                    set(fields[sep + 3].split(","))
    raise AssertionError("not in mountinfo")


def as_nobody(*cmd):
    """Runs a command as another user; returns (status, stderr)."""
    r = subprocess.run(list(cmd), preexec_fn=lambda: (os.setgid(NOBODY),
                                                      os.setuid(NOBODY)),
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stderr.strip()


def refused(what, fn):
    try:
        fn()
    except OSError as e:
        check(e.errno in REFUSED, "%s: %s (want EACCES/EPERM/EROFS)"
              % (what, os.strerror(e.errno)))
        return e.errno
    check(False, "%s succeeded on a read-only mount" % what)


def write_attempts(mp):
    f = mp + "/live/latest.jpg"
    attempts = [
        ("open for writing", lambda: os.open(f, os.O_WRONLY)),
        ("open read-write", lambda: os.open(mp + "/info/status", os.O_RDWR)),
        ("open with O_TRUNC", lambda: os.open(f, os.O_RDONLY | os.O_TRUNC)),
        ("create", lambda: os.open(mp + "/live/new.jpg",
                                   os.O_WRONLY | os.O_CREAT, 0o644)),
        ("mkdir", lambda: os.mkdir(mp + "/settings")),
        ("create in control/", lambda: os.open(mp + "/control/new",
                                               os.O_WRONLY | os.O_CREAT,
                                               0o644)),
        ("chmod a setting", lambda: os.chmod(mp + "/" + SETTING, 0o666)),
        ("mknod", lambda: os.mknod(mp + "/live/fifo", 0o600 | stat.S_IFIFO)),
        ("symlink", lambda: os.symlink("latest.jpg", mp + "/live/l")),
        ("link", lambda: os.link(f, mp + "/live/l")),
        ("unlink", lambda: os.unlink(f)),
        ("rmdir", lambda: os.rmdir(mp + "/live")),
        ("rename", lambda: os.rename(f, mp + "/live/old.jpg")),
        ("chmod", lambda: os.chmod(f, 0o666)),
        ("chown", lambda: os.chown(f, NOBODY, NOBODY)),
        ("truncate", lambda: os.truncate(f, 0)),
        ("utime", lambda: os.utime(f, (0, 0))),
        ("create in live/frames",
         lambda: os.open(mp + "/live/frames/0000000001.jpg",
                         os.O_WRONLY | os.O_CREAT, 0o644)),
        ("rmdir live/frames", lambda: os.rmdir(mp + "/live/frames")),
    ]
    for what, fn in attempts:
        refused(what, fn)
    check(sorted(os.listdir(mp + "/live")) ==
          ["frames", "latest.jpg", "stream.mjpeg"], "the tree changed")
    st = os.stat(f)
    check(stat.S_IMODE(st.st_mode) == 0o444 and st.st_uid == os.getuid(),
          "latest.jpg mode/owner changed: %o %d" % (st.st_mode, st.st_uid))
    read_latest(mp)


def outside_tree(mp):
    for rel in ["nope", "live/nope", "info/nope", "live/latest", "Live",
                "live/latest.jpg.", "info/status~", ".hidden", "live/..x"]:
        try:
            os.stat(os.path.join(mp, rel))
            check(False, "%s exists" % rel)
        except OSError as e:
            check(e.errno == errno.ENOENT, "%s: %s" % (rel, e))
    try:
        os.stat(mp + "/live/latest.jpg/x")
        check(False, "a name under a file")
    except OSError as e:
        check(e.errno in (errno.ENOENT, errno.ENOTDIR), "under a file: %s" % e)


def defaults():
    with Rig() as rig:
        os.chmod(rig.tmp, 0o755)  # so the other user can reach the mount
        vfs, sb = mount_options(rig.mp)
        check("default_permissions" in sb, "no default_permissions: %r" % sb)
        check("allow_other" not in sb, "allow_other without asking: %r" % sb)
        check("nosuid" in vfs and "nodev" in vfs, "mount flags %r" % vfs)
        rc, err = as_nobody("stat", rig.mp)
        check(rc != 0 and "Permission denied" in err,
              "another user's stat: %d %s" % (rc, err))
        for rel in FILES:
            st = os.stat(os.path.join(rig.mp, rel))
            check(stat.S_IMODE(st.st_mode) == 0o444, "%s mode %o"
                  % (rel, st.st_mode))
        write_attempts(rig.mp)
        outside_tree(rig.mp)
        log("defaults: %s" % ",".join(sorted(sb)))


def allow_other():
    with Rig(opts=["allow_other"]) as rig:
        os.chmod(rig.tmp, 0o755)
        _, sb = mount_options(rig.mp)
        check("allow_other" in sb and "default_permissions" in sb,
              "asked for allow_other: %r" % sb)
        f = rig.mp + "/live/latest.jpg"
        rc, err = as_nobody("stat", f)
        check(rc == 0, "another user with allow_other: %s" % err)
        rc, err = as_nobody("sh", "-c", 'cat "$1" >/dev/null', "sh", f)
        check(rc == 0, "another user cannot read with allow_other: %s" % err)
        rc, err = as_nobody("sh", "-c", ': >> "$1"', "sh", f)
        check(rc != 0 and "Permission denied" in err,
              "another user opened for writing: %d %s" % (rc, err))
        s = rig.mp + "/" + SETTING
        rc, err = as_nobody("sh", "-c", 'cat "$1" >/dev/null', "sh", s)
        check(rc == 0, "another user cannot read a setting: %s" % err)
        rc, err = as_nobody("sh", "-c", 'echo daylight > "$1"', "sh", s)
        check(rc != 0 and "Permission denied" in err,
              "another user wrote a setting: %d %s" % (rc, err))
    with Rig(opts=["allow_other", "control_mode=0666"]) as rig:
        os.chmod(rig.tmp, 0o755)
        s = rig.mp + "/" + SETTING
        rc, err = as_nobody("sh", "-c", 'echo daylight > "$1"', "sh", s)
        check(rc == 0, "control_mode=0666: another user cannot write: %s"
              % err)
        with open(s) as f:
            got = f.read().strip()
        check(got == "daylight", "white_balance %r after nobody's write" % got)
        st = os.stat(rig.mp + "/control/battery")
        check(stat.S_IMODE(st.st_mode) == 0o444, "battery %o with 0666"
              % st.st_mode)
        log("control_mode=0666: another user set white_balance")


def bad_control_modes():
    for mode in ("0777", "0444", "0200", "x"):
        mp = tempfile.mkdtemp(prefix="alphafs-sec-")
        try:
            r = subprocess.run([MOUNT, "emulate", mp, "-f", "-o",
                                "control_mode=" + mode],
                               capture_output=True, text=True, timeout=60)
        finally:
            subprocess.run(["fusermount3", "-uz", mp],
                           stderr=subprocess.DEVNULL)
            os.rmdir(mp)
        check(r.returncode != 0 and "control_mode" in r.stderr,
              "control_mode=%s: exit %d, %r" % (mode, r.returncode, r.stderr))
    log("bad control modes refused at mount time")


def main():
    defaults()
    allow_other()
    bad_control_modes()


run_test(main)
