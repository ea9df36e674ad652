/* Walks the PVH hvm_start_info (Xen's arch-x86/hvm/start_info.h) and reports what the loader gave. */
#include "mbtest.h"

#define FOUR_GIB 0x100000000ull
/* Guards against garbage counts turning the walks into memory scans. */
#define PVH_MMAP_MAX_ENTRIES 128
#define PVH_MODS_MAX 64

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	/* version 1 and later */
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* Paging is off, so a pointer above 4 GiB is unreachable: treat it as absent and say so. */
static const void *low_ptr(uint64_t paddr, const char *what)
{
	if (paddr >= FOUR_GIB) {
		report_fail("%s at 0x%llx is above 4 GiB", what, paddr);
		return 0;
	}
	return (const void *)(uint32_t)paddr;
}

static const char *str_or_empty(uint64_t paddr, const char *what)
{
	const char *s = paddr ? low_ptr(paddr, what) : 0;

	return s ? s : "";
}

static void report_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_table_entry *e = low_ptr(si->memmap_paddr, "memory map");
	struct bootinfo_mmap m = { 0, 0 };

	if (!e)
		return;
	if (si->memmap_entries > PVH_MMAP_MAX_ENTRIES) {
		report_fail("memory map has %u entries", si->memmap_entries);
		return;
	}
	for (uint32_t i = 0; i < si->memmap_entries; i++)
		bootinfo_mmap_entry(&m, e[i].addr, e[i].size, e[i].type);
	bootinfo_mmap_done(&m);
}

void pvh_report(uint32_t start_info)
{
	const struct hvm_start_info *si = (const struct hvm_start_info *)start_info;

	report("version %u flags 0x%08x", si->version, si->flags);
	/* The memory map fields exist only from version 1 on; version 0 loaders leave them out. */
	if (si->version >= 1 && si->memmap_paddr && si->memmap_entries)
		report_memmap(si);
	else
		report("no memory map");
	if (si->cmdline_paddr)
		bootinfo_cmdline(str_or_empty(si->cmdline_paddr, "cmdline"));
	else
		report("no cmdline");
	if (si->nr_modules) {
		const struct hvm_modlist_entry *mod = low_ptr(si->modlist_paddr, "module list");

		report("modules: %u", si->nr_modules);
		for (uint32_t i = 0; mod && i < si->nr_modules && i < PVH_MODS_MAX; i++)
			bootinfo_module(i, mod[i].paddr, mod[i].paddr + mod[i].size,
					str_or_empty(mod[i].cmdline_paddr, "module cmdline"), 0);
	} else {
		report("modules: none");
	}
	if (si->rsdp_paddr)
		report("rsdp 0x%08llx", si->rsdp_paddr);
	else
		report("no rsdp");
}
