#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shutdown while the camera is mid-transfer (every answer 400 ms late)
and eight readers are blocked in read():

  - fusermount3 -u is refused while the readers hold the file open and
    disturbs none of them;
  - SIGTERM: every reader returns (end of file), the daemon unmounts and
    exits 0, and its last PTP transaction is CloseSession answered OK;
  - fusermount3 -u with no file open, camera mid-transfer: the same;
  - SIGTERM with eight readers busy reading (not waiting): each gets the
    rest of the frame it is in, then end of file; never an error.
Hang guards only; under $ALPHAFS_DAEMON_WRAPPER (valgrind) the rig also
fails on any memory error or leak at exit.
"""
import re
import signal
import subprocess

from resil import EXIT_S, Rig, check, is_mounted, log, run_test

READERS = 8
LATENCY = "fault latency=400"
PTP_DEBUG = "ptp:debug"
ANSWER = re.compile(r"<- (\S+).* tid \d+: (.*?), \d+ data bytes")


def session_closed(rig):
    answers = ANSWER.findall(rig.log_text)
    check(answers, "no PTP transaction in the debug log")
    check(answers[-1][0].startswith("CloseSession") and
          answers[-1][1].startswith("OK"),
          "the last transaction was %r, not CloseSession OK" % (answers[-1],))
    return len(answers)


def mid_transfer_with_readers():
    rig = Rig(log_spec=PTP_DEBUG)
    with rig:
        readers = [rig.reader("r%d" % i) for i in range(READERS)]
        for r in readers:
            r.wait_frames(1)
        rig.ctl(LATENCY)
        rig.ctl("pause")
        # A poll on the wire when the camera paused may still bring a
        # frame, and the readers then read again: wait until polls are
        # refused (the owner sends one at a time, so nothing is in
        # flight after that), then until all of them are parked. Else a
        # reader's next read can reach the daemon after SIGTERM ended
        # the request loop (ECONNABORTED instead of EOF).
        before = rig.counter("camera_polls_denied")
        rig.wait_status(lambda s: int(s["camera_polls_denied"]) >= before + 2,
                        "refused polls after the pause")
        rig.wait_status(lambda s: int(s["reads_waiting"]) >= READERS,
                        "%d parked reads" % READERS)
        busy = subprocess.run(["fusermount3", "-u", rig.mp],
                              capture_output=True, text=True)
        check(busy.returncode != 0, "fusermount3 -u unmounted a busy mount")
        # Not disturbed: no reader saw an error or an end of file (a frame
        # already on its way when the camera paused may still arrive).
        for r in readers:
            ev = r.drain()
            check(not any(e == "EOF" or e.startswith("E ") for e in ev),
                  "the refused unmount disturbed %s: %r" % (r.name, ev[-3:]))
        rig.launcher.poll()
        check(rig.launcher.returncode is None, "the daemon ended")
        log("8 readers parked, fusermount3 -u refused: %s"
            % busy.stderr.strip())
        # What is already on the wire stays mid-transfer; stop now.
        for r in readers:
            check(r.proc.poll() is None, "%s ended early" % r.name)
        subprocess.run(["kill", "-TERM", str(rig.daemon_pid)], check=True)
        for r in readers:
            r.wait_event(lambda e: e == "EOF", "end of file", EXIT_S)
        rig.launcher.wait(timeout=EXIT_S)
        check(not is_mounted(rig.mp), "still mounted after SIGTERM")
        for r in readers:
            r.finish()
    check(rig.rc == 0, "daemon exit status %s" % rig.rc)
    n = session_closed(rig)
    log("SIGTERM: readers ended with EOF, CloseSession OK after %d "
        "transactions" % n)


def unmount_mid_transfer():
    rig = Rig(log_spec=PTP_DEBUG)
    with rig:
        rig.ctl(LATENCY)
        rig.ctl("pause")
        # Two polls are answered late: one is on the wire now.
        before = rig.counter("camera_polls_denied")
        rig.wait_status(lambda s: int(s["camera_polls_denied"]) >= before + 2,
                        "late answers")
        r = subprocess.run(["fusermount3", "-u", rig.mp],
                           capture_output=True, text=True)
        check(r.returncode == 0, "fusermount3 -u: " + r.stderr)
        rig.launcher.wait(timeout=EXIT_S)
    check(rig.rc == 0, "daemon exit status %s" % rig.rc)
    session_closed(rig)


def streaming_readers():
    """Readers busy reading (not waiting) at SIGTERM: each gets the rest
    of the frame it is in, then end of file (mount.alphafs(8), SIGNALS);
    everything it read is whole frames; no read fails."""
    rig = Rig()
    with rig:
        readers = [rig.reader("s%d" % i, size=4093) for i in range(READERS)]
        for r in readers:
            r.wait_frames(2)
        subprocess.run(["kill", "-TERM", str(rig.daemon_pid)], check=True)
        for r in readers:
            i = r.wait_event(lambda e: e == "EOF" or e.startswith("E "),
                             "the end of the stream", EXIT_S)
            check(r.events[i] == "EOF", "%s ended with %r, not EOF"
                  % (r.name, r.events[i]))
        rig.launcher.wait(timeout=EXIT_S)
        check(not is_mounted(rig.mp), "still mounted after SIGTERM")
        for r in readers:
            r.finish()
    check(rig.rc == 0, "daemon exit status %s" % rig.rc)
    log("%d streaming readers at SIGTERM: whole frames, then end of file"
        % READERS)


def main():
    mid_transfer_with_readers()
    unmount_mid_transfer()
    streaming_readers()


run_test(main)
