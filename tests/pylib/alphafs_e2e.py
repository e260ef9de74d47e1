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
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

MOUNT = os.environ.get("ALPHAFS_MOUNT", "mount.alphafs")
FAKE = os.environ.get("ALPHAFS_FAKE_MOUNT", "fs_fake_mount")
# A command that prefixes the daemon's, e.g. "valgrind --leak-check=full
# --errors-for-leak-kinds=definite,indirect --error-exitcode=99": its
# reports (and exit status 99) fail the test.
WRAPPER = shlex.split(os.environ.get("ALPHAFS_DAEMON_WRAPPER", ""))
# ALPHAFS_TEST_SMALL_FRAMES=1 (the valgrind and sanitizer runs): the
# emulated camera sends 640x424 frames instead of its realistic 1024x680
# ones. Encoding a realistic frame costs about 90 ms under memcheck (1.7 ms
# natively), which would turn those runs into a test of patience; the
# gcc run keeps the realistic frames.
SMALL_FRAMES = os.environ.get("ALPHAFS_TEST_SMALL_FRAMES") == "1"
WRAPPER_ERROR_EXIT = 99
# When set (to the alphafs-emulator launcher), the "emulate" source is
# replaced by the same emulated camera on a virtual USB bus: the daemon
# then talks to it through the real libusb (suite e2e-usb). -o emu_fault
# and -o emu_fps become the launcher's --fault and --fps (emu_small,
# emu_step_ms and emu_control: --small, --step-ms and --control).
VIA_USB = os.environ.get("ALPHAFS_E2E_EMULATOR", "")


def hang_scale():
    """Hang guards grow under a wrapper (valgrind runs ~20x slower)."""
    return 5 if WRAPPER else 1


# Generous hang guards, never measurements.
MOUNT_DEADLINE_S = 60 * hang_scale()
EXIT_DEADLINE_S = 20 * hang_scale()
VALGRIND_ERRORS = re.compile(r"ERROR SUMMARY: (\d+) errors")



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
        elif o == "emu_small":
            launcher += ["--small"]
        elif o == "emu_focus":
            launcher += ["--focus-frames"]
        elif o.startswith("emu_still="):
            launcher += ["--still", o[len("emu_still="):]]
        elif o.startswith("emu_step_ms="):
            launcher += ["--step-ms", o[len("emu_step_ms="):]]
        elif o.startswith("emu_control="):
            launcher += ["--control", o[len("emu_control="):]]
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
    if SMALL_FRAMES and source == "emulate" and not fake \
            and "emu_small" not in opts:
        opts = list(opts) + ["emu_small"]
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


# ---- the emulator's frame marker -----------------------------------------
# Every emulated frame carries its sequence number and capture time in its
# pixels (src/emu/marker.c): 120 bits, one per flat 8x8 luma block over the
# top MCU rows (bit i: MCU i // 4 in raster order, block i % 4 in it),
# light for 1. Bytes: 0xA5, seq u32 LE, CLOCK_MONOTONIC ns u64 LE, then a
# CRC-16/CCITT of the first 13. Reading it needs only the DC coefficients
# of the first MCUs: a small baseline Huffman decoder, no image library.
MARKER_BITS = 120
MARKER_MAGIC = 0xA5


