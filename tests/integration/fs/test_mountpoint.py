#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What mount.alphafs does with what is already at its mount point.

  dead alphafs:   after kill -9 of the daemon the mount point is dead
                  (ENOTCONN); the next mount.alphafs there detaches it,
                  says so in one line, and mounts afresh.
  dead other:     a dead FUSE mount of another type is left alone (exit 1,
                  one line naming what to run) unless -o recover.
  live alphafs:   a second mount there is refused (exit 1, one line)
                  unless -o stack. Stacked, stopping the lower daemon
                  first leaves the upper mount untouched (the lower one
                  never unmounts by path what is not its own); stopping
                  the upper then reveals the dead lower one, which the
                  next mount recovers.
"""
import errno
import os
import shutil
import signal
import subprocess
import tempfile

from alphafs_e2e import (EXIT_DEADLINE_S, FAKE, MOUNT, MOUNT_DEADLINE_S,
                         Failure, check, check_whole, log, run_test, wait_until)


def mounts_at(mp):
    """Entries of the mount table at mp, bottom first: (id, fstype)."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if fields[4] == mp:
                sep = fields.index("-")
                out.append((int(fields[0]), fields[sep + 1]))
    return out


def is_dead(mp):
    """True when the mount at mp answers ENOTCONN (listing asks the
    filesystem; a stat could be answered from the attribute cache)."""
    try:
        os.listdir(mp)
        return False
    except OSError as e:
        return e.errno == errno.ENOTCONN


# Every daemon started here, so that a failing check leaves none behind
# (a daemon left running keeps making frames and loads the tests after).
STARTED = []


class Daemon:
    """mount.alphafs (or the test producer) in the foreground."""

    def __init__(self, mp, extra=(), fake=False):
        cmd = ([FAKE, mp] if fake else [MOUNT, "emulate", mp, "-f"])
        self.proc = subprocess.Popen(cmd + list(extra),
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.mp = mp
        STARTED.append(self.proc)

    def wait_mounted(self, depth):
        wait_until(lambda: self.proc.poll() is not None or
                   len(mounts_at(self.mp)) >= depth, MOUNT_DEADLINE_S,
                   "the mount")
        if self.proc.poll() is not None:
            raise Failure("daemon exited: %s" % self.proc.stdout.read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=EXIT_DEADLINE_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        return self.proc.returncode


def mount_helper(mp, extra=()):
    """mount.alphafs in the background, as mount(8) runs it."""
    return subprocess.run([MOUNT, "emulate", mp] + list(extra),
                          capture_output=True, text=True, timeout=120)


def background_pid(mp):
    pattern = "^%s emulate %s( |$)" % (MOUNT, mp)
    out = subprocess.run(["pgrep", "-f", pattern],
                         capture_output=True, text=True).stdout.split()
    check(len(out) == 1, "daemons for %s: %r" % (mp, out))
    return int(out[0])


def read_frame(mp):
    with open(mp + "/live/latest.jpg", "rb") as f:
        check_whole(f.read(), "latest.jpg")


def dead_alphafs(tmp):
    mp = os.path.join(tmp, "dead")
    os.mkdir(mp)
    d = Daemon(mp)
    d.wait_mounted(1)
    read_frame(mp)
    check(d.stop(signal.SIGKILL) == -signal.SIGKILL, "kill -9")
    check(is_dead(mp), "no dead mount after kill -9")
    r = mount_helper(mp)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 0, "mount over the dead one: %s" % r.stderr)
    check(len(lines) == 1 and "detached a dead fuse.alphafs mount" in
          lines[0], "stderr %r" % r.stderr)
    check(len(mounts_at(mp)) == 1, "mounts at %s: %r" % (mp, mounts_at(mp)))
    read_frame(mp)
    pid = background_pid(mp)
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not mounts_at(mp), EXIT_DEADLINE_S, "the unmount")
    log("dead alphafs: detached and mounted afresh")


def dead_other(tmp):
    mp = os.path.join(tmp, "other")
    os.mkdir(mp)
    d = Daemon(mp, ["-o", "subtype=othertest"], fake=True)
    d.wait_mounted(1)
    check(mounts_at(mp)[-1][1] == "fuse.othertest", "type %r"
          % mounts_at(mp))
    d.stop(signal.SIGKILL)
    check(is_dead(mp), "no dead mount after kill -9")
    r = mount_helper(mp)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 1 and len(lines) == 1 and
          "dead fuse.othertest mount" in lines[0] and
          "fusermount3 -uz " + mp in lines[0] and "-o recover" in lines[0],
          "without -o recover: exit %d, %r" % (r.returncode, r.stderr))
    check(is_dead(mp), "the dead mount was touched without -o recover")
    r = mount_helper(mp, ["-o", "recover"])
    check(r.returncode == 0, "-o recover: %s" % r.stderr)
    read_frame(mp)
    os.kill(background_pid(mp), signal.SIGTERM)
    wait_until(lambda: not mounts_at(mp), EXIT_DEADLINE_S, "the unmount")
    log("dead other FUSE mount: refused, then recovered with -o recover")


def live_alphafs(tmp):
    mp = os.path.join(tmp, "live")
    os.mkdir(mp)
    lower = Daemon(mp)
    lower.wait_mounted(1)
    r = mount_helper(mp)
    lines = r.stderr.strip().splitlines()
    check(r.returncode == 1 and len(lines) == 1 and
          "already an alphafs mount" in lines[0] and "-o stack" in lines[0],
          "second mount: exit %d, %r" % (r.returncode, r.stderr))
    check(len(mounts_at(mp)) == 1, "stacked anyway: %r" % mounts_at(mp))
    upper = Daemon(mp, ["-o", "stack"])
    upper.wait_mounted(2)
    read_frame(mp)
    # The lower one goes first: it must not unmount the upper one.
    check(lower.stop() == 0, "lower daemon exit")
    check(len(mounts_at(mp)) == 2, "mounts after the lower stopped: %r"
          % mounts_at(mp))
    read_frame(mp)
    check(upper.stop() == 0, "upper daemon exit")
    check(is_dead(mp), "the lower mount should be left dead under the "
          "upper one (it could not unmount through it)")
    r = mount_helper(mp)
    check(r.returncode == 0 and "detached a dead" in r.stderr,
          "recovery: %s" % r.stderr)
    read_frame(mp)
    os.kill(background_pid(mp), signal.SIGTERM)
    wait_until(lambda: not mounts_at(mp), EXIT_DEADLINE_S, "the unmount")
    log("live alphafs: refused; -o stack stacks; the lower stops without "
        "touching the upper")


def cleanup(tmp):
    """After a failed check: no daemon and no mount of ours left."""
    for name in ("dead", "other", "live"):
        mp = os.path.join(tmp, name)
        # The daemons mount.alphafs put in the background (mount_helper).
        out = subprocess.run(["pgrep", "-f", "^%s emulate %s( |$)"
                              % (MOUNT, mp)],
                             capture_output=True, text=True).stdout
        for pid in out.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
    for proc in STARTED:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    for name in ("dead", "other", "live"):
        mp = os.path.join(tmp, name)
        for _ in mounts_at(mp):
            subprocess.run(["fusermount3", "-uz", mp],
                           stderr=subprocess.DEVNULL)
    shutil.rmtree(tmp, ignore_errors=True)


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-mp-")
    try:
        dead_alphafs(tmp)
        dead_other(tmp)
        live_alphafs(tmp)
    finally:
        cleanup(tmp)


run_test(main)
