#!/usr/bin/env python3
"""block_file and core's Host_file service, under core and init.

Usage: block_file_test.py CASE, one of:

  host_file  core's Host_file: a relative path opens; "..", an absolute path, a
             symbolic link (last or on the way), a directory, a FIFO, a missing
             file and bad arguments are denied, each with core's warning; a
             read-only session's file refuses writes, a writeable one's write
             reaches the host file (test/storage/block_file_host_file.c)
  order      32 requests in flight against block_file: an uncached 1 MiB read,
             then 31 cached 4 KiB reads; some ack overtakes the first (in one of
             8 rounds); a session closing with 32 uncached reads in flight leaves
             block_file serving
  data       the test's image reads back through block_file; writes and a SYNC
             are in the host file, a TRIM reads as zeros there; read-only
             sessions refuse writes; a block size that does not divide the image
             leaves the rest unserved (with a warning); an unknown label and a
             missing image are denied with their messages
  crash      block_file is killed (SIGKILL) while a client writes rounds of
             blocks, each round ended by a SYNC it logs: every round logged
             before is in the image
  hostile    block_hostile (the Block suite's hostile client) against block_file:
             malformed packets are acked with their errors, broken streams close
             only their session, block_file serves on
  config     bad configs name config:LINE:COL and stop block_file

Each case runs core with init and a config of its own, in a private
directory under BLOCK_FILE_TMP (a directory on a disk file system, so that
the image can be dropped from the page cache), and polls for every condition
with a timeout. Environment: ARBOR_CORE (arbor-core), ARBOR_ROM_DIRS (the ROM
directories, ':'-separated: init, block_file, this test's components),
BLOCK_FILE_TMP. Exit status: 0 passed, 1 failed, 77 skipped.
"""
import os
import random
import signal
import struct
import sys
import time

# core under init, its log: test/core_runner.py
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import core_runner  # noqa: E402
from core_runner import Failed, Skipped  # noqa: E402

TIMEOUT = 20.0   # for any one thing to happen
MIB = 1024 * 1024
SECTOR = 512


def pattern(seed, offset, length):
    """The image's content as block_file_client.c knows it: per sector, 32 x (seed, sector)."""
    first, count = offset // SECTOR, length // SECTOR
    return b"".join(struct.pack("<QQ", seed, s) * 32 for s in range(first, first + count))


class Core(core_runner.Core):
    """core running init with config_text as ROM "config" and files_dir as its file
    directory; expect() finds a line anywhere in the log, and a test component's failed
    check ends the wait at once."""

    def __init__(self, config_text, files_dir):
        super().__init__(config_text, "arbor-block-file-config-", "256M", verbose=True,
                         file_dir=files_dir, timeout=TIMEOUT,
                         fail_on=r"\] Error: [a-z_]+: FAILED: ")


def client(mode):
    """block_file_client's start node, running mode."""
    return f"""	<start name="block_file_client" ram="48M">
		<config mode="{mode}"/>
	</start>"""


def config(policies, start, block_file_attrs=""):
    """An init config: block_file with policies, and a start node."""
    return f"""<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_file"/>
	</parent-provides>
	<default-route>
		<service name="ROM"> <parent/> </service> <service name="PD"> <parent/> </service>
		<service name="CPU"> <parent/> </service> <service name="LOG"> <parent/> </service>
		<service name="Block"> <child name="block_file"/> </service>
	</default-route>
	<default caps="100" ram="1M"/>
	<start name="block_file" ram="4M">
		<provides> <service name="Block"/> </provides>
		<route>
			<service name="Host_file"> <parent/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config{block_file_attrs}>
{policies}
		</config>
	</start>
{start}
</config>
"""


