#!/usr/bin/env python3
"""ext_fs under core and init, on images made by mke2fs, checked with e2fsck and debugfs.

Usage: ext_fs_test.py CASE, one of:

  workload_ext2  fs_tool (through lib/vfs) makes directories and files, renames
  workload_ext4  within and across directories and onto an existing file, moves a
                 directory, removes a file and a directory, makes a fast and a
                 slow symlink, truncates, writes and reads back a 100 MiB file,
                 syncs; then (core stopped) e2fsck -fn finds the image clean and
                 debugfs reads every file back with the crc32 fs_tool logged
  populated      an image made by mke2fs -d from a host tree (awkward sizes, a
                 sparse file, symlinks, 300 entries in one directory) is listed
                 and read through ext_fs (read-only) by fs_tool: every name,
                 type, size, target and crc32 as in the host tree
  readonly       a read-only policy, and a read-only Block session under a
                 writeable policy: fs_tool's writes fail with EACCES, its reads
                 work, the images stay unchanged; an image whose journal needs
                 recovery is refused ("needs e2fsck")
  crash_ext_fs   ext_fs (or block_file) is killed (SIGKILL) while fs_tool writes
  crash_block_file  1 MiB files, each followed by a sync: every file whose sync
                 fs_tool logged is in the image with its crc32 (debugfs -c:
                 unsynced bitmaps may be torn); the
                 image says it was not cleanly unmounted, and e2fsck -fy repairs
                 whatever the cut-off writes left, the synced files intact

Environment: ARBOR_CORE, ARBOR_ROM_DIRS (init, block_file, ext_fs, fs_tool),
EXT_FS_TMP (a directory for the images, on the build's file system). Exit
status: 0 passed, 1 failed, 77 skipped (no e2fsprogs).
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zlib

# core under init and its log (test/core_runner.py), run as block_file's test runs it
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]
import core_runner  # noqa: E402
from block_file_test import Core  # noqa: E402
from core_runner import Failed, Skipped  # noqa: E402

MIB = 1024 * 1024


def sh(*cmd, check=True):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if check and r.returncode:
        raise Failed(f"{' '.join(cmd)} exited {r.returncode}: {r.stdout.decode(errors='replace')}")
    return r


def require_tools():
    for tool in ("mke2fs", "e2fsck", "debugfs"):
        if not shutil.which(tool) and not os.path.exists(f"/sbin/{tool}"):
            raise Skipped(f"{tool} (e2fsprogs) is not installed")


def mkfs(path, size_mib, *options):
    with open(path, "wb") as f:
        f.truncate(size_mib * MIB)
    sh("mke2fs", "-q", "-F", *options, path)


def fsck(image):
    """e2fsck -fn: (exit status, output)."""
    r = sh("e2fsck", "-fn", image, check=False)
    return r.returncode, r.stdout.decode(errors="replace")


def dump(image, path, catastrophic=False):
    """A file's content as debugfs reads it, or None. catastrophic: debugfs -c, which
    does not read the allocation bitmaps (after a crash, a bitmap and the checksum of
    it in its group descriptor may be from different moments, and plain debugfs then
    refuses to open the image at all)."""
    with tempfile.NamedTemporaryFile(delete=False) as tmp:
        out = tmp.name
    try:
        mode = ("-c",) if catastrophic else ()
        r = sh("debugfs", *mode, "-R", f'dump "{path}" {out}', image, check=False)
        if r.returncode or b"File not found" in r.stdout:
            return None
        with open(out, "rb") as f:
            return f.read()
    finally:
        os.unlink(out)


def debugfs(image, request):
    return sh("debugfs", "-R", request, image, check=False).stdout.decode(errors="replace")


class Files(core_runner.Files):
    """core's file directory for one case, on the build's file system."""

    def __init__(self):
        super().__init__("arbor-ext-fs-", "EXT_FS_TMP")


HEAD = """<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_file"/>
	</parent-provides>
	<default-route>
		<service name="ROM"> <parent/> </service> <service name="PD"> <parent/> </service>
		<service name="CPU"> <parent/> </service> <service name="LOG"> <parent/> </service>
	</default-route>
	<default caps="100" ram="4M"/>
