# SPDX-License-Identifier: LGPL-2.1-or-later
"""The resilience rig: the emulated a6300 behind the real libusb
(alphafs-emulator, umockdev) with the daemon in the foreground under it,
driven through the launcher's control FIFO (unplug, replug, replug-serial,
pause, resume, fault SPEC), and stream readers as separate processes.

    with Rig(opts=["reconnect_timeout=4"]) as rig:
        rig.ctl("fault busy=100")
        st = rig.status()

The launcher runs `mount.alphafs -f PORT MNT` (prefixed with
$ALPHAFS_DAEMON_WRAPPER, e.g. valgrind) as its command and exits with the
daemon's status. Every wait has a deadline (a hang guard, never a
measurement); evidence is ordering: a state seen in info/status, a frame
sequence number, a reader's event line.
"""
import errno
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import time

from alphafs_e2e import (Failure, WRAPPER, check, check_whole,
                         daemon_log_problems, decode, hang_scale, is_mounted,
                         log, marker, run_test, split_frames, wait_until)

HERE = os.path.dirname(os.path.abspath(__file__))

EMULATOR = os.environ.get("ALPHAFS_EMULATOR", "alphafs-emulator")
MOUNT = os.environ.get("ALPHAFS_MOUNT", "mount.alphafs")
SERIAL = "RESIL6300SERIAL0001"
OTHER_SERIAL = "OTHER6300SERIAL0002"
READER = os.path.join(HERE, "res_reader.py")

# Hang guards (scaled under valgrind), never measurements.
START_S = 60 * hang_scale()
STATE_S = 30 * hang_scale()
EXIT_S = 30 * hang_scale()

__all__ = ["Rig", "Reader", "Failure", "WRAPPER", "check", "log", "run_test",
           "wait_until", "SERIAL", "OTHER_SERIAL", "STATE_S", "EXIT_S",
           "open_errno", "read_latest", "verify_stream_bytes", "is_mounted",
           "proc_children", "daemon_resources"]


def open_errno(path):
    """0 when path opens and reads, else the errno."""
    try:
        with open(path, "rb") as f:
            f.read()
        return 0
    except OSError as e:
        return e.errno


def read_latest(mp, what="latest.jpg"):
    """One whole, decodable latest.jpg; returns (seq, bytes)."""
    with open(mp + "/live/latest.jpg", "rb") as f:
        data = f.read()
    check_whole(data, what)
    decode(data, what)
    return marker(data)[0], data


def verify_stream_bytes(data, what, allow_tail=False):
    """Everything a stream reader received: whole JPEGs back to back that
    decode, emulator sequence numbers strictly increasing. Returns seqs."""
    frames, tail = split_frames(data)
    check(allow_tail or not tail,
          "%s: %d bytes after the last whole frame" % (what, len(tail)))
    seqs = []
    for i, f in enumerate(frames):
        check_whole(f, "%s frame %d" % (what, i))
        decode(f, "%s frame %d" % (what, i))
        seqs.append(marker(f)[0])
    bad = [i for i in range(1, len(seqs)) if seqs[i] <= seqs[i - 1]]
    check(not bad, "%s: sequence not increasing at %s" % (
        what, [seqs[i - 1:i + 1] for i in bad[:5]]))
    return seqs


