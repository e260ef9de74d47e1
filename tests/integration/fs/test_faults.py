#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Torn and truncated frames injected by the emulated camera never reach
any file: every frame read from stream.mjpeg and latest.jpg is one whole
JPEG that decodes, and info/status counts the dropped ones by reason."""
import os

from alphafs_e2e import (check, check_whole, decode, marker, mounted,
                         run_test, split_frames, status, wait_until)

FAULTS = "emu_fault=truncate-every=3:badsize-every=5:badoffset-every=7"
STREAM_FRAMES = 60
LATEST_READS = 40


def read_stream(mp, n):
    fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY)
    data, frames = b"", []
    try:
        while len(frames) < n:
            b = os.read(fd, 1 << 16)
            check(b, "EOF on the stream")
            data += b
            got, data = split_frames(data)
            frames += got
    finally:
        os.close(fd)
    return frames


def main():
    with mounted(opts=[FAULTS]) as (mp, _):
        frames = read_stream(mp, STREAM_FRAMES)
        seqs = []
        for i, f in enumerate(frames):
            check_whole(f, "stream frame %d" % i)
            decode(f, "stream frame %d" % i)
            seqs.append(marker(f)[0])
        check(all(b > a for a, b in zip(seqs, seqs[1:])), "stream order")
        for i in range(LATEST_READS):
            data = open(mp + "/live/latest.jpg", "rb").read()
            check_whole(data, "latest.jpg #%d" % i)
            decode(data, "latest.jpg #%d" % i)
        st = wait_until(
            lambda: (lambda s: s if int(s["frames_dropped"]) > 0 else None)(
                status(mp)), 30, "dropped frames to be counted")
        # Every third frame is torn: the emulator's sequence numbers the
        # readers saw must have holes where the torn ones were.
        check(any(b - a > 1 for a, b in zip(seqs, seqs[1:])),
              "no frame was missing: were faults injected?")
        reasons = {k: int(v) for k, v in st.items()
                   if k.startswith("dropped_") and int(v) > 0}
        check(reasons, "no drop reason counted: %r" % st)
        total = sum(reasons.values())
        check(total == int(st["frames_dropped"]),
              "reasons %d != dropped %s" % (total, st["frames_dropped"]))
        print("dropped by reason:", reasons)


run_test(main)