"""


def block_file_start(name, policies):
    return f"""	<start name="{name}"> <binary name="block_file"/>
		<provides> <service name="Block"/> </provides>
		<route> <any-service> <parent/> </any-service> </route>
		<config>
{policies}
		</config>
	</start>
"""


def ext_fs_start(name, block, attrs="", policy='<default-policy root="/" writeable="yes"/>'):
    return f"""	<start name="{name}" ram="48M"> <binary name="ext_fs"/>
		<provides> <service name="File_system"/> </provides>
		<route>
			<service name="Block"> <child name="{block}"/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config{attrs}> {policy} </config>
	</start>
"""


def fs_tool_start(name, fs, actions, writeable="yes"):
    return f"""	<start name="{name}" ram="48M"> <binary name="fs_tool"/>
		<route>
			<service name="File_system"> <child name="{fs}"/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config>
			<vfs> <fs buffer_size="4M" writeable="{writeable}"/> </vfs>
{actions}
		</config>
	</start>
"""


def one_stack(image, actions, ext_attrs="", block_writeable="yes"):
    return (HEAD + block_file_start("block_file",
                                    f'\t\t\t<default-policy file="{image}" '
                                    f'writeable="{block_writeable}"/>')
            + ext_fs_start("ext_fs", "block_file", ext_attrs)
            + fs_tool_start("fs_tool", "ext_fs", actions) + "</config>\n")


def logged_crcs(core, tool="fs_tool", what="write"):
    """{path: (bytes, crc32)} of fs_tool's write (or read) lines."""
    return {m.group(1): (int(m.group(2)), int(m.group(3), 16)) for m in
            core.all(rf"\[init -> {tool}\] {what} (\S+): (\d+) bytes, crc32 0x([0-9a-f]+)")}


def wait_done(core, tool="fs_tool", failed=0, timeout=90):
    m = core.expect(rf"\[init -> {tool}\] fs_tool: (\d+) actions, (\d+) failed", timeout=timeout)
    if int(m.group(2)) != failed:
        bad = core.all(rf"\[init -> {tool}\] Error: .*")
        raise Failed(f"{tool}: {m.group(2)} actions failed, {failed} expected: "
                     f"{[b.string for b in bad]}")


# ---- workload ----

SLOW_TARGET = "../" + "/".join(["a-long-directory-name"] * 5) + "/target"


def workload_actions():
    return f"""			<mkdir path="/docs"/> <mkdir path="/docs/sub"/> <mkdir path="/tmp"/>
			<write path="/docs/a.txt" content="alpha"/>
			<write path="/docs/sub/b.bin" size="300K" seed="2"/>
			<write path="/tmp/gone.txt" content="to be removed"/>
			<write path="/tmp/c.bin" size="70K" seed="3"/>
			<move from="/tmp/c.bin" to="/docs/c.bin"/>
			<write path="/docs/old.txt" content="old"/>
			<move from="/docs/a.txt" to="/docs/old.txt"/>
			<move from="/docs/sub" to="/sub2"/>
			<remove path="/tmp/gone.txt"/>
			<remove path="/tmp"/>
			<symlink path="/docs/link" target="../sub2/b.bin"/>
			<symlink path="/docs/longlink" target="{SLOW_TARGET}"/>
			<truncate path="/docs/c.bin" size="10000"/>
			<write path="/big" size="100M" seed="7"/>
			<read path="/big"/>
			<read path="/docs/c.bin" max="0"/>
			<sync/>
			<list path="/docs"/>
			<list path="/"/>"""