def proc_children(pid):
    """Live children of pid (from /proc/*/stat)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(d))
    return out


def daemon_resources(pid):
    """(open descriptors, VmRSS in KiB) of the daemon."""
    fds = len(os.listdir("/proc/%d/fd" % pid))
    rss = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return fds, rss


class Rig:
    """alphafs-emulator with mount.alphafs -f under it."""

    def __init__(self, opts=(), fault=None, fps=None, serial=SERIAL,
                 log_spec=None, started=("live",)):
        """started: the states that count as mounted and running (a mount
        with a short -o linger may already rest: "idle")."""
        self.opts = list(opts) + (["log=" + log_spec] if log_spec else [])
        self.started = started
        self.fault, self.fps, self.serial = fault, fps, serial
        self.launcher = None
        self.daemon_pid = None
        self.rc = None
        self.readers = []
        self.log_text = ""

    # ---- start and stop ----------------------------------------------------
    def __enter__(self):
        self.tmp = tempfile.mkdtemp(prefix="alphafs-res-")
        self.mp = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mp)
        self.fifo = os.path.join(self.tmp, "ctl")
        self.logpath = os.path.join(self.tmp, "launcher.log")
        env = dict(os.environ, ALPHAFS_RES_MNT=self.mp)
        inner = WRAPPER + [MOUNT, "-f"]
        if self.opts:
            inner += ["-o", ",".join(self.opts)]
        cmd = [EMULATOR, "--serial", self.serial, "--control", self.fifo]
        if self.fault:
            cmd += ["--fault", self.fault]
        if self.fps:
            cmd += ["--fps", str(self.fps)]
        if os.environ.get("ALPHAFS_TEST_SMALL_FRAMES") == "1":
            cmd += ["--small"]  # see alphafs_e2e.SMALL_FRAMES
        # The port comes from the launcher (usb:001,002 at first).
        cmd += ["--", "/bin/sh", "-c",
                'exec "$@" "$ALPHAFS_EMU_PORT" "$ALPHAFS_RES_MNT"', "sh"]
        cmd += inner
        self.logf = open(self.logpath, "w")
        self.launcher = subprocess.Popen(cmd, stdout=self.logf,
                                         stderr=subprocess.STDOUT, env=env)
        try:
            self._wait_started()
        except BaseException:
            self._stop()
            raise
        return self

    def _wait_started(self):
        def up():
            if self.launcher.poll() is not None:
                raise Failure("the launcher exited with %d:\n%s" % (
                    self.launcher.returncode, self._read_log()))
            return is_mounted(self.mp)
        wait_until(up, START_S, "the mount")
        kids = proc_children(self.launcher.pid)
        check(len(kids) == 1, "launcher children: %r" % kids)
        self.daemon_pid = kids[0]
        self.ctl_fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        self.ack_fd = os.open(self.fifo + ".ack", os.O_RDONLY | os.O_NONBLOCK)
        self.ack_buf = b""
        self.wait_status(lambda s: s.get("state") in self.started,
                         "state " + " or ".join(self.started))

    def _read_log(self):
        self.logf.flush()
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def __exit__(self, et, ev, tb):
        failing = et is not None
        try:
            self._stop()
        finally:
            if failing:
                log("--- launcher/daemon log (tail) ---\n"
                    + self.log_text[-6000:])
        return False

    def _stop(self):
        for r in self.readers:
            r.kill()
        if self.launcher.poll() is None and is_mounted(self.mp):
            subprocess.run(["fusermount3", "-u", self.mp],
                           stderr=subprocess.DEVNULL)
        try:
            self.launcher.wait(timeout=EXIT_S)
        except subprocess.TimeoutExpired:
            if self.daemon_pid:
                os.kill(self.daemon_pid, signal.SIGTERM)
            try:
                self.launcher.wait(timeout=EXIT_S)
            except subprocess.TimeoutExpired:
                # The launcher ends its command's group before it goes.
                self.launcher.send_signal(signal.SIGTERM)
                try:
                    self.launcher.wait(timeout=EXIT_S)
                except subprocess.TimeoutExpired:
                    self.launcher.kill()
                    self.launcher.wait()
        if is_mounted(self.mp):
            subprocess.run(["fusermount3", "-uz", self.mp],
                           stderr=subprocess.DEVNULL)
        for fd in ("ctl_fd", "ack_fd"):
            if hasattr(self, fd):
                os.close(getattr(self, fd))
                delattr(self, fd)
        self.rc = self.launcher.returncode
        self.log_text = self._read_log()
        self.logf.close()
        subprocess.run(["rm", "-rf", self.tmp])
        problems = daemon_log_problems(self.log_text, self.rc)
        check(not problems, "daemon: " + "; ".join(problems) +
              "\n" + self.log_text[-6000:])

    # ---- the camera's side ------------------------------------------------
    def ctl(self, command):
        """One control line; waits for the launcher's "ok" reply."""
        os.write(self.ctl_fd, command.encode() + b"\n")
        want = ("ok " + command).encode()
        end = time.monotonic() + STATE_S
        while True:
            while b"\n" in self.ack_buf:
                line, self.ack_buf = self.ack_buf.split(b"\n", 1)
                if line == want:
                    return
                if not line.startswith(b"ok "):
                    raise Failure("control %r: %s" % (command, line))
            left = end - time.monotonic()
            check(left > 0, "no reply to control %r" % command)
            r, _, _ = select.select([self.ack_fd], [], [], left)
            if r:
                self.ack_buf += os.read(self.ack_fd, 4096)

    # ---- the daemon's side ------------------------------------------------
    def status(self):
        with open(self.mp + "/info/status") as f:
            text = f.read()
        out = {}
        for line in text.splitlines():
            k, _, v = line.partition(": ")
            out[k] = v
        return out

    def device(self):
        with open(self.mp + "/info/device") as f:
            return f.read()

    def wait_status(self, pred, what, deadline=None):
        def probe():
            check(self.launcher.poll() is None,
                  "the daemon exited (%s) waiting for %s"
                  % (self.launcher.returncode, what))
            st = self.status()
            return st if pred(st) else None
        return wait_until(probe, deadline or STATE_S, what)

    def wait_state(self, state, deadline=None):
        return self.wait_status(lambda s: s.get("state") == state,
                                "state " + state, deadline)

    def counter(self, key):
        return int(self.status()[key])

    def reader(self, name, **kw):
        r = Reader(self, name, **kw)
        self.readers.append(r)
        return r


