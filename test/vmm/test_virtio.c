/*
 * lib/vmm's virtio-mmio devices without KVM, driven through the MMIO bus as
 * KVM would report a guest's accesses, with the guest's RAM a plain heap
 * block (so the sanitizer build sees any access outside it): discovery
 * registers, feature negotiation, queue setup, console output and input,
 * block IN/OUT/FLUSH/GET_ID on a temporary image file, then a table of
 * malformed queues and accesses (each must end in an error answer or
 * DEVICE_NEEDS_RESET, never a crash), then a random fuzz of MMIO accesses
 * and ring contents. TAP output.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vmm/block.h>
#include "virtio.h"
#include "../unit/tap.h"
#include "exits.h"
#include "guest_lib/virtio_mmio.h"

#define MEM_SIZE  (1u << 20)
#define CON_BASE  VMM_VIRTIO_BASE
#define BLK_BASE  (VMM_VIRTIO_BASE + VMM_VIRTIO_WINDOW)
#define RO_BASE   (VMM_VIRTIO_BASE + 2 * VMM_VIRTIO_WINDOW)
#define CON_IRQ   5
#define BLK_IRQ   10
#define RO_IRQ    11
#define SECTORS   16

/* virtio-mmio values, as a driver sees them (the registers: guest_lib/virtio_mmio.h) */
#define S_RUNNING 0x0f              /* ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK */
#define F_SEG_MAX (1u << 2)
#define F_RO      (1u << 5)
#define F_FLUSH   (1u << 9)
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8

/* guest-physical layout of the tests */
#define RINGS    0x10000            /* device d, queue q: RINGS + (2d + q) * 0x3000 */
#define HDR      0x40000
#define STATUS   0x40100
#define DATA     0x50000

static char output[8192];
static size_t output_len, output_total;

static void collect(void *priv, const char *data, size_t len)
{
	output_total += len;
	if (output_len + len < sizeof(output)) {
		memcpy(output + output_len, data, len);
		output_len += len;
	}
}

static uint32_t rd(struct vmm *vmm, uint64_t base, uint64_t reg)
{
	return (uint32_t)mmio(vmm, 0, base + reg, 4, 0);
}

static void wr(struct vmm *vmm, uint64_t base, uint64_t reg, uint32_t value)
{
	mmio(vmm, 1, base + reg, 4, value);
}

static int irq_raised(struct vmm *vmm, unsigned irq)
{
	int r = !!(vmm->pic.chip[irq / 8].irr & (1u << (irq % 8)));

	vmm->pic.chip[irq / 8].irr &= (uint8_t)~(1u << (irq % 8));
	return r;
}

/* A disk image of SECTORS sectors; byte i of sector s is (s * 31 + i) & 0xff. */
static char *make_image(void)
{
	char *path = strdup("/tmp/test_virtio.XXXXXX");
	uint8_t sector[512];
	int fd;

	fd = mkstemp(path);
	if (fd < 0)
		abort();
	for (unsigned s = 0; s < SECTORS; s++) {
		for (unsigned i = 0; i < 512; i++)
			sector[i] = (uint8_t)(s * 31 + i);
		if (write(fd, sector, sizeof(sector)) != (ssize_t)sizeof(sector))
			abort();
	}
	close(fd);
	return path;
}

static int sector_is(const char *path, unsigned s, const uint8_t *want)
{
	uint8_t got[512];
	int fd = open(path, O_RDONLY);
	int r = fd >= 0 && pread(fd, got, 512, s * 512) == 512 && !memcmp(got, want, 512);

	if (fd >= 0)
		close(fd);
	return r;
}

/* two images: a writable disk's and a read-only disk's (a second opener of a writable image is refused) */
static char *image, *image_ro;
static struct vmm_disk disk_rw, disk_ro;

/* A VM without KVM: RAM, the PIC, a console, a disk and a read-only disk. */
static struct vmm *new_vmm(void)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	char why[256];

	vmm->kvm = vmm->vm = -1;
	vmm_vcpu_prepare(vmm, 1);
	vmm->input_fd = -1;
	vmm->pit.timerfd = -1;
	vmm->output = collect;
	vmm->mem = calloc(1, MEM_SIZE);
	vmm->mem_size = MEM_SIZE;
	if (vmm_pic_init(vmm) || vmm_virtio_console_init(vmm, CON_BASE, CON_IRQ) ||
	    vmm_virtio_block_init(vmm, BLK_BASE, BLK_IRQ, &disk_rw, why, sizeof(why)) ||
	    vmm_virtio_block_init(vmm, RO_BASE, RO_IRQ, &disk_ro, why, sizeof(why)))
		abort();
	return vmm;
}

static void free_vmm(struct vmm *vmm)
{
	vmm_virtio_free_all(vmm);
	free(vmm->mem);
	free(vmm);
}

/* The test's driver: a queue as it keeps it. */
struct tq {
	uint64_t desc, avail, used;
	uint16_t num, avail_idx, used_idx, free;
};

struct tdev {
	uint64_t base;
	unsigned index;              /* for the ring layout */
	struct tq q[2];
};

struct tbuf {
	uint64_t gpa;
	uint32_t len;
	int write;
};

static void put16(struct vmm *vmm, uint64_t gpa, uint16_t v) { memcpy(vmm->mem + gpa, &v, 2); }
static uint16_t get16(struct vmm *vmm, uint64_t gpa) { uint16_t v; memcpy(&v, vmm->mem + gpa, 2); return v; }
static uint32_t get32(struct vmm *vmm, uint64_t gpa) { uint32_t v; memcpy(&v, vmm->mem + gpa, 4); return v; }

static void put_desc(struct vmm *vmm, const struct tq *t, uint16_t i, uint64_t addr, uint32_t len,
                     uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	memcpy(vmm->mem + t->desc + 16u * i, d, 16);
}

static void setup_queue(struct vmm *vmm, struct tdev *d, unsigned q, uint16_t num)
{
	struct tq *t = &d->q[q];
	uint64_t at = RINGS + (2u * d->index + q) * 0x3000u;

	*t = (struct tq){ .desc = at, .avail = at + 0x1000, .used = at + 0x2000, .num = num };
	memset(vmm->mem + at, 0, 0x3000);
	wr(vmm, d->base, R_QUEUE_SEL, q);
	wr(vmm, d->base, R_QUEUE_NUM, num);
	wr(vmm, d->base, R_QUEUE_DESC, (uint32_t)t->desc);
	wr(vmm, d->base, R_QUEUE_DESC + 4, 0);
	wr(vmm, d->base, R_QUEUE_AVAIL, (uint32_t)t->avail);
	wr(vmm, d->base, R_QUEUE_AVAIL + 4, 0);
	wr(vmm, d->base, R_QUEUE_USED, (uint32_t)t->used);
	wr(vmm, d->base, R_QUEUE_USED + 4, 0);
	wr(vmm, d->base, R_QUEUE_READY, 1);
}

