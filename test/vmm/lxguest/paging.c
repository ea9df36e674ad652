/*
 * Our own identity map of the low 4 GiB in 2 MiB pages. The 64-bit protocol promises only the
 * kernel's init_size, boot_params and the command line mapped; the initrd, the GDT and the
 * e820 ranges need not be, and without XLF_CAN_BE_LOADED_ABOVE_4G everything is below 4 GiB.
 */
#include "lxtest.h"

#define PTE_PRESENT 0x001
#define PTE_WRITE 0x002
#define PTE_LARGE 0x080
#define PAGE_2M 0x200000ull
#define ENTRIES 512
#define GIBS 4

static uint64_t pml4[ENTRIES] __attribute__((aligned(4096)));
static uint64_t pdpt[ENTRIES] __attribute__((aligned(4096)));
static uint64_t pd[GIBS][ENTRIES] __attribute__((aligned(4096)));

void paging_init(void)
{
	/* Identity-mapped, so a table's address is its physical address. */
	pml4[0] = (uint64_t)pdpt | PTE_PRESENT | PTE_WRITE;
	for (int g = 0; g < GIBS; g++) {
		pdpt[g] = (uint64_t)pd[g] | PTE_PRESENT | PTE_WRITE;
		for (int i = 0; i < ENTRIES; i++)
			pd[g][i] = ((uint64_t)g * ENTRIES + i) * PAGE_2M |
				   PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	}
	__asm__ volatile("mov %0, %%cr3" : : "r"(pml4) : "memory");
}