class Reader:
    """A stream.mjpeg reader process (res_reader.py): saves every byte it
    reads, prints one event line per whole frame ("F seq"), per error
    ("E EIO", "E EINTR") and at end of file ("EOF")."""

    def __init__(self, rig, name, size=65536, on_error="exit",
                 on_signal="exit", pause=0.0):
        self.rig, self.name = rig, name
        self.out = os.path.join(rig.tmp, name + ".mjpeg")
        self.proc = subprocess.Popen(
            [sys.executable, READER, rig.mp + "/live/stream.mjpeg", self.out,
             str(size), on_error, on_signal, str(pause)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.buf = b""
        self.events = []

    def _pump(self, timeout):
        """Reads what the reader printed; False at end of its output."""
        alive = True
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if r:
            b = self.proc.stdout.read()
            if b:
                self.buf += b
            elif b is not None:
                alive = False
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.events.append(line.decode())
        return alive

    def wait_event(self, pred, what, deadline=None, start=0):
        """Waits for an event line (from index start on) that pred accepts;
        returns its index."""
        end = time.monotonic() + (deadline or STATE_S)
        while True:
            for i in range(start, len(self.events)):
                if pred(self.events[i]):
                    return i
            left = end - time.monotonic()
            check(left > 0, "%s: timed out waiting for %s (events %r)"
                  % (self.name, what, self.events[-5:]))
            if not self._pump(min(left, 0.2)):
                self.proc.wait(timeout=EXIT_S)
                for i in range(start, len(self.events)):
                    if pred(self.events[i]):
                        return i
                raise Failure("%s ended (%s) before %s; events %r; %s" % (
                    self.name, self.proc.returncode, what, self.events[-5:],
                    self.proc.stderr.read().decode(errors="replace")))

    def drain(self):
        """Takes in the event lines already printed (the reader prints a
        frame's line before its next read, so once that read is parked,
        every frame it got is in)."""
        while True:
            r, _, _ = select.select([self.proc.stdout], [], [], 0)
            if not r or not self._pump(0):
                return self.events

    def frames(self):
        return [int(e.split()[1]) for e in self.events if e.startswith("F ")]

    def wait_frames(self, n, after=-1, deadline=None):
        """Waits for n frames with a sequence number above after."""
        self.wait_event(lambda e: sum(1 for s in self.frames() if s > after)
                        >= n, "%d frames after %d" % (n, after), deadline)
        return [s for s in self.frames() if s > after]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def finish(self, allow_tail=False):
        """Waits for the process to end; checks everything it read."""
        try:
            self.proc.wait(timeout=EXIT_S)
        except subprocess.TimeoutExpired:
            raise Failure("%s did not end" % self.name)
        while self._pump(1):
            pass
        err = self.proc.stderr.read().decode(errors="replace")
        check(self.proc.returncode == 0, "%s exit %d: %s"
              % (self.name, self.proc.returncode, err))
        with open(self.out, "rb") as f:
            data = f.read()
        seqs = verify_stream_bytes(data, self.name, allow_tail)
        check(seqs == self.frames(), "%s: saved frames differ from events"
              % self.name)
        return seqs

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
