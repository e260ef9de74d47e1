#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gphoto2 (an independent client written against real Sony bodies) against
the emulated camera through the real libusb. Run under alphafs-emulator:

    alphafs-emulator -- gphoto2_peer.py autodetect|summary|preview|movie|capture|capture-raw

On failure, gphoto2's debug log is kept next to the test's working
directory (gphoto2-<check>.log) and its tail printed, so what it sent can
be compared with the dossier."""
import os
import subprocess
import sys
import tempfile

from alphafs_e2e import Failure, jpeg_size

MOVIE_FRAMES = 30
GPHOTO_TIMEOUT_S = 120


def gphoto2(check, args, home):
    log = os.path.abspath(f"gphoto2-{check}.log")
    cmd = ["gphoto2", "--debug", f"--debug-logfile={log}"] + args
    env = dict(os.environ, HOME=home)  # no ~/.gphoto settings leak in
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=GPHOTO_TIMEOUT_S)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        with open(log, errors="replace") as f:
            sys.stderr.write("".join(f.readlines()[-40:]))
    else:
        os.unlink(log)
    return p


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def check_autodetect(home):
    p = gphoto2("autodetect", ["--auto-detect"], home)
    out = p.stdout.decode()
    port = os.environ["ALPHAFS_EMU_PORT"]
    lines = [l for l in out.splitlines() if port in l]
    if p.returncode != 0 or not lines:
        fail(f"--auto-detect did not list {port}:\n{out}")
    if not lines[0].startswith("Sony "):
        fail(f"not listed as a Sony model: {lines[0]!r}")
    print(lines[0].strip())


def check_summary(home):
    p = gphoto2("summary", ["--summary"], home)
    out = p.stdout.decode()
    if p.returncode != 0:
        fail(f"--summary exited {p.returncode}")
    for want in ("Model: ILCE-6300",
                 "Serial Number: " + os.environ["ALPHAFS_EMU_SERIAL"],
                 "Vendor Extension ID: 0x11", "Sony Capture"):
        if want not in out:
            fail(f"--summary lacks {want!r}:\n{out}")
    print("summary ok")


def split_jpegs(data):
    """Frames written back to back: each from FF D8 to the FF D9 that ends
    its entropy-coded data (markers inside are FF 00 stuffed or FF Dx
    restarts, so the first FF D9 after SOS ends the frame)."""
    frames, i = [], 0
    while True:
        s = data.find(b"\xff\xd8", i)
        if s < 0:
            break
        e = data.find(b"\xff\xd9", s + 2)
        if e < 0:
            fail(f"frame at byte {s} has no EOI")
        frames.append(data[s:e + 2])
        i = e + 2
    if data[i:].strip(b"\x00"):
        fail(f"{len(data) - i} stray bytes after the last frame")
    return frames


def decode(jpeg, tmp):
    path = os.path.join(tmp, "f.jpg")
    with open(path, "wb") as f:
        f.write(jpeg)
    p = subprocess.run(["djpeg", "-outfile", os.devnull, path],
                       stderr=subprocess.PIPE)
    return p.returncode == 0 and not p.stderr, p.stderr.decode()


def check_movie(home):
    p = gphoto2("movie", [f"--capture-movie={MOVIE_FRAMES}", "--stdout"],
                home)
    if p.returncode != 0:
        fail(f"--capture-movie exited {p.returncode}")
    frames = split_jpegs(p.stdout)
    # gphoto2 2.5.28 writes one frame more than asked (its loop runs while
    # frames <= N), as with a real body.
    if len(frames) < MOVIE_FRAMES:
        fail(f"{len(frames)} frames, want {MOVIE_FRAMES}")
    with tempfile.TemporaryDirectory() as tmp:
        for n, fr in enumerate(frames):
            ok, err = decode(fr, tmp)
            if not ok:
                fail(f"frame {n} ({len(fr)} bytes) does not decode: {err}")
    print(f"{len(frames)} frames, all decode")


def check_preview(home):
    """--capture-preview: one live-view frame through gphoto2's own
    dataset parsing (the offsets, the reserved bytes, the padding)."""
    with tempfile.TemporaryDirectory() as out:
        path = os.path.join(out, "preview.jpg")
        p = gphoto2("preview", ["--capture-preview", "--filename", path],
                    home)
        if p.returncode != 0:
            fail(f"--capture-preview exited {p.returncode}")
        # gphoto2 names a preview thumb_NAME.
        names = [n for n in os.listdir(out) if n.endswith("preview.jpg")]
        if len(names) != 1:
            fail(f"--capture-preview wrote {os.listdir(out)}")
        with open(os.path.join(out, names[0]), "rb") as f:
            jpeg = f.read()
        if not jpeg.startswith(b"\xff\xd8\xff\xdb"):
            fail(f"preview starts {jpeg[:4]!r}, not FF D8 FF DB")
        ok, err = decode(jpeg, out)
        if not ok:
            fail(f"preview ({len(jpeg)} bytes) does not decode: {err}")
        print(f"preview: {len(jpeg)} bytes, {jpeg_size(jpeg)}, decodes")


def capture(home, check, config):
    """gphoto2's own still capture (SetControlDeviceB S1/S2, the wait on
    0xD215 and C201, GetObjectInfo/GetObject of 0xFFFFC001) against the
    emulated camera; returns the files it downloaded."""
    with tempfile.TemporaryDirectory() as out:
        p = gphoto2(check, config + ["--capture-image-and-download",
                                     "--filename", os.path.join(out, "%f.%C")],
                    home)
        if p.returncode != 0 or b"ERROR" in p.stdout + p.stderr:
            fail(f"--capture-image-and-download exited {p.returncode}")
        files = {}
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name), "rb") as f:
                files[name] = f.read()
        return files


def check_still(jpeg, home):
    """The default emulated still: a real JPEG of several MB."""
    if len(jpeg) < 4 * 1024 * 1024:
        fail(f"still of {len(jpeg)} bytes, want several MB")
    try:
        size = jpeg_size(jpeg)
    except Failure as e:
        fail(str(e))
    if size != (6000, 4000):
        fail(f"still is {size}, want 6000x4000")
    ok, err = decode(jpeg, home)
    if not ok:
        fail(f"the still does not decode: {err}")


def check_capture(home):
    files = capture(home, "capture", [])
    jpegs = [n for n in files if n.endswith(".jpg")]
    if len(files) != 1 or len(jpegs) != 1:
        fail(f"downloaded {sorted(files)}, want one .jpg")
    check_still(files[jpegs[0]], home)
    print(f"{jpegs[0]}: {len(files[jpegs[0]])} bytes, 6000x4000, decodes")


def check_capture_raw(home):
    """RAW+JPEG (0x5004 = 0x13, gphoto2's imagequality 4: the fifth of
    the body's values 2, 3, 4, 0x10, 0x13): both objects from 0xFFFFC001,
    the JPEG first."""
    files = capture(home, "capture-raw", ["--set-config", "imagequality=4"])
    names = sorted(files)
    if len(names) != 2 or not names[0].endswith(".jpg") or \
            not names[1].endswith(".arw"):
        fail(f"downloaded {names}, want a .jpg then an .arw")
    check_still(files[names[0]], home)
    arw = files[names[1]]
    if len(arw) != 25165824 or not arw.startswith(b"II*\x00"):
        fail(f"{names[1]}: {len(arw)} bytes starting {arw[:4]!r}")
    print(f"{names[0]} {len(files[names[0]])} bytes, {names[1]} {len(arw)} bytes")


CHECKS = {"autodetect": check_autodetect, "summary": check_summary,
          "preview": check_preview, "movie": check_movie, "capture": check_capture,
          "capture-raw": check_capture_raw}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in CHECKS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CHECKS)}")
    with tempfile.TemporaryDirectory() as home:
        CHECKS[sys.argv[1]](home)
