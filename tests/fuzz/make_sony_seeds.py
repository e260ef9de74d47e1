#!/usr/bin/env python3
"""Writes the seed corpora of the Sony fuzz targets (liveview, sony_props,
ext_info, focus) from byte layouts in the protocol dossier (§3.3, §4.3,
§5.1, §5.2) and src/sony/focus.c. Run from anywhere; regenerating gives
the same files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# A tiny JPEG: SOI, a COM segment, EOI.
JPEG = bytes.fromhex('ffd8fffe0006414c5048ffd9')

# ILCE-5100 reply to 0x9202, data phase only (dossier §3.3, gp#248).
CODES_5100 = [0x5004, 0x5005, 0x5007, 0x500A, 0x500B, 0x500C, 0x500E, 0x5010,
              0x5013, 0xD200, 0xD201, 0xD203, 0xD20D, 0xD20E, 0xD20F, 0xD210,
              0xD21C, 0xD211, 0xD213, 0xD21E, 0xD21B, 0xD21D, 0xD21F, 0xD217,
              0xD218, 0xD219, 0xD212, 0xD221, 0xD214, 0xD215, 0xD220]
CONTROLS_5100 = [0xD2C1, 0xD2C2, 0xD2C3, 0xD2C8, 0xD2C5, 0xD2C7]


def u16list(codes):
    return struct.pack('<I', len(codes)) + b''.join(struct.pack('<H', c) for c in codes)


EXT_5100 = struct.pack('<H', 0x00C8) + u16list(CODES_5100) + u16list(CONTROLS_5100)

DPD_5004 = bytes.fromhex('0450' '0200' '01' '01' '02' '03' '02' '0400' '02031013')
DPD_D2C1 = bytes.fromhex('c1d2' '0400' '81' '01' '0100' '0100' '02' '0200' '01000200')
# ShutterSpeed: UINT32 range 0..0xFFFFFFFF, current 1/100 s (dossier §5.3).
DPD_D20D = (struct.pack('<HHBB', 0xD20D, 0x0006, 0, 1) +
            struct.pack('<II', 0, 0x00010064) + b'\x01' +
            struct.pack('<III', 0, 0xFFFFFFFF, 1))
# BatteryLevel: INT8 range -1..100 (dossier §5.3).
DPD_D218 = struct.pack('<HHBBbbBbbb', 0xD218, 0x0001, 0, 1, -1, 80, 1, -1, 100, 1)
# A string property that ends after its default (ptp-pack.c).
DPD_STR = struct.pack('<HHBB', 0xD220, 0xFFFF, 0, 1) + b'\x02A\x00\x00\x00'


def liveview(offset, jpeg, reserved=None, size=None, focal=b''):
    size = len(jpeg) if size is None else size
    gap = max(offset - 16, 0)
    res = reserved if reserved is not None else bytes(gap)
    foff = offset + len(jpeg) if focal else 0
    return struct.pack('<IIII', offset, size, foff, len(focal)) + res[:gap] + jpeg + focal


def focus_section(den_x, den_y, entries):
    return struct.pack('<IIH', den_x, den_y, len(entries)) + bytes(6) + b''.join(entries)


def focus_entry(typ, state, prio, x, y, w, h, face_sel=None):
    if face_sel is None:
        head = struct.pack('<HHB', typ, state, prio) + bytes(3)
    else:
        head = struct.pack('<HHBB', typ, state, face_sel, prio) + bytes(2)
    return head + struct.pack('<IIII', x, y, h, w)


def focus_block(version, af, faces=None, tracking=None, tail=b''):
    """FocalFrameInfo (src/sony/focus.c): version, reserved, an empty
    reserved array, the AF section, from 1.01 face and tracking."""
    b = struct.pack('<H', version) + bytes(38) + focus_section(0, 0, [])
    b += focus_section(1024, 768, af)
    if version >= 101:
        b += focus_section(640, 480, faces or [])
        b += focus_section(640, 480, tracking or [])
    return b + tail


def props(*dpds, count=None):
    n = len(dpds) if count is None else count
    return struct.pack('<II', n, 0) + b''.join(dpds)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    stray = bytearray(0x80 - 16)
    stray[4:6] = b'\xff\xd8'
    write('liveview', 'offset-0x80', liveview(0x80, JPEG))
    write('liveview', 'offset-16', liveview(16, JPEG))
    write('liveview', 'stray-soi', liveview(0x80, JPEG, bytes(stray)))
    write('liveview', 'focal', liveview(0x80, JPEG, focal=bytes(range(8))))
    write('liveview', 'no-frame', bytes(16))
    write('liveview', 'truncated', liveview(0x80, JPEG)[:-1])
    write('liveview', 'offset-ffffffff', struct.pack('<IIII', 0xFFFFFFFF, 12, 0, 0) + JPEG)
    write('liveview', 'size-ffffffff', liveview(16, JPEG, size=0xFFFFFFFF))
    # Size padded past the EOI (dossier §4.3: a recorded RX100M7 frame
    # declares 15 bytes more, focus block before the JPEG at 0x10).
    rx = struct.pack('<IIII', 0x88, len(JPEG) + 15, 0x10, 0x78) + bytes(range(0x78)) + \
        JPEG + bytes(15)
    write('liveview', 'padded-rx100m7', rx)
    write('liveview', 'padded-128', liveview(0x80, JPEG + bytes(128 - len(JPEG)),
                                             size=128))
    write('liveview', 'padded-too-far', liveview(0x80, JPEG + bytes(513)))
    af2 = [focus_entry(3, 2, 1, 512, 400, 60, 40), focus_entry(0x10, 1, 2, 7, 8, 9, 10)]
    write('focus', 'v100-two-af', focus_block(100, af2))
    write('focus', 'v101-face-tracking',
          focus_block(101, af2[:1], [focus_entry(2, 2, 1, 100, 200, 30, 31, face_sel=2)],
                      [focus_entry(2, 1, 1, 5, 6, 7, 8)], tail=bytes(16)))
    write('focus', 'v100-empty', focus_block(100, []))
    write('focus', 'count-past-end', focus_block(100, af2)[:100])
    write('focus', 'opaque-51', bytes((i * 37 + 11) & 0xFF for i in range(51)))
    write('liveview', 'focal-layout', liveview(0x80, JPEG, focal=focus_block(100, af2)))
    write('ext_info', 'ilce-5100', EXT_5100)
    write('ext_info', 'empty-lists', bytes.fromhex('c800') + bytes(8))
    write('ext_info', 'v300-trailing', bytes.fromhex('2c01') + struct.pack('<I', 1) +
          b'\x04\x50' + struct.pack('<I', 0) + b'\x36\x01')
    write('sony_props', 'two', props(DPD_5004, DPD_D2C1))
    write('sony_props', 'mixed', props(DPD_5004, DPD_D20D, DPD_D218, DPD_D2C1, DPD_STR))
    write('sony_props', 'count-mismatch', props(DPD_5004, DPD_D2C1, count=0x22))
    write('sony_props', 'cut', props(DPD_5004, DPD_D2C1)[:-3])
    write('sony_props', 'header-only', props())


if __name__ == '__main__':
    main()
