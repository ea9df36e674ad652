#!/usr/bin/env python3
"""part_block over block_file, on images partitioned by sfdisk, under core and init.

Usage: part_block_test.py CASE, one of:

  mbr         an MBR with two primary partitions and two logical ones in an
              extended partition: part_block logs the table sfdisk wrote (numbers
              1, 2, 5, 6); block_client_test writes a pattern over each writeable
              partition through its session and reads it back; reads and writes
              past a partition's end fail; a view beyond it, an unknown label and a
              policy naming a missing partition are denied (with part_block's
              messages); a read-only partition refuses writes. Then the host image
              holds each pattern at its partition's offset and is unchanged
              everywhere else.
  gpt         the same on a GPT with three named partitions, 32 requests in flight
              on one of them; part_block reports the table (<report partitions>).
  gpt_backup  the GPT's primary header is corrupted: part_block says so, uses the
              backup header, and serves the partitions as before.
  no_table    a device without a partition table: part_block says so and exits.

Environment: ARBOR_CORE, ARBOR_ROM_DIRS (init, block_file, part_block, report_rom,
test/storage), BLOCK_FILE_TMP (a directory for the images). Exit status: 0 passed,
1 failed, 77 skipped.
"""
import json
import os
import shutil
import struct
import subprocess
import sys

# core under init and its log (test/core_runner.py), run as block_file's test runs it
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import core_runner  # noqa: E402
from block_file_test import Core, Files, MIB  # noqa: E402
from core_runner import Failed, Skipped  # noqa: E402

SECTOR = 512
FILL = b"\xab"          # the image's bytes before sfdisk: what must stay outside the partitions
M64 = (1 << 64) - 1


def mix(x):
    """block_client_test.c's mix(): splitmix64."""
    x = (x + 0x9e3779b97f4a7c15) & M64
    x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
    x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
    return x ^ (x >> 31)


