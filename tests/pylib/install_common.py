# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared pieces of the installation tests (suites 'install', 'package').

The tests build the source tree afresh with --prefix=/usr (a few seconds:
tests and bench off), because the build under test is configured for the
default prefix; they never install into the running system: a staging
root (DESTDIR), or an overlay over /usr and /etc in a private mount
namespace that vanishes with the test.
"""
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

from alphafs_e2e import Failure, check, log, run_test  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.environ.get("ALPHAFS_SOURCE_ROOT",
                             os.path.normpath(os.path.join(HERE, "../..")))
EXPECTED_FILES = os.path.join(SOURCE_ROOT, "tests", "integration", "install",
                              "expected-files")

# Exit status meson reads as "skipped"; always printed with the reason.
SKIP = 77
# Hang guards, never measurements.
BUILD_DEADLINE_S = 900
STEP_DEADLINE_S = 120

# The directories each reader of installed files looks in (util-linux 2.38
# mount(8); udev and systemd 252 as built by Debian 12).
MOUNT_HELPER_DIRS = ["/sbin"]
UDEV_RULES_DIRS = ["/etc/udev/rules.d", "/run/udev/rules.d",
                   "/usr/local/lib/udev/rules.d", "/usr/lib/udev/rules.d",
                   "/lib/udev/rules.d"]
SYSTEMD_UNIT_DIRS = ["/etc/systemd/system", "/run/systemd/system",
                     "/usr/local/lib/systemd/system",
                     "/usr/lib/systemd/system", "/lib/systemd/system"]


def skip(reason):
    log("SKIP:", reason)
    sys.exit(SKIP)


def need_programs(*names):
    missing = [n for n in names if not shutil.which(n)]
    if missing:
        skip("not installed: %s (scripts/install-deps installs them)"
             % " ".join(missing))


def run(cmd, what=None, timeout=STEP_DEADLINE_S, **kw):
    """Runs cmd; on failure raises Failure with its output. Returns the
    CompletedProcess (stdout and stderr as text)."""
    log("$ " + " ".join(shlex.quote(c) for c in cmd))
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise Failure("%s: exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s"
                      % (what or cmd[0], r.returncode, r.stdout[-4000:],
                         r.stderr[-4000:]))
    return r


def build_prefix_usr(tmp, extra=()):
    """Configures and builds the source tree in tmp/build with --prefix=/usr;
    returns the build directory and the configure output."""
    build = os.path.join(tmp, "build")
    r = run(["meson", "setup", build, SOURCE_ROOT, "--prefix=/usr",
             "-Dtests=disabled", "-Dbench=false"] + list(extra),
            "meson setup", timeout=BUILD_DEADLINE_S)
    run(["ninja", "-C", build], "ninja", timeout=BUILD_DEADLINE_S)
    return build, r.stdout


def has_umockdev(build):
    return os.path.exists(os.path.join(build, "src", "tools",
                                       "alphafs-emulator"))


def same_dir(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normpath(a) == os.path.normpath(b)


def reachable(path, dirs):
    return any(same_dir(path, d) for d in dirs)


class Entry:
    def __init__(self, kind, path, target, when):
        self.kind, self.path, self.target, self.when = kind, path, target, when

    def __repr__(self):
        return "%s %s" % (self.kind, self.path)


def expected_entries(dirs, umockdev=True):
    """The lines of expected-files with the {placeholders} replaced by dirs
    (absolute paths); entries marked umockdev only when umockdev is set."""
    out = []
    with open(EXPECTED_FILES) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            words = line.split()
            kind, path = words[0], words[1].format(**dirs)
            rest = words[2:]
            when = rest.pop() if rest and rest[-1] == "umockdev" else None
            target = rest[0].format(**dirs) if rest else None
            if when == "umockdev" and not umockdev:
                continue
            out.append(Entry(kind, path, target, when))
    return out


def walk_tree(root):
    """Every non-directory under root, as absolute paths of the installed
    system (root stripped)."""
    found = set()
    for d, _, files in os.walk(root):
        for name in files:
            found.add("/" + os.path.relpath(os.path.join(d, name), root))
        for name in os.listdir(d):
            p = os.path.join(d, name)
            if os.path.islink(p) and os.path.isdir(p):
                found.add("/" + os.path.relpath(p, root))
    return found


def make_tmp(prefix):
    return tempfile.mkdtemp(prefix="alphafs-" + prefix + "-")