class Files(core_runner.Files):
    """core's file directory for one case, on the build's file system."""

    def __init__(self):
        super().__init__("arbor-block-file-", "BLOCK_FILE_TMP")

    def image(self, name, size, seed=0):
        """A file of the test's pattern, on disk and out of the page cache."""
        with open(self.path(name), "wb") as f:
            for at in range(0, size - size % MIB, MIB):
                f.write(pattern(seed, at, MIB))
            f.write(pattern(seed, size - size % MIB, size % MIB - size % SECTOR))
            f.write(b"\xee" * (size % SECTOR))
            f.flush()
            os.fsync(f.fileno())
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def evicted(path, offset, tries=10):
    """Drop path from the page cache until the 4 KiB at offset are out of it (a page
    under writeback or just read ahead survives one POSIX_FADV_DONTNEED); whether
    that succeeded."""
    for _ in range(tries):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
        if uncached(path, offset):
            return True
        time.sleep(0.05)
    return False


def uncached(path, offset):
    """Whether the page cache lacks the 4 KiB at offset of path (a read would block)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.preadv(fd, [bytearray(4096)], offset, os.RWF_NOWAIT)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


# ---- the cases ----

def case_host_file():
    files = Files()
    with open(files.path("disk.img"), "wb") as f:
        f.write((b"arbor host file\n" * 256))
    os.mkdir(files.path("sub"))
    with open(files.path("sub/inner.img"), "wb") as f:
        f.write(b"\0" * 4096)
    os.symlink("disk.img", files.path("link"))
    os.symlink("sub", files.path("linkdir"))
    os.mkfifo(files.path("fifo"))
    # a file outside the directory that ".." would reach
    with open(os.path.join(os.path.dirname(files.dir), "disk.img"), "wb") as f:
        f.write(b"outside\n")
    cfg = """<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_file"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>
	<start name="block_file_host_file"/>
