#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""alphafs against its peer, in one run, on the same emulated ILCE-6300
behind the real libusb (alphafs-emulator): frames per second and latency
from "frame complete in the camera" (the CLOCK_MONOTONIC stamp in each
frame's pixel marker, src/emu/marker.c) to "whole frame in the reader", for

  gphoto2 --capture-movie=N --stdout        (libgphoto2's Sony live view)
  cat live/stream.mjpeg of mount.alphafs    (the same camera, one reader)

Prints figures; asserts nothing.
usage: bench_vs_gphoto2.py ALPHAFS_EMULATOR MOUNT_ALPHAFS [FRAMES [FPS...]]
(FPS: the emulated camera's live-view rates to run at; default 30 and 60)
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

from alphafs_e2e import Failure, marker
EOI = b"\xff\xd9"


def frames_from(read, n):
    """Reads until n whole frames arrived; returns [(seq, latency_ns,
    arrival_ns)]. The emulator's frames hold exactly one EOI, at the end."""
    buf, out = b"", []
    while len(out) < n:
        chunk = read(65536)
        if not chunk:
            break
        buf += chunk
        now = time.monotonic_ns()
        while True:
            end = buf.find(EOI)
            if end < 0:
                break
            frame, buf = buf[:end + 2], buf[end + 2:]
            try:
                seq, t = marker(frame)
            except Failure:
                continue
            out.append((seq, now - t, now))
    return out


def report(name, frames):
    if len(frames) < 2:
        print("%-28s no frames" % name)
        return
    lat = sorted(f[1] / 1e6 for f in frames)
    span = (frames[-1][2] - frames[0][2]) / 1e9
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    seqs = [f[0] for f in frames]
    skipped = sum(b - a - 1 for a, b in zip(seqs, seqs[1:]) if b > a)
    print("%-28s %4d frames  %5.1f fps  latency p50 %6.2f ms  p99 %6.2f ms"
          "  max %6.2f ms  camera frames skipped %d"
          % (name, len(frames), (len(frames) - 1) / span,
             statistics.median(lat), p99, lat[-1], skipped))


def run_gphoto2(emu, fps, n):
    cmd = [emu, "--fps", str(fps), "--", "gphoto2", "--capture-movie=%d" % n, "--stdout"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        return frames_from(p.stdout.read1, n)
    finally:
        p.stdout.close()
        p.wait(timeout=60)


def run_alphafs(emu, fps, mount, n):
    tmp = tempfile.mkdtemp(prefix="alphafs-bench-")
    mp = os.path.join(tmp, "mnt")
    os.mkdir(mp)
    p = subprocess.Popen([emu, "--fps", str(fps), "--", mount, mp, "-f"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(mp + "/live/stream.mjpeg"):
            if time.monotonic() > deadline or p.poll() is not None:
                raise SystemExit("alphafs did not mount")
            time.sleep(0.05)
        with open(mp + "/live/stream.mjpeg", "rb", buffering=0) as f:
            return frames_from(f.read, n)
    finally:
        subprocess.run(["fusermount3", "-u", mp], stderr=subprocess.DEVNULL)
        p.wait(timeout=30)
        os.rmdir(mp)
        os.rmdir(tmp)


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    emu, mount = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 150
    rates = [int(a) for a in sys.argv[4:]] or [30, 60]
    for fps in rates:
        print("emulated ILCE-6300 at %d fps, 640x424, real libusb via "
              "umockdev; %d frames each" % (fps, n))
        report("  gphoto2 --capture-movie", run_gphoto2(emu, fps, n))
        report("  alphafs stream.mjpeg", run_alphafs(emu, fps, mount, n))


if __name__ == "__main__":
    main()
