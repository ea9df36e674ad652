/*
 * The Linux boot protocol, 64-bit entry (Documentation/arch/x86/boot.rst):
 * the bzImage's setup header tells where its protected-mode part wants to
 * be; the loader fills the zero page (boot_params) with the header, the
 * e820 map from the guest's memory, the command line (with the virtio
 * devices appended), the initrd and the ACPI tables' RSDP (acpi.c), and
 * enters the kernel at its load address + 0x200 in long mode with an
 * identity map, a GDT holding __BOOT_CS (0x10) and __BOOT_DS (0x18), and
 * %rsi = the zero page.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "bytes.h"
#include "virtio.h"

/* Guest-physical layout below 1 MiB: all in conventional memory. */
#define GDT_ADDR        0x5000u
#define ZERO_PAGE_ADDR  0x7000u
#define PML4_ADDR       0x10000u      /* then the PDPT and four page directories */
#define CMDLINE_ADDR    0x20000u
#define CMDLINE_MAX     0x10000u

/* Offsets in the zero page and its setup header. */
#define BP_ACPI_RSDP_ADDR    0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE  0x0c4
#define BP_EXT_CMD_LINE_PTR  0x0c8
#define BP_E820_ENTRIES      0x1e8
#define BP_SETUP_SECTS       0x1f1
#define BP_BOOT_FLAG         0x1fe
#define BP_JUMP              0x200
#define BP_HEADER            0x202
#define BP_VERSION           0x206
#define BP_TYPE_OF_LOADER    0x210
#define BP_LOADFLAGS         0x211
#define BP_RAMDISK_IMAGE     0x218
#define BP_RAMDISK_SIZE      0x21c
#define BP_HEAP_END_PTR      0x224
#define BP_CMD_LINE_PTR      0x228
#define BP_INITRD_ADDR_MAX   0x22c
#define BP_KERNEL_ALIGNMENT  0x230
#define BP_RELOCATABLE       0x234
#define BP_XLOADFLAGS        0x236
#define BP_CMDLINE_SIZE      0x238
#define BP_PREF_ADDRESS      0x258
#define BP_INIT_SIZE         0x260
#define BP_E820_TABLE        0x2d0

#define LOADED_HIGH    0x01
#define CAN_USE_HEAP   0x80
#define XLF_KERNEL_64  0x01
#define E820_RAM       1
#define E820_RESERVED  2
/* The BIOS area: the ACPI tables (0xe0000) and the MP table (0xf0000) live there. */
#define BIOS_AREA      0xe0000u
#define BIOS_AREA_END  0x100000u

int vmm_linux_probe(const uint8_t *image, size_t size)
{
	return size > 0x300 && get16(image + BP_BOOT_FLAG) == 0xaa55 &&
	       !memcmp(image + BP_HEADER, "HdrS", 4);
}

static void e820_add(uint8_t *zp, uint64_t addr, uint64_t len, uint32_t type)
{
	uint8_t n = zp[BP_E820_ENTRIES];
	uint8_t *e = zp + BP_E820_TABLE + 20u * n;

	put64(e, addr);
	put64(e + 8, len);
	put32(e + 16, type);
	zp[BP_E820_ENTRIES] = (uint8_t)(n + 1);
}

/* An identity map of the first 4 GiB with 2 MiB pages. */
static int build_page_tables(struct vmm *vmm)
{
	uint64_t *pml4 = vmm_gpa(vmm, PML4_ADDR, 0x6000);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;

	if (!pml4)
		return -ENOMEM;
	memset(pml4, 0, 0x6000);
	pml4[0] = (PML4_ADDR + 0x1000) | 0x3;                  /* present, writeable */
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (PML4_ADDR + 0x2000 + 0x1000ull * i) | 0x3;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | 0x83;                /* present, writeable, 2 MiB */
	return 0;
}

