#!/bin/sh
# Install the Debian packages Arbor needs to build and test. As root the
# missing ones are installed; otherwise the exact apt-get line is printed.
set -eu

# acpica-tools (iasl, acpiexec): test/vmm/test_acpi.c checks the VMM's ACPI tables with them;
# qemu-system-x86: the control runs of test/vmm and the VMM benchmarks' baseline
# netcat-openbsd, tmux: the peers of the Terminal tests (test/terminal)
# libext2fs-dev: ext_fs; libarchive-dev: the VFS's tar plugin; e2fsprogs (mke2fs, e2fsck,
# debugfs), fdisk (sfdisk), fio: the storage tests' peers and benchmarks' baselines
packages="gcc meson ninja-build pkg-config python3 libc6-dev libseccomp-dev libelf-dev
libdw-dev libexpat1-dev busybox-static bubblewrap netcat-openbsd tmux util-linux procps acpica-tools
qemu-system-x86 libext2fs-dev libarchive-dev e2fsprogs fdisk fio"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || true
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: missing Debian packages; run as root:" >&2
	echo "  apt-get install$missing" >&2
	exit 1
fi
