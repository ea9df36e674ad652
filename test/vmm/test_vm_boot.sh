#!/bin/sh
# arbor vm boots the project's Multiboot test kernel, TAP output: the
# kernel checks what the Multiboot protocol promises (magic, memory map,
# command line, a module with its checksum), the PIT's interrupts through
# the PIC, the RTC, and ends with a keyboard-controller reset (exit 0).
# Without a usable /dev/kvm the test is skipped with the reason.
# Usage: test_vm_boot.sh ARBOR MBTEST MODULE MBTEST_PVH MACHINES_DIR
arbor=$1 kernel=$2 module=$3 pvh=$4 machines=$5
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

timeout 120 "$arbor" vm --kernel "$kernel" --mem 64M --append "foo=bar" \
	--initrd "$module arg1=x" >"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0; echo $?) "the guest resets through the keyboard controller and arbor vm exits 0 (exit $rc)"
ok $(line "mbtest: multiboot magic ok") "Multiboot magic in EAX"
ok $(line "mbtest: mem_lower 639 KiB, mem_upper 64512 KiB") "memory sizes for 64 MiB"
ok $(line "mbtest: memory map: 2 entries, 65151 KiB usable") "the memory map: conventional memory and the rest above 1 MiB"
ok $(line "mbtest: cmdline '$kernel foo=bar'") "the command line, the kernel's name first"
ok $(line "mbtest: module 0 '$module arg1=x' 4096 bytes, checksum ok") "a module with its string, loaded intact"
ok $(line "mbtest: pit: 10 ticks") "PIT interrupts through the user-level PIC"
ok $(grep -qE "mbtest: rtc 20[0-9]{2}-[01][0-9]-[0-3][0-9] " "$tmp/out"; echo $?) "the RTC's date and time"
ok $(line "mbtest: done") "the kernel finished its checks"
ok $(grep -q "FAIL" "$tmp/out"; test $? -ne 0; echo $?) "no check failed"

# the PVH entry (the same kernel without its Multiboot header, as QEMU's microvm boots it)
timeout 120 "$arbor" vm --kernel "$pvh" --mem 64M --append "foo=bar" --initrd "$module arg1=x" \
	>"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0 && grep -qF "mbtest: pvh start_info ok" "$tmp/out" &&
     grep -qF "mbtest: cmdline 'foo=bar'" "$tmp/out" &&
     grep -qF "mbtest: module 0 'arg1=x' 4096 bytes, checksum ok" "$tmp/out" &&
     grep -qF "mbtest: memory map: 2 entries, 65151 KiB usable" "$tmp/out" &&
     grep -qF "mbtest: pit: 10 ticks" "$tmp/out" && ! grep -q FAIL "$tmp/out"; echo $?) \
	"PVH: start info, command line, module, memory map, PIT; reset (exit $rc)"

# Vancouver's <machine>: the devices in order, the memory map from the <mem> entries
timeout 120 "$arbor" vm --kernel "$kernel" --config "$machines/vancouver.xml" >"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0 && grep -qF "mbtest: mmap 0x0000000000000000-0x00000000000a0000 type 1" "$tmp/out" &&
     grep -qF "mbtest: mmap 0x0000000000100000-0x0000000002000000 type 1" "$tmp/out" &&
     grep -qF "mbtest: pit: 10 ticks" "$tmp/out" && grep -qF "mbtest: done" "$tmp/out" &&
     grep -q "not modelled yet, left out: keyb" "$tmp/out"; echo $?) \
	"Genode's Vancouver example machine: memory from its <mem> entries, its devices, the rest named (exit $rc)"
"$arbor" vm --kernel "$kernel" --config "$machines/unknown_element.xml" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 3 && grep -qF "unknown_element.xml:11:3: unknown element <kbcb> in <machine>" "$tmp/out"; echo $?) \
	"an unknown element in <machine> is an error naming it, with file:line:column (exit $rc)"

# bad input: a file that is no kernel is refused with the reason
printf 'not a kernel' >"$tmp/bogus"
"$arbor" vm --kernel "$tmp/bogus" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 1 && grep -q "neither a Linux bzImage nor a Multiboot or PVH kernel" "$tmp/out"; echo $?) \
	"a file that is no kernel is refused with the reason (exit $rc)"
"$arbor" vm --kernel "$tmp/missing" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 1 && grep -q "cannot read the kernel" "$tmp/out"; echo $?) "a missing kernel is reported (exit $rc)"
echo "1..$n"
