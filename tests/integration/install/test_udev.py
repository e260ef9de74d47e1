#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The udev rules, run by udevadm against the emulated camera's sysfs.

`udevadm test --action=add` runs the system's rules plus ours (bind-mounted
over /etc/udev/rules.d in a private mount namespace; /run/udev and /dev are
private too, so nothing reaches the running system) on the device that
alphafs-emulator puts on its virtual USB bus (umockdev):
  - 70-alphafs.rules parses (udevadm reports nothing about it) and marks
    the camera: ID_ALPHAFS=1, tags uaccess and systemd;
  - 71-alphafs-no-gvfs.rules removes ID_GPHOTO2 and GPHOTO2_DRIVER, which
    libgphoto2's rules set;
  - with the device numbers a real kernel gives a USB device (189:N; the
    emulated record has none), the /dev/alphafs/SERIAL link is made and
    73-seat-late.rules runs the uaccess builtin for it;
  - a body in mass-storage mode, and a class-6 camera of another vendor,
    are left alone;
  - a broken rule line is reported (so the parse check can fail).
(udevadm verify is newer than Debian 12's udev 252; udevadm test parses
every rule file and names the bad lines.)"""
import os
import re
import shutil
import subprocess
import sys

from install_common import (SOURCE_ROOT, check, log, make_tmp,
                            need_programs, run, run_test, skip)

SYSPATH = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1"
SERIAL = "EMU15UDEV0001"
OURS = ("70-alphafs.rules", "71-alphafs-no-gvfs.rules")
EMULATOR = os.environ.get("ALPHAFS_EMULATOR", "")
NO_GVFS_RULE = os.environ.get("ALPHAFS_NO_GVFS_RULE", "")
GPHOTO2_RULES = "/usr/lib/udev/rules.d/60-libgphoto2-6.rules"
# What a kernel gives a USB device node: char major 189 (usb_device).
USB_DEVICE_MAJOR = 189


class Result:
    def __init__(self, out, err):
        self.log = err
        self.props = {}
        for line in out.splitlines():
            k, eq, v = line.partition("=")
            if eq and re.fullmatch(r"[A-Z0-9_]+", k):
                self.props[k] = v
        # TAGS keeps the tags of earlier events; CURRENT_TAGS is this one's.
        self.tags = set(self.props.get("CURRENT_TAGS", "").strip(":")
                        .split(":"))
        self.links = set(self.props.get("DEVLINKS", "").split())
        self.runs = re.findall(r"^run: '([^']*)'", out, re.M)

    def diagnostics(self, names):
        """udevadm's complaints about the named rule files: lines that
        start with the file's path (execution traces start with '1-1:')."""
        return [l for l in self.log.splitlines()
                if any(re.match(r"/\S*/%s:\d+ " % re.escape(n), l)
                       for n in names)]


def udevadm_test(cmd_prefix):
    # Each run starts from an empty database (the namespace's /run/udev).
    shutil.rmtree("/run/udev/data", ignore_errors=True)
    cmd = cmd_prefix + ["udevadm", "test", "--action=add", SYSPATH]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    check(r.returncode == 0, "%s: exit %d\n%s" % (" ".join(cmd), r.returncode,
                                                   r.stderr[-3000:]))
    return Result(r.stdout, r.stderr)


def emulated(*opts):
    return [EMULATOR, "--serial", SERIAL] + list(opts) + ["--"]


def set_rules(rules_dir, names):
    for n in os.listdir(rules_dir):
        os.unlink(os.path.join(rules_dir, n))
    src = {OURS[0]: os.path.join(SOURCE_ROOT, "data", "udev", OURS[0]),
           OURS[1]: NO_GVFS_RULE}
    for n in names:
        shutil.copy(src[n], os.path.join(rules_dir, n))


def record_with_devnum(tmp, vendor=None):
    """The emulated camera's sysfs record (umockdev-record), plus the device
    number a kernel would give it; vendor replaces idVendor."""
    # umockdev-record copies udev's database entry too: record the bare
    # device, not what an earlier udevadm test stored.
    shutil.rmtree("/run/udev/data", ignore_errors=True)
    r = run(emulated() + ["umockdev-record", SYSPATH], "umockdev-record")
    text = r.stdout
    check("A: idVendor=054c" in text, "record without idVendor:\n" + text)
    minor = 1
    if "E: MAJOR=" not in text:
        text = text.replace("E: DEVNAME=", "E: MAJOR=%d\nE: MINOR=%d\n"
                            "E: DEVNAME=" % (USB_DEVICE_MAJOR, minor), 1)
    if not re.search(r"^A: dev=", text, re.M):
        text = re.sub(r"^(A: devnum=.*)$", r"\1\nA: dev=%d:%d\\n"
                      % (USB_DEVICE_MAJOR, minor), text, count=1,
                      flags=re.M)
    if vendor:
        text = text.replace("A: idVendor=054c", "A: idVendor=" + vendor)
        text = text.replace("12010002000000404C05", "1201000200000040"
                            + vendor[2:].upper() + vendor[:2].upper(), 1)
    path = os.path.join(tmp, "camera-%s.umockdev" % (vendor or "054c"))
    with open(path, "w") as f:
        f.write(text)
    return ["umockdev-run", "--device", path, "--"]