/* Reset, negotiate features (low word; VERSION_1 always), set the queues up: the status read back. */
static uint32_t drv_init(struct vmm *vmm, struct tdev *d, uint64_t base, uint32_t features,
                         unsigned nq, uint16_t num)
{
	d->base = base;
	d->index = (unsigned)((base - VMM_VIRTIO_BASE) / VMM_VIRTIO_WINDOW);
	wr(vmm, base, R_STATUS, 0);
	wr(vmm, base, R_STATUS, 1);
	wr(vmm, base, R_STATUS, 3);
	wr(vmm, base, R_DRV_FEATURES_SEL, 0);
	wr(vmm, base, R_DRV_FEATURES, features);
	wr(vmm, base, R_DRV_FEATURES_SEL, 1);
	wr(vmm, base, R_DRV_FEATURES, 1);
	wr(vmm, base, R_STATUS, 0xb);
	for (unsigned q = 0; q < nq; q++)
		setup_queue(vmm, d, q, num);
	wr(vmm, base, R_STATUS, S_RUNNING);
	return rd(vmm, base, R_STATUS);
}

/* Chain the buffers from the next free descriptors, make the chain available, notify. */
static uint16_t drv_send(struct vmm *vmm, struct tdev *d, unsigned q, const struct tbuf *b,
                         unsigned n, int notify)
{
	struct tq *t = &d->q[q];
	uint16_t head = (uint16_t)(t->free % t->num);

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((t->free + i) % t->num);
		put_desc(vmm, t, idx, b[i].gpa, b[i].len,
		         (uint16_t)((b[i].write ? 2 : 0) | (i + 1 < n ? 1 : 0)),
		         (uint16_t)((idx + 1) % t->num));
	}
	t->free = (uint16_t)(t->free + n);
	put16(vmm, t->avail + 4 + 2u * (t->avail_idx % t->num), head);
	t->avail_idx++;
	put16(vmm, t->avail + 2, t->avail_idx);
	if (notify)
		wr(vmm, d->base, R_QUEUE_NOTIFY, q);
	return head;
}

/* The next used element: 1 and its length, or 0. */
static int drv_used(struct vmm *vmm, struct tdev *d, unsigned q, uint32_t *len)
{
	struct tq *t = &d->q[q];

	if (get16(vmm, t->used + 2) == t->used_idx)
		return 0;
	*len = get32(vmm, t->used + 4 + 8u * (t->used_idx % t->num) + 4);
	t->used_idx++;
	return 1;
}

/* A block request: header, data (if len), status; the status byte, or -1 when nothing was used. */
static int blk_req(struct vmm *vmm, struct tdev *d, uint32_t type, uint64_t sector,
                   uint32_t data_len, int data_write, uint32_t *used_len)
{
	struct tbuf b[3] = { { HDR, 16, 0 } };
	unsigned n = 1;
	uint32_t len;

	memcpy(vmm->mem + HDR, &type, 4);
	memset(vmm->mem + HDR + 4, 0, 4);
	memcpy(vmm->mem + HDR + 8, &sector, 8);
	vmm->mem[STATUS] = 0xee;
	if (data_len)
		b[n++] = (struct tbuf){ DATA, data_len, data_write };
	b[n++] = (struct tbuf){ STATUS, 1, 1 };
	drv_send(vmm, d, 0, b, n, 1);
	if (!drv_used(vmm, d, 0, &len))
		return -1;
	if (used_len)
		*used_len = len;
	return vmm->mem[STATUS];
}

static int needs_reset(struct vmm *vmm, uint64_t base)
{
	return (rd(vmm, base, R_STATUS) & VIRTIO_STATUS_NEEDS_RESET) &&
	       (rd(vmm, base, R_ISR) & VIRTIO_ISR_CONFIG);
}

static void test_discovery(void)
{
	struct vmm *vmm = new_vmm();
	uint32_t features;

	ok(rd(vmm, CON_BASE, R_MAGIC) == MAGIC_VIRT && rd(vmm, BLK_BASE, R_MAGIC) == MAGIC_VIRT,
	   "discovery: magic \"virt\"");
	ok(rd(vmm, CON_BASE, R_VERSION) == 2 && rd(vmm, BLK_BASE, R_VERSION) == 2,
	   "discovery: version 2 (virtio 1.x)");
	ok(rd(vmm, CON_BASE, R_DEVICE_ID) == 3 && rd(vmm, BLK_BASE, R_DEVICE_ID) == 2,
	   "discovery: device IDs 3 (console) and 2 (block)");
	wr(vmm, CON_BASE, R_QUEUE_SEL, 1);
	ok(rd(vmm, CON_BASE, R_QUEUE_NUM_MAX) == 64, "console: transmit queue of 64");
	wr(vmm, CON_BASE, R_QUEUE_SEL, 2);
	ok(rd(vmm, CON_BASE, R_QUEUE_NUM_MAX) == 0, "console: no third queue (QueueNumMax 0)");
	wr(vmm, BLK_BASE, R_QUEUE_SEL, 0);
	ok(rd(vmm, BLK_BASE, R_QUEUE_NUM_MAX) == 128, "block: request queue of 128");
	wr(vmm, BLK_BASE, R_DEV_FEATURES_SEL, 1);
	ok(rd(vmm, BLK_BASE, R_DEV_FEATURES) == 1, "features: VIRTIO_F_VERSION_1 offered");
	wr(vmm, BLK_BASE, R_DEV_FEATURES_SEL, 0);
	features = rd(vmm, BLK_BASE, R_DEV_FEATURES);
	ok(features == (F_SEG_MAX | F_FLUSH), "block features: SEG_MAX and FLUSH, not RO");
	wr(vmm, RO_BASE, R_DEV_FEATURES_SEL, 0);
	ok(rd(vmm, RO_BASE, R_DEV_FEATURES) == (F_SEG_MAX | F_FLUSH | F_RO),
	   "read-only disk: VIRTIO_BLK_F_RO offered");
	wr(vmm, BLK_BASE, R_DEV_FEATURES_SEL, 7);
	ok(rd(vmm, BLK_BASE, R_DEV_FEATURES) == 0, "features: words beyond the second read 0");
	ok(rd(vmm, BLK_BASE, R_CONFIG) == SECTORS && rd(vmm, BLK_BASE, R_CONFIG + 4) == 0,
	   "block config: capacity in sectors");
	ok(rd(vmm, BLK_BASE, R_CONFIG + 12) == 126, "block config: seg_max");
	ok(mmio(vmm, 0, BLK_BASE + R_CONFIG, 1, 0) == SECTORS &&
	   mmio(vmm, 0, BLK_BASE + R_CONFIG, 2, 0) == SECTORS,
	   "block config: byte and word reads");
	free_vmm(vmm);
}

