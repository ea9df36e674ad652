/*
 * The local APICs, one per vCPU, in xAPIC mode at 0xfee00000 on the MMIO
 * bus: ID, version, TPR/PPR, EOI, LDR/DFR, SVR, ISR/TMR/IRR, ESR, ICR (IPIs
 * through apic_bus.c), the LVT entries and the timer. The window is one
 * for all: KVM reports an access on the thread of the vCPU that made it,
 * which holds the VMM's lock as vmm->cur, so the access goes to that
 * vCPU's LAPIC. The timer counts at 1 GHz divided by the divide
 * configuration, computed from the clock when read; its interrupts fall
 * due at timer_next_ns, which the vCPU's loop compares with the clock at
 * every exit and a timerfd wakes it for while the guest halts.
 *
 * The BSP's starts as PC firmware leaves it (SeaBIOS: software-enabled,
 * LINT0 ExtINT and LINT1 NMI, level), so that the PIC reaches the CPU
 * through LINT0 (virtual wire) as soon as the guest runs; the APs' as at
 * power-up and after INIT (software-disabled, every LVT entry masked), as
 * firmware leaves them to the OS that starts them. The APIC base MSR is
 * KVM's; relocating the window is not supported (the model stays here).
 */
#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "vmm_internal.h"

#define LAPIC_WINDOW 0x1000u

/* Registers (offsets in the window; each 32 bits wide, 16-byte aligned). */
enum {
	REG_ID = 0x20, REG_VERSION = 0x30, REG_TPR = 0x80, REG_APR = 0x90, REG_PPR = 0xa0,
	REG_EOI = 0xb0, REG_RRD = 0xc0, REG_LDR = 0xd0, REG_DFR = 0xe0, REG_SVR = 0xf0,
	REG_ISR = 0x100, REG_TMR = 0x180, REG_IRR = 0x200, REG_ESR = 0x280,
	REG_ICR_LO = 0x300, REG_ICR_HI = 0x310, REG_LVT = 0x320, REG_TIMER_INITIAL = 0x380,
	REG_TIMER_CURRENT = 0x390, REG_TIMER_DIVIDE = 0x3e0,
};

/* Version 0x14 (an integrated APIC), six LVT entries, no EOI-broadcast suppression. */
#define LAPIC_VERSION (0x14u | (VMM_LVTS - 1u) << 16)

#define SVR_ENABLE      (1u << 8)
#define SVR_WRITABLE    0x3ffu         /* vector, enable, focus check */
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)
#define LVT_MODE(v)     (((v) >> 8) & 7u)
#define ICR_LOGICAL     (1u << 11)
#define ICR_ASSERT      (1u << 14)     /* level: assert (INIT de-assert has it clear) */
#define ICR_LEVEL       (1u << 15)     /* trigger mode */
#define ICR_SHORTHAND(v) (((v) >> 18) & 3u)
#define ESR_SEND_ILLEGAL    (1u << 5)
#define ESR_RECEIVE_ILLEGAL (1u << 6)

/* Writable bits of each LVT entry: timer, thermal, perf, LINT0, LINT1, error. */
static const uint32_t lvt_writable[VMM_LVTS] = {
	0x300ff, 0x107ff, 0x107ff, 0x1a7ff, 0x1a7ff, 0x100ff,
};

/* Periodic interrupts no faster than KVM's own LAPIC allows (its min_timer_period_us). */
#define TIMER_MIN_PERIOD_NS 200000ull

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int test_bit(const uint32_t *bits, unsigned v) { return (bits[v / 32] >> (v % 32)) & 1; }
static void set_bit(uint32_t *bits, unsigned v) { bits[v / 32] |= 1u << (v % 32); }
static void clear_bit(uint32_t *bits, unsigned v) { bits[v / 32] &= ~(1u << (v % 32)); }

