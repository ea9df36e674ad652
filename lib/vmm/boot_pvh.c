/*
 * PVH boot (Xen's direct boot, also QEMU microvm's): an ELF kernel with a
 * XEN_ELFNOTE_PHYS32_ENTRY note is loaded like any ELF and entered at the
 * note's address in flat 32-bit protected mode with %ebx pointing to an
 * hvm_start_info: the command line, the modules, the memory map and the
 * ACPI tables' RSDP (acpi.c; none without an IOAPIC). The
 * segments are loaded by the Multiboot module's ELF loader.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vmm_internal.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC          0x336ec578u

/* Where the start info and what it points to go: conventional memory. */
#define START_INFO_ADDR 0x6000u
#define START_INFO_END  0x9f000u

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* The note's entry address, or 0: walks the PT_NOTE segments of an ELF32 image. */
uint32_t vmm_pvh_entry(const uint8_t *image, size_t size)
{
	const Elf32_Ehdr *eh = (const void *)image;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    eh->e_phoff > size || (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > size - eh->e_phoff)
		return 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf32_Phdr phdr, *ph = &phdr;     /* copies: offsets in a file need not be aligned */
		memcpy(ph, image + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
		if (ph->p_type != PT_NOTE || ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
			continue;
		for (size_t off = 0; off + sizeof(Elf32_Nhdr) <= ph->p_filesz; ) {
			const uint8_t *p = image + ph->p_offset + off + sizeof(Elf32_Nhdr);
			Elf32_Nhdr nhdr, *nh = &nhdr;
			memcpy(nh, image + ph->p_offset + off, sizeof(*nh));
			size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
			if (name > ph->p_filesz || desc > ph->p_filesz ||
			    off + sizeof(*nh) + name + desc > ph->p_filesz)
				break;
			if (nh->n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh->n_namesz == 4 &&
			    !memcmp(p, "Xen", 4) && nh->n_descsz >= 4) {
				uint32_t entry;
				memcpy(&entry, p + name, 4);
				return entry;
			}
			off += sizeof(*nh) + name + desc;
		}
	}
	return 0;
}

/* A copy into the start-info area; its address, or 0 when it is full. */
static uint64_t place(struct vmm *vmm, uint32_t *cursor, const void *data, size_t len)
{
	uint32_t at = *cursor;
	void *dst = vmm_gpa(vmm, at, len);

	if (!dst || at + len > START_INFO_END)
		return 0;
	memcpy(dst, data, len);
	*cursor = (uint32_t)((at + len + 7) & ~7u);
	return at;
}

int vmm_pvh_load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image,
                 size_t size)
{
	struct hvm_start_info si = { .magic = HVM_START_MAGIC, .version = 1 };
	struct hvm_memmap_entry map[VMM_MACHINE_MEM_MAX];
	struct hvm_modlist_entry mods[16];
	uint32_t cursor = START_INFO_ADDR + sizeof(si), entry = vmm_pvh_entry(image, size);
	uint64_t end, next;
	int err;

	if (cfg->nmodules > 16) {
		vmm_fail(vmm, "at most 16 modules");
		return -E2BIG;
	}
	err = vmm_elf32_load(vmm, image, size, &end);
	if (err)
		return err;
	for (unsigned i = 0; i < vmm->machine.nmem; i++)
		map[i] = (struct hvm_memmap_entry){ vmm->machine.mem[i].start,
		                                    vmm->machine.mem[i].end - vmm->machine.mem[i].start, 1, 0 };
	si.memmap_paddr = place(vmm, &cursor, map, vmm->machine.nmem * sizeof(map[0]));
	si.memmap_entries = vmm->machine.nmem;
	if (cfg->cmdline)
		si.cmdline_paddr = place(vmm, &cursor, cfg->cmdline, strlen(cfg->cmdline) + 1);
	next = (end + 4095) & ~4095ull;
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		uint64_t len = cfg->modules[i].image.size;
		err = vmm_load_image(vmm, "module", &cfg->modules[i].image, next);
		if (err)
			return err;
		mods[i] = (struct hvm_modlist_entry){ next, len, 0, 0 };
		if (cfg->modules[i].cmdline && strchr(cfg->modules[i].cmdline, ' '))
			mods[i].cmdline_paddr = place(vmm, &cursor, strchr(cfg->modules[i].cmdline, ' ') + 1,
			                              strlen(strchr(cfg->modules[i].cmdline, ' ') + 1) + 1);
		next = (next + len + 4095) & ~4095ull;
	}
	if (cfg->nmodules) {
		si.nr_modules = cfg->nmodules;
		si.modlist_paddr = place(vmm, &cursor, mods, cfg->nmodules * sizeof(mods[0]));
	}
	if (vmm_acpi_write(vmm, &si.rsdp_paddr)) {
		vmm_fail(vmm, "no room for the ACPI tables in the guest's memory");
		return -ENOSPC;
	}
	memcpy(vmm_gpa(vmm, START_INFO_ADDR, sizeof(si)), &si, sizeof(si));
	err = vmm_enter_protected_mode(vmm, entry, 0, START_INFO_ADDR);
	if (err)
		vmm_fail(vmm, "cannot set the vCPU's entry state");
	return err;
}