static void test_negotiation(void)
{
	struct vmm *vmm = new_vmm();
	struct tdev d;

	wr(vmm, BLK_BASE, R_STATUS, 3);
	wr(vmm, BLK_BASE, R_DRV_FEATURES_SEL, 0);
	wr(vmm, BLK_BASE, R_DRV_FEATURES, F_FLUSH);
	wr(vmm, BLK_BASE, R_STATUS, 0xb);
	ok(!(rd(vmm, BLK_BASE, R_STATUS) & 8), "features: without VERSION_1, FEATURES_OK stays clear");
	wr(vmm, BLK_BASE, R_STATUS, 0);
	ok(rd(vmm, BLK_BASE, R_STATUS) == 0, "status: writing 0 resets");
	wr(vmm, BLK_BASE, R_STATUS, 3);
	wr(vmm, BLK_BASE, R_DRV_FEATURES_SEL, 0);
	wr(vmm, BLK_BASE, R_DRV_FEATURES, 1u << 28);      /* INDIRECT_DESC: not offered */
	wr(vmm, BLK_BASE, R_DRV_FEATURES_SEL, 1);
	wr(vmm, BLK_BASE, R_DRV_FEATURES, 1);
	wr(vmm, BLK_BASE, R_STATUS, 0xb);
	ok(!(rd(vmm, BLK_BASE, R_STATUS) & 8), "features: a feature not offered keeps FEATURES_OK clear");
	ok(drv_init(vmm, &d, BLK_BASE, F_FLUSH, 1, 8) == S_RUNNING,
	   "features: VERSION_1 and FLUSH accepted, the driver running");
	wr(vmm, BLK_BASE, R_DRV_FEATURES_SEL, 0);
	wr(vmm, BLK_BASE, R_DRV_FEATURES, 0);
	ok(vmm->virtio[1]->driver_features == (VIRTIO_F_VERSION_1 | F_FLUSH),
	   "features: settled after FEATURES_OK");
	wr(vmm, BLK_BASE, R_STATUS, 0);
	wr(vmm, BLK_BASE, R_STATUS, 3);
	wr(vmm, BLK_BASE, R_STATUS, 7);                  /* DRIVER_OK without FEATURES_OK */
	ok(needs_reset(vmm, BLK_BASE) && irq_raised(vmm, BLK_IRQ),
	   "status: DRIVER_OK without FEATURES_OK -> DEVICE_NEEDS_RESET, config interrupt");
	free_vmm(vmm);
}

static void test_console(void)
{
	struct vmm *vmm = new_vmm();
	static const char line[] = "hello from the virtio console\n";
	struct tdev d;
	struct tbuf b[2] = { { DATA, 6, 0 }, { DATA + 6, sizeof(line) - 7, 0 } };
	uint32_t len = 99;
	int pipefd[2];

	ok(drv_init(vmm, &d, CON_BASE, 0, 2, 16) == S_RUNNING, "console: driver running");
	memcpy(vmm->mem + DATA, line, sizeof(line) - 1);
	output_len = 0;
	irq_raised(vmm, CON_IRQ);
	drv_send(vmm, &d, 1, b, 2, 1);
	ok(output_len == sizeof(line) - 1 && !memcmp(output, line, output_len),
	   "console: a two-buffer write arrives whole in the output");
	ok(drv_used(vmm, &d, 1, &len) && len == 0, "console: the chain comes back used");
	ok((rd(vmm, CON_BASE, R_ISR) & 1) && irq_raised(vmm, CON_IRQ),
	   "console: used-buffer interrupt status and the IRQ line");
	wr(vmm, CON_BASE, R_ISR_ACK, 1);
	ok(rd(vmm, CON_BASE, R_ISR) == 0, "console: InterruptACK clears the status");

	/* no interrupt when the driver asked for none */
	put16(vmm, d.q[1].avail, 1);
	drv_send(vmm, &d, 1, b, 1, 1);
	ok(drv_used(vmm, &d, 1, &len) && !irq_raised(vmm, CON_IRQ) && !rd(vmm, CON_BASE, R_ISR),
	   "console: VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the interrupt");
	put16(vmm, d.q[1].avail, 0);

	/* input: the console takes it while its receive queue runs, the 16550 does not */
	if (pipe(pipefd))
		abort();
	vmm->input_fd = pipefd[0];
	ok(vmm_virtio_console_takes_input(vmm), "console input: taken while the receive queue runs");
	b[0] = (struct tbuf){ DATA + 0x1000, 3, 1 };
	b[1] = (struct tbuf){ DATA + 0x2000, 64, 1 };
	drv_send(vmm, &d, 0, b, 2, 1);
	if (write(pipefd[1], "abcdef", 6) != 6)
		abort();
	vmm_virtio_console_poll_input(vmm);
	ok(drv_used(vmm, &d, 0, &len) && len == 6 && !memcmp(vmm->mem + DATA + 0x1000, "abc", 3) &&
	   !memcmp(vmm->mem + DATA + 0x2000, "def", 3) && irq_raised(vmm, CON_IRQ),
	   "console input: bytes scattered over the receive buffers, interrupt");
	if (write(pipefd[1], "x", 1) != 1)
		abort();
	vmm_virtio_console_poll_input(vmm);
	ok(!drv_used(vmm, &d, 0, &len), "console input: waits in the fd while no buffer is free");
	drv_send(vmm, &d, 0, b, 1, 1);                   /* a notify of the receive queue takes it */
	ok(drv_used(vmm, &d, 0, &len) && len == 1 && vmm->mem[DATA + 0x1000] == 'x',
	   "console input: delivered when the driver adds a buffer");
	wr(vmm, CON_BASE, R_STATUS, 0);
	ok(!vmm_virtio_console_takes_input(vmm), "console input: back to the 16550 after a reset");
	close(pipefd[1]);
	close(pipefd[0]);
	vmm->input_fd = -1;

	/* buffers made available before DRIVER_OK are taken at DRIVER_OK */
	wr(vmm, CON_BASE, R_STATUS, 1);
	wr(vmm, CON_BASE, R_STATUS, 3);
	wr(vmm, CON_BASE, R_DRV_FEATURES_SEL, 1);
	wr(vmm, CON_BASE, R_DRV_FEATURES, 1);
	wr(vmm, CON_BASE, R_STATUS, 0xb);
	setup_queue(vmm, &d, 1, 16);
	output_len = 0;
	b[0] = (struct tbuf){ DATA, 6, 0 };
	drv_send(vmm, &d, 1, b, 1, 1);
	ok(output_len == 0, "console: nothing is taken before DRIVER_OK");
	wr(vmm, CON_BASE, R_STATUS, S_RUNNING);
	ok(output_len == 6 && drv_used(vmm, &d, 1, &len), "console: ... and it is taken at DRIVER_OK");
	free_vmm(vmm);
}

