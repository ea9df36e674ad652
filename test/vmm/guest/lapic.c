/*
 * The local APIC: virtual-wire mode for the PIC check, then the LAPIC's own checks (ID and
 * version, the timer one-shot and periodic, ISR and EOI, TPR masking, priorities of self-IPIs).
 *
 * Virtual wire: PC firmware puts LINT0 in ExtINT mode (SeaBIOS does); QEMU's microvm, a PVH
 * loader or a bare VMM leaves LINT0 masked as at reset, and KVM's in-kernel LAPIC then never
 * accepts PIC interrupts. Arbor's VMM starts its LAPIC as firmware leaves it.
 */
#include "io.h"
#include "mbtest.h"

#define CPUID_1_EDX_APIC (1u << 9)
#define MSR_APIC_BASE 0x1B
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xFFFFF000u

#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_PPR 0xA0
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_ISR 0x100
#define LAPIC_IRR 0x200
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT0 0x350
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3E0

#define LAPIC_SVR_ENABLE 0x100	/* while clear, every LVT entry stays masked */
#define LVT_MASKED 0x10000
#define LVT_PERIODIC 0x20000
#define LVT_DELIVERY_MASK 0x700
#define LVT_EXTINT 0x700	/* edge, active high, unmasked */
#define ICR_SELF 0x40000	/* destination shorthand: self; fixed delivery */
#define DIVIDE_BY_1 0xB

#define CALIBRATE_MS 10
#define TICKS_WANTED 10
#define FIRST_TICK_MS 50	/* generous: a VMM may be slow to deliver the first */
#define WAKEUPS_MAX 1000
#define SPIN_TSC_MAX 0x80000000u	/* 0.4-2 s at 1-5 GHz: for a pure spin with no clock to ask */

static uint32_t base;

static uint32_t cpuid_1(uint32_t *ebx)
{
	uint32_t eax = 1, ecx = 0, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(*ebx), "+c"(ecx), "=d"(edx));
	return edx;
}

static uint32_t rdmsr_low(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo;
}

uint32_t lapic_base(void)
{
	uint32_t ebx, msr;

	if (!(cpuid_1(&ebx) & CPUID_1_EDX_APIC))
		return 0;
	msr = rdmsr_low(MSR_APIC_BASE);
	/* A globally disabled LAPIC passes PIC interrupts straight through. */
	return (msr & APIC_BASE_ENABLE) ? msr & APIC_BASE_ADDR_MASK : 0;
}

uint32_t lapic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(base + reg);
}

void lapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(base + reg) = value;
}

static int in_service(uint32_t vector)
{
	return (lapic_read(LAPIC_ISR + (vector / 32) * 16) >> (vector % 32)) & 1;
}

static int requested(uint32_t vector)
{
	return (lapic_read(LAPIC_IRR + (vector / 32) * 16) >> (vector % 32)) & 1;
}

void lapic_virtual_wire(void)
{
	uint32_t lvt0;

	base = lapic_base();
	if (!base)
		return;
	lvt0 = lapic_read(LAPIC_LVT0);
	if (!(lvt0 & LVT_MASKED) && (lvt0 & LVT_DELIVERY_MASK) == LVT_EXTINT)
		return;
	if (!(lapic_read(LAPIC_SVR) & LAPIC_SVR_ENABLE))
		lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | MBTEST_VECTOR_LAPIC_SPURIOUS);
	lapic_write(LAPIC_LVT0, LVT_EXTINT);
	report("lapic: LINT0 was 0x%08x, set to ExtINT (virtual wire)", lvt0);
}

/* What the handlers saw. */
static volatile uint32_t timer_ticks, timer_isr_bad, timer_eoi_bad;
static volatile uint32_t ipi_seen[4], ipis;

