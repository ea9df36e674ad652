#!/usr/bin/env python3
"""fs_tool over lib/vfs's plugins, under core and init.

Usage: fs_tool_test.py CASE, one of:

  ram         files, directories, appends, truncation, moves and removal in <ram/>,
              an 8 MiB file written from the test pattern and read back
  tar         a tar archive (ustar and pax: long names, symlinks, a hard link, an
              entry with ".." that is left out) as a read-only tree
  rom         ROM modules as files, binary or text; an update of the module is
              seen by the next open (fs_tool waits for it, the test replaces the file)
  devices     <log> (each line written becomes a LOG line), <null/>, <zero/>, <inline>,
              <terminal> (terminal_log logs what is written)
  fs          a File_system session of ram_fs: the same work as in ram, a 16 MiB file,
              symlinks stored by the server and resolved in the VFS
  fs_readonly a read-only session (policy and client) cannot change anything
  fs_denied   a label without policy at ram_fs: no VFS, fs_tool says why
  union       a directory of a tar, a <ram/> and an <inline>: the union of their
              entries, the first plugin wins, new files go to the writeable one
  symlinks    symlinks in <ram/>, <tar> and <symlink> nodes resolved inside the VFS:
              across plugins, "..", a loop (ELOOP), targets aiming above the root
  errors      every action failing the way it should, each logged with its path and
              the error's name; fs_tool exits with 1
  bad_action  an unknown action, a missing, unknown or bad attribute: config:LINE:COL,
              nothing runs
  bad_vfs     a bad <vfs> node: config:LINE:COL, nothing runs

Each case writes init's config and its ROM modules into a directory of its
own, expects fs_tool's log lines in order (checksums computed here from the
pattern fs_tool documents, with zlib.crc32) and init's exit value. Environment:
ARBOR_CORE (arbor-core), ARBOR_ROM_DIRS (':'-separated: init, fs_tool,
ram_fs, terminal_log). Exit status: 0 passed, 1 failed.
"""
import io
import os
import select
import shutil
import struct
import sys
import tarfile
import tempfile
import time
import zlib

# core under init: test/core_runner.py
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import core_runner  # noqa: E402

TIMEOUT = 30.0
M64 = (1 << 64) - 1


def pattern(seed, size):
    """fs_tool's test pattern (app/fs_tool/README.md): 4 KiB blocks of seed, k, xorshift64*."""
    x = (seed ^ 0x9e3779b97f4a7c15) & M64 or 1
    words = []
    for _ in range(510):
        x ^= x >> 12
        x ^= (x << 25) & M64
        x ^= x >> 27
        words.append((x * 0x2545f4914f6cdd1d) & M64)
    tail = struct.pack("<510Q", *words)
    blocks = (size + 4095) // 4096
    return b"".join(struct.pack("<QQ", seed, k) + tail for k in range(blocks))[:size]


def crc(data):
    return f"crc32 0x{zlib.crc32(data):08x}"


def wrote(path, data):
    """The line of a write (a prefix: big transfers add their speed)."""
    return f"write {path}: {len(data)} bytes, {crc(data)}*"


def read(path, data, show=True):
    """The lines of a read: size and checksum, then the content if it is short."""
    lines = [f"read {path}: {len(data)} bytes, {crc(data)}*"]
    if show and len(data) <= 4096:
        text = data.decode()
        lines += ["  " + l for l in (text[:-1] if text.endswith("\n") else text).split("\n")] \
            if text else []
    return lines


def listing(path, *entries):
    """The lines of a list: the number of entries, then each ("file NAME N bytes", "dir NAME",
    "symlink NAME -> TARGET") in fs_tool's order."""
    return [f"list {path}: {len(entries)} entries"] + ["  " + e for e in entries]


def summary(actions, failed):
    return [f"fs_tool: {actions} actions, {failed} failed"]


INIT = """<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
	</parent-provides>
	<default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
	<default caps="100" ram="4M"/>
{servers}
	<start name="fs_tool" ram="{ram}">
		<exit propagate="yes"/>
<config>
{vfs}
{actions}
</config>
	</start>
</config>
"""

