#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_capture from capture files (pcap or
pcapng, as tests/capture/make_captures writes them): each file's records,
in windows of at most WINDOW records, in the target's input format (see
fuzz_capture.c). Usage: make_capture_seeds.py OUTDIR CAPTURE..."""
import hashlib
import os
import struct
import sys

WINDOW = 48
LINKS = {189: 0, 220: 1, 249: 2}
SEED_MAX = 60000


def pcap_records(blob):
    magic = struct.unpack('<I', blob[:4])[0]
    if magic == 0x0A0D0D0A:
        return pcapng_records(blob)
    link = struct.unpack('<I', blob[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(blob):
        _, _, caplen, length = struct.unpack('<IIII', blob[off:off + 16])
        out.append((blob[off + 16:off + 16 + caplen], length))
        off += 16 + caplen
    return link, out


def pcapng_records(blob):
    off, link, out = 0, None, []
    while off + 12 <= len(blob):
        btype, blen = struct.unpack('<II', blob[off:off + 8])
        if btype == 1:
            link = struct.unpack('<H', blob[off + 8:off + 10])[0]
        elif btype == 6:
            caplen, length = struct.unpack('<II', blob[off + 20:off + 28])
            out.append((blob[off + 28:off + 28 + caplen], length))
        off += blen
    return link, out


def encode(link, follow, records):
    out = bytes([LINKS[link], follow])
    for rec, length in records:
        lost = min(255, (length - len(rec) + 15) // 16)
        out += struct.pack('<HB', len(rec), lost) + rec
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    n = 0
    for path in sys.argv[2:]:
        link, recs = pcap_records(open(path, 'rb').read())
        for start in range(0, len(recs), WINDOW):
            seed = encode(link, start // WINDOW % 2, recs[start:start + WINDOW])
            if len(seed) > SEED_MAX:
                continue
            name = hashlib.sha1(seed).hexdigest()
            with open(os.path.join(outdir, name), 'wb') as f:
                f.write(seed)
            n += 1
    print('%d seeds' % n)


main()
