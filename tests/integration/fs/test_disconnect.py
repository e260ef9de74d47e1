#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The camera goes away: latest.jpg opens fail with ENODEV (or serve the
last frame with stale_frames), waiting stream reads fail with EIO after
reconnect_timeout, info/ keeps answering and says why; with
exit_on_disconnect the daemon unmounts and exits cleanly; when frames come
back (test producer), waiting readers resume."""
import errno
import os
import signal
import subprocess
import sys

from alphafs_e2e import (EXIT_DEADLINE_S, check, check_whole, is_mounted,
                         mounted, run_test, split_frames, status, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
UNPLUG = "emu_fault=unplug-at-frame=20"


def disconnected(mp):
    return status(mp)["state"] == "disconnected"


def open_errno(path):
    try:
        with open(path, "rb") as f:
            f.read()
        return 0
    except OSError as e:
        return e.errno


def unplugged(stale):
    opts = [UNPLUG, "reconnect_timeout=1"] + (["stale_frames"] if stale
                                              else [])
    with mounted(opts=opts) as (mp, _):
        fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY)
        try:
            wait_until(lambda: disconnected(mp), 60, "the unplug")
            st = status(mp)
            check(st["connected"] == "no" and st["why"] != "-",
                  "status after unplug: %r" % st)
            err = open_errno(mp + "/live/latest.jpg")
            if stale:
                check(err == 0, "stale_frames: open failed %d" % err)
            else:
                check(err == errno.ENODEV, "latest.jpg open: errno %d" % err)
            # Drain what the reader may still have, then the wait for a
            # frame fails after reconnect_timeout.
            while True:
                try:
                    if not os.read(fd, 1 << 20):
                        check(False, "EOF instead of EIO")
                except OSError as e:
                    check(e.errno == errno.EIO, "stream read: %s" % e)
                    break
            check("model:" in open(mp + "/info/device").read(),
                  "info/device while unplugged")
        finally:
            os.close(fd)


def exit_on_disconnect():
    with mounted(opts=[UNPLUG, "exit_on_disconnect"]) as (mp, daemon):
        daemon.wait(timeout=60)
        check(daemon.returncode == 0, "exit status %d" % daemon.returncode)
        check(not is_mounted(mp), "still mounted after exit_on_disconnect")


def resume():
    """Test producer: SIGUSR1 stops frames (disconnected), SIGUSR2
    resumes; a reader waiting across the gap just gets the next frame."""
    with mounted(fake=True, extra=["--reconnect-timeout", "600"]) as (mp, d):
        fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY)
        try:
            os.read(fd, 1 << 20)
            d.send_signal(signal.SIGUSR1)
            wait_until(lambda: disconnected(mp), 30, "the pause")
            check(open_errno(mp + "/live/latest.jpg") == errno.ENODEV,
                  "latest.jpg while paused")
            d.send_signal(signal.SIGUSR2)
            data = b""
            while True:
                b = os.read(fd, 1 << 20)
                check(b, "EOF after resume")
                data += b
                frames, _ = split_frames(data)
                if frames:
                    break
            check_whole(frames[0], "frame after resume")
            check(status(mp)["state"] == "live", "state after resume")
        finally:
            os.close(fd)


def main():
    unplugged(stale=False)
    unplugged(stale=True)
    exit_on_disconnect()
    resume()


run_test(main)
