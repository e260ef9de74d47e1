#!/usr/bin/env python3
"""Writes the seed corpora of fuzz_camera_events (scripts of records: see
the target's header) and fuzz_propfmt (a control, a written text, a
descriptor) from the dossier's layouts (§5.1, §5.3, §6) and the
ILCE-6000's 0x9209 reply (tests/data/sony). Regenerating gives the same
files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data', 'sony')
EVENT, PROPS, WRITE, TAKE, UNPLUG, REPLUG = range(6)
# indexes in sony/propfmt.c's control table
ISO, SHUTTER, FNUMBER, EV, WB, KELVIN, BATTERY = 0, 1, 2, 3, 4, 5, 10


def dpd_u32_enum(code, cur, values, getset=1):
    return (struct.pack('<HHBBII', code, 0x0006, getset, 1, values[0], cur) +
            b'\x02' + struct.pack('<H', len(values)) +
            b''.join(struct.pack('<I', v) for v in values))


def dpd_u32_range(code, cur, lo, hi, step):
    return (struct.pack('<HHBBII', code, 0x0006, 0, 1, lo, cur) + b'\x01' +
            struct.pack('<III', lo, hi, step))


def dpd_u16_enum(code, cur, values):
    return (struct.pack('<HHBBHH', code, 0x0004, 1, 1, values[0], cur) +
            b'\x02' + struct.pack('<H', len(values)) +
            b''.join(struct.pack('<H', v) for v in values))


def dpd_battery(cur):
    return struct.pack('<HHBBbbBbbb', 0xD218, 0x0001, 0, 1, -1, cur, 1, -1, 100, 1)


ISO_VALUES = [0x00FFFFFF, 100, 200, 400, 800, 1600, 3200]


def table(iso, shutter, mode, battery):
    dpds = [dpd_u32_enum(0xD21E, iso, ISO_VALUES),
            dpd_u32_range(0xD20D, shutter, 0, 0xFFFFFFFF, 1),
            dpd_u16_enum(0x500E, mode, [1, 2, 3, 4, 0x8050]),
            dpd_battery(battery)]
    return struct.pack('<II', len(dpds), 0) + b''.join(dpds)


def rec_props(blob):
    return bytes([PROPS]) + struct.pack('<H', len(blob)) + blob


def rec_event(code, *params):
    c = struct.pack('<IHHI', 12 + 4 * len(params), 4, code, 0xFFFFFFFF)
    c += b''.join(struct.pack('<I', p) for p in params)
    return bytes([EVENT, len(c)]) + c


def rec_write(control, text, by_steps, moves):
    t = text.encode()
    return (bytes([WRITE, control, 1 if by_steps else 0, len(t)]) + t +
            bytes([len(moves)]) + moves)


def rec_take(cap):
    return bytes([TAKE, cap])


def dpd(code, fmt, getset, cur, form, *rest):
    """fmt: the struct letter of the data type (type code from TYPES)."""
    t = TYPES[fmt]
    head = struct.pack('<HHBB', code, t, getset, 1)
    vals = struct.pack('<' + fmt + fmt, cur, cur)
    if form == 1:
        return head + vals + b'\x01' + struct.pack('<' + fmt * 3, *rest)
    if form == 2:
        return (head + vals + b'\x02' + struct.pack('<H', len(rest)) +
                struct.pack('<' + fmt * len(rest), *rest))
    return head + vals + b'\x00'


TYPES = {'b': 1, 'B': 2, 'h': 3, 'H': 4, 'i': 5, 'I': 6}
EV_VALUES = [0, 700, 300, -300, -700, 5000, -5000]


def propfmt_seeds():
    seeds = {
        'iso': (ISO, '800', dpd(0xD21E, 'I', 0, 0x00FFFFFF, 2, *ISO_VALUES)),
        'iso-mfnr': (ISO, '800 mfnr', dpd(0xD21E, 'I', 0, 800, 2,
                                           0x01000320, 0x02000320, 800)),
        'shutter': (SHUTTER, '1/250', dpd(0xD20D, 'I', 0, 0x00010064, 1,
                                          0, 0xFFFFFFFF, 1)),
        'shutter-long': (SHUTTER, '2.5"', dpd(0xD20D, 'I', 0, 0x0019000A, 1,
                                              0, 0xFFFFFFFF, 1)),
        'fnumber': (FNUMBER, 'f/8.0', dpd(0x5007, 'H', 0, 560, 1, 0, 0xFFFF, 1)),
        'ev': (EV, '+0.7', dpd(0x5010, 'h', 0, 0, 2, *EV_VALUES)),
        'ev-third': (EV, '+0.33', dpd(0x5010, 'h', 0, 0, 2, *EV_VALUES)),
        'wb': (WB, 'daylight', dpd(0x5005, 'H', 1, 2, 2, 2, 4, 0x8011, 0x8030)),
        'wb-code': (WB, '0x8030', dpd(0x5005, 'H', 1, 2, 2, 2, 4, 0x8011, 0x8030)),
        'kelvin': (KELVIN, '6500K', dpd(0xD20F, 'H', 1, 5500, 1, 2500, 9900, 100)),
        'battery': (BATTERY, '42%', dpd(0xD218, 'b', 0, -1, 1, -1, 100, 1)),
        'banana': (ISO, 'banana', dpd(0xD21E, 'I', 0, 800, 2, *ISO_VALUES)),
        'no-desc': (SHUTTER, '1/0', b''),
    }
    for name, (control, text, desc) in seeds.items():
        t = text.encode()
        write(name, bytes([control, len(t)]) + t + desc, 'propfmt')


def write(name, data, target='camera_events'):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    before = table(0x00FFFFFF, 0x00010064, 1, -1)
    after = table(800, 0x000100FA, 3, 42)
    write('dial-turned', rec_props(before) + rec_event(0xC203, 0xD21E) +
          rec_take(17) + rec_props(after) + rec_take(255) + rec_take(3))
    write('objects', rec_event(0xC201, 0xFFFFC001) + rec_take(5) +
          rec_event(0xC202, 0xFFFFC001) + rec_event(0xC204, 7) +
          rec_event(0x4006, 0x5004))
    # ISO walked by notches: auto -> 100 -> 200 -> 400 -> 800
    moves = b''.join(struct.pack('<I', v) for v in (100, 200, 400, 800))
    write('walk-iso', rec_props(before) + rec_write(ISO, '800', True, moves))
    # past the target and back: 400 -> 1600 (no 800 on this dial)
    back = b''.join(struct.pack('<I', v) for v in (400, 1600, 400, 0x00FFFFFF))
    write('walk-overshoot', rec_props(before) +
          rec_write(ISO, '800', True, back))
    write('walk-direct', rec_props(before) +
          rec_write(SHUTTER, '1/250', False, struct.pack('<I', 0x000100FA)))
    write('walk-stuck', rec_props(before) + rec_write(ISO, '1600', True, b''))
    write('unplug', rec_props(before) + bytes([UNPLUG]) + rec_take(40) +
          bytes([REPLUG]) + rec_props(after))
    many = rec_props(before)
    for i in range(300):
        many += rec_event(0xC201, i)
    write('behind', many + rec_take(100))
    with open(os.path.join(DATA, 'a6000-9209-props.bin'), 'rb') as f:
        payload = f.read()[12:]
    write('a6000', rec_props(payload) + rec_event(0xC203, 0xD21D) +
          rec_props(payload) + rec_take(255))
    propfmt_seeds()


if __name__ == '__main__':
    main()