static void test_block(void)
{
	struct vmm *vmm = new_vmm();
	uint8_t want[512];
	struct tdev d, r;
	uint32_t len = 0;
	int st;

	ok(drv_init(vmm, &d, BLK_BASE, F_FLUSH, 1, 8) == S_RUNNING, "block: driver running");
	irq_raised(vmm, BLK_IRQ);
	st = blk_req(vmm, &d, T_IN, 3, 1024, 1, &len);
	for (unsigned i = 0; i < 512; i++)
		want[i] = (uint8_t)(3 * 31 + i);
	ok(st == 0 && len == 1025 && !memcmp(vmm->mem + DATA, want, 512) &&
	   vmm->mem[DATA + 512] == (uint8_t)(4 * 31), "block: IN of sectors 3 and 4");
	ok(irq_raised(vmm, BLK_IRQ) && (rd(vmm, BLK_BASE, R_ISR) & 1), "block: interrupt on completion");
	for (unsigned i = 0; i < 512; i++)
		vmm->mem[DATA + i] = want[i] = (uint8_t)(i ^ 0x5a);
	st = blk_req(vmm, &d, T_OUT, 1, 512, 0, &len);
	ok(st == 0 && len == 1 && sector_is(image, 1, want), "block: OUT of sector 1 reaches the file");
	ok(blk_req(vmm, &d, T_FLUSH, 0, 0, 0, NULL) == 0, "block: FLUSH");
	st = blk_req(vmm, &d, T_GET_ID, 0, 20, 1, &len);
	ok(st == 0 && len == 21 && !strncmp((char *)vmm->mem + DATA, strrchr(image, '/') + 1, 20),
	   "block: GET_ID answers the image's file name");
	ok(blk_req(vmm, &d, T_IN, SECTORS - 1, 1024, 1, NULL) == 1, "block: IN beyond the end -> IOERR");
	ok(blk_req(vmm, &d, T_IN, ~0ull, 512, 1, NULL) == 1, "block: sector 2^64-1 -> IOERR");
	ok(blk_req(vmm, &d, T_OUT, SECTORS, 512, 0, NULL) == 1, "block: OUT beyond the end -> IOERR");
	ok(blk_req(vmm, &d, T_IN, 0, 100, 1, NULL) == 1, "block: IN of 100 bytes (not whole sectors) -> IOERR");
	ok(blk_req(vmm, &d, T_OUT, 0, 513, 0, NULL) == 1, "block: OUT of 513 bytes -> IOERR");
	ok(blk_req(vmm, &d, T_GET_ID, 0, 19, 1, NULL) == 1, "block: GET_ID into 19 bytes -> IOERR");
	ok(blk_req(vmm, &d, 11, 0, 0, 0, NULL) == 2, "block: DISCARD (not offered) -> UNSUPP");
	ok(blk_req(vmm, &d, 0x7fffffff, 0, 0, 0, NULL) == 2, "block: an unknown type -> UNSUPP");

	/* the header split over two descriptors, the data over odd-sized ones */
	{
		uint32_t type = T_IN;
		uint64_t sector = 5;
		struct tbuf b[5] = { { HDR, 5, 0 }, { HDR + 0x80, 11, 0 }, { DATA, 100, 1 },
		                     { DATA + 0x400, 412, 1 }, { STATUS, 1, 1 } };
		memcpy(vmm->mem + HDR, &type, 4);
		memset(vmm->mem + HDR + 4, 0, 1);
		memset(vmm->mem + HDR + 0x80, 0, 3);
		memcpy(vmm->mem + HDR + 0x83, &sector, 8);
		vmm->mem[STATUS] = 0xee;
		drv_send(vmm, &d, 0, b, 5, 1);
		for (unsigned i = 0; i < 512; i++)
			want[i] = (uint8_t)(5 * 31 + i);
		ok(drv_used(vmm, &d, 0, &len) && vmm->mem[STATUS] == 0 &&
		   !memcmp(vmm->mem + DATA, want, 100) && !memcmp(vmm->mem + DATA + 0x400, want + 100, 412),
		   "block: any buffer layout (header in 5+11 bytes, data in 100+412)");
	}
	/* a chain as long as the queue: header, six sectors, status in eight descriptors */
	{
		struct tbuf b[8] = { { HDR, 16, 0 } };
		uint32_t type = T_IN;
		uint64_t sector = 8;
		for (unsigned i = 1; i < 7; i++)
			b[i] = (struct tbuf){ DATA + 0x1000u * i, 512, 1 };
		b[7] = (struct tbuf){ STATUS, 1, 1 };
		memcpy(vmm->mem + HDR, &type, 4);
		memcpy(vmm->mem + HDR + 8, &sector, 8);
		vmm->mem[STATUS] = 0xee;
		drv_send(vmm, &d, 0, b, 8, 1);
		ok(drv_used(vmm, &d, 0, &len) && vmm->mem[STATUS] == 0 && len == 6 * 512 + 1 &&
		   vmm->mem[DATA + 0x6000] == (uint8_t)(13 * 31), "block: a chain as long as the queue");
	}
	/* a short header still has a status byte: IOERR */
	{
		struct tbuf b[2] = { { HDR, 8, 0 }, { STATUS, 1, 1 } };
		vmm->mem[STATUS] = 0xee;
		drv_send(vmm, &d, 0, b, 2, 1);
		ok(drv_used(vmm, &d, 0, &len) && vmm->mem[STATUS] == 1, "block: an 8-byte header -> IOERR");
	}

	/* the read-only disk */
	ok(drv_init(vmm, &r, RO_BASE, F_FLUSH | F_RO, 1, 8) == S_RUNNING, "read-only disk: driver running");
	for (unsigned i = 0; i < 512; i++)
		vmm->mem[DATA + i] = 0x77;
	memset(want, 0x77, sizeof(want));
	ok(blk_req(vmm, &r, T_OUT, 2, 512, 0, NULL) == 1 && !sector_is(image_ro, 2, want),
	   "read-only disk: OUT -> IOERR, the file unchanged");
	ok(blk_req(vmm, &r, T_IN, 2, 512, 1, NULL) == 0, "read-only disk: IN works");
	free_vmm(vmm);
}