void lapic_irq(uint32_t vector)
{
	switch (vector) {
	case MBTEST_VECTOR_LAPIC_TIMER:
		if (!in_service(vector))
			timer_isr_bad++;
		lapic_write(LAPIC_EOI, 0);
		if (in_service(vector))
			timer_eoi_bad++;
		timer_ticks++;
		return;
	case MBTEST_VECTOR_IPI_LOW:
	case MBTEST_VECTOR_IPI_HIGH:
		if (ipis < 4)
			ipi_seen[ipis] = vector;
		ipis++;
		lapic_write(LAPIC_EOI, 0);
		return;
	case MBTEST_VECTOR_IOAPIC:
		ioapic_irq();
		return;
	case MBTEST_VECTOR_SMP_IPI:
	case MBTEST_VECTOR_SMP_STOP:
		smp_irq(vector);
		return;
	default:
		report_fail("lapic: unexpected vector 0x%x", vector);
		lapic_write(LAPIC_EOI, 0);
	}
}

static void self_ipi(uint32_t vector)
{
	lapic_write(LAPIC_ICR_HI, 0);
	lapic_write(LAPIC_ICR_LO, ICR_SELF | vector);
}

/* LAPIC timer counts per millisecond, measured against the PIT; 0 if it does not count. */
static uint32_t timer_rate(void)
{
	uint32_t never = 0, left;

	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | MBTEST_VECTOR_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_DIVIDE, DIVIDE_BY_1);
	lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFFu);
	pit_wait(&never, 1, CALIBRATE_MS);
	left = lapic_read(LAPIC_TIMER_CURRENT);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	return (0xFFFFFFFFu - left) / CALIBRATE_MS;
}

static void timer_one_shot(uint32_t per_ms)
{
	uint32_t never = 0, count;

	timer_ticks = 0;
	lapic_write(LAPIC_LVT_TIMER, MBTEST_VECTOR_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, per_ms);
	sti();
	pit_wait(&timer_ticks, 1, FIRST_TICK_MS);
	pit_wait(&never, 1, 5);		/* a second one would come within a millisecond */
	cli();
	count = lapic_read(LAPIC_TIMER_CURRENT);
	if (timer_ticks == 1 && count == 0)
		report("lapic: one-shot timer: 1 interrupt, count 0");
	else
		report_fail("lapic: one-shot timer: %u interrupts, count %u", timer_ticks, count);
}

static uint32_t tsc_low(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo;
}

static void timer_periodic(uint32_t per_ms)
{
	uint32_t n, w = 0;

	timer_ticks = 0;
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | MBTEST_VECTOR_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INITIAL, per_ms);
	/* the first by spinning, so a dead timer fails instead of halting forever */
	sti();
	pit_wait(&timer_ticks, 1, FIRST_TICK_MS);
	cli();
	for (; timer_ticks && timer_ticks < TICKS_WANTED && w < WAKEUPS_MAX; w++) {
		sti_hlt();
		cli();
	}
	n = timer_ticks;
	if (n >= TICKS_WANTED)
		report("lapic: periodic timer: %u ticks (hlt)", TICKS_WANTED);
	else
		report_fail("lapic: periodic timer: %u ticks after %u wakeups", n, w);

	timer_ticks = 0;
	sti();
	pit_wait(&timer_ticks, TICKS_WANTED, 20 * TICKS_WANTED);
	cli();
	n = timer_ticks;
	if (n >= TICKS_WANTED)
		report("lapic: periodic timer: %u ticks (spinning)", TICKS_WANTED);
	else
		report_fail("lapic: periodic timer: %u ticks in %u ms", n, 20 * TICKS_WANTED);

	/*
	 * Spinning on memory alone: no port or MMIO access takes the vCPU out to its VMM, which
	 * must recall it when the timer is due (a VMM that only looks at exits never does).
	 */
	timer_ticks = 0;
	w = tsc_low();
	sti();
	while (timer_ticks < TICKS_WANTED && tsc_low() - w < SPIN_TSC_MAX)
		;
	cli();
	n = timer_ticks;
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | MBTEST_VECTOR_LAPIC_TIMER);
	if (n >= TICKS_WANTED)
		report("lapic: periodic timer: %u ticks (spinning without exits)", TICKS_WANTED);
	else
		report_fail("lapic: periodic timer: %u ticks spinning without exits", n);
	if (timer_isr_bad || timer_eoi_bad)
		report_fail("lapic: ISR bit of the timer vector: %u times clear in the handler, "
			    "%u times set after EOI", timer_isr_bad, timer_eoi_bad);
	else
		report("lapic: ISR set in the handler, cleared by EOI");
}

