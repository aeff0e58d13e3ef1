#!/usr/bin/env python3
"""Writes the plug-in icon procedurally: a 64x64 PNG with a dark-to-bright exposure ramp and a
sun disc, standard library only. Usage: make-icon.py OUT.png"""
import math, struct, sys, zlib

def png(path, w, h, pixel):
    rows = bytearray()
    for y in range(h):
        rows.append(0)
        for x in range(w):
            rows.extend(pixel(x, y))
    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(rows), 9)))
        f.write(chunk(b"IEND", b""))

def pixel(x, y, n=64):
    # Three exposure bands (dark, mid, bright) of the same sky, the way alternating footage looks.
    band = min(2, x * 3 // n)
    gain = (0.25, 1.0, 4.0)[band]
    sky = 0.15 + 0.35 * (1 - y / n)
    d = math.hypot(x - 40, y - 22)
    sun = 8.0 if d < 9 else 0.0
    v = min(1.0, (sky + sun) * gain)
    enc = v ** (1 / 2.2)
    r, g, b = enc, enc * 0.85, enc * 0.6 if sun else enc
    return bytes([int(255 * r), int(255 * g), int(255 * min(1.0, b + 0.2 * (1 - v))), 255])

if __name__ == "__main__":
    png(sys.argv[1], 64, 64, pixel)
