/*
 * The VMM component: lib/vmm as an Arbor component. What it reads from its
 * <config> (config.c) and the sessions it runs a guest with (main.c).
 */
#ifndef APP_VMM_VMM_H
#define APP_VMM_VMM_H

#include <vmm/vmm.h>

#define VMM_BOOT_ROMS_MAX 16
#define VMM_NAME_MAX      128
#define VMM_CMDLINE_MAX   1024

/* The default machine's guest RAM when the config has no <machine>. */
#define VMM_DEFAULT_GUEST_RAM (32ull << 20)

struct vmm_boot_rom {
	char name[VMM_NAME_MAX];             /* the ROM session's label */
	char cmdline[VMM_CMDLINE_MAX];       /* the kernel's command line or the module's string */
};

struct vmm_setup {
	struct vmm_machine machine;
	struct vmm_boot_rom rom[VMM_BOOT_ROMS_MAX];   /* rom[0]: the kernel */
	unsigned nrom;
};

/*
 * Read <config>: the <machine> (or a default PC with VMM_DEFAULT_GUEST_RAM)
 * and the <multiboot> list of <rom name cmdline>, kernel first. Returns 0,
 * or -EINVAL with the reason (file:line:column where known) in why.
 */
int vmm_setup_parse(const char *text, size_t len, struct vmm_setup *setup, char *why,
                    size_t why_size);

#endif
