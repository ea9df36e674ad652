#!/usr/bin/env python3
"""Build the Debian test guest's files from a kernel package and busybox.

Usage: initramfs.py OUTDIR BUSYBOX INIT (--deb LINUX_IMAGE.deb | --root / --release REL)

Writes OUTDIR/vmlinuz, OUTDIR/initramfs.cpio.gz and OUTDIR/version (the
kernel release). The kernel comes either from a linux-image .deb, read as
a stream from `dpkg-deb --fsys-tarfile` with only the files needed taken
out of it, or from an installed kernel under ROOT (/boot/vmlinuz-REL,
/lib/modules/REL). The initramfs holds a static BUSYBOX with its applet
symlinks, INIT as /init, the virtio-mmio console and block modules with
what they depend on (minus what the kernel has built in), decompressed so
that busybox's insmod can load them, and /etc/modules: their load order.
Called by scripts/debian-guest.sh, which decides what is cached.
"""

import gzip
import io
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tarfile

# What the guest needs for virtio-mmio disks and consoles.
WANTED = ["virtio", "virtio_ring", "virtio_mmio", "virtio_blk", "virtio_console"]
MODULE_SUFFIXES = (".ko", ".ko.xz", ".ko.zst", ".ko.gz")
DIRS = ["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "etc", "tmp",
        "root", "mnt", "lib", "lib/modules"]


class BuildError(Exception):
    pass


def module_name(path):
    """The kernel's name of a module file: no suffix, dashes as underscores."""
    base = os.path.basename(path)
    for suffix in MODULE_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return base.replace("-", "_")


def decompress(path, data):
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    if path.endswith(".zst"):
        if not shutil.which("zstd"):
            raise BuildError(f"{path} is zstd-compressed and zstd is not installed")
        return subprocess.run(["zstd", "-dc"], input=data, capture_output=True,
                              check=True).stdout
    return data