def inside(tmp):
    rules = os.path.join(tmp, "rules.d")
    os.mkdir(rules)
    os.mkdir(tmp + "/dev-upper")
    os.mkdir(tmp + "/dev-work")
    run(["mount", "-t", "tmpfs", "tmpfs", "/run/udev"])
    run(["mount", "--bind", rules, "/etc/udev/rules.d"])
    # udevadm test makes the /dev links it computes: keep them here.
    run(["mount", "-t", "overlay", "overlay", "-o",
         "lowerdir=/dev,upperdir=%s/dev-upper,workdir=%s/dev-work"
         % (tmp, tmp), "/dev"])

    log("== 70-alphafs.rules alone, the emulated camera in PC Remote mode")
    set_rules(rules, OURS[:1])
    r = udevadm_test(emulated())
    check(not r.diagnostics(OURS), "udevadm about our rules:\n"
          + "\n".join(r.diagnostics(OURS)))
    check("Reading rules file: /etc/udev/rules.d/70-alphafs.rules" in r.log,
          "udevadm did not read 70-alphafs.rules")
    check(r.props.get("ID_USB_INTERFACES") == ":060101:",
          "emulated interfaces: %s" % r.props.get("ID_USB_INTERFACES"))
    check(r.props.get("ID_ALPHAFS") == "1", "ID_ALPHAFS not set: %s"
          % r.props)
    check({"uaccess", "systemd"} <= r.tags, "tags: %s" % r.tags)
    check(r.props.get("ID_SERIAL_SHORT") == SERIAL, "serial %s"
          % r.props.get("ID_SERIAL_SHORT"))
    gphoto2 = os.path.exists(GPHOTO2_RULES)
    if gphoto2:
        check(r.props.get("ID_GPHOTO2") == "1", "libgphoto2's rules did not "
              "mark the camera (ID_GPHOTO2): the next check would be empty")
    log("  ID_ALPHAFS=1, CURRENT_TAGS=%s" % r.props.get("CURRENT_TAGS"))

    log("== with 71-alphafs-no-gvfs.rules")
    set_rules(rules, OURS)
    r = udevadm_test(emulated())
    check(not r.diagnostics(OURS), "udevadm about our rules:\n"
          + "\n".join(r.diagnostics(OURS)))
    check("ID_GPHOTO2" not in r.props and "GPHOTO2_DRIVER" not in r.props,
          "gvfs would still see the camera: ID_GPHOTO2=%s GPHOTO2_DRIVER=%s"
          % (r.props.get("ID_GPHOTO2"), r.props.get("GPHOTO2_DRIVER")))
    check("uaccess" in r.tags, "uaccess lost with the gvfs rule")
    if not gphoto2:
        log("  (libgphoto2's rules are not installed: ID_GPHOTO2 was never "
            "set; checked only that it is absent)")

    log("== with the device number of a real node (189:1)")
    r = udevadm_test(record_with_devnum(tmp))
    check("/dev/alphafs/" + SERIAL in r.links, "links: %s" % r.links)
    check("uaccess" in r.runs, "73-seat-late.rules did not run uaccess "
          "(runs: %s)" % r.runs)
    log("  DEVLINKS=%s, run: %s" % (" ".join(sorted(r.links)), r.runs))

    log("== left alone: mass-storage mode, another vendor")
    r = udevadm_test(emulated("--mode", "mass-storage"))
    check(r.props.get("ID_USB_INTERFACES") == ":080650:",
          "mass-storage interfaces: %s" % r.props.get("ID_USB_INTERFACES"))
    check("ID_ALPHAFS" not in r.props and "uaccess" not in r.tags,
          "a mass-storage body was marked: %s %s" % (r.props, r.tags))
    r = udevadm_test(record_with_devnum(tmp, vendor="04b0"))
    check(r.props.get("ID_VENDOR_ID") == "04b0", "vendor %s"
          % r.props.get("ID_VENDOR_ID"))
    check("ID_ALPHAFS" not in r.props and not any(
        l.startswith("/dev/alphafs/") for l in r.links),
        "a camera of vendor 04b0 was marked: %s" % r.props)

    log("== a broken line is reported")
    with open(os.path.join(rules, OURS[0]), "a") as f:
        f.write('SUBSYSTEM=="usb", ATTRS{idVendor}="054c" TAG+="x"\n')
        f.write('SUBSYSTEM=="usb", NOSUCHKEY=="1", TAG+="x"\n')
    r = udevadm_test(emulated())
    check(r.diagnostics(OURS[:1]), "udevadm said nothing about broken "
          "lines; the parse check above proves nothing:\n" + r.log[-2000:])
    log("  udevadm: %s" % r.diagnostics(OURS[:1]))


def main():
    if os.geteuid() != 0:
        skip("needs root: a private mount namespace hides the rules, "
             "/run/udev and /dev that udevadm test writes")
    if not EMULATOR:
        skip("built without umockdev: no alphafs-emulator, no emulated "
             "camera for udevadm to look at")
    need_programs("udevadm", "umockdev-run", "umockdev-record", "unshare")
    check(os.path.isfile(NO_GVFS_RULE), "no built " + NO_GVFS_RULE)
    tmp = make_tmp("udev")
    try:
        r = subprocess.run(["unshare", "-m", "--propagation", "private",
                            sys.executable, os.path.abspath(__file__),
                            "--inside", tmp], timeout=600)
        check(r.returncode == 0, "the checks in the namespace failed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--inside":
        run_test(lambda: inside(sys.argv[2]))
    else:
        run_test(main)
