#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""mount.alphafs replay=CAPTURE on captures recorded from the emulated
camera: ffmpeg decodes stream.mjpeg without an error, and the frames it
reads are the capture's whole frames, byte for byte, in order, none
skipped (the replay waits for the reader); with -o loop the capture plays
again; -o realtime plays it; bad replay sources are refused with a clear
message before anything is mounted."""
import os
import shutil
import subprocess
import tempfile

from alphafs_e2e import (MOUNT, check, check_whole, mounted, run_test,
                         split_frames, status)

MAKE = os.environ["ALPHAFS_MAKE_CAPTURES"]


def expected_frames(cap):
    frames = []
    for line in open(cap + ".expect"):
        w = line.split()
        if w[0] == "frame" and w[2] == "ok":
            frames.append(open(os.path.join(cap + ".expect.d", w[3]), "rb").read())
    return frames


def ffmpeg_frames(mp, n, tmp, what):
    copy = os.path.join(tmp, what + ".mjpeg")
    md5 = os.path.join(tmp, what + ".md5")
    r = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-f", "mjpeg",
         "-i", mp + "/live/stream.mjpeg",
         "-map", "0:v", "-frames:v", str(n), "-c:v", "copy", "-f", "mjpeg", copy,
         "-map", "0:v", "-frames:v", str(n), "-f", "framemd5", md5],
        capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, what + ": ffmpeg failed: " + r.stderr)
    check(r.stderr.strip() == "", what + ": ffmpeg complained: " + r.stderr)
    decoded = [l for l in open(md5) if l.strip() and not l.startswith("#")]
    check(len(decoded) == n, "%s: decoded %d frames, wanted %d" %
          (what, len(decoded), n))
    frames, tail = split_frames(open(copy, "rb").read())
    check(len(frames) == n and not tail, "%s: copied %d frames (+%d bytes)"
          % (what, len(frames), len(tail)))
    for i, f in enumerate(frames):
        check_whole(f, "%s frame %d" % (what, i))
    return frames


def play_all(tmp, name):
    cap = os.path.join(tmp, name)
    want = expected_frames(cap)
    check(len(want) >= 5, name + ": too few whole frames")
    # ffmpeg's MJPEG parser ends a frame at the next one's start: of N
    # frames it can hand on N - 1 while the replay waits after the last.
    want = want[:-1]
    with mounted("replay=" + cap) as (mp, _):
        got = ffmpeg_frames(mp, len(want), tmp, name)
        st = status(mp)
    check(got == want, "%s: stream differs from the capture's frames (%s)" %
          (name, [i for i in range(len(want)) if got[i] != want[i]][:5]))
    check(st["frames_skipped_by_slow_readers"] == "0",
          name + ": frames skipped: " + st["frames_skipped_by_slow_readers"])
    print("%s: ffmpeg decoded %d whole frames (all but the last), identical "
          "to the capture's" % (name, len(want)))


def play_loop(tmp, name):
    cap = os.path.join(tmp, name)
    want = expected_frames(cap)
    with mounted("replay=" + cap, opts=["loop"]) as (mp, _):
        got = ffmpeg_frames(mp, 2 * len(want) + 3, tmp, name + "-loop")
    check(got == want + want + want[:3], name + ": -o loop did not play the "
          "capture again, in order")
    print("%s: -o loop played it %d frames deep" % (name, len(got)))


def play_realtime(tmp, name):
    cap = os.path.join(tmp, name)
    want = expected_frames(cap)
    # Looping, so a reader that starts late still finds frames coming.
    with mounted("replay=" + cap, opts=["realtime", "loop"]) as (mp, _):
        got = ffmpeg_frames(mp, 6, tmp, name + "-rt")
    # At the capture's own pace a reader may miss none or some; what it
    # gets are the capture's frames, in order (one wrap to the first at
    # most).
    idx = [want.index(f) for f in got]
    wraps = sum(1 for a, b in zip(idx, idx[1:]) if b <= a)
    check(wraps <= 1, name + ": realtime frames out of order: %s" % idx)
    print("%s: -o realtime frames %s" % (name, idx))


def refused(tmp):
    mp = tempfile.mkdtemp(prefix="alphafs-replay-mp-")
    try:
        cut = os.path.join(tmp, "snaplen.pcapng")
        for source, opts, words in [
                ("replay=" + os.path.join(tmp, "none.pcap"), [], "No such file"),
                ("replay=" + cut, [], "no whole live-view frame"),
                ("emulate", ["loop"], "need a replay=CAPTURE source")]:
            cmd = [MOUNT, source, mp, "-f"] + (["-o", ",".join(opts)] if opts else [])
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            check(r.returncode == 1 and words in r.stderr,
                  "%s %s: %d %s" % (source, opts, r.returncode, r.stderr))
        print("bad replay sources refused")
    finally:
        os.rmdir(mp)


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-replay-")
    try:
        r = subprocess.run([MAKE, tmp], capture_output=True, text=True,
                           timeout=300)
        check(r.returncode == 0, "make_captures: " + r.stderr)
        play_all(tmp, "usbmon.pcap")
        play_all(tmp, "usbpcap.pcap")
        play_loop(tmp, "usbmon189.pcap")
        play_realtime(tmp, "usbmon.pcapng")
        refused(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


run_test(main)
