#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stream.mjpeg reader for the tests: reads N whole frames with a given
read size (and an optional pause after each read), checks each is one whole
JPEG, and prints one line per frame: "<seq> <len>".

With a fifth argument "defer", frames are only split while reading and are
checked and printed when the reader gets SIGTERM (or the N frames): the
reader then spends its time reading, which keeps a counting reader from
falling behind on a loaded machine. The first frame is still printed at
once, so a caller knows the reader is running."""
import os
import signal
import sys
import time

from alphafs_e2e import check_whole, marker, split_frames


class Stop(Exception):
    pass


def stop(signum, frame):
    raise Stop()


def show(f):
    check_whole(f, "frame")
    print("%d %d" % (marker(f)[0], len(f)), flush=True)


def deferred(fd, nframes, bufsize):
    kept, pending = [], b""
    signal.signal(signal.SIGTERM, stop)
    try:
        while len(kept) < nframes:
            b = os.read(fd, bufsize)
            if not b:
                break
            pending += b
            frames, pending = split_frames(pending)
            if frames and not kept:
                show(frames[0])
                frames = frames[1:]
                kept.append(None)
            kept += frames
    except Stop:
        pass
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for f in kept[1:]:
        show(f)
    os.close(fd)


def main():
    path, nframes, bufsize, pause = (sys.argv[1], int(sys.argv[2]),
                                     int(sys.argv[3]), float(sys.argv[4]))
    fd = os.open(path, os.O_RDONLY)
    if sys.argv[5:] == ["defer"]:
        deferred(fd, nframes, bufsize)
        return
    pending, got = b"", 0
    while got < nframes:
        b = os.read(fd, bufsize)
        if not b:
            # End of stream: closing must work too, daemon gone or not.
            try:
                os.close(fd)
                print("EOF", flush=True)
            except OSError as e:
                print("EOF, then close failed: %s" % e, flush=True)
            return
        pending += b
        frames, pending = split_frames(pending)
        for f in frames:
            show(f)
            got += 1
        if pause:
            time.sleep(pause)  # a slow consumer, not an assertion
    os.close(fd)


main()