RAM_FS = """	<start name="ram_fs" ram="64M">
		<provides> <service name="File_system"/> </provides>
		<config>
			<content>
				<dir name="pre"> <inline name="x">preloaded</inline> </dir>
			</content>
			<policy label="fs_tool -> rw" root="/" writeable="yes"/>
			<policy label="fs_tool -> ro" root="/pre" writeable="yes"/>
			<policy label="fs_tool -> pre" root="/pre"/>
		</config>
	</start>"""


def test_tar():
    """The archive of the tar, union and symlinks cases, built with Python's tarfile."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data=None, kind=tarfile.REGTYPE, link=""):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = link
            info.mtime = 1700000000
            info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
            info.size = len(data) if data else 0
            t.addfile(info, io.BytesIO(data) if data else None)
        add("a.txt", b"hello\n")
        add("dir", kind=tarfile.DIRTYPE)
        add("dir/sub/b", b"deep")
        add("link", kind=tarfile.SYMTYPE, link="a.txt")
        add("dirlink", kind=tarfile.SYMTYPE, link="dir/sub")
        add("hard", kind=tarfile.LNKTYPE, link="a.txt")
        add("big", pattern(3, 2 << 20))
        add("longdir/" + "n" * 150, b"a long name")
        add("../evil", b"outside")
    return buf.getvalue()


LONG = "/archive/longdir/" + "n" * 150


def case_ram():
    big = pattern(7, 8 << 20)
    return dict(
        vfs='<vfs> <dir name="tmp"> <ram/> </dir> </vfs>',
        actions="""
<write path="/tmp/a.txt" content="hello"/>
<write path="/tmp/big" size="8M" seed="7"/>
<read path="/tmp/a.txt"/>
<read path="/tmp/big"/>
<write path="/tmp/a.txt" content=" world" append="yes"/>
<read path="/tmp/a.txt"/>
<write path="/tmp/lines">one
two</write>
<read path="/tmp/lines"/>
<mkdir path="/tmp/d/e/f" parents="yes"/>
<write path="/tmp/d/e/f/g" content="deep"/>
<move from="/tmp/d/e" to="/tmp/moved"/>
<list path="/tmp"/>
<stat path="/tmp/moved/f/g"/>
<truncate path="/tmp/big" size="1M"/>
<read path="/tmp/big" offset="1048000"/>
<read path="/tmp/big"/>
<remove path="/tmp/a.txt"/>
<remove path="/tmp/d"/>
<remove path="/tmp/moved" recursive="yes"/>
<list path="/tmp"/>
""",
        expect=[wrote("/tmp/a.txt", b"hello"), wrote("/tmp/big", big)]
        + read("/tmp/a.txt", b"hello") + read("/tmp/big", big)
        + [wrote("/tmp/a.txt", b" world")] + read("/tmp/a.txt", b"hello world")
        + [wrote("/tmp/lines", b"one\ntwo")] + read("/tmp/lines", b"one\ntwo")
        + ["mkdir /tmp/d/e/f: ok", wrote("/tmp/d/e/f/g", b"deep"),
           "move /tmp/d/e -> /tmp/moved: ok"]
        + listing("/tmp", "file a.txt 11 bytes", "file big 8388608 bytes", "dir d",
                  "file lines 7 bytes", "dir moved")
        + ["stat /tmp/moved/f/g: file 4 bytes", "truncate /tmp/big: 1048576 bytes"]
        + read("/tmp/big", big[1048000:1 << 20], show=False)
        + read("/tmp/big", big[:1 << 20])
        + ["remove /tmp/a.txt: ok", "remove /tmp/d: ok", "remove /tmp/moved: ok"]
        + listing("/tmp", "file big 1048576 bytes", "file lines 7 bytes")
        + summary(20, 0),
        exit=0)


def case_tar():
    return dict(
        roms={"test.tar": test_tar()},
        vfs='<vfs> <dir name="archive"> <tar name="test.tar"/> </dir> </vfs>',
        actions=f"""