def pattern(seed, block, count):
    """block_client_test.c's pattern(): per block, 64 words counting up from mix(seed, block)."""
    out = bytearray()
    for b in range(block, block + count):
        base = mix(((seed * 0x100000001b3) & M64) ^ b)
        out += struct.pack("<64Q", *[(base + i) & M64 for i in range(SECTOR // 8)])
    return bytes(out)


def make_image(files, name, size, script):
    """A file of FILL bytes partitioned by sfdisk; returns sfdisk's view of its partitions."""
    if not shutil.which("sfdisk"):
        raise Skipped("sfdisk is not installed (Debian: fdisk)")
    path = files.path(name)
    with open(path, "wb") as f:
        f.write(FILL * size)
    subprocess.run(["sfdisk", "-q", path], input=script.encode(), check=True)
    table = json.loads(subprocess.run(["sfdisk", "-J", path], check=True,
                                      capture_output=True).stdout)["partitiontable"]
    parts = {}
    for p in table["partitions"]:
        number = int(p["node"][len(path):])
        parts[number] = p
    return parts


def init_config(part_block_config, sessions, report=False):
    """block_file serving the image to part_block, block_client_test as part_block's client."""
    report_start = """
	<start name="report_rom" ram="2M">
		<provides> <service name="Report"/> <service name="ROM"/> </provides>
		<route> <any-service> <parent/> </any-service> </route>
		<config verbose="yes"/>
	</start>""" if report else ""
    report_route = """
			<service name="Report"> <child name="report_rom"/> </service>""" if report else ""
    return f"""<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_file"/>
	</parent-provides>
	<default caps="100" ram="1M"/>{report_start}
	<start name="block_file" ram="4M">
		<provides> <service name="Block"/> </provides>
		<route>
			<service name="Host_file"> <parent/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config>
			<policy label="part_block" file="disk.img" writeable="yes"/>
		</config>
	</start>
	<start name="part_block" ram="8M">
		<provides> <service name="Block"/> </provides>
		<route>
			<service name="Block"> <child name="block_file"/> </service>{report_route}
			<any-service> <parent/> </any-service>
		</route>
		{part_block_config}
	</start>
	<start name="block_client_test" ram="24M">
		<route>
			<service name="Block"> <child name="part_block"/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config>
{sessions}
		</config>
	</start>
</config>
"""


def partition_sessions(parts, writeable, read_only, seed_base, queue=None):
    """block_client_test sessions: each writeable partition written with its pattern
    (seed_base + number, shifted to device blocks) and verified, its end guarded; each
    read-only one refusing writes."""
    out = []
    for n in writeable:
        first, size = parts[n]["start"], parts[n]["size"]
        extra = ""
        if queue == n:
            extra = f'\n\t\t\t\t<queue depth="32" requests="512" seed="{seed_base + 50}"/>'
        out.append(f"""			<session label="p{n}" writeable="yes">
				<info block_count="{size}" block_size="{SECTOR}" writeable="yes"/>{extra}
				<write block="0" count="{size}" seed="{seed_base + n}" shift="{first}"/>
				<verify block="0" count="{size}" seed="{seed_base + n}" shift="{first}"/>
				<error op="read" block="{size}" count="1" expect="invalid"/>
				<error op="write" block="{size - 1}" count="2" expect="invalid"/>
				<error op="write" block="{(1 << 63)}" count="1" expect="invalid"/>
				<sync/>
			</session>
			<session label="p{n}" offset="{size}" expect="denied"/>
			<session label="p{n}" offset="1" num_blocks="{size}" expect="denied"/>""")
    for n in read_only:
        size = parts[n]["size"]
        out.append(f"""			<session label="p{n}" writeable="yes">
				<info block_count="{size}" writeable="no"/>
				<error op="write" block="0" count="1" expect="denied"/>
			</session>""")
    out.append("""			<session label="nobody" expect="denied"/>
			<session label="p9" expect="denied"/>""")
    return "\n".join(out)


def policies(writeable, read_only, extra_attrs=""):
    lines = [f'<config{extra_attrs}>']
    for n in writeable:
        lines.append(f'\t\t\t<policy label="block_client_test -> p{n}" partition="{n}" '
                     f'writeable="yes"/>')
    for n in read_only:
        lines.append(f'\t\t\t<policy label="block_client_test -> p{n}" partition="{n}"/>')
    lines.append('\t\t\t<policy label="block_client_test -> p9" partition="9" writeable="yes"/>')
    lines.append("\t\t</config>")
    return "\n\t\t".join(lines)


def run(files, parts, kind, writeable, read_only, seed_base, queue=None, report=False,
        expect_backup=False, before=None):
    """Run the scenario and check the log; returns the image as it was before (for the
    host-side check)."""
    original = open(files.path("disk.img"), "rb").read()
    if before:
        before()
    cfg = init_config(policies(writeable, read_only,
                               ' io_buffer="256K"' + ('>\n\t\t\t<report partitions="yes"/'
                                                      if report else "")),
                      partition_sessions(parts, writeable, read_only, seed_base, queue), report)
    core = Core(cfg, files.dir)
    try:
        shown = [n for n in parts if parts[n]["type"] not in ("5", "f", "85")]
        backup = r" \(from the backup header\)" if expect_backup else ""
        core.expect(rf"\[init -> part_block\] {kind} partition table{backup}, {len(shown)} "
                    rf"partitions on {len(original) // SECTOR} blocks of 512 bytes")
        for n in shown:
            first, size = parts[n]["start"], parts[n]["size"]
            core.expect(rf"\[init -> part_block\]   partition {n}: blocks {first}\.\."
                        rf"{first + size - 1} ")
        print(f"+ part_block logs the {kind} table sfdisk wrote: partitions {shown}", flush=True)
        if expect_backup:
            core.expect(r"\[init -> part_block\] Warning: primary GPT header is bad \(header CRC "
                        r"mismatch\): trying the backup")
        m = core.expect(r"\[init -> block_client_test\] block_client_test: done, (\d+) checks, "
                        r"0 failures", timeout=60)
        print(f"+ block_client_test: {m.group(1)} checks passed", flush=True)
        core.expect(r"\[init -> part_block\] Warning: no policy defined for label "
                    r"'block_client_test -> nobody'")
        core.expect(r"\[init -> part_block\] Warning: 'block_client_test -> p9' denied: "
                    r"partition 9 does not exist")
        core.expect(r"\[init -> part_block\] Warning: Block session of 'block_client_test -> "
                    r"p\d+' denied: view offset=")
        print("+ unknown label, missing partition and views beyond a partition denied",
              flush=True)
        if report:
            core.expect(r'\[init -> report_rom\] report \'part_block -> partitions\'')
            for n in shown:
                guid = f'guid="{parts[n]["uuid"].lower()}" ' if "uuid" in parts[n] else ""
                core.expect(rf'\[init -> report_rom\] .*<partition number="{n}" .*{guid}'
                            rf'start="{parts[n]["start"]}" length="{parts[n]["size"]}"')
            print("+ the table is reported", flush=True)
        core.check_healthy("part_block")
        core.check_healthy("block_file")
    finally:
        core.stop()
    return original


def check_image(files, original, parts, writeable, seed_base):
    """Each written partition holds its pattern at its offset; every other byte is as
    before."""
    image = open(files.path("disk.img"), "rb").read()
    expected = bytearray(original)
    for n in writeable:
        first, size = parts[n]["start"], parts[n]["size"]
        expected[first * SECTOR:(first + size) * SECTOR] = pattern(seed_base + n, first, size)
    if len(image) != len(expected):
        raise Failed(f"the image changed size: {len(image)} bytes, was {len(expected)}")
    if image != bytes(expected):
        at = next(i for i in range(len(image)) if image[i] != expected[i])
        owner = [n for n in parts if parts[n]["start"] * SECTOR <= at <
                 (parts[n]["start"] + parts[n]["size"]) * SECTOR]
        raise Failed(f"the host image differs at byte {at} (block {at // SECTOR}, inside "
                     f"partition(s) {owner or 'none'})")
    print(f"+ the host image holds each pattern at its partition ({writeable}) and nothing "
          f"else changed", flush=True)


MBR_SCRIPT = """label: dos
unit: sectors
start=2048, size=8192, type=83
start=10240, size=4096, type=c
start=16384, type=5
start=18432, size=6144, type=83
start=26624, size=6144, type=82
"""

GPT_SCRIPT = """label: gpt
unit: sectors
start=2048, size=6144, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="boot"
start=8192, size=4096, name="swap"
start=12288, size=8192, name="home"
"""


def case_mbr():
    files = Files()
    try:
        parts = make_image(files, "disk.img", 16 * MIB, MBR_SCRIPT)
        if sorted(parts) != [1, 2, 3, 5, 6]:
            raise Failed(f"sfdisk made partitions {sorted(parts)}")
        original = run(files, parts, "MBR", [1, 5, 6], [2], 10)
        check_image(files, original, parts, [1, 5, 6], 10)
    finally:
        files.remove()


def case_gpt():
    files = Files()
    try:
        parts = make_image(files, "disk.img", 16 * MIB, GPT_SCRIPT)
        original = run(files, parts, "GPT", [1, 3], [2], 20, queue=3, report=True)
        check_image(files, original, parts, [1, 3], 20)
    finally:
        files.remove()


def case_gpt_backup():
    files = Files()
    try:
        parts = make_image(files, "disk.img", 16 * MIB, GPT_SCRIPT)

        def corrupt():
            # a byte of the primary header's disk GUID: its CRC no longer matches
            with open(files.path("disk.img"), "r+b") as f:
                f.seek(SECTOR + 60)
                byte = f.read(1)
                f.seek(SECTOR + 60)
                f.write(bytes([byte[0] ^ 0xff]))
        original = run(files, parts, "GPT", [1, 3], [2], 30, expect_backup=True, before=corrupt)
        # compare with the corrupted image: part_block must not have "repaired" anything
        corrupted = bytearray(original)
        corrupted[SECTOR + 60] ^= 0xff
        check_image(files, bytes(corrupted), parts, [1, 3], 30)
    finally:
        files.remove()


def case_no_table():
    files = Files()
    try:
        with open(files.path("disk.img"), "wb") as f:
            f.write(FILL * MIB)
        core = Core(init_config(policies([1], []), ""), files.dir)
        try:
            core.expect(r"\[init -> part_block\] Error: part_block: no partition table on the "
                        r"device \(neither MBR nor GPT\)")
            core.expect(r'child "part_block" exited with exit value 1')
            print("+ no table: part_block says so and exits", flush=True)
        finally:
            core.stop()
    finally:
        files.remove()


CASES = {"mbr": case_mbr, "gpt": case_gpt, "gpt_backup": case_gpt_backup,
         "no_table": case_no_table}


if __name__ == "__main__":
    sys.exit(core_runner.main(CASES))
