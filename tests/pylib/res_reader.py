#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stream.mjpeg reader for the resilience tests.

usage: res_reader.py STREAM OUT SIZE ON_ERROR ON_SIGNAL PAUSE

Reads STREAM with SIZE-byte reads, appends every byte to OUT, and prints
one line per event: "F <seq>" for each whole frame, "E <ERRNO>" for a
failed read (E EINTR when SIGINT or SIGUSR1 ended a read), "EOF". After an
error or a signal it exits (ON_ERROR / ON_SIGNAL "exit") or reads on
("continue"). SIZE 0 cycles through odd sizes. PAUSE: seconds to sleep
after each read (a slow consumer, not a measurement). SIGINT and SIGUSR1
are only unblocked around the read itself, so a signal never splits
the bookkeeping of bytes already read.
"""
import errno
import os
import signal
import sys
import time

from alphafs_e2e import marker, split_frames

ODD_SIZES = [1, 3, 7, 13, 511, 513, 4093, 4097, 65537, 2, 131071]
SIGS = {signal.SIGINT, signal.SIGUSR1}
RETRY_PAUSE_S = 0.05  # after "continue" on an error: no busy loop


class Interrupted(Exception):
    pass


def handle(signum, frame):
    raise Interrupted()


def read_once(fd, size):
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGS)
    try:
        return os.read(fd, size)
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, SIGS)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main():
    path, out, size, on_error, on_signal, pause = sys.argv[1:7]
    size, pause = int(size), float(pause)
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGS)
    for s in SIGS:
        signal.signal(s, handle)
    fd = os.open(path, os.O_RDONLY)
    pending, n = b"", 0
    with open(out, "wb", buffering=0) as f:
        while True:
            want = size or ODD_SIZES[n % len(ODD_SIZES)]
            n += 1
            try:
                b = read_once(fd, want)
            except Interrupted:
                say("E EINTR")
                if on_signal == "exit":
                    return
                continue
            except OSError as e:
                say("E " + errno.errorcode.get(e.errno, str(e.errno)))
                if on_error == "exit":
                    return
                time.sleep(RETRY_PAUSE_S)
                continue
            if not b:
                say("EOF")
                return
            if len(b) > want:
                say("E TOOLONG")
                return
            f.write(b)
            pending += b
            frames, pending = split_frames(pending)
            for fr in frames:
                say("F %d" % marker(fr)[0])
            if pause:
                time.sleep(pause)


main()
