#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stream.mjpeg reader for the tests: reads N whole frames with a given
read size (and an optional pause after each read), checks each is one whole
JPEG, and prints one line per frame: "<seq> <len>"."""
import os
import sys
import time

from alphafs_e2e import check_whole, marker, split_frames


def main():
    path, nframes, bufsize, pause = (sys.argv[1], int(sys.argv[2]),
                                     int(sys.argv[3]), float(sys.argv[4]))
    fd = os.open(path, os.O_RDONLY)
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
            check_whole(f, "frame")
            print("%d %d" % (marker(f)[0], len(f)), flush=True)
            got += 1
        if pause:
            time.sleep(pause)  # a slow consumer, not an assertion
    os.close(fd)


main()
