/*
 * A virtio block device (device ID 2) on a backend (vmm/block.h): one
 * request queue, requests IN, OUT, FLUSH and GET_ID; features FLUSH,
 * SEG_MAX, and RO for a read-only disk. Each request is decoded and checked
 * whole before the backend sees it. A request that has a status byte gets
 * an answer: IOERR for sectors beyond the end, data that is not whole
 * sectors, a write to a read-only disk, a short header or a backend error,
 * UNSUPP for other types. A chain without a writable status byte cannot be
 * answered: the ring is malformed (DEVICE_NEEDS_RESET). Data moves through
 * a bounce buffer, so a backend sees whole sectors in host memory whatever
 * the guest's buffer layout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmm/block.h>
#include "virtio.h"

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO      5
#define VIRTIO_BLK_F_FLUSH   9

#define VIRTIO_BLK_T_IN     0
#define VIRTIO_BLK_T_OUT    1
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20
#define HEADER_SIZE 16                /* type, reserved, sector */
#define QUEUE_SIZE  128
#define BOUNCE_SIZE (64u * 1024)

struct blk {
	struct vmm_virtio virtio;
	const struct vmm_block_ops *ops;
	void *priv;
	struct vmm_block_file *file;     /* the backend, when opened here */
	uint64_t sectors;
	int read_only;
	char id[VIRTIO_BLK_ID_BYTES];
	uint8_t bounce[BOUNCE_SIZE];
};

struct request {
	uint32_t type;
	uint64_t sector;
	uint64_t data_len;               /* IN: writable bytes before the status; OUT: after the header */
};

static int in_disk(const struct blk *b, uint64_t sector, uint64_t len)
{
	return len % VMM_BLOCK_SECTOR == 0 && sector <= b->sectors &&
	       len / VMM_BLOCK_SECTOR <= b->sectors - sector;
}

/* Decode: the status a request must get before the backend is asked, or OK. */
static uint8_t check(const struct blk *b, const struct request *r)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		return in_disk(b, r->sector, r->data_len) ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_OUT:
		return !b->read_only && in_disk(b, r->sector, r->data_len) ? VIRTIO_BLK_S_OK
		                                                           : VIRTIO_BLK_S_IOERR;
	case VIRTIO_BLK_T_FLUSH:
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		return r->data_len >= VIRTIO_BLK_ID_BYTES ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

/* Apply: the backend does the work; *written counts the bytes given to the guest. */
static uint8_t apply(struct blk *b, const struct vmm_virtq_chain *c, const struct request *r,
                     uint64_t *written)
{
	uint64_t off, n;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		for (off = 0; off < r->data_len; off += n) {
			n = r->data_len - off < BOUNCE_SIZE ? r->data_len - off : BOUNCE_SIZE;
			if (b->ops->read(b->priv, r->sector + off / VMM_BLOCK_SECTOR, b->bounce,
			                 (uint32_t)(n / VMM_BLOCK_SECTOR)))
				return VIRTIO_BLK_S_IOERR;
			*written += vmm_virtqueue_scatter(c, off, b->bounce, n);
		}
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		for (off = 0; off < r->data_len; off += n) {
			n = r->data_len - off < BOUNCE_SIZE ? r->data_len - off : BOUNCE_SIZE;
			vmm_virtqueue_gather(c, HEADER_SIZE + off, b->bounce, n);
			if (b->ops->write(b->priv, r->sector + off / VMM_BLOCK_SECTOR, b->bounce,
			                  (uint32_t)(n / VMM_BLOCK_SECTOR)))
				return VIRTIO_BLK_S_IOERR;
		}
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		return b->ops->flush(b->priv) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		*written = vmm_virtqueue_scatter(c, 0, b->id, VIRTIO_BLK_ID_BYTES);
		return VIRTIO_BLK_S_OK;
	}
	return VIRTIO_BLK_S_UNSUPP;
}