</config>
"""
    core = Core(cfg, files.dir)
    try:
        core.expect(r"\[init -> block_file_host_file\] host_file: all \d+ checks passed")
        who = r'Host_file for "init -> block_file_host_file" denied: '
        for why in [r'it needs path="NAME"',
                    r'\.\./disk\.img: a "\.\." component',
                    r'sub/\.\./disk\.img: a "\.\." component',
                    r'/etc/passwd: an absolute path',
                    r'link: it is, or passes, a symbolic link',
                    r'linkdir/inner\.img: it is, or passes, a symbolic link',
                    r'sub: not a regular file',
                    r'fifo: not a regular file',
                    r'missing\.img: no such file',
                    r'writeable="maybe" is neither yes nor no']:
            core.expect(who + why)
        print("+ every denial logged by core with its reason", flush=True)
        if files.read("sub/inner.img", 0, 26) != b"written through Host_file\n":
            raise Failed("the write through a writeable Host_file is not in the host file")
        if files.read("disk.img", 0, 16) != b"arbor host file\n":
            raise Failed("disk.img changed through a read-only Host_file")
        print("+ the writeable session's write is in the host file, disk.img unchanged",
              flush=True)
    finally:
        core.stop()
        os.unlink(os.path.join(os.path.dirname(files.dir), "disk.img"))
        files.remove()


def case_order():
    files = Files()
    try:
        files.image("disk.img", 64 * MIB)
        if not evicted(files.path("disk.img"), 8 * MIB):
            raise Skipped("the image stays in the page cache after POSIX_FADV_DONTNEED "
                          "(a file system in memory?): nothing would block")
        core = Core(config('\t\t\t<default-policy file="disk.img"/>', client("order")), files.dir)
        try:
            m = core.expect(r"\[init -> block_file_client\] order: out-of-order completion in "
                            r"round (\d+)", timeout=60)
            print(f"+ an ack overtook an earlier request in round {m.group(1)}", flush=True)
            core.expect(r"\[init -> block_file_client\] order: the server serves on")
            core.expect(r"\[init -> block_file_client\] block_file_client: all \d+ checks passed")
            core.check_healthy("block_file")
            print("+ a session closed with reads in flight; block_file serves on", flush=True)
        finally:
            core.stop()
    finally:
        files.remove()


def case_data():
    files = Files()
    try:
        files.image("disk.img", 64 * MIB)
        files.image("odd.img", 10 * 4096 + 1000)
        policies = "\n".join([
            '\t\t\t<policy label_last="rw" file="disk.img" writeable="yes"/>',
            '\t\t\t<policy label_last="ro" file="disk.img" writeable="no"/>',
            '\t\t\t<policy label_last="odd" file="odd.img" block_size="4096"/>',
            '\t\t\t<policy label_last="missing" file="missing.img"/>',
        ])
        core = Core(config(policies, client("data")), files.dir)
        try:
            core.expect(r"\[init -> block_file_client\] data: wrote and synced 1 MiB at 2 MiB")
            if files.read("disk.img", 2 * MIB, MIB) != pattern(1, 2 * MIB, MIB):
                raise Failed("the synced writes are not in the host file")
            print("+ written and synced through block_file: in the host file", flush=True)
            core.expect(r"\[init -> block_file_client\] data: trimmed 128 KiB at 4 MiB")
            if files.read("disk.img", 4 * MIB, 128 * 1024) != bytes(128 * 1024):
                raise Failed("the trimmed range does not read as zeros in the host file")
            print("+ trimmed through block_file: zeros in the host file", flush=True)
            core.expect(r"\[init -> block_file_client\] data: read-only sessions refuse writes")
            core.expect(r"\[init -> block_file\] Warning: odd\.img: the last 1000 bytes are no "
                        r"whole block of 4096 bytes and are not served")
            core.expect(r"\[init -> block_file\] Warning: no policy defined for label "
                        r"'block_file_client -> nobody'")
            core.expect(r'Host_file for "init -> block_file -> missing\.img" denied: '
                        r'missing\.img: no such file')
            core.expect(r"\[init -> block_file\] Warning: 'block_file_client -> missing' "
                        r"denied: no Host_file session for missing\.img")
            core.expect(r"\[init -> block_file_client\] block_file_client: all \d+ checks passed")
            core.check_healthy("block_file")
        finally:
            core.stop()
        # everything else is as the test wrote it
        for offset, length in [(0, 2 * MIB), (3 * MIB, MIB), (4 * MIB + 128 * 1024, MIB)]:
            if files.read("disk.img", offset, length) != pattern(0, offset, length):
                raise Failed(f"the image changed at {offset}..{offset + length}")
        print("+ the rest of the image is unchanged", flush=True)
    finally:
        files.remove()


CRASH_BLOCK = 4096
CRASH_BLOCKS = 16                                   # per round
CRASH_SLOTS = 64 * MIB // (CRASH_BLOCKS * CRASH_BLOCK)


def crash_expected(synced, slot):
    """The rounds whose content a slot's blocks may hold after round `synced` was the last
    one logged: the last synced round that used it (or the test's image), and the next
    round, which may have been under way."""
    last = synced - (synced - slot) % CRASH_SLOTS if synced >= slot else None
    may = [1000 + last if last is not None else 0]
    if (synced + 1) % CRASH_SLOTS == slot:
        may.append(1000 + synced + 1)
    return may


def case_crash():
    files = Files()
    try:
        files.image("disk.img", 64 * MIB)
        core = Core(config('\t\t\t<default-policy file="disk.img" writeable="yes"/>',
                           client("crash")), files.dir)
        try:
            pid = core.pid_of("block_file")
            # mid-workload: after some rounds, at a moment not tied to a round's end
            core.expect(r"\[init -> block_file_client\] crash: synced round 150\b", timeout=60)
            time.sleep(random.uniform(0, 0.05))
            os.kill(pid, signal.SIGKILL)
            print(f"+ SIGKILL to block_file (pid {pid})", flush=True)
            core.expect(r'child "block_file" ')
            core.expect(r"\[init -> block_file_client\] crash: stopped after round \d+")
        finally:
            core.stop()
        rounds = [int(m.group(1)) for m in
                  core.all(r"\[init -> block_file_client\] crash: synced round (\d+)")]
        synced = max(rounds)
        if sorted(rounds) != list(range(synced + 1)):
            raise Failed("the client's rounds are not 0..N in the log")
        with open(files.path("disk.img"), "rb") as f:
            image = f.read()
        for slot in range(CRASH_SLOTS):
            may = crash_expected(synced, slot)
            for block in range(CRASH_BLOCKS):
                at = (slot * CRASH_BLOCKS + block) * CRASH_BLOCK
                got = image[at:at + CRASH_BLOCK]
                if not any(got == pattern(seed, at, CRASH_BLOCK) for seed in may):
                    raise Failed(f"block at {at} (slot {slot}) is not round "
                                 f"{[s - 1000 for s in may]}'s after round {synced} was synced")
        print(f"+ block_file killed after round {synced} was synced: every synced round's "
              "blocks are in the image", flush=True)
    finally:
        files.remove()


def case_hostile():
    files = Files()
    try:
        files.image("disk.img", 8 * MIB)
        policies = "\n".join([
            '\t\t\t<policy label="block_hostile -> readonly" file="disk.img"/>',
            '\t\t\t<policy label_prefix="block_hostile" file="disk.img" writeable="yes"/>',
        ])
        core = Core(config(policies, '\t<start name="block_hostile" ram="8M"/>'), files.dir)
        try:
            for what in [r"\[malformed\] unknown opcode 77 is answered 'unknown operation'",
                         r"\[readonly\] WRITE is answered 'denied'",
                         r"\[offset\] a descriptor past the bulk buffer closes the session",
                         r"\[submit_ring\] a submit index leaping ahead closes the session",
                         r"\[ack_ring\] an ack index running ahead of the acks closes the session",
                         r"a session kept busy throughout"]:
                core.expect(r"\[init -> block_hostile\] ok: " + what)
            core.expect(r"\[init -> block_hostile\] block_hostile: done, 0 failures")
            core.check_healthy("block_file")
            bad = core.all(r"\[init -> block_hostile\] .*FAILED")
            if bad:
                raise Failed(bad[0].string)
            print("+ malformed packets answered, broken streams closed alone; block_file "
                  "serves on", flush=True)
        finally:
            core.stop()
    finally:
        files.remove()


def case_config():
    files = Files()
    try:
        files.image("disk.img", MIB)
        bad = {
            "bad_size": ('<config>\n\t<policy label="x" file="disk.img" block_size="1000"/>\n'
                         '</config>', r'config:2:4: block_size="1000" is not a power of two'),
            "bad_file": ('<config>\n\t<default-policy file="../disk.img"/>\n</config>',
                         r'config:2:4: file="\.\./disk\.img" is not a file name beneath'),
            "bad_workers": ('<config workers="0">\n</config>',
                            r'config:1:1: workers="0" is not a number from 1 to 16'),
        }
        starts = "\n".join(f'\t<start name="{name}"> <binary name="block_file"/>\n'
                           f'\t\t<provides> <service name="Block"/> </provides>\n'
                           f'\t\t{text.replace(chr(10), chr(10) + chr(9) + chr(9))}\n\t</start>'
                           for name, (text, _) in bad.items())
        cfg = f"""<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_file"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="4M"/>
{starts}
</config>
"""
        core = Core(cfg, files.dir)
        try:
            for name, (_, message) in bad.items():
                core.expect(rf"\[init -> {name}\] Error: {message}")
                core.expect(rf'child "{name}" exited with exit value 1')
            print("+ each bad config named its position, and block_file stopped", flush=True)
        finally:
            core.stop()
    finally:
        files.remove()


CASES = {
    "host_file": case_host_file,
    "order": case_order,
    "data": case_data,
    "crash": case_crash,
    "hostile": case_hostile,
    "config": case_config,
}


if __name__ == "__main__":
    sys.exit(core_runner.main(CASES, "block_file"))