/* The highest vector set, or -1. */
static int highest(const uint32_t *bits)
{
	for (int w = 7; w >= 0; w--)
		if (bits[w])
			return w * 32 + 31 - __builtin_clz(bits[w]);
	return -1;
}

uint32_t vmm_lapic_ppr(const struct vmm_lapic *l)
{
	int isrv = highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (l->tpr & 0xf0) >= isr_class ? l->tpr & 0xff : isr_class;
}

int vmm_lapic_pending(struct vmm_vcpu *cpu)
{
	const struct vmm_lapic *l = &cpu->lapic;
	int v = highest(l->irr);

	if (v < 0 || ((uint32_t)v & 0xf0) <= (vmm_lapic_ppr(l) & 0xf0))
		return -1;
	return v;
}

void vmm_lapic_ack(struct vmm_vcpu *cpu, uint8_t vector)
{
	struct vmm_lapic *l = &cpu->lapic;

	clear_bit(l->irr, vector);
	set_bit(l->isr, vector);
}

int vmm_lapic_extint(const struct vmm_vcpu *cpu)
{
	const struct vmm_lapic *l = &cpu->lapic;
	uint32_t lint0 = l->lvt[VMM_LVT_LINT0];

	return l->present && (l->svr & SVR_ENABLE) && !(lint0 & LVT_MASKED) &&
	       LVT_MODE(lint0) == VMM_APIC_EXTINT;
}

int vmm_lapic_match(const struct vmm_lapic *l, uint8_t dest, int logical)
{
	uint8_t ldr = (uint8_t)(l->ldr >> 24);

	if (dest == 0xff)
		return 1;                             /* broadcast, in either mode */
	if (!logical)
		return dest == l->id;
	if ((l->dfr >> 28) == 0xf)
		return (dest & ldr) != 0;             /* flat: one bit per APIC */
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf) != 0;   /* cluster */
}

static void error(struct vmm_vcpu *cpu, uint32_t bits);

void vmm_lapic_accept(struct vmm_vcpu *cpu, uint8_t vector, unsigned mode, int level)
{
	struct vmm_lapic *l = &cpu->lapic;

	switch (mode) {
	case VMM_APIC_FIXED:
	case VMM_APIC_LOWEST:                     /* apic_bus.c chose this one */
		if (vector < 16) {
			error(cpu, ESR_RECEIVE_ILLEGAL);
			return;
		}
		if (!(l->svr & SVR_ENABLE))
			return;                           /* software-disabled: fixed interrupts are lost */
		set_bit(l->irr, vector);
		if (level)
			set_bit(l->tmr, vector);
		else
			clear_bit(l->tmr, vector);
		break;
	case VMM_APIC_NMI:
		l->nmi_pending = 1;
		break;
	default:
		return;                               /* SMI; INIT and STARTUP: apic_bus.c; ExtINT: irq.c */
	}
	vmm_vcpu_wake(cpu);
}

/* An LVT entry's interrupt: its vector as a fixed, edge message unless masked. */
static void lvt_fire(struct vmm_vcpu *cpu, unsigned lvt)
{
	uint32_t v = cpu->lapic.lvt[lvt];

	if (!(v & LVT_MASKED) && (cpu->lapic.svr & SVR_ENABLE))
		vmm_lapic_accept(cpu, (uint8_t)v, LVT_MODE(v) == VMM_APIC_NMI ? VMM_APIC_NMI :
		                 VMM_APIC_FIXED, 0);
}

static void error(struct vmm_vcpu *cpu, uint32_t bits)
{
	struct vmm_lapic *l = &cpu->lapic;
	uint32_t lvt = l->lvt[VMM_LVT_ERROR];

	l->esr_pending |= bits;
	/* the error interrupt itself, unless its own vector is the illegal one */
	if (!(lvt & LVT_MASKED) && (l->svr & SVR_ENABLE) && (lvt & 0xff) >= 16) {
		set_bit(l->irr, lvt & 0xff);
		clear_bit(l->tmr, lvt & 0xff);
	}
}

