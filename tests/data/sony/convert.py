#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns hexdump excerpts of real camera logs (src/*.txt) into the byte
fixtures beside them (*.bin), strictly: every dump must announce its length
("Hexdump of N = 0xN bytes follows:" or "(hexdump of N bytes)"), its lines
must start at offsets 0, 16, 32... with 16 bytes each (fewer only on the
last), the bytes must add up to the announced length, and the ASCII column
must be exactly what those bytes print as. Nothing is fixed up: any
disagreement stops the conversion with the excerpt's line number. An
excerpt holding several dumps (one transfer read in pieces) becomes their
concatenation.

  convert.py            convert every src/*.txt into ../NAME.bin
  convert.py --check    fail unless every .bin equals its conversion
Run by hand after adding an excerpt; the fixtures are committed, and the
test suite runs --check.
"""
import glob
import os
import re
import sys

HEADER = re.compile(r"(?:Hexdump of (\d+) = 0x([0-9a-f]+) bytes follows:"
                    r"|\(hexdump of (\d+) bytes\))\s*$")
LINE = re.compile(r"^([0-9a-f]{4})  (.{47})  (.*)$")


class Bad(Exception):
    pass


def printable(b):
    return chr(b) if 0x20 <= b < 0x7f else "."


def parse_line(text, lineno, want_off):
    m = LINE.match(text)
    if not m:
        raise Bad("line %d: not a hexdump line: %r" % (lineno, text))
    off = int(m.group(1), 16)
    if off != want_off:
        raise Bad("line %d: offset %04x, expected %04x" % (lineno, off, want_off))
    hexpart = m.group(2)
    if hexpart[23] != "-":
        raise Bad("line %d: no '-' between the two halves" % lineno)
    cells = hexpart[:23].split() + hexpart[24:].split()
    if any(not re.fullmatch(r"[0-9a-f]{2}", c) for c in cells):
        raise Bad("line %d: bad hex cell in %r" % (lineno, hexpart))
    data = bytes(int(c, 16) for c in cells)
    ascii_col = m.group(3)
    want = "".join(printable(b) for b in data)
    if ascii_col[:len(data)] != want or ascii_col[len(data):].strip():
        raise Bad("line %d: ASCII column %r does not match the bytes (%r)"
                  % (lineno, ascii_col, want))
    return data


def convert(path):
    out, dump, announced, start, inside = b"", None, 0, 0, False
    lines = open(path, encoding="ascii").read().split("\n")

    def close(lineno):
        if dump is not None and len(dump) != announced:
            raise Bad("%s: dump at line %d holds %d bytes, announced %d"
                      % (path, start, len(dump), announced))

    for n, text in enumerate(lines, 1):
        h = HEADER.search(text)
        if h:
            close(n)
            out += dump or b""
            if h.group(1):
                announced = int(h.group(1))
                if announced != int(h.group(2), 16):
                    raise Bad("%s: line %d: decimal and hex lengths differ"
                              % (path, n))
            else:
                announced = int(h.group(3))
            dump, start, inside = b"", n, True
            continue
        if not text.strip():
            inside = False  # a blank line ends a dump's lines
            continue
        if not inside:
            continue  # log lines between dumps
        if len(dump) % 16:
            raise Bad("%s: line %d: a short line before the end" % (path, n))
        try:
            dump += parse_line(text, n, len(dump))
        except Bad as e:
            raise Bad("%s: %s" % (path, e))
    close(len(lines))
    return out + (dump or b"")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    check = "--check" in sys.argv[1:]
    bad = 0
    for src in sorted(glob.glob(os.path.join(here, "src", "*.txt"))):
        name = os.path.splitext(os.path.basename(src))[0] + ".bin"
        dst = os.path.join(here, name)
        try:
            data = convert(src)
        except Bad as e:
            print("FAIL", e)
            bad += 1
            continue
        if check:
            ok = os.path.exists(dst) and open(dst, "rb").read() == data
            print("%s %s (%d bytes)" % ("ok" if ok else "DIFFERS", name, len(data)))
            bad += not ok
        else:
            with open(dst, "wb") as f:
                f.write(data)
            print("wrote %s (%d bytes)" % (name, len(data)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
