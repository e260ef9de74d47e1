#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""live/frames/: the last N frames as immutable files with their metadata.

Every .jpg decodes and matches its .json (bytes, SOF size, sequence), the
newest is the last name `ls` shows, two processes copying the same frame
get the same bytes, a file opened stays readable after it leaves the
directory, a name that just left the listing can still be looked up (as
`ls -l` does after reading the names), the focus-frame block of the
emulated camera is decoded, the open count is in info/status, and
-o frames=0 / too many are handled."""
import errno
import json
import multiprocessing
import os
import subprocess
import tempfile

import alphafs_e2e
from alphafs_e2e import (check, check_whole, decode, jpeg_size, marker,
                         mounted, run_test, status, wait_until)

KEEP = 8
SMALL = (640, 424)  # -o emu_small


def listing(d):
    return subprocess.run(["ls", d], capture_output=True, text=True,
                          check=True, timeout=30).stdout.split()


def read_pair(d, name):
    """(jpeg bytes, metadata) of one frame, or None when it left meanwhile.
    The .json is read first: once open, the .jpg's absence is an error of
    ours only if the .json was there too (both leave together)."""
    stem = name[:-len(".jpg")]
    try:
        with open(os.path.join(d, stem + ".json")) as f:
            meta = json.load(f)
        with open(os.path.join(d, name), "rb") as f:
            st = os.fstat(f.fileno())
            data = f.read()
    except FileNotFoundError:
        return None
    check(st.st_size == len(data), "%s: fstat %d, read %d"
          % (name, st.st_size, len(data)))
    return data, meta


def check_frames_match(mp):
    d = mp + "/live/frames"
    wait_until(lambda: len(listing(d)) == 2 * KEEP, 30,
               "%d frames in live/frames" % KEEP)
    checked = vanished = 0
    last_seq = 0
    while checked < 40:
        check(vanished < 200, "frames vanish before they can be read")
        names = listing(d)
        # A listing the kernel reads in two readdir calls may also hold
        # a frame that came in between (POSIX leaves it open): read it
        # again, a bounded number of times, until one is of one moment.
        for _ in range(50):
            if len(names) == 2 * KEEP:
                break
            names = listing(d)
        jpgs = [n for n in names if n.endswith(".jpg")]
        check(len(jpgs) == KEEP and len(names) == 2 * KEEP,
              "listing: %s" % names)
        check(names == sorted(names), "ls order")
        seqs = [int(n[:-4]) for n in jpgs]
        check(seqs == sorted(seqs) and len(set(seqs)) == KEEP,
              "names not distinct and in order: %s" % jpgs)
        for n in jpgs:
            check(n[:-4] + ".json" in names, n + " has no .json")
        got = read_pair(d, jpgs[-1])  # the newest: last in ls
        if got is None:
            vanished += 1
            continue
        data, meta = got
        check_whole(data, jpgs[-1])
        decode(data, jpgs[-1])
        seq = int(jpgs[-1][:-4])
        check(meta["sequence"] == seq and meta["file"] == jpgs[-1],
              "sequence %s for %s" % (meta["sequence"], jpgs[-1]))
        check(meta["bytes"] == len(data), "bytes %d, file %d"
              % (meta["bytes"], len(data)))
        check((meta["width"], meta["height"]) == jpeg_size(data) == SMALL,
              "size %sx%s, SOF %s" % (meta["width"], meta["height"],
                                      jpeg_size(data)))
        check(meta["wall_ns"] > 0 and meta["mono_ns"] > 0, "times")
        check(isinstance(meta["late"], bool) and
              isinstance(meta["repeated"], bool), "late/repeated")
        check(meta["interval_ns"] > 0 or seq == 1, "interval_ns")
        check(seq > last_seq or seq == last_seq, "newest went back")
        if seq > last_seq:
            marker(data)  # the emulator's own frame marker is intact
        last_seq = seq
        checked += 1
    print("%d newest frames checked (%d vanished before reading)"
          % (checked, vanished))


def check_left_reachable(mp):
    """`ls -l` reads the names, then looks each one up: a name stays
    reachable for another KEEP frames after it leaves the listing, so the
    oldest one listed is never "No such file" a moment later. A lookup that
    fails is an error only when fewer than KEEP newer frames have come
    since (the daemon keeps 2 x KEEP): a test this late proves nothing and
    tries again."""
    d = mp + "/live/frames"
    found = late = 0
    while found < 5:
        check(late < 50, "always too late to look up a frame that left")
        oldest = [n for n in listing(d) if n.endswith(".jpg")][0]
        old = int(oldest[:-4])
        # `ls` only reads the directory: the name has never been looked
        # up, so the kernel asks the daemon below.
        wait_until(lambda: oldest not in listing(d), 30,
                   oldest + " leaving the listing")
        try:
            st = os.stat(os.path.join(d, oldest))
            with open(os.path.join(d, oldest[:-4] + ".json")) as f:
                meta = json.load(f)
        except FileNotFoundError:
            now = [int(n[:-4]) for n in listing(d) if n.endswith(".jpg")]
            check(now[0] - old > KEEP,
                  "%s left the listing and could not be looked up with "
                  "only %d newer frames since: %s" % (oldest, now[0] - old,
                                                      now))
            late += 1
            continue
        check(st.st_size > 0 and meta["sequence"] == old and
              meta["bytes"] == st.st_size,
              "%s after it left: %d bytes, %s" % (oldest, st.st_size, meta))
        found += 1
    print("5 frames looked up after they left the listing (%d tries too "
          "late)" % late)


def check_focus(mp):
    """The emulated camera sends a FocalFrameInfo block (-o emu_focus)."""
    d = mp + "/live/frames"
    for _ in range(100):
        names = [n for n in listing(d) if n.endswith(".json")]
        try:
            with open(os.path.join(d, names[-1])) as f:
                meta = json.load(f)
        except FileNotFoundError:
            continue
        focus = meta["focus"]
        check(focus is not None, "no focus block")
        check(len(focus["hex"]) == 2 * focus["bytes"], "hex length")
        dec = focus["decoded"]
        check(dec is not None and dec["layout"] == "FocalFrameInfo",
              "focus block not decoded: %s" % focus)
        check(len(dec["af"]["frames"]) >= 1, "no AF frame")
        check(dec["af"]["frames"][0]["state"] in ("NotFocused", "Focused"),
              "AF state")
        return
    check(False, "no .json could be read")


def copy_one(path):
    with open(path, "rb") as f:
        return f.read()


def check_two_copies(mp):
    """Two processes copy the same frame file at the same time."""
    d = mp + "/live/frames"
    done = 0
    with multiprocessing.Pool(2) as pool:
        while done < 20:
            name = [n for n in listing(d) if n.endswith(".jpg")][-1]
            path = os.path.join(d, name)
            try:
                a, b = pool.map(copy_one, [path, path])
            except FileNotFoundError:
                continue
            check(a == b, "%s: two copies differ (%d, %d bytes)"
                  % (name, len(a), len(b)))
            check_whole(a, name)
            done += 1
    # cp twice, at once
    for i in range(10):
        name = [n for n in listing(d) if n.endswith(".jpg")][-1]
        outs = [os.path.join(tempfile.gettempdir(),
                             "alphafs-frames-%d-%d" % (os.getpid(), k))
                for k in range(2)]
        ps = [subprocess.Popen(["cp", os.path.join(d, name), o],
                               stderr=subprocess.DEVNULL) for o in outs]
        rcs = [p.wait(timeout=30) for p in ps]
        if rcs == [0, 0]:
            x, y = (open(o, "rb").read() for o in outs)
            check(x == y, "cp #%d: copies differ" % i)
        for o in outs:
            if os.path.exists(o):
                os.unlink(o)


def check_pinned(mp):
    """Open, let the frame leave the directory, read it all; the open
    counts in info/status meanwhile."""
    d = mp + "/live/frames"
    while True:
        name = [n for n in listing(d) if n.endswith(".jpg")][-1]
        try:
            f = open(os.path.join(d, name), "rb")
            j = open(os.path.join(d, name[:-4] + ".json"), "rb")
            break
        except FileNotFoundError:
            continue
    with f, j:
        size = os.fstat(f.fileno()).st_size
        check(int(status(mp)["readers_frames"]) == 2, "readers_frames")
        wait_until(lambda: name not in listing(d), 30,
                   name + " leaving live/frames")
        check(os.fstat(f.fileno()).st_size == size, "fstat after it left")
        data = f.read()
        meta = json.loads(j.read())
        check(len(data) == size == meta["bytes"], "pinned read")
        check_whole(data, "pinned " + name)
    wait_until(lambda: int(status(mp)["readers_frames"]) == 0, 10,
               "readers_frames back to 0")
    # Its name goes once the kernel's dentry (1 s) expires.
    wait_until(lambda: not os.path.exists(os.path.join(d, name)), 10,
               name + " gone")


def check_errors(mp):
    d = mp + "/live/frames"
    name = [n for n in listing(d) if n.endswith(".jpg")][-1]
    for bad in ("123.jpg", "0000000000.jpg", name + ".x", "x.jpg",
                name[:-4] + ".JPG", "9999999999.jpg"):
        check(not os.path.exists(os.path.join(d, bad)), bad + " exists")
    try:
        os.open(os.path.join(d, name), os.O_WRONLY)
        check(False, "opened for writing")
    except OSError as e:
        check(e.errno in (errno.EACCES, errno.ENOENT), "write: %s" % e)


def check_off_and_bounds():
    with mounted(opts=["emu_small", "frames=0"]) as (mp, _):
        check(sorted(os.listdir(mp + "/live")) == ["latest.jpg",
                                                  "stream.mjpeg"],
              "frames=0 still lists frames/")
        check(not os.path.exists(mp + "/live/frames"), "frames=0")
    r = subprocess.run([alphafs_e2e.MOUNT, "emulate", "/nonexistent", "-f",
                        "-o", "frames=100000"], capture_output=True,
                       text=True, timeout=60)
    check(r.returncode != 0 and "frames=100000" in r.stderr,
          "frames=100000 accepted: %s" % r.stderr)


def main():
    with mounted(opts=["emu_small", "emu_focus"]) as (mp, _):
        check(sorted(os.listdir(mp + "/live")) ==
              ["frames", "latest.jpg", "stream.mjpeg"], "live/ listing")
        check_frames_match(mp)
        check_left_reachable(mp)
        check_focus(mp)
        check_two_copies(mp)
        check_pinned(mp)
        check_errors(mp)
    if not alphafs_e2e.VIA_USB:
        check_off_and_bounds()


if __name__ == "__main__":
    run_test(main)