/* The timer: 1 GHz / divisor. */
static uint32_t divisor(const struct vmm_lapic *l)
{
	uint32_t d = (l->timer_divide & 3) | ((l->timer_divide >> 1) & 4);

	return d == 7 ? 1 : 2u << d;
}

static uint64_t period_ns(const struct vmm_lapic *l)
{
	return (uint64_t)l->timer_initial * divisor(l);
}

static int periodic(const struct vmm_lapic *l)
{
	return (l->lvt[VMM_LVT_TIMER] & LVT_PERIODIC) != 0;
}

static void arm_timerfd(struct vmm_lapic *l)
{
	struct itimerspec its = { 0 };

	if (l->timerfd < 0)
		return;
	if (l->timer_next_ns) {
		its.it_value.tv_sec = (time_t)(l->timer_next_ns / 1000000000ull);
		its.it_value.tv_nsec = (long)(l->timer_next_ns % 1000000000ull);
	}
	timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The next interrupt after now of a count that began at timer_start_ns. */
static void schedule(struct vmm_lapic *l, uint64_t now)
{
	uint64_t period = period_ns(l), elapsed = now - l->timer_start_ns;

	if (!l->timer_start_ns || !period) {
		l->timer_next_ns = 0;
	} else if (!periodic(l)) {
		l->timer_next_ns = elapsed < period ? l->timer_start_ns + period : 0;
	} else {
		uint64_t step = period < TIMER_MIN_PERIOD_NS ? TIMER_MIN_PERIOD_NS : period;
		l->timer_next_ns = l->timer_start_ns + (elapsed / step + 1) * step;
	}
	arm_timerfd(l);
}

static uint32_t current_count(const struct vmm_lapic *l, uint64_t now)
{
	uint64_t ticks;

	if (!l->timer_start_ns || !l->timer_initial)
		return 0;
	ticks = (now - l->timer_start_ns) / divisor(l);
	if (periodic(l))
		return l->timer_initial - (uint32_t)(ticks % l->timer_initial);
	return ticks >= l->timer_initial ? 0 : l->timer_initial - (uint32_t)ticks;
}

static void timer_start(struct vmm_lapic *l, uint64_t now)
{
	l->timer_start_ns = !l->timer_initial ? 0 : now ? now : 1;   /* 0 means stopped */
	schedule(l, now);
}

void vmm_lapic_poll(struct vmm_vcpu *cpu)
{
	struct vmm_lapic *l = &cpu->lapic;
	uint64_t now;

	if (!l->timer_next_ns || (now = l->clock()) < l->timer_next_ns)
		return;
	lvt_fire(cpu, VMM_LVT_TIMER);             /* missed periods coalesce, as in IRR */
	schedule(l, now);                         /* re-arming the timerfd also drains it */
}

/* Register accesses. */

static void eoi(struct vmm_vcpu *cpu)
{
	struct vmm_lapic *l = &cpu->lapic;
	int v = highest(l->isr);

	if (v < 0)
		return;
	clear_bit(l->isr, (unsigned)v);
	if (test_bit(l->tmr, (unsigned)v) && cpu->vmm->ioapic.present)
		vmm_ioapic_eoi(cpu->vmm, (uint8_t)v);   /* the EOI broadcast of a level interrupt */
}

/* The ICR's message, to the LAPICs apic_bus.c finds. */
static void send_ipi(struct vmm_vcpu *cpu)
{
	struct vmm_lapic *l = &cpu->lapic;
	struct vmm_apic_msg m = {
		.vector = (uint8_t)l->icr_lo, .mode = (uint8_t)LVT_MODE(l->icr_lo),
		.dest = (uint8_t)(l->icr_hi >> 24), .logical = !!(l->icr_lo & ICR_LOGICAL),
		/* only a level-triggered de-assert is one (KVM's and QEMU's reading) */
		.assert = (l->icr_lo & ICR_ASSERT) || !(l->icr_lo & ICR_LEVEL),
		.shorthand = (uint8_t)ICR_SHORTHAND(l->icr_lo),
	};

	if ((m.mode == VMM_APIC_FIXED || m.mode == VMM_APIC_LOWEST) && m.vector < 16) {
		error(cpu, ESR_SEND_ILLEGAL);
		return;
	}
	vmm_apic_bus_send(cpu->vmm, cpu, &m);     /* an IPI's vector is edge-triggered (TMR clear) */
}

static uint32_t reg_read(struct vmm_vcpu *cpu, unsigned reg)
{
	struct vmm_lapic *l = &cpu->lapic;

	if (reg >= REG_ISR && reg < REG_ISR + 0x80)
		return l->isr[(reg - REG_ISR) / 16];
	if (reg >= REG_TMR && reg < REG_TMR + 0x80)
		return l->tmr[(reg - REG_TMR) / 16];
	if (reg >= REG_IRR && reg < REG_IRR + 0x80)
		return l->irr[(reg - REG_IRR) / 16];
	if (reg >= REG_LVT && reg < REG_LVT + VMM_LVTS * 16)
		return l->lvt[(reg - REG_LVT) / 16];
	switch (reg) {
	case REG_ID:            return (uint32_t)l->id << 24;
	case REG_VERSION:       return LAPIC_VERSION;
	case REG_TPR:           return l->tpr;
	case REG_PPR:           return vmm_lapic_ppr(l);
	case REG_LDR:           return l->ldr;
	case REG_DFR:           return l->dfr;
	case REG_SVR:           return l->svr;
	case REG_ESR:           return l->esr;
	case REG_ICR_LO:        return l->icr_lo & ~(1u << 12);   /* never busy */
	case REG_ICR_HI:        return l->icr_hi;
	case REG_TIMER_INITIAL: return l->timer_initial;
	case REG_TIMER_CURRENT: return current_count(l, l->clock());
	case REG_TIMER_DIVIDE:  return l->timer_divide;
	default:                return 0;     /* APR, RRD, reserved */
	}
}

static void reg_write(struct vmm_vcpu *cpu, unsigned reg, uint32_t v)
{
	struct vmm_lapic *l = &cpu->lapic;
	uint64_t now;

	if (reg >= REG_LVT && reg < REG_LVT + VMM_LVTS * 16) {
		unsigned i = (reg - REG_LVT) / 16;
		uint32_t old = l->lvt[i];
		v &= lvt_writable[i];
		if (!(l->svr & SVR_ENABLE))
			v |= LVT_MASKED;                  /* held masked while software-disabled */
		l->lvt[i] = v | (old & ~lvt_writable[i]);
		if (i == VMM_LVT_TIMER && ((old ^ l->lvt[i]) & LVT_PERIODIC))
			schedule(l, l->clock());          /* the count goes on in the new mode */
		return;
	}
	switch (reg) {
	case REG_ID:
		l->id = (uint8_t)(v >> 24);
		break;
	case REG_TPR:
		l->tpr = v & 0xff;
		if (cpu->run)
			cpu->run->cr8 = l->tpr >> 4;      /* KVM loads CR8 from here */
		break;
	case REG_EOI:
		eoi(cpu);
		break;
	case REG_LDR:
		l->ldr = v & 0xff000000u;
		break;
	case REG_DFR:
		l->dfr = v | 0x0fffffffu;
		break;
	case REG_SVR:
		l->svr = v & SVR_WRITABLE;
		if (!(l->svr & SVR_ENABLE))
			for (unsigned i = 0; i < VMM_LVTS; i++)
				l->lvt[i] |= LVT_MASKED;
		break;
	case REG_ESR:                             /* a write latches the errors since the last one */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case REG_ICR_LO:
		l->icr_lo = v & 0x000ccfffu;
		send_ipi(cpu);
		break;
	case REG_ICR_HI:
		l->icr_hi = v & 0xff000000u;
		break;
	case REG_TIMER_INITIAL:
		l->timer_initial = v;
		timer_start(l, l->clock());
		break;
	case REG_TIMER_DIVIDE:
		now = l->clock();
		if (l->timer_start_ns && l->timer_initial) {
			/* the count goes on from where it is at the new rate */
			uint32_t done = l->timer_initial - current_count(l, now);
			l->timer_divide = v & 0xb;
			l->timer_start_ns = now - (uint64_t)done * divisor(l);
			if (!l->timer_start_ns)
				l->timer_start_ns = 1;
			schedule(l, now);
		} else {
			l->timer_divide = v & 0xb;
		}
		break;
	default:
		break;                                /* read-only and reserved registers */
	}
}

/*
 * The window: registers are 32 bits at 16-byte steps. Reads of 1, 2 or 4
 * bytes within a register's first word work; writes must be 4 bytes at the
 * register's offset (other writes are dropped, as KVM does). The LAPIC is
 * the accessing vCPU's.
 */
static void lapic_read(struct vmm *vmm, void *dev, uint64_t offset, unsigned size, uint64_t *value)
{
	unsigned in = (unsigned)offset & 0xf;

	*value = 0;
	if (in + size > 4)
		return;
	*value = (reg_read(vmm->cur, (unsigned)offset & ~0xfu) >> (8 * in)) &
	         (size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1);
}

static void lapic_write(struct vmm *vmm, void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	if (size != 4 || (offset & 0xf))
		return;
	reg_write(vmm->cur, (unsigned)offset, (uint32_t)value);
}

void vmm_lapic_reset(struct vmm_lapic *l)
{
	l->tpr = l->ldr = l->esr = l->esr_pending = l->icr_lo = l->icr_hi = 0;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->nmi_pending = 0;
	for (unsigned i = 0; i < VMM_LVTS; i++)
		l->lvt[i] = LVT_MASKED;
	l->svr = 0xff;
	l->dfr = 0xffffffffu;
	l->timer_initial = l->timer_divide = 0;
	l->timer_start_ns = l->timer_next_ns = 0;
	arm_timerfd(l);
}

/* The state PC firmware leaves the BSP's in (see the file's head). */
static void firmware_state(struct vmm_lapic *l)
{
	l->lvt[VMM_LVT_LINT0] = 0x8700;           /* ExtINT, level */
	l->lvt[VMM_LVT_LINT1] = 0x8400;           /* NMI, level */
	l->svr = SVR_ENABLE | 0xff;
}

int vmm_lapic_init(struct vmm *vmm, uint64_t base, uint8_t id)
{
	struct vmm_mmio_handler h = { base, LAPIC_WINDOW, lapic_read, lapic_write, NULL };
	unsigned n = vmm->nvcpus ? vmm->nvcpus : 1;
	int err;

	if (vmm->vcpus[0].lapic.present)
		return -EEXIST;
	if (base != VMM_LAPIC_BASE || id + n - 1 > 254u)
		return -EINVAL;                       /* where KVM's APIC base MSR says; 0xFF broadcasts */
	err = vmm_mmio_register(vmm, &h);
	if (err)
		return err;
	for (unsigned i = 0; i < n; i++) {
		struct vmm_lapic *l = &vmm->vcpus[i].lapic;
		l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (l->timerfd < 0)
			return -errno;
		if (!l->clock)
			l->clock = monotonic_ns;
		l->id = (uint8_t)(id + i);
		vmm_lapic_reset(l);
		if (i == 0)
			firmware_state(l);
		l->present = 1;
	}
	return 0;
}

void vmm_lapic_fini(struct vmm *vmm)
{
	for (unsigned i = 0; i < VMM_VCPUS_MAX; i++) {
		struct vmm_lapic *l = &vmm->vcpus[i].lapic;
		if (l->present && l->timerfd >= 0)
			close(l->timerfd);
		l->timerfd = -1;
	}
}
