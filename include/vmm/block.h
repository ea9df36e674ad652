/*
 * What backs a guest's virtio block device: a small set of operations on
 * 512-byte sectors. Stand-alone, lib/vmm opens a raw image file for each
 * disk (struct vmm_disk with ops NULL); the component VMM plugs a Block
 * session in here instead.
 *
 * The device model checks every request against size() before it calls
 * read or write, so a backend sees only sectors inside the disk, and it
 * never calls write on a read-only disk. Calls come from the VMM's vCPU
 * thread, one at a time; each may block.
 */
#ifndef VMM_BLOCK_H
#define VMM_BLOCK_H

#include <stdint.h>

#define VMM_BLOCK_SECTOR 512u

struct vmm_block_ops {
	/* count sectors from sector into buf (count * 512 bytes): 0 or a negative errno */
	int (*read)(void *priv, uint64_t sector, void *buf, uint32_t count);
	/* count sectors from buf to sector: 0 or a negative errno */
	int (*write)(void *priv, uint64_t sector, const void *buf, uint32_t count);
	/* what was written is on stable storage: 0 or a negative errno */
	int (*flush)(void *priv);
	/* the disk's size in sectors, fixed for the backend's life */
	uint64_t (*size)(void *priv);
};

#endif
