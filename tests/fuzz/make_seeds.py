#!/usr/bin/env python3
"""Writes the seed corpora of the ptp fuzz targets (container, datasets,
session) from byte layouts in the protocol dossier. Run from anywhere;
regenerating gives the same files."""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def hdr(length, ctype, code, tid):
    return struct.pack('<IHHI', length, ctype, code, tid)


def params(ctype, code, tid, *ps):
    return hdr(12 + 4 * len(ps), ctype, code, tid) + b''.join(struct.pack('<I', p) for p in ps)


def data(code, tid, payload):
    return hdr(12 + len(payload), 2, code, tid) + payload


def ptp_str(s):
    if not s:
        return b'\x00'
    units = s.encode('utf-16-le') + b'\x00\x00'
    return bytes([len(units) // 2]) + units


def u16list(codes):
    return struct.pack('<I', len(codes)) + b''.join(struct.pack('<H', c) for c in codes)


def device_info():
    ops = [0x1002, 0x1003, 0x1001, 0x1004, 0x1005, 0x1006, 0x1007, 0x1008, 0x1009,
           0x100A, 0x101B, 0x9201, 0x9202, 0x9205, 0x9207, 0x9209]
    return (struct.pack('<HIH', 100, 0x11, 100) + ptp_str('Sony PTP Extensions') +
            struct.pack('<H', 0) + u16list(ops) + u16list([0xC201, 0xC202, 0xC203]) +
            u16list([]) + u16list([]) + u16list([0x3801, 0xB301, 0xB101]) +
            ptp_str('Sony Corporation') + ptp_str('ILCE-6300') + ptp_str('1.0') +
            ptp_str('0' * 32))


def object_info():
    return (struct.pack('<IHHIHIIIIIIIHII', 0, 0x3801, 0, 50000, 0, 0, 0, 0, 640, 424, 24,
                        0, 0, 0, 0) + ptp_str('capt0000.jpg') + ptp_str('20261126T120000') +
            ptp_str('') + ptp_str(''))


DPD_5004 = bytes.fromhex('04500200010102030204000203 1013'.replace(' ', ''))
DPD_D2C1 = bytes.fromhex('c1d20400810101000100020200010002 00'.replace(' ', ''))
DPD_D20D = (struct.pack('<HHBB', 0xD20D, 6, 1, 1) + struct.pack('<II', 0x00010064, 0x00010064) +
            b'\x01' + struct.pack('<III', 0, 0xFFFFFFFF, 1))
DPD_STD_5007 = struct.pack('<HHB', 0x5007, 4, 1) + struct.pack('<HH', 560, 560) + b'\x01' + \
    struct.pack('<HHH', 0, 0xFFFF, 1)


def sony_still_info(fmt, size, name, date):
    """ObjectInfo of a still at 0xFFFFC001 as the emulated a6300 sends
    it (dossier §2.3, §4.5): no storage, format 0x3801 or 0xB101."""
    return (struct.pack('<IHHIHIIIIIIIHII', 0, fmt, 0, size, 0, 0, 0, 0,
                        6000, 4000, 0, 0, 0, 0, 0) +
            ptp_str(name) + ptp_str(date) + ptp_str(date) + ptp_str(''))


def xfers(*ts):
    return b''.join(struct.pack('<H', len(t)) + t for t in ts)


def write(target, name, blob):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(blob)


def main():
    write('container', 'getstorageids-cmd', params(1, 0x1004, 7))
    write('container', 'ok-resp', params(3, 0x2001, 7))
    write('container', 'sdioconnect-cmd', params(1, 0x9201, 2, 1, 0, 0))
    write('container', 'event-c203', params(4, 0xC203, 0xFFFFFFFF, 0xD21D))
    write('container', 'resp-one-param', params(3, 0x2001, 4, 0x136))
    write('container', 'data-header', data(0x1009, 9, b'\x00' * 16))
    write('container', 'unknown-length', hdr(0xFFFFFFFF, 2, 0x1009, 1))

    write('datasets', 'device-info', b'\x00' + device_info())
    write('datasets', 'object-info', b'\x01' + object_info())
    write('datasets', 'sony-still-jpeg',
          b'\x01' + sony_still_info(0x3801, 10726981, 'DSC01234.JPG', '20240501T123456'))
    write('datasets', 'sony-still-arw',
          b'\x01' + sony_still_info(0xB101, 25165824, 'DSC01234.ARW', '20240501T123456'))
    write('datasets', 'sony-still-odd-name',
          b'\x01' + sony_still_info(0x3801, 1, '../..\x01/x y', '2024050XT1234'))
    write('datasets', 'std-dpd-5007', b'\x02' + DPD_STD_5007)
    write('datasets', 'sony-dpds', b'\x03' + DPD_5004 + DPD_D2C1 + DPD_D20D)

    lv = struct.pack('<IIII', 0x80, 6, 0, 0) + b'\xff\xd8' + b'\x00' * (0x80 - 18) + \
        b'\xff\xd8\xff\xfe\xff\xd9'
    write('session', 'frame-then-ok', xfers(data(0x1009, 0, lv), params(3, 0x2001, 0)))
    write('session', 'denied', xfers(data(0x1009, 0, b'\x00' * 16), params(3, 0x200F, 0)))
    exact = data(0x1009, 0, b'\xab' * (1024 - 12))
    write('session', 'exact-1024-zlp', xfers(exact, b'', params(3, 0x2001, 0),
                                           data(0x1009, 1, b'\x01' * 20), params(3, 0x2001, 1)))
    write('session', 'one-transfer', xfers(data(0x1009, 0, b'\x02' * 700) + params(3, 0x2001, 0)))
    write('session', 'stale-then-ok', xfers(params(3, 0x2001, 0xFFFFFFFE), params(3, 0x2009, 0)))
    cut = data(0x1009, 0, b'\x03' * 4000)[:1700]
    write('session', 'cut-short', xfers(cut, params(3, 0x2001, 0)))


if __name__ == '__main__':
    main()
