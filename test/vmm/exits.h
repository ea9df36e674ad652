/*
 * What the VMM's unit tests feed its buses: one port or MMIO access, made
 * up as KVM would report it in the run structure, and the value a read
 * returned.
 */
#ifndef TEST_VMM_EXITS_H
#define TEST_VMM_EXITS_H

#include <string.h>
#include "vmm_internal.h"

/* One MMIO access of len bytes through the bus; a read's value. */
__attribute__((unused)) static uint64_t mmio(struct vmm *vmm, int write, uint64_t addr,
                                             unsigned len, uint64_t value)
{
	static struct kvm_run run;

	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_MMIO;
	run.mmio.phys_addr = addr;
	run.mmio.len = len;
	run.mmio.is_write = (uint8_t)write;
	memcpy(run.mmio.data, &value, len);
	vmm_mmio_access(vmm, &run);
	value = 0;
	memcpy(&value, run.mmio.data, len);
	return value;
}

/* One port access of size bytes through the bus; a read's value. */
__attribute__((unused)) static uint32_t io(struct vmm *vmm, int out, uint16_t port,
                                           unsigned size, uint32_t value)
{
	static uint8_t page[4096] __attribute__((aligned(8)));
	struct kvm_run *run = (struct kvm_run *)page;

	memset(page, 0, sizeof(page));
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = (uint8_t)size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 1024;
	memcpy(page + 1024, &value, size);
	vmm_port_access(vmm, run);
	memcpy(&value, page + 1024, size);
	return size == 4 ? value : value & ((1u << (8 * size)) - 1);
}

#endif
