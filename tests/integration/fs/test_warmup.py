#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The live-view warm-up through the real mount: the emulated body refuses
live view (0x2009, 0xD221 = 0) for a while after the handshake, as real
ones do. alphafs mounts anyway, says `starting live view` in info/status,
serves its first frame once live view is up; a body whose live view never
comes up, or that has none, ends in a readable reason and readers are
told (ENODEV). Waits are conditions with generous deadlines."""
import errno
import os

from alphafs_e2e import (check, check_whole, log, marker, mounted, run_test,
                         status, wait_until)

DEADLINE_S = 60


def latest(mp):
    with open(os.path.join(mp, "live", "latest.jpg"), "rb") as f:
        return f.read()


def test_then_live():
    with mounted() as (mp, _):
        s = status(mp)
        # The warm-up is 1 s; the state says so, or live view is already on.
        check(s.get("live_view") in ("starting live view", "on"),
              "live_view while warming up: %r" % s.get("live_view"))
        if s.get("live_view") == "starting live view":
            check(s.get("state_why") == "starting live view",
                  "state_why: %r" % s.get("state_why"))
        # A read waits for the first frame (parked), then gets it whole.
        data = latest(mp)
        check_whole(data, "first latest.jpg")
        seq, _ = marker(data)
        log("first frame seq %d, live_view %s" % (seq, status(mp)["live_view"]))
        wait_until(lambda: status(mp)["live_view"] == "on", DEADLINE_S,
                   "live_view: on")


def refused(mp, part):
    s = status(mp)
    return s.get("live_view") == "unavailable" and part in s.get("why", "")


def test_never_starts():
    with mounted(opts=["emu_fault=liveview-stuck"]) as (mp, _):
        s = status(mp)
        check(s.get("live_view") == "starting live view",
              "first live_view: %r" % s.get("live_view"))
        wait_until(lambda: refused(mp, "LiveViewStatus (0xD221) still 0"),
                   DEADLINE_S, "a readable reason")
        check(status(mp)["state"] == "disconnected", "readers are told")
        try:
            latest(mp)
            check(False, "latest.jpg opened without live view")
        except OSError as e:
            check(e.errno == errno.ENODEV, "ENODEV, got %s" % e)
        log("why:", status(mp)["why"])
    with mounted(opts=["emu_fault=no-liveview"]) as (mp, _):
        wait_until(lambda: refused(mp, "LiveViewStatus (0xD221) = 2"),
                   DEADLINE_S, "no live view reported")
        log("why:", status(mp)["why"])


def main():
    test_then_live()
    test_never_starts()


run_test(main)