static int enter_long_mode(struct vmm *vmm, uint64_t entry)
{
	/* null, null, __BOOT_CS (0x10), __BOOT_DS (0x18): flat, as the protocol asks */
	static const uint64_t gdt[4] = { 0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0xb, .present = 1,
		.dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = 0x18, .type = 0x3, .present = 1,
		.dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	void *gdt_mem = vmm_gpa(vmm, GDT_ADDR, sizeof(gdt));

	if (!gdt_mem || build_page_tables(vmm))
		return -ENOMEM;
	memcpy(gdt_mem, gdt, sizeof(gdt));
	if (ioctl(vmm->vcpus[0].fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.gdt.base = GDT_ADDR;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr3 = PML4_ADDR;
	sregs.cr4 |= 1u << 5;                                    /* PAE */
	sregs.cr0 |= (1u << 0) | (1u << 31);                     /* PE, PG */
	sregs.efer |= (1u << 8) | (1u << 10);                    /* LME, LMA */
	if (ioctl(vmm->vcpus[0].fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rsi = ZERO_PAGE_ADDR;
	regs.rflags = 0x2;                                       /* interrupts off */
	return ioctl(vmm->vcpus[0].fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

/* The initrd at the top of what the kernel can reach, page aligned. */
static int load_initrd(struct vmm *vmm, const struct vmm_image *initrd, uint8_t *zp)
{
	uint64_t limit = get32(zp + BP_INITRD_ADDR_MAX), at, size = initrd->size;
	int err;

	if (!limit)
		limit = 0x37ffffff;                              /* protocols before 2.03 */
	if (limit > vmm->mem_size - 1)
		limit = vmm->mem_size - 1;
	at = (limit + 1 - size) & ~0xfffull;
	if (size > limit || at < (8u << 20)) {
		vmm_fail(vmm, "the initrd %s does not fit into the guest's memory", initrd->name);
		return -ENOSPC;
	}
	err = vmm_load_image(vmm, "initrd", initrd, at);
	if (err)
		return err;
	put32(zp + BP_RAMDISK_IMAGE, (uint32_t)at);
	put32(zp + BP_RAMDISK_SIZE, (uint32_t)size);
	put32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(at >> 32));
	put32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(size >> 32));
	return 0;
}

/*
 * The command line: the user's, then virtio_mmio.device=4K@BASE:IRQ for
 * each virtio device, which is how a kernel built with
 * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES finds them (others read the DSDT,
 * acpi.c). All of it must fit the
 * kernel's cmdline_size (0: the loader's limit).
 */
static int write_cmdline(struct vmm *vmm, const struct vmm_config *cfg, uint32_t cmdline_size)
{
	/* each at most 36 bytes: a window below 4 GiB, an IRQ below 16 */
	char params[VMM_VIRTIO_SLOTS * 48] = "", *cmdline = vmm_gpa(vmm, CMDLINE_ADDR, CMDLINE_MAX);
	const char *user = cfg->cmdline ? cfg->cmdline : "";
	size_t plen = 0, len, max = cmdline_size && cmdline_size < CMDLINE_MAX ? cmdline_size
	                                                                     : CMDLINE_MAX - 1;

	for (unsigned i = 0; i < vmm->nvirtio; i++)
		plen += (size_t)snprintf(params + plen, sizeof(params) - plen,
		                         "%svirtio_mmio.device=4K@0x%llx:%u", plen ? " " : "",
		                         (unsigned long long)vmm->virtio[i]->base, vmm->virtio[i]->irq);
	len = strlen(user) + (*user && plen ? 1 : 0) + plen;
	if (strlen(user) > max) {
		vmm_fail(vmm, "the command line is longer than the kernel takes (%zu bytes)", max);
		return -E2BIG;
	}
	if (len > max || !cmdline) {
		vmm_fail(vmm, "the command line with the virtio devices' parameters (%s) is %zu bytes, "
		         "longer than the kernel takes (%zu bytes)", params, len, max);
		return -E2BIG;
	}
	memcpy(cmdline, user, strlen(user));
	if (*user && plen)
		cmdline[strlen(user)] = ' ';
	memcpy(cmdline + len - plen, params, plen);
	cmdline[len] = '\0';
	return 0;
}

int vmm_linux_load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image,
                   size_t size)
{
	unsigned setup_sects = image[BP_SETUP_SECTS] ? image[BP_SETUP_SECTS] : 4;
	size_t setup_size = (setup_sects + 1u) * 512u, header_end = BP_HEADER + image[BP_JUMP + 1];
	uint16_t version = get16(image + BP_VERSION);
	uint64_t load, init_size, align, rsdp;
	uint8_t *zp, *dst;

	if (version < 0x020c || !(get16(image + BP_XLOADFLAGS) & XLF_KERNEL_64)) {
		vmm_fail(vmm, "the bzImage has no 64-bit entry (boot protocol %x.%02x)", version >> 8,
		         version & 0xff);
		return -EINVAL;
	}
	if (setup_size >= size || header_end > setup_size || header_end > 0x300) {
		vmm_fail(vmm, "the bzImage's setup header is malformed");
		return -EINVAL;
	}
	/* where it wants to be: pref_address if it can move, else 1 MiB */
	init_size = get32(image + BP_INIT_SIZE);
	align = get32(image + BP_KERNEL_ALIGNMENT);
	load = 0x100000;
	if (image[BP_RELOCATABLE]) {
		load = get64(image + BP_PREF_ADDRESS);
		if (align && (align & (align - 1)) == 0)
			load = (load + align - 1) & ~(align - 1);
	}
	if (init_size < size - setup_size)
		init_size = size - setup_size;
	dst = vmm_gpa(vmm, load, init_size);
	if (!dst) {
		vmm_fail(vmm, "the kernel needs %llu MiB at 0x%llx, more than the guest's %llu MiB",
		         (unsigned long long)(init_size >> 20), (unsigned long long)load,
		         (unsigned long long)(vmm->mem_size >> 20));
		return -ENOSPC;
	}
	memcpy(dst, image + setup_size, size - setup_size);

	zp = vmm_gpa(vmm, ZERO_PAGE_ADDR, 4096);
	memset(zp, 0, 4096);
	memcpy(zp + BP_SETUP_SECTS, image + BP_SETUP_SECTS, header_end - BP_SETUP_SECTS);
	zp[BP_TYPE_OF_LOADER] = 0xff;                            /* "undefined" loader */
	zp[BP_LOADFLAGS] |= LOADED_HIGH | CAN_USE_HEAP;
	memcpy(zp + BP_HEAP_END_PTR, &(uint16_t){ 0xfe00 }, 2);
	/* e820: the machine's <mem> ranges, and the BIOS area below 1 MiB reserved */
	for (unsigned i = 0; i < vmm->machine.nmem; i++) {
		uint64_t start = vmm->machine.mem[i].start, end = vmm->machine.mem[i].end;
		if (end <= BIOS_AREA || start >= BIOS_AREA_END) {
			e820_add(zp, start, end - start, E820_RAM);
			if (start == 0 && end < BIOS_AREA_END)
				e820_add(zp, end, BIOS_AREA_END - end, E820_RESERVED);
			continue;
		}
		/* a range over the BIOS area: the tables there are not RAM the guest may take */
		if (start < BIOS_AREA)
			e820_add(zp, start, BIOS_AREA - start, E820_RAM);
		e820_add(zp, start > BIOS_AREA ? start : BIOS_AREA,
		         BIOS_AREA_END - (start > BIOS_AREA ? start : BIOS_AREA), E820_RESERVED);
		if (end > BIOS_AREA_END)
			e820_add(zp, BIOS_AREA_END, end - BIOS_AREA_END, E820_RAM);
	}
	/* ACPI, the way Debian's kernels find the virtio devices (doc/vmm-virtio.md) */
	if (vmm_acpi_write(vmm, &rsdp)) {
		vmm_fail(vmm, "no room for the ACPI tables in the guest's memory");
		return -ENOSPC;
	}
	put64(zp + BP_ACPI_RSDP_ADDR, rsdp);

	if (write_cmdline(vmm, cfg, get32(image + BP_CMDLINE_SIZE)))
		return -E2BIG;
	put32(zp + BP_CMD_LINE_PTR, CMDLINE_ADDR);
	put32(zp + BP_EXT_CMD_LINE_PTR, 0);
	if (cfg->nmodules && load_initrd(vmm, &cfg->modules[0].image, zp))
		return -ENOSPC;
	if (enter_long_mode(vmm, load + 0x200)) {
		vmm_fail(vmm, "cannot set the vCPU's long-mode entry state");
		return -EINVAL;
	}
	return 0;
}