/* Malformations, each on a running block device; each must end in DEVICE_NEEDS_RESET. */
static void bad_addr(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[2] = { { MEM_SIZE - 8, 16, 0 }, { STATUS, 1, 1 } };
	drv_send(vmm, d, 0, b, 2, 1);
}

static void bad_addr_wrap(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[2] = { { ~0ull - 4, 16, 0 }, { STATUS, 1, 1 } };
	drv_send(vmm, d, 0, b, 2, 1);
}

static void bad_loop(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[2] = { { HDR, 16, 0 }, { STATUS, 1, 1 } };
	drv_send(vmm, d, 0, b, 2, 0);
	put_desc(vmm, &d->q[0], 1, STATUS, 1, 2 | 1, 0);    /* the status descriptor points back */
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void bad_self_loop(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[1] = { { HDR, 16, 0 } };
	drv_send(vmm, d, 0, b, 1, 0);
	put_desc(vmm, &d->q[0], 0, HDR, 16, 1, 0);
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void bad_next(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[1] = { { HDR, 16, 0 } };
	drv_send(vmm, d, 0, b, 1, 0);
	put_desc(vmm, &d->q[0], 0, HDR, 16, 1, 8);           /* next beyond a queue of 8 */
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void bad_head(struct vmm *vmm, struct tdev *d)
{
	put16(vmm, d->q[0].avail + 4, 200);
	put16(vmm, d->q[0].avail + 2, 1);
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void bad_avail_jump(struct vmm *vmm, struct tdev *d)
{
	put16(vmm, d->q[0].avail + 2, 9);                    /* 9 available in a queue of 8 */
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void bad_indirect(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[1] = { { HDR, 16, 0 } };
	drv_send(vmm, d, 0, b, 1, 0);
	put_desc(vmm, &d->q[0], 0, HDR, 32, 4, 0);
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void bad_order(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[3] = { { STATUS, 1, 1 }, { HDR, 16, 0 }, { STATUS, 1, 1 } };
	drv_send(vmm, d, 0, b, 3, 1);
}

static void bad_no_status(struct vmm *vmm, struct tdev *d)
{
	struct tbuf b[1] = { { HDR, 16, 0 } };
	drv_send(vmm, d, 0, b, 1, 1);
}

static void bad_notify_queue(struct vmm *vmm, struct tdev *d)
{
	wr(vmm, d->base, R_QUEUE_NOTIFY, 5);
}

static void bad_notify_unready(struct vmm *vmm, struct tdev *d)
{
	wr(vmm, d->base, R_QUEUE_SEL, 0);
	wr(vmm, d->base, R_QUEUE_READY, 0);
	wr(vmm, d->base, R_QUEUE_NOTIFY, 0);
}

static void requeue(struct vmm *vmm, struct tdev *d, uint16_t num, uint64_t desc, uint64_t used)
{
	wr(vmm, d->base, R_QUEUE_SEL, 0);
	wr(vmm, d->base, R_QUEUE_READY, 0);
	wr(vmm, d->base, R_QUEUE_NUM, num);
	wr(vmm, d->base, R_QUEUE_DESC, (uint32_t)desc);
	wr(vmm, d->base, R_QUEUE_DESC + 4, (uint32_t)(desc >> 32));
	wr(vmm, d->base, R_QUEUE_USED, (uint32_t)used);
	wr(vmm, d->base, R_QUEUE_READY, 1);
}

static void bad_size_odd(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 6, d->q[0].desc, d->q[0].used); }
static void bad_size_big(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 256, d->q[0].desc, d->q[0].used); }
static void bad_size_zero(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 0, d->q[0].desc, d->q[0].used); }
static void bad_ring_ram(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 8, MEM_SIZE - 64, d->q[0].used); }
static void bad_ring_high(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 8, 1ull << 40, d->q[0].used); }
static void bad_ring_align(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 8, d->q[0].desc + 8, d->q[0].used); }
static void bad_used_align(struct vmm *vmm, struct tdev *d) { requeue(vmm, d, 8, d->q[0].desc, d->q[0].used + 2); }

static void test_malformed(void)
{
	static const struct {
		const char *what;
		void (*make)(struct vmm *vmm, struct tdev *d);
	} table[] = {
		{ "a descriptor running past the end of RAM", bad_addr },
		{ "a descriptor address that wraps around 2^64", bad_addr_wrap },
		{ "a descriptor loop", bad_loop },
		{ "a descriptor chained to itself", bad_self_loop },
		{ "a next index beyond the queue", bad_next },
		{ "a head index beyond the queue", bad_head },
		{ "avail idx running more than a queue ahead", bad_avail_jump },
		{ "an indirect descriptor (not offered)", bad_indirect },
		{ "a readable buffer after a writable one", bad_order },
		{ "a request without a status byte", bad_no_status },
		{ "a notify of a queue that does not exist", bad_notify_queue },
		{ "a notify of a queue that is not ready", bad_notify_unready },
		{ "a queue size that is not a power of two", bad_size_odd },
		{ "a queue size above QueueNumMax", bad_size_big },
		{ "a queue size of 0", bad_size_zero },
		{ "a descriptor table past the end of RAM", bad_ring_ram },
		{ "a descriptor table far outside RAM", bad_ring_high },
		{ "a misaligned descriptor table", bad_ring_align },
		{ "a misaligned used ring", bad_used_align },
	};
	char what[160];

	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct vmm *vmm = new_vmm();
		struct tdev d;
		uint16_t used;
		int quiet;

		drv_init(vmm, &d, BLK_BASE, F_FLUSH, 1, 8);
		irq_raised(vmm, BLK_IRQ);
		table[i].make(vmm, &d);
		snprintf(what, sizeof(what), "malformed: %s -> DEVICE_NEEDS_RESET, config interrupt",
		         table[i].what);
		ok(needs_reset(vmm, BLK_BASE) && irq_raised(vmm, BLK_IRQ), "%s", what);

		/* then it does nothing until reset; after the reset it works again */
		used = get16(vmm, d.q[0].used + 2);
		if (rd(vmm, BLK_BASE, R_QUEUE_READY)) {
			struct tbuf b[3] = { { HDR, 16, 0 }, { DATA, 512, 1 }, { STATUS, 1, 1 } };
			memset(vmm->mem + HDR, 0, 16);
			d.q[0].avail_idx = get16(vmm, d.q[0].avail + 2);
			drv_send(vmm, &d, 0, b, 3, 1);
		}
		quiet = get16(vmm, d.q[0].used + 2) == used && needs_reset(vmm, BLK_BASE);
		drv_init(vmm, &d, BLK_BASE, F_FLUSH, 1, 8);
		snprintf(what, sizeof(what), "malformed: %s: ignored until reset, then working", table[i].what);
		ok(quiet && blk_req(vmm, &d, T_IN, 0, 512, 1, NULL) == 0, "%s", what);
		free_vmm(vmm);
	}
}

