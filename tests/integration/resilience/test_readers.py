#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Misbehaving readers against the daemon on the emulated camera behind
the real libusb:

  - 1000 open/read/close cycles of latest.jpg and of stream.mjpeg: the
    daemon's descriptors and resident memory do not grow (generous bound,
    compared after a warm-up), the handle counts in info/status return to
    zero, and frames keep flowing (the capture thread never stalls);
  - a reader that opens stream.mjpeg and never reads, held across it all:
    its first read, much later, still gets whole frames;
  - reads at odd offsets and sizes: pread on one latest.jpg handle matches
    a full read of that handle byte for byte; stream reads of odd sizes
    give a byte-exact MJPEG; pread on the stream fails with ESPIPE;
  - kill -9 of a reader blocked in read (camera paused), and of readers
    killed mid-frame: the daemon forgets them and a new reader gets frames.
"""
import errno
import os
import random
import signal
import time

from resil import (Rig, WRAPPER, check, daemon_resources, log, read_latest,
                   run_test, verify_stream_bytes)

CYCLES = 1000
WARMUP = 100
# Generous: frames are ~10 KiB, a leak of one per cycle would be ~10 MiB.
RSS_GROWTH_MAX_KIB = 6 * 1024
FD_GROWTH_MAX = 2
ODD_PREADS = 400
KILLED_READERS = 20
# valgrind's and the sanitizers' own memory would hide the daemon's; their
# leak checks at exit cover what this bound is for.
SANITIZE = os.environ.get("ALPHAFS_SANITIZE", "none")
RSS_MEANINGFUL = not WRAPPER and SANITIZE in ("", "none")


def latest_cycles(mp, n):
    for i in range(n):
        fd = os.open(mp + "/live/latest.jpg", os.O_RDONLY)
        try:
            data = os.read(fd, 1 << 20)
        finally:
            os.close(fd)
        if i % 100 == 0:
            read_latest(mp, "latest.jpg cycle %d" % i)
        check(data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9",
              "latest.jpg cycle %d not whole" % i)


def stream_cycles(mp, n):
    """Open, read the first chunk (the SOI of the newest frame), close:
    half the time mid-frame."""
    for i in range(n):
        fd = os.open(mp + "/live/stream.mjpeg", os.O_RDONLY)
        try:
            b = os.read(fd, 4096 if i % 2 else 1 << 20)
        finally:
            os.close(fd)
        check(b[:2] == b"\xff\xd8", "stream cycle %d: no SOI first" % i)


def cycles(rig, n):
    latest_cycles(rig.mp, n)
    stream_cycles(rig.mp, n)


def idle_handles(rig, extra_readers):
    st = rig.wait_status(
        lambda s: s["readers_latest"] == "0" and
        int(s["readers_stream"]) == extra_readers, "handles released")
    return st


def open_close(rig):
    lazy = os.open(rig.mp + "/live/stream.mjpeg", os.O_RDONLY)
    try:
        cycles(rig, WARMUP)
        idle_handles(rig, 1)
        fds0, rss0 = daemon_resources(rig.daemon_pid)
        seq0, _ = read_latest(rig.mp)
        cycles(rig, CYCLES)
        st = idle_handles(rig, 1)
        fds1, rss1 = daemon_resources(rig.daemon_pid)
        seq1, _ = read_latest(rig.mp)
        log("%d cycles each: fds %d -> %d, VmRSS %d -> %d KiB, frames %d->%d"
            % (CYCLES, fds0, fds1, rss0, rss1, seq0, seq1))
        check(seq1 > seq0, "no new frame during the cycles")
        check(fds1 <= fds0 + FD_GROWTH_MAX, "descriptors grew %d -> %d"
              % (fds0, fds1))
        if RSS_MEANINGFUL:
            check(rss1 <= rss0 + RSS_GROWTH_MAX_KIB,
                  "VmRSS grew %d -> %d KiB" % (rss0, rss1))
        else:
            log("VmRSS bound not checked: the daemon runs under %s"
                % (" ".join(WRAPPER[:1]) or SANITIZE))
        check(int(st["frames_served_latest"]) >= WARMUP + CYCLES + 2,
              "latest opens not served")
        # The reader that never read: whole frames now, newer ones after.
        data = b""
        while len(verify_stream_bytes(data, "lazy", allow_tail=True)) < 3:
            b = os.read(lazy, 65536)
            check(b, "EOF on the lazy reader")
            data += b
        seqs = verify_stream_bytes(data, "lazy", allow_tail=True)
        check(seqs[-1] > seq0, "the lazy reader never got a new frame")
    finally:
        os.close(lazy)


def odd_preads(rig):
    rnd = random.Random(6300)
    fd = os.open(rig.mp + "/live/latest.jpg", os.O_RDONLY)
    try:
        full = b""
        while True:
            b = os.pread(fd, 1 << 20, len(full))
            if not b:
                break
            full += b
        check(full[:2] == b"\xff\xd8" and full[-2:] == b"\xff\xd9",
              "full read of the handle not whole")
        n = len(full)
        for i in range(ODD_PREADS):
            off = rnd.randrange(0, n + 64) | 1
            size = rnd.choice([1, 3, 7, 511, 513, 4095, 4097, 65535]) \
                + rnd.randrange(0, 5) * 2
            got = os.pread(fd, size, off)
            check(got == full[off:off + size], "pread(%d, %d) of %d bytes "
                  "differs" % (size, off, n))
        check(os.pread(fd, 100, n) == b"", "pread at the end")
        check(os.pread(fd, 100, n + 12345) == b"", "pread past the end")
    finally:
        os.close(fd)
    fd = os.open(rig.mp + "/live/stream.mjpeg", os.O_RDONLY)
    try:
        os.pread(fd, 10, 5)
        check(False, "pread on the stream worked")
    except OSError as e:
        check(e.errno == errno.ESPIPE, "pread on the stream: %s" % e)
    finally:
        os.close(fd)
    odd = rig.reader("odd-sizes", size=0)
    odd.wait_frames(30)
    odd.signal(signal.SIGINT)
    odd.finish()


def kill_blocked(rig):
    fds0, _ = daemon_resources(rig.daemon_pid)
    rig.ctl("pause")
    victim = rig.reader("victim")
    rig.wait_status(lambda s: int(s["reads_waiting"]) >= 1,
                    "the victim parked in read")
    victim.proc.send_signal(signal.SIGKILL)
    victim.proc.wait()
    rig.wait_status(lambda s: s["reads_waiting"] == "0" and
                    s["readers_stream"] == "0", "the killed reader forgotten")
    rig.ctl("resume")
    # Readers killed at random moments while frames flow.
    rnd = random.Random(7)
    for i in range(KILLED_READERS):
        r = rig.reader("k%d" % i, size=rnd.choice([1000, 4093, 65536]))
        r.wait_frames(1)
        time.sleep(rnd.random() * 0.05)  # any moment; not an assertion
        r.proc.send_signal(signal.SIGKILL)
        r.proc.wait()
    rig.wait_status(lambda s: s["reads_waiting"] == "0" and
                    s["readers_stream"] == "0", "killed readers forgotten")
    after = rig.reader("after")
    after.wait_frames(5)
    after.signal(signal.SIGINT)
    after.finish()
    fds1, _ = daemon_resources(rig.daemon_pid)
    check(fds1 <= fds0 + FD_GROWTH_MAX, "descriptors grew %d -> %d"
          % (fds0, fds1))


def main():
    with Rig() as rig:
        open_close(rig)
        odd_preads(rig)
        kill_blocked(rig)


run_test(main)
