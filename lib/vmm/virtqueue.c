/*
 * Split virtqueues (virtio 1.2, 2.7) as a device walks them, with the
 * guest as the adversary: each descriptor is copied out of guest memory
 * once and then checked (its buffer inside RAM, its next index inside the
 * table), a chain may not be longer than the queue (which catches loops),
 * readable buffers must come before writable ones, the avail index may not
 * run more than a queue ahead, and indirect descriptors are refused (the
 * feature is not offered). Rings are read and written with memcpy: the
 * guest chooses their alignment. The host is little-endian (x86), as virtio
 * 1.x rings are.
 */
#include <errno.h>
#include <string.h>
#include "bytes.h"
#include "virtio.h"

#define VIRTQ_DESC_F_NEXT         1
#define VIRTQ_DESC_F_WRITE        2
#define VIRTQ_DESC_F_INDIRECT     4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static int size_ok(uint16_t num, uint16_t max)
{
	return num && num <= max && num <= VMM_VIRTQUEUE_MAX && !(num & (num - 1));
}

static uint64_t desc_bytes(uint16_t num)  { return 16ull * num; }
static uint64_t avail_bytes(uint16_t num) { return 6ull + 2ull * num; }
static uint64_t used_bytes(uint16_t num)  { return 6ull + 8ull * num; }

int vmm_virtqueue_check(struct vmm *vmm, const struct vmm_virtqueue *q, uint16_t max)
{
	if (!size_ok(q->num, max))
		return -EINVAL;
	if ((q->desc & 15) || (q->avail & 1) || (q->used & 3))
		return -EINVAL;
	if (!vmm_gpa(vmm, q->desc, desc_bytes(q->num)) ||
	    !vmm_gpa(vmm, q->avail, avail_bytes(q->num)) ||
	    !vmm_gpa(vmm, q->used, used_bytes(q->num)))
		return -EINVAL;
	return 0;
}

/* Take one descriptor into the chain: -EPROTO when it breaks a rule. */
static int take(struct vmm *vmm, struct vmm_virtq_chain *c, const struct virtq_desc *d)
{
	uint8_t *data = vmm_gpa(vmm, d->addr, d->len);

	if (!data || (d->flags & VIRTQ_DESC_F_INDIRECT))
		return -EPROTO;
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		c->write_len += d->len;
	} else {
		if (c->nbufs > c->nread)
			return -EPROTO;           /* readable after writable */
		c->nread++;
		c->read_len += d->len;
	}
	c->bufs[c->nbufs].data = data;
	c->bufs[c->nbufs].len = d->len;
	c->nbufs++;
	return 0;
}

int vmm_virtqueue_has_avail(struct vmm *vmm, const struct vmm_virtqueue *q)
{
	const uint8_t *avail = size_ok(q->num, VMM_VIRTQUEUE_MAX) ?
	                       vmm_gpa(vmm, q->avail, avail_bytes(q->num)) : NULL;

	return avail && get16(avail + 2) != q->next_avail;
}

int vmm_virtqueue_pop(struct vmm *vmm, struct vmm_virtqueue *q, struct vmm_virtq_chain *c)
{
	const uint8_t *avail, *table;
	uint16_t idx, i;

	c->nbufs = c->nread = 0;
	c->read_len = c->write_len = 0;
	if (!size_ok(q->num, VMM_VIRTQUEUE_MAX))
		return -EPROTO;
	avail = vmm_gpa(vmm, q->avail, avail_bytes(q->num));
	table = vmm_gpa(vmm, q->desc, desc_bytes(q->num));
	if (!avail || !table)
		return -EPROTO;
	idx = get16(avail + 2);
	if (idx == q->next_avail)
		return 0;
	if ((uint16_t)(idx - q->next_avail) > q->num)
		return -EPROTO;                   /* more available than the queue holds */
	i = get16(avail + 4 + 2u * (q->next_avail & (q->num - 1)));
	if (i >= q->num)
		return -EPROTO;
	c->head = i;
	for (;;) {
		struct virtq_desc d;
		memcpy(&d, table + 16u * i, sizeof(d));    /* read once: the guest may change it */
		if (c->nbufs == q->num || take(vmm, c, &d))
			return -EPROTO;               /* longer than the queue (a loop), or a bad buffer */
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= q->num)
			return -EPROTO;
		i = d.next;
	}
	q->next_avail++;
	return 1;
}

void vmm_virtqueue_unpop(struct vmm_virtqueue *q)
{
	q->next_avail--;
}

int vmm_virtqueue_push(struct vmm *vmm, struct vmm_virtqueue *q, uint16_t head, uint32_t len)
{
	uint8_t *used;
	uint32_t elem[2] = { head, len };

	if (!size_ok(q->num, VMM_VIRTQUEUE_MAX))
		return -EPROTO;
	used = vmm_gpa(vmm, q->used, used_bytes(q->num));
	if (!used)
		return -EPROTO;
	memcpy(used + 4 + 8u * (q->next_used & (q->num - 1)), elem, sizeof(elem));
	q->next_used++;
	__atomic_thread_fence(__ATOMIC_RELEASE);   /* the element before the index */
	memcpy(used + 2, &q->next_used, sizeof(q->next_used));
	return 0;
}

int vmm_virtqueue_wants_interrupt(struct vmm *vmm, const struct vmm_virtqueue *q)
{
	const uint8_t *avail = vmm_gpa(vmm, q->avail, 2);

	return !avail || !(get16(avail) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

size_t vmm_virtqueue_gather(const struct vmm_virtq_chain *c, uint64_t off, void *dst, size_t len)
{
	size_t done = 0;

	for (unsigned i = 0; i < c->nread && done < len; i++) {
		const struct vmm_virtq_buf *b = &c->bufs[i];
		size_t n;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		n = b->len - off < len - done ? b->len - off : len - done;
		memcpy((uint8_t *)dst + done, b->data + off, n);
		done += n;
		off = 0;
	}
	return done;
}

size_t vmm_virtqueue_scatter(const struct vmm_virtq_chain *c, uint64_t off, const void *src,
                             size_t len)
{
	size_t done = 0;

	for (unsigned i = c->nread; i < c->nbufs && done < len; i++) {
		const struct vmm_virtq_buf *b = &c->bufs[i];
		size_t n;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		n = b->len - off < len - done ? b->len - off : len - done;
		memcpy(b->data + off, (const uint8_t *)src + done, n);
		done += n;
		off = 0;
	}
	return done;
}