<list path="/archive"/>
<read path="/archive/a.txt"/>
<read path="/archive/link"/>
<read path="/archive/hard"/>
<read path="/archive/dirlink/b"/>
<read path="/archive/big"/>
<list path="/archive/dir"/>
<read path="{LONG}"/>
<read path="/archive/../archive/./dir/sub/b"/>
""",
        expect=["Warning: tar 'test.tar': 1 entries left out*"]
        + listing("/archive", "file a.txt 6 bytes", "file big 2097152 bytes", "dir dir",
                  "symlink dirlink -> dir/sub", "file hard 6 bytes", "symlink link -> a.txt",
                  "dir longdir")
        + read("/archive/a.txt", b"hello\n") + read("/archive/link", b"hello\n")
        + read("/archive/hard", b"hello\n") + read("/archive/dirlink/b", b"deep")
        + read("/archive/big", pattern(3, 2 << 20))
        + listing("/archive/dir", "dir sub")
        + read(LONG, b"a long name") + read("/archive/../archive/./dir/sub/b", b"deep")
        + summary(9, 0),
        forbid=["evil", "outside"],
        exit=0)


def case_rom():
    return dict(
        roms={"greeting": b"hi there\nsecond", "nul": b"abc\0def"},
        vfs="""<vfs> <rom name="greeting"/> <dir name="bin"> <rom name="nul"/>
                <rom name="text" label="nul" binary="no"/> </dir> </vfs>""",
        actions="""
<read path="/greeting"/>
<read path="/bin/nul"/>
<read path="/bin/text"/>
<list path="/bin"/>
<wait path="/greeting" content="updated" timeout_ms="20000"/>
<read path="/greeting"/>
""",
        expect=read("/greeting", b"hi there\nsecond")
        + read("/bin/nul", b"abc\0def", show=False) + ["  abc\\x00def"]
        + read("/bin/text", b"abc")
        + listing("/bin", "file nul 7 bytes", "file text 3 bytes")
        + ["wait /greeting: content is there"]
        + read("/greeting", b"updated") + summary(6, 0),
        # the update: once fs_tool read the first version, the file is replaced
        triggers=[("read /greeting: 15 bytes", ("greeting", b"updated"))],
        exit=0)


TERMINAL_LOG = """	<start name="terminal_log">
		<provides> <service name="Terminal"/> </provides>
	</start>"""


def case_devices():
    return dict(
        servers=TERMINAL_LOG,
        vfs="""<vfs> <dir name="dev"> <log label="out"/> <null/> <zero size="1M"/>
                <zero name="endless"/> <inline name="motd">welcome</inline>
                <terminal label="tty"/> </dir> </vfs>""",
        actions="""
<write path="/dev/log">first line
second line

after an empty one</write>
<write path="/dev/terminal">to the terminal
</write>
<write path="/dev/null" size="4M" seed="1"/>
<read path="/dev/null"/>
<read path="/dev/zero"/>
<read path="/dev/endless" length="3M"/>
<read path="/dev/motd"/>
<list path="/dev"/>
""",
        expect=["[init -> fs_tool -> out] first line", "[init -> fs_tool -> out] second line",
                "[init -> fs_tool -> out] ", "[init -> fs_tool -> out] after an empty one",
                wrote("/dev/log", b"first line\nsecond line\n\nafter an empty one"),
                wrote("/dev/terminal", b"to the terminal"),
                wrote("/dev/null", pattern(1, 4 << 20))]
        + read("/dev/null", b"") + read("/dev/zero", bytes(1 << 20))
        + read("/dev/endless", bytes(3 << 20)) + read("/dev/motd", b"welcome")
        + listing("/dev", "file endless 0 bytes", "file log 0 bytes", "file motd 7 bytes",
                  "file null 0 bytes", "file terminal 0 bytes", "file zero 1048576 bytes")
        + summary(8, 0),
        # terminal_log logs it, concurrently with fs_tool's own lines
        also=["[init -> terminal_log -> fs_tool -> tty] to the terminal"],
        exit=0)


def case_fs():
    big = pattern(11, 16 << 20)
    return dict(
        servers=RAM_FS,
        vfs='<vfs> <fs label="rw" buffer_size="1M"/> </vfs>',
        ram="64M",
        actions="""
