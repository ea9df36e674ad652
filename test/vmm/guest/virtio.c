/*
 * virtio-mmio check: probes the windows from 0xFEB00000 in 512-byte steps (Arbor's 4 KiB slots
 * and QEMU microvm's 512-byte ones), drives each modern (version 2) console and block device with
 * a minimal driver of its own (one queue of 8, polled), and checks that each request also raised
 * the device's interrupt through the PIC. A block device must hold the test pattern in sector 0;
 * sector 1 gets another pattern, which the test script then finds in the image.
 */
#include "io.h"
#include "mbtest.h"
#include "virtio_mmio.h"

#define PROBE_BASE 0xFEB00000u
#define PROBE_STEP 0x200u
#define PROBE_SLOTS 64		/* 32 KiB: eight 4 KiB slots */
#define DEVICES_MAX 4

#define ID_BLOCK 2
#define ID_CONSOLE 3
#define S_ACK_DRIVER 0x03
#define S_FEATURES_OK 0x08
#define S_RUNNING 0x0F
#define F_HIGH_VERSION_1 0x1	/* bit 32 */
#define F_BLK_RO (1u << 5)
#define F_BLK_FLUSH (1u << 9)
#define DESC_NEXT 1
#define DESC_WRITE 2
#define QSIZE 8
#define CONSOLE_TXQ 1

#define BLK_IN 0
#define BLK_OUT 1
#define BLK_FLUSH 4
#define BLK_GET_ID 8
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define SECTOR 512
#define ID_BYTES 20

/* A PIT tick is 1 ms (pit.c left it running): waits are counted in hlt wakeups. */
#define WAIT_WAKEUPS 2000
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xA1

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vq {
	struct desc desc[QSIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags, idx, ring[QSIZE], used_event;
	} avail __attribute__((aligned(4)));
	struct {
		uint16_t flags, idx;
		struct { uint32_t id, len; } ring[QSIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4)));
	uint16_t avail_idx, used_idx;
};

struct dev {
	uint32_t base, id;
	volatile uint32_t irqs, irq_line;
	struct vq vq;
};

static struct dev devs[DEVICES_MAX];
static uint32_t ndevs;
static volatile int irqs_expected;

/* Both patterns are made by the test script too: 32 copies of a 16-byte string. */
static const char pattern0[16] = "ARBOR-VIRTIO-BLK";
static const char pattern1[16] = "MBTEST-SECTOR-1\n";

static struct {
	uint32_t type, reserved;
	uint64_t sector;
} req_header;
static uint8_t sector_buf[SECTOR];
static char id_buf[ID_BYTES + 1];
static volatile uint8_t req_status;

static uint32_t reg(const struct dev *d, uint32_t r)
{
	return *(volatile uint32_t *)(d->base + r);
}

static void set(const struct dev *d, uint32_t r, uint32_t v)
{
	*(volatile uint32_t *)(d->base + r) = v;
}

static void barrier(void)
{
	__asm__ volatile("" : : : "memory");
}

/* Called from idt.c for IRQs other than the PIT's: 1 if a device of ours raised it. */
int virtio_irq(uint32_t irq)
{
	int ours = 0;

	for (uint32_t i = 0; irqs_expected && i < ndevs; i++) {
		uint32_t isr = reg(&devs[i], R_ISR);
		if (!isr)
			continue;
		set(&devs[i], R_ISR_ACK, isr);
		devs[i].irqs++;
		devs[i].irq_line = irq;
		ours = 1;
	}
	return ours;
}

