#!/usr/bin/python3
"""Exit 0 when a PNG (8-bit RGB or RGBA, as rsvg-convert writes) has drawn content: at least 1% of its pixels
not white and at least 3 distinct colours besides white. Decodes the PNG with zlib alone (no imaging library)."""
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height, channels = 8, b"", 0, 0, 0
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and colour in (2, 6), "expected 8-bit RGB(A)"
        channels = 3 if colour == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
raw = zlib.decompress(idat)
stride = width * channels
previous = bytearray(stride)
non_white, colours = 0, set()
for y in range(height):
    line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
    kind, row = line[0], bytearray(line[1:])
    for i in range(stride):
        a = row[i - channels] if i >= channels else 0
        b = previous[i]
        c = previous[i - channels] if i >= channels else 0
        if kind == 1:
            row[i] = (row[i] + a) & 255
        elif kind == 2:
            row[i] = (row[i] + b) & 255
        elif kind == 3:
            row[i] = (row[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(width):
        px = tuple(row[x * channels:x * channels + 3])
        alpha = row[x * channels + 3] if channels == 4 else 255
        if alpha > 0 and px != (255, 255, 255):
            non_white += 1
            colours.add(px)
    previous = row
share = non_white / float(width * height)
print(f"{width}x{height}, {share:.1%} drawn, {len(colours)} colours")
sys.exit(0 if share >= 0.01 and len(colours) >= 3 else 1)
