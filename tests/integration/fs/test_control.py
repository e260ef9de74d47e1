#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""control/ and events through the real mount, against the emulated camera
in memory (suite e2e) and through the real libusb under alphafs-emulator
(suite e2e-usb). One mount, many checks, to keep the suite cheap:

  - the files of the a6300's settings, their modes and choices;
  - every writable setting set and read back (the four stepped ones walk
    notch by notch through 0x9207, the others go by 0x9205), each showing
    as an events line;
  - invalid values refused with EINVAL and the camera unchanged (a shutter
    speed the dial lacks is walked past and put back); the read-only ones
    refused (EROFS for root, EACCES otherwise) with the reason in
    info/status; the mode dial locking the shutter speed (EPERM); a
    camera answering DeviceBusy (EBUSY, the response by name); the mode
    dial turned in the middle of a walk (EIO, AccessDenied by name);
  - a dial turned on the camera (its control FIFO) in the file and events;
  - events: from each reader's open on, every reader sees every line,
    ISO 8601 times, O_NONBLOCK, poll(), a reader that falls behind the
    backlog told how many it missed, disconnect and reconnect lines, end
    of file at unmount;
  - 50 writes while a stream.mjpeg reader counts the camera's frames by
    their sequence numbers: it keeps >= 95 % (a shortfall is checked
    against the same reader without writes: see
    check_writes_while_streaming).

