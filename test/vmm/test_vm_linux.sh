#!/bin/sh
# arbor vm boots the project's bzImage test guest (lxtest) through the
# Linux boot protocol's 64-bit entry, TAP output: the guest checks the
# zero page (setup header copied whole, e820 from the guest's RAM, the
# command line, the initrd intact below initrd_addr_max), the segments and
# GDT, the ACPI tables (acpi_rsdp_addr, checksums, the DSDT's virtio
# devices, none in e820 RAM), and resets. Skipped without a usable /dev/kvm.
# Usage: test_vm_linux.sh ARBOR LXTEST INITRD MACHINES_DIR
arbor=$1 kernel=$2 initrd=$3 machines=$4
. "$(dirname "$0")/vm_tap.sh"
need_kvm

timeout 120 "$arbor" vm --kernel "$kernel" --mem 128M --append "lxtest foo=bar" --initrd "$initrd" \
	>"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0; echo $?) "the guest resets and arbor vm exits 0 (exit $rc)"
ok $(line "lxtest: 64-bit entry, boot_params at 0x00007000") "64-bit entry with %rsi at the zero page"
ok $(line "lxtest: setup header HdrS, protocol 0x020f") "the setup header copied into the zero page"
ok $(line "lxtest: segments cs 0x10 ds 0x18 es 0x18 ss 0x18, interrupts off") "__BOOT_CS, __BOOT_DS, interrupts off"
# the ACPI tables (0xe0000) lie in the reserved 0x9fc00-0x100000: still three entries
ok $(line "lxtest: e820: 3 entries, 130687 KiB usable") "the e820 map from the guest's 128 MiB"
ok $(line "lxtest: cmdline 'lxtest foo=bar virtio_mmio.device=4K@0xfeb00000:5'") \
	"the command line, the virtio console's virtio_mmio.device= appended"
ok $(grep -qE "lxtest: initrd at 0x[0-9a-f]+ 4096 bytes, checksum ok" "$tmp/out"; echo $?) "the initrd, intact"
ok $(line "lxtest: loader 0xff loadflags 0x81") "type_of_loader and loadflags"
ok $(line "lxtest: acpi rsdp at 0x000e0000 (boot_params; the BIOS-area scan finds it too), revision 2") \
	"acpi_rsdp_addr points at a valid RSDP, which a scan of the BIOS area finds too"
ok $(line "lxtest: acpi xsdt FACP APIC, DSDT via the FADT: checksums ok, none in RAM") \
	"the XSDT lists the FADT and the MADT, the FADT the DSDT: checksums, outside e820 RAM"
ok $(grep -qE "lxtest: acpi dsdt [0-9]+ bytes: 1 LNRO0005 \(virtio-mmio\), FADT hardware-reduced" \
     "$tmp/out"; echo $?) "the DSDT names the virtio console (LNRO0005), the FADT is hardware-reduced"
ok $(line "lxtest: done") "every check ran"
ok $(grep -q FAIL "$tmp/out"; test $? -ne 0; echo $?) "no check failed"

# each disk is one more LNRO0005 device in the DSDT
dd if=/dev/zero of="$tmp/disk.img" bs=512 count=8 2>/dev/null
dd if=/dev/zero of="$tmp/disk2.img" bs=512 count=8 2>/dev/null
timeout 120 "$arbor" vm --kernel "$kernel" --mem 128M --disk "$tmp/disk.img" --disk "$tmp/disk2.img,ro" \
	>"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0 && grep -qE "lxtest: acpi dsdt [0-9]+ bytes: 3 LNRO0005 " "$tmp/out" &&
     grep -qF "lxtest: done" "$tmp/out" && ! grep -q FAIL "$tmp/out"; echo $?) \
	"with two disks the DSDT names three virtio devices (exit $rc)"

# without an IOAPIC there are no tables: a hardware-reduced Linux would find no interrupt controller
timeout 120 "$arbor" vm --kernel "$kernel" --config "$machines/pic_only.xml" >"$tmp/out" 2>&1
rc=$?
ok $(test $rc -eq 0 && grep -qF "lxtest: acpi: none (acpi_rsdp_addr 0, no RSDP in the BIOS area)" "$tmp/out" &&
     ! grep -q FAIL "$tmp/out"; echo $?) "the PIC-only machine gets no ACPI tables (exit $rc)"

# a kernel that wants more memory than the guest has is refused with the reason
"$arbor" vm --kernel "$kernel" --mem 1M >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -ne 0; echo $?) "too little guest memory is refused (exit $rc)"

# the virtio devices' parameters must fit cmdline_size (2047 for lxtest) with the user's text
long=$(printf '%02000d' 0)
"$arbor" vm --kernel "$kernel" --mem 128M --append "$long" --disk "$tmp/disk.img" >"$tmp/out" 2>&1; rc=$?
ok $(test $rc -eq 1 && grep -qF "command line with the virtio devices' parameters" "$tmp/out" &&
     grep -qF "longer than the kernel takes (2047 bytes)" "$tmp/out"; echo $?) \
	"a command line too long for the virtio devices' parameters is refused with the reason (exit $rc)"
echo "1..$n"
