/* The 64-bit entry's checks, in the order a loader's mistakes would surface, then the reset. */
#include "lxtest.h"

void lxtest_main(uint64_t boot_params, uint64_t selectors, uint64_t rflags)
{
	const uint8_t *bp = (const uint8_t *)boot_params;

	serial_init();
	report("64-bit entry, boot_params at 0x%08lx", boot_params);
	bootparams_locate(boot_params);
	/* From here on nothing depends on what else the loader's page tables map. */
	paging_init();
	bootparams_header(bp);
	cpu_check(selectors, rflags);
	bootparams_e820(bp);
	bootparams_cmdline(bp);
	bootparams_initrd(bp);
	bootparams_loader(bp);
	acpi_check(bp);
	report("done");
	reset_machine();
}