/* One chain: -EPROTO when it has no status byte. */
static int handle(struct vmm *vmm, struct blk *b, const struct vmm_virtq_chain *c)
{
	uint8_t hdr[HEADER_SIZE], status;
	struct request r = { 0 };
	uint64_t written = 0;

	if (!c->write_len)
		return -EPROTO;
	if (vmm_virtqueue_gather(c, 0, hdr, sizeof(hdr)) < sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
	} else {
		memcpy(&r.type, hdr, 4);
		memcpy(&r.sector, hdr + 8, 8);
		r.data_len = r.type == VIRTIO_BLK_T_OUT ? c->read_len - HEADER_SIZE : c->write_len - 1;
		status = check(b, &r);
		if (status == VIRTIO_BLK_S_OK)
			status = apply(b, c, &r, &written);
	}
	vmm_virtqueue_scatter(c, c->write_len - 1, &status, 1);
	written++;
	return vmm_virtqueue_push(vmm, &b->virtio.queue[0], c->head,
	                          written > UINT32_MAX ? UINT32_MAX : (uint32_t)written);
}

static int blk_notify(struct vmm *vmm, struct vmm_virtio *dev, unsigned queue)
{
	struct blk *b = dev->priv;
	struct vmm_virtq_chain c;
	int used = 0, r;

	while ((r = vmm_virtqueue_pop(vmm, &dev->queue[0], &c)) > 0) {
		if (handle(vmm, b, &c))
			return -EPROTO;
		used = 1;
	}
	if (used)
		vmm_virtio_used(vmm, dev, 0);
	return r;
}

static void blk_free(struct vmm_virtio *dev)
{
	struct blk *b = dev->priv;

	vmm_block_file_close(b->file);
	free(b);
}

static const struct vmm_virtio_ops blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.nqueues = 1,
	.notify = blk_notify,
	.free = blk_free,
};

/* The serial number GET_ID answers: the image's file name, at most 20 bytes. */
static void set_id(struct blk *b, const char *path)
{
	const char *name = path ? strrchr(path, '/') : NULL;

	size_t len;

	name = name ? name + 1 : path ? path : "";
	len = strlen(name);
	memcpy(b->id, name, len < sizeof(b->id) ? len : sizeof(b->id));   /* NUL-padded, calloc'd */
}

int vmm_virtio_block_init(struct vmm *vmm, uint64_t base, uint8_t irq,
                          const struct vmm_disk *disk, char *why, size_t why_size)
{
	struct blk *b = calloc(1, sizeof(*b));
	uint32_t seg_max = QUEUE_SIZE - 2;
	int err;

	if (!b) {
		snprintf(why, why_size, "out of memory");
		return -ENOMEM;
	}
	b->ops = disk->ops;
	b->priv = disk->priv;
	if (!b->ops) {
		err = vmm_block_file_open(disk->path, disk->read_only, &b->file);
		if (err) {
			snprintf(why, why_size, "cannot open the disk image %s: %s", disk->path,
			         err == -EINVAL ? "not a regular file" :
			         err == -EBUSY ? "in use by another VM" : strerror(-err));
			free(b);
			return err;
		}
		b->ops = &vmm_block_file_ops;
		b->priv = b->file;
	}
	b->sectors = b->ops->size(b->priv);
	b->read_only = disk->read_only;
	set_id(b, disk->path);
	b->virtio.ops = &blk_ops;
	b->virtio.priv = b;
	b->virtio.base = base;
	b->virtio.irq = irq;
	b->virtio.queue_max = QUEUE_SIZE;
	b->virtio.features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_FLUSH |
	                     (b->read_only ? 1ull << VIRTIO_BLK_F_RO : 0);
	memcpy(b->virtio.config, &b->sectors, 8);          /* capacity */
	memcpy(b->virtio.config + 12, &seg_max, 4);
	b->virtio.config_size = VMM_VIRTIO_CONFIG_MAX;
	err = vmm_virtio_add(vmm, &b->virtio);
	if (err) {
		snprintf(why, why_size, "cannot place the disk %s at 0x%llx: %s",
		         disk->path ? disk->path : b->id,
		         (unsigned long long)base, strerror(-err));
		blk_free(&b->virtio);
	}
	return err;
}