/* TPR 0x50 holds a class-4 vector in IRR; TPR 0 lets it through. */
static void tpr_check(void)
{
	uint32_t never = 0, held, ppr;

	ipis = 0;
	lapic_write(LAPIC_TPR, 0x50);
	self_ipi(MBTEST_VECTOR_IPI_LOW);
	sti();
	pit_wait(&never, 1, 2);
	cli();
	held = !ipis && requested(MBTEST_VECTOR_IPI_LOW);
	ppr = lapic_read(LAPIC_PPR);
	lapic_write(LAPIC_TPR, 0);
	sti();
	pit_wait(&ipis, 1, 10);
	cli();
	if (held && ppr == 0x50 && ipis == 1)
		report("lapic: TPR 0x50 holds vector 0x%x (PPR 0x50), TPR 0 lets it through",
		       MBTEST_VECTOR_IPI_LOW);
	else
		report_fail("lapic: TPR: held %u, PPR 0x%x, then %u interrupts", held, ppr, ipis);
}

/* Two self-IPIs sent with interrupts off arrive highest vector first. */
static void priority_check(void)
{
	ipis = 0;
	self_ipi(MBTEST_VECTOR_IPI_LOW);
	self_ipi(MBTEST_VECTOR_IPI_HIGH);
	sti();
	pit_wait(&ipis, 2, 10);
	cli();
	if (ipis == 2 && ipi_seen[0] == MBTEST_VECTOR_IPI_HIGH && ipi_seen[1] == MBTEST_VECTOR_IPI_LOW)
		report("lapic: two self-IPIs arrive highest vector first");
	else
		report_fail("lapic: self-IPIs: %u arrived, first 0x%x", ipis, ipi_seen[0]);
}

void lapic_check(void)
{
	uint32_t ebx, id, version, per_ms;

	base = lapic_base();
	if (!base) {
		/* CPUID's APIC bit, or a globally disabled one: both say none (Linux takes CPUID's) */
		report("lapic: none (CPUID %s, APIC base MSR %s)",
		       (cpuid_1(&ebx) & CPUID_1_EDX_APIC) ? "has one" : "has none",
		       (cpuid_1(&ebx) & CPUID_1_EDX_APIC) &&
				       (rdmsr_low(MSR_APIC_BASE) & APIC_BASE_ENABLE) ? "enabled" : "disabled");
		return;
	}
	cpuid_1(&ebx);
	id = lapic_read(LAPIC_ID) >> 24;
	version = lapic_read(LAPIC_VERSION);
	report("lapic: id %u, version 0x%02x, %u LVT entries", id, version & 0xFF,
	       ((version >> 16) & 0xFF) + 1);
	if (id != ebx >> 24)
		report_fail("lapic: id %u, CPUID says %u", id, ebx >> 24);
	if ((version & 0xF0) != 0x10 || ((version >> 16) & 0xFF) < 3)
		report_fail("lapic: version 0x%08x is no integrated APIC's", version);
	lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | MBTEST_VECTOR_LAPIC_SPURIOUS);

	per_ms = timer_rate();
	if (!per_ms) {
		report_fail("lapic: the timer does not count");
	} else {
		report("lapic: timer counts down (%u per ms)", per_ms);
		timer_one_shot(per_ms);
		timer_periodic(per_ms);
	}
	tpr_check();
	priority_check();
}
