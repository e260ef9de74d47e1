#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turns excerpts of real camera logs (src/) into the fixtures beside them,
strictly: nothing is fixed up, and any disagreement stops the conversion
with the excerpt's line number.

  src/NAME.txt     hexdump excerpt of a libgphoto2 debug log -> NAME.bin,
                   the USB container (12-byte header included). Every dump
                   must announce its length ("Hexdump of N = 0xN bytes
                   follows:" or "(hexdump of N bytes)"), its lines must
                   start at offsets 0, 16, 32... with 16 bytes each (fewer
                   only on the last), the bytes must add up to the
                   announced length, and the ASCII column must be exactly
                   what those bytes print as. An excerpt holding several
                   dumps (one transfer read in pieces) becomes their
                   concatenation.
  src/NAME.flow    one step of a recorded PTP/IP flow -> NAME.bin, the
                   dataset alone (flow.py says what is checked).
  src/NAME.config  a `gphoto2 --list-all-config` listing -> NAME.json
                   (gpconfig.py).

The fuzz seeds tests/fuzz/corpus/*/real-* are made from the fixtures
(SEEDS below) and checked the same way.

  convert.py            convert every excerpt and write the seeds
  convert.py --check    fail unless every fixture and seed equals its
                        conversion
Run by hand after adding an excerpt; the fixtures are committed, and the
test suite runs --check.
"""
import glob
import json
import os
import re
import sys

# The helpers sit beside this script; no bytecode is left in the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flow  # noqa: E402
import gpconfig  # noqa: E402

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


def convert_hexdump(path):
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


# Where the .config listings come from (the excerpt cannot say it: it is
# copied verbatim).
PROVENANCE = {
    "a6300-props": {
        "repo": "gphoto/libgphoto2",
        "path": "camlibs/ptp2/cameras/sony-a6300.txt",
        "commit": "5f4278d3a66aa78ec3818bb09202c4dee49d805c",
        "excerpt": "src/a6300-props.config: from /main/status/serialnumber to "
                   "the '$' prompt closing the `gphoto2 --list-all-config` output",
        "body": "ILCE-6300 over USB, as listed by gphoto2 (decoded, not bytes)",
    },
}

# Fuzz seeds made from fixtures: (fixture, corpus, what goes in). "whole"
# is the file as it is, "payload" the USB container without its 12-byte
# header, "deviceinfo" the dataset behind fuzz_datasets' selector byte 0.
SEEDS = [
    ("a6000-9207-command", "container", "whole"),
    ("a6000-9209-response", "container", "whole"),
    ("a6000-event-c203", "container", "whole"),
    ("a6400-event-c203", "container", "whole"),
    ("a7sm3-9201-data", "container", "whole"),
    ("a7sm3-9202-response", "container", "whole"),
    ("a5100-9202-ext-info", "ext_info", "payload"),
    ("a7sm3-9202-ext-info", "ext_info", "payload"),
    ("rx100m7-9202-ext-info", "ext_info", "whole"),
    ("a6000-9209-props", "sony_props", "payload"),
    ("a7sm3-9209-props", "sony_props", "payload"),
    ("rx100m7-9209-props", "sony_props", "whole"),
    ("rx100m7-1001-device-info", "datasets", "deviceinfo"),
]
CORPUS = os.path.join("..", "..", "fuzz", "corpus")


def conversions(here):
    """Yields (output path, bytes or None, error) for every excerpt."""
    src = os.path.join(here, "src")
    for path in sorted(glob.glob(os.path.join(src, "*"))):
        name, ext = os.path.splitext(os.path.basename(path))
        try:
            if ext == ".txt":
                yield os.path.join(here, name + ".bin"), convert_hexdump(path), None
            elif ext == ".flow":
                yield os.path.join(here, name + ".bin"), flow.convert(path, name), None
            elif ext == ".config":
                if name not in PROVENANCE:
                    raise Bad("%s: no provenance recorded in convert.py" % path)
                doc = gpconfig.convert(path, PROVENANCE[name])
                text = json.dumps(doc, indent=1, ensure_ascii=True) + "\n"
                yield os.path.join(here, name + ".json"), text.encode("ascii"), None
            else:
                raise Bad("%s: not an excerpt kind this script knows" % path)
        except (Bad, flow.Bad, gpconfig.Bad) as e:
            yield None, None, str(e)


def seeds(here, made):
    for fixture, corpus, how in SEEDS:
        data = made.get(os.path.join(here, fixture + ".bin"))
        if data is None:
            yield None, None, "seed from %s: no such fixture" % fixture
            continue
        if how == "payload":
            data = data[12:]
        elif how == "deviceinfo":
            data = b"\x00" + data
        yield (os.path.normpath(os.path.join(here, CORPUS, corpus, "real-" + fixture)),
               data, None)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    check = "--check" in sys.argv[1:]
    bad = 0
    made = {}

    def handle(dst, data, err):
        nonlocal bad
        if err:
            print("FAIL", err)
            bad += 1
            return
        made[dst] = data
        name = os.path.relpath(dst, here)
        if check:
            ok = os.path.exists(dst) and open(dst, "rb").read() == data
            print("%s %s (%d bytes)" % ("ok" if ok else "DIFFERS", name, len(data)))
            bad += not ok
        else:
            with open(dst, "wb") as f:
                f.write(data)
            print("wrote %s (%d bytes)" % (name, len(data)))

    for item in conversions(here):
        handle(*item)
    for item in seeds(here, made):
        handle(*item)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
