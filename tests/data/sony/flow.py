# SPDX-License-Identifier: LGPL-2.1-or-later
"""Strict reader of a PTP/IP flow excerpt (src/NAME.flow): one step of a
recorded flow, copied verbatim from a JSON flow file whose packets are
written as

    "data": "12 00 00 00 06 00 ...",
    "loop": "control",
    "direction": "sent"

One step is an OperationRequest sent by the host and what the camera sent
back: StartData, Data..., EndData and the OperationResponse. The result
is the dataset those data packets carry, with no transport framing: PTP/IP
(length u32, type u32, transaction id u32 ahead of each piece) frames the
data phase differently from USB, and the dataset inside is the same. No
USB container is made up.

Checked, and never fixed up: every line is one the format allows; every
packet's length field equals its byte count; packet types come in the
order above; every packet carries the request's transaction id; the
request's operation code is the one the fixture's name gives (NAME =
body-OPCODE-what); the data pieces add up to the length StartData
announced; the response says OK (0x2001).
"""
import re

PKT_REQUEST, PKT_RESPONSE, PKT_START, PKT_DATA, PKT_END = 6, 7, 9, 10, 12
RC_OK = 0x2001

LINE_DATA = re.compile(r'^\s*"data": "([0-9a-f]{2}(?: [0-9a-f]{2})*)",$')
LINE_LOOP = re.compile(r'^\s*"loop": "(control|event)",$')
LINE_DIR = re.compile(r'^\s*"direction": "(sent|received)"$')
LINE_FRAME = re.compile(r'^\s*(\{|\},?|\]|"packetReceived": \{|"response": \[)$')


class Bad(Exception):
    pass


def u16(b, off):
    return b[off] | b[off + 1] << 8


def u32(b, off):
    return u16(b, off) | u16(b, off + 2) << 16


def packets(path):
    """Returns [(bytes, loop, direction, lineno)] in file order."""
    out = []
    for n, text in enumerate(open(path, encoding="ascii").read().split("\n"), 1):
        if not text.strip() or LINE_FRAME.match(text):
            continue
        m = LINE_DATA.match(text)
        if m:
            out.append([bytes(int(c, 16) for c in m.group(1).split()), None, None, n])
            continue
        m = LINE_LOOP.match(text)
        if m and out and out[-1][1] is None and out[-1][2] is None:
            out[-1][1] = m.group(1)
            continue
        m = LINE_DIR.match(text)
        if m and out and out[-1][1] is not None and out[-1][2] is None:
            out[-1][2] = m.group(1)
            continue
        raise Bad("%s: line %d: not a line of a flow step: %r" % (path, n, text))
    for p in out:
        if p[1] is None or p[2] is None:
            raise Bad("%s: line %d: packet without loop/direction" % (path, p[3]))
    return out


def framed(path, pkt, want_type, want_dir, tid, minlen):
    data, loop, direction, n = pkt
    where = "%s: line %d" % (path, n)
    if len(data) < minlen:
        raise Bad("%s: %d bytes, need at least %d" % (where, len(data), minlen))
    if u32(data, 0) != len(data):
        raise Bad("%s: length field %d, packet has %d bytes"
                  % (where, u32(data, 0), len(data)))
    if u32(data, 4) != want_type:
        raise Bad("%s: packet type %d, expected %d" % (where, u32(data, 4), want_type))
    if loop != "control" or direction != want_dir:
        raise Bad("%s: %s/%s, expected control/%s" % (where, loop, direction, want_dir))
    if tid is not None:
        got = u32(data, 10) if want_type == PKT_RESPONSE else u32(data, 8)
        if got != tid:
            raise Bad("%s: transaction id %d, expected %d" % (where, got, tid))
    return data


def convert(path, name):
    pk = packets(path)
    if len(pk) < 4:
        raise Bad("%s: a step needs request, StartData, EndData, response" % path)
    req = framed(path, pk[0], PKT_REQUEST, "sent", None, 18)
    op, tid = u16(req, 12), u32(req, 14)
    parts = name.split("-")
    if len(parts) < 3 or parts[1] != "%04x" % op:
        raise Bad("%s: request is operation 0x%04X, the name says %s"
                  % (path, op, parts[1] if len(parts) > 1 else "nothing"))
    start = framed(path, pk[1], PKT_START, "received", tid, 20)
    if len(start) != 20:
        raise Bad("%s: StartData of %d bytes, expected 20" % (path, len(start)))
    total = u32(start, 12) | u32(start, 16) << 32
    out = b""
    for p in pk[2:-2]:
        out += framed(path, p, PKT_DATA, "received", tid, 12)[12:]
    out += framed(path, pk[-2], PKT_END, "received", tid, 12)[12:]
    resp = framed(path, pk[-1], PKT_RESPONSE, "received", tid, 14)
    if (len(resp) - 14) % 4:
        raise Bad("%s: response parameters not whole u32s" % path)
    if u16(resp, 8) != RC_OK:
        raise Bad("%s: response 0x%04X, not OK" % (path, u16(resp, 8)))
    if len(out) != total:
        raise Bad("%s: data pieces hold %d bytes, StartData announced %d"
                  % (path, len(out), total))
    return out
