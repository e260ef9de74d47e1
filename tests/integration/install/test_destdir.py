#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""meson install --prefix=/usr into a staging root (DESTDIR): exactly the
files of expected-files, each where this system's mount(8), udev and systemd
look, and each usable: programs run --version, links resolve to the daemon,
manual pages format without warnings, units and rules carry the installed
paths. Also: configuring for the default prefix says that mount(8) will not
find the helpers."""
import json
import os
import re
import shutil
import stat
import subprocess

from install_common import (MOUNT_HELPER_DIRS, SYSTEMD_UNIT_DIRS,
                            UDEV_RULES_DIRS, SOURCE_ROOT, build_prefix_usr,
                            check, expected_entries, has_umockdev, log,
                            make_tmp, need_programs, reachable, run, run_test,
                            walk_tree)

# Where each placeholder may point for --prefix=/usr (the test accepts the
# one the build chose, then checks that the system reads it).
CANDIDATES = {
    "bindir": ["/usr/bin"],
    "helperdir": ["/usr/sbin", "/sbin"],
    "udevrulesdir": ["/usr/lib/udev/rules.d", "/lib/udev/rules.d"],
    "unitdir": ["/usr/lib/systemd/system", "/lib/systemd/system"],
    "sysconfdir": ["/etc"],
    "mandir": ["/usr/share/man"],
    "datadir": ["/usr/share"],
}
READERS = {
    "helperdir": ("mount(8)", MOUNT_HELPER_DIRS),
    "udevrulesdir": ("udev", UDEV_RULES_DIRS),
    "unitdir": ("systemd", SYSTEMD_UNIT_DIRS),
}
PLACEHOLDER_PROBE = {
    "helperdir": "mount.alphafs",
    "udevrulesdir": "70-alphafs.rules",
    "unitdir": "alphafs@.service",
}
CONFIG_VAR = re.compile(r"@[A-Z_]+@")


def project_version(build):
    r = run(["meson", "introspect", "--projectinfo", build])
    return json.loads(r.stdout)["version"]


def choose_dirs(stage):
    dirs = {}
    for key, cands in CANDIDATES.items():
        probe = PLACEHOLDER_PROBE.get(key)
        chosen = cands[0]
        if probe:
            hits = [c for c in cands
                    if os.path.lexists(stage + c + "/" + probe)]
            check(len(hits) == 1, "%s installed in %s (expected one of %s)"
                  % (probe, hits or "none of them", cands))
            chosen = hits[0]
        if key in READERS:
            who, readable = READERS[key]
            check(reachable(chosen, readable),
                  "%s went to %s, which %s does not read" % (probe, chosen,
                                                             who))
        dirs[key] = chosen
    log("install dirs:", dirs)
    return dirs


def check_exe(stage, e, version):
    p = stage + e.path
    st = os.lstat(p)
    check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755,
          "%s: not a 0755 file (%o)" % (e.path, st.st_mode))
    out = run([p, "--version"]).stdout.strip()
    check(re.fullmatch(r"\S+ %s \(libfuse \d+\.\d+\.\d+, libusb \d+\.\d+\.\d+\)"
                       % re.escape(version), out),
          "%s --version printed %r" % (e.path, out))


def check_link(stage, e):
    p = stage + e.path
    check(os.path.islink(p), e.path + ": not a symlink")
    target = os.readlink(p)
    check(not target.startswith("/"), "%s -> %s: absolute (a staging root "
          "or package would point outside itself)" % (e.path, target))
    resolved = os.path.normpath(os.path.join(os.path.dirname(e.path), target))
    check(resolved == e.target, "%s -> %s resolves to %s, not %s"
          % (e.path, target, resolved, e.target))
    check(os.path.isfile(stage + e.target), e.target + " missing")


def check_man(stage, e):
    p = stage + e.path
    check(stat.S_IMODE(os.stat(p).st_mode) == 0o644, e.path + ": not 0644")
    text = open(p).read()
    if e.kind == "so":
        rel = os.path.relpath(e.target, stage_mandir(e.target))
        check(text.strip() == ".so " + rel, "%s: %r is not '.so %s'"
              % (e.path, text.strip()[:60], rel))
        check(os.path.isfile(stage + e.target), e.target + " missing")
        return
    # man -l formats as the reader would see it; groff warnings fail.
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", p],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=60, env=dict(os.environ,
                                                       MANWIDTH="80"))
    check(r.returncode == 0 and not r.stderr.strip(),
          "%s: man reports:\n%s" % (e.path, r.stderr))
    check(len(r.stdout) > 200, e.path + ": formats to almost nothing")


def stage_mandir(path):
    return path[:path.index("/man/") + len("/man")]


def check_text(stage, e, dirs):
    p = stage + e.path
    st = os.lstat(p)
    check(stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o644,
          "%s: not a 0644 file" % e.path)
    text = open(p).read()
    left = CONFIG_VAR.findall(text)
    check(not left, "%s: unsubstituted %s" % (e.path, left))
    if e.kind == "unit":
        execs = re.findall(r"^ExecStart=(\S+)", text, re.M)
        check(execs, e.path + ": no ExecStart")
        for x in execs:
            if x.startswith("/"):
                check(os.path.isfile(stage + x), "%s: ExecStart %s is not "
                      "installed" % (e.path, x))
        check(dirs["sysconfdir"] + "/alphafs/alphafs.conf" in text,
              e.path + ": does not read the installed alphafs.conf")
    if e.kind == "conf":
        keys = {line.split("=", 1)[0] for line in text.splitlines()
                if line and not line.startswith("#")}
        check({"ALPHAFS_MOUNT_DIR", "ALPHAFS_OPTIONS",
               "ALPHAFS_WEBCAM_NR"} <= keys, e.path + ": keys " + str(keys))


def check_default_prefix_warning(tmp):
    """The default prefix: configure says mount(8) will not find helpers."""
    r = run(["meson", "setup", os.path.join(tmp, "build-local"), SOURCE_ROOT,
             "-Dtests=disabled", "-Dbench=false"], "meson setup (default)")
    check("where mount(8)\ndoes not look" in r.stdout
          and "/usr/local/sbin" in r.stdout,
          "no warning about unreachable mount helpers for /usr/local:\n"
          + r.stdout[-2000:])


def main():
    need_programs("meson", "ninja", "man")
    tmp = make_tmp("destdir")
    try:
        build, setup_out = build_prefix_usr(tmp)
        check("does not look" not in setup_out and "does not read"
              not in setup_out, "configure warns for --prefix=/usr:\n"
              + setup_out[-2000:])
        stage = os.path.join(tmp, "stage")
        run(["meson", "install", "-C", build, "--no-rebuild", "--destdir",
             stage], "meson install")
        dirs = choose_dirs(stage)
        entries = expected_entries(dirs, has_umockdev(build))
        found = walk_tree(stage)
        want = {e.path for e in entries}
        missing, extra = sorted(want - found), sorted(found - want)
        check(not missing and not extra, "installed files differ from "
              "expected-files:\n  missing: %s\n  not listed: %s"
              % (missing, extra))
        version = project_version(build)
        for e in entries:
            if e.kind == "exe":
                check_exe(stage, e, version)
            elif e.kind == "link":
                check_link(stage, e)
            elif e.kind in ("man", "so"):
                check_man(stage, e)
            else:
                check_text(stage, e, dirs)
        log("%d installed files checked" % len(entries))
        check_default_prefix_warning(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run_test(main)
