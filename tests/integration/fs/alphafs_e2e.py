# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared helpers for the end-to-end tests of the mounted filesystem.

Each test mounts mount.alphafs (or the fs-only test producer) in the
foreground into a fresh temporary directory, runs real clients against it,
and always unmounts in a finally block: fusermount3 -u, then a lazy
unmount, then SIGTERM and SIGKILL as last resorts. Waits poll with
deadlines; no sleep is ever an assertion.
"""
import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

MOUNT = os.environ.get("ALPHAFS_MOUNT", "mount.alphafs")
FAKE = os.environ.get("ALPHAFS_FAKE_MOUNT", "fs_fake_mount")
# A command that prefixes the daemon's, e.g. "valgrind --leak-check=full
# --errors-for-leak-kinds=definite,indirect --error-exitcode=99": its
# reports (and exit status 99) fail the test.
WRAPPER = shlex.split(os.environ.get("ALPHAFS_DAEMON_WRAPPER", ""))
WRAPPER_ERROR_EXIT = 99
# When set (to the alphafs-emulator launcher), the "emulate" source is
# replaced by the same emulated camera on a virtual USB bus: the daemon
# then talks to it through the real libusb (suite e2e-usb). -o emu_fault
# and -o emu_fps become the launcher's --fault and --fps.
VIA_USB = os.environ.get("ALPHAFS_E2E_EMULATOR", "")


def hang_scale():
    """Hang guards grow under a wrapper (valgrind runs ~20x slower)."""
    return 5 if WRAPPER else 1


# Generous hang guards, never measurements.
MOUNT_DEADLINE_S = 60 * hang_scale()
EXIT_DEADLINE_S = 20 * hang_scale()
VALGRIND_ERRORS = re.compile(r"ERROR SUMMARY: (\d+) errors")

MARKER = re.compile(rb"alphafs-emu seq=(\d+) t=(\d+)")


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def log(*a):
    print(*a, flush=True)


def wait_until(pred, deadline_s, what):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise Failure("timed out waiting for " + what)


def is_mounted(mp):
    mp = os.path.realpath(mp)
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[4] == mp and fields[sep + 1].startswith("fuse"):
                return True
    return False


def daemon_log_problems(text, rc):
    """What the daemon's log and exit status say went wrong: sanitizer
    reports, valgrind errors or leaks (exit 99 with the wrapper)."""
    problems = []
    if "Sanitizer" in text or "runtime error" in text:
        problems.append("a sanitizer report")
    if WRAPPER:
        if rc == WRAPPER_ERROR_EXIT:
            problems.append("exit status %d from the wrapper" % rc)
        counts = VALGRIND_ERRORS.findall(text)
        if "valgrind" in WRAPPER[0]:
            if not counts:
                problems.append("no valgrind summary (killed?)")
            elif any(int(c) for c in counts):
                problems.append("valgrind errors: %s" % counts)
    return problems


def unmount(mp, proc):
    """Best effort, in order of politeness; returns when the daemon is gone."""
    if proc.poll() is None and is_mounted(mp):
        subprocess.run(["fusermount3", "-u", mp], stderr=subprocess.DEVNULL)
    if proc.poll() is None:
        try:
            proc.wait(timeout=5 * hang_scale())
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=EXIT_DEADLINE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if is_mounted(mp):
        subprocess.run(["fusermount3", "-uz", mp], stderr=subprocess.DEVNULL)


class LaunchedDaemon:
    """The daemon under alphafs-emulator, seen like a Popen of the daemon:
    pid and signals go to the daemon, waits and the exit status come from
    the launcher (which exits with the daemon's status)."""

    def __init__(self, launcher):
        self.launcher = launcher
        self._pid = None

    @property
    def pid(self):
        if self._pid is None:
            path = "/proc/%d/task/%d/children" % (self.launcher.pid,
                                                   self.launcher.pid)
            kids = wait_until(lambda: open(path).read().split(),
                              MOUNT_DEADLINE_S, "the daemon under the launcher")
            self._pid = int(kids[0])
        return self._pid

    def send_signal(self, sig):
        os.kill(self.pid, sig)

    def poll(self):
        return self.launcher.poll()

    def wait(self, timeout=None):
        return self.launcher.wait(timeout=timeout)

    def kill(self):
        self.launcher.kill()

    @property
    def returncode(self):
        return self.launcher.returncode


def usb_command(mp, opts, extra):
    """alphafs-emulator [--fault F] [--fps N] -- mount.alphafs MP -f ..."""
    launcher, rest = [VIA_USB], []
    for o in opts:
        if o.startswith("emu_fault="):
            launcher += ["--fault", o[len("emu_fault="):].replace(":", ",")]
        elif o.startswith("emu_fps="):
            launcher += ["--fps", o[len("emu_fps="):]]
        else:
            rest.append(o)
    # No SOURCE: the first camera found, the only one on the virtual bus.
    cmd = launcher + ["--"] + WRAPPER + [MOUNT, mp, "-f"] + list(extra)
    if rest:
        cmd += ["-o", ",".join(rest)]
    return cmd


@contextlib.contextmanager
def mounted(source="emulate", opts=(), fake=False, extra=()):
    """Mounts and yields (mountpoint, Popen). opts: list of -o words."""
    tmp = tempfile.mkdtemp(prefix="alphafs-e2e-")
    mp = os.path.join(tmp, "mnt")
    os.mkdir(mp)
    errpath = os.path.join(tmp, "daemon.log")
    via_usb = VIA_USB and not fake and source == "emulate"
    if fake:
        cmd = WRAPPER + [FAKE, mp] + list(extra)
    elif via_usb:
        cmd = usb_command(mp, opts, extra)
    else:
        cmd = WRAPPER + [MOUNT, source, mp, "-f"] + list(extra)
        if opts:
            cmd += ["-o", ",".join(opts)]
    errf = open(errpath, "w")
    proc = subprocess.Popen(cmd, stderr=errf, stdout=errf)
    if via_usb:
        proc = LaunchedDaemon(proc)
    try:
        wait_until(lambda: proc.poll() is not None or is_mounted(mp),
                   MOUNT_DEADLINE_S, "the mount")
        if proc.poll() is not None:
            raise Failure("daemon exited with %d: %s"
                          % (proc.returncode, open(errpath).read()))
        yield mp, proc
    finally:
        unmount(mp, proc)
        errf.close()
        with open(errpath) as f:
            text = f.read()
        shutil.rmtree(tmp, ignore_errors=True)
        # Sanitizer builds and the valgrind wrapper: a report from the
        # daemon fails the test.
        problems = daemon_log_problems(text, proc.returncode)
        if text.strip():
            log("--- daemon log%s ---\n" % ("" if problems else " (tail)")
                + (text if problems else text[-3000:]))
        check(not problems, "daemon: " + "; ".join(problems))


# ---- JPEG ----------------------------------------------------------------

def jpeg_end(buf, start=0):
    """Index just past the EOI of the JPEG starting at buf[start] (which
    must be SOI), walking marker segments and the entropy-coded data; None
    when the buffer ends first. Raises Failure on a malformed stream."""
    n = len(buf)
    if n - start < 2 and buf[start:] in (b"", b"\xff"):
        return None  # a start that may still become SOI
    check(buf[start:start + 2] == b"\xff\xd8", "no SOI at %d" % start)
    i = start + 2
    while True:
        if i + 2 > n:
            return None
        check(buf[i] == 0xFF, "no marker at %d" % i)
        m = buf[i + 1]
        if m == 0xD9:
            return i + 2
        if 0xD0 <= m <= 0xD7 or m == 0x01 or m == 0xFF:
            i += 1 if m == 0xFF else 2
            continue
        if i + 4 > n:
            return None
        seglen = (buf[i + 2] << 8) | buf[i + 3]
        i += 2 + seglen
        if m != 0xDA:
            continue
        # Entropy-coded data: ends at FF followed by neither 00 nor RSTn.
        while True:
            j = buf.find(b"\xff", i)
            if j < 0 or j + 1 >= n:
                return None
            nxt = buf[j + 1]
            if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
                i = j + 2
                continue
            i = j
            break


def split_frames(buf):
    """Whole JPEGs in buf (concatenated, each starting at SOI) and the
    unfinished tail."""
    frames, pos = [], 0
    while pos < len(buf):
        end = jpeg_end(buf, pos)
        if end is None:
            break
        frames.append(buf[pos:end])
        pos = end
    return frames, buf[pos:]


def check_whole(jpeg, what):
    check(jpeg[:2] == b"\xff\xd8", what + ": no SOI")
    check(jpeg[-2:] == b"\xff\xd9", what + ": no EOI at the end")
    check(jpeg_end(jpeg) == len(jpeg), what + ": not exactly one JPEG")


def marker(jpeg):
    m = MARKER.search(jpeg)
    check(m is not None, "frame without the emulator's COM marker")
    return int(m.group(1)), int(m.group(2))


def decode(jpeg, what):
    """Decodes with djpeg; raises Failure if libjpeg complains."""
    r = subprocess.run(["djpeg", "-outfile", "/dev/null"], input=jpeg,
                       stderr=subprocess.PIPE)
    check(r.returncode == 0 and not r.stderr,
          "%s does not decode: %s" % (what, r.stderr.decode(errors="replace")))


def status(mp):
    """info/status as a dict."""
    with open(os.path.join(mp, "info", "status")) as f:
        text = f.read()
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(": ")
        out[k] = v
    return out


def run_test(fn):
    try:
        fn()
    except Failure as e:
        log("FAIL:", e)
        sys.exit(1)
    log("PASS")
    sys.exit(0)
