/*
 * The virtio-mmio transport, version 2 (virtio 1.2, 4.2.2): a 4 KiB window
 * of 32-bit registers and the device's configuration bytes from 0x100, an
 * edge on the device's PIC line whenever an interrupt-status bit is set.
 * Device models plug in through struct vmm_virtio_ops.
 *
 * A hostile driver gets: control-register accesses other than aligned
 * 32-bit ones read 0 and are dropped, as are writes to read-only
 * registers and configuration bytes; queue registers cannot change under
 * a ready queue; a bad queue size or ring address at QueueReady, a notify
 * of a queue that is not ready, DRIVER_OK without FEATURES_OK and any
 * malformed ring put the device into DEVICE_NEEDS_RESET, after which it
 * ignores the driver until Status is written 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "virtio.h"

#define VIRTIO_MMIO_MAGIC   0x74726976u     /* "virt" */
#define VIRTIO_MMIO_VERSION 2
#define VIRTIO_VENDOR_ARBOR 0x52424f41u     /* "AOBR": no PCI vendor behind it */
#define CONFIG_OFFSET       0x100

enum {
	REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008, REG_VENDOR_ID = 0x00c,
	REG_DEVICE_FEATURES = 0x010, REG_DEVICE_FEATURES_SEL = 0x014,
	REG_DRIVER_FEATURES = 0x020, REG_DRIVER_FEATURES_SEL = 0x024,
	REG_QUEUE_SEL = 0x030, REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
	REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064, REG_STATUS = 0x070,
	REG_QUEUE_DESC_LOW = 0x080, REG_QUEUE_DESC_HIGH = 0x084,
	REG_QUEUE_DRIVER_LOW = 0x090, REG_QUEUE_DRIVER_HIGH = 0x094,
	REG_QUEUE_DEVICE_LOW = 0x0a0, REG_QUEUE_DEVICE_HIGH = 0x0a4,
	REG_SHM_LEN_LOW = 0x0b0, REG_SHM_LEN_HIGH = 0x0b4,
	REG_CONFIG_GENERATION = 0x0fc,
};

int vmm_virtio_running(const struct vmm_virtio *dev, unsigned q)
{
	return q < dev->ops->nqueues && dev->queue[q].ready &&
	       (dev->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET |
	                       VIRTIO_STATUS_FAILED)) == VIRTIO_STATUS_DRIVER_OK;
}

static void interrupt(struct vmm *vmm, struct vmm_virtio *dev, uint32_t bit)
{
	dev->isr |= bit;
	vmm_pic_raise(vmm, dev->irq);
}

void vmm_virtio_used(struct vmm *vmm, struct vmm_virtio *dev, unsigned q)
{
	if (q < dev->ops->nqueues && vmm_virtqueue_wants_interrupt(vmm, &dev->queue[q]))
		interrupt(vmm, dev, VIRTIO_ISR_USED);
}

void vmm_virtio_needs_reset(struct vmm *vmm, struct vmm_virtio *dev)
{
	dev->malformed++;
	if (dev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	interrupt(vmm, dev, VIRTIO_ISR_CONFIG);
}

static void device_reset(struct vmm_virtio *dev)
{
	dev->status = dev->isr = 0;
	dev->driver_features = 0;
	dev->features_sel = dev->driver_features_sel = dev->queue_sel = 0;
	memset(dev->queue, 0, sizeof(dev->queue));
}

static void run_queue(struct vmm *vmm, struct vmm_virtio *dev, unsigned q)
{
	if (vmm_virtio_running(dev, q) && dev->ops->notify(vmm, dev, q) < 0)
		vmm_virtio_needs_reset(vmm, dev);
}

/* Status bits only accumulate; 0 resets. The device decides on FEATURES_OK. */
static void write_status(struct vmm *vmm, struct vmm_virtio *dev, uint32_t value)
{
	uint32_t old = dev->status, v = (value & 0xff & ~VIRTIO_STATUS_NEEDS_RESET) | old;

	if (value == 0) {
		device_reset(dev);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(old & VIRTIO_STATUS_FEATURES_OK) &&
	    ((dev->driver_features & ~dev->features) || !(dev->driver_features & VIRTIO_F_VERSION_1)))
		v &= ~VIRTIO_STATUS_FEATURES_OK;  /* the driver reads it back and gives up */
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(v & VIRTIO_STATUS_FEATURES_OK)) {
		dev->status = v & ~VIRTIO_STATUS_DRIVER_OK;
		vmm_virtio_needs_reset(vmm, dev);
		return;
	}
	dev->status = v;
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK))
		for (unsigned q = 0; q < dev->ops->nqueues; q++)
			run_queue(vmm, dev, q);       /* buffers made available before DRIVER_OK */
}

static void write_queue_ready(struct vmm *vmm, struct vmm_virtio *dev, uint32_t value)
{
	struct vmm_virtqueue *q = &dev->queue[dev->queue_sel];

	if (!value) {
		q->ready = 0;
		return;
	}
	if (q->ready)
		return;
	if (vmm_virtqueue_check(vmm, q, dev->queue_max)) {
		vmm_virtio_needs_reset(vmm, dev);
		return;
	}
	q->next_avail = q->next_used = 0;
	q->ready = 1;
}

static void write_notify(struct vmm *vmm, struct vmm_virtio *dev, uint32_t value)
{
	if (value >= dev->ops->nqueues || !dev->queue[value].ready) {
		vmm_virtio_needs_reset(vmm, dev);
		return;
	}
	run_queue(vmm, dev, value);               /* before DRIVER_OK: deferred until then */
}