static void test_registers(void)
{
	struct vmm *vmm = new_vmm();
	struct tdev d;

	drv_init(vmm, &d, BLK_BASE, F_FLUSH, 1, 8);
	wr(vmm, BLK_BASE, R_MAGIC, 0);
	wr(vmm, BLK_BASE, R_VERSION, 1);
	wr(vmm, BLK_BASE, R_DEVICE_ID, 3);
	wr(vmm, BLK_BASE, R_QUEUE_NUM_MAX, 4);
	wr(vmm, BLK_BASE, R_ISR, 3);
	wr(vmm, BLK_BASE, R_GENERATION, 9);
	wr(vmm, BLK_BASE, R_CONFIG, 1);
	mmio(vmm, 1, BLK_BASE + R_CONFIG + 1, 1, 0xff);
	ok(rd(vmm, BLK_BASE, R_MAGIC) == MAGIC_VIRT && rd(vmm, BLK_BASE, R_VERSION) == 2 &&
	   rd(vmm, BLK_BASE, R_DEVICE_ID) == 2 && rd(vmm, BLK_BASE, R_QUEUE_NUM_MAX) == 128 &&
	   rd(vmm, BLK_BASE, R_ISR) == 0 && rd(vmm, BLK_BASE, R_GENERATION) == 0 &&
	   rd(vmm, BLK_BASE, R_CONFIG) == SECTORS, "writes to read-only registers and config are dropped");
	wr(vmm, BLK_BASE, R_STATUS, VIRTIO_STATUS_NEEDS_RESET);
	ok(rd(vmm, BLK_BASE, R_STATUS) == S_RUNNING, "the driver cannot set DEVICE_NEEDS_RESET");
	wr(vmm, BLK_BASE, R_QUEUE_NUM, 2);
	wr(vmm, BLK_BASE, R_QUEUE_DESC, 0x1000);
	ok(vmm->virtio[1]->queue[0].num == 8 && vmm->virtio[1]->queue[0].desc == d.q[0].desc,
	   "queue registers do not change under a ready queue");
	ok(mmio(vmm, 0, BLK_BASE + R_MAGIC, 1, 0) == 0 && mmio(vmm, 0, BLK_BASE + R_MAGIC, 2, 0) == 0 &&
	   mmio(vmm, 0, BLK_BASE + R_MAGIC, 8, 0) == 0 && mmio(vmm, 0, BLK_BASE + 1, 4, 0) == 0 &&
	   mmio(vmm, 0, BLK_BASE + 0x0ff, 1, 0) == 0,
	   "control registers read 0 but with aligned 32-bit reads");
	mmio(vmm, 1, BLK_BASE + R_STATUS, 1, 0);
	mmio(vmm, 1, BLK_BASE + R_STATUS, 2, 0);
	mmio(vmm, 1, BLK_BASE + R_STATUS, 8, 0);
	mmio(vmm, 1, BLK_BASE + R_STATUS + 2, 4, 0);
	ok(rd(vmm, BLK_BASE, R_STATUS) == S_RUNNING, "control-register writes of other sizes or offsets are dropped");
	ok(mmio(vmm, 0, BLK_BASE + R_CONFIG, 8, 0) == 0 &&
	   mmio(vmm, 0, BLK_BASE + R_CONFIG + VMM_VIRTIO_CONFIG_MAX - 2, 4, 0) == 0 &&
	   mmio(vmm, 0, BLK_BASE + 0xffc, 4, 0) == 0, "config reads past its end or 8 bytes wide read 0");
	ok(mmio(vmm, 0, BLK_BASE + 0xffe, 4, 0) == 0xffffffffu,
	   "an access straddling the window's end goes nowhere (all ones)");
	ok(mmio(vmm, 0, VMM_VIRTIO_BASE + 5 * VMM_VIRTIO_WINDOW, 4, 0) == 0xffffffffu,
	   "an empty slot reads all ones (no magic)");
	free_vmm(vmm);
}

static int dev_is(const struct vmm_device *d, enum vmm_device_kind kind, uint64_t base, uint8_t irq)
{
	return d->kind == kind && d->mem_base == base && d->irq == irq;
}

static int parse(const char *body, struct vmm_machine *m, char *why, size_t size)
{
	char xml[2048];

	snprintf(xml, sizeof(xml), "<machine><mem start=\"0\" end=\"0x100000\"/>%s</machine>", body);
	return vmm_machine_parse(xml, strlen(xml), "t.xml", m, why, size);
}