/* Reset, negotiate VERSION_1 and what of want is offered, set queue q up, run. 0 or why not. */
static const char *start(struct dev *d, uint32_t want, uint32_t q, uint32_t *features)
{
	struct vq *vq = &d->vq;

	set(d, R_STATUS, 0);
	set(d, R_STATUS, S_ACK_DRIVER);
	set(d, R_DEV_FEATURES_SEL, 1);
	if (!(reg(d, R_DEV_FEATURES) & F_HIGH_VERSION_1))
		return "no VIRTIO_F_VERSION_1";
	set(d, R_DEV_FEATURES_SEL, 0);
	*features = reg(d, R_DEV_FEATURES);
	set(d, R_DRV_FEATURES_SEL, 0);
	set(d, R_DRV_FEATURES, *features & want);
	set(d, R_DRV_FEATURES_SEL, 1);
	set(d, R_DRV_FEATURES, F_HIGH_VERSION_1);
	set(d, R_STATUS, S_ACK_DRIVER | S_FEATURES_OK);
	if (!(reg(d, R_STATUS) & S_FEATURES_OK))
		return "FEATURES_OK refused";
	set(d, R_QUEUE_SEL, q);
	if (reg(d, R_QUEUE_NUM_MAX) < QSIZE)
		return "queue too small";
	set(d, R_QUEUE_NUM, QSIZE);
	set(d, R_QUEUE_DESC, (uint32_t)vq->desc);
	set(d, R_QUEUE_DESC + 4, 0);
	set(d, R_QUEUE_AVAIL, (uint32_t)&vq->avail);
	set(d, R_QUEUE_AVAIL + 4, 0);
	set(d, R_QUEUE_USED, (uint32_t)&vq->used);
	set(d, R_QUEUE_USED + 4, 0);
	set(d, R_QUEUE_READY, 1);
	set(d, R_STATUS, S_RUNNING);
	if (reg(d, R_STATUS) != S_RUNNING)
		return "DRIVER_OK refused";
	return 0;
}

/*
 * One chain of n buffers from descriptor 0 (the first nread readable), made available and
 * notified; waits for it to come back used and for the interrupt. Returns the used length, or
 * -1 when it never came back.
 */
static int32_t transfer(struct dev *d, uint32_t q, const void *const *addr, const uint32_t *len,
			uint32_t n, uint32_t nread)
{
	struct vq *vq = &d->vq;
	uint32_t irqs = d->irqs, w;

	for (uint32_t i = 0; i < n; i++) {
		vq->desc[i].addr = (uint32_t)addr[i];
		vq->desc[i].len = len[i];
		vq->desc[i].flags = (uint16_t)((i >= nread ? DESC_WRITE : 0) | (i + 1 < n ? DESC_NEXT : 0));
		vq->desc[i].next = (uint16_t)(i + 1);
	}
	vq->avail.ring[vq->avail_idx % QSIZE] = 0;
	barrier();
	vq->avail.idx = ++vq->avail_idx;
	barrier();
	set(d, R_QUEUE_NOTIFY, q);
	for (w = 0; w < WAIT_WAKEUPS && (*(volatile uint16_t *)&vq->used.idx == vq->used_idx ||
					 d->irqs == irqs); w++)
		sti_hlt();	/* the PIT's tick, or the device's interrupt */
	cli();
	barrier();
	if (*(volatile uint16_t *)&vq->used.idx == vq->used_idx)
		return -1;
	return (int32_t)vq->used.ring[vq->used_idx++ % QSIZE].len;
}

static void check_irq(const struct dev *d, const char *what, uint32_t before)
{
	if (d->irqs > before)
		report("%s: interrupt on irq %u", what, d->irq_line);
	else
		report_fail("%s: no interrupt", what);
}

static void console(struct dev *d)
{
	static const char line[] = "mbtest: virtio console: a line through the transmit queue\n";
	const void *addr[1] = { line };
	uint32_t len[1] = { sizeof(line) - 1 }, features, irqs = d->irqs;
	const char *why = start(d, 0, CONSOLE_TXQ, &features);
	int32_t used;

	if (why) {
		report_fail("virtio console: %s", why);
		return;
	}
	used = transfer(d, CONSOLE_TXQ, addr, len, 1, 1);
	if (used < 0)
		report_fail("virtio console: the line never came back used");
	else
		report("virtio console: transmit buffer used");
	check_irq(d, "virtio console", irqs);
}

