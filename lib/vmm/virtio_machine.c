/*
 * Which virtio devices a VM gets: the machine's <virtio_console> and
 * <virtio_block> elements in order, the config's disks assigned to the
 * <virtio_block> elements in turn (an element left without a disk is left
 * out), and the disks beyond them placed in the next free slots. Every
 * window must lie outside guest RAM, or the guest would never reach it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "virtio.h"

/* Disks without a <virtio_block> of their own get one, in the first free slots. */
static int place_disks(struct vmm *vmm, const struct vmm_config *cfg, char *why, size_t size)
{
	unsigned blocks = 0;

	for (unsigned i = 0; i < vmm->machine.ndev; i++)
		blocks += vmm->machine.dev[i].kind == VMM_DEV_VIRTIO_BLOCK;
	for (unsigned i = blocks; i < cfg->ndisks; i++) {
		if (vmm_machine_add_virtio(&vmm->machine, VMM_DEV_VIRTIO_BLOCK)) {
			snprintf(why, size, "too many disks: the machine has room for %d virtio devices",
			         VMM_VIRTIO_SLOTS);
			return -ENOSPC;
		}
	}
	return 0;
}

int vmm_virtio_machine_create(struct vmm *vmm, const struct vmm_config *cfg, char *why, size_t size)
{
	unsigned disk = 0;
	int err = place_disks(vmm, cfg, why, size);

	for (unsigned i = 0; i < vmm->machine.ndev && !err; i++) {
		const struct vmm_device *d = &vmm->machine.dev[i];
		if (d->kind != VMM_DEV_VIRTIO_CONSOLE && d->kind != VMM_DEV_VIRTIO_BLOCK)
			continue;
		if (d->kind == VMM_DEV_VIRTIO_BLOCK && disk == cfg->ndisks)
			continue;
		if (d->mem_base < vmm->mem_size) {
			snprintf(why, size, "the virtio window at 0x%llx lies in guest RAM",
			         (unsigned long long)d->mem_base);
			return -EINVAL;
		}
		if (d->kind == VMM_DEV_VIRTIO_BLOCK) {
			err = vmm_virtio_block_init(vmm, d->mem_base, d->irq, &cfg->disks[disk++], why,
			                            size);
		} else {
			err = vmm_virtio_console_init(vmm, d->mem_base, d->irq);
			if (err)
				snprintf(why, size, "cannot place the virtio console at 0x%llx: %s",
				         (unsigned long long)d->mem_base, strerror(-err));
		}
	}
	return err;
}