/* Placement: the machine's elements, the default machine, and the disks given to a VM. */
static void test_machine(void)
{
	struct vmm_machine m;
	struct vmm_disk disks[3] = { { .path = NULL }, { .path = NULL }, { .path = NULL } };
	struct vmm_config cfg = { .disks = disks };
	char why[256], body[1024] = "";
	struct vmm *vmm;

	vmm_machine_default(&m, 64u << 20);
	ok(dev_is(&m.dev[m.ndev - 1], VMM_DEV_VIRTIO_CONSOLE, 0xfeb00000, 5),
	   "machine: the default machine has a virtio console at 0xfeb00000, IRQ 5");
	ok(!parse("<virtio_block/><virtio_console mem_base=\"0xfeb05000\" irq=\"9\"/><virtio_block/>",
	          &m, why, sizeof(why)) && m.ndev == 3 &&
	   dev_is(&m.dev[0], VMM_DEV_VIRTIO_BLOCK, 0xfeb00000, 5) &&
	   dev_is(&m.dev[1], VMM_DEV_VIRTIO_CONSOLE, 0xfeb05000, 9) &&
	   dev_is(&m.dev[2], VMM_DEV_VIRTIO_BLOCK, 0xfeb01000, 10),
	   "machine: <virtio_block/> and <virtio_console/> in the first free slots unless placed");
	ok(parse("<virtio_block mem_base=\"0xfeb00800\"/>", &m, why, sizeof(why)) == -EINVAL &&
	   strstr(why, "t.xml:1:") && strstr(why, "4 KiB-aligned mem_base"),
	   "machine: a misaligned mem_base is refused with its position");
	ok(parse("<virtio_console irq=\"16\"/>", &m, why, sizeof(why)) == -EINVAL &&
	   strstr(why, "invalid irq=\"16\" in <virtio_console>"), "machine: an IRQ above 15 is refused");
	for (int i = 0; i < 9; i++)
		strcat(body, "<virtio_block/>");
	ok(parse(body, &m, why, sizeof(why)) == -EINVAL && strstr(why, "at most 8 virtio devices"),
	   "machine: a ninth virtio device is refused");

	/* disks go to the <virtio_block> elements in order, then into free slots */
	disks[0].path = image;
	disks[1].path = disks[2].path = image_ro;
	disks[1].read_only = disks[2].read_only = 1;
	vmm = calloc(1, sizeof(*vmm));
	vmm->mem_size = MEM_SIZE;
	parse("<virtio_console/><virtio_block/><virtio_block/>", &vmm->machine, why, sizeof(why));
	cfg.ndisks = 1;
	ok(!vmm_virtio_machine_create(vmm, &cfg, why, sizeof(why)) && vmm->nvirtio == 2 &&
	   vmm->virtio[1]->base == 0xfeb01000 && vmm->virtio[1]->irq == 10,
	   "machine: a <virtio_block> without a disk is left out");
	vmm_virtio_free_all(vmm);
	memset(vmm, 0, sizeof(*vmm));
	vmm->mem_size = MEM_SIZE;
	parse("<virtio_block irq=\"14\"/>", &vmm->machine, why, sizeof(why));
	cfg.ndisks = 3;
	ok(!vmm_virtio_machine_create(vmm, &cfg, why, sizeof(why)) && vmm->nvirtio == 3 &&
	   vmm->virtio[0]->irq == 14 && vmm->virtio[2]->base == 0xfeb02000 && vmm->virtio[2]->irq == 11,
	   "machine: disks beyond the <virtio_block> elements go into the next free slots");
	vmm_virtio_free_all(vmm);
	memset(vmm, 0, sizeof(*vmm));
	vmm->mem_size = 0xfec00000ull;
	vmm_machine_default(&vmm->machine, 64u << 20);
	cfg.ndisks = 0;
	ok(vmm_virtio_machine_create(vmm, &cfg, why, sizeof(why)) == -EINVAL &&
	   strstr(why, "virtio window at 0xfeb00000 lies in guest RAM"),
	   "machine: a window inside guest RAM is refused");
	memset(vmm, 0, sizeof(*vmm));
	vmm->mem_size = MEM_SIZE;
	vmm_machine_default(&vmm->machine, 64u << 20);
	disks[0].path = "/nonexistent/disk.img";
	cfg.ndisks = 1;
	ok(vmm_virtio_machine_create(vmm, &cfg, why, sizeof(why)) == -ENOENT &&
	   !strcmp(why, "cannot open the disk image /nonexistent/disk.img: No such file or directory"),
	   "machine: a missing image is an error naming it");
	vmm_virtio_free_all(vmm);
	free(vmm);
}

/* A RAM disk backend checking that the device keeps its side of vmm/block.h. */
static uint8_t ramdisk[SECTORS * 512];
static uint64_t served;                 /* backend calls that did I/O */
static unsigned backend_violations;
static int ramdisk_ro;

static int rd_read(void *priv, uint64_t sector, void *buf, uint32_t count)
{
	if (sector > SECTORS || count > SECTORS - sector || !count) {
		backend_violations++;
		return -EIO;
	}
	memcpy(buf, ramdisk + sector * 512, count * 512u);
	served++;
	return 0;
}

static int rd_write(void *priv, uint64_t sector, const void *buf, uint32_t count)
{
	if (ramdisk_ro || sector > SECTORS || count > SECTORS - sector || !count) {
		backend_violations++;
		return -EIO;
	}
	memcpy(ramdisk + sector * 512, buf, count * 512u);
	served++;
	return 0;
}

static int rd_flush(void *priv) { return 0; }
static uint64_t rd_size(void *priv) { return SECTORS; }

static const struct vmm_block_ops ramdisk_ops = { rd_read, rd_write, rd_flush, rd_size };

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A value a driver might write: small numbers, ring addresses, or anything. */
static uint32_t fuzz_value(uint64_t *s)
{
	switch (rnd(s) % 6) {
	case 0: return (uint32_t)(rnd(s) % 4);
	case 1: return 1u << (rnd(s) % 9);
	case 2: return (uint32_t)(RINGS + rnd(s) % 0x30000) & ~15u;
	case 3: return S_RUNNING | (uint32_t)(rnd(s) & 0xf0);
	case 4: return 0;
	default: return (uint32_t)rnd(s);
	}
}

/* Random bytes into the rings and buffers, the avail idx bumped by a little or a lot. */
static void fuzz_rings(struct vmm *vmm, uint64_t *s)
{
	uint64_t at = RINGS + rnd(s) % 0x30000;
	unsigned n = (unsigned)(rnd(s) % 64);

	for (unsigned i = 0; i < n && at + i < MEM_SIZE; i++)
		vmm->mem[at + i] = (uint8_t)rnd(s);
	if (rnd(s) % 2) {
		/* a plausible descriptor: in RAM mostly, chained now and then */
		uint64_t d = RINGS + rnd(s) % 0x30000 / 16 * 16;
		uint64_t addr = rnd(s) % 4 ? rnd(s) % MEM_SIZE : rnd(s);
		uint32_t len = rnd(s) % 4 ? (uint32_t)(rnd(s) % 2048) : (uint32_t)rnd(s);
		uint16_t flags = (uint16_t)(rnd(s) % 8), next = (uint16_t)(rnd(s) % 16);
		memcpy(vmm->mem + d, &addr, 8);
		memcpy(vmm->mem + d + 8, &len, 4);
		memcpy(vmm->mem + d + 12, &flags, 2);
		memcpy(vmm->mem + d + 14, &next, 2);
	}
	if (rnd(s) % 2) {
		uint64_t a = RINGS + 0x1000 + 0x3000 * (rnd(s) % 10);
		if (a + 4 <= MEM_SIZE)
			put16(vmm, a + 2, (uint16_t)(get16(vmm, a + 2) + (rnd(s) % 4 ? rnd(s) % 4 : rnd(s))));
	}
}

/* A VM with a console and a block device on the RAM disk at BLK_BASE. */
static struct vmm *fuzz_vmm(const struct vmm_disk *disk, int input_fd)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));
	char why[256];

	vmm->kvm = vmm->vm = -1;
	vmm_vcpu_prepare(vmm, 1);
	vmm->pit.timerfd = -1;
	vmm->input_fd = input_fd;
	vmm->output = collect;
	vmm->mem = calloc(1, MEM_SIZE);
	vmm->mem_size = MEM_SIZE;
	if (vmm_pic_init(vmm) || vmm_virtio_console_init(vmm, CON_BASE, CON_IRQ) ||
	    vmm_virtio_block_init(vmm, BLK_BASE, BLK_IRQ, disk, why, sizeof(why)))
		abort();
	return vmm;
}

