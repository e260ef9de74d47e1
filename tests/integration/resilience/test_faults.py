#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A busy or misbehaving camera, through the real libusb, while mounted
and read: each fault is injected at run time on the launcher's control
FIFO, and for each the daemon recovers the way it documents, the mount
stays and frames resume:

  busy=100           100 DeviceBusy answers: retried (counted), no unmount
  not-ready=100      100 AccessDenied "no frame yet": counted, frames go on
  stall-at=N         bulk IN stalls: halt cleared, session reset (counted)
  timeout-at=N       a transaction never answered: session reset (counted)
  hang-after-first   nothing answered until a Device Reset: session reset
  pause              live view refused for good (a stale remote owner):
                     one session reset, then info/status says why
  truncate/badoffset/badsize/short data phase: frames dropped by reason

A stream reader runs across all of them; every byte it got is whole,
decodable JPEGs in increasing order, and latest.jpg is whole after each.
"""
import signal

from resil import Rig, check, is_mounted, log, read_latest, run_test

BUSY_STORM = 100
# Operations of one session setup (GetDeviceInfo, SDIOConnect 1-3,
# GetExtDeviceInfo, 0x9209) that can take busy answers during a reset,
# plus the warm-up's first LiveViewStatus read after it (camera/warmup.c:
# a refused read switches to polling frames).
BUSY_IN_SETUP_MAX = 11
RESET_FAULTS = ["stall-at=5", "timeout-at=5", "hang-after-first"]


def resumed(rig, reader, what):
    """Fresh frames after the fault: the reader's and latest.jpg's."""
    before = max(reader.drain() and reader.frames() or [-1])
    got = reader.wait_frames(3, after=before)
    seq, _ = read_latest(rig.mp, "latest.jpg after " + what)
    check(is_mounted(rig.mp), "unmounted by " + what)
    rig.ctl("fault")  # clear what is left of it
    log("%s: recovered, frames %d.. latest %d" % (what, got[0], seq))


def busy_storm(rig, reader):
    """100 DeviceBusy answers in a row. Each is retried after a short,
    growing wait; the storm outlasts the refused-live-view bound, so one
    session reset may come in the middle, and its setup may take a few of
    the busy answers (retried within its own budget, not counted as
    live-view busy retries); under a sanitizer the storm outlasts several
    resets."""
    before = rig.status()
    last = max(reader.drain() and reader.frames() or [-1])
    rig.ctl("fault busy=100")
    # Every operation answers busy until 100 are used up: fresh frames
    # (at most one poll was on the wire before) mean the storm is over.
    reader.wait_frames(3, after=last)
    st = rig.status()
    busy = int(st["camera_busy_retries"]) - \
        int(before["camera_busy_retries"])
    resets = int(st["camera_session_resets"]) - \
        int(before["camera_session_resets"])
    # Each session setup in the storm may take up to BUSY_IN_SETUP_MAX of
    # the answers; a slow machine (the sanitizer runs) sees more than one
    # reset while the storm lasts.
    check(busy >= BUSY_STORM - BUSY_IN_SETUP_MAX * max(1, resets),
          "only %d busy answers counted (%d session resets)" % (busy, resets))
    check(st["camera_reconnects"] == "0", "the busy storm made a reconnect")
    log("busy=100: %d counted as live-view busy retries, %d session resets"
        % (busy, resets))
    resumed(rig, reader, "busy=100")


def not_ready(rig, reader):
    before = int(rig.status()["camera_polls_denied"])
    rig.ctl("fault not-ready=100")
    rig.wait_status(lambda s: int(s["camera_polls_denied"]) >= before + 100,
                    "100 denied polls counted")
    resumed(rig, reader, "not-ready=100")


def reset_fault(rig, reader, spec):
    before = int(rig.status()["camera_session_resets"])
    rig.ctl("fault " + spec)
    st = rig.wait_status(
        lambda s: int(s["camera_session_resets"]) > before,
        "a session reset after " + spec)
    check(st["camera_reconnects"] == "0", "%s made a reconnect" % spec)
    resumed(rig, reader, spec)


def stale_owner(rig, reader):
    """Live view refused (no frame) for good: one session reset, then the
    state is reported; frames again once the camera gives them."""
    before = int(rig.status()["camera_session_resets"])
    rig.ctl("pause")
    rig.wait_status(lambda s: int(s["camera_session_resets"]) == before + 1,
                    "one session reset for the refused live view")
    st = rig.wait_status(lambda s: "refused" in s.get("state_why", ""),
                         "the refused live view reported")
    check(int(st["camera_session_resets"]) == before + 1,
          "more than one reset for one stall: %s" %
          st["camera_session_resets"])
    log("reported: %s" % st["state_why"])
    rig.ctl("resume")
    rig.wait_state("live")
    resumed(rig, reader, "pause")


def dropped(rig, reader):
    before = rig.status()
    rig.ctl("fault truncate-every=3,badoffset-every=4,badsize-every=5,"
            "short-every=7")
    st = rig.wait_status(
        lambda s: int(s["frames_dropped"]) >= int(before["frames_dropped"])
        + 10, "10 bad frames dropped")
    reasons = {k: int(v) for k, v in st.items() if k.startswith("dropped_")}
    check(sum(reasons.values()) == int(st["frames_dropped"]),
          "reasons %r do not add up to %s" % (reasons, st["frames_dropped"]))
    check(sum(1 for v in reasons.values() if v) >= 2,
          "bad frames of several kinds, one reason: %r" % reasons)
    log("dropped by reason: %r" % {k: v for k, v in reasons.items() if v})
    resumed(rig, reader, "bad frames")


def main():
    with Rig() as rig:
        reader = rig.reader("across")
        reader.wait_frames(3)
        busy_storm(rig, reader)
        not_ready(rig, reader)
        for spec in RESET_FAULTS:
            reset_fault(rig, reader, spec)
        stale_owner(rig, reader)
        dropped(rig, reader)
        reader.signal(signal.SIGINT)
        seqs = reader.finish()
        st = rig.status()
        check(st["state"] == "live", "state at the end: %s" % st["state"])
        log("%d whole frames read across all faults" % len(seqs))


run_test(main)
