#!/usr/bin/python3
"""Build a large benchmark capture from real captures.

Reads every .pcap/.pcapng under the given directories (sorted by path), turns
each frame into Ethernet (raw IP, Linux SLL and BSD NULL/LOOP frames get a
synthetic Ethernet header; other link types are left out and counted), and
writes the whole set again and again until the output reaches --size-mb.
Each copy gets its own address offset (IPv4: second octet + copy index; IPv6:
byte 3 + copy index) so that no two copies share a flow, and the IPv4 header,
TCP and UDP checksums are updated incrementally (RFC 1624), so a checksum that
was right stays right. Timestamps are rewritten to run forward across copies so
flow timeouts behave as in live traffic.

Usage: bench/build_capture.py --out FILE [--size-mb N] DIR [DIR ...]
Prints one JSON line: packets, bytes, copies, files used, left-out counts.
"""
import argparse
import json
import os
import struct
import sys

ETH_IPV4 = b"\x08\x00"
ETH_IPV6 = b"\x86\xdd"
FAKE_MACS = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"


def read_pcap(path, data):
    """Yield (linktype, ts_usec, frame) from a classic pcap file."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        e = ">"
    nsec = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    rec = struct.Struct(e + "IIII")
    while off + 16 <= len(data):
        sec, frac, incl, _orig = rec.unpack_from(data, off)
        off += 16
        if off + incl > len(data):
            break
        usec = frac // 1000 if nsec else frac
        yield linktype, sec * 1000000 + usec, data[off:off + incl]
        off += incl


def read_pcapng(path, data):
    """Yield (linktype, ts_usec, frame) from a pcapng file (EPB and SPB blocks)."""
    off = 0
    e = "<"
    ifaces = []
    while off + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, off)[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack_from(e + "I", data, off + 4)[0]
        if blen < 12 or off + blen > len(data):
            break
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 8:  # interface description
            lt = struct.unpack_from(e + "H", body, 0)[0]
            tsres = 6
            opt = 8
            while opt + 4 <= len(body):
                code, olen = struct.unpack_from(e + "HH", body, opt)
                if code == 0:
                    break
                if code == 9 and olen >= 1:
                    tsres = body[opt + 4]
                opt += 4 + ((olen + 3) & ~3)
            ifaces.append((lt, tsres))
        elif btype == 6 and len(body) >= 20:  # enhanced packet
            ifid, tshi, tslo, caplen, _orig = struct.unpack_from(e + "IIIII", body, 0)
            if ifid < len(ifaces):
                lt, tsres = ifaces[ifid]
                ts = (tshi << 32) | tslo
                if tsres & 0x80:
                    ts = ts * 1000000 >> (tsres & 0x7F)
                else:
                    ts = ts * 1000000 // (10 ** tsres)
                yield lt, ts, body[20:20 + caplen]
        elif btype == 3 and len(body) >= 4 and ifaces:  # simple packet
            yield ifaces[0][0], 0, body[4:]
        off += blen


def to_ethernet(linktype, frame):
    if linktype == 1:
        return frame
    if linktype in (101, 12, 14, 228, 229):
        if not frame:
            return None
        v = frame[0] >> 4
        return FAKE_MACS + (ETH_IPV4 if v == 4 else ETH_IPV6) + frame if v in (4, 6) else None
    if linktype == 113 and len(frame) >= 16:
        return FAKE_MACS + frame[14:16] + frame[16:]
    if linktype in (0, 108) and len(frame) >= 4:
        fam_le = struct.unpack_from("<I", frame)[0]
        fam_be = struct.unpack_from(">I", frame)[0]
        fam = fam_le if fam_le < 256 else fam_be
        if fam == 2:
            return FAKE_MACS + ETH_IPV4 + frame[4:]
        if fam in (24, 28, 30):
            return FAKE_MACS + ETH_IPV6 + frame[4:]
    return None


def csum_adjust(csum, old_words, new_words):
    """RFC 1624 incremental update: HC' = ~(~HC + ~m + m')."""
    s = (~csum) & 0xFFFF
    for o, n in zip(old_words, new_words):
        s += (~o) & 0xFFFF
        s += n
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def offset_frame(frame, copy):
    """Return the frame with addresses shifted for copy index `copy` (> 0)."""
    if copy == 0:
        return frame
    b = bytearray(frame)
    off = 12
    etype = b[off:off + 2]
    while etype in (b"\x81\x00", b"\x88\xa8", b"\x91\x00") and off + 6 <= len(b):
        off += 4
        etype = b[off:off + 2]
    l3 = off + 2
    if etype == ETH_IPV4 and l3 + 20 <= len(b) and b[l3] >> 4 == 4:
        ihl = (b[l3] & 0xF) * 4
        old = [struct.unpack_from(">H", b, l3 + i)[0] for i in (12, 16)]
        for i in (13, 17):
            b[l3 + i] = (b[l3 + i] + copy) & 0xFF
        new = [struct.unpack_from(">H", b, l3 + i)[0] for i in (12, 16)]
        hc = struct.unpack_from(">H", b, l3 + 10)[0]
        struct.pack_into(">H", b, l3 + 10, csum_adjust(hc, old, new))
        proto = b[l3 + 9]
        frag = struct.unpack_from(">H", b, l3 + 6)[0] & 0x1FFF
        l4 = l3 + ihl
        if frag == 0:
            if proto == 6 and l4 + 18 <= len(b):
                c = struct.unpack_from(">H", b, l4 + 16)[0]
                struct.pack_into(">H", b, l4 + 16, csum_adjust(c, old, new))
            elif proto == 17 and l4 + 8 <= len(b):
                c = struct.unpack_from(">H", b, l4 + 6)[0]
                if c != 0:
                    c = csum_adjust(c, old, new) or 0xFFFF
                    struct.pack_into(">H", b, l4 + 6, c)
    elif etype == ETH_IPV6 and l3 + 40 <= len(b):
        old = [struct.unpack_from(">H", b, l3 + i)[0] for i in (10, 26)]
        for i in (11, 27):
            b[l3 + i] = (b[l3 + i] + copy) & 0xFF
        new = [struct.unpack_from(">H", b, l3 + i)[0] for i in (10, 26)]
        nh = b[l3 + 6]
        l4 = l3 + 40
        if nh == 6 and l4 + 18 <= len(b):
            c = struct.unpack_from(">H", b, l4 + 16)[0]
            struct.pack_into(">H", b, l4 + 16, csum_adjust(c, old, new))
        elif nh == 17 and l4 + 8 <= len(b):
            c = struct.unpack_from(">H", b, l4 + 6)[0]
            struct.pack_into(">H", b, l4 + 6, csum_adjust(c, old, new) or 0xFFFF)
        elif nh == 58 and l4 + 4 <= len(b):
            c = struct.unpack_from(">H", b, l4 + 2)[0]
            struct.pack_into(">H", b, l4 + 2, csum_adjust(c, old, new))
    return bytes(b)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size-mb", type=int, default=1100)
    ap.add_argument("dirs", nargs="+")
    a = ap.parse_args()

    files = []
    for d in a.dirs:
        for root, _dirs, names in os.walk(d):
            files += [os.path.join(root, n) for n in names if n.endswith((".pcap", ".pcapng", ".cap"))]
    files.sort()
    base = []
    left_out = {}
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] == b"\x0a\x0d\x0d\x0a":
            reader = read_pcapng
        elif data[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
            reader = read_pcap
        else:
            left_out["unreadable file"] = left_out.get("unreadable file", 0) + 1
            continue
        for lt, _ts, frame in reader(path, data):
            eth = to_ethernet(lt, frame)
            if eth is None or len(eth) > 65535:
                key = f"linktype {lt}"
                left_out[key] = left_out.get(key, 0) + 1
                continue
            base.append(eth)
    if not base:
        print("build_capture: no usable frames", file=sys.stderr)
        sys.exit(2)
    target = a.size_mb * 1024 * 1024
    written = 24
    packets = 0
    ts = 1700000000 * 1000000
    copy = 0
    with open(a.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while written < target:
            for frame in base:
                fr = offset_frame(frame, copy)
                ts += 20  # 50k packets/s of capture time: timeouts behave like a busy link
                out.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
                out.write(fr)
                written += 16 + len(fr)
                packets += 1
            copy += 1
            if copy > 255:
                break
    print(json.dumps({"out": a.out, "packets": packets, "bytes": written, "copies": copy,
                      "files": len(files), "base_packets": len(base), "left_out": left_out}))


if __name__ == "__main__":
    main()
