#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A client of the mount for the shutdown tests (test_stop.py).

usage: stop_client.py stream MNT SIZE PAUSE
       stop_client.py copy MNT
       stop_client.py hold MNT

stream: reads live/stream.mjpeg with SIZE-byte reads (PAUSE seconds after
  each: a reader busy in the middle of frames, not one waiting for the
  next); ends at end of file or at the first error.
copy: copies live/latest.jpg over and over (open, read to the end,
  close); ends when an open fails.
hold: opens stream.mjpeg, latest.jpg and info/status, reads a little of
  each, then reads nothing more until SIGUSR2, and closes them then (a
  reader that never reads again).

Every system call is checked. It prints "READY" once it has whole data,
then one JSON line when it ends: how it ended ("end": "EOF", or the errno
name of the failed read or open), how close() went ("close": "ok" or the
errno name), frames or copies completed, bytes after the last whole frame.
SIGUSR1 asks stream and copy to stop at the next read or copy (a reader
that closes by itself); SIGUSR2 releases hold. Signals never cut a read:
the handlers only set a flag, and Python retries an interrupted read.
"""
import errno
import json
import os
import signal
import sys
import time

from alphafs_e2e import check_whole, marker, split_frames  # noqa: E402

STOP = {"flag": False, "release": False}


def on_usr1(signum, frame):
    STOP["flag"] = True


def on_usr2(signum, frame):
    STOP["release"] = True


def name(e):
    return errno.errorcode.get(e.errno, str(e.errno))


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def close_status(fd):
    try:
        os.close(fd)
        return "ok"
    except OSError as e:
        return name(e)


def stream(mp, size, pause):
    fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY)
    pending, frames, seqs, end = b"", 0, [], None
    while end is None and not STOP["flag"]:
        try:
            b = os.read(fd, size)
        except OSError as e:
            end = name(e)
            break
        if not b:
            end = "EOF"
            break
        pending += b
        whole, pending = split_frames(pending)
        for f in whole:
            check_whole(f, "frame")
            seqs.append(marker(f)[0])
            frames += 1
            if frames == 1:
                say("READY")
        if pause:
            time.sleep(pause)  # a consumer busy with each chunk
    order = all(seqs[i] < seqs[i + 1] for i in range(len(seqs) - 1))
    return {"end": end or "stopped", "close": close_status(fd),
            "frames": frames, "tail": len(pending), "ordered": order}


def copy(mp):
    copies, end, bad = 0, None, []
    while end is None and not STOP["flag"]:
        try:
            fd = os.open(mp + "/live/latest.jpg", os.O_RDONLY)
        except OSError as e:
            end = name(e)
            break
        data = b""
        try:
            while True:
                b = os.read(fd, 65536)
                if not b:
                    break
                data += b
        except OSError as e:
            bad.append("read " + name(e))
        st = close_status(fd)
        if st != "ok":
            bad.append("close " + st)
        if bad:
            break
        check_whole(data, "latest.jpg")
        copies += 1
        if copies == 1:
            say("READY")
    return {"end": end or "stopped", "close": "ok" if not bad else bad,
            "frames": copies, "tail": 0, "ordered": True}


def hold(mp):
    names = ["live/stream.mjpeg", "live/latest.jpg", "info/status"]
    fds = [os.open(mp + "/" + n, os.O_RDONLY) for n in names]
    for fd in fds:
        os.read(fd, 4096)
    say("READY")
    while not STOP["release"]:
        signal.pause()
    closes = [close_status(fd) for fd in fds]
    bad = [n + " " + c for n, c in zip(names, closes) if c != "ok"]
    return {"end": "released", "close": "ok" if not bad else bad,
            "frames": 1, "tail": 0, "ordered": True}


def main():
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGUSR2, on_usr2)
    mode, mp = sys.argv[1], sys.argv[2]
    if mode == "stream":
        out = stream(mp, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "copy":
        out = copy(mp)
    else:
        out = hold(mp)
    say(json.dumps(out))


main()