def case_workload(kind):
    files = Files()
    try:
        image = files.path("disk.img")
        if kind == "ext2":
            mkfs(image, 256, "-t", "ext2")              # 1 KiB blocks, block maps
        else:
            mkfs(image, 256, "-t", "ext4", "-b", "4096")
        core = Core(one_stack("disk.img", workload_actions()), files.dir)
        try:
            core.expect(rf"\[init -> ext_fs\] ext_fs: mounted {kind}, 256 MiB .* read-write")
            wait_done(core)
            written, read = logged_crcs(core), logged_crcs(core, what="read")
            core.expect(r"\[init -> fs_tool\]   symlink link -> \.\./sub2/b\.bin")
            core.expect(r"\[init -> fs_tool\]   file old\.txt 5 bytes")
            core.check_healthy("ext_fs")
            for m in core.all(r"\[init -> fs_tool\] (write|read) /big: .*MiB/s\)"):
                print("+ " + m.string.split("] ", 1)[1], flush=True)
        finally:
            core.stop()
        status, out = fsck(image)
        if status:
            raise Failed(f"e2fsck -fn found the image not clean:\n{out}")
        print("+ e2fsck -fn: clean", flush=True)
        expect = {
            "/big": written["/big"],
            "/sub2/b.bin": written["/docs/sub/b.bin"],
            "/docs/old.txt": written["/docs/a.txt"],
            "/docs/c.bin": read["/docs/c.bin"],
        }
        if read["/big"] != written["/big"] or read["/docs/c.bin"][0] != 10000:
            raise Failed("fs_tool read back other bytes than it wrote")
        for path, (size, crc) in expect.items():
            data = dump(image, path)
            if data is None or len(data) != size or zlib.crc32(data) != crc:
                raise Failed(f"debugfs reads {path} as "
                             f"{None if data is None else (len(data), hex(zlib.crc32(data)))}, "
                             f"not {(size, hex(crc))}")
        print(f"+ debugfs reads back {len(expect)} files with fs_tool's crc32", flush=True)
        for gone in ("/tmp", "/docs/a.txt", "/docs/sub", "/tmp/c.bin"):
            if "File not found" not in debugfs(image, f"stat {gone}"):
                raise Failed(f"{gone} is still in the image")
        if 'Fast link dest: "../sub2/b.bin"' not in debugfs(image, "stat /docs/link"):
            raise Failed("the fast symlink's target is not in its inode")
        if dump(image, "/docs/longlink") != SLOW_TARGET.encode():
            raise Failed("the slow symlink's block does not hold its target")
        if "sub2" not in debugfs(image, "ls -l /") or "..  " not in debugfs(image, "ls /sub2"):
            raise Failed("the moved directory is not listed where it went")
        print("+ removed nodes are gone, symlinks and the moved directory are right", flush=True)
    finally:
        files.remove()


# ---- populated ----

def pattern_bytes(seed, size):
    return random.Random(seed).randbytes(size)


def make_tree(root):
    """A host tree; returns {path: ("file", bytes) | ("dir",) | ("symlink", target)}."""
    nodes = {}

    def put(rel, data):
        with open(os.path.join(root, rel), "wb") as f:
            f.write(data)
        nodes["/" + rel] = ("file", data)

    for d in ("d1", "d1/d2", "empty", "crowded", "links"):
        os.makedirs(os.path.join(root, d))
        nodes["/" + d] = ("dir",)
    for i, size in enumerate([0, 1, 59, 60, 4095, 4096, 4097, 100000, MIB + 17]):
        put(f"d1/size_{size}", pattern_bytes(i, size))
    put("d1/d2/deep", pattern_bytes(99, 7777))
    with open(os.path.join(root, "d1/sparse"), "wb") as f:
        f.write(b"head")
        f.seek(6 * MIB)
        f.write(b"tail")
    nodes["/d1/sparse"] = ("file", b"head" + bytes(6 * MIB - 4) + b"tail")
    for i in range(300):
        put(f"crowded/entry_{i:03d}", pattern_bytes(1000 + i, i))
    for name, target in (("short", "../d1/size_1"), ("long", SLOW_TARGET)):
        os.symlink(target, os.path.join(root, "links", name))
        nodes["/links/" + name] = ("symlink", target)
    return nodes


