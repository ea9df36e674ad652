#!/bin/sh
# Build the Debian test guest: Debian's own kernel (linux-image-amd64) and a
# busybox-static initramfs whose /init loads the virtio-mmio modules, prints
# "ARBOR-GUEST-READY <release>" and runs a shell on the serial console.
# Used by test/vmm/test_vm_debian.sh and bench/bench_vm_linux.c.
#
# Usage: scripts/debian-guest.sh OUTDIR
# Writes OUTDIR/vmlinuz, OUTDIR/initramfs.cpio.gz and OUTDIR/version (the
# kernel release, what `uname -r` says in the guest). Nothing is installed:
# an installed linux-image-*-amd64 is used when there is one, else the
# package linux-image-amd64 depends on is fetched with `apt-get download`
# into OUTDIR/cache and only the kernel and the modules needed are taken
# out of it; busybox-static likewise. Running it again with the same inputs
# (packages, this script, the init script) does nothing.
#
# Exit status: 0 built or up to date; 3 a package cannot be had (no apt
# lists, no network, apt fails): one line on stderr says why; 1 anything
# else; 2 usage.
set -u

UNAVAILABLE=3
here=$(cd "$(dirname "$0")" && pwd)
helper=$here/debian-guest/initramfs.py
init=$here/debian-guest/init

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
cache=$out/cache
mkdir -p "$cache" || exit 1

unavailable() {
	echo "debian-guest: $*" >&2
	exit $UNAVAILABLE
}

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# Fetch package $1 into the cache unless the version apt would fetch is there
# whole. Prints the .deb's path.
fetch() {
	uri=$(apt-get download --print-uris "$1" 2>"$cache/apt.err" | head -n 1)
	[ -n "$uri" ] || unavailable "apt-get cannot download $1: $(tail -n 1 "$cache/apt.err")"
	file=$(echo "$uri" | awk '{ print $2 }')
	size=$(echo "$uri" | awk '{ print $3 }')
	if [ "$(stat -c %s "$cache/$file" 2>/dev/null)" != "$size" ]; then
		rm -f "$cache/$1"_*.deb              # an older version
		# apt's sandbox user cannot write a private directory; the warning says so, nothing more
		err=$(cd "$cache" && apt-get download -q "$1" 2>&1 >/dev/null |
			grep -v "^W: Download is performed unsandboxed")
		[ "$(stat -c %s "$cache/$file" 2>/dev/null)" = "$size" ] ||
			unavailable "apt-get download $1 failed: $(echo "$err" | tail -n 1)"
	fi
	echo "$cache/$file"
}

# The kernel: the newest installed linux-image-*-amd64 with a readable vmlinuz, else the package.
release=$(dpkg-query -W -f='${Package} ${Status}\n' 'linux-image-*-amd64' 2>/dev/null |
	awk '$NF == "installed" { sub("^linux-image-", "", $1); print $1 }' | sort -V |
	while read -r r; do [ -r "/boot/vmlinuz-$r" ] && [ -d "/lib/modules/$r" ] && echo "$r"; done |
	tail -n 1)
if [ -n "$release" ]; then
	kernel_from="--root / --release $release"
	kernel_id="installed linux-image-$release $(dpkg-query -W -f='${Version}' "linux-image-$release")"
else
	command -v apt-cache >/dev/null || unavailable "no installed Debian kernel and no apt-cache"
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	[ -n "$pkg" ] ||
		unavailable "apt-cache knows no linux-image-amd64 (no package lists? run apt-get update)"
	deb=$(fetch "$pkg") || exit $?
	for old in "$cache"/linux-image-*.deb; do      # the kernels of earlier ABIs
		[ "$old" = "$deb" ] || rm -f "$old"
	done
	kernel_from="--deb $deb"
	kernel_id="package $(basename "$deb")"
fi

# busybox: the installed busybox-static's, else the package's, extracted into the cache.
if installed busybox-static && [ -x /bin/busybox ]; then
	busybox=/bin/busybox
	busybox_id="installed busybox-static $(dpkg-query -W -f='${Version}' busybox-static)"
else
	deb=$(fetch busybox-static) || exit $?
	dir=$cache/$(basename "$deb" .deb)
	if [ ! -x "$dir/bin/busybox" ]; then
		rm -rf "$dir"
		dpkg-deb -x "$deb" "$dir" || exit 1
	fi
	busybox=$dir/bin/busybox
	busybox_id="package $(basename "$deb")"
fi

# Up to date when the same inputs built what is there.
inputs=$(printf '%s\n%s\n' "$kernel_id" "$busybox_id"; cat "$0" "$helper" "$init" | sha256sum)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initramfs.cpio.gz" ] && [ -s "$out/version" ] &&
   [ "$(cat "$out/inputs" 2>/dev/null)" = "$inputs" ]; then
	exit 0
fi
rm -f "$out/inputs"
# shellcheck disable=SC2086
python3 "$helper" "$out" "$busybox" "$init" $kernel_from || exit 1
printf '%s\n' "$inputs" >"$out/inputs"