/* A request a driver might send, often slightly wrong: 1-4 buffers of plausible sizes. */
static void fuzz_chain(struct vmm *vmm, struct tdev *d, unsigned q, uint64_t *seed)
{
	static const uint32_t lens[] = { 16, 512, 1024, 1, 20, 8, 0 };
	static const uint32_t types[] = { T_IN, T_OUT, T_FLUSH, T_GET_ID };
	struct tbuf b[4];
	unsigned n = 1 + (unsigned)(rnd(seed) % 4), writable = (unsigned)(rnd(seed) % (n + 1));
	uint32_t type = rnd(seed) % 8 ? types[rnd(seed) % 4] : (uint32_t)rnd(seed);
	uint64_t sector = rnd(seed) % 8 ? rnd(seed) % (SECTORS + 2) : rnd(seed);

	for (unsigned i = 0; i < n; i++) {
		b[i].gpa = DATA + rnd(seed) % 0x20000;
		b[i].len = rnd(seed) % 8 ? lens[rnd(seed) % 7] : (uint32_t)(rnd(seed) % 70000);
		b[i].write = i >= n - writable || rnd(seed) % 32 == 0;
	}
	if (rnd(seed) % 2) {                   /* the usual layout: header, whole sectors, status */
		n = 3;
		b[1].gpa = DATA + rnd(seed) % 0x20000;
		b[1].len = 512u * (1 + (uint32_t)(rnd(seed) % 3));
		b[1].write = type == T_IN;
		b[2] = (struct tbuf){ DATA + 0x30000 + rnd(seed) % 0x1000, 1, 1 };
	}
	if (rnd(seed) % 4) {
		b[0].len = 16;
		b[0].write = 0;
		memcpy(vmm->mem + b[0].gpa, &type, 4);
		memcpy(vmm->mem + b[0].gpa + 8, &sector, 8);
	}
	drv_send(vmm, d, q, b, n, 0);
	if (rnd(seed) % 16 == 0)               /* a byte of the descriptor table changed */
		vmm->mem[d->q[q].desc + rnd(seed) % (16u * d->q[q].num)] = (uint8_t)rnd(seed);
}

/* One random step: proper starts and requests now and then, random ring contents and notifies, random registers. */
static void fuzz_step(struct vmm *vmm, uint64_t *seed, uint64_t *notifies)
{
	static struct tdev drv[2];
	unsigned dev = (unsigned)(rnd(seed) % 2);
	uint64_t base = VMM_VIRTIO_BASE + dev * VMM_VIRTIO_WINDOW;
	unsigned sizes[4] = { 1, 2, 4, 8 }, size = rnd(seed) % 8 ? 4 : sizes[rnd(seed) % 4];
	uint64_t off = rnd(seed) % 3 ? rnd(seed) % 0x110 / 4 * 4 : rnd(seed) % 0x1010;
	struct tdev *d = &drv[dev];
	unsigned q = dev ? 0 : (unsigned)(rnd(seed) % 2);       /* the block device has one queue */

	/* a driver resets a device that needs it, mostly */
	unsigned what = (rd(vmm, base, R_STATUS) & VIRTIO_STATUS_NEEDS_RESET) && rnd(seed) % 4 ? 0
	                : (unsigned)(rnd(seed) % 16);

	switch (what) {
	case 0:
		/* the features offered, now and then one that is not */
		drv_init(vmm, d, base, ((uint32_t)rnd(seed) & (dev ? F_FLUSH | F_SEG_MAX : 0)) |
		                       (rnd(seed) % 16 ? 0 : F_RO), 2, (uint16_t)(1u << (rnd(seed) % 8)));
		break;
	case 6: case 7: case 8: case 9: case 10: case 11:
		if (d->q[q].num && d->base == base) {
			fuzz_chain(vmm, d, q, seed);
			wr(vmm, base, R_QUEUE_NOTIFY, q);
			(*notifies)++;
		}
		break;
	case 1: case 2: case 3: case 4:
		fuzz_rings(vmm, seed);
		wr(vmm, base, R_QUEUE_NOTIFY, (uint32_t)(rnd(seed) % 3));
		(*notifies)++;
		break;
	case 5:
		vmm_virtio_console_poll_input(vmm);
		break;
	default:
		if (rnd(seed) % 2)
			mmio(vmm, 1, base + off, size, fuzz_value(seed));
		else
			mmio(vmm, 0, base + off, size, 0);
	}
	if (vmm_pic_pending(vmm))
		vmm_pic_ack(vmm);
}

static void test_fuzz(void)
{
	struct vmm_disk ram = { .path = "ramdisk", .ops = &ramdisk_ops };
	struct vmm_disk ram_ro = { .path = "ramdisk-ro", .read_only = 1, .ops = &ramdisk_ops };
	uint64_t seed = 0x9e3779b97f4a7c15ull, notifies = 0, used = 0;
	unsigned malformed = 0;
	struct vmm *vmm;
	int pipefd[2];

	if (pipe(pipefd) || write(pipefd[1], "input for the fuzzer", 20) != 20)
		abort();
	vmm = fuzz_vmm(&ram, pipefd[0]);
	output_total = 0;
	for (unsigned i = 0; i < 500000; i++) {
		fuzz_step(vmm, &seed, &notifies);
		if (i % 64 == 0 && rnd(&seed) % 8 == 0 && write(pipefd[1], "k", 1) != 1)
			abort();
	}
	used = served;
	malformed = vmm->virtio[0]->malformed + vmm->virtio[1]->malformed;
	printf("# %llu notifies, %u malformations, %llu bytes of console output, %llu backend reads and writes\n",
	       (unsigned long long)notifies, malformed, (unsigned long long)output_total,
	       (unsigned long long)used);
	ok(backend_violations == 0, "fuzz: the backend never saw a request outside the disk");
	ok(malformed > 0 && used > 0,
	   "fuzz: 500,000 random MMIO accesses and ring contents: devices standing, requests served");
	free_vmm(vmm);
	close(pipefd[0]);
	close(pipefd[1]);

	/* the same on a read-only RAM disk: a write must never reach the backend */
	ramdisk_ro = 1;
	vmm = fuzz_vmm(&ram_ro, -1);
	for (unsigned i = 0; i < 300000; i++)
		fuzz_step(vmm, &seed, &notifies);
	ok(backend_violations == 0, "fuzz: a read-only disk's backend never saw a write");
	free_vmm(vmm);
}

int main(void)
{
	image = make_image();
	image_ro = make_image();
	disk_rw = (struct vmm_disk){ .path = image };
	disk_ro = (struct vmm_disk){ .path = image_ro, .read_only = 1 };
	test_discovery();
	test_negotiation();
	test_console();
	test_block();
	test_malformed();
	test_registers();
	test_machine();
	test_fuzz();
	unlink(image);
	unlink(image_ro);
	free(image);
	free(image_ro);
	return done_testing();
}
