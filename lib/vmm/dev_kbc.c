/*
 * The i8042 keyboard controller (ports 0x60/0x64) as far as a guest needs
 * it without a keyboard: its status, its output port, and above all the
 * reset line (command 0xFE), which ends the VMM's run as a machine reset
 * does. Port 0x92's fast reset bit does the same.
 */
#include "vmm_internal.h"

static void kbc_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	if ((port == 0x64 && (value & 0xff) == 0xfe) || (port == 0x92 && (value & 1)))
		vmm->end = VMM_END_RESET;
}

static void kbc_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	if (port == 0x64)
		*value = 0x1c;                        /* input and output buffers empty, self-test passed */
	else if (port == 0x92)
		*value = 0x02;                        /* A20 enabled */
	else
		*value = 0;
}

int vmm_kbc_init(struct vmm *vmm)
{
	static const uint16_t ports[] = { 0x60, 0x64, 0x92 };
	int err = 0;

	for (unsigned i = 0; i < 3 && !err; i++) {
		struct vmm_port_handler h = { ports[i], 1, kbc_read, kbc_write, NULL };
		err = vmm_port_register(vmm, &h);
	}
	return err;
}