def _crc16(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _jpeg_tables(jpeg):
    """(width, components [(id, h, v, qt)], dc/ac tables, scan order,
    qtables, offset of the entropy-coded data)."""
    i, comps, huff, qt = 2, [], {}, {}
    while True:
        check(jpeg[i] == 0xFF, "marker expected at %d" % i)
        m = jpeg[i + 1]
        seglen = (jpeg[i + 2] << 8) | jpeg[i + 3]
        seg = jpeg[i + 4:i + 2 + seglen]
        if m == 0xDB:
            j = 0
            while j < len(seg):
                check(seg[j] >> 4 == 0, "16-bit DQT")
                qt[seg[j] & 15] = seg[j + 1]
                j += 65
        elif m == 0xC0:
            width = (seg[3] << 8) | seg[4]
            for c in range(seg[5]):
                cid, hv, q = seg[6 + 3 * c:9 + 3 * c]
                comps.append((cid, hv >> 4, hv & 15, q))
        elif m in (0xC1, 0xC2, 0xC3):
            raise Failure("not a baseline JPEG")
        elif m == 0xC4:
            j = 0
            while j < len(seg):
                tc_th, counts = seg[j], seg[j + 1:j + 17]
                syms = seg[j + 17:j + 17 + sum(counts)]
                table, code, k = {}, 0, 0
                for length in range(1, 17):
                    for _ in range(counts[length - 1]):
                        table[(length, code)] = syms[k]
                        code += 1
                        k += 1
                    code <<= 1
                huff[tc_th] = table
                j += 17 + sum(counts)
        elif m == 0xDA:
            order = [(seg[1 + 2 * c], seg[2 + 2 * c] >> 4, seg[2 + 2 * c] & 15)
                     for c in range(seg[0])]
            return width, comps, huff, order, qt, i + 2 + seglen
        i += 2 + seglen


class _Bits:
    def __init__(self, data, pos):
        self.data, self.pos, self.acc, self.n = data, pos, 0, 0

    def bit(self):
        if self.n == 0:
            b = self.data[self.pos]
            if b == 0xFF:
                check(self.data[self.pos + 1] == 0x00, "marker in scan")
                self.pos += 1
            self.pos += 1
            self.acc, self.n = b, 8
        self.n -= 1
        return (self.acc >> self.n) & 1

    def bits(self, k):
        v = 0
        for _ in range(k):
            v = (v << 1) | self.bit()
        return v

    def huff(self, table):
        code = 0
        for length in range(1, 17):
            code = (code << 1) | self.bit()
            sym = table.get((length, code))
            if sym is not None:
                return sym
        raise Failure("bad Huffman code")


def _extend(v, k):
    return v - (1 << k) + 1 if k and v < (1 << (k - 1)) else v


def marker(jpeg):
    """(seq, capture ns) from an emulated frame's pixels."""
    try:
        width, comps, huff, order, qt, pos = _jpeg_tables(jpeg)
    except IndexError:
        raise Failure("frame too short for the emulator's marker")
    lum = comps[0]
    check(lum[1] == 2 and lum[2] == 2, "luma sampling 2x2 expected")
    qdc = qt[lum[3]]
    per_row = width // 16
    need_mcus = -(-MARKER_BITS // 4)
    # MCUs in scan order up to the last one holding a marker bit
    rows = -(-need_mcus // per_row)
    last_mcu = (rows - 1) * (-(-width // 16)) + (need_mcus - 1) % per_row
    bits = _Bits(jpeg, pos)
    pred = {cid: 0 for cid, _, _ in order}
    hv = {c[0]: (c[1], c[2]) for c in comps}
    mcus_per_line = -(-width // 16)
    out = bytearray(MARKER_BITS // 8)
    try:
        for mcu in range(last_mcu + 1):
            for cid, td, ta in order:
                h, v = hv[cid]
                for blk in range(h * v):
                    s = bits.huff(huff[td])
                    pred[cid] += _extend(bits.bits(s), s)
                    k = 1
                    while k < 64:
                        rs = bits.huff(huff[0x10 | ta])
                        if rs == 0:
                            break
                        k += (rs >> 4) + 1 if rs & 15 else 16
                        bits.bits(rs & 15)
                    if cid != order[0][0]:
                        continue
                    mx, my = mcu % mcus_per_line, mcu // mcus_per_line
                    if mx >= per_row:
                        continue
                    i = (my * per_row + mx) * 4 + blk
                    if i < MARKER_BITS and pred[cid] * qdc / 8 + 128 >= 128:
                        out[i // 8] |= 1 << (i % 8)
    except IndexError:
        raise Failure("frame cut inside the emulator's marker")
    check(out[0] == MARKER_MAGIC and
          int.from_bytes(out[13:15], "little") == _crc16(out[:13]),
          "frame without the emulator's marker")
    return (int.from_bytes(out[1:5], "little"),
            int.from_bytes(out[5:13], "little"))


def jpeg_size(data):
    """(width, height) from a JPEG's SOF, walking its segments by their
    lengths (the entropy-coded data is never scanned)."""
    i = 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        m, n = data[i + 1], int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= m <= 0xCF and m not in (0xC4, 0xC8, 0xCC):
            return (int.from_bytes(data[i + 7:i + 9], "big"),
                    int.from_bytes(data[i + 5:i + 7], "big"))
        i += 2 + n
    raise Failure("no SOF in a %d-byte JPEG" % len(data))


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


# ---- the emulated camera's control FIFO and /events ------------------------

class EmuControl:
    """The emulated camera's control FIFO (-o emu_control=PATH in memory,
    alphafs-emulator --control PATH on USB): one command per line, one
    reply per command on PATH.ack. cmd() waits for the reply and returns
    it; "ok ..." means the camera took it."""

    REPLY_DEADLINE_S = 30

    def __init__(self, path):
        self.path = path
        self.ack = None
        self.pending = b""

    def option(self):
        return "emu_control=" + self.path

    def _open(self):
        if self.ack is None:
            wait_until(lambda: os.path.exists(self.path + ".ack"), 60,
                       "the control FIFO")
            # The camera's side holds both FIFOs open read-write, so
            # neither open blocks.
            self.ack = os.open(self.path + ".ack", os.O_RDONLY | os.O_NONBLOCK)

    def cmd(self, line):
        self._open()
        fd = os.open(self.path, os.O_WRONLY)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)
        end = time.monotonic() + self.REPLY_DEADLINE_S * hang_scale()
        while b"\n" not in self.pending:
            check(time.monotonic() < end, "no reply to %r" % line)
            select.select([self.ack], [], [], 0.1)
            try:
                self.pending += os.read(self.ack, 4096)
            except BlockingIOError:
                pass
        reply, _, self.pending = self.pending.partition(b"\n")
        return reply.decode(errors="replace")

    def ok(self, line):
        reply = self.cmd(line)
        check(reply == "ok " + line, "%r answered %r" % (line, reply))

    def close(self):
        if self.ack is not None:
            os.close(self.ack)
            self.ack = None


EVENT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [a-z-]+( .*)?$")


class EventsReader:
    """A thread reading /events like `cat` (blocking reads of `size`
    bytes): whole lines land in .lines, the end of file sets .eof (and
    .close_error if close() then failed). start=False: open now, read only
    once .start() is called (a reader that falls behind)."""

    def __init__(self, mp, size=4096, start=True):
        self.fd = os.open(os.path.join(mp, "events"), os.O_RDONLY)
        self.size = size
        self.lines = []
        self.eof = False
        self.close_error = None
        self.error = None
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        if start:
            self.start()

    def start(self):
        self.thread.start()

    def _run(self):
        pending = b""
        try:
            while True:
                b = os.read(self.fd, self.size)
                if not b:
                    break
                pending += b
                *whole, pending = pending.split(b"\n")
                with self.lock:
                    self.lines += [w.decode(errors="replace") for w in whole]
        except OSError as e:
            self.error = e
        self.eof = not self.error
        try:
            os.close(self.fd)
        except OSError as e:
            self.close_error = e

    def snapshot(self):
        with self.lock:
            return list(self.lines)

    def wait_for(self, part, deadline_s=30):
        """Waits until a line holding part came; returns that line."""
        def found():
            for line in self.snapshot():
                if part in line:
                    return line
            return None
        return wait_until(found, deadline_s * hang_scale(),
                          "an event line with %r" % part)

    def join(self, deadline_s=30):
        self.thread.join(deadline_s * hang_scale())
        check(not self.thread.is_alive(), "the events reader never ended")
