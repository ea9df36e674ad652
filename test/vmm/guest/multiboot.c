/* Walks the Multiboot v1 information structure (spec section 3.3) and reports what the loader gave. */
#include "mbtest.h"

#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_BOOTDEV (1u << 1)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)
/* An entry's size field excludes itself; anything smaller cannot hold addr, len and type. */
#define MB_MMAP_ENTRY_MIN 20
/* Guards against a garbage mmap_length turning the walk into a memory scan. */
#define MB_MMAP_MAX_ENTRIES 128
#define MB_MODS_MAX 64

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

struct mb_module {
	uint32_t mod_start, mod_end;
	uint32_t string;
	uint32_t reserved;
};

/* Packed: base_addr follows the 4-byte size field without padding. */
struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static const char *str_or_empty(uint32_t addr)
{
	return addr ? (const char *)addr : "";
}

static void report_mmap(const struct mb_info *mbi)
{
	struct bootinfo_mmap m = { 0, 0 };
	uint32_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;

	while (p + 4 + MB_MMAP_ENTRY_MIN <= end) {
		const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)p;

		if (e->size < MB_MMAP_ENTRY_MIN || m.entries == MB_MMAP_MAX_ENTRIES) {
			report_fail("memory map entry %u has size %u", m.entries, e->size);
			break;
		}
		bootinfo_mmap_entry(&m, e->addr, e->len, e->type);
		p += e->size + 4;
	}
	if (p != end)
		report_fail("memory map length %u is not a whole number of entries", mbi->mmap_length);
	bootinfo_mmap_done(&m);
}

void multiboot_report(uint32_t info)
{
	const struct mb_info *mbi = (const struct mb_info *)info;

	report("flags 0x%08x", mbi->flags);
	/* Our header sets flag bit 1, which obliges the loader to fill in mem_lower/mem_upper. */
	if (mbi->flags & MB_INFO_MEMORY)
		report("mem_lower %u KiB, mem_upper %u KiB", mbi->mem_lower, mbi->mem_upper);
	else
		report_fail("no mem_lower/mem_upper despite header flag bit 1");
	if (mbi->flags & MB_INFO_BOOTDEV)
		report("boot_device 0x%08x", mbi->boot_device);
	if (mbi->flags & MB_INFO_MMAP)
		report_mmap(mbi);
	else
		report("no memory map");
	if (mbi->flags & MB_INFO_CMDLINE)
		bootinfo_cmdline(str_or_empty(mbi->cmdline));
	else
		report("no cmdline");
	if (mbi->flags & MB_INFO_MODS) {
		const struct mb_module *mod = (const struct mb_module *)mbi->mods_addr;

		report("modules: %u", mbi->mods_count);
		for (uint32_t i = 0; i < mbi->mods_count && i < MB_MODS_MAX; i++)
			bootinfo_module(i, mod[i].mod_start, mod[i].mod_end, str_or_empty(mod[i].string), 1);
	} else {
		report("modules: none");
	}
	if (mbi->flags & MB_INFO_LOADER_NAME)
		report("boot loader '%s'", str_or_empty(mbi->boot_loader_name));
}
