#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""ffmpeg decodes 300 frames of stream.mjpeg (100 with the daemon under
valgrind, whose emulated camera makes far fewer frames per second); the
frames it got, copied out unchanged, carry strictly increasing emulator
sequence numbers."""
import os
import shutil
import subprocess
import tempfile

from alphafs_e2e import (WRAPPER, check, check_whole, hang_scale, marker,
                         mounted, run_test, split_frames)

FRAMES = 100 if WRAPPER else 300
# A hang guard for ffmpeg, not a measurement: the frames come at the
# camera's pace, which a loaded machine (and valgrind) slows down.
FFMPEG_GUARD_S = 120 * hang_scale()


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-ffmpeg-")
    try:
        with mounted() as (mp, _):
            copy = os.path.join(tmp, "copy.mjpeg")
            md5 = os.path.join(tmp, "frames.md5")
            # One input, two outputs: the packets as they came, and every
            # frame decoded (framemd5 writes one line per decoded frame).
            r = subprocess.run(
                ["ffmpeg", "-nostdin", "-v", "error", "-f", "mjpeg",
                 "-i", mp + "/live/stream.mjpeg",
                 "-map", "0:v", "-frames:v", str(FRAMES), "-c:v", "copy",
                 "-f", "mjpeg", copy,
                 "-map", "0:v", "-frames:v", str(FRAMES), "-f", "framemd5",
                 md5],
                capture_output=True, text=True, timeout=FFMPEG_GUARD_S)
            check(r.returncode == 0, "ffmpeg failed: " + r.stderr)
            check(r.stderr.strip() == "", "ffmpeg complained: " + r.stderr)
        lines = [l for l in open(md5) if l.strip() and not l.startswith("#")]
        check(len(lines) == FRAMES, "decoded %d frames" % len(lines))
        frames, tail = split_frames(open(copy, "rb").read())
        check(len(frames) == FRAMES and not tail,
              "copied %d frames (+%d bytes)" % (len(frames), len(tail)))
        seqs = []
        for i, f in enumerate(frames):
            check_whole(f, "frame %d" % i)
            seqs.append(marker(f)[0])
        bad = [i for i in range(1, len(seqs)) if seqs[i] <= seqs[i - 1]]
        check(not bad, "sequence not increasing at %s: %s" % (
            bad[:5], [seqs[i - 1:i + 1] for i in bad[:5]]))
        print("seq %d..%d over %d frames" % (seqs[0], seqs[-1], len(seqs)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


run_test(main)