<list path="/"/>
<read path="/pre/x"/>
<write path="/a.txt" content="hello"/>
<write path="/big" size="16M" seed="11"/>
<read path="/big"/>
<mkdir path="/d/e" parents="yes"/>
<symlink path="/d/l" target="../a.txt"/>
<symlink path="/d/up" target="/pre"/>
<read path="/d/l"/>
<read path="/d/up/x"/>
<move from="/a.txt" to="/d/e/b.txt"/>
<list path="/d"/>
<list path="/d/e"/>
<truncate path="/big" size="5000"/>
<read path="/big"/>
<sync/>
<remove path="/d" recursive="yes"/>
<list path="/"/>
""",
        expect=listing("/", "dir pre") + read("/pre/x", b"preloaded")
        + [wrote("/a.txt", b"hello"), wrote("/big", big)] + read("/big", big)
        + ["mkdir /d/e: ok", "symlink /d/l -> ../a.txt: ok", "symlink /d/up -> /pre: ok"]
        + read("/d/l", b"hello") + read("/d/up/x", b"preloaded")
        + ["move /a.txt -> /d/e/b.txt: ok"]
        + listing("/d", "dir e", "symlink l -> ../a.txt", "symlink up -> /pre")
        + listing("/d/e", "file b.txt 5 bytes")
        + ["truncate /big: 5000 bytes"]
        + read("/big", big[:5000], show=False)
        + ["sync: ok", "remove /d: ok"]
        + listing("/", "file big 5000 bytes", "dir pre")
        + summary(18, 0),
        exit=0)


def case_fs_readonly():
    return dict(
        servers=RAM_FS,
        # "ro" is writeable by policy, the client asks read-only; "pre" the other way round
        vfs="""<vfs> <dir name="ro"> <fs label="ro" writeable="no"/> </dir>
                <dir name="pre"> <fs label="pre"/> </dir> </vfs>""",
        actions="""
<read path="/ro/x"/>
<read path="/pre/x"/>
<write path="/ro/x" content="changed"/>
<write path="/pre/new" content="new"/>
<mkdir path="/ro/d"/>
<remove path="/pre/x"/>
<move from="/ro/x" to="/ro/y"/>
<symlink path="/pre/l" target="x"/>
<read path="/pre/x"/>
""",
        expect=read("/ro/x", b"preloaded") + read("/pre/x", b"preloaded")
        + ["Error: write /ro/x: EACCES (Permission denied)",
           "Error: write /pre/new: EACCES (Permission denied)",
           "Error: mkdir /ro/d: EACCES (Permission denied)",
           "Error: remove /pre/x: EACCES (Permission denied)",
           "Error: move /ro/x -> /ro/y: EACCES (Permission denied)",
           "Error: symlink /pre/l -> x: EACCES (Permission denied)"]
        + read("/pre/x", b"preloaded") + summary(9, 6),
        exit=1)


def case_fs_denied():
    return dict(
        servers=RAM_FS,
        vfs='<vfs> <fs label="stranger"/> </vfs>',
        actions='<list path="/"/>',
        expect=["Error: config:2:7: <fs>: no File_system session: denied",
                "Error: fs_tool: cannot build the VFS: denied"],
        forbid=["list /"],
        exit=1)


def case_union():
    return dict(
        roms={"test.tar": test_tar()},
        vfs="""<vfs> <dir name="u"> <tar name="test.tar"/> <inline name="a.txt">shadowed</inline>
                <ram/> <inline name="motd">hi</inline> </dir> </vfs>""",
        actions="""
<read path="/u/a.txt"/>
<write path="/u/new.txt" content="in ram"/>
<mkdir path="/u/newdir"/>
<list path="/u"/>
<read path="/u/new.txt"/>
<move from="/u/new.txt" to="/u/newdir/moved.txt"/>
<read path="/u/newdir/moved.txt"/>
<read path="/u/motd"/>
""",
        expect=["Warning: tar 'test.tar'*"] + read("/u/a.txt", b"hello\n")
        + [wrote("/u/new.txt", b"in ram"), "mkdir /u/newdir: ok"]
        + listing("/u", "file a.txt 6 bytes", "file big 2097152 bytes", "dir dir",
                  "symlink dirlink -> dir/sub", "file hard 6 bytes", "symlink link -> a.txt",
                  "dir longdir", "file motd 2 bytes", "file new.txt 6 bytes", "dir newdir")
        + read("/u/new.txt", b"in ram")
        + ["move /u/new.txt -> /u/newdir/moved.txt: ok"]
        + read("/u/newdir/moved.txt", b"in ram") + read("/u/motd", b"hi")
        + summary(8, 0),
        forbid=["shadowed"],
        exit=0)


def case_symlinks():
    return dict(
        roms={"test.tar": test_tar()},
        vfs="""<vfs> <dir name="data"> <ram/> </dir> <dir name="archive"> <tar name="test.tar"/> </dir>
                <symlink name="home" target="/data/home"/>
                <dir name="etc"> <symlink name="up" target="../archive"/> </dir> </vfs>""",
        actions="""
