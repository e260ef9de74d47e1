#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Installed with --prefix=/usr, used as a Linux filesystem is used.

In a private mount namespace (unshare -m) with overlays over /usr and /etc
(the running system is not touched), `meson install` for real, then:
  - mount -t fuse.alphafs emulate MNT   (mount(8) -> mount.fuse.alphafs)
  - mount -t alphafs -o fps=10 emulate MNT   (mount(8) -> mount.alphafs)
  - mount -t fuse.alphafs without mount.fuse.alphafs (mount(8) ->
    mount.fuse3 -> `alphafs` from PATH)
  - /etc/fstab lines of both types: noauto,user mounted and unmounted by a
    normal user (umount, fusermount3 -u), others by mount -a
  - the usb:BUS,DEV and serial= sources from fstab, with the emulated camera
    on a virtual USB bus (alphafs-emulator, installed too)
  - alphafs@SERIAL.service's commands as systemd would run them, with the
    installed alphafs.conf, and its stop (SIGTERM)
  - systemd-analyze verify of the installed units
Each mount reads live/latest.jpg (a whole JPEG) and is unmounted again.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time

from install_common import (Failure, build_prefix_usr, check, log,
                            make_tmp, need_programs, run, run_test, skip)
from alphafs_e2e import check_whole, is_mounted, wait_until

NOBODY = 65534
AS_NOBODY = ["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY,
             "--clear-groups"]
SERIAL = "EMU15SERIAL0001"
EXIT_DEADLINE_S = 30


