#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mount.alphafs as a mount helper: backgrounds only once mounted (exit 0,
the mount is there when it returns), start-up errors are one line on
stderr with exit status 1, --help and --version, fstab-only words are
accepted, SIGTERM unmounts cleanly."""
import os
import shutil
import signal
import subprocess
import tempfile

from alphafs_e2e import (MOUNT, EXIT_DEADLINE_S, check, is_mounted, run_test,
                         wait_until)


def daemon_pid(mp):
    out = subprocess.run(["pgrep", "-f", "mount.alphafs emulate " + mp],
                         capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def thread_names(pid):
    """What ps -L -o comm shows: the threads alphafs starts carry their
    role's name; only the main thread and libfuse workers that have not
    served a request yet show the program's name."""
    task = "/proc/%d/task" % pid
    names = []
    for tid in os.listdir(task):
        with open(os.path.join(task, tid, "comm")) as f:
            names.append(f.read().strip())
    own = open("/proc/%d/comm" % pid).read().strip()
    for want in ("alphafs-camera", "alphafs-fuse", "alphafs-timer",
                 "alphafs-stop"):
        check(want in names, "no thread named %s: %s" % (want, names))
    check(all(n.startswith("alphafs-") or n == own for n in names),
          "unnamed threads: %s" % names)


def background(tmp):
    mp = os.path.join(tmp, "bg")
    os.mkdir(mp)
    r = subprocess.run([MOUNT, "emulate", mp, "-o",
                        "noauto,user,nofail,_netdev"],
                       capture_output=True, text=True, timeout=60)
    try:
        check(r.returncode == 0, "background mount failed: " + r.stderr)
        check(r.stderr == "", "stderr: " + r.stderr)
        # Already mounted when the command returned: no waiting here.
        check(is_mounted(mp), "not mounted when mount.alphafs returned")
        check(os.path.getsize(mp + "/live/latest.jpg") > 0,
              "no frame when mount.alphafs returned")
        pid = daemon_pid(mp)
        check(pid is not None, "no daemon process")
        thread_names(pid)
        os.kill(pid, signal.SIGTERM)
        wait_until(lambda: not is_mounted(mp) and daemon_pid(mp) is None,
                   EXIT_DEADLINE_S, "the daemon to unmount and exit")
    finally:
        if is_mounted(mp):
            subprocess.run(["fusermount3", "-uz", mp])


def errors(tmp):
    notdir = os.path.join(tmp, "file")
    open(notdir, "w").close()
    cases = [
        (["emulate", os.path.join(tmp, "missing")], "No such file"),
        (["emulate", notdir], "not a directory"),
        (["bogus:1", tmp], "unknown camera source"),
        (["emulate", tmp, "-o", "no_such_option"], "unknown option"),
        (["emulate", tmp, "-o", "emu_fault=no-such-fault"], "emu_fault"),
        (["usb:1,2", tmp, "-o", "emu_fps=5"], "emulate"),
        ([], "no mountpoint"),
    ]
    for args, want in cases:
        r = subprocess.run([MOUNT] + args, capture_output=True, text=True,
                           timeout=60)
        check(r.returncode == 1, "%s: exit %d" % (args, r.returncode))
        lines = r.stderr.strip().splitlines()
        check(len(lines) == 1 and want in lines[0],
              "%s: stderr %r" % (args, r.stderr))
        check(not is_mounted(tmp), "%s mounted" % args)


def help_version():
    r = subprocess.run([MOUNT, "--help"], capture_output=True, text=True)
    check(r.returncode == 0, "--help exit")
    for word in ("emulate", "fps=", "reconnect_timeout=",
                 "exit_on_disconnect", "stale_frames", "emu_fault=",
                 "emu_small", "loop", "realtime", "replay=CAPTURE",
                 "allow_other", "recover", "stack", "--list-faults"):
        check(word in r.stdout + r.stderr, "--help lacks " + word)
    # One 80x24 screen.
    lines = r.stdout.splitlines()
    check(len(lines) <= 24, "--help has %d lines" % len(lines))
    check(all(len(l) <= 80 for l in lines), "--help is wider than 80")
    r = subprocess.run([MOUNT, "--version"], capture_output=True, text=True)
    check(r.returncode == 0 and "mount.alphafs" in r.stdout, "--version")


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-daemon-")
    try:
        help_version()
        errors(tmp)
        background(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


run_test(main)
