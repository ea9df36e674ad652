/*
 * Checks the CPU state the 64-bit protocol (boot.rst) promises at the entry: CS = __BOOT_CS,
 * DS = ES = SS = __BOOT_DS, interrupts off, and the GDT really holding flat descriptors for
 * both, so that reloading a selector (Linux does) finds what the loader claimed.
 */
#include "lxtest.h"

#define RFLAGS_IF (1u << 9)
#define FOUR_GIB 0x100000000ull

/* Descriptor bits (SDM vol. 3, 3.4.5). */
#define DESC_TYPE_RW (1ull << 41)	/* code: readable; data: writable */
#define DESC_TYPE_CODE (1ull << 43)
#define DESC_S (1ull << 44)
#define DESC_DPL (3ull << 45)
#define DESC_P (1ull << 47)
#define DESC_L (1ull << 53)
#define DESC_DB (1ull << 54)
#define DESC_G (1ull << 55)
#define DESC_LIMIT_MASK 0x000F00000000FFFFull
#define DESC_BASE_MASK 0xFF0000FFFFFF0000ull

struct gdt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* NULL when good, else what is wrong with it. */
static const char *check_descriptor(uint64_t d, int code)
{
	if (!(d & DESC_P) || !(d & DESC_S) || (d & DESC_DPL))
		return "not a present ring-0 code/data descriptor";
	if ((d & DESC_BASE_MASK) || (d & DESC_LIMIT_MASK) != DESC_LIMIT_MASK || !(d & DESC_G))
		return "not 4G flat";
	if (code) {
		if (!(d & DESC_TYPE_CODE) || !(d & DESC_TYPE_RW))
			return "not execute/read code";
		/* CS is current in 64-bit mode: a reload must not drop into compatibility mode. */
		if (!(d & DESC_L) || (d & DESC_DB))
			return "not 64-bit code";
	} else if ((d & DESC_TYPE_CODE) || !(d & DESC_TYPE_RW)) {
		return "not read/write data";
	}
	return 0;
}

void cpu_check(uint64_t selectors, uint64_t rflags)
{
	uint16_t cs = (uint16_t)selectors, ds = (uint16_t)(selectors >> 16);
	uint16_t es = (uint16_t)(selectors >> 32), ss = (uint16_t)(selectors >> 48);
	struct gdt_desc gdtr;
	uint64_t code, data;
	const char *why;

	report("segments cs 0x%02x ds 0x%02x es 0x%02x ss 0x%02x, interrupts %s", cs, ds, es, ss,
	       (rflags & RFLAGS_IF) ? "on" : "off");
	if (cs != LXTEST_BOOT_CS || ds != LXTEST_BOOT_DS || es != LXTEST_BOOT_DS ||
	    ss != LXTEST_BOOT_DS)
		report_fail("selectors are not __BOOT_CS 0x10 and __BOOT_DS 0x18");
	if (rflags & RFLAGS_IF)
		report_fail("entered with interrupts enabled");

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	if (gdtr.limit < LXTEST_BOOT_DS + 7)
		report_fail("gdt at 0x%08lx limit 0x%x ends before 0x18", gdtr.base, gdtr.limit);
	if (gdtr.base + gdtr.limit >= FOUR_GIB) {
		report("gdt at 0x%lx above 4 GiB, descriptors not checked", gdtr.base);
		return;
	}
	code = load64((const uint8_t *)gdtr.base + LXTEST_BOOT_CS);
	data = load64((const uint8_t *)gdtr.base + LXTEST_BOOT_DS);
	why = check_descriptor(code, 1);
	if (why)
		report_fail("gdt[0x10] 0x%016lx %s", code, why);
	why = check_descriptor(data, 0);
	if (why)
		report_fail("gdt[0x18] 0x%016lx %s", data, why);
	report("gdt at 0x%08lx: 0x10 flat 64-bit code, 0x18 flat data", gdtr.base);
}
