#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""`ls -l` and `cat info/status` answer while the camera is slow: the
emulated camera delays every response, so a stream read stays parked
waiting for its next frame; the listing and the status complete while it
is still parked (the status text itself shows the parked read), which a
handler blocked on the camera could not do.

A timing assumption: that ls and cat fit in the 500 ms a read stays
parked. A loaded machine may take longer; such a round shows no parked
read and is counted, not failed, up to LATE_MAX of them (a handler that
waited on the camera would make nearly every round late)."""
import os
import subprocess
import sys

from alphafs_e2e import (check, hang_scale, mounted, run_test, status,
                         wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
# Below the camera's per-transaction timeout (1 s), with room for a loaded
# machine to deliver an answer late, so the camera is slow but not failing.
LATENCY_MS = 500
ROUNDS = 5
LATE_MAX = 50
# A hang guard for ls and cat, not a measurement: what proves they did not
# wait on the camera is the status text (generated while the read was
# still parked), however long a loaded machine takes to run them.
CLIENT_GUARD_S = 60 * hang_scale()


def main():
    with mounted(opts=["emu_fault=latency=%d" % LATENCY_MS]) as (mp, _):
        # A reader that consumes every frame, so its next read waits for
        # the camera most of the time.
        r = subprocess.Popen([sys.executable, os.path.join(HERE, "reader.py"),
                              mp + "/live/stream.mjpeg", "100000", "1048576",
                              "0"], stdout=subprocess.PIPE, text=True)
        try:
            ok = late = 0
            while ok < ROUNDS:
                check(late < LATE_MAX, "only %d of %d rounds saw the read "
                      "still parked" % (ok, ok + late))
                wait_until(lambda: int(status(mp)["reads_waiting"]) >= 1,
                           CLIENT_GUARD_S, "the read to be parked")
                ls = subprocess.run(["ls", "-l", mp + "/live", mp + "/info"],
                                    capture_output=True, text=True,
                                    timeout=CLIENT_GUARD_S)
                check(ls.returncode == 0, "ls -l: " + ls.stderr)
                check("latest.jpg" in ls.stdout, "ls -l output")
                cat = subprocess.run(["cat", mp + "/info/status"],
                                     capture_output=True, text=True,
                                     timeout=CLIENT_GUARD_S)
                check(cat.returncode == 0, "cat info/status failed")
                st = dict(l.split(": ", 1) for l in cat.stdout.splitlines())
                # The status was generated while the stream read was still
                # parked: it did not wait for the camera.
                if int(st["reads_waiting"]) >= 1:
                    ok += 1
                else:
                    late += 1
            print("%d rounds, %d late" % (ok, late))
        finally:
            r.kill()
            r.wait()


run_test(main)
