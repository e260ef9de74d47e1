#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A reader blocked in read() returns promptly when the filesystem is
unmounted (SIGTERM to the daemon, which unmounts), with EOF. The camera is
frozen after its first frame, so nothing but the unmount can end the read.
fusermount3 -u refuses while the reader holds the file open (EBUSY) and
must not disturb it."""
import os
import signal
import subprocess
import sys

from alphafs_e2e import (EXIT_DEADLINE_S, check, hang_scale, mounted,
                         run_test, status, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    opts = ["emu_fault=hang-after-first", "reconnect_timeout=3600"]
    with mounted(opts=opts) as (mp, daemon):
        r = subprocess.Popen([sys.executable, os.path.join(HERE, "reader.py"),
                              mp + "/live/stream.mjpeg", "1000", "65536", "0"],
                             stdout=subprocess.PIPE, text=True)
        wait_until(lambda: int(status(mp)["reads_waiting"]) >= 1,
                   30 * hang_scale(), "the reader to be parked")
        busy = subprocess.run(["fusermount3", "-u", mp],
                              capture_output=True, text=True)
        check(busy.returncode != 0, "fusermount3 -u unmounted a busy mount")
        check(r.poll() is None, "reader ended on a refused unmount")
        daemon.send_signal(signal.SIGTERM)
        out = r.communicate(timeout=EXIT_DEADLINE_S)[0]
        lines = out.split("\n")
        check("EOF" in lines, "reader did not end with EOF: %r" % out[-200:])
        daemon.wait(timeout=EXIT_DEADLINE_S)
        check(daemon.returncode == 0, "daemon exit %d" % daemon.returncode)
        print("frames before the freeze:", len([l for l in lines if " " in l]))


run_test(main)
