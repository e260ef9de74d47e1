#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""alphafs's benchmark, one run (scripts/bench or `ninja -C build bench`).

On the emulated ILCE-6300 (30 fps, its default 1024x680 frames of about
100 KB), prints plain text lines:

  usb      alphafs and `gphoto2 --capture-movie --stdout` side by side on
           the same real-libusb path (alphafs-emulator, umockdev): frames/s,
           CPU seconds per frame of the daemon and of gphoto2 (each process
           alone; the launcher, which plays the camera, apart), USB
           transactions per delivered frame, latency from "frame ready in
           the camera" (the time in its pixel marker) to "whole frame in the
           reader" p50/p99/max over 1000 frames, and ratios alphafs/gphoto2;
  memory   the same for alphafs with the emulated camera in its own process
           (mount.alphafs emulate; the camera's encoder thread left out of
           the daemon's CPU);
  fanout   1, 4, 16 and 64 stream readers plus one slow one: frames per
           fast reader against the camera's, capture rate, the daemon's RSS
           sampled through the run;
  latest   whole-frame latest.jpg copies per second, 8 copiers;
  idle     a resting mount (-o linger): transactions and CPU per second,
           then the time from an open to the first frame.

Each figure comes with the target it is held to where there is one
("target ... met" / "MISSED"). Asserts nothing; the machine's load is
printed at the start and the end: on a shared machine a missed target may
be the neighbours'.

usage: alphafs_bench.py --emulator E --mount M --reader R
                        [--emu-frames F] [--frames N] [--quick]
"""
import argparse
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# The tests' helpers (scripts/bench puts tests/pylib on the path).
from alphafs_e2e import is_mounted, status

FPS = 30
MOUNT_S = 60
HANG_S = 120
FANOUT = (1, 4, 16, 64)
COPIERS = 8
IDLE_LINGER_S = 2
IDLE_WINDOW_S = 10
RSS_EVERY_S = 0.25
CLK_TCK = os.sysconf("SC_CLK_TCK")

TARGET_TX = 1.3
TARGET_ADDED_MEM_MS = 3.0
TARGET_ADDED_USB_MS = 5.0
TARGET_DELIVERED = 0.99
TARGET_CPU_RATIO = 1 / 3
TARGET_RSS_MIB = 16


def out(*a):
    print(*a, flush=True)


def verdict(ok):
    return "met" if ok else "MISSED"


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# ---- processes -------------------------------------------------------------

def proc_cpu_s(pid):
    """utime + stime of a process (its dead threads included)."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    fields = st[st.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def thread_cpu_s(pid, name):
    """Run time of the process's threads called name (ns schedstat). A
    name no thread has is an error, not a zero: a renamed thread once
    hid the emulated camera's encoder in the daemon's figure."""
    total = found = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() != name:
                    continue
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
            found += 1
        except OSError:
            continue
    if not found:
        raise SystemExit("bench: process %d has no thread called %s"
                         % (pid, name))
    return total / 1e9


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def wait_for(pred, what, deadline=MOUNT_S):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    raise SystemExit("bench: timed out waiting for " + what)


class Fifo:
    """The launcher's control FIFO: commands and their reply lines."""

    def __init__(self, path):
        self.path = path
        self.ctl = self.ack = None
        self.buf = b""

    def open(self):
        wait_for(lambda: os.path.exists(self.path + ".ack"), "the FIFO")
        self.ctl = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        self.ack = os.open(self.path + ".ack", os.O_RDONLY | os.O_NONBLOCK)

    def cmd(self, line):
        os.write(self.ctl, line.encode() + b"\n")
        end = time.monotonic() + HANG_S
        while time.monotonic() < end:
            while b"\n" in self.buf:
                reply, self.buf = self.buf.split(b"\n", 1)
                reply = reply.decode()
                if reply.startswith("ok " + line.split()[0]):
                    return reply
                if not reply.startswith("ok "):
                    raise SystemExit("bench: control %r: %s" % (line, reply))
            r, _, _ = select.select([self.ack], [], [], 1)
            if r:
                self.buf += os.read(self.ack, 4096)
        raise SystemExit("bench: no reply to " + line)

    def stats(self):
        words = self.cmd("stats").split()[2:]
        return {k: int(v) for k, v in (w.split("=") for w in words)}

    def close(self):
        for fd in (self.ctl, self.ack):
            if fd is not None:
                os.close(fd)


class Mount:
    """mount.alphafs -f: under the launcher (the real-libusb path) or with
    the emulated camera in its own process (memory)."""

    def __init__(self, a, usb, opts=()):
        self.a, self.usb = a, usb
        self.tmp = tempfile.mkdtemp(prefix="alphafs-bench-")
        self.mp = os.path.join(self.tmp, "mnt")
        os.mkdir(self.mp)
        self.fifo = Fifo(os.path.join(self.tmp, "ctl"))
        self.log = open(os.path.join(self.tmp, "log"), "w")
        opt = ["-o", ",".join(opts)] if opts else []
        if usb:
            cmd = [a.emulator, "--control", self.fifo.path, "--",
                   a.mount, self.mp, "-f"] + opt
        else:
            cmd = [a.mount, "emulate", self.mp, "-f"] + opt
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)
        wait_for(lambda: self.proc.poll() is not None or is_mounted(self.mp),
                 "the mount")
        if self.proc.poll() is not None:
            raise SystemExit("bench: mount failed: " + self.logtext())
        self.daemon = self.proc.pid
        self.launcher = None
        if usb:
            self.launcher = self.proc.pid
            self.daemon = wait_for(lambda: (children(self.proc.pid) or
                                            [None])[0], "the daemon")
            self.fifo.open()
        wait_for(lambda: status(self.mp).get("state") == "live",
                 "live view")

    def logtext(self):
        self.log.flush()
        with open(self.log.name, errors="replace") as f:
            return f.read()[-3000:]

    def stream(self):
        return os.path.join(self.mp, "live", "stream.mjpeg")

    def latest(self):
        return os.path.join(self.mp, "live", "latest.jpg")

    def close(self):
        if self.proc.poll() is None:
            subprocess.run(["fusermount3", "-u", self.mp],
                           stderr=subprocess.DEVNULL)
        try:
            self.proc.wait(timeout=HANG_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.fifo.close()
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---- one window of readers ----------------------------------------------------

class Sample:
    """What is sampled at the window's edges."""

    def __init__(self, pids, mp=None, fifo=None, thread=None):
        self.pids, self.mp, self.fifo, self.thread = pids, mp, fifo, thread

    def take(self):
        s = {"t": time.monotonic()}
        for name, pid in self.pids.items():
            s["cpu_" + name] = proc_cpu_s(pid)
            if self.thread and name == "daemon":
                s["cpu_thread"] = thread_cpu_s(pid, self.thread)
        if self.mp:
            s["status"] = status(self.mp)
        if self.fifo:
            s["emu"] = self.fifo.stats()
        return s


def run_reader(a, args, sample, stdin=None, rss_pid=None):
    """bench_reader with the window sampled; returns (results, edges, rss)."""
    p = subprocess.Popen([a.reader] + args, stdin=stdin,
                         stdout=subprocess.PIPE, text=True)
    edges, lines, rss = [], [], []
    os.set_blocking(p.stdout.fileno(), False)
    buf = ""
    end = time.monotonic() + a.frames / FPS * 4 + HANG_S
    next_rss = 0
    while time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], RSS_EVERY_S / 2)
        chunk = p.stdout.read() if r else None
        if chunk:
            buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            if line in ("window start", "window end"):
                edges.append(sample.take())
            else:
                lines.append(line)
        if rss_pid and len(edges) == 1 and time.monotonic() >= next_rss:
            rss.append(rss_kib(rss_pid))
            next_rss = time.monotonic() + RSS_EVERY_S
        if r and chunk == "":
            break
    p.wait(timeout=HANG_S)
    if len(edges) != 2:
        raise SystemExit("bench: bench_reader %s ended early" % args)
    res = {"readers": []}
    for line in lines:
        w = line.split()
        if w[0] == "reader":
            res["readers"].append({"fast": w[2] == "fast",
                                   "frames": int(w[4]),
                                   "camera": int(w[6])})
        elif w[0] == "latency_ms":
            res["lat"] = {w[i]: float(w[i + 1]) for i in range(1, len(w), 2)}
        elif w[0] == "copies":
            # "copies N bad N copies_per_s X"
            res["copies_per_s"] = float(w[5])
            res["bad"] = int(w[3])
        else:
            res[w[0]] = float(w[1])
    return res, edges, rss