<mkdir path="/data/home"/>
<write path="/home/note" content="via a link"/>
<read path="/data/home/note"/>
<symlink path="/data/sub" target="../archive/dir"/>
<read path="/data/sub/sub/b"/>
<read path="/etc/up/link"/>
<read path="/etc/up/dirlink/../../a.txt"/>
<symlink path="/data/esc" target="../../../../etc"/>
<list path="/data/esc"/>
<symlink path="/data/loop1" target="loop2"/>
<symlink path="/data/loop2" target="/data/loop1"/>
<read path="/data/loop1"/>
<stat path="/data/loop1"/>
<remove path="/home"/>
<list path="/data"/>
""",
        expect=["mkdir /data/home: ok", wrote("/home/note", b"via a link")]
        + read("/data/home/note", b"via a link")
        + ["symlink /data/sub -> ../archive/dir: ok"] + read("/data/sub/sub/b", b"deep")
        + read("/etc/up/link", b"hello\n") + read("/etc/up/dirlink/../../a.txt", b"hello\n")
        + ["symlink /data/esc -> ../../../../etc: ok"]
        + listing("/data/esc", "symlink up -> ../archive")
        + ["symlink /data/loop1 -> loop2: ok", "symlink /data/loop2 -> /data/loop1: ok",
           "Error: read /data/loop1: ELOOP (Too many levels of symbolic links)",
           "stat /data/loop1: symlink -> loop2",
           "Error: remove /home: EBUSY (Device or resource busy)"]
        + listing("/data", "symlink esc -> ../../../../etc", "dir home", "symlink loop1 -> loop2",
                  "symlink loop2 -> /data/loop1", "symlink sub -> ../archive/dir")
        + summary(15, 2),
        exit=1)


def case_errors():
    name = "n" * 256
    return dict(
        roms={"test.tar": test_tar()},
        vfs="""<vfs> <dir name="tmp"> <ram/> </dir> <dir name="other"> <ram/> </dir>
                <dir name="archive"> <tar name="test.tar"/> </dir>
                <dir name="ro"> <inline name="motd">x</inline> </dir> </vfs>""",
        actions=f"""
