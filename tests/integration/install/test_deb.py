#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Debian package: `dpkg-buildpackage -b -us -uc` in a copy of the
source tree (DEB_BUILD_OPTIONS=nocheck: the package's own test run is this
suite) makes alphafs_VERSION_ARCH.deb, which holds exactly the files of
expected-files in Debian 12's places (manual pages compressed, the .so
pages as links, plus the copyright and changelog), the configuration as a
conffile, the libraries it links in Depends, and programs that run."""
import os
import re
import shutil
import subprocess

from install_common import (SOURCE_ROOT, check, expected_entries, log,
                            make_tmp, need_programs, run, run_test)

DEBIAN_DIRS = {
    "bindir": "/usr/bin",
    "helperdir": "/usr/sbin",
    "udevrulesdir": "/lib/udev/rules.d",
    "unitdir": "/lib/systemd/system",
    "sysconfdir": "/etc",
    "mandir": "/usr/share/man",
    "datadir": "/usr/share",
}
DEBIAN_ONLY = {"/usr/share/doc/alphafs/copyright",
               "/usr/share/doc/alphafs/changelog.gz"}
DEPENDS = ["fuse3", "libfuse3-3", "libusb-1.0-0", "libjpeg62-turbo",
           "libpcap0.8", "libumockdev0"]


def project_version():
    text = open(os.path.join(SOURCE_ROOT, "meson.build")).read()
    m = re.search(r"version\s*:\s*'([^']+)'", text)
    check(m, "no version in meson.build")
    return m.group(1)


def copy_source(dst):
    """The tracked (and new, not ignored) files of a git checkout; else the
    whole tree but build directories."""
    git = shutil.which("git") and subprocess.run(
        ["git", "-C", SOURCE_ROOT, "rev-parse", "--show-toplevel"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if git and git.returncode == 0 and os.path.samefile(
            git.stdout.strip(), SOURCE_ROOT):
        r = run(["git", "-C", SOURCE_ROOT, "ls-files", "-z", "--cached",
                 "--others", "--exclude-standard"])
        for rel in filter(None, r.stdout.split("\0")):
            src = os.path.join(SOURCE_ROOT, rel)
            if not os.path.lexists(src):
                continue  # deleted in the work tree, not yet committed
            os.makedirs(os.path.join(dst, os.path.dirname(rel)),
                        exist_ok=True)
            shutil.copy2(src, os.path.join(dst, rel), follow_symlinks=False)
    else:
        shutil.copytree(SOURCE_ROOT, dst, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("build*", ".git"))


def deb_listing(deb):
    """{path: symlink target or None} of the files and links in the .deb."""
    out = {}
    for line in run(["dpkg-deb", "-c", deb]).stdout.splitlines():
        m = re.match(r"([-dl])\S+\s+\S+\s+\d+\s+\S+\s+\S+\s+\.(/\S*)"
                     r"(?: -> (\S+))?$", line)
        check(m, "unparsed dpkg-deb -c line: " + line)
        if m.group(1) != "d":
            out[m.group(2)] = m.group(3)
    return out


def expected_in_deb():
    """expected-files as the package holds them."""
    want = {}
    for e in expected_entries(DEBIAN_DIRS, umockdev=True):
        if e.kind == "man":
            want[e.path + ".gz"] = None
        elif e.kind == "so":
            # debhelper turns ".so" pages into links to the page.
            want[e.path + ".gz"] = os.path.relpath(
                e.target + ".gz", os.path.dirname(e.path))
        elif e.kind == "link":
            want[e.path] = os.path.relpath(e.target, os.path.dirname(e.path))
        else:
            want[e.path] = None
    for p in DEBIAN_ONLY:
        want[p] = None
    return want


def main():
    need_programs("dpkg-buildpackage", "dpkg-deb", "dh", "meson", "ninja")
    tmp = make_tmp("deb")
    try:
        src = os.path.join(tmp, "alphafs")
        os.mkdir(src)
        copy_source(src)
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck")
        r = run(["dpkg-buildpackage", "-b", "-us", "-uc"], "dpkg-buildpackage",
                timeout=900, cwd=src, env=env)
        warnings = [l for l in (r.stdout + r.stderr).splitlines()
                    if re.search(r"\bwarning\b", l, re.I)
                    and "binary-only upload" not in l]
        for w in warnings:
            log("  build: " + w)
        version = project_version()
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        deb = os.path.join(tmp, "alphafs_%s_%s.deb" % (version, arch))
        check(os.path.isfile(deb), "no %s; made: %s"
              % (os.path.basename(deb), os.listdir(tmp)))

        fields = run(["dpkg-deb", "-f", deb, "Package", "Version",
                      "Depends"]).stdout
        log(fields.rstrip())
        check("Package: alphafs\n" in fields and "Version: %s\n" % version
              in fields, "control fields: " + fields)
        depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
        names = {d.strip().split()[0] for d in depends.split(",")}
        check(set(DEPENDS) <= names, "Depends lacks %s: %s"
              % (set(DEPENDS) - names, depends))

        have, want = deb_listing(deb), expected_in_deb()
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        check(not missing and not extra, "package contents differ from "
              "expected-files:\n  missing: %s\n  not listed: %s"
              % (missing, extra))
        wrong = {p: (have[p], want[p]) for p in want if have[p] != want[p]}
        check(not wrong, "links differ (have, want): %s" % wrong)
        log("  %d files and links, as listed" % len(have))

        ctl = os.path.join(tmp, "control")
        run(["dpkg-deb", "-e", deb, ctl])
        conffiles = open(os.path.join(ctl, "conffiles")).read().split()
        check(conffiles == ["/etc/alphafs/alphafs.conf"],
              "conffiles: %s" % conffiles)

        root = os.path.join(tmp, "root")
        run(["dpkg-deb", "-x", deb, root])
        for prog in ("alphafs", "alphafs-list", "alphafs-grab",
                     "alphafs-emulator"):
            out = run([root + "/usr/bin/" + prog, "--version"]).stdout
            check(version in out and "libusb" in out,
                  "%s --version: %r" % (prog, out))
        log("  programs run: %s" % out.strip())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run_test(main)
