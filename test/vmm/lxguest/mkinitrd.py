#!/usr/bin/env python3
"""Write lxtest_initrd, the data file the test guest verifies when a loader passes it as initrd.

Format (4096 bytes, little-endian):
  0     8 bytes  magic "LXINITRD"
  8     u32      total size, 4096
  12    ...      byte at file offset i = (i * 31 + (i >> 8)) & 0xff
  4092  u32      FNV-1a 32 of bytes 0..4091
initrd.c checks all of it; keep the two in step.
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
    body = bytearray(b"LXINITRD" + struct.pack("<I", SIZE))
    body += bytes((i * 31 + (i >> 8)) & 0xff for i in range(len(body), SIZE - 4))
    body += struct.pack("<I", fnv1a32(body))
    assert len(body) == SIZE
    with open(sys.argv[1], "wb") as f:
        f.write(body)


if __name__ == "__main__":
    main()