def daemons_of(mp):
    """pids whose command line names the mount point."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if mp.encode() in args and any(b"alphafs" in a for a in args[:1]):
            pids.append(int(d))
    return pids


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().split(b"\0")[0].decode()


def mount_type(mp):
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            if fields[4] == mp:
                return fields[sep + 1], fields[sep + 2], fields[sep + 3]
    return None, None, None


def read_latest(mp, user=None):
    cmd = ["cat", mp + "/live/latest.jpg"]
    if user:
        cmd = AS_NOBODY + cmd
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    check(r.returncode == 0, "cat %s/live/latest.jpg: %s"
          % (mp, r.stderr.decode(errors="replace")))
    check_whole(r.stdout, mp + "/live/latest.jpg")
    log("  read %d bytes of latest.jpg, a whole JPEG" % len(r.stdout))


def wait_gone(mp):
    """After an unmount: the daemon exits (and releases the camera)."""
    wait_until(lambda: not is_mounted(mp) and not daemons_of(mp),
               EXIT_DEADLINE_S, "the daemon of %s to exit" % mp)


def mounted_check(mp, source):
    check(is_mounted(mp), mp + " is not mounted")
    fstype, fsname, _ = mount_type(mp)
    check(fstype == "fuse.alphafs" and fsname == "alphafs:" + source,
          "%s shows as %s %s" % (mp, fstype, fsname))


def new_mountpoint(tmp, name, owner=None):
    mp = os.path.join(tmp, name)
    os.mkdir(mp)
    if owner is not None:
        os.chown(mp, owner, owner)
    return mp


# ---- inside the namespace ---------------------------------------------------

def overlay(tmp, d):
    upper, work = tmp + "/ov" + d.replace("/", "-"), tmp + "/wk" + d.replace(
        "/", "-")
    os.mkdir(upper)
    os.mkdir(work)
    run(["mount", "-t", "overlay", "overlay", "-o",
         "lowerdir=%s,upperdir=%s,workdir=%s" % (d, upper, work), d])


def step_mount_types(tmp):
    log("== mount -t fuse.alphafs / -t alphafs")
    m1 = new_mountpoint(tmp, "m-fuse-type")
    run(["mount", "-t", "fuse.alphafs", "emulate", m1])
    mounted_check(m1, "emulate")
    pids = daemons_of(m1)
    check(pids and cmdline(pids[0]).endswith("mount.fuse.alphafs"),
          "mount -t fuse.alphafs ran %s" % [cmdline(p) for p in pids])
    read_latest(m1)
    run(["umount", m1])
    wait_gone(m1)

    m2 = new_mountpoint(tmp, "m-type")
    run(["mount", "-t", "alphafs", "-o", "fps=10", "emulate", m2])
    mounted_check(m2, "emulate")
    pids = daemons_of(m2)
    check(pids and cmdline(pids[0]).endswith("mount.alphafs"),
          "mount -t alphafs ran %s" % [cmdline(p) for p in pids])
    read_latest(m2)
    run(["fusermount3", "-u", m2])
    wait_gone(m2)


def step_via_mount_fuse3(tmp, helper):
    """Without mount.fuse.alphafs, mount(8) falls back to mount.fuse3, which
    runs `alphafs` from PATH (as it runs sshfs)."""
    log("== mount -t fuse.alphafs through mount.fuse3")
    hidden = helper + ".hidden"
    os.rename(helper, hidden)
    try:
        m = new_mountpoint(tmp, "m-fuse3")
        run(["mount", "-t", "fuse.alphafs", "emulate", m])
        mounted_check(m, "emulate")
        pids = daemons_of(m)
        check(pids and cmdline(pids[0]) == "alphafs",
              "mount.fuse3 ran %s" % [cmdline(p) for p in pids])
        read_latest(m)
        run(["umount", m])
        wait_gone(m)
    finally:
        os.rename(hidden, helper)


def step_fstab(tmp):
    log("== /etc/fstab: noauto,user by a normal user; mount -a")
    u1 = new_mountpoint(tmp, "m-user-fuse", NOBODY)
    u2 = new_mountpoint(tmp, "m-user", NOBODY)
    a1 = new_mountpoint(tmp, "m-auto-fuse")
    a2 = new_mountpoint(tmp, "m-auto")
    with open("/etc/fstab", "w") as f:
        f.write("emulate  %s  fuse.alphafs  noauto,user,fps=15  0 0\n" % u1)
        f.write("emulate  %s  alphafs  noauto,user  0 0\n" % u2)
        f.write("emulate  %s  fuse.alphafs  defaults  0 0\n" % a1)
        f.write("emulate  %s  alphafs  fps=20,nofail  0 0\n" % a2)

    run(AS_NOBODY + ["mount", u1], "mount (user, fuse.alphafs)")
    mounted_check(u1, "emulate")
    check("user_id=%d" % NOBODY in mount_type(u1)[2].split(","),
          "the user's mount is not the user's: %s" % mount_type(u1)[2])
    read_latest(u1, user=True)
    run(AS_NOBODY + ["umount", u1], "umount (user)")
    wait_gone(u1)

    run(AS_NOBODY + ["mount", u2], "mount (user, alphafs)")
    mounted_check(u2, "emulate")
    read_latest(u2, user=True)
    run(AS_NOBODY + ["fusermount3", "-u", u2], "fusermount3 -u (user)")
    wait_gone(u2)

    run(["mount", "-a"], "mount -a")
    for m in (a1, a2):
        mounted_check(m, "emulate")
        read_latest(m)
    check(not is_mounted(u1) and not is_mounted(u2),
          "mount -a mounted a noauto line")
    run(["umount", a1])
    run(["fusermount3", "-u", a2])
    for m in (a1, a2):
        wait_gone(m)


def step_usb_sources(tmp):
    """usb:BUS,DEV and serial= from fstab, with the emulated camera behind
    the real libusb. Runs as the command of alphafs-emulator (--usb-step),
    which must outlive every daemon it serves."""
    if not os.path.exists("/usr/bin/alphafs-emulator"):
        log("== usb:BUS,DEV and serial= sources: not run (built without "
            "umockdev, no alphafs-emulator)")
        return
    log("== fstab sources usb:BUS,DEV and serial= (emulated USB camera)")
    r = run(["/usr/bin/alphafs-emulator", "--serial", SERIAL, "--",
             sys.executable, os.path.abspath(__file__), "--usb-step", tmp],
            "alphafs-emulator -- (fstab usb and serial sources)",
            timeout=300)
    log(r.stdout.rstrip())


def preload_everywhere():
    """mount(8) drops LD_* from the environment of the helpers it runs, so
    the emulator's LD_PRELOAD (umockdev) would not reach the daemon; the
    namespace's own /etc (an overlay) preloads it for every program instead.
    Programs without UMOCKDEV_DIR in their environment are unaffected."""
    lib = os.environ.get("LD_PRELOAD", "").split()
    check(lib, "no LD_PRELOAD under alphafs-emulator")
    paths = []
    for name in lib:
        r = run(["ldconfig", "-p"])
        hits = [l.split("=>")[1].strip() for l in r.stdout.splitlines()
                if l.strip().startswith(name + " ")]
        paths.append(hits[0] if hits else name)
    with open("/etc/ld.so.preload", "w") as f:
        f.write("\n".join(paths) + "\n")


def usb_step(tmp):
    port = os.environ["ALPHAFS_EMU_PORT"]
    preload_everywhere()
    mu = new_mountpoint(tmp, "m-usb")
    ms = new_mountpoint(tmp, "m-serial")
    with open("/etc/fstab", "w") as f:
        f.write("%s  %s  fuse.alphafs  noauto  0 0\n" % (port, mu))
        f.write("serial=%s  %s  alphafs  fps=15  0 0\n" % (SERIAL, ms))
    try:
        run(["mount", mu], "mount (%s)" % port)
        mounted_check(mu, port.replace(",", "."))
        read_latest(mu)
        run(["umount", mu])
        wait_gone(mu)
        run(["mount", "-a"], "mount -a (serial=)")
        mounted_check(ms, "serial=" + SERIAL)
        read_latest(ms)
        run(["fusermount3", "-u", ms])
        wait_gone(ms)
        unit_commands(tmp)
    finally:
        cleanup_mounts(tmp)
        os.unlink("/etc/ld.so.preload")


def installed_unit(name):
    for d in ("/lib/systemd/system", "/usr/lib/systemd/system"):
        if os.path.exists(d + "/" + name):
            return d + "/" + name
    raise Failure(name + " is not installed")


def unit_lines(text, key):
    """The values of KEY= in a unit file, continuation lines joined."""
    text = text.replace("\\\n", " ")
    return re.findall(r"^%s=(.*)$" % key, text, re.M)


def expand(line, env, instance):
    """A command line as systemd would run it: specifiers %i/%I, then
    ${VAR} as one word and $VAR split into words (systemd.service(5),
    "Command lines"). Enough for our units; not a general implementation."""
    line = line.replace("%I", instance).replace("%i", instance)
    words = []
    for w in shlex.split(line):
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if m:
            words += env.get(m.group(1), "").split()
            continue
        words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                            lambda v: env.get(v.group(1), ""), w))
    return words


def unit_commands(tmp):
    """alphafs@SERIAL.service's ExecStartPre and ExecStart, with its
    Environment= and the installed alphafs.conf (pointed at a directory of
    the test), run as systemd runs them for Type=forking: ExecStart returns
    once the camera is mounted; SIGTERM (systemctl stop) unmounts."""
    log("== alphafs@%s.service's commands (no systemd here)" % SERIAL)
    text = open(installed_unit("alphafs@.service")).read()
    check(unit_lines(text, "Type") == ["forking"], "unit type: %s"
          % unit_lines(text, "Type"))
    env = {}
    for assignments in unit_lines(text, "Environment"):
        env.update(a.split("=", 1) for a in shlex.split(assignments))
    conf = unit_lines(text, "EnvironmentFile")[0].lstrip("-")
    mount_dir = os.path.join(tmp, "m-units")
    with open(conf) as f:
        lines = [l for l in f.read().splitlines()
                 if not l.startswith("ALPHAFS_MOUNT_DIR=")]
    with open(conf, "w") as f:
        f.write("\n".join(lines + ["ALPHAFS_MOUNT_DIR=" + mount_dir]) + "\n")
    for line in open(conf).read().splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            env[k] = v
    for key in ("ExecStartPre", "ExecStart"):
        for line in unit_lines(text, key):
            run(expand(line, env, SERIAL), key)
    mp = os.path.join(mount_dir, SERIAL)
    mounted_check(mp, "serial=" + SERIAL)
    check("allow_other" in mount_type(mp)[2].split(","),
          "ALPHAFS_OPTIONS (-o allow_other) not applied: %s"
          % mount_type(mp)[2])
    read_latest(mp)
    read_latest(mp, user=True)  # allow_other: the webcam's dynamic user too
    pids = daemons_of(mp)
    check(len(pids) == 1, "daemons of the unit: %s" % pids)
    os.kill(pids[0], signal.SIGTERM)
    wait_gone(mp)
    log("  mounted at %s, read, stopped by SIGTERM" % mp)


def step_units():
    log("== systemd-analyze verify (installed units)")
    units = ["alphafs@%s.service" % SERIAL,
             "alphafs-webcam@%s.service" % SERIAL]
    r = subprocess.run(["systemd-analyze", "verify"] + units,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    # Lines about the absence of a running manager are not about the units.
    problems = [l for l in r.stdout.splitlines() if l.strip()]
    check(r.returncode == 0 and not problems,
          "systemd-analyze verify: exit %d\n%s" % (r.returncode, r.stdout))
    log("  %s: no findings" % " ".join(units))
    # The same check on a copy with a misspelt key and a missing program
    # must find both (or the check above proves nothing).
    broken = open(installed_unit("alphafs@.service")).read().replace(
        "BindsTo=", "BindsTwo=").replace("/usr/bin/alphafs ",
                                         "/usr/bin/alphafs-nosuch ")
    with open("/etc/systemd/system/alphafs-broken@.service", "w") as f:
        f.write(broken)
    r = subprocess.run(["systemd-analyze", "verify",
                        "alphafs-broken@%s.service" % SERIAL],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=120)
    os.unlink("/etc/systemd/system/alphafs-broken@.service")
    check("BindsTwo" in r.stdout and "alphafs-nosuch" in r.stdout,
          "systemd-analyze verify missed a broken unit:\n" + r.stdout)


def our_mountpoints(tmp):
    points = set()
    for name in os.listdir(tmp):
        if name.startswith("m-"):
            points.add(os.path.join(tmp, name))
    units = os.path.join(tmp, "m-units")
    if os.path.isdir(units):
        points.update(os.path.join(units, n) for n in os.listdir(units))
    return sorted(points)


def cleanup_mounts(tmp):
    """Whatever a failed step left: lazy unmounts, then the daemons."""
    for mp in our_mountpoints(tmp):
        if is_mounted(mp):
            subprocess.run(["umount", "-l", mp], stderr=subprocess.DEVNULL)
        end = time.monotonic() + EXIT_DEADLINE_S
        while daemons_of(mp) and time.monotonic() < end:
            time.sleep(0.05)
        for pid in daemons_of(mp):
            os.kill(pid, signal.SIGKILL)


def inside(tmp, build):
    # The system's PATH, so that a copy in /usr/local cannot stand in.
    os.environ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    try:
        for d in ("/usr", "/etc"):
            overlay(tmp, d)
        run(["mount", "-t", "tmpfs", "tmpfs", "/run/mount"])
        run(["meson", "install", "-C", build, "--no-rebuild", "--quiet"],
            "meson install (prefix /usr, in the namespace)")
        check(shutil.which("alphafs") == "/usr/bin/alphafs",
              "alphafs is not /usr/bin/alphafs in PATH: %s"
              % shutil.which("alphafs"))
        helper = None
        for d in ("/sbin", "/usr/sbin"):
            if os.path.lexists(d + "/mount.fuse.alphafs"):
                helper = d + "/mount.fuse.alphafs"
        check(helper and os.path.exists("/sbin/mount.alphafs"),
              "mount helpers not in /sbin")
        step_mount_types(tmp)
        step_via_mount_fuse3(tmp, helper)
        step_fstab(tmp)
        step_usb_sources(tmp)
        step_units()
    finally:
        cleanup_mounts(tmp)


# ---- outside ------------------------------------------------------------------

def main():
    if os.geteuid() != 0:
        skip("needs root: a private mount namespace with overlays, and "
             "mount(8) as root and as a user")
    need_programs("unshare", "mount", "setpriv", "fusermount3",
                  "systemd-analyze", "meson", "ninja", "man")
    tmp = make_tmp("ns")
    os.chmod(tmp, 0o755)  # the user mounts below it
    try:
        build, _ = build_prefix_usr(tmp)
        r = subprocess.run(["unshare", "-m", "--propagation", "private",
                            sys.executable, os.path.abspath(__file__),
                            "--inside", tmp, build], timeout=900)
        check(r.returncode == 0, "the steps in the namespace failed (%d)"
              % r.returncode)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        run_test(lambda: inside(sys.argv[2], sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--usb-step":
        run_test(lambda: usb_step(sys.argv[2]))
    else:
        run_test(main)