/* A block request: header, data (readable for OUT), status. The status byte, or -1. */
static int32_t block_request(struct dev *d, uint32_t type, uint64_t sector, void *data,
			     uint32_t data_len)
{
	const void *addr[3] = { &req_header, data, (const void *)&req_status };
	uint32_t len[3] = { sizeof(req_header), data_len, 1 };

	req_header.type = type;
	req_header.reserved = 0;
	req_header.sector = sector;
	req_status = 0xEE;
	if (!data_len) {
		addr[1] = addr[2];
		len[1] = 1;
	}
	if (transfer(d, 0, addr, len, data_len ? 3 : 2, type == BLK_OUT ? 2 : 1) < 0)
		return -1;
	return req_status;
}

static int holds(const uint8_t *buf, const char *pattern)
{
	for (uint32_t i = 0; i < SECTOR; i++)
		if (buf[i] != (uint8_t)pattern[i % 16])
			return 0;
	return 1;
}

static void block(struct dev *d)
{
	uint32_t features, irqs = d->irqs, sectors;
	const char *why = start(d, F_BLK_RO | F_BLK_FLUSH, 0, &features);
	int ro = !!(features & F_BLK_RO);
	int32_t st;

	if (why) {
		report_fail("virtio block: %s", why);
		return;
	}
	sectors = reg(d, R_CONFIG);
	st = block_request(d, BLK_GET_ID, 0, id_buf, ID_BYTES);
	report("virtio block: %u sectors, %s, id '%s'%s", sectors, ro ? "read-only" : "writable",
	       id_buf, st == BLK_S_OK ? "" : " (GET_ID failed)");
	st = block_request(d, BLK_IN, 0, sector_buf, SECTOR);
	if (st == BLK_S_OK && holds(sector_buf, pattern0))
		report("virtio block: sector 0 holds the pattern");
	else
		report_fail("virtio block: reading sector 0: status %u, pattern %s", (uint32_t)st,
			    holds(sector_buf, pattern0) ? "ok" : "wrong");
	for (uint32_t i = 0; i < SECTOR; i++)
		sector_buf[i] = (uint8_t)pattern1[i % 16];
	st = block_request(d, BLK_OUT, 1, sector_buf, SECTOR);
	if (ro && st == BLK_S_IOERR)
		report("virtio block: write refused with IOERR (read-only disk)");
	else if (!ro && st == BLK_S_OK)
		report("virtio block: sector 1 written");
	else
		report_fail("virtio block: writing sector 1 (%s): status %u", ro ? "read-only" : "writable",
			    (uint32_t)st);
	if (features & F_BLK_FLUSH) {
		st = block_request(d, BLK_FLUSH, 0, 0, 0);
		if (st == BLK_S_OK)
			report("virtio block: flush ok");
		else
			report_fail("virtio block: flush: status %u", (uint32_t)st);
	}
	check_irq(d, "virtio block", irqs);
	if (d->irqs - irqs < 3)
		report_fail("virtio block: %u interrupts for at least 3 requests", d->irqs - irqs);
	set(d, R_STATUS, 0);
}

void virtio_check(void)
{
	for (uint32_t i = 0; i < PROBE_SLOTS && ndevs < DEVICES_MAX; i++) {
		struct dev *d = &devs[ndevs];
		d->base = PROBE_BASE + i * PROBE_STEP;
		if (reg(d, R_MAGIC) != MAGIC_VIRT || !(d->id = reg(d, R_DEVICE_ID)))
			continue;
		if (reg(d, R_VERSION) != 2) {
			report("virtio: device %u at 0x%08x is legacy (version %u), left alone", d->id,
			       d->base, reg(d, R_VERSION));
			continue;
		}
		report("virtio: device %u at 0x%08x", d->id, d->base);
		ndevs++;
	}
	if (!ndevs) {
		report("virtio: no devices");
		return;
	}
	/* every line open: the PIT's ticks bound the waits, the devices' lines are found by trying */
	irqs_expected = 1;
	outb(PIC_SLAVE_DATA, 0x00);
	outb(PIC_MASTER_DATA, 0x00);
	for (uint32_t i = 0; i < ndevs; i++) {
		if (devs[i].id == ID_CONSOLE)
			console(&devs[i]);
		else if (devs[i].id == ID_BLOCK)
			block(&devs[i]);
	}
	outb(PIC_MASTER_DATA, 0xFF);
	outb(PIC_SLAVE_DATA, 0xFF);
	irqs_expected = 0;
}
