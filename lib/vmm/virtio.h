/*
 * The virtio model shared by the virtio-mmio transport (virtio_mmio.c), the
 * split virtqueues (virtqueue.c) and the device models (virtio_console.c,
 * virtio_block.c). Everything here is driven by an untrusted guest: a ring
 * that breaks the rules puts the device into DEVICE_NEEDS_RESET, and it
 * does nothing more until the driver resets it (doc/vmm-virtio.md).
 */
#ifndef VMM_VIRTIO_H
#define VMM_VIRTIO_H

#include <stddef.h>
#include <stdint.h>
#include "vmm_internal.h"

#define VMM_VIRTIO_QUEUES_MAX 2
#define VMM_VIRTQUEUE_MAX     256          /* the largest queue a device offers */
#define VMM_VIRTIO_CONFIG_MAX 64           /* device-specific configuration bytes */

/* Device status bits (virtio 1.2, 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE  0x01
#define VIRTIO_STATUS_DRIVER       0x02
#define VIRTIO_STATUS_DRIVER_OK    0x04
#define VIRTIO_STATUS_FEATURES_OK  0x08
#define VIRTIO_STATUS_NEEDS_RESET  0x40
#define VIRTIO_STATUS_FAILED       0x80

/* Interrupt status bits. */
#define VIRTIO_ISR_USED            0x01
#define VIRTIO_ISR_CONFIG          0x02

#define VIRTIO_F_VERSION_1         (1ull << 32)

#define VIRTIO_ID_BLOCK            2
#define VIRTIO_ID_CONSOLE          3

/* A split virtqueue as the driver set it up; the rings are guest-physical. */
struct vmm_virtqueue {
	uint16_t num;                  /* the driver's size: a power of two, at most the device's max */
	uint16_t next_avail;           /* the next avail ring entry to take */
	uint16_t next_used;            /* the used ring's idx as last written */
	int ready;
	uint64_t desc, avail, used;
};

/* One buffer of a descriptor chain, inside guest RAM. */
struct vmm_virtq_buf {
	uint8_t *data;
	uint32_t len;
};

/* A descriptor chain: its readable buffers first, then its writable ones. */
struct vmm_virtq_chain {
	uint16_t head;
	unsigned nbufs, nread;         /* bufs[0, nread) readable, bufs[nread, nbufs) writable */
	uint64_t read_len, write_len;  /* their byte counts */
	struct vmm_virtq_buf bufs[VMM_VIRTQUEUE_MAX];
};

/*
 * virtqueue.c. check: 0 when q's size and rings are valid (power-of-two
 * size up to max, rings aligned and inside RAM), else -EINVAL. pop: 1 and
 * the next chain, 0 when the ring is empty, -EPROTO when it is malformed
 * (then *c is undefined). push: hand a chain back with len bytes written.
 */
int vmm_virtqueue_check(struct vmm *vmm, const struct vmm_virtqueue *q, uint16_t max);
int vmm_virtqueue_pop(struct vmm *vmm, struct vmm_virtqueue *q, struct vmm_virtq_chain *c);
/* Whether the driver made a buffer available that pop() has not taken (a malformed ring: no). */
int vmm_virtqueue_has_avail(struct vmm *vmm, const struct vmm_virtqueue *q);
void vmm_virtqueue_unpop(struct vmm_virtqueue *q);  /* the last pop again, when nothing was done */
int vmm_virtqueue_push(struct vmm *vmm, struct vmm_virtqueue *q, uint16_t head, uint32_t len);
/* Whether the driver wants an interrupt for used buffers (no VIRTQ_AVAIL_F_NO_INTERRUPT). */
int vmm_virtqueue_wants_interrupt(struct vmm *vmm, const struct vmm_virtqueue *q);
/* Copy from the chain's readable bytes at off, or to its writable ones; returns bytes copied. */
size_t vmm_virtqueue_gather(const struct vmm_virtq_chain *c, uint64_t off, void *dst, size_t len);
size_t vmm_virtqueue_scatter(const struct vmm_virtq_chain *c, uint64_t off, const void *src,
                             size_t len);

struct vmm_virtio;

/* A device model's part, called by the transport. */
struct vmm_virtio_ops {
	uint32_t device_id;
	unsigned nqueues;
	/* The driver made buffers available in a running queue: 0, or -EPROTO for a malformed ring. */
	int (*notify)(struct vmm *vmm, struct vmm_virtio *dev, unsigned queue);
	/* Free the device model and its transport state (dev itself). */
	void (*free)(struct vmm_virtio *dev);
};

/* The transport's state of one device. */
struct vmm_virtio {
	const struct vmm_virtio_ops *ops;
	void *priv;                    /* the device model's */
	uint64_t base;
	uint8_t irq;
	uint16_t queue_max;
	uint64_t features;             /* offered, VIRTIO_F_VERSION_1 among them */
	uint64_t driver_features;
	uint32_t status, isr;
	uint32_t features_sel, driver_features_sel, queue_sel;
	struct vmm_virtqueue queue[VMM_VIRTIO_QUEUES_MAX];
	uint8_t config[VMM_VIRTIO_CONFIG_MAX];   /* little-endian, read-only for the driver */
	unsigned config_size;
	unsigned malformed;            /* times the driver broke a rule: for tests and messages */
};

/*
 * virtio_mmio.c. add: register dev's window on the MMIO bus and hand dev
 * to the VMM, which frees it (ops->free) in vmm_virtio_free_all(); 0 or
 * -ENOSPC, -EBUSY (dev is not taken then).
 */
int vmm_virtio_add(struct vmm *vmm, struct vmm_virtio *dev);
/* Queue q can be used: the driver is running, q is ready, no reset is pending. */
int vmm_virtio_running(const struct vmm_virtio *dev, unsigned q);
/* Buffers of queue q were used: interrupt the driver unless it asked not to be. */
void vmm_virtio_used(struct vmm *vmm, struct vmm_virtio *dev, unsigned q);
/* The driver broke the rules: DEVICE_NEEDS_RESET, a configuration-change interrupt, stop. */
void vmm_virtio_needs_reset(struct vmm *vmm, struct vmm_virtio *dev);

/*
 * block_file.c: a raw image file as the backend of a virtio block device
 * (vmm/block.h). open: 0, or a negative errno (-EINVAL: not a regular
 * file; -EBUSY: locked by another VMM).
 */
struct vmm_block_file;
extern const struct vmm_block_ops vmm_block_file_ops;
int vmm_block_file_open(const char *path, int read_only, struct vmm_block_file **out);
void vmm_block_file_close(struct vmm_block_file *f);

#endif