def case_populated():
    files = Files()
    try:
        tree = files.path("tree")
        os.makedirs(tree)
        nodes = make_tree(tree)
        image = files.path("populated.img")
        with open(image, "wb") as f:
            f.truncate(64 * MIB)
        sh("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree, image)
        dirs = sorted(p for p, n in nodes.items() if n[0] == "dir")
        actions = "\n".join([f'\t\t\t<list path="{d}"/>' for d in ["/"] + dirs] +
                            [f'\t\t\t<read path="{p}" max="0"/>'
                             for p, n in sorted(nodes.items()) if n[0] == "file"])
        core = Core(one_stack("populated.img", actions, ' writeable="no"'), files.dir)
        try:
            core.expect(r"\[init -> ext_fs\] ext_fs: mounted ext4, .* read-only")
            wait_done(core, timeout=60)
            read = logged_crcs(core, what="read")
            # the listings: every child of every directory, with its type and size or target
            for d in ["/"] + dirs:
                kids = sorted(p for p in nodes if os.path.dirname(p) == d and p != d)
                want = len(kids) + (1 if d == "/" else 0)           # lost+found
                core.expect(rf"\[init -> fs_tool\] list {re.escape(d)}: {want} entries")
                for p in kids:
                    name, n = os.path.basename(p), nodes[p]
                    if n[0] == "dir":
                        line = f"dir {name}"
                    elif n[0] == "file":
                        line = f"file {name} {len(n[1])} bytes"
                    else:
                        line = f"symlink {name} -> {n[1]}"
                    core.expect(r"\[init -> fs_tool\]   " + re.escape(line) + "$")
        finally:
            core.stop()
        for p, n in nodes.items():
            if n[0] == "file" and read.get(p) != (len(n[1]), zlib.crc32(n[1])):
                raise Failed(f"{p} reads as {read.get(p)}, not {(len(n[1]), zlib.crc32(n[1]))}")
        print(f"+ {len(nodes)} nodes listed and read through ext_fs as in the host tree",
              flush=True)
    finally:
        files.remove()


# ---- readonly ----

def case_readonly():
    files = Files()
    try:
        for name in ("policy.img", "block.img", "journal.img"):
            mkfs(files.path(name), 32, "-t", "ext4")
            sh("debugfs", "-w", "-R", "mkdir /keep", files.path(name))
        sh("debugfs", "-w", "-R", "feature needs_recovery", files.path("journal.img"))
        before = {n: open(files.path(n), "rb").read() for n in ("policy.img", "block.img")}
        attempts = """			<list path="/"/>
			<write path="/new.txt" content="no"/>
			<mkdir path="/newdir"/>
			<remove path="/keep"/>
			<move from="/keep" to="/moved"/>"""
        cfg = (HEAD
               + block_file_start("block_file", "\n".join([
                   '\t\t\t<policy label_prefix="ext_fs_policy" file="policy.img" writeable="yes"/>',
                   '\t\t\t<policy label_prefix="ext_fs_block" file="block.img" writeable="no"/>',
                   '\t\t\t<policy label_prefix="ext_fs_journal" file="journal.img" '
                   'writeable="yes"/>']))
               + ext_fs_start("ext_fs_policy", "block_file",
                              policy='<default-policy root="/" writeable="no"/>')
               + ext_fs_start("ext_fs_block", "block_file")
               + ext_fs_start("ext_fs_journal", "block_file")
               + fs_tool_start("fs_tool_policy", "ext_fs_policy", attempts)
               + fs_tool_start("fs_tool_block", "ext_fs_block", attempts)
               + "</config>\n")
        core = Core(cfg, files.dir)
        try:
            core.expect(r"\[init -> ext_fs_journal\] Error: ext_fs: the journal needs recovery, "
                        r"needs e2fsck")
            core.expect(r'child "ext_fs_journal" exited with exit value 1')
            print("+ an image whose journal needs recovery is refused", flush=True)
            core.expect(r"\[init -> ext_fs_block\] ext_fs: the block device is read-only, "
                        r"mounting read-only")
            core.expect(r"\[init -> ext_fs_block\] ext_fs: mounted ext4, .* read-only")
            for tool in ("fs_tool_policy", "fs_tool_block"):
                wait_done(core, tool, failed=4, timeout=60)
                core.expect(rf"\[init -> {tool}\] list /: 2 entries")
                for what in ("write /new.txt", "mkdir /newdir", "remove /keep",
                             r"move /keep"):
                    core.expect(rf"\[init -> {tool}\] Error: {what}.*: EACCES")
            print("+ a read-only policy and a read-only Block session: every change is EACCES",
                  flush=True)
        finally:
            core.stop()
        for n, data in before.items():
            if open(files.path(n), "rb").read() != data:
                raise Failed(f"{n} changed")
        print("+ the images are unchanged", flush=True)
    finally:
        files.remove()


# ---- crash ----

ROUNDS = 400


def case_crash(victim):
    files = Files()
    try:
        image = files.path("disk.img")
        mkfs(image, 512, "-t", "ext4", "-b", "4096")
        actions = "\n".join(f'\t\t\t<write path="/r{i}" size="1M" seed="{i}"/> <sync/>'
                            for i in range(ROUNDS))
        core = Core(one_stack("disk.img", actions), files.dir)
        try:
            pid = core.pid_of(victim)
            core.expect(r"\[init -> fs_tool\] write /r20: ", timeout=60)
            time.sleep(random.uniform(0, 0.05))
            os.kill(pid, signal.SIGKILL)
            print(f"+ SIGKILL to {victim} (pid {pid})", flush=True)
            core.expect(rf'child "{victim}" ')
            core.expect(r"\[init -> fs_tool\] fs_tool: \d+ actions, [1-9]\d* failed", timeout=60)
        finally:
            core.stop()
        # a round is synced when a "sync: ok" follows its write line
        synced, last_write = [], None
        with core.cond:
            lines = list(core.lines)
        for line in lines:
            m = re.search(r"\[init -> fs_tool\] write (/r\d+): (\d+) bytes, crc32 0x([0-9a-f]+)",
                          line)
            if m:
                last_write = (m.group(1), int(m.group(2)), int(m.group(3), 16))
            elif "[init -> fs_tool] sync: ok" in line and last_write:
                synced.append(last_write)
                last_write = None
        if len(synced) < 20:
            raise Failed(f"only {len(synced)} rounds were synced before the kill")

        def check_synced(when, catastrophic=False):
            for path, size, crc in synced:
                data = dump(image, path, catastrophic)
                if data is None or len(data) != size or zlib.crc32(data) != crc:
                    raise Failed(f"{when}: synced {path} is not in the image as written")

        # unsynced metadata may be torn (ext_fs has no journal): read the synced files
        # without the bitmaps, then have e2fsck repair the rest and read them again
        check_synced("after the kill", catastrophic=True)
        print(f"+ {victim} killed after {len(synced)} synced rounds: each is in the image "
              "(debugfs)", flush=True)
        state = debugfs(image, "stats")
        clean = re.search(r"Filesystem state:\s+clean\s*$", state, re.M) is not None
        print(f"+ the image says it is {'clean' if clean else 'not clean'}", flush=True)
        r = sh("e2fsck", "-fy", image, check=False)
        if r.returncode > 1:
            raise Failed(f"e2fsck -fy could not repair the image:\n{r.stdout.decode()}")
        status, out = fsck(image)
        if status:
            raise Failed(f"after e2fsck -fy the image is still not clean:\n{out}")
        check_synced("after e2fsck -fy")
        print("+ e2fsck -fy leaves a clean image with every synced round intact", flush=True)
    finally:
        files.remove()


CASES = {
    "workload_ext2": lambda: case_workload("ext2"),
    "workload_ext4": lambda: case_workload("ext4"),
    "populated": case_populated,
    "readonly": case_readonly,
    "crash_ext_fs": lambda: case_crash("ext_fs"),
    "crash_block_file": lambda: case_crash("block_file"),
}


if __name__ == "__main__":
    sys.exit(core_runner.main(CASES, "ext_fs", require_tools))
