/* Layout, boot_params offsets and interfaces shared by lxtest's assembly and C. */
#ifndef LXTEST_H
#define LXTEST_H

/* Not 4, the value 0 stands for: a loader that assumes the old default loads us 512 bytes off. */
#define LXTEST_SETUP_SECTS 3
#define LXTEST_SETUP_SIZE ((LXTEST_SETUP_SECTS + 1) * 512)
#define LXTEST_LOAD_ADDR 0x100000
#define LXTEST_PROTOCOL 0x020F
/* Linux's COMMAND_LINE_SIZE - 1: the longest command line, its NUL not counted. */
#define LXTEST_CMDLINE_SIZE 2047
/* Linux's value too: loaders have long placed initrds below 2 GiB. */
#define LXTEST_INITRD_ADDR_MAX 0x7FFFFFFF

/* GDT selectors: the 64-bit protocol's __BOOT_CS/__BOOT_DS, and one for leaving real mode. */
#define LXTEST_CS32 0x08
#define LXTEST_BOOT_CS 0x10
#define LXTEST_BOOT_DS 0x18

/*
 * The real-mode path's use of the setup segment (offsets from its base): the image's 2 KiB,
 * then the boot_params it builds and its stack. boot.rst gives a bzImage's real-mode part the
 * segment's first 0x8000 bytes, so a loader must not put the command line or heap below that.
 */
#define LXTEST_RM_ZEROPAGE 0x1000
#define LXTEST_RM_STACK_TOP 0x3000

/* Offsets into struct boot_params (Documentation/arch/x86/zero-page.rst) and its header. */
#define BP_SIZE 4096
#define BP_ACPI_RSDP_ADDR 0x070		/* protocol 2.14 */
#define BP_EXT_RAMDISK_IMAGE 0x0C0
#define BP_EXT_RAMDISK_SIZE 0x0C4
#define BP_EXT_CMD_LINE_PTR 0x0C8
#define BP_E820_ENTRIES 0x1E8
#define BP_HDR 0x1F1			/* setup_sects, the header's first field */
#define BP_SYSSIZE 0x1F4
#define BP_BOOT_FLAG 0x1FE
#define BP_HEADER 0x202
#define BP_VERSION 0x206
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21C
#define BP_CMD_LINE_PTR 0x228
#define BP_XLOADFLAGS 0x236
#define BP_INIT_SIZE 0x260
#define BP_KERNEL_INFO_OFFSET 0x268
#define BP_HDR_END 0x26C		/* protocol 2.15's header ends after kernel_info_offset */
#define BP_E820_TABLE 0x2D0
#define BP_E820_ENTRY_SIZE 20
#define BP_E820_MAX 128

#define BP_HDRS_MAGIC 0x53726448	/* "HdrS" */
#define BP_BOOT_FLAG_MAGIC 0xAA55
#define BP_LOADED_HIGH 0x01
#define BP_XLF_KERNEL_64 0x0001
#define BP_E820_RAM 1

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "guest.h"

/* Loader-written memory has no alignment promise; x86 is little-endian, memcpy is inlined. */
static inline uint16_t load16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t load32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t load64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/* Linker-script symbols: the image at 1 MiB and the end of the memory it claims by init_size. */
extern char __kernel_start[], __file_end[], __init_end[];
/* Protocol 2.15's kernel_info in head.S, for the header's kernel_info_offset. */
extern const char kernel_info[];

/* Called by head.S with the registers as the loader left them (selectors packed cs, ds, es, ss). */
void lxtest_main(uint64_t boot_params, uint64_t selectors, uint64_t rflags)
	__attribute__((noreturn));


/* One line: "lxtest: " + format + "\n". Knows %s %u %x %lx (%llx), '0' and width. */
void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "lxtest: FAIL " + format, then the reset: every later check would read the same bad hand-over. */
void report_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));


/* Loads our own identity map of the low 4 GiB: a loader need map only us, boot_params, cmdline. */
void paging_init(void);

/* The CPU state the 64-bit protocol promises: selectors, interrupts off, the GDT's descriptors. */
void cpu_check(uint64_t selectors, uint64_t rflags);

/* Each reports its line(s) or fails; bootparams_locate runs before paging_init. */
void bootparams_locate(uint64_t boot_params);
void bootparams_header(const uint8_t *bp);
void bootparams_e820(const uint8_t *bp);
void bootparams_cmdline(const uint8_t *bp);
void bootparams_initrd(const uint8_t *bp);
void bootparams_loader(const uint8_t *bp);
/* The ACPI tables at acpi_rsdp_addr or in the BIOS area (acpi.c); after bootparams_e820. */
void acpi_check(const uint8_t *bp);

/* 1: the known test initrd, intact; 0: not ours; -1: ours but damaged (*why says how). */

#endif
#endif
