#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""alphafs-extract on captures recorded from the emulated camera (usbmon
pcap and pcapng, legacy usbmon, USBPcap, a small snapshot length): the
frames it writes are exactly the frames the host received, byte for byte,
in order; every other live-view data phase is reported with the reason the
capture or the camera gave it; stdin works like a file; bad input gets a
clear error and exit status 1."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

EXTRACT = os.environ["ALPHAFS_EXTRACT"]
MAKE = os.environ["ALPHAFS_MAKE_CAPTURES"]
CAPTURES = ["usbmon.pcap", "usbmon.pcapng", "usbmon189.pcap",
            "usbpcap.pcap", "snaplen.pcapng", "tiny189.pcap",
            "tiny220.pcapng", "tiny249.pcap"]
LINE = re.compile(r"^frame (\d+) (ok|dropped) (?:(\d+) bytes|(\S+)) at .*?"
                  r"(?:: (frame-\S+\.jpg))?$")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def read_expect(path):
    frames, denied, link = [], None, None
    for line in open(path):
        w = line.split()
        if w[0] == "frame":
            frames.append((int(w[1]), w[2], w[3]))
        elif w[0] == "denied":
            denied = int(w[1])
        elif w[0] == "link":
            link = int(w[1])
    return frames, denied, link


def frame_log(summary):
    out = []
    lines = summary.split("\n")
    start = lines.index("frame log:") + 1
    for line in lines[start:]:
        if not line:
            continue
        m = LINE.match(line)
        check(m, "unreadable frame log line: " + line)
        idx, what = int(m.group(1)), m.group(2)
        out.append((idx, what, m.group(5) if what == "ok" else m.group(4)))
    return out


def check_capture(tmp, name, via_stdin=False):
    cap = os.path.join(tmp, name)
    out = os.path.join(tmp, name + (".stdin" if via_stdin else "") + ".out")
    if via_stdin:
        with open(cap, "rb") as f:
            r = subprocess.run([EXTRACT, "-", "-o", out], stdin=f,
                               capture_output=True, text=True, timeout=120)
    else:
        r = subprocess.run([EXTRACT, cap, "-o", out], capture_output=True,
                           text=True, timeout=120)
    check(r.returncode == 0, "%s: exit %d: %s" % (name, r.returncode, r.stderr))
    summary = open(os.path.join(out, "summary.txt")).read()
    check(summary == r.stdout, name + ": printed summary differs from summary.txt")
    expect, denied, link = read_expect(cap + ".expect")
    check("link type %d" % link in summary, name + ": link type not %d" % link)
    check("sony handshake: found" in summary, name + ": handshake not found")
    got = frame_log(summary)
    check(len(got) == len(expect), "%s: %d frames reported, %d expected" %
          (name, len(got), len(expect)))
    ok = 0
    for (i, what, arg), (ei, ewhat, earg) in zip(got, expect):
        check(i == ei, "%s: frame %d reported as %d" % (name, ei, i))
        check(what == ewhat, "%s: frame %d %s, expected %s %s" %
              (name, i, what + " " + arg, ewhat, earg))
        if what == "dropped":
            check(arg == earg, "%s: frame %d dropped for %s, expected %s" %
                  (name, i, arg, earg))
            continue
        data = open(os.path.join(out, arg), "rb").read()
        want = open(os.path.join(cap + ".expect.d", earg), "rb").read()
        check(data == want, "%s: frame %d differs from what the host got "
              "(%d vs %d bytes)" % (name, i, len(data), len(want)))
        ok += 1
    files = sorted(f for f in os.listdir(out) if f.endswith(".jpg"))
    check(len(files) == ok, "%s: %d files for %d whole frames" %
          (name, len(files), ok))
    check(not [f for f in os.listdir(out) if f.endswith(".part")],
          name + ": partial files left")
    m = re.search(r"live-view polls answered without a frame: (\d+)", summary)
    check(m and int(m.group(1)) == denied, "%s: denied polls %s, expected %d"
          % (name, m and m.group(1), denied))
    drops = sorted(set(e[2] for e in expect if e[1] == "dropped"))
    for d in drops:
        check(re.search(r"^  %s: \d+: " % re.escape(d), summary, re.M),
              "%s: no '%s' line under dropped by reason" % (name, d))
    if "capture-truncated" in drops:
        check("dumpcap -s 0" in summary, name + ": no snapshot-length advice")
    print("%s%s: %d whole frames identical, %d dropped with the expected "
          "reasons %s, %d denials" % (name, " (stdin)" if via_stdin else "",
                                      ok, len(expect) - ok, drops, denied))
    return ok, drops