The emulated camera applies a 0x9207 step 30 ms after it is sent here
(-o emu_step_ms=30; its realistic default is 300 ms): the walks of many
notches stay quick. Waits are conditions with generous deadlines."""
import errno
import os
import select
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from alphafs_e2e import (EVENT_LINE, EmuControl, EventsReader, check, log,
                         mounted, run_test, status, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))
STEP_MS = 30
DEADLINE_S = 60
WRITES_DURING_STREAM = 50
KEEP_RATIO = 0.95
BACKLOG = 256
BURST = 300
BATCH = 8

# The a6300's settings as control/ files (sony/propfmt.c), read-only ones
# apart; battery has no choices file.
WRITABLE = ["iso", "shutter_speed", "f_number", "exposure_compensation",
            "white_balance", "color_temperature", "focus_mode", "drive_mode",
            "image_quality"]
READ_ONLY = ["exposure_mode", "battery"]
BUTTONS = ["capture", "focus"]
# One value each, as the file reads it back, different from the emulated
# camera's start (auto, 1/100, f/5.6, 0.0, auto, 0K, af-s, single, raw).
TARGETS = [("iso", "800"), ("shutter_speed", "1/250"), ("f_number", "f/8.0"),
           ("exposure_compensation", "+0.7"), ("white_balance", "daylight"),
           ("color_temperature", "6500K"), ("focus_mode", "af-c"),
           ("drive_mode", "continuous-lo"), ("image_quality", "extra-fine")]


def path(mp, name):
    return os.path.join(mp, "control", name)


def value(mp, name):
    with open(path(mp, name)) as f:
        return f.read().rstrip("\n")


def value_once_there(mp, name):
    """The value, or None while the camera is away (ENODEV) or has not
    been read since it came back (EAGAIN)."""
    try:
        return value(mp, name)
    except OSError as e:
        check(e.errno in (errno.ENODEV, errno.EAGAIN),
              "%s: %s" % (name, e))
        return None


def choices(mp, name):
    with open(path(mp, name) + ".choices") as f:
        return f.read().splitlines()


def write(mp, name, text, flags=0):
    """0, or the errno write(2) (or open) failed with."""
    try:
        fd = os.open(path(mp, name), os.O_WRONLY | flags)
    except OSError as e:
        return e.errno
    try:
        n = os.write(fd, text.encode())
        check(n == len(text), "short write %d of %d" % (n, len(text)))
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def check_tree(mp):
    names = sorted(os.listdir(os.path.join(mp, "control")))
    # the two buttons (capture, focus) are test_captures.py's
    want = sorted(WRITABLE + READ_ONLY + BUTTONS +
                  [n + ".choices"
                   for n in WRITABLE + BUTTONS + ["exposure_mode"]])
    check(names == want, "control/ holds %s" % names)
    for n in WRITABLE:
        st = os.stat(path(mp, n))
        check(st.st_mode & 0o777 == 0o644, "%s mode %o" % (n, st.st_mode))
        check(st.st_uid == os.getuid(), "%s owner %d" % (n, st.st_uid))
        check(os.stat(path(mp, n) + ".choices").st_mode & 0o777 == 0o444,
              "%s.choices mode" % n)
        check(value(mp, n) != "", "%s empty" % n)
    for n in READ_ONLY:
        check(os.stat(path(mp, n)).st_mode & 0o777 == 0o444, "%s mode" % n)
    iso = choices(mp, "iso")
    check(len(iso) == 86 and iso[0] == "auto" and iso[-1] == "51200 mfnr-high",
          "iso.choices: %d lines, %s..%s" % (len(iso), iso[0], iso[-1]))
    check(choices(mp, "shutter_speed") == ["any"], "shutter_speed.choices")
    check(choices(mp, "color_temperature") == ["2500K..9900K step 100K"],
          "color_temperature.choices")
    check(value(mp, "exposure_mode") == "M", "exposure_mode")
    check(value(mp, "battery") == "unknown", "battery")


def check_set_all(mp, ev):
    for name, v in TARGETS:
        ch = choices(mp, name)
        check(ch == ["any"] or v in ch or ".." in ch[0],
              "%s: %s not in its choices" % (name, v))
        before = value(mp, name)
        t0 = time.monotonic()
        check(write(mp, name, v + "\n") == 0, "writing %s %s" % (name, v))
        got = value(mp, name)
        check(got == v, "%s reads %r after writing %r" % (name, got, v))
        ev.wait_for("property %s %s" % (name, before))
        ev.wait_for("-> %s" % v)
        log("%s: %s -> %s in %.2f s" % (name, before, v, time.monotonic() - t0))
    # what a shell does: open with O_TRUNC, then write
    check(write(mp, "iso", "1000\n", os.O_TRUNC | os.O_CREAT) == 0, "echo >")
    check(value(mp, "iso") == "1000", "iso after echo >")
    st = status(mp)
    check(int(st["control_steps"]) > 0, "no 0x9207 steps counted")


def check_refusals(mp, ctl):
    root = os.getuid() == 0
    for name, bad in [("iso", "333"), ("iso", "banana"),
                      ("white_balance", "purple"),
                      ("color_temperature", "6550K"),
                      ("exposure_compensation", "+0.33"),
                      ("shutter_speed", "1/140")]:
        before = value(mp, name)
        e = write(mp, name, bad)
        check(e == errno.EINVAL, "%s=%s gave %s" % (name, bad, e))
        check(value(mp, name) == before, "%s changed by %s" % (name, bad))
    check("1/140 is not a position" in status(mp)["control_why"],
          "why: %r" % status(mp)["control_why"])
    for name in READ_ONLY:
        e = write(mp, name, "A")
        check(e == (errno.EROFS if root else errno.EACCES),
              "%s write gave %s" % (name, e))
    if root:
        check("battery is read-only" in status(mp)["control_why"],
              "why: %r" % status(mp)["control_why"])
    # The mode dial: A locks the shutter speed, not the aperture.
    ctl.ok("dial A")
    wait_until(lambda: value(mp, "exposure_mode") == "A", DEADLINE_S,
               "exposure_mode A")
    e = write(mp, "shutter_speed", "1/500")
    check(e == errno.EPERM, "shutter in A gave %s" % e)
    check("exposure mode A" in status(mp)["control_why"], "why for EPERM")
    check(write(mp, "f_number", "f/6.3") == 0, "f-number in A")
    ctl.ok("dial M")
    wait_until(lambda: value(mp, "exposure_mode") == "M", DEADLINE_S,
               "exposure_mode M")


def check_dial(mp, ctl, ev):
    ctl.ok("set iso 1600")
    wait_until(lambda: value(mp, "iso") == "1600", DEADLINE_S, "iso 1600")
    ev.wait_for("property iso 1000 -> 1600")
    ctl.ok("set battery 42")
    wait_until(lambda: value(mp, "battery") == "42%", DEADLINE_S, "42%")
    ev.wait_for("property battery unknown -> 42%")
    reply = ctl.cmd("set iso 333")
    check(reply.startswith("set iso 333: not a value"), "reply %r" % reply)


def check_camera_refuses(mp, ctl):
    """The camera answers DeviceBusy to everything: a write fails with
    EBUSY and the response by name, the value stays; then it works."""
    before = value(mp, "white_balance")
    ctl.ok("fault busy=1000000")
    try:
        e = write(mp, "white_balance", "cloudy")
    finally:
        reply = ctl.cmd("fault")
        check(reply.startswith("ok fault"), "clearing the fault: %r" % reply)
    check(e == errno.EBUSY, "write to a busy camera gave %s" % e)
    why = status(mp)["control_why"]
    check("DeviceBusy (0x2019)" in why, "why: %r" % why)
    check(write(mp, "white_balance", "cloudy") == 0, "write after the storm")
    check(value(mp, "white_balance") == "cloudy", "white_balance")
    check(write(mp, "white_balance", before) == 0, "put back")
    log("busy camera: %s" % why)


def check_refused_mid_walk(mp, ctl):
    """The mode dial turned to A while a shutter-speed walk is under way:
    the camera refuses the next notch (AccessDenied) and the write fails
    with EIO, the response by name in info/status."""
    before = value(mp, "shutter_speed")
    steps = int(status(mp)["control_steps"])
    result = {}
    t = threading.Thread(
        target=lambda: result.update(e=write(mp, "shutter_speed", "30\"")))
    t.start()
    try:
        # the walk has begun: a notch was sent
        wait_until(lambda: int(status(mp)["control_steps"]) > steps,
                   DEADLINE_S, "the first notch")
        ctl.ok("dial A")
    finally:
        t.join(DEADLINE_S)
    check(not t.is_alive(), "the write never returned")
    why = status(mp)["control_why"]
    check(result.get("e") == errno.EIO, "refused mid-walk: %s (%s)"
          % (result.get("e"), why))
    check("AccessDenied" in why, "why: %r" % why)
    log("refused mid-walk: %s" % why)
    ctl.ok("dial M")
    wait_until(lambda: value(mp, "exposure_mode") == "M", DEADLINE_S,
               "exposure_mode M")
    check(write(mp, "shutter_speed", before) == 0, "shutter speed put back")


def check_events(mp, ctl, first):
    # every line well formed
    for line in first.snapshot():
        check(EVENT_LINE.match(line), "event line %r" % line)
    # from the open on; two readers see the same lines
    a, b = EventsReader(mp), EventsReader(mp, size=7)
    ctl.ok("event C201 FFFFC001")
    a.wait_for("object-added 0xFFFFC001")
    b.wait_for("object-added 0xFFFFC001")
    check(a.snapshot() == b.snapshot(), "two readers differ")
    check(not any("property iso 1000 -> 1600" in l for l in a.snapshot()),
          "a new reader saw an old line")
    # O_NONBLOCK with nothing, then poll() wakes on a line
    fd = os.open(os.path.join(mp, "events"), os.O_RDONLY | os.O_NONBLOCK)
    try:
        try:
            os.read(fd, 100)
            check(False, "O_NONBLOCK read returned with no event")
        except BlockingIOError:
            pass
        p = select.poll()
        p.register(fd, select.POLLIN)
        check(p.poll(0) == [], "readable with no event")
        ctl.ok("event C202 FFFFC001")
        check(p.poll(DEADLINE_S * 1000), "poll never woke")
        check(b"object-removed 0xFFFFC001" in os.read(fd, 4096), "the line")
    finally:
        os.close(fd)
    # a reader that falls more than the backlog behind; where its cursor
    # starts is known from the count of lines posted (info/status), read
    # before and after its open with nothing posted in between
    posted = lambda: int(status(mp)["events_lines"])
    for _ in range(10):
        opened_at = posted()
        slow = EventsReader(mp, start=False)
        if posted() == opened_at:
            break
        os.close(slow.fd)
    else:
        check(False, "lines kept coming while the slow reader opened")
    base = len(a.snapshot())
    for i in range(0, BURST, BATCH):
        for k in range(i, i + BATCH):
            ctl.ok("event C201 %X" % k)
        # the camera's event queue is bounded: let the host take them
        wait_until(lambda: len(a.snapshot()) >= base + i + BATCH, DEADLINE_S,
                   "events %d" % (i + BATCH))
    missed = posted() - opened_at - BACKLOG
    slow.start()
    wait_until(lambda: len(slow.snapshot()) >= BACKLOG + 1, DEADLINE_S,
               "the slow reader's lines")
    lines = slow.snapshot()
    check(" dropped %d events" % missed in lines[0],
          "slow reader's first line %r (%d missed)" % (lines[0], missed))
    check(lines[1:] == a.snapshot()[-BACKLOG:], "slow reader's kept lines")
    check(int(status(mp)["events_dropped_for_slow_readers"]) >= missed,
          "drops counted")
    log("slow reader: %s" % lines[0])
    return [a, b, slow]


def check_disconnect(mp, ctl, ev):
    iso = value(mp, "iso")
    ctl.ok("unplug")
    ev.wait_for(" disconnected ")
    try:
        value(mp, "iso")
        check(False, "iso read while unplugged")
    except OSError as e:
        check(e.errno == errno.ENODEV, "unplugged read: %s" % e)
    check(write(mp, "iso", "800") == errno.ENODEV, "unplugged write")
    ctl.ok("replug")
    ev.wait_for(" connected ILCE-6300 ")
    wait_until(lambda: value_once_there(mp, "iso") == iso, DEADLINE_S,
               "iso %s after the replug" % iso)


def stream_reader(mp):
    return subprocess.Popen([sys.executable, os.path.join(HERE, "reader.py"),
                             os.path.join(mp, "live", "stream.mjpeg"),
                             "1000000", "65536", "0", "defer"],
                            stdout=subprocess.PIPE, text=True)


WRITE_PLAN = [("iso", ["800", "1000"]), ("white_balance", ["shade", "daylight"]),
              ("exposure_compensation", ["0.0", "+0.3"]),
              ("drive_mode", ["single", "continuous-lo"]),
              ("shutter_speed", ["1/320", "1/250"])]
ATTEMPTS = 3


def streamed(mp, work):
    """Runs work() while a stream.mjpeg reader counts the camera's frames
    by their sequence numbers: (frames the reader got, frames the camera
    made meanwhile, what work returned)."""
    reader = stream_reader(mp)
    seqs = []
    before = status(mp)
    try:
        # the reader is running: its first frame is out
        seqs.append(int(reader.stdout.readline().split()[0]))
        result = work()
        after = status(mp)
    finally:
        reader.terminate()  # it then checks and prints what it kept
        try:
            out = reader.communicate(timeout=DEADLINE_S)[0]
        except subprocess.TimeoutExpired:
            reader.kill()
            out = reader.communicate()[0]
    seqs += [int(l.split()[0]) for l in out.splitlines() if l[:1].isdigit()]
    check(all(b > a for a, b in zip(seqs, seqs[1:])), "frames out of order")
    d = {k: int(after[k]) - int(before[k]) for k in
         ("frames_captured", "frames_skipped_by_slow_readers")}
    log("  alphafs captured %(frames_captured)d frames, the reader skipped "
        "%(frames_skipped_by_slow_readers)d" % d)
    return len(seqs), seqs[-1] - seqs[0] + 1, result


def fifty_writes(mp):
    t0 = time.monotonic()
    for i in range(WRITES_DURING_STREAM):
        name, vals = WRITE_PLAN[i % len(WRITE_PLAN)]
        v = vals[(i // len(WRITE_PLAN)) % 2]
        check(write(mp, name, v) == 0, "write %d: %s %s" % (i, name, v))
    return time.monotonic() - t0


def check_writes_while_streaming(mp):
    """50 writes (stepped and direct) while a reader counts frames: it
    keeps >= 95 % of the camera's frames. The camera makes frames by the
    clock, so a machine too busy to take them loses some with or without
    writes: when an attempt falls short, the same reader over as many
    frames without writes tells which. If that one keeps every frame,
    the writes are guilty: fail at once. If it loses frames too, the
    machine is busy (here the emulated camera, the daemon and the
    readers share its cores) and the attempt is made again, at most
    ATTEMPTS times, every one logged; a control path that costs frames
    fails all of them."""
    for attempt in range(1, ATTEMPTS + 1):
        got, span, dur = streamed(mp, lambda: fifty_writes(mp))
        log("%d writes in %.1f s while streaming: the reader got %d of the "
            "camera's %d frames (%.1f %%)"
            % (WRITES_DURING_STREAM, dur, got, span, 100.0 * got / span))
        if got >= KEEP_RATIO * span:
            return
        start = int(status(mp)["frames_captured"])
        got0, span0, _ = streamed(mp, lambda: wait_until(
            lambda: int(status(mp)["frames_captured"]) >= start + span,
            DEADLINE_S, "%d frames" % span))
        log("the same without writes: %d of %d (%.1f %%)"
            % (got0, span0, 100.0 * got0 / span0))
        check(got0 < span0,
              "the writes cost frames: %d of %d kept with them, all %d "
              "without" % (got, span, span0))
        log("attempt %d: the machine lost frames without writes too"
            % attempt)
    check(False, "%d attempts lost frames (the machine is too busy)"
          % ATTEMPTS)


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-control-")
    ctl = EmuControl(os.path.join(tmp, "ctl"))
    readers = []
    try:
        opts = ["emu_small", "emu_step_ms=%d" % STEP_MS, ctl.option()]
        with mounted(opts=opts) as (mp, _):
            ev = EventsReader(mp)
            readers.append(ev)
            check_tree(mp)
            check_set_all(mp, ev)
            check_refusals(mp, ctl)
            check_dial(mp, ctl, ev)
            check_camera_refuses(mp, ctl)
            check_refused_mid_walk(mp, ctl)
            readers += check_events(mp, ctl, ev)
            check_writes_while_streaming(mp)
            check_disconnect(mp, ctl, ev)
            log(status(mp)["control_why"])
        # unmounted: every events reader got end of file and closed cleanly
        for r in readers:
            r.join()
            check(r.eof and r.error is None and r.close_error is None,
                  "events reader: eof %s error %s close %s"
                  % (r.eof, r.error, r.close_error))
    finally:
        ctl.close()
        shutil.rmtree(tmp, ignore_errors=True)


run_test(main)
