#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""latest.jpg: whole, decodable frames for cp, small-buffer reads and
sendfile, while frames keep changing."""
import os
import shutil
import subprocess
import tempfile

from alphafs_e2e import (check, check_whole, decode, marker, mounted,
                         run_test)

COPIES = 100


def cp_loop(mp, tmp):
    seqs = set()
    for i in range(COPIES):
        dst = os.path.join(tmp, "copy.jpg")
        subprocess.run(["cp", mp + "/live/latest.jpg", dst], check=True,
                       timeout=30)
        data = open(dst, "rb").read()
        check_whole(data, "cp #%d" % i)
        decode(data, "cp #%d" % i)
        seqs.add(marker(data)[0])
    # The frames changed while we copied (30 fps emulator, 100 copies). A
    # timing assumption, safe under load: 100 runs of cp and djpeg take
    # far longer than one frame period (33 ms), and load only makes them
    # longer.
    check(len(seqs) > 1, "all %d copies had the same frame" % COPIES)
    return len(seqs)


def small_reads(mp):
    for i in range(30):
        parts = []
        with open(mp + "/live/latest.jpg", "rb", buffering=0) as f:
            while True:
                b = f.read(100)
                if not b:
                    break
                parts.append(b)
        data = b"".join(parts)
        check_whole(data, "read(100) #%d" % i)
        decode(data, "read(100) #%d" % i)


def sendfile_copies(mp, tmp):
    """shutil.copyfile uses sendfile, which stops at the stat size."""
    for i in range(30):
        dst = os.path.join(tmp, "sf.jpg")
        shutil.copyfile(mp + "/live/latest.jpg", dst)
        data = open(dst, "rb").read()
        check_whole(data, "copyfile #%d" % i)


def main():
    tmp = tempfile.mkdtemp(prefix="alphafs-latest-")
    try:
        with mounted() as (mp, _):
            n = cp_loop(mp, tmp)
            small_reads(mp)
            sendfile_copies(mp, tmp)
            print("distinct frames over %d copies: %d" % (COPIES, n))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


run_test(main)
