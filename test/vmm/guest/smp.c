/*
 * SMP: the APs the MP table names ("cpus=N" on the command line names APIC IDs 0..N-1
 * instead, for firmware whose table lists one processor per package, as SeaBIOS does) are
 * started one at a time with INIT, STARTUP, STARTUP, the MP specification's universal
 * algorithm, through the real-mode trampoline (trampoline.S) copied to 0x8000. Each AP enters
 * protected mode, loads the BSP's IDT, enables its LAPIC, writes its APIC ID into a shared
 * array, counts itself in with a locked increment, and halts with interrupts on. The BSP then
 * sends each AP a fixed IPI (physical destination) and waits for that AP's handler to count
 * it, then one fixed IPI to all excluding itself, which every AP must count too; last it
 * measures IPI round trips and starts the first AP over with INIT and STARTUP while it runs.
 */
#include "io.h"
#include "mbtest.h"

#define CPUS_MAX 16
#define AP_STACK_SIZE 4096

#define LAPIC_ID 0x20
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_IRR 0x200
#define LAPIC_ESR 0x280
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_SVR_ENABLE 0x100

#define ICR_INIT 0x500
#define ICR_STARTUP 0x600
#define ICR_PENDING 0x1000		/* delivery status: send pending */
#define ICR_ASSERT 0x4000
#define ICR_LEVEL 0x8000
#define ICR_ALL_BUT_SELF 0xC0000
#define ICR_POLLS 100000

#define MP_PROCESSOR 0
#define MP_CONFIG_HEADER 44
#define MP_CPU_ENABLED 1

#define INIT_MS 10			/* after INIT, as the MP specification asks */
#define AP_UP_MS 1000			/* generous: an AP's first instructions may be emulated */
#define IPI_MS 200
#define CALIBRATE_MS 10
#define ROUND_TRIPS 100

extern char smp_trampoline[], smp_trampoline_end[], smp_trampoline_base[];

/* The next AP's stack top: trampoline.S loads it. */
uint32_t smp_ap_stack;

struct idt_desc {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

static struct idt_desc idt;		/* the BSP's, for the APs */
static volatile uint32_t up;		/* APs counted in (a restarted one again) */
static uint32_t running;		/* APs started, for smp_stop() */
static volatile uint32_t arrived[CPUS_MAX];	/* their APIC IDs, in order */
static volatile uint32_t ipis[256];	/* SMP IPIs each APIC ID's handler counted */
static volatile uint32_t stopped;	/* APs halted for good by smp_stop() */
static uint8_t stacks[CPUS_MAX][AP_STACK_SIZE] __attribute__((aligned(16)));

void smp_ap_main(void)
{
	uint32_t id, slot;

	__asm__ volatile("lidt %0" : : "m"(idt));
	id = lapic_read(LAPIC_ID) >> 24;
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | MBTEST_VECTOR_LAPIC_SPURIOUS);
	/* started one at a time: the slot is ours; the ID is written before the count says so */
	slot = up;
	if (slot < CPUS_MAX)
		arrived[slot] = id;
	__atomic_fetch_add(&up, 1, __ATOMIC_SEQ_CST);		/* lock xadd */
	for (;;)
		sti_hlt();
}

void smp_irq(uint32_t vector)
{
	ipis[lapic_read(LAPIC_ID) >> 24]++;
	lapic_write(LAPIC_EOI, 0);
	if (vector != MBTEST_VECTOR_SMP_STOP)
		return;
	__atomic_fetch_add(&stopped, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		cli();
		hlt();
	}
}

/* One message through the ICR; 0 when it stays pending. */
static int send(uint32_t apic_id, uint32_t low)
{
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, low);
	for (uint32_t i = 0; i < ICR_POLLS; i++)
		if (!(lapic_read(LAPIC_ICR_LO) & ICR_PENDING))
			return 1;
	return 0;
}

