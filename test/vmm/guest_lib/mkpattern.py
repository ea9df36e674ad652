#!/usr/bin/env python3
"""Write a data file a test guest recognises and verifies: mbtest's boot
module ("MBTESTMD", multiplier 13) and lxtest's initrd ("LXINITRD",
multiplier 31); guest_lib/pattern.c checks both.

Usage: mkpattern.py MAGIC MULTIPLIER OUTPUT

Format (4096 bytes, little-endian):
  0     8 bytes  MAGIC
  8     u32      total size, 4096
  12    ...      byte at file offset i = (i * MULTIPLIER + (i >> 8)) & 0xff
  4092  u32      FNV-1a 32 of bytes 0..4091
The guests check all of it; keep them in step.
"""
import struct
import sys

SIZE = 4096


def fnv1a32(data):
    h = 0x811c9dc5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xffffffff
    return h


def main():
    magic, mult, out = sys.argv[1].encode(), int(sys.argv[2]), sys.argv[3]
    assert len(magic) == 8
    body = bytearray(magic + struct.pack("<I", SIZE))
    body += bytes((i * mult + (i >> 8)) & 0xff for i in range(len(body), SIZE - 4))
    body += struct.pack("<I", fnv1a32(body))
    assert len(body) == SIZE
    with open(out, "wb") as f:
        f.write(body)


if __name__ == "__main__":
    main()