def delta(edges, key):
    return edges[1][key] - edges[0][key]


def sdelta(edges, key):
    return int(edges[1]["status"][key]) - int(edges[0]["status"][key])


def edelta(edges, key):
    return edges[1]["emu"][key] - edges[0]["emu"][key]


def stream_args(a, path, extra=()):
    return ["stream", path, "--frames", str(a.frames), "--warmup", "60",
            "--latency"] + list(extra)


def report_stream(name, res, edges, cpu_key, tx, transfer_ms=None):
    r0 = res["readers"][0]
    frames = r0["frames"]
    cpu = delta(edges, cpu_key) / frames
    lat = res["lat"]
    out("%-8s %s: %.1f frames/s, %d of %d camera frames (%.2f %%), "
        "cpu %.3f ms/frame, %.2f transactions/frame"
        % (name, "frames", res["fps"], frames, r0["camera"],
           100.0 * frames / r0["camera"], cpu * 1e3, tx))
    added = ""
    if transfer_ms is not None:
        added = ", p99 above the frame's transfer time (%.2f ms) %.2f ms" % (
            transfer_ms, lat["p99"] - transfer_ms)
    out("%-8s latency over %d frames: p50 %.2f ms, p99 %.2f ms, max %.2f ms%s"
        % (name, lat["n"], lat["p50"], lat["p99"], lat["max"], added))
    return cpu


