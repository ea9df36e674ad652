/* Reporting shared by the Multiboot and PVH parsers, so both protocols print identical lines. */
#include "mbtest.h"

#define E820_USABLE 1
#define PAGE_MASK 0xFFFu
#define FOUR_GIB 0x100000000ull

void bootinfo_mmap_entry(struct bootinfo_mmap *m, uint64_t addr, uint64_t len, uint32_t type)
{
	report("mmap 0x%016llx-0x%016llx type %u", addr, addr + len, type);
	m->entries++;
	if (type == E820_USABLE)
		m->usable_kib += (uint32_t)(len >> 10);
}

void bootinfo_mmap_done(const struct bootinfo_mmap *m)
{
	report("memory map: %u entries, %u KiB usable", m->entries, m->usable_kib);
	if (m->entries == 0 || m->usable_kib == 0)
		report_fail("memory map has no usable RAM");
}

const char *mbtest_cmdline;

void bootinfo_cmdline(const char *cmdline)
{
	mbtest_cmdline = cmdline;
	report("cmdline '%s'", cmdline);
}

void bootinfo_module(uint32_t index, uint64_t start, uint64_t end, const char *cmdline,
		     int want_page_aligned)
{
	const char *why;
	uint32_t size = (uint32_t)(end - start);

	report("module %u at 0x%08llx-0x%08llx", index, start, end);
	/* Without paging only the low 4 GiB is reachable; a loader must place modules there. */
	if (end < start || end > FOUR_GIB) {
		report_fail("module %u range unusable", index);
		return;
	}
	if (want_page_aligned && (start & PAGE_MASK))
		report_fail("module %u not page aligned despite header flag bit 0", index);
	if (start < (uint32_t)__kernel_end && end > (uint32_t)__kernel_start)
		report_fail("module %u overlaps the kernel image", index);

	switch (pattern_check((const uint8_t *)(uint32_t)start, size, "MBTESTMD", 13, &why)) {
	case 1:
		report("module %u '%s' %u bytes, checksum ok", index, cmdline, size);
		break;
	case 0:
		report("module %u '%s' %u bytes, not an mbtest module", index, cmdline, size);
		break;
	default:
		report_fail("module %u '%s' %u bytes, %s", index, cmdline, size, why);
	}
}
