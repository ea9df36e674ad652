/*
 * PIC + PIT check: 10 IRQ0 ticks at 1 kHz, waited for with hlt. It first polls for one tick
 * (bounded by the PIT's own counter) so a dead PIT or an undelivered IRQ fails instead of hanging.
 */
#include "io.h"
#include "mbtest.h"

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xA0
#define PIC_SLAVE_DATA 0xA1
#define PIC_ICW1_INIT_ICW4 0x11	/* edge triggered, cascaded, ICW4 follows */
#define PIC_MASTER_BASE MBTEST_VECTOR_PIC_BASE	/* off the CPU exception vectors */
#define PIC_SLAVE_BASE (MBTEST_VECTOR_PIC_BASE + 8)
#define PIC_ICW3_MASTER 0x04	/* slave on IRQ2 */
#define PIC_ICW3_SLAVE 0x02	/* its cascade identity */
#define PIC_ICW4_8086 0x01
#define PIC_MASK_ALL_BUT_IRQ0 0xFE
#define PIC_MASK_ALL 0xFF

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_LOHI_MODE2 0x34	/* channel 0, lobyte/hibyte, rate generator, binary */
#define PIT_CH0_LATCH 0x00
#define PIT_DIVISOR 1193	/* 1193182 Hz / 1193 = 1 kHz */

#define PIT_TICKS_WANTED 10
/* Counter wraps (1 ms each) to wait for the first IRQ before calling it lost: generous,
 * as a VMM or QEMU TCG may raise the IRQ from another thread well after the counter wrapped. */
#define PIT_FIRST_TICK_WRAPS 50
/* Equal reads in a row that mean the counter is dead (it changes every 0.84 us). */
#define PIT_STUCK_READS 10000
/* Last resort if the counter moves but never seems to wrap. */
#define PIT_POLL_MAX 1000000
/* hlt wakeups allowed; with only IRQ0 unmasked each should be a tick. */
#define PIT_WAKEUPS_MAX 1000

static volatile uint32_t ticks;

void pit_irq(void)
{
	ticks++;
}

static void pic_remap(void)
{
	/* No io_wait between writes: emulated PICs need none, and port 0x80 is one more thing a VMM must handle. */
	outb(PIC_MASTER_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC_SLAVE_CMD, PIC_ICW1_INIT_ICW4);
	outb(PIC_MASTER_DATA, PIC_MASTER_BASE);
	outb(PIC_SLAVE_DATA, PIC_SLAVE_BASE);
	outb(PIC_MASTER_DATA, PIC_ICW3_MASTER);
	outb(PIC_SLAVE_DATA, PIC_ICW3_SLAVE);
	outb(PIC_MASTER_DATA, PIC_ICW4_8086);
	outb(PIC_SLAVE_DATA, PIC_ICW4_8086);
	outb(PIC_MASTER_DATA, PIC_MASK_ALL_BUT_IRQ0);
	outb(PIC_SLAVE_DATA, PIC_MASK_ALL);
}

static uint32_t pit_read(void)
{
	uint32_t lo, hi;

	outb(PIT_CMD, PIT_CH0_LATCH);
	lo = inb(PIT_CH0);
	hi = inb(PIT_CH0);
	return hi << 8 | lo;
}

/* Polls with interrupts on until the first tick; returns why it gave up, or 0. */
static const char *wait_first_tick(void)
{
	uint32_t prev = pit_read(), wraps = 0, still = 0;

	/* Time is measured by the PIT's own counter, as iteration counts vary 100-fold between VMMs. */
	sti();
	for (uint32_t i = 0; i < PIT_POLL_MAX && ticks == 0; i++) {
		uint32_t now = pit_read();

		/* Mode 2 counts down and reloads, so going up means one period passed. */
		if (now > prev && ++wraps == PIT_FIRST_TICK_WRAPS)
			break;
		still = now == prev ? still + 1 : 0;
		if (still == PIT_STUCK_READS)
			break;
		prev = now;
	}
	cli();
	if (ticks)
		return 0;
	return still == PIT_STUCK_READS ? "counter not counting" : "irq0 not delivered";
}

void pit_check(void)
{
	const char *why;
	uint32_t n;

	lapic_virtual_wire();
	pic_remap();
	outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
	outb(PIT_CH0, PIT_DIVISOR & 0xFF);
	outb(PIT_CH0, PIT_DIVISOR >> 8);

	why = wait_first_tick();
	for (uint32_t w = 0; !why && ticks < PIT_TICKS_WANTED && w < PIT_WAKEUPS_MAX; w++) {
		sti_hlt();
		cli();
	}
	n = ticks;
	/* Leave the PIT running but silenced: the rest of the run wants no interrupts. */
	outb(PIC_MASTER_DATA, PIC_MASK_ALL);

	if (n >= PIT_TICKS_WANTED)
		report("pit: %u ticks", n);
	else if (why)
		report_fail("pit: %u ticks, %s", n, why);
	else
		report_fail("pit: %u ticks after %u wakeups", n, PIT_WAKEUPS_MAX);
}

int pit_wait(volatile uint32_t *count, uint32_t want, uint32_t ms)
{
	uint32_t prev = pit_read(), wraps = 0, still = 0;

	/* Mode 2 counts down and reloads: the counter going up means a millisecond passed. */
	while (*count < want && wraps < ms && still < PIT_STUCK_READS) {
		uint32_t now = pit_read();

		if (now > prev)
			wraps++;
		still = now == prev ? still + 1 : 0;
		prev = now;
	}
	return *count >= want;
}
