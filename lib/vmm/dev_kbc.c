/*
 * The i8042 keyboard controller (ports 0x60/0x64) as far as a guest needs
 * it without a keyboard: its status, its output port, and above all the
 * reset line (command 0xFE), which ends the VMM's run as a machine reset
 * does. Port 0x92's fast reset bit does the same.
 */
#include <stdint.h>
#include "vmm_internal.h"

/* The handlers tell the registers apart by what their dev says. */
enum { KBC_DATA = 1, KBC_COMMAND, FAST_RESET, NULLIO };

static void kbc_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	uintptr_t reg = (uintptr_t)dev;

	if ((reg == KBC_COMMAND && (value & 0xff) == 0xfe) || (reg == FAST_RESET && (value & 1)))
		vmm->end = VMM_END_RESET;
}

static void kbc_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	switch ((uintptr_t)dev) {
	case KBC_COMMAND: *value = 0x1c; break;   /* input and output buffers empty, self-test passed */
	case FAST_RESET:  *value = 0x02; break;   /* A20 enabled */
	case NULLIO:      *value = 0xff; break;
	default:          *value = 0;
	}
}

static int single(struct vmm *vmm, uint16_t port, uintptr_t reg)
{
	struct vmm_port_handler h = { port, 1, kbc_read, kbc_write, (void *)reg };

	return vmm_port_register(vmm, &h);
}

int vmm_kbc_init_at(struct vmm *vmm, uint16_t io_base)
{
	int err = single(vmm, io_base, KBC_DATA);

	return err ? err : single(vmm, (uint16_t)(io_base + 4), KBC_COMMAND);
}

/* Vancouver's scp port a: bit 0 resets, bit 1 is A20. */
int vmm_fast_reset_init(struct vmm *vmm, uint16_t port)
{
	return single(vmm, port, FAST_RESET);
}

/* A port that takes writes and reads all ones (the POST port 0x80), without a note. */
int vmm_nullio_init(struct vmm *vmm, uint16_t port)
{
	return single(vmm, port, NULLIO);
}

int vmm_kbc_init(struct vmm *vmm)
{
	int err = vmm_kbc_init_at(vmm, 0x60);

	return err ? err : vmm_fast_reset_init(vmm, 0x92);
}
