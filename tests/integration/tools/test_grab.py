#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""alphafs-grab against the emulated camera in memory: whole frames to files
and to stdout, torn frames never written, one-line errors and exit codes."""
import os
import re
import subprocess
import sys
import tempfile

from alphafs_e2e import Failure, marker

GRAB = os.environ["ALPHAFS_GRAB"]
results = {"passed": 0, "failed": 0}


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run(*args, timeout=120):
    return subprocess.run([GRAB, *args], capture_output=True, timeout=timeout)


def decodes(jpeg):
    """True when djpeg decodes the bytes without a warning or error."""
    p = subprocess.run(["djpeg", "-outfile", os.devnull], input=jpeg,
                       capture_output=True, timeout=30)
    return p.returncode == 0 and not p.stderr


def split_mjpeg(blob):
    frames, pos = [], 0
    while pos < len(blob):
        check(blob[pos:pos + 2] == b"\xff\xd8", f"frame {len(frames)} starts with SOI")
        end = blob.find(b"\xff\xd9", pos)
        check(end > 0, "every frame has an EOI")
        frames.append(blob[pos:end + 2])
        pos = end + 2
    return frames


def check_frames(frames, n):
    check(len(frames) == n, f"{n} frames, got {len(frames)}")
    seqs = []
    for i, f in enumerate(frames):
        check(f[:2] == b"\xff\xd8" and f[-2:] == b"\xff\xd9", f"frame {i} is SOI..EOI")
        check(f.count(b"\xff\xd9") == 1, f"frame {i} has one EOI")
        check(decodes(f), f"frame {i} decodes")
        try:
            seqs.append(marker(f)[0])
        except Failure as e:
            check(False, f"frame {i} carries the emulator's marker: {e}")
    check(all(a < b for a, b in zip(seqs, seqs[1:])), f"sequence strictly increasing: {seqs}")


def test_files():
    with tempfile.TemporaryDirectory() as d:
        p = run("-n", "30", "-o", d, "--info", "emulate")
        check(p.returncode == 0, f"exit 0, got {p.returncode}: {p.stderr!r}")
        check(b"ILCE-6300" in p.stderr, "--info names the model")
        names = sorted(os.listdir(d))
        check(names[0] == "frame-000001.jpg" and len(names) == 30, f"30 files: {names[:3]}")
        frames = []
        for n in names:
            with open(os.path.join(d, n), "rb") as f:
                frames.append(f.read())
        check_frames(frames, 30)


def test_stdout_mjpeg():
    p = run("-n", "40", "-o", "-", "emulate")
    check(p.returncode == 0, f"exit 0: {p.stderr!r}")
    check_frames(split_mjpeg(p.stdout), 40)
    check(re.search(rb"40 frames written", p.stderr), "summary line")


def test_torn_frames_never_written():
    p = run("-n", "30", "-o", "-", "-F",
            "truncate-every=2,badsize-every=3,badoffset-every=5,garbage-every=7,short-every=11",
            "emulate")
    check(p.returncode == 0, f"exit 0: {p.stderr!r}")
    check_frames(split_mjpeg(p.stdout), 30)
    m = re.search(rb"(\d+) rejected", p.stderr)
    check(m and int(m.group(1)) > 0, f"rejects counted: {p.stderr!r}")
    for reason in (b"no_eoi", b"size", b"offset"):
        check(reason + b"=" in p.stderr, f"reason {reason!r} counted: {p.stderr!r}")


def test_usage_errors():
    for args, what in ((["-n", "0", "emulate"], "--frames"),
                       (["-n", "12x", "emulate"], "--frames"),
                       (["-o", "/nonexistent/dir", "emulate"], "not a directory"),
                       (["-F", "bogus=1", "emulate"], "bogus"),
                       (["usb:1"], "usb:"),
                       (["emulate", "extra"], "unexpected argument")):
        p = run(*args)
        check(p.returncode == 2, f"{args}: exit 2, got {p.returncode}")
        lines = p.stderr.decode().strip().splitlines()
        check(len(lines) >= 1 and what in lines[0], f"{args}: one clear line with {what!r}: {lines}")
    p = run("--help")
    check(p.returncode == 0 and b"--frames" in p.stdout, "--help lists the options")
    check(all(len(l) <= 80 for l in p.stdout.splitlines()),
          "--help fits 80 columns")


def test_no_camera():
    # No USB bus on this machine (or no such device): a clear error, exit 1.
    p = run("-n", "1", "-t", "2", "-o", "-", "usb:009,099")
    check(p.returncode == 1, f"exit 1, got {p.returncode}: {p.stderr!r}")
    check(len(p.stderr.decode().strip().splitlines()) == 1, f"one line: {p.stderr!r}")


def main():
    tests = [test_files, test_stdout_mjpeg, test_torn_frames_never_written,
             test_usage_errors, test_no_camera]
    for t in tests:
        try:
            t()
            results["passed"] += 1
            print(f"ok   {t.__name__}", flush=True)
        except Exception as e:  # report every failure, keep going
            results["failed"] += 1
            print(f"FAIL {t.__name__}: {e}", flush=True)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
