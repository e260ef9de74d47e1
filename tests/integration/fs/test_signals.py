#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""O_NONBLOCK reads answer EAGAIN when there is no new frame; SIGINT ends
a read parked waiting for a frame (EINTR); poll() works."""
import errno
import os
import select
import signal
import subprocess
import sys

from alphafs_e2e import (check, check_whole, mounted, run_test, split_frames,
                         status, wait_until)

# Raises from the handler so the EINTR is not retried (PEP 475).
BLOCKED_READER = r"""
import os, signal, sys
class Stop(Exception): pass
def h(s, f): raise Stop()
signal.signal(signal.SIGINT, h)
fd = os.open(sys.argv[1], os.O_RDONLY)
try:
    while True:
        if not os.read(fd, 1 << 20):
            print("EOF"); break
except Stop:
    print("interrupted")
"""


def nonblock(mp):
    fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY | os.O_NONBLOCK)
    try:
        got, eagain, data = 0, 0, b""
        while eagain == 0 or not data:
            try:
                b = os.read(fd, 1 << 20)
                check(b, "EOF on a non-blocking read")
                data += b
            except OSError as e:
                check(e.errno == errno.EAGAIN, "nonblock read: %s" % e)
                eagain += 1
        frames, tail = split_frames(data)
        for f in frames:
            check_whole(f, "non-blocking frame")
        check(frames and not tail, "non-blocking reads tore a frame")
    finally:
        os.close(fd)
    check(int(status(mp)["reads_eagain"]) >= 1, "EAGAIN not counted")


def polling(mp):
    fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY | os.O_NONBLOCK)
    try:
        p = select.poll()
        p.register(fd, select.POLLIN)
        for _ in range(5):
            ev = p.poll(30000)
            check(ev and ev[0][1] & select.POLLIN, "poll timed out")
            # Drain everything available; then poll must wait again.
            while True:
                try:
                    if not os.read(fd, 1 << 20):
                        break
                except BlockingIOError:
                    break
    finally:
        os.close(fd)


def sigint(mp):
    before = int(status(mp)["reads_interrupted"])
    r = subprocess.Popen([sys.executable, "-c", BLOCKED_READER,
                          mp + "/live/stream.mjpeg"],
                         stdout=subprocess.PIPE, text=True)
    wait_until(lambda: int(status(mp)["reads_waiting"]) >= 1, 30,
               "the read to be parked")
    r.send_signal(signal.SIGINT)
    out = r.communicate(timeout=30)[0]
    check(out.strip() == "interrupted", "reader said %r" % out)
    after = int(status(mp)["reads_interrupted"])
    check(after == before + 1, "interrupt count %d -> %d" % (before, after))


def main():
    # One frame every 2 s: a read after a whole frame has nothing new.
    # The camera is frozen after its first frame for the SIGINT case.
    with mounted(opts=["emu_fps=1"]) as (mp, _):
        nonblock(mp)
        polling(mp)
    with mounted(opts=["emu_fault=hang-after-first",
                       "reconnect_timeout=3600"]) as (mp, _):
        sigint(mp)


run_test(main)
