#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""control/capture, control/focus and captures/ through the real mount.

  - 20 captures while a stream.mjpeg reader runs: each write(2) returns
    once the still is in captures/ (DSC0000N.JPG, newest last, size fixed,
    mtime the capture time); each still decodes in full with ffmpeg; the
    reader gets frames between every two captures and after the last, each
    whole, none repeated or older than the one before, and never EOF;
    /events has a capture-complete line per still;
  - a still stays readable while later captures run, and after rm while
    it is open;
  - a capture the camera refuses (fault capture-fail on the control FIFO)
    fails the write with EIO, with the reason in info/status and a
    capture-failed line in /events, and the next capture works;
  - a still never delivered (fault capture-lost) fails with ETIMEDOUT
    while live view goes on; meanwhile control/focus gets EBUSY and a
    second capture waits its turn;
  - bad writes to control/capture and control/focus get EINVAL; focus
    lock, capture, release;
  - rm captures/* empties the spool directory (its blocks counted before
    and after), which is private (0700) and gone after the unmount;
  - -o captures_max=2 drops the oldest (capture-dropped line), and so
    does -o captures_max_mb=1 when the next still would not fit; a
    full-size still (6000x4000, ~10 MB) and RAW+JPEG (.JPG then .ARW of
    24 MiB) with -o captures_ram."""
import errno
import os
import shutil
import stat
import subprocess
import tempfile
import threading
import time

import alphafs_e2e
from alphafs_e2e import (EmuControl, EventsReader, check, check_whole,
                         is_mounted, jpeg_size, log, marker, mounted,
                         run_test, split_frames, status, wait_until)

# The 20 in the gcc run; 5 in the valgrind and sanitizer runs
# (ALPHAFS_TEST_SMALL_FRAMES), which look for memory and thread errors on
# the same paths and would spend minutes on the other 15.
CAPTURES = 5 if alphafs_e2e.SMALL_FRAMES else 20
STILL = (1200, 800)  # -o emu_still: small stills for the many captures
FULL = (6000, 4000)
ARW_BYTES = 24 * 1024 * 1024
DEADLINE_S = 60


class StreamReader:
    """Reads stream.mjpeg like ffmpeg: every frame whole, sequence numbers
    (the emulator's marker) increasing, the count readable any time."""

    def __init__(self, mp):
        self.f = open(os.path.join(mp, "live", "stream.mjpeg"), "rb",
                      buffering=0)
        self.count = 0
        self.last_seq = 0
        self.eof = False
        self.error = None
        self.stop = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        pending = b""
        try:
            while not self.stop:
                b = self.f.read(1 << 16)
                if not b:
                    self.eof = True
                    return
                pending += b
                frames, pending = split_frames(pending)
                for fr in frames:
                    check_whole(fr, "stream frame")
                    seq = marker(fr)[0]
                    check(seq > self.last_seq, "stream frame %d after %d"
                          % (seq, self.last_seq))
                    with self.lock:
                        self.last_seq = seq
                        self.count += 1
        except Exception as e:  # reported by check_ok
            self.error = e

    def frames(self):
        with self.lock:
            return self.count

    def check_ok(self):
        check(self.error is None, "stream reader: %s" % self.error)
        check(not self.eof, "stream reader got EOF")

    def wait_more(self, than, what):
        wait_until(lambda: self.error or self.eof or self.frames() > than,
                   DEADLINE_S * alphafs_e2e.hang_scale(), what)
        self.check_ok()

    def close(self):
        self.stop = True
        self.thread.join(DEADLINE_S * alphafs_e2e.hang_scale())
        self.f.close()


def ctl_write(mp, name, data):
    """One write(2) to control/NAME; 0 or the errno."""
    fd = os.open(os.path.join(mp, "control", name), os.O_WRONLY)
    try:
        n = os.write(fd, data)
        check(n == len(data), "short write %d of %d" % (n, len(data)))
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def ctl_read(mp, name):
    with open(os.path.join(mp, "control", name)) as f:
        return f.read().strip()


def captures(mp):
    # os.listdir keeps the directory's order: newest last
    return os.listdir(os.path.join(mp, "captures"))


def ffmpeg_decodes(path, size):
    r = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", path,
                        "-f", "null", "-"], capture_output=True, text=True,
                       timeout=120 * alphafs_e2e.hang_scale())
    check(r.returncode == 0 and not r.stderr.strip(),
          "%s does not decode: %s" % (path, r.stderr[-500:]))
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    check(jpeg_size(head) == size, "%s is %s" % (path, jpeg_size(head)))


def read_still(mp, name):
    path = os.path.join(mp, "captures", name)
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        data = f.read()
    check(st.st_size == len(data) > 0, "%s: fstat %d, read %d"
          % (name, st.st_size, len(data)))
    check(stat.S_IMODE(st.st_mode) == 0o444, "%s mode" % name)
    # mtime: the camera's capture time, whole seconds, not in the future
    check(st.st_mtime_ns % 1000000000 == 0 and
          st.st_mtime <= time.time() + 2, "%s mtime %d" % (name, st.st_mtime))
    check_whole(data, name)
    return data


def spool_blocks(spool):
    total = 0
    for n in os.listdir(spool):
        total += os.stat(os.path.join(spool, n)).st_blocks
    return total


def check_many(mp, reader, ev):
    names = []
    before = reader.frames()
    held = None
    dir_mtime = os.stat(os.path.join(mp, "captures")).st_mtime_ns
    for i in range(CAPTURES):
        # frames before this capture (after the previous one)
        reader.wait_more(before, "stream frames before capture %d" % (i + 1))
        check(ctl_write(mp, "capture", b"1\n") == 0, "capture %d" % (i + 1))
        after_write = reader.frames()
        listed = captures(mp)
        check(len(listed) == len(names) + 1 and listed[:-1] == names,
              "captures/ after %d: %s" % (i + 1, listed))
        name = listed[-1]
        check(name.endswith(".JPG") and name.startswith("DSC"), name)
        # no inotify on FUSE: the directory's mtime says a still came
        m = os.stat(os.path.join(mp, "captures")).st_mtime_ns
        check(m > dir_mtime, "captures/ mtime did not move")
        dir_mtime = m
        ev.wait_for("capture-complete 1 " + name)
        data = read_still(mp, name)
        check(jpeg_size(data) == STILL, "%s size %s" % (name, jpeg_size(data)))
        ffmpeg_decodes(os.path.join(mp, "captures", name), STILL)
        if i == 0:
            # readable while the later captures run
            held = open(os.path.join(mp, "captures", name), "rb")
            check(held.read(1000) == data[:1000], "first bytes")
            first = data
        names.append(name)
        before = after_write
    reader.wait_more(before, "stream frames after the last capture")
    rest = held.read()
    held.close()
    check(first[:1000] + rest == first, "a still changed while captures ran")
    check(names == sorted(names), "names not in order: %s" % names)
    s = status(mp)
    check(int(s["captures"]) == CAPTURES and int(s["stills"]) >= CAPTURES,
          "status: %s captures, %s stills" % (s["captures"], s["stills"]))
    log("%d captures; the stream reader got %d frames in all"
        % (CAPTURES, reader.frames()))
    return names


def check_failure(mp, ec, ev, reader):
    ec.ok("fault capture-fail=1")
    failed = status(mp)["still_failures"]
    check(ctl_write(mp, "capture", b"1\n") == errno.EIO,
          "a refused capture did not fail with EIO")
    line = ev.wait_for("capture-failed")
    check("Input/output error" in line and "0x2002" in line,
          "events: %s" % line)
    s = status(mp)
    check(int(s["still_failures"]) == int(failed) + 1 and
          "GeneralError" in s["still_why"], "status: %s" % s["still_why"])
    check(is_mounted(mp), "unmounted after a failed capture")
    n = len(captures(mp))
    frames = reader.frames()
    check(ctl_write(mp, "capture", b"again\n") == 0, "capture after failure")
    check(len(captures(mp)) == n + 1, "no still after the failure")
    reader.wait_more(frames, "frames after the failure")


def check_busy_and_timeout(mp, ec, ev, reader):
    """A still the camera exposes but never delivers (capture-lost): the
    write waits the announcement out (10 s) and fails with ETIMEDOUT while
    live view goes on; meanwhile control/focus answers EBUSY, and a second
    write to control/capture waits its turn (the kernel passes writes to
    one file one at a time) and then takes its still."""
    ec.ok("fault capture-lost=1")
    n = len(captures(mp))
    first, second = [], []
    t1 = threading.Thread(
        target=lambda: first.append(ctl_write(mp, "capture", b"1\n")),
        daemon=True)
    t1.start()
    wait_until(lambda: ctl_read(mp, "capture") == "busy" or first,
               DEADLINE_S * alphafs_e2e.hang_scale(), "capture busy")
    check(not first, "the lost capture returned at once: %s" % first)
    t2 = threading.Thread(
        target=lambda: second.append(ctl_write(mp, "capture", b"1\n")),
        daemon=True)
    t2.start()
    focus = ctl_write(mp, "focus", b"lock\n")
    check(focus == errno.EBUSY, "focus while busy: %s" % focus)
    reader.wait_more(reader.frames(), "frames while the capture waits")
    t1.join(DEADLINE_S * alphafs_e2e.hang_scale())
    t2.join(DEADLINE_S * alphafs_e2e.hang_scale())
    check(first == [errno.ETIMEDOUT], "lost capture: %s" % first)
    check(second == [0], "the capture that waited: %s" % second)
    check(len(captures(mp)) == n + 1, "stills after lost + waited")
    ev.wait_for("capture-failed Connection timed out")
    check("no image announced" in status(mp)["still_why"], "still_why")
    check(ctl_read(mp, "capture") == "ready", "capture ready again")


def check_bad_writes(mp):
    for bad in (b"0\n", b"1\n1\n", b"\x00", b"1\x01\n", b"x" * 300):
        got = ctl_write(mp, "capture", bad)
        check(got == errno.EINVAL, "capture %r: %s" % (bad[:20], got))
    for bad in (b"maybe\n", b"lock\nrelease\n", b"2\n"):
        got = ctl_write(mp, "focus", bad)
        check(got == errno.EINVAL, "focus %r: %s" % (bad, got))
    check(ctl_read(mp, "capture") == "ready", "capture reads ready")
    check(ctl_read(mp, "capture.choices") == "1", "capture.choices")


def check_focus(mp, ev):
    check(ctl_read(mp, "focus") == "released", "focus before")
    check(ctl_write(mp, "focus", b"lock\n") == 0, "focus lock")
    ev.wait_for("focus-locked")
    check(ctl_read(mp, "focus") == "locked", "focus after lock")
    n = len(captures(mp))
    check(ctl_write(mp, "capture", b"1\n") == 0, "capture with focus held")
    check(len(captures(mp)) == n + 1, "no still with focus held")
    check(ctl_read(mp, "focus") == "released", "the capture let go")
    check(ctl_write(mp, "focus", b"1\n") == 0, "focus 1")
    check(ctl_write(mp, "focus", b"release\n") == 0, "focus release")
    ev.wait_for("focus-released")
    check(ctl_read(mp, "focus") == "released", "focus after release")


def check_rm(mp, spool_parent):
    spool = status(mp)["captures_spool"]
    check(os.path.dirname(spool) == spool_parent, "spool at %s" % spool)
    check(stat.S_IMODE(os.stat(spool).st_mode) == 0o700, "spool mode")
    listed = captures(mp)
    blocks = spool_blocks(spool)
    check(len(os.listdir(spool)) == len(listed) and blocks > 0,
          "spool holds %d files, %d blocks for %d stills"
          % (len(os.listdir(spool)), blocks, len(listed)))
    # rm while open: the reader keeps its bytes
    name = listed[0]
    f = open(os.path.join(mp, "captures", name), "rb")
    r = subprocess.run("rm -- %s/captures/*" % mp, shell=True,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "rm: %s" % r.stderr)
    data = f.read()
    f.close()
    check_whole(data, name + " after rm")
    check(captures(mp) == [], "captures/ after rm: %s" % captures(mp))
    check(os.listdir(spool) == [] and spool_blocks(spool) == 0,
          "spool after rm: %s" % os.listdir(spool))
    s = status(mp)
    check(s["captures"] == "0" and s["captures_bytes"] == "0" and
          int(s["captures_removed"]) == len(listed), "status after rm")
    check(not os.path.exists(os.path.join(mp, "captures", name)),
          "a removed still still there")
    log("rm captures/*: %d stills, spool %d blocks -> 0" % (len(listed), blocks))
    return spool


def main_mount():
    tmp = tempfile.mkdtemp(prefix="alphafs-capt-")
    try:
        check_mount(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # the control FIFOs


def check_mount(tmp):
    spool_parent = os.path.join(tmp, "spool")
    os.mkdir(spool_parent)
    ec = EmuControl(os.path.join(tmp, "ctl"))
    opts = ["emu_small", "emu_still=%dx%d" % STILL, ec.option(),
            "captures_dir=" + spool_parent]
    with mounted(opts=opts) as (mp, _):
        check(stat.S_IMODE(os.stat(mp + "/captures").st_mode) == 0o755,
              "captures/ mode")
        ev = EventsReader(mp)
        reader = StreamReader(mp)
        check_bad_writes(mp)
        check_many(mp, reader, ev)
        check_failure(mp, ec, ev, reader)
        if not alphafs_e2e.VIA_USB:  # the same path; 10 s once is enough
            check_busy_and_timeout(mp, ec, ev, reader)
        check_focus(mp, ev)
        spool = check_rm(mp, spool_parent)
        frames = reader.frames()
        reader.wait_more(frames, "frames at the end")
        reader.check_ok()
        reader.close()
        ec.close()
    check(not os.path.exists(spool), "spool left after the unmount")
    check(os.listdir(spool_parent) == [], "spool parent not empty")


def main_full_size():
    """captures_ram, captures_max=2: the full-size still, RAW+JPEG, the
    oldest dropped."""
    with mounted(opts=["emu_small", "captures_ram", "captures_max=2"]) \
            as (mp, _):
        ev = EventsReader(mp)
        check(status(mp)["captures_spool"] == "memory", "spool: memory")
        check(ctl_write(mp, "capture", b"1\n") == 0, "full-size capture")
        first = captures(mp)[0]
        ffmpeg_decodes(os.path.join(mp, "captures", first), FULL)
        size = os.stat(os.path.join(mp, "captures", first)).st_size
        check(size > 4 * 1024 * 1024, "full-size still of %d bytes" % size)
        log("%s: %d bytes, %dx%d, decodes" % (first, size, *FULL))
        check(ctl_write(mp, "image_quality", b"raw+jpeg\n") == 0,
              "image_quality raw+jpeg")
        check(ctl_write(mp, "capture", b"1\n") == 0, "RAW+JPEG capture")
        listed = captures(mp)
        check(len(listed) == 2 and listed[0].endswith(".JPG") and
              listed[1].endswith(".ARW") and
              listed[0][:-4] == listed[1][:-4] and first not in listed,
              "captures/ after RAW+JPEG: %s" % listed)
        ev.wait_for("capture-complete 2 %s %s" % (listed[0], listed[1]))
        ev.wait_for("capture-dropped " + first)
        arw = os.path.join(mp, "captures", listed[1])
        check(os.stat(arw).st_size == ARW_BYTES, "ARW size")
        with open(arw, "rb") as f:
            check(f.read(4) == b"II*\x00", "ARW header")
        s = status(mp)
        check(s["captures"] == "2" and
              int(s["captures_dropped_oldest"]) == 1, "status")


def main_byte_bound():
    """-o captures_max_mb=1 with stills of ~0.4 MB: three captures keep the
    newest that fit in 1 MiB, the oldest dropped."""
    opts = ["emu_small", "emu_still=%dx%d" % STILL, "captures_max_mb=1"]
    with mounted(opts=opts) as (mp, _):
        ev = EventsReader(mp)
        names = []
        for i in range(3):
            check(ctl_write(mp, "capture", b"1\n") == 0, "capture %d" % i)
            names.append(captures(mp)[-1])
        s = status(mp)
        listed = captures(mp)
        sizes = [os.stat(os.path.join(mp, "captures", n)).st_size
                 for n in listed]
        check(s["captures_max_bytes"] == str(1 << 20), "captures_max_bytes")
        check(int(s["captures_bytes"]) == sum(sizes) <= 1 << 20 and
              listed == names[-len(listed):] and len(listed) < 3,
              "byte bound: %s, %s bytes" % (listed, s["captures_bytes"]))
        ev.wait_for("capture-dropped " + names[0])
        log("captures_max_mb=1: %d of 3 stills kept (%s bytes)"
            % (len(listed), s["captures_bytes"]))


def main():
    main_mount()
    main_full_size()
    if not alphafs_e2e.VIA_USB:  # fs-side only: once is enough
        main_byte_bound()


if __name__ == "__main__":
    run_test(main)
