#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""meson dist: the tarball holds every file of the commit (nothing the
build or the tests need is left out), and, unpacked elsewhere, configures,
builds and passes the unit, fuzz-corpus and in-memory integration suites.
(`meson dist` without --no-tests runs the whole suite in the unpacked tree;
too long for every CI run, it is what a release does.)"""
import os
import shutil
import subprocess
import tarfile

from install_common import (BUILD_DEADLINE_S, SOURCE_ROOT, check, log,
                            make_tmp, need_programs, run, run_test, skip)

SUITES = ["unit", "fuzz", "integration"]


def committed_files():
    r = run(["git", "-C", SOURCE_ROOT, "ls-tree", "-r", "--name-only",
             "HEAD"])
    return set(r.stdout.split("\n")) - {""}


def main():
    need_programs("meson", "ninja", "git")
    r = subprocess.run(["git", "-C", SOURCE_ROOT, "rev-parse",
                        "--show-toplevel"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if r.returncode != 0 or not os.path.samefile(r.stdout.strip(),
                                                 SOURCE_ROOT):
        skip("the source tree is not a git checkout (an unpacked dist "
             "tarball?): meson dist needs the repository")
    tmp = make_tmp("dist")
    try:
        conf = os.path.join(tmp, "conf")
        run(["meson", "setup", conf, SOURCE_ROOT, "-Dtests=disabled",
             "-Dbench=false"], "meson setup")
        dirty = subprocess.run(["git", "-C", SOURCE_ROOT, "status",
                                "--porcelain", "--untracked-files=no"],
                               stdout=subprocess.PIPE, text=True).stdout
        if dirty.strip():
            log("note: uncommitted changes are not in the tarball:\n" + dirty)
        run(["meson", "dist", "-C", conf, "--no-tests", "--allow-dirty",
             "--formats", "xztar"], "meson dist", timeout=BUILD_DEADLINE_S)
        dist = os.path.join(conf, "meson-dist")
        tarballs = [f for f in os.listdir(dist) if f.endswith(".tar.xz")]
        check(len(tarballs) == 1, "meson-dist holds %s" % os.listdir(dist))
        tarball = os.path.join(dist, tarballs[0])
        top = tarballs[0][:-len(".tar.xz")]

        with tarfile.open(tarball) as t:
            names = {m.name[len(top) + 1:] for m in t.getmembers()
                     if not m.isdir()}
            t.extractall(tmp)
        want = committed_files()
        check(names == want, "tarball and commit differ:\n  missing: %s\n"
              "  extra: %s" % (sorted(want - names)[:20],
                               sorted(names - want)[:20]))
        log("  %s: %d files, as committed" % (tarballs[0], len(names)))

        src, build = os.path.join(tmp, top), os.path.join(tmp, "build")
        run(["meson", "setup", build, src, "-Dbench=false"],
            "meson setup (unpacked tarball)")
        run(["ninja", "-C", build], "ninja (unpacked tarball)",
            timeout=BUILD_DEADLINE_S)
        args = ["meson", "test", "-C", build, "--print-errorlogs"]
        for s in SUITES:
            args += ["--suite", s]
        r = run(args, "meson test (unpacked tarball)",
                timeout=BUILD_DEADLINE_S)
        summary = [l for l in r.stdout.splitlines()
                   if l.startswith(("Ok:", "Fail:", "Skipped:"))]
        log("  " + ", ".join(summary))
        ok = int(next(l for l in summary if l.startswith("Ok:")).split()[1])
        check(ok > 0, "no test ran in the unpacked tarball")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    run_test(main)