def modinfo_depends(name, ko):
    """The names in the depends= entry of an ELF64 module's .modinfo section."""
    if ko[:5] != b"\x7fELF\x02":
        raise BuildError(f"module {name} is not an ELF64 file")
    shoff, = struct.unpack_from("<Q", ko, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", ko, 0x3A)

    def section(i):
        name_off, = struct.unpack_from("<I", ko, shoff + i * shentsize)
        off, size = struct.unpack_from("<QQ", ko, shoff + i * shentsize + 0x18)
        return name_off, off, size

    _, stroff, _ = section(shstrndx)
    for i in range(shnum):
        name_off, off, size = section(i)
        end = ko.index(b"\0", stroff + name_off)
        if ko[stroff + name_off:end] == b".modinfo":
            for entry in ko[off:off + size].split(b"\0"):
                if entry.startswith(b"depends="):
                    return [d for d in entry[8:].decode().split(",") if d]
            return []
    raise BuildError(f"module {name} has no .modinfo section")


class DebSource:
    """A linux-image .deb, read as a tar stream (each pass re-reads it)."""

    def __init__(self, deb):
        self.deb = deb
        self.release = None
        self.paths = {}          # module name -> path in the package
        self.builtin = set()
        self.vmlinuz = self.config = None

    def _stream(self, take):
        """Call take(member, data) for each member whose path take.wants()."""
        proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", self.deb],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for m in tar:
                    path = m.name[2:] if m.name.startswith("./") else m.name
                    if m.isfile() and take.wants(path):
                        take.got(path, tar.extractfile(m).read())
                    elif m.isfile() and path.endswith(MODULE_SUFFIXES):
                        take.saw_module(path)
        except tarfile.TarError as e:
            raise BuildError(f"{self.deb}: {e}")
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode(errors="replace").strip()
            if proc.wait() != 0:
                raise BuildError(f"dpkg-deb --fsys-tarfile {self.deb}: {err}")

    def index(self):
        """The kernel, its config, the builtin list and where each module is."""
        src = self

        class Take:
            def wants(self, path):
                return path.startswith("boot/vmlinuz-") or path.startswith("boot/config-") or \
                    (path.startswith("lib/modules/") and path.endswith("/modules.builtin"))

            def got(self, path, data):
                if path.startswith("boot/vmlinuz-"):
                    src.release, src.vmlinuz = path[len("boot/vmlinuz-"):], data
                elif path.startswith("boot/config-"):
                    src.config = data
                else:
                    src.builtin = {module_name(l) for l in data.decode().split()}

            def saw_module(self, path):
                src.paths.setdefault(module_name(path), path)

        self._stream(Take())
        if not self.vmlinuz:
            raise BuildError(f"{self.deb} holds no boot/vmlinuz-*")

    def read_modules(self, names):
        """{name: file contents} of the named modules, in one pass."""
        want = {self.paths[n]: n for n in names}
        got = {}

        class Take:
            def wants(self, path):
                return path in want

            def got(self, path, data):
                got[want[path]] = data

            def saw_module(self, path):
                pass

        self._stream(Take())
        return got


class DirSource:
    """An installed kernel: ROOT/boot/vmlinuz-REL and ROOT/lib/modules/REL."""

    def __init__(self, root, release):
        self.root, self.release = root, release
        self.paths, self.builtin = {}, set()

    def index(self):
        boot = os.path.join(self.root, "boot")
        moddir = os.path.join(self.root, "lib/modules", self.release)
        with open(os.path.join(boot, "vmlinuz-" + self.release), "rb") as f:
            self.vmlinuz = f.read()
        try:
            with open(os.path.join(moddir, "modules.builtin")) as f:
                self.builtin = {module_name(l) for l in f.read().split()}
        except FileNotFoundError:
            pass
        for top, _, files in os.walk(os.path.join(moddir, "kernel")):
            for name in files:
                if name.endswith(MODULE_SUFFIXES):
                    full = os.path.join(top, name)
                    self.paths.setdefault(module_name(full), os.path.relpath(full, self.root))

    def read_modules(self, names):
        got = {}
        for n in names:
            with open(os.path.join(self.root, self.paths[n]), "rb") as f:
                got[n] = f.read()
        return got


def resolve(src):
    """The modules to load, dependencies first: [(name, uncompressed contents)]."""
    mods, deps, need = {}, {}, [n for n in WANTED]
    while need:
        fresh = []
        for n in need:
            if n in mods or n in src.builtin or n in fresh:
                continue
            if n not in src.paths:
                raise BuildError(f"the kernel {src.release} has no module {n} and does not "
                                 "have it built in")
            fresh.append(n)
        need = []
        for n, data in src.read_modules(fresh).items():
            mods[n] = decompress(src.paths[n], data)
            deps[n] = modinfo_depends(n, mods[n])
            need += deps[n]
    order, done = [], set()

    def visit(n, stack):
        if n in done or n not in mods:
            return
        if n in stack:
            raise BuildError(f"module dependency loop through {n}")
        for d in deps[n]:
            visit(d, stack | {n})
        done.add(n)
        order.append(n)

    for n in sorted(mods):
        visit(n, frozenset())
    return [(n, mods[n]) for n in order]


class Cpio:
    """An initramfs: cpio "newc" records, owned by root, timestamps 0."""

    def __init__(self):
        self.out, self.ino = io.BytesIO(), 1

    def _record(self, name, mode, data=b"", rdev=(0, 0)):
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        self.ino += 1
        self.out.write(b"070701" + b"".join(b"%08X" % f for f in fields))
        self.out.write(name.encode() + b"\0")
        self.out.write(b"\0" * (-self.out.tell() % 4))
        self.out.write(data)
        self.out.write(b"\0" * (-self.out.tell() % 4))

    def dir(self, name):
        self._record(name, 0o040755)

    def file(self, name, data, perm=0o644):
        self._record(name, 0o100000 | perm, data)

    def symlink(self, name, target):
        self._record(name, 0o120777, target.encode())

    def chardev(self, name, major, minor):
        self._record(name, 0o020600, rdev=(major, minor))

    def finish(self):
        self._record("TRAILER!!!", 0)
        return self.out.getvalue()


def applets(busybox):
    """Paths of busybox's applets, as its --list-full gives them (bin/sh, usr/bin/awk...)."""
    try:
        out = subprocess.run([busybox, "--list-full"], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        raise BuildError(f"{busybox} --list-full: {e}")
    return [p for p in out.split() if p and not p.startswith("/") and ".." not in p]


def build(out, busybox, init, src):
    src.index()
    modules = resolve(src)
    with open(busybox, "rb") as f:
        bb = f.read()
    with open(init, "rb") as f:
        init_text = f.read()

    cpio = Cpio()
    moddir = "lib/modules/" + src.release
    for d in DIRS + [moddir]:
        cpio.dir(d)
    # the kernel opens /dev/console for init before /init can mount devtmpfs
    cpio.chardev("dev/console", 5, 1)
    cpio.file("bin/busybox", bb, 0o755)
    for a in applets(busybox):
        if a != "bin/busybox":
            cpio.symlink(a, "/bin/busybox")
    for name, data in modules:
        cpio.file(f"{moddir}/{name}.ko", data)
    cpio.file("etc/modules", "".join(n + "\n" for n, _ in modules).encode())
    cpio.file("init", init_text, 0o755)

    files = {
        "vmlinuz": src.vmlinuz,
        "initramfs.cpio.gz": gzip.compress(cpio.finish(), compresslevel=6, mtime=0),
        "version": (src.release + "\n").encode(),
    }
    for name, data in files.items():
        tmp = os.path.join(out, name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(out, name))
    loaded = " ".join(n for n, _ in modules) or "none"
    builtin = " ".join(n for n in WANTED if n in src.builtin) or "none"
    print(f"debian-guest: {src.release}: modules {loaded}; built in: {builtin}")


def main(argv):
    if len(argv) == 5 and argv[3] == "--deb":
        src = DebSource(argv[4])
    elif len(argv) == 7 and argv[3] == "--root" and argv[5] == "--release":
        src = DirSource(argv[4], argv[6])
    else:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        build(argv[0], argv[1], argv[2], src)
    except (BuildError, OSError) as e:
        print(f"debian-guest: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