<read path="/tmp/none"/>
<write path="/archive/a.txt" content="x"/>
<write path="/archive/new" content="x"/>
<mkdir path="/ro/d"/>
<mkdir path="/tmp/full/sub" parents="yes"/>
<remove path="/tmp/full"/>
<write path="/tmp/f" content="x"/>
<move from="/tmp/f" to="/other/f"/>
<write path="/tmp/{name}" content="x"/>
<read path="/tmp/f/below"/>
<remove path="/ro"/>
<mkdir path="/tmp/f"/>
<list path="/tmp/f"/>
""",
        expect=["Error: read /tmp/none: ENOENT (No such file or directory)",
                "Error: write /archive/a.txt: EROFS (Read-only file system)",
                "Error: write /archive/new: EROFS (Read-only file system)",
                "Error: mkdir /ro/d: EROFS (Read-only file system)",
                "mkdir /tmp/full/sub: ok",
                "Error: remove /tmp/full: ENOTEMPTY (Directory not empty)",
                wrote("/tmp/f", b"x"),
                "Error: move /tmp/f -> /other/f: EXDEV (Invalid cross-device link)",
                f"Error: write /tmp/{name}: ENAMETOOLONG (File name too long)",
                "Error: read /tmp/f/below: ENOTDIR (Not a directory)",
                "Error: remove /ro: EBUSY (Device or resource busy)",
                "Error: mkdir /tmp/f: EEXIST (File exists)",
                "Error: list /tmp/f: ENOTDIR (Not a directory)"]
        + summary(13, 11),
        exit=1)


def case_bad_action():
    return dict(
        vfs="<vfs> <ram/> </vfs>",
        actions='<write path="/x" content="x"/>\n<bogus path="/x"/>\n<move from="/x"/>\n'
                '<remove path="/x" recursve="yes"/>\n<write path="/y" size="lots"/>\n'
                '<mkdir path="/z" parents="maybe"/>',
        expect=["Error: config:4:1: <bogus> is no fs_tool action",
                'Error: config:5:1: <move> needs to="…"',
                "Error: config:6:1: <remove> has no attribute recursve",
                'Error: config:7:1: <write> size="lots" is no number',
                'Error: config:8:1: <mkdir> parents="maybe" is neither yes nor no'],
        forbid=["write /x"],
        exit=1)


def case_bad_vfs():
    return dict(
        vfs='<vfs> <ram/>\n  <dir name="a"> <zero size="big"/> </dir> </vfs>',
        actions='<write path="/x" content="x"/>',
        expect=['Error: config:3:18: <zero>: size="big" is not a size',
                "Error: fs_tool: cannot build the VFS: invalid argument"],
        forbid=["write /x"],
        exit=1)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def matches(want, line):
    """want: the text after "[init -> fs_tool] " (a full line, or a prefix ending in '*'),
    or a whole "[label] text" line of another component."""
    if not want.startswith("["):
        want = "[init -> fs_tool] " + want
    if want.endswith("*"):
        return line.startswith(want[:-1])
    return line == want


def run(name, case):
    core, dirs = core_runner.environment()
    tmp = tempfile.mkdtemp(prefix=f"arbor-fs_tool-{name}-")
    try:
        with open(os.path.join(tmp, "config"), "w") as f:
            f.write(INIT.format(servers=case.get("servers", ""), ram=case.get("ram", "32M"),
                                vfs=case["vfs"], actions=case["actions"].strip()))
        for rom, data in case.get("roms", {}).items():
            with open(os.path.join(tmp, rom), "wb") as f:
                f.write(data)
        proc = core_runner.start_core(core_runner.command(core, [tmp] + dirs, "256M"))
        try:
            return follow(case, proc, tmp)
        finally:
            core_runner.stop_core(proc)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def follow(case, proc, tmp):
    """Read core's log until it ends: expectations in order, triggers, forbidden text."""
    expect = list(case["expect"]) + [f'[init] child "fs_tool" exited with exit value {case["exit"]}']
    triggers = list(case.get("triggers", []))
    also = list(case.get("also", []))   # lines of other components, in any order
    failures, pos, buf = [], 0, b""
    deadline = time.monotonic() + TIMEOUT
    out = proc.stdout.fileno()
    while True:
        if time.monotonic() > deadline:
            failures.append(f"timeout after {TIMEOUT:.0f} s")
            break
        ready, _, _ = select.select([out], [], [], 0.1)
        if not ready:
            continue
        chunk = os.read(out, 65536)
        if not chunk:
            break
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace")
            print(line, flush=True)
            if pos < len(expect) and matches(expect[pos], line):
                pos += 1
            if line in also:
                also.remove(line)
            for text in case.get("forbid", []):
                if text in line:
                    failures.append(f"forbidden text in line: {line}")
            if triggers and triggers[0][0] in line:
                rom, data = triggers.pop(0)[1]
                new = os.path.join(tmp, "." + rom)
                with open(new, "wb") as f:
                    f.write(data)
                os.rename(new, os.path.join(tmp, rom))
                print(f"+ replaced ROM {rom}", flush=True)
    code = proc.wait(timeout=10) if not failures else None
    if pos < len(expect):
        failures.append(f"expected line not seen (or not in order): {expect[pos]}")
    for line in also:
        failures.append(f"expected line not seen: {line}")
    if code is not None and code != case["exit"]:
        failures.append(f"core exited with {code}, expected {case['exit']}")
    for f in failures:
        print(f"FAILED: {f}")
    if not failures:
        print(f"passed: {len(expect)} lines in order, exit {code}")
    return 1 if failures else 0


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(CASES)}")
    return run(sys.argv[1], CASES[sys.argv[1]]())


if __name__ == "__main__":
    sys.exit(main())
