#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Polling on the camera's clock and resting when nobody reads, through the
real stack (the emulated a6300 behind the real libusb, a real mount):

  - -o linger=S: with no reader for S s the mount rests: info/status says
    idle, and while it rests no transaction is sent (the counters stay
    put while the daemon's own clock moves on); a latest.jpg open wakes
    it and gets a frame the camera made after the rest began (its pixel
    marker's time is later than the moment the test saw idle), never the
    old one; a stream reader wakes it the same way;
  - a latest.jpg open that wakes a camera which makes no frame (the
    launcher's "pause") fails with ETIMEDOUT after its bounded wait
    (FS_WAKE_WAIT_S), never with the old frame, and the mount serves
    frames again once the camera does;
  - the camera changes pace (the launcher's "fps 25", then "fps 30"): the
    poll schedule learns the new period (camera_frame_period_us) and
    follows it again (poll_schedule: tracking);
  - -o linger=0 never rests: frames keep coming with no reader at all.

Waits are conditions with hang guards; no duration is asserted.
"""
import errno
import os
import threading
import time

from alphafs_e2e import marker
from resil import (STATE_S, Rig, check, log, open_errno, read_latest,
                   run_test, wait_until)

LINGER_S = 2
WAKE_WAIT_S = 10  # FS_WAKE_WAIT_S (src/fs/fs.h)
# Hang guard for learning a new pace. Under ThreadSanitizer every transfer
# is several times slower and the host's polls late and scattered, so the
# brackets the schedule learns from are wide: on a loaded 2-core machine it
# took 15-20 s to track 30 fps again (1-3 s in the plain build). The
# plain build takes about a second (it took 10-40 s while the property
# work looked at the interrupt pipe before every poll, blurring the poll
# times: camera/loop.c props_round). Generous: 90 s.
SANITIZED = os.environ.get("ALPHAFS_SANITIZE", "none") not in ("", "none")
FOLLOW_S = max(STATE_S, 90) * (2 if SANITIZED else 1)
PERIOD_TOLERANCE = 0.01


def uptime(rig):
    return float(rig.status()["uptime_s"])


def counters(st):
    return tuple(int(st[k]) for k in ("camera_transactions",
                                      "frames_captured",
                                      "camera_polls_denied"))


def rests_without_polls(rig):
    """Idle, and nothing sent while the daemon's clock moves a second on."""
    st = rig.wait_state("idle")
    check(st["live_view"] == "idle", "live_view %r" % st["live_view"])
    seen = time.monotonic_ns()
    before = rig.status()
    t0 = float(before["uptime_s"])
    wait_until(lambda: uptime(rig) >= t0 + 1.0, 30, "a second of uptime")
    after = rig.status()
    check(after["state"] == "idle", "woke by itself: %r" % after["state"])
    check(counters(after) == counters(before),
          "transactions while resting: %r -> %r"
          % (counters(before), counters(after)))
    return seen


def test_rest_and_wake():
    with Rig(opts=["linger=%d" % LINGER_S], started=("live", "idle")) as rig:
        seen_idle = rests_without_polls(rig)
        seq, data = read_latest(rig.mp, "latest.jpg after the rest")
        _, made = marker(data)
        check(made > seen_idle,
              "latest.jpg served a frame from before the rest")
        st = rig.status()
        check(int(st["live_view_rests"]) >= 1 and
              int(st["live_view_wakes"]) >= 1,
              "rests %s wakes %s" % (st["live_view_rests"],
                                     st["live_view_wakes"]))
        log("latest.jpg woke the camera: frame %d, made %.1f ms after idle "
            "was seen" % (seq, (made - seen_idle) / 1e6))
        # Rests again; then a stream reader wakes it, and its first frame
        # is one made after that rest began.
        rests_without_polls(rig)
        r = rig.reader("r1")
        i = r.wait_event(lambda e: e.startswith("F "), "a frame")
        first = int(r.events[i].split()[1])
        check(first > seq + LINGER_S * 10,
              "stream reader's first frame %d is old (latest was %d)"
              % (first, seq))
        r.kill()


def test_wake_without_frames():
    with Rig(opts=["linger=%d" % LINGER_S], started=("live", "idle")) as rig:
        rig.wait_state("idle")
        rig.ctl("pause")
        got = []
        t = threading.Thread(target=lambda: got.append(
            open_errno(rig.mp + "/live/latest.jpg")), daemon=True)
        t.start()
        # Hang guard only: the open is answered by the fs's own deadline.
        t.join(WAKE_WAIT_S + STATE_S)
        check(got, "latest.jpg open on a silent camera never returned")
        check(got[0] == errno.ETIMEDOUT,
              "latest.jpg open on a silent camera: %s"
              % (os.strerror(got[0]) if got[0] else "served a frame"))
        rig.ctl("resume")
        rig.wait_state("live")
        seq, _ = read_latest(rig.mp, "latest.jpg after the camera resumed")
        log("silent camera: ETIMEDOUT; after resume frame %d" % seq)


def period_us(st):
    return int(st["camera_frame_period_us"])


def follows(rig, fps):
    want = 1e6 / fps
    return rig.wait_status(
        lambda s: s["poll_schedule"] == "tracking" and
        abs(period_us(s) - want) <= want * PERIOD_TOLERANCE,
        "the schedule following %d fps" % fps, FOLLOW_S)


def test_pace_change_and_never_rest():
    with Rig(opts=["linger=0"]) as rig:
        r = rig.reader("r")
        for i, fps in enumerate((30, 25, 30)):
            if i > 0:  # the camera starts at 30
                rig.ctl("fps %d" % fps)
            st = follows(rig, fps)
            a = rig.status()
            st = rig.wait_status(
                lambda s: int(s["frames_captured"]) >=
                int(a["frames_captured"]) + 60, "60 more frames")
            tx = int(st["camera_transactions"]) - int(a["camera_transactions"])
            n = int(st["frames_captured"]) - int(a["frames_captured"])
            log("%d fps: period %d us, %d transactions for %d frames (%.2f)"
                % (fps, period_us(st), tx, n, tx / n))
        r.kill()
        # No reader at all: frames keep coming (linger=0 never rests).
        n = int(rig.status()["frames_captured"])
        rig.wait_status(lambda s: int(s["frames_captured"]) >= n + 60,
                        "frames with nobody reading")
        check(rig.status()["live_view_rests"] == "0", "rested with linger=0")


def main():
    test_rest_and_wake()
    test_wake_without_frames()
    test_pace_change_and_never_rest()


if __name__ == "__main__":
    run_test(main)