def check_errors(tmp):
    junk = os.path.join(tmp, "junk.bin")
    with open(junk, "wb") as f:
        f.write(b"this is not a capture file at all" * 10)
    r = subprocess.run([EXTRACT, junk, "-n"], capture_output=True, text=True)
    check(r.returncode == 1 and "not a pcap or pcapng capture" in r.stderr,
          "junk input: %d %s" % (r.returncode, r.stderr))
    # A pcap of another link type (Ethernet, 1).
    eth = os.path.join(tmp, "eth.pcap")
    with open(eth, "wb") as f:
        f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    r = subprocess.run([EXTRACT, eth, "-n"], capture_output=True, text=True)
    check(r.returncode == 1 and "is not a USB capture" in r.stderr,
          "ethernet input: %d %s" % (r.returncode, r.stderr))
    # A capture cut in the middle of a record: what was read is summed up.
    cut = os.path.join(tmp, "cut.pcap")
    data = open(os.path.join(tmp, "usbmon.pcap"), "rb").read()
    with open(cut, "wb") as f:
        f.write(data[:len(data) // 2 + 7])
    r = subprocess.run([EXTRACT, cut, "-o", cut + ".out"], capture_output=True,
                       text=True)
    check(r.returncode == 1 and "read stopped early" in r.stdout and
          "frame 000001 ok" in r.stdout, "cut capture: %d %s" %
          (r.returncode, r.stderr))
    r = subprocess.run([EXTRACT, os.path.join(tmp, "nonexistent.pcap")],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "No such file" in r.stderr,
          "missing file: " + r.stderr)
    r = subprocess.run([EXTRACT, "--device", "x"], capture_output=True, text=True)
    check(r.returncode == 2, "bad --device accepted")
    r = subprocess.run([EXTRACT, "--help"], capture_output=True, text=True)
    check(r.returncode == 0 and "Usage:" in r.stdout and "usbmon" in r.stdout,
          "--help")
    # Following the USB stick instead finds no camera traffic.
    r = subprocess.run([EXTRACT, os.path.join(tmp, "usbmon.pcap"), "-n",
                        "--device", "1.7"], capture_output=True, text=True)
    stick = [l for l in r.stdout.split("\n") if "device 7:" in l]
    check(r.returncode == 0 and "frames: 0 written" in r.stdout and
          len(stick) == 1 and stick[0].endswith("<- followed"),
          "--device 1.7: " + r.stdout[:600])


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-extract-")
    try:
        r = subprocess.run([MAKE, tmp], capture_output=True, text=True,
                           timeout=300)
        check(r.returncode == 0, "make_captures: " + r.stderr)
        seen = set()
        total = 0
        for name in CAPTURES:
            ok, drops = check_capture(tmp, name)
            total += ok
            seen.update(drops)
        check_capture(tmp, "usbmon.pcap", via_stdin=True)
        check_capture(tmp, "usbmon.pcapng", via_stdin=True)
        for reason in ["capture-truncated", "missing-transfers",
                       "short-container", "no-eoi"]:
            check(reason in seen, "no capture exercised " + reason)
        check(total > 0, "no whole frame at all")
        check_errors(tmp)
        print("ok: %d whole frames across %d captures" % (total, len(CAPTURES)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


main()