static void set_low(uint64_t *v, uint32_t low)  { *v = (*v & ~0xffffffffull) | low; }
static void set_high(uint64_t *v, uint32_t high) { *v = (*v & 0xffffffffull) | (uint64_t)high << 32; }

/* Registers of the selected queue: ignored for a queue that does not exist or is ready. */
static void write_queue_reg(struct vmm_virtio *dev, uint64_t reg, uint32_t value)
{
	struct vmm_virtqueue *q = &dev->queue[dev->queue_sel];

	if (dev->queue_sel >= dev->ops->nqueues || q->ready)
		return;
	switch (reg) {
	case REG_QUEUE_NUM:         q->num = value > 0xffff ? 0 : (uint16_t)value; break;
	case REG_QUEUE_DESC_LOW:    set_low(&q->desc, value); break;
	case REG_QUEUE_DESC_HIGH:   set_high(&q->desc, value); break;
	case REG_QUEUE_DRIVER_LOW:  set_low(&q->avail, value); break;
	case REG_QUEUE_DRIVER_HIGH: set_high(&q->avail, value); break;
	case REG_QUEUE_DEVICE_LOW:  set_low(&q->used, value); break;
	case REG_QUEUE_DEVICE_HIGH: set_high(&q->used, value); break;
	}
}

static void write_reg(struct vmm *vmm, struct vmm_virtio *dev, uint64_t reg, uint32_t value)
{
	switch (reg) {
	case REG_DEVICE_FEATURES_SEL: dev->features_sel = value; break;
	case REG_DRIVER_FEATURES_SEL: dev->driver_features_sel = value; break;
	case REG_DRIVER_FEATURES:
		if (dev->status & VIRTIO_STATUS_FEATURES_OK)
			break;                        /* settled */
		if (dev->driver_features_sel == 0)
			set_low(&dev->driver_features, value);
		else if (dev->driver_features_sel == 1)
			set_high(&dev->driver_features, value);
		break;
	case REG_QUEUE_SEL:
		/* out of range stays out of range: QueueNumMax reads 0 and the queue registers are dead */
		dev->queue_sel = value < dev->ops->nqueues ? value : VMM_VIRTIO_QUEUES_MAX;
		break;
	case REG_QUEUE_READY:
		if (dev->queue_sel < dev->ops->nqueues)
			write_queue_ready(vmm, dev, value);
		break;
	case REG_QUEUE_NOTIFY:     write_notify(vmm, dev, value); break;
	case REG_INTERRUPT_ACK:    dev->isr &= ~value; break;
	case REG_STATUS:           write_status(vmm, dev, value); break;
	default:                   write_queue_reg(dev, reg, value); break;
	}
}

static uint32_t read_reg(struct vmm_virtio *dev, uint64_t reg)
{
	const struct vmm_virtqueue *q = dev->queue_sel < dev->ops->nqueues ?
	                                &dev->queue[dev->queue_sel] : NULL;

	switch (reg) {
	case REG_MAGIC:             return VIRTIO_MMIO_MAGIC;
	case REG_VERSION:           return VIRTIO_MMIO_VERSION;
	case REG_DEVICE_ID:         return dev->ops->device_id;
	case REG_VENDOR_ID:         return VIRTIO_VENDOR_ARBOR;
	case REG_DEVICE_FEATURES:
		return dev->features_sel < 2 ? (uint32_t)(dev->features >> (32 * dev->features_sel)) : 0;
	case REG_QUEUE_NUM_MAX:     return q ? dev->queue_max : 0;
	case REG_QUEUE_READY:       return q ? (uint32_t)q->ready : 0;
	case REG_INTERRUPT_STATUS:  return dev->isr;
	case REG_STATUS:            return dev->status;
	case REG_SHM_LEN_LOW:
	case REG_SHM_LEN_HIGH:      return 0xffffffffu;    /* no shared memory regions */
	case REG_CONFIG_GENERATION: return 0;              /* the configuration never changes */
	default:                    return 0;
	}
}

static void mmio_read(struct vmm *vmm, void *priv, uint64_t offset, unsigned size, uint64_t *value)
{
	struct vmm_virtio *dev = priv;

	*value = 0;
	if (offset >= CONFIG_OFFSET) {
		uint64_t off = offset - CONFIG_OFFSET;
		if (size <= 4 && off < dev->config_size && size <= dev->config_size - off)
			memcpy(value, dev->config + off, size);
		return;
	}
	if (size == 4 && !(offset & 3))
		*value = read_reg(dev, offset);
}

static void mmio_write(struct vmm *vmm, void *priv, uint64_t offset, unsigned size, uint64_t value)
{
	if (offset < CONFIG_OFFSET && size == 4 && !(offset & 3))
		write_reg(vmm, priv, offset, (uint32_t)value);
}

int vmm_virtio_add(struct vmm *vmm, struct vmm_virtio *dev)
{
	struct vmm_mmio_handler h = { dev->base, VMM_VIRTIO_WINDOW, mmio_read, mmio_write, dev };
	int err;

	if (vmm->nvirtio == VMM_VIRTIO_SLOTS)
		return -ENOSPC;
	dev->features |= VIRTIO_F_VERSION_1;
	device_reset(dev);
	err = vmm_mmio_register(vmm, &h);
	if (err)
		return err;
	vmm->virtio[vmm->nvirtio++] = dev;
	return 0;
}

void vmm_virtio_free_all(struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->nvirtio; i++)
		vmm->virtio[i]->ops->free(vmm->virtio[i]);
	vmm->nvirtio = 0;
	vmm->console = NULL;
}
