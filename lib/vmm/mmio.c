/*
 * The MMIO bus: KVM reports a guest's access to an address that is not
 * RAM (len 1, 2, 4 or 8 bytes); it goes to the device whose window holds
 * it, with the offset into that window. Addresses nobody claims read as
 * all ones and ignore writes, as on a PC. An access that straddles the end
 * of a window is the guest's mistake and goes nowhere.
 */
#include <errno.h>
#include <string.h>
#include "vmm_internal.h"

int vmm_mmio_register(struct vmm *vmm, const struct vmm_mmio_handler *h)
{
	if (vmm->nmmio == VMM_MMIO_HANDLERS)
		return -ENOSPC;
	for (unsigned i = 0; i < vmm->nmmio; i++) {
		const struct vmm_mmio_handler *o = &vmm->mmio[i];
		if (h->base < o->base + o->size && o->base < h->base + h->size)
			return -EBUSY;
	}
	vmm->mmio[vmm->nmmio++] = *h;
	return 0;
}

static struct vmm_mmio_handler *window(struct vmm *vmm, uint64_t addr, unsigned len)
{
	for (unsigned i = 0; i < vmm->nmmio; i++) {
		struct vmm_mmio_handler *h = &vmm->mmio[i];
		if (addr >= h->base && addr - h->base < h->size)
			return len <= h->size - (addr - h->base) ? h : NULL;
	}
	return NULL;
}

void vmm_mmio_access(struct vmm *vmm, struct kvm_run *run)
{
	unsigned len = run->mmio.len;
	struct vmm_mmio_handler *h;
	uint64_t value = ~0ull;

	if (len != 1 && len != 2 && len != 4 && len != 8) {
		vmm_fail(vmm, "malformed MMIO access reported by KVM");
		return;
	}
	h = window(vmm, run->mmio.phys_addr, len);
	if (run->mmio.is_write) {
		value = 0;
		memcpy(&value, run->mmio.data, len);
		if (h && h->write)
			h->write(vmm, h->dev, run->mmio.phys_addr - h->base, len, value);
	} else {
		if (h && h->read)
			h->read(vmm, h->dev, run->mmio.phys_addr - h->base, len, &value);
		memcpy(run->mmio.data, &value, len);
	}
}
