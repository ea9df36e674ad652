#!/bin/sh
# arbor vm boots the project's bzImage test guest (lxtest) through the
# Linux boot protocol's 64-bit entry, TAP output: the guest checks the
# zero page (setup header copied whole, e820 from the guest's RAM, the
# command line, the initrd intact below initrd_addr_max), the segments and
# GDT, and resets. Skipped without a usable /dev/kvm.
# Usage: test_vm_linux.sh ARBOR LXTEST INITRD
arbor=$1 kernel=$2 initrd=$3
if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
	echo "1..0 # SKIP no usable /dev/kvm on this host"
	exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; sed 's/^/# /' "$tmp/out"; fi
}
line() { grep -qF "$1" "$tmp/out"; echo $?; }

timeout 120 "$arbor" vm --kernel "$kernel" --mem 128M --append "lxtest foo=bar" --initrd "$initrd" \
	>"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0; echo $?) "the guest resets and arbor vm exits 0 (exit $rc)"
ok $(line "lxtest: 64-bit entry, boot_params at 0x00007000") "64-bit entry with %rsi at the zero page"
ok $(line "lxtest: setup header HdrS, protocol 0x020f") "the setup header copied into the zero page"
ok $(line "lxtest: segments cs 0x10 ds 0x18 es 0x18 ss 0x18, interrupts off") "__BOOT_CS, __BOOT_DS, interrupts off"
ok $(line "lxtest: e820: 3 entries, 130687 KiB usable") "the e820 map from the guest's 128 MiB"
ok $(line "lxtest: cmdline 'lxtest foo=bar'") "the command line"
ok $(grep -qE "lxtest: initrd at 0x[0-9a-f]+ 4096 bytes, checksum ok" "$tmp/out"; echo $?) "the initrd, intact"
ok $(line "lxtest: loader 0xff loadflags 0x81") "type_of_loader and loadflags"
ok $(line "lxtest: done") "every check ran"
ok $(grep -q FAIL "$tmp/out"; test $? -ne 0; echo $?) "no check failed"

# a kernel that wants more memory than the guest has is refused with the reason
"$arbor" vm --kernel "$kernel" --mem 1M >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -ne 0; echo $?) "too little guest memory is refused (exit $rc)"
echo "1..$n"
