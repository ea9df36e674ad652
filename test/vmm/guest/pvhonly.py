#!/usr/bin/env python3
"""Copy the test kernel with its Multiboot header blanked: QEMU tries Multiboot before the PVH
note on every machine, microvm included, so only such a copy exercises the PVH entry there.

usage: pvhonly.py KERNEL OUTPUT
"""
import struct
import sys

MAGIC = 0x1BADB002
SEARCH = 8192  # the Multiboot spec's header search window


def main():
    data = bytearray(open(sys.argv[1], "rb").read())
    for off in range(0, min(SEARCH, len(data)) - 11, 4):
        magic, flags, csum = struct.unpack_from("<III", data, off)
        if magic == MAGIC and (magic + flags + csum) & 0xffffffff == 0:
            data[off:off + 12] = bytes(12)
            break
    else:
        sys.exit("pvhonly.py: no Multiboot header in " + sys.argv[1])
    with open(sys.argv[2], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
