/*
 * Multiboot (v1) boot: find the header in the kernel's first 8 KiB, load
 * the ELF32 segments (or the a.out-kludge image) where they ask to be,
 * place the modules and the boot information after the kernel, and start
 * the vCPU as the specification says: 32-bit protected mode with flat
 * segments, paging off, interrupts off, EAX = 0x2BADB002, EBX = the
 * information's address.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vmm_internal.h"

#define MB_HEADER_MAGIC  0x1badb002u
#define MB_BOOT_MAGIC    0x2badb002u
#define MB_SEARCH        8192u
#define MB_AOUT_KLUDGE   (1u << 16)

/* Where the boot information and the memory map go: conventional memory. */
#define MB_INFO_ADDR     0x9000u
#define MB_INFO_END      0x9f000u

struct mb_header {
	uint32_t magic, flags, checksum;
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

struct mb_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static const struct mb_header *find_header(const uint8_t *image, size_t size, size_t *offset)
{
	for (size_t off = 0; off + sizeof(struct mb_header) <= size && off < MB_SEARCH; off += 4) {
		const struct mb_header *h = (const void *)(image + off);
		if (h->magic == MB_HEADER_MAGIC && h->magic + h->flags + h->checksum == 0) {
			*offset = off;
			return h;
		}
	}
	return NULL;
}

int vmm_multiboot_probe(const uint8_t *image, size_t size)
{
	size_t off;

	return find_header(image, size, &off) != NULL;
}

/* Copy the ELF32 PT_LOAD segments; *end is the highest address used. */
static int load_elf(struct vmm *vmm, const uint8_t *image, size_t size, uint32_t *entry,
                    uint64_t *end);

int vmm_elf32_load(struct vmm *vmm, const uint8_t *image, size_t size, uint64_t *end)
{
	uint32_t entry;

	return load_elf(vmm, image, size, &entry, end);
}

static int load_elf(struct vmm *vmm, const uint8_t *image, size_t size, uint32_t *entry,
                    uint64_t *end)
{
	const Elf32_Ehdr *eh = (const void *)image;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386) {
		vmm_fail(vmm, "not an ELF32 i386 image and no a.out kludge in its Multiboot header");
		return -EINVAL;
	}
	if (eh->e_phentsize != sizeof(Elf32_Phdr) || eh->e_phoff > size ||
	    (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > size - eh->e_phoff) {
		vmm_fail(vmm, "the kernel's program headers lie outside the file");
		return -EINVAL;
	}
	*end = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf32_Phdr phdr, *ph = &phdr;     /* a copy: e_phoff need not be aligned */
		uint8_t *dst;
		memcpy(ph, image + eh->e_phoff + i * sizeof(*ph), sizeof(*ph));
		if (ph->p_type != PT_LOAD)
			continue;
		if (ph->p_filesz > ph->p_memsz || ph->p_offset > size || ph->p_filesz > size - ph->p_offset) {
			vmm_fail(vmm, "a segment of the kernel lies outside the file");
			return -EINVAL;
		}
		dst = vmm_gpa(vmm, ph->p_paddr, ph->p_memsz);
		if (!dst) {
			vmm_fail(vmm, "the kernel wants 0x%x..0x%x, beyond the guest's %llu MiB", ph->p_paddr,
			         ph->p_paddr + ph->p_memsz, (unsigned long long)(vmm->mem_size >> 20));
			return -EINVAL;
		}
		memcpy(dst, image + ph->p_offset, ph->p_filesz);
		memset(dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
		if ((uint64_t)ph->p_paddr + ph->p_memsz > *end)
			*end = (uint64_t)ph->p_paddr + ph->p_memsz;
	}
	*entry = eh->e_entry;
	return 0;
}

/* The a.out kludge: the header says where the file goes. */
static int load_kludge(struct vmm *vmm, const struct mb_header *h, size_t header_off,
                       const uint8_t *image, size_t size, uint32_t *entry, uint64_t *end)
{
	uint64_t file_off = header_off - (uint64_t)(h->header_addr - h->load_addr);
	uint64_t load_len = h->load_end_addr ? h->load_end_addr - h->load_addr : size - file_off;
	uint64_t bss_end = h->bss_end_addr ? h->bss_end_addr : h->load_addr + load_len;
	uint8_t *dst;

	if (h->header_addr < h->load_addr || file_off > size || load_len > size - file_off ||
	    bss_end < h->load_addr + load_len) {
		vmm_fail(vmm, "the Multiboot header's addresses do not fit the file");
		return -EINVAL;
	}
	dst = vmm_gpa(vmm, h->load_addr, bss_end - h->load_addr);
	if (!dst) {
		vmm_fail(vmm, "the kernel does not fit into the guest's memory");
		return -EINVAL;
	}
	memcpy(dst, image + file_off, load_len);
	memset(dst + load_len, 0, bss_end - h->load_addr - load_len);
	*entry = h->entry_addr;
	*end = bss_end;
	return 0;
}

static uint64_t align_page(uint64_t a)
{
	return (a + 4095) & ~4095ull;
}

/* Copy a string into the boot-information area; returns its address or 0. */
static uint32_t put_string(struct vmm *vmm, uint32_t *cursor, const char *s)
{
	size_t len = strlen(s) + 1;
	uint32_t at = *cursor;
	char *dst = vmm_gpa(vmm, at, len);

	if (!dst || at + len > MB_INFO_END)
		return 0;
	memcpy(dst, s, len);
	*cursor = (uint32_t)((at + len + 3) & ~3u);
	return at;
}

static int load_modules(struct vmm *vmm, const struct vmm_config *cfg, struct mb_info *info,
                        uint32_t *cursor, uint64_t *next)
{
	struct mb_module *mods;
	uint32_t mods_addr = *cursor;

	mods = vmm_gpa(vmm, mods_addr, cfg->nmodules * sizeof(*mods));
	if (!mods || mods_addr + cfg->nmodules * sizeof(*mods) > MB_INFO_END)
		return -ENOSPC;
	*cursor += cfg->nmodules * sizeof(*mods);
	for (unsigned i = 0; i < cfg->nmodules; i++) {
		const struct vmm_module *m = &cfg->modules[i];
		uint64_t size = m->image.size;
		int err = vmm_load_image(vmm, "module", &m->image, *next);
		if (err)
			return err;
		mods[i].start = (uint32_t)*next;
		mods[i].end = (uint32_t)(*next + size);
		mods[i].string = put_string(vmm, cursor, m->cmdline ? m->cmdline : m->image.name);
		mods[i].reserved = 0;
		*next = align_page(*next + size);
	}
	info->mods_count = cfg->nmodules;
	info->mods_addr = mods_addr;
	info->flags |= 1u << 3;
	return 0;
}

/* Flat 32-bit protected mode, as the specification promises the kernel. */
int vmm_enter_protected_mode(struct vmm *vmm, uint32_t entry, uint32_t eax, uint32_t ebx)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb, .present = 1,
		.dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment data = code;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	data.selector = 0x10;
	data.type = 0x3;
	if (ioctl(vmm->vcpus[0].fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	sregs.cr0 = (sregs.cr0 | 1) & ~(1ull << 31);     /* PE on, PG off */
	if (ioctl(vmm->vcpus[0].fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	memset(&regs, 0, sizeof(regs));
	regs.rip = entry;
	regs.rax = eax;
	regs.rbx = ebx;
	regs.rflags = 0x2;                               /* interrupts off */
	return ioctl(vmm->vcpus[0].fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

int vmm_multiboot_load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image,
                       size_t size)
{
	size_t header_off;
	const struct mb_header *h = find_header(image, size, &header_off);
	uint32_t entry, cursor = MB_INFO_ADDR + sizeof(struct mb_info);
	uint64_t end, next;
	struct mb_info *info = vmm_gpa(vmm, MB_INFO_ADDR, sizeof(*info));
	struct mb_mmap_entry *mmap;
	int err;

	if (!h || !info)
		return -EINVAL;
	err = (h->flags & MB_AOUT_KLUDGE) ? load_kludge(vmm, h, header_off, image, size, &entry, &end)
	                                  : load_elf(vmm, image, size, &entry, &end);
	if (err)
		return err;
	memset(info, 0, sizeof(*info));
	/* memory: the machine's <mem> ranges; lower and upper as a BIOS counts them */
	info->flags = 1u << 0 | 1u << 6;
	mmap = vmm_gpa(vmm, cursor, vmm->machine.nmem * sizeof(*mmap));
	for (unsigned i = 0; i < vmm->machine.nmem; i++) {
		uint64_t from = vmm->machine.mem[i].start, to = vmm->machine.mem[i].end;
		mmap[i] = (struct mb_mmap_entry){ sizeof(*mmap) - 4, from, to - from, 1 };
		if (from == 0)
			info->mem_lower = (uint32_t)((to < 0xa0000 ? to : 0x9fc00) >> 10);
		if (from <= 0x100000 && to > 0x100000)
			info->mem_upper = (uint32_t)((to - 0x100000) >> 10);
	}
	info->mmap_addr = cursor;
	info->mmap_length = vmm->machine.nmem * sizeof(*mmap);
	cursor += vmm->machine.nmem * sizeof(*mmap);
	/* the command line starts with the kernel's name, as GRUB and QEMU pass it */
	{
		char line[4096];
		snprintf(line, sizeof(line), "%s%s%s", cfg->kernel.name, cfg->cmdline ? " " : "",
		         cfg->cmdline ? cfg->cmdline : "");
		info->cmdline = put_string(vmm, &cursor, line);
		if (info->cmdline)
			info->flags |= 1u << 2;
	}
	next = align_page(end);
	if (cfg->nmodules && (err = load_modules(vmm, cfg, info, &cursor, &next)))
		return err;
	err = vmm_enter_protected_mode(vmm, entry, MB_BOOT_MAGIC, MB_INFO_ADDR);
	if (err)
		vmm_fail(vmm, "cannot set the vCPU's entry state");
	return err;
}
