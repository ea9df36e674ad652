/* The test guest's main: check the boot protocol, the PIC/PIT, the APICs, SMP, the RTC and virtio, echo if asked, reset. */
#include "mbtest.h"

void mbtest_main(uint32_t proto, uint32_t magic, uint32_t info)
{
	serial_init();
	idt_init();

	if (proto == MBTEST_PROTO_PVH)
		magic = *(const uint32_t *)info;
	if (proto == MBTEST_PROTO_MULTIBOOT && magic == MULTIBOOT_BOOTLOADER_MAGIC) {
		report("multiboot magic ok");
	} else if (proto == MBTEST_PROTO_PVH && magic == PVH_START_INFO_MAGIC) {
		report("pvh start_info ok");
	} else {
		report_fail("bad magic 0x%08x", magic);
		reset_machine();
	}
	if (mbtest_bss_dirty)
		report_fail("loader left .bss nonzero");
	report("kernel 0x%08x-0x%08x", (uint32_t)__kernel_start, (uint32_t)__kernel_end);

	if (proto == MBTEST_PROTO_MULTIBOOT)
		multiboot_report(info);
	else
		pvh_report(info);

	pit_check();
	lapic_check();
	ioapic_check();
	smp_check();
	rtc_check();
	virtio_check();
	report("done");
	if (echo_wanted(mbtest_cmdline))
		echo_run();
	reset_machine();
}
