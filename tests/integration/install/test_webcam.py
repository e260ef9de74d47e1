#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The webcam recipe, as far as a machine without v4l2loopback allows.

The exact ffmpeg command of README.md, and the one alphafs-webcam@.service
runs, read stream.mjpeg of a real mount (the emulated camera) with the
v4l2 output replaced by what that muxer is given: raw video, to a pipe
(byte count = frames x frame size) and to a NUT file (ffprobe: rawvideo,
yuv420p, the camera's size, one packet of one frame's size per frame).
The v4l2loopback device itself is not tested here (no V4L2 in this
kernel); README says so and which module options it needs."""
import os
import re
import shlex
import subprocess

from install_common import SOURCE_ROOT, check, log, need_programs, run_test
from alphafs_e2e import mounted

FRAMES = 60
README_MOUNT = "/mnt/alpha"
UNIT = os.path.join(os.environ.get("ALPHAFS_BUILD_ROOT", ""), "data",
                    "alphafs-webcam@.service")
BROWSER_PIX_FMT = "yuv420p"
DEADLINE_S = 120


def readme_command():
    """The ffmpeg command of README.md's webcam recipe, as argv."""
    text = open(os.path.join(SOURCE_ROOT, "README.md")).read()
    m = re.search(r"^ *(ffmpeg -f mjpeg -i %s/live/stream\.mjpeg(?:[^\n]*"
                  r"\\\n)*[^\n]*)$" % re.escape(README_MOUNT), text, re.M)
    check(m, "README.md has no `ffmpeg -f mjpeg -i %s/live/stream.mjpeg`"
          % README_MOUNT)
    return shlex.split(m.group(1).replace("\\\n", " "))


def unit_command(mp):
    """ExecStart of the built alphafs-webcam@.service, with the variables
    and specifiers of one instance."""
    text = open(UNIT).read()
    m = re.search(r"^ExecStart=((?:[^\n]*\\\n)*[^\n]*)$", text, re.M)
    check(m, UNIT + ": no ExecStart")
    cmd = m.group(1).replace("\\\n", " ")
    cmd = cmd.replace("${ALPHAFS_MOUNT_DIR}/%I", mp)
    cmd = cmd.replace("${ALPHAFS_WEBCAM_NR}", "10")
    check("$" not in cmd and "%" not in cmd, "unresolved: " + cmd)
    return shlex.split(cmd)


def with_output(argv, mp, mount_in_cmd, out):
    """argv with the stream read from mp and `-f v4l2 /dev/videoN`
    replaced by out (a list of output arguments)."""
    check(argv[-3:-1] == ["-f", "v4l2"]
          and re.fullmatch(r"/dev/video\d+", argv[-1]),
          "the command does not end with -f v4l2 /dev/videoN: %s" % argv)
    check("-vf" in argv and argv[argv.index("-vf") + 1]
          == "format=" + BROWSER_PIX_FMT,
          "the command does not convert to %s: %s" % (BROWSER_PIX_FMT, argv))
    src = mount_in_cmd + "/live/stream.mjpeg"
    check(src in argv, "the command does not read %s: %s" % (src, argv))
    argv = [mp + "/live/stream.mjpeg" if a == src else a for a in argv[:-3]]
    return argv + ["-frames:v", str(FRAMES)] + out


def jpeg_size(mp):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                        "-show_entries", "stream=width,height", "-of",
                        "csv=p=0", mp + "/live/latest.jpg"],
                       stdout=subprocess.PIPE, text=True, timeout=60,
                       check=True)
    w, h = (int(x) for x in r.stdout.strip().split(","))
    return w, h


def i420_size(w, h):
    return w * h + 2 * ((w + 1) // 2) * ((h + 1) // 2)


def check_pipe(argv, frame_size, what):
    """Raw video to a pipe, as the v4l2 muxer receives it."""
    cmd = argv + ["-f", "rawvideo", "pipe:1"]
    log("$ " + " ".join(shlex.quote(a) for a in cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=DEADLINE_S)
    check(r.returncode == 0, "%s: ffmpeg exit %d: %s" % (
        what, r.returncode, r.stderr.decode(errors="replace")[-2000:]))
    data = r.stdout
    check(len(data) == FRAMES * frame_size, "%s: %d bytes, expected %d "
          "frames of %d" % (what, len(data), FRAMES, frame_size))
    first, last = data[:frame_size], data[-frame_size:]
    check(first != last, "%s: first and last frame identical: the picture "
          "does not move" % what)
    log("  %s: %d frames of %d bytes on the pipe" % (what, FRAMES,
                                                     frame_size))


def check_nut(argv, path, w, h, frame_size, what):
    """The same into a NUT file, which records the pixel format."""
    # rawvideo: the codec the v4l2 muxer takes (NUT would pick mpeg4).
    cmd = argv + ["-y", "-c:v", "rawvideo", "-f", "nut", path]
    log("$ " + " ".join(shlex.quote(a) for a in cmd))
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=DEADLINE_S)
    check(r.returncode == 0, "%s: ffmpeg exit %d: %s" % (
        what, r.returncode, r.stderr.decode(errors="replace")[-2000:]))
    r = subprocess.run(["ffprobe", "-v", "error", "-count_frames",
                        "-select_streams", "v:0", "-show_entries",
                        "stream=codec_name,pix_fmt,width,height,"
                        "nb_read_frames", "-of", "default=nw=1", path],
                       stdout=subprocess.PIPE, text=True, timeout=60,
                       check=True)
    info = dict(l.split("=", 1) for l in r.stdout.split())
    want = {"codec_name": "rawvideo", "pix_fmt": BROWSER_PIX_FMT,
            "width": str(w), "height": str(h), "nb_read_frames": str(FRAMES)}
    check(info == want, "%s: ffprobe says %s, expected %s" % (what, info,
                                                              want))
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                        "-show_entries", "packet=size", "-of", "csv=p=0",
                        path], stdout=subprocess.PIPE, text=True,
                       timeout=60, check=True)
    sizes = [int(s) for s in r.stdout.split()]
    check(len(sizes) == FRAMES and set(sizes) == {frame_size},
          "%s: packet sizes %s" % (what, sorted(set(sizes))))
    log("  %s: %s" % (what, info))


def main():
    need_programs("ffmpeg", "ffprobe")
    readme = readme_command()
    with mounted() as (mp, _):
        w, h = jpeg_size(mp)
        frame_size = i420_size(w, h)
        log("camera frames %dx%d; %s frame = %d bytes" % (w, h,
                                                          BROWSER_PIX_FMT,
                                                          frame_size))
        tmp = os.path.dirname(mp)
        check(os.path.isfile(UNIT), "no built " + UNIT)
        cases = [("README", readme, README_MOUNT),
                 ("alphafs-webcam@.service", unit_command(mp), mp)]
        for what, argv, mnt in cases:
            argv = with_output(argv, mp, mnt, [])
            check_pipe(argv, frame_size, what)
            check_nut(argv, os.path.join(tmp, "webcam.nut"), w, h,
                      frame_size, what)


if __name__ == "__main__":
    run_test(main)