# ---- the sections ------------------------------------------------------------

def usb_gphoto2(a):
    tmp = tempfile.mkdtemp(prefix="alphafs-bench-")
    fifo = Fifo(os.path.join(tmp, "ctl"))
    n = a.frames + 200
    launcher = subprocess.Popen(
        [a.emulator, "--control", fifo.path, "--", "gphoto2",
         "--capture-movie=%d" % n, "--stdout"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        fifo.open()
        gp = wait_for(lambda: (children(launcher.pid) or [None])[0],
                      "gphoto2")
        sample = Sample({"gphoto2": gp, "launcher": launcher.pid}, fifo=fifo)
        res, edges, _ = run_reader(a, stream_args(a, "-"), sample,
                                   stdin=launcher.stdout)
    finally:
        launcher.send_signal(signal.SIGTERM)
        try:
            launcher.wait(timeout=HANG_S)
        except subprocess.TimeoutExpired:
            launcher.kill()
            launcher.wait()
        launcher.stdout.close()
        fifo.close()
        shutil.rmtree(tmp, ignore_errors=True)
    frames = res["readers"][0]["frames"]
    tx = edelta(edges, "transactions") / frames
    cpu = report_stream("gphoto2", res, edges, "cpu_gphoto2", tx)
    out("%-8s launcher (the emulated camera) cpu %.3f ms/frame; camera "
        "answered AccessDenied %.2f times/frame"
        % ("gphoto2", delta(edges, "cpu_launcher") / frames * 1e3,
           edelta(edges, "denied") / frames))
    return {"cpu": cpu, "tx": tx, "lat": res["lat"]}


def alphafs_stream(a, usb):
    m = Mount(a, usb)
    name = "usb" if usb else "memory"
    try:
        pids = {"daemon": m.daemon}
        if usb:
            pids["launcher"] = m.launcher
        sample = Sample(pids, mp=m.mp, fifo=m.fifo if usb else None,
                        thread=None if usb else "alphafs-sensor")
        res, edges, _ = run_reader(a, stream_args(a, m.stream()), sample)
    finally:
        m.close()
    frames = res["readers"][0]["frames"]
    tx = sdelta(edges, "camera_transactions") / frames
    captured = sdelta(edges, "frames_captured")
    transfer = edges[1]["status"]["frame_transfer_us"]
    transfer_ms = int(transfer) / 1e3
    key = "cpu_daemon"
    if not usb:
        # The emulated camera's encoder thread is the camera's work.
        for e in edges:
            e["cpu_alphafs"] = e["cpu_daemon"] - e["cpu_thread"]
        key = "cpu_alphafs"
    cpu = report_stream("alphafs", res, edges, key, tx, transfer_ms)
    if usb:
        out("%-8s launcher (the emulated camera) cpu %.3f ms/frame; camera "
            "counted %.2f transactions/frame, AccessDenied %.2f/frame" % (
                "alphafs", delta(edges, "cpu_launcher") / frames * 1e3,
                edelta(edges, "transactions") / frames,
                edelta(edges, "denied") / frames))
    else:
        out("%-8s the emulated camera's encoder thread (left out) %.3f "
            "ms/frame; daemon with it %.3f ms/frame"
            % ("alphafs", delta(edges, "cpu_thread") / frames * 1e3,
               delta(edges, "cpu_daemon") / frames * 1e3))
    out("%-8s captured %d frames, schedule %s, period %s us, %d relearns "
        "in the window" % ("alphafs", captured,
                           edges[1]["status"]["poll_schedule"],
                           edges[1]["status"]["camera_frame_period_us"],
                           sdelta(edges, "poll_schedule_relearns")))
    return {"cpu": cpu, "tx": tx, "lat": res["lat"],
            "added": res["lat"]["p99"] - transfer_ms,
            "delivered": res["readers"][0]["frames"] /
            res["readers"][0]["camera"]}


def fanout(a):
    m = Mount(a, usb=True)
    rows = []
    try:
        for n in FANOUT:
            sample = Sample({"daemon": m.daemon}, mp=m.mp)
            frames = max(150, a.frames // 4)
            res, edges, rss = run_reader(
                a, ["stream", m.stream(), "--readers", str(n), "--slow",
                    "--frames", str(frames), "--warmup", "30"],
                sample, rss_pid=m.daemon)
            fast = [r for r in res["readers"] if r["fast"]]
            slow = [r for r in res["readers"] if not r["fast"]]
            worst = min(r["frames"] / r["camera"] for r in fast)
            captured = sdelta(edges, "frames_captured") / res["window_s"]
            out("fanout   %2d fast readers + 1 slow: frames per fast reader "
                "%d..%d (worst %.2f %% of the camera's), slow reader %d, "
                "capture %.1f frames/s, daemon RSS %.1f..%.1f MiB over %d "
                "samples" % (n, min(r["frames"] for r in fast),
                             max(r["frames"] for r in fast), 100 * worst,
                             slow[0]["frames"], captured, min(rss) / 1024,
                             max(rss) / 1024, len(rss)))
            rows.append((n, worst, max(rss) / 1024, min(rss) / 1024))
        sample = Sample({"daemon": m.daemon}, mp=m.mp)
        res, edges, _ = run_reader(
            a, ["latest", m.latest(), "--readers", str(COPIERS),
                "--seconds", str(a.latest_s)], sample)
        out("latest   %d copiers: %.0f whole-frame copies/s (%d bad), daemon "
            "cpu %.3f ms/copy" % (COPIERS, res["copies_per_s"], res["bad"],
                                  delta(edges, "cpu_daemon") /
                                  max(1, res["copies_per_s"] *
                                      res["window_s"]) * 1e3))
    finally:
        m.close()
    return rows


def idle(a):
    m = Mount(a, usb=True, opts=["linger=%d" % IDLE_LINGER_S])
    try:
        wait_for(lambda: status(m.mp).get("state") == "idle", "idle")
        s0 = Sample({"daemon": m.daemon, "launcher": m.launcher}, mp=m.mp,
                    fifo=m.fifo).take()
        time.sleep(a.idle_s)
        s1 = Sample({"daemon": m.daemon, "launcher": m.launcher}, mp=m.mp,
                    fifo=m.fifo).take()
        edges = [s0, s1]
        secs = s1["t"] - s0["t"]
        tx = sdelta(edges, "camera_transactions") / secs
        cam_tx = edelta(edges, "transactions") / secs
        out("idle     resting %.1f s: %.2f transactions/s (the camera "
            "counted %.2f/s), daemon cpu %.2f ms/s, launcher %.2f ms/s"
            % (secs, tx, cam_tx, delta(edges, "cpu_daemon") / secs * 1e3,
               delta(edges, "cpu_launcher") / secs * 1e3))
        period_ms = 1e3 / FPS
        t0 = time.monotonic()
        with open(m.latest(), "rb") as f:
            data = f.read()
        wake_ms = (time.monotonic() - t0) * 1e3
        ok_frame = data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
        out("idle     wake: latest.jpg open to whole fresh frame %.1f ms "
            "(%.2f frame periods; %s)" % (wake_ms, wake_ms / period_ms,
                                          "whole" if ok_frame else "BAD"))
        wait_for(lambda: status(m.mp).get("state") == "idle", "idle again")
        t0 = time.monotonic()
        with open(m.stream(), "rb", buffering=0) as f:
            got = b""
            while not got.endswith(b"\xff\xd9"):
                got += f.read(1 << 17)
        stream_ms = (time.monotonic() - t0) * 1e3
        out("idle     wake: stream.mjpeg open to first whole frame %.1f ms "
            "(%.2f frame periods)" % (stream_ms, stream_ms / period_ms))
    finally:
        m.close()
    return {"tx": tx, "wake": max(wake_ms, stream_ms) / period_ms}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--mount", required=True)
    ap.add_argument("--reader", required=True)
    ap.add_argument("--emu-frames")
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--quick", action="store_true",
                    help="fewer frames (300), shorter windows: a smoke run")
    a = ap.parse_args()
    a.latest_s, a.idle_s = 10, IDLE_WINDOW_S
    if a.quick:
        a.frames, a.latest_s, a.idle_s = 300, 3, 3
    started = time.monotonic()
    out("alphafs benchmark: emulated ILCE-6300 at %d fps, 1024x680; "
        "%d frames a path; %d cores; load %s" % (FPS, a.frames,
                                                 os.cpu_count(), load()))
    if a.emu_frames:
        r = subprocess.run([a.emu_frames, "100"], capture_output=True,
                           text=True)
        for line in r.stdout.splitlines():
            out("camera   " + line)
    gp = usb_gphoto2(a)
    usb = alphafs_stream(a, usb=True)
    out("ratio    alphafs/gphoto2 on the same path: cpu per frame %.2f "
        "(target <= %.2f: %s), transactions per frame %.2f, latency p50 "
        "%.2f, p99 %.2f" % (usb["cpu"] / gp["cpu"], TARGET_CPU_RATIO,
                            verdict(usb["cpu"] / gp["cpu"] <= TARGET_CPU_RATIO),
                            usb["tx"] / gp["tx"],
                            usb["lat"]["p50"] / gp["lat"]["p50"],
                            usb["lat"]["p99"] / gp["lat"]["p99"]))
    mem = alphafs_stream(a, usb=False)
    rows = fanout(a)
    idl = idle(a)
    out("targets  transactions/frame usb %.2f memory %.2f (<= %.1f: %s)"
        % (usb["tx"], mem["tx"], TARGET_TX,
           verdict(max(usb["tx"], mem["tx"]) <= TARGET_TX)))
    out("targets  added latency p99 memory %.2f ms (<= %.0f: %s), usb %.2f ms "
        "(<= %.0f: %s); frames delivered %.2f %% / %.2f %% (>= 99: %s)"
        % (mem["added"], TARGET_ADDED_MEM_MS,
           verdict(mem["added"] <= TARGET_ADDED_MEM_MS), usb["added"],
           TARGET_ADDED_USB_MS, verdict(usb["added"] <= TARGET_ADDED_USB_MS),
           100 * mem["delivered"], 100 * usb["delivered"],
           verdict(min(mem["delivered"], usb["delivered"]) >=
                   TARGET_DELIVERED)))
    n64 = [r for r in rows if r[0] == max(FANOUT)][0]
    out("targets  64 readers: worst fast reader %.2f %% (>= 99: %s), RSS "
        "%.1f..%.1f MiB (< %d: %s)" % (100 * n64[1],
                                       verdict(n64[1] >= TARGET_DELIVERED),
                                       n64[3], n64[2], TARGET_RSS_MIB,
                                       verdict(n64[2] < TARGET_RSS_MIB)))
    out("targets  resting: %.2f transactions/s (0: %s), wake %.2f frame "
        "periods (<= 2: %s)" % (idl["tx"], verdict(idl["tx"] == 0),
                                idl["wake"], verdict(idl["wake"] <= 2)))
    out("done in %.0f s; load %s" % (time.monotonic() - started, load()))


if __name__ == "__main__":
    main()