void smp_stop(void)
{
	if (!running)
		return;
	send(0, ICR_ALL_BUT_SELF | MBTEST_VECTOR_SMP_STOP);
	if (!pit_wait(&stopped, running, IPI_MS))
		report_fail("smp: %u of %u APs stopped", stopped, running);
}

static void wait_ms(uint32_t ms)
{
	uint32_t never = 0;

	pit_wait(&never, 1, ms);
}

/* The enabled processors' APIC IDs from the MP table; how many, 0 without a table. */
static uint32_t mp_cpus(uint32_t *ids)
{
	const uint8_t *c = mp_config(), *p, *end;
	uint32_t n = 0;

	if (!c)
		return 0;
	end = c + (c[4] | c[5] << 8);
	for (p = c + MP_CONFIG_HEADER; p < end && p[0] == MP_PROCESSOR; p += 20)
		if ((p[3] & MP_CPU_ENABLED) && n < CPUS_MAX)
			ids[n++] = p[1];
	return n;
}

/* "cpus=N" on the command line: APIC IDs 0..N-1; 0 without it. */
static uint32_t cmdline_cpus(uint32_t *ids)
{
	const char *p = mbtest_cmdline;
	uint32_t n = 0;

	for (; p && *p; p++) {
		if ((p != mbtest_cmdline && p[-1] != ' ') || p[0] != 'c' || p[1] != 'p' ||
		    p[2] != 'u' || p[3] != 's' || p[4] != '=')
			continue;
		for (p += 5; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (uint32_t)(*p - '0');
		break;
	}
	n = n > CPUS_MAX ? CPUS_MAX : n;
	for (uint32_t i = 0; i < n; i++)
		ids[i] = i;
	return n;
}

static void copy_trampoline(void)
{
	volatile uint8_t *to = (volatile uint8_t *)smp_trampoline_base;

	for (const char *from = smp_trampoline; from < smp_trampoline_end; from++)
		*to++ = (uint8_t)*from;
}

/* INIT, STARTUP, STARTUP to one AP; 1 when it counted itself in. */
static int start_ap(uint32_t id)
{
	uint32_t before = up, vector = (uint32_t)smp_trampoline_base >> 12;

	smp_ap_stack = (uint32_t)stacks[before < CPUS_MAX ? before : CPUS_MAX - 1] + AP_STACK_SIZE;
	lapic_write(LAPIC_ESR, 0);
	send(id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	wait_ms(INIT_MS);
	send(id, ICR_INIT | ICR_LEVEL);			/* de-assert */
	for (int i = 0; i < 2 && up == before; i++) {
		send(id, ICR_STARTUP | vector);
		wait_ms(1);				/* 200 us asked; the PIT counts in ms */
	}
	return pit_wait(&up, before + 1, AP_UP_MS);
}

/* The TSC's low half: differences of up to a second or so fit (no 64-bit division here). */
static uint32_t tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo;
}

/* Microseconds from an IPI to an AP until its handler counted it, over ROUND_TRIPS; 0: failed. */
static uint32_t round_trip_us(uint32_t id)
{
	uint32_t t0 = tsc(), per_us, start;

	wait_ms(CALIBRATE_MS);
	per_us = (tsc() - t0) / CALIBRATE_MS / 1000;
	start = tsc();
	for (uint32_t i = 0; i < ROUND_TRIPS; i++) {
		uint32_t want = ipis[id] + 1;
		if (!send(id, MBTEST_VECTOR_SMP_IPI) || !pit_wait(&ipis[id], want, IPI_MS))
			return 0;
	}
	return per_us ? (tsc() - start) / ROUND_TRIPS / per_us : 0;
}

/*
 * A running AP (halted in its idle loop) sent INIT and STARTUP again: it starts over at the
 * trampoline, counts itself in once more, and takes IPIs as before.
 */
static void restart(uint32_t id)
{
	uint32_t before = up, want;

	if (!start_ap(id) || arrived[before < CPUS_MAX ? before : CPUS_MAX - 1] != id) {
		report_fail("smp: APIC ID %u did not start over after INIT and STARTUP", id);
		return;
	}
	want = ipis[id] + 1;
	if (send(id, MBTEST_VECTOR_SMP_IPI) && pit_wait(&ipis[id], want, IPI_MS))
		report("smp: INIT and STARTUP start the running AP %u over", id);
	else
		report_fail("smp: APIC ID %u takes no IPI after its restart", id);
}

/* Every AP counted one more IPI than before[]. */
static int all_counted(const uint32_t *ids, uint32_t n, const uint32_t *before)
{
	for (uint32_t i = 0; i < n; i++)
		if (!pit_wait(&ipis[ids[i]], before[i] + 1, IPI_MS))
			return 0;
	return 1;
}

void smp_check(void)
{
	uint32_t ids[CPUS_MAX], aps[CPUS_MAX], before[CPUS_MAX], n, naps = 0, bsp, failed = 0;
	uint32_t each = 1, others, self;
	char list[CPUS_MAX * 4 + 1], *l = list;
	const char *source = "MP table";		/* named in failures */

	if (!lapic_base()) {
		report("smp: 1 cpu (no LAPIC)");
		return;
	}
	bsp = lapic_read(LAPIC_ID) >> 24;
	n = cmdline_cpus(ids);
	if (n)
		source = "command line";
	else
		n = mp_cpus(ids);
	for (uint32_t i = 0; i < n; i++)
		if (ids[i] != bsp)
			aps[naps++] = ids[i];
	if (!naps) {
		report("smp: 1 cpu");
		return;
	}
	__asm__ volatile("sidt %0" : "=m"(idt));
	copy_trampoline();
	for (uint32_t i = 0; i < naps; i++) {
		if (!start_ap(aps[i])) {
			report_fail("smp: the AP with APIC ID %u did not come up", aps[i]);
			failed++;
		}
	}
	running = up;
	/* the list: the BSP's ID, then the APs' as they came */
	for (uint32_t i = 0; i <= up && i < CPUS_MAX; i++) {
		uint32_t id = i ? arrived[i - 1] : bsp;
		if (id >= 100)
			*l++ = (char)('0' + id / 100);
		if (id >= 10)
			*l++ = (char)('0' + id / 10 % 10);
		*l++ = (char)('0' + id % 10);
		*l++ = ' ';
	}
	l[-1] = '\0';
	if (failed) {
		report_fail("smp: %u of %u cpus up (%s), apic ids %s", up + 1, naps + 1, source, list);
		return;
	}
	/* a fixed IPI to each AP by its APIC ID, then one to all but the BSP */
	for (uint32_t i = 0; i < naps; i++) {
		before[i] = ipis[aps[i]];
		if (!send(aps[i], MBTEST_VECTOR_SMP_IPI) || !pit_wait(&ipis[aps[i]], before[i] + 1, IPI_MS)) {
			report_fail("smp: the IPI to APIC ID %u was not handled", aps[i]);
			each = 0;
		}
	}
	for (uint32_t i = 0; i < naps; i++)
		before[i] = ipis[aps[i]];
	others = send(0, ICR_ALL_BUT_SELF | MBTEST_VECTOR_SMP_IPI) && all_counted(aps, naps, before);
	if (!others)
		report_fail("smp: the IPI to all but self did not reach every AP");
	/* interrupts are off here: an IPI that reached the BSP would wait in its IRR */
	self = (lapic_read(LAPIC_IRR + MBTEST_VECTOR_SMP_IPI / 32 * 16) >> MBTEST_VECTOR_SMP_IPI % 32) & 1;
	if (self)
		report_fail("smp: the IPI to all but self reached the BSP too");
	if (!each || !others || self)
		return;
	report("smp: %u cpus up, apic ids %s, ipi to each ok, ipi to all but self ok", naps + 1, list);
	report("smp: ipi round trip %u us (%u ipis to apic id %u)", round_trip_us(aps[0]),
	       ROUND_TRIPS, aps[0]);
	restart(aps[0]);
}
