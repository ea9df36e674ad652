/*
 * Reads what the loader put into boot_params (Documentation/arch/x86/zero-page.rst) and checks
 * it against boot.rst and our own header: where things are, that they are whole, and that
 * nothing sits in the memory init_size claims after the load address.
 */
#include "lxtest.h"

#define FOUR_GIB 0x100000000ull

static uint64_t init_start(void)
{
	return (uint64_t)__kernel_start;
}

static uint64_t init_end(void)
{
	return (uint64_t)__init_end;
}

/* startup_64 clears .bss and this area is our stack and page tables: anything here is lost. */
static int overlaps_kernel(uint64_t start, uint64_t len)
{
	return start < init_end() && start + len > init_start();
}

void bootparams_locate(uint64_t boot_params)
{
	if (boot_params + BP_SIZE > FOUR_GIB)
		report_fail("boot_params above 4 GiB, but xloadflags lacks "
			    "XLF_CAN_BE_LOADED_ABOVE_4G");
	if (overlaps_kernel(boot_params, BP_SIZE))
		report_fail("boot_params inside the kernel's init_size area 0x%08lx-0x%08lx",
			    init_start(), init_end());
}

/* A field only the image writes: a loader that copied the header short or stale shows here. */
static void expect_image_field(const uint8_t *bp, unsigned offset, unsigned size, uint32_t want,
			       const char *name)
{
	uint32_t got = size == 1 ? bp[offset] :
		       size == 2 ? load16(bp + offset) : load32(bp + offset);

	if (got != want)
		report_fail("setup header's %s is 0x%x, the image's 0x%x: header not copied whole",
			    name, got, want);
}

void bootparams_header(const uint8_t *bp)
{
	uint32_t magic = load32(bp + BP_HEADER);
	uint16_t version = load16(bp + BP_VERSION);

	if (magic != BP_HDRS_MAGIC)
		report_fail("no HdrS at boot_params+0x202 (0x%08x): not a zero page", magic);
	report("setup header HdrS, protocol 0x%04x", version);
	expect_image_field(bp, BP_VERSION, 2, LXTEST_PROTOCOL, "version");
	expect_image_field(bp, BP_BOOT_FLAG, 2, BP_BOOT_FLAG_MAGIC, "boot_flag");
	expect_image_field(bp, BP_HDR, 1, LXTEST_SETUP_SECTS, "setup_sects");
	expect_image_field(bp, BP_SYSSIZE, 4, (uint32_t)((__file_end - __kernel_start) / 16),
			   "syssize");
	expect_image_field(bp, BP_XLOADFLAGS, 2, BP_XLF_KERNEL_64, "xloadflags");
	expect_image_field(bp, BP_INIT_SIZE, 4, (uint32_t)(init_end() - init_start()), "init_size");
	/* The header's last field: present only if the loader copied up to the jump's target. */
	expect_image_field(bp, BP_KERNEL_INFO_OFFSET, 4, (uint32_t)(kernel_info - __kernel_start),
			   "kernel_info_offset");
}

void bootparams_e820(const uint8_t *bp)
{
	uint32_t entries = bp[BP_E820_ENTRIES];
	uint64_t usable = 0;
	int kernel_in_ram = 0;

	if (entries == 0 || entries > BP_E820_MAX)
		report_fail("e820_entries %u (1 to %u)", entries, BP_E820_MAX);
	for (uint32_t i = 0; i < entries; i++) {
		const uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;
		uint64_t addr = load64(e), len = load64(e + 8);
		uint32_t type = load32(e + 16);

		report("e820 0x%016lx-0x%016lx type %u", addr, addr + len, type);
		if (type != BP_E820_RAM)
			continue;
		usable += len;
		if (addr <= init_start() && addr + len >= init_end())
			kernel_in_ram = 1;
	}
	report("e820: %u entries, %u KiB usable", entries, (uint32_t)(usable >> 10));
	if (!kernel_in_ram)
		report_fail("the kernel's 0x%08lx-0x%08lx is not inside one usable e820 range",
			    init_start(), init_end());
}

void bootparams_cmdline(const uint8_t *bp)
{
	uint64_t ptr = load32(bp + BP_CMD_LINE_PTR) |
		       (uint64_t)load32(bp + BP_EXT_CMD_LINE_PTR) << 32;
	const char *cmdline = (const char *)ptr;
	uint32_t len = 0;

	if (ptr == 0)
		report_fail("cmd_line_ptr is 0, but boot.rst makes it obligatory");
	if (ptr + LXTEST_CMDLINE_SIZE + 1 > FOUR_GIB)
		report_fail("command line at 0x%lx above 4 GiB, but xloadflags lacks "
			    "XLF_CAN_BE_LOADED_ABOVE_4G", ptr);
	while (len <= LXTEST_CMDLINE_SIZE && cmdline[len])
		len++;
	if (len > LXTEST_CMDLINE_SIZE)
		report_fail("command line at 0x%08lx has no NUL within cmdline_size %u", ptr,
			    LXTEST_CMDLINE_SIZE);
	if (overlaps_kernel(ptr, len + 1))
		report_fail("command line at 0x%08lx inside the kernel's init_size area", ptr);
	report("cmdline '%s'", cmdline);
}

void bootparams_initrd(const uint8_t *bp)
{
	uint64_t addr = load32(bp + BP_RAMDISK_IMAGE) |
			(uint64_t)load32(bp + BP_EXT_RAMDISK_IMAGE) << 32;
	uint64_t size = load32(bp + BP_RAMDISK_SIZE) |
			(uint64_t)load32(bp + BP_EXT_RAMDISK_SIZE) << 32;
	const char *why;

	if (addr == 0 && size == 0) {
		report("no initrd");
		return;
	}
	if (addr + size > (uint64_t)LXTEST_INITRD_ADDR_MAX + 1)
		report_fail("initrd at 0x%lx, 0x%lx bytes, ends above initrd_addr_max 0x%x", addr,
			    size, LXTEST_INITRD_ADDR_MAX);
	if (overlaps_kernel(addr, size))
		report_fail("initrd at 0x%08lx inside the kernel's init_size area", addr);
	switch (pattern_check((const uint8_t *)addr, size, "LXINITRD", 31, &why)) {
	case 1:
		report("initrd at 0x%08lx %u bytes, checksum ok", addr, (uint32_t)size);
		break;
	case 0:
		report("initrd at 0x%08lx %u bytes, not the lxtest initrd", addr, (uint32_t)size);
		break;
	default:
		report_fail("initrd at 0x%08lx %u bytes, %s", addr, (uint32_t)size, why);
	}
}

void bootparams_loader(const uint8_t *bp)
{
	uint8_t type = bp[BP_TYPE_OF_LOADER], flags = bp[BP_LOADFLAGS];

	report("loader 0x%02x loadflags 0x%02x", type, flags);
	if (type == 0)
		report_fail("type_of_loader 0, but boot.rst makes it obligatory (0xff: no id)");
	if (!(flags & BP_LOADED_HIGH))
		report_fail("loadflags lost LOADED_HIGH, which the loader only reads");
}
