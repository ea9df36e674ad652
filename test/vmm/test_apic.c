/*
 * lib/vmm's interrupt path without KVM: the CPUID filter over tables like
 * KVM's, the LAPIC (priorities, ISR and EOI, TPR, self-IPIs, the timer's
 * arithmetic on a fake clock), the IOAPIC (redirection, masking, level
 * entries and remote IRR), what the run loop injects, and random MMIO
 * accesses to both windows. TAP output.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vmm_internal.h"
#include "../unit/tap.h"
#include "exits.h"
#include "cpuid_sample.h"

/* The fake clock the LAPIC reads: nanoseconds, set by the test. */
static uint64_t fake_now;

static uint64_t fake_clock(void)
{
	return fake_now;
}

static uint32_t lapic_rd(struct vmm *vmm, unsigned reg)
{
	return (uint32_t)mmio(vmm, 0, VMM_LAPIC_BASE + reg, 4, 0);
}

static void lapic_wr(struct vmm *vmm, unsigned reg, uint32_t v)
{
	mmio(vmm, 1, VMM_LAPIC_BASE + reg, 4, v);
}

static uint32_t ioapic_rd(struct vmm *vmm, unsigned reg)
{
	mmio(vmm, 1, VMM_IOAPIC_BASE, 4, reg);
	return (uint32_t)mmio(vmm, 0, VMM_IOAPIC_BASE + 0x10, 4, 0);
}

static void ioapic_wr(struct vmm *vmm, unsigned reg, uint32_t v)
{
	mmio(vmm, 1, VMM_IOAPIC_BASE, 4, reg);
	mmio(vmm, 1, VMM_IOAPIC_BASE + 0x10, 4, v);
}

/* A pin's redirection entry: low word, destination in the high word's top byte. */
static void route(struct vmm *vmm, unsigned pin, uint32_t low, uint8_t dest)
{
	ioapic_wr(vmm, 0x11 + 2 * pin, (uint32_t)dest << 24);
	ioapic_wr(vmm, 0x10 + 2 * pin, low);
}

#define CPU0(vmm) (&(vmm)->vcpus[0])

static int in(const uint32_t *bits, unsigned v)
{
	return (bits[v / 32] >> (v % 32)) & 1;
}

/* A machine of PIC pair, cpus LAPICs and an IOAPIC, no KVM. */
static struct vmm *new_smp_vmm(unsigned cpus)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));

	vmm->kvm = vmm->vm = -1;
	vmm_vcpu_prepare(vmm, cpus);
	vmm->input_fd = -1;
	vmm->pit.timerfd = -1;
	vmm->run_size = 4096;
	for (unsigned i = 0; i < cpus; i++)
		vmm->vcpus[i].lapic.clock = fake_clock;
	fake_now = 1000000000ull;
	if (vmm_pic_init(vmm) || vmm_lapic_init(vmm, VMM_LAPIC_BASE, 0) ||
	    vmm_ioapic_init(vmm, VMM_IOAPIC_BASE, VMM_IOAPIC_ID))
		abort();
	return vmm;
}

static struct vmm *new_vmm(void)
{
	return new_smp_vmm(1);
}

static void free_vmm(struct vmm *vmm)
{
	vmm_lapic_fini(vmm);
	free(vmm);
}

/* One byte out to a port, as KVM would report it. */
static void outb(struct vmm *vmm, uint16_t port, uint8_t value)
{
	static uint8_t page[4096] __attribute__((aligned(8)));
	struct kvm_run *run = (struct kvm_run *)page;

	memset(page, 0, sizeof(page));
	run->io.direction = KVM_EXIT_IO_OUT;
	run->io.size = 1;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 1024;
	page[1024] = value;
	vmm_port_access(vmm, run);
}

/* The PIC's usual remap to vectors 0x20 and 0x28, all lines open. */
static void pic_remap(struct vmm *vmm)
{
	static const uint8_t seq[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x20 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x28 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0x00 }, { 0xa1, 0x00 },
	};

	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		outb(vmm, seq[i][0], seq[i][1]);
}

static void test_cpuid(void)
{
	struct kvm_cpuid_entry2 e[64];
	unsigned n = sizeof(kvm_amd) / sizeof(kvm_amd[0]), n0 = n;
	struct vmm_cpuid_policy with = { .apic_id = 3, .lapic = 1 }, without = { 0 };
	const struct kvm_cpuid_entry2 *x;
	int good;

	memcpy(e, kvm_amd, sizeof(kvm_amd));
	ok(vmm_cpuid_filter(e, &n, 64, &with) == 0, "CPUID: KVM's table filtered");
	x = leaf(e, n, 1, 0);
	ok(x && (x->edx & (1u << 9)) && !(x->edx & (1u << 28)), "CPUID 1: APIC with a LAPIC, no HTT");
	ok(x && !(x->ecx & (1u << 21)) && !(x->ecx & (1u << 24)) && (x->ecx & (1u << 31)),
	   "CPUID 1: no x2APIC, no TSC-deadline, the hypervisor bit");
	ok(x && !(x->ecx & (1u << 13)) && x->edx == (0x078bfbffu | (1u << 9)),
	   "CPUID 1: no CMPXCHG16B (KVM cannot emulate it), the other features kept");
	ok(x && x->ebx >> 24 == 3 && ((x->ebx >> 16) & 0xff) == 1 && (x->ebx & 0xffff) == 0x0800,
	   "CPUID 1: initial APIC ID 3, one logical processor, CLFLUSH size kept");
	x = leaf(e, n, 0x40000001, 0);
	ok(x && x->eax == (0x01007efbu & ~((1u << 4) | (1u << 6) | (1u << 7) | (1u << 10) |
	                                   (1u << 11) | (1u << 13) | (1u << 14))),
	   "CPUID 0x40000001: kvmclock kept; async PF, PV EOI, PV unhalt, PV IPI, sched yield gone");
	good = 1;
	for (uint32_t f = 0xb; f <= 0x1f; f += 0x14) {
		const struct kvm_cpuid_entry2 *l0 = leaf(e, n, f, 0), *l1 = leaf(e, n, f, 1),
		                              *l2 = leaf(e, n, f, 2);
		good &= l0 && l1 && l2 && l0->eax == 0 && l0->ebx == 1 && l0->ecx == 0x100 &&
		        l0->edx == 3 && l1->eax == 0 && l1->ebx == 1 && l1->ecx == 0x201 &&
		        l1->edx == 3 && l2->ebx == 0 && (l2->ecx & 0xff00) == 0 && l2->ecx == 2;
	}
	ok(good && n == n0 - 3 + 6, "CPUID 0xB, 0x1F: one thread, one core, x2APIC ID 3");
	x = leaf(e, n, 0x80000001, 0);
	ok(x && x->ecx == 0x00400391, "CPUID 0x80000001: no CmpLegacy, no ExtApicSpace, the rest kept");
	x = leaf(e, n, 0x80000008, 0);
	ok(x && (x->ecx & 0xff) == 0 && x->ecx == 0x7000, "CPUID 0x80000008: one core");
	x = leaf(e, n, 0x8000001e, 0);
	ok(x && x->eax == 3 && (x->ebx & 0xffff) == 0 && (x->ecx & 0x7ff) == 0,
	   "CPUID 0x8000001E: extended APIC ID 3, core 0, node 0");
	ok(leaf(e, n, 4, 0)->eax == 0x00000121 && leaf(e, n, 0x8000001d, 0)->eax == 0x163,
	   "CPUID 4, 0x8000001D: caches shared by nobody else");

	n = n0;
	memcpy(e, kvm_amd, sizeof(kvm_amd));
	vmm_cpuid_filter(e, &n, 64, &without);
	x = leaf(e, n, 1, 0);
	ok(x && !(x->edx & (1u << 9)) && !(leaf(e, n, 6, 0)->eax & 4),
	   "CPUID without a LAPIC: no APIC bit, no ARAT");
	n = n0;
	memcpy(e, kvm_amd, sizeof(kvm_amd));
	ok(vmm_cpuid_filter(e, &n, n0 + 3, &with) == -ENOSPC && n == n0,
	   "CPUID: no room for the topology leaves is -ENOSPC, nothing changed");
}

static void test_lapic_registers(void)
{
	struct vmm *vmm = new_vmm();

	ok(lapic_rd(vmm, 0x30) == 0x00050014, "LAPIC: version 0x14, six LVT entries");
	ok(lapic_rd(vmm, 0x20) == 0 && lapic_rd(vmm, 0xf0) == 0x1ff,
	   "LAPIC: ID 0, software-enabled with spurious vector 0xFF (as firmware leaves it)");
	ok(lapic_rd(vmm, 0x350) == 0x8700 && lapic_rd(vmm, 0x360) == 0x8400 &&
	   lapic_rd(vmm, 0x320) == 0x10000 && lapic_rd(vmm, 0x370) == 0x10000,
	   "LAPIC: LINT0 ExtINT, LINT1 NMI, timer and error masked");
	ok(vmm_lapic_extint(CPU0(vmm)), "LAPIC: LINT0 lets the PIC through");
	ok(lapic_rd(vmm, 0xe0) == 0xffffffffu, "LAPIC: DFR flat");
	lapic_wr(vmm, 0xd0, 0x01000000);
	ok(lapic_rd(vmm, 0xd0) == 0x01000000 && vmm_lapic_match(&vmm->vcpus[0].lapic, 0x01, 1) &&
	   !vmm_lapic_match(&vmm->vcpus[0].lapic, 0x02, 1) && vmm_lapic_match(&vmm->vcpus[0].lapic, 0, 0) &&
	   !vmm_lapic_match(&vmm->vcpus[0].lapic, 1, 0) && vmm_lapic_match(&vmm->vcpus[0].lapic, 0xff, 0),
	   "LAPIC: physical and flat logical destinations, broadcast");
	lapic_wr(vmm, 0xe0, 0x0fffffff);
	lapic_wr(vmm, 0xd0, 0x21000000);
	ok(vmm_lapic_match(&vmm->vcpus[0].lapic, 0x21, 1) && vmm_lapic_match(&vmm->vcpus[0].lapic, 0x23, 1) &&
	   !vmm_lapic_match(&vmm->vcpus[0].lapic, 0x11, 1), "LAPIC: cluster logical destinations");
	ok(mmio(vmm, 0, VMM_LAPIC_BASE + 0x31, 1, 0) == 0x00 && mmio(vmm, 0, VMM_LAPIC_BASE + 0x32, 2, 0) == 5,
	   "LAPIC: narrow reads within a register");
	lapic_wr(vmm, 0x20, 0x07000000);
	mmio(vmm, 1, VMM_LAPIC_BASE + 0x20, 2, 0);
	mmio(vmm, 1, VMM_LAPIC_BASE + 0x24, 4, 0);
	ok(lapic_rd(vmm, 0x20) == 0x07000000, "LAPIC: ID writable; narrow or unaligned writes dropped");
	free_vmm(vmm);
}

static void test_lapic_priorities(void)
{
	struct vmm *vmm = new_vmm();

	vmm_lapic_accept(CPU0(vmm), 0x31, VMM_APIC_FIXED, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x31, "LAPIC: a fixed vector is pending");
	vmm_lapic_ack(CPU0(vmm), 0x31);
	ok(in(vmm->vcpus[0].lapic.isr, 0x31) && !in(vmm->vcpus[0].lapic.irr, 0x31) && lapic_rd(vmm, 0x100 + 0x10) == 1u << 17,
	   "LAPIC: acknowledged, it moves from IRR to ISR");
	vmm_lapic_accept(CPU0(vmm), 0x35, VMM_APIC_FIXED, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) < 0 && lapic_rd(vmm, 0xa0) == 0x30,
	   "LAPIC: a vector of the class in service waits (PPR 0x30)");
	vmm_lapic_accept(CPU0(vmm), 0x41, VMM_APIC_FIXED, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x41, "LAPIC: a higher class interrupts it");
	vmm_lapic_ack(CPU0(vmm), 0x41);
	lapic_wr(vmm, 0xb0, 0);
	ok(!in(vmm->vcpus[0].lapic.isr, 0x41) && in(vmm->vcpus[0].lapic.isr, 0x31), "LAPIC: EOI ends the highest in service");
	ok(vmm_lapic_pending(CPU0(vmm)) < 0, "LAPIC: 0x35 still waits for 0x31");
	lapic_wr(vmm, 0xb0, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x35 && lapic_rd(vmm, 0xa0) == 0, "LAPIC: after the second EOI 0x35 comes");
	vmm_lapic_ack(CPU0(vmm), 0x35);
	lapic_wr(vmm, 0xb0, 0);

	lapic_wr(vmm, 0x80, 0x50);
	vmm_lapic_accept(CPU0(vmm), 0x45, VMM_APIC_FIXED, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) < 0 && lapic_rd(vmm, 0xa0) == 0x50 && lapic_rd(vmm, 0x80) == 0x50,
	   "LAPIC: TPR 0x50 holds vector 0x45 (PPR 0x50)");
	vmm_lapic_accept(CPU0(vmm), 0x61, VMM_APIC_FIXED, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x61, "LAPIC: TPR 0x50 lets 0x61 through");
	vmm_lapic_ack(CPU0(vmm), 0x61);
	lapic_wr(vmm, 0xb0, 0);
	lapic_wr(vmm, 0x80, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x45, "LAPIC: TPR 0 lets 0x45 through");
	vmm_lapic_ack(CPU0(vmm), 0x45);
	lapic_wr(vmm, 0xb0, 0);

	vmm_lapic_accept(CPU0(vmm), 0x03, VMM_APIC_FIXED, 0);
	lapic_wr(vmm, 0x280, 0);
	ok(lapic_rd(vmm, 0x280) == 0x40 && vmm_lapic_pending(CPU0(vmm)) < 0,
	   "LAPIC: an illegal vector is refused, ESR says so after a write");
	lapic_wr(vmm, 0x300, 0x00040050);                /* self, fixed, 0x50 */
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x50, "LAPIC: a self-IPI by shorthand");
	vmm_lapic_ack(CPU0(vmm), 0x50);
	lapic_wr(vmm, 0xb0, 0);
	lapic_wr(vmm, 0x310, 0x00000000);
	lapic_wr(vmm, 0x300, 0x00000052);                /* physical destination 0: us */
	lapic_wr(vmm, 0x310, 0x01000000);
	lapic_wr(vmm, 0x300, 0x00000053);                /* destination 1: nobody */
	lapic_wr(vmm, 0x300, 0x000c0054);                /* all but self: nobody */
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x52 && !in(vmm->vcpus[0].lapic.irr, 0x53) && !in(vmm->vcpus[0].lapic.irr, 0x54),
	   "LAPIC: an IPI by destination reaches this LAPIC only when it is named");
	vmm_lapic_ack(CPU0(vmm), 0x52);
	lapic_wr(vmm, 0xb0, 0);
	lapic_wr(vmm, 0x300, 0x00040400);                /* NMI to self */
	ok(vmm->vcpus[0].lapic.nmi_pending && !(lapic_rd(vmm, 0x300) & (1u << 12)),
	   "LAPIC: an NMI to self; the ICR is never busy");
	vmm->vcpus[0].lapic.nmi_pending = 0;

	lapic_wr(vmm, 0xf0, 0xff);                       /* software-disable */
	vmm_lapic_accept(CPU0(vmm), 0x60, VMM_APIC_FIXED, 0);
	lapic_wr(vmm, 0x350, 0x700);
	ok(vmm_lapic_pending(CPU0(vmm)) < 0 && (lapic_rd(vmm, 0x350) & 0x10000) && !vmm_lapic_extint(CPU0(vmm)),
	   "LAPIC: software-disabled, fixed interrupts are lost and LVTs stay masked");
	lapic_wr(vmm, 0xf0, 0x1ff);
	lapic_wr(vmm, 0x350, 0x700);
	ok(vmm_lapic_extint(CPU0(vmm)), "LAPIC: enabled again, LINT0 ExtINT lets the PIC through");
	free_vmm(vmm);
}

static void test_lapic_timer(void)
{
	struct vmm *vmm = new_vmm();
	uint64_t t0;

	lapic_wr(vmm, 0x3e0, 0xb);                       /* divide by 1: 1 ns per count */
	lapic_wr(vmm, 0x320, 0x40);                      /* one-shot, vector 0x40 */
	t0 = fake_now;
	lapic_wr(vmm, 0x380, 1000);
	fake_now = t0 + 400;
	vmm_lapic_poll(CPU0(vmm));
	ok(lapic_rd(vmm, 0x390) == 600 && vmm_lapic_pending(CPU0(vmm)) < 0,
	   "LAPIC timer: the count goes down at 1 GHz, nothing due yet");
	fake_now = t0 + 1000;
	vmm_lapic_poll(CPU0(vmm));
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x40 && lapic_rd(vmm, 0x390) == 0,
	   "LAPIC timer: one-shot fires at 0 and stays at 0");
	vmm_lapic_ack(CPU0(vmm), 0x40);
	lapic_wr(vmm, 0xb0, 0);
	fake_now = t0 + 100000;
	vmm_lapic_poll(CPU0(vmm));
	ok(vmm_lapic_pending(CPU0(vmm)) < 0 && !vmm->vcpus[0].lapic.timer_next_ns, "LAPIC timer: one-shot fires once");

	lapic_wr(vmm, 0x3e0, 0x3);                       /* divide by 16 */
	t0 = fake_now;
	lapic_wr(vmm, 0x380, 1000);
	fake_now = t0 + 8000;
	ok(lapic_rd(vmm, 0x390) == 500 && vmm->vcpus[0].lapic.timer_next_ns == t0 + 16000,
	   "LAPIC timer: divide by 16");
	lapic_wr(vmm, 0x3e0, 0xb);                       /* to 1 on the way: 500 counts left */
	ok(lapic_rd(vmm, 0x390) == 500 && vmm->vcpus[0].lapic.timer_next_ns == fake_now + 500,
	   "LAPIC timer: a new divider goes on from the current count");

	lapic_wr(vmm, 0x320, 0x20041);                   /* periodic, vector 0x41 */
	t0 = fake_now;
	lapic_wr(vmm, 0x380, 1000000);                   /* 1 ms */
	fake_now = t0 + 1000000;
	vmm_lapic_poll(CPU0(vmm));
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x41 && lapic_rd(vmm, 0x390) == 1000000,
	   "LAPIC timer: periodic fires at each period and reloads");
	vmm_lapic_ack(CPU0(vmm), 0x41);
	lapic_wr(vmm, 0xb0, 0);
	fake_now = t0 + 4500000;
	vmm_lapic_poll(CPU0(vmm));
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x41 && vmm->vcpus[0].lapic.timer_next_ns == t0 + 5000000 &&
	   lapic_rd(vmm, 0x390) == 500000,
	   "LAPIC timer: missed periods coalesce into one interrupt, the phase kept");
	vmm_lapic_ack(CPU0(vmm), 0x41);
	lapic_wr(vmm, 0xb0, 0);
	lapic_wr(vmm, 0x320, 0x30041);                   /* masked */
	fake_now = t0 + 5000000;
	vmm_lapic_poll(CPU0(vmm));
	ok(vmm_lapic_pending(CPU0(vmm)) < 0 && lapic_rd(vmm, 0x390) == 1000000,
	   "LAPIC timer: masked, it counts without interrupts");
	lapic_wr(vmm, 0x320, 0x20041);
	t0 = fake_now;
	lapic_wr(vmm, 0x380, 10);                        /* 10 ns: faster than allowed */
	ok(vmm->vcpus[0].lapic.timer_next_ns == t0 + 200000, "LAPIC timer: periodic interrupts at most every 200 us");
	lapic_wr(vmm, 0x380, 0);
	ok(!vmm->vcpus[0].lapic.timer_next_ns && lapic_rd(vmm, 0x390) == 0, "LAPIC timer: initial count 0 stops it");
	free_vmm(vmm);
}

static void test_ioapic(void)
{
	struct vmm *vmm = new_vmm();

	ok(ioapic_rd(vmm, 1) == 0x00170011 && ioapic_rd(vmm, 0) == 0x01000000,
	   "IOAPIC: version 0x11 with 24 entries, ID 1");
	ok(ioapic_rd(vmm, 0x10) == 0x10000 && ioapic_rd(vmm, 0x10 + 47) == 0,
	   "IOAPIC: entries start masked");
	route(vmm, 4, 0x34, 0);
	vmm_irq_raise(vmm, 4);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x34 && !in(vmm->vcpus[0].lapic.tmr, 0x34),
	   "IOAPIC: an edge on pin 4 arrives as its vector, edge-triggered");
	vmm_lapic_ack(CPU0(vmm), 0x34);
	lapic_wr(vmm, 0xb0, 0);
	route(vmm, 4, 0x10034, 0);
	vmm_irq_raise(vmm, 4);
	ok(vmm_lapic_pending(CPU0(vmm)) < 0, "IOAPIC: a masked pin delivers nothing");
	route(vmm, 4, 0x34, 5);
	vmm_irq_raise(vmm, 4);
	ok(vmm_lapic_pending(CPU0(vmm)) < 0, "IOAPIC: a pin for another APIC ID delivers nothing here");
	route(vmm, 2, 0x30, 0);
	vmm_irq_raise(vmm, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x30 && (vmm->pic.chip[0].irr & 1),
	   "IOAPIC: ISA IRQ 0 arrives on pin 2, and at the PIC");
	vmm_lapic_ack(CPU0(vmm), 0x30);
	lapic_wr(vmm, 0xb0, 0);

	route(vmm, 9, 0x8039, 0);                        /* level */
	vmm_irq_set(vmm, 9, 1);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x39 && in(vmm->vcpus[0].lapic.tmr, 0x39) && (ioapic_rd(vmm, 0x22) & 0x4000),
	   "IOAPIC: a level line delivers, TMR set, remote IRR set");
	vmm_lapic_ack(CPU0(vmm), 0x39);
	vmm_irq_set(vmm, 9, 1);
	ok(!in(vmm->vcpus[0].lapic.irr, 0x39), "IOAPIC: no second delivery while remote IRR is set");
	lapic_wr(vmm, 0xb0, 0);
	ok(in(vmm->vcpus[0].lapic.irr, 0x39) && (ioapic_rd(vmm, 0x22) & 0x4000),
	   "IOAPIC: the EOI broadcast clears remote IRR; the line still high delivers again");
	vmm_lapic_ack(CPU0(vmm), 0x39);
	vmm_irq_set(vmm, 9, 0);
	lapic_wr(vmm, 0xb0, 0);
	ok(!in(vmm->vcpus[0].lapic.irr, 0x39) && !(ioapic_rd(vmm, 0x22) & 0x4000),
	   "IOAPIC: the line low, the EOI leaves remote IRR clear and nothing pending");
	route(vmm, 9, 0x18039, 0);                       /* masked while the line goes high */
	vmm_irq_set(vmm, 9, 1);
	ok(vmm_lapic_pending(CPU0(vmm)) < 0, "IOAPIC: a masked level line waits");
	route(vmm, 9, 0x8039, 0);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x39, "IOAPIC: unmasked, the high line delivers");
	vmm_lapic_ack(CPU0(vmm), 0x39);
	route(vmm, 9, 0x0039, 0);                        /* to edge: remote IRR goes */
	ok(!(ioapic_rd(vmm, 0x22) & 0x4000), "IOAPIC: switching to edge clears remote IRR");
	lapic_wr(vmm, 0xb0, 0);
	vmm_irq_set(vmm, 9, 0);

	route(vmm, 5, 0x0400, 0);                        /* NMI */
	vmm_irq_raise(vmm, 5);
	ok(vmm->vcpus[0].lapic.nmi_pending, "IOAPIC: an NMI entry sends an NMI");
	vmm->vcpus[0].lapic.nmi_pending = 0;
	lapic_wr(vmm, 0xd0, 0x02000000);
	route(vmm, 6, 0x0836, 0x02);                     /* logical destination 0x02 */
	vmm_irq_raise(vmm, 6);
	ok(vmm_lapic_pending(CPU0(vmm)) == 0x36, "IOAPIC: a logical destination naming this LAPIC");
	vmm_lapic_ack(CPU0(vmm), 0x36);
	lapic_wr(vmm, 0xb0, 0);
	ok(!vmm_ioapic_extint(CPU0(vmm)), "IOAPIC: pin 0 masked, no ExtINT");
	route(vmm, 0, 0x0700, 0);
	ok(vmm_ioapic_extint(CPU0(vmm)), "IOAPIC: pin 0 ExtINT passes the PIC");
	ioapic_wr(vmm, 0, 0x0f000000);
	ioapic_wr(vmm, 1, 0);
	ok(ioapic_rd(vmm, 0) == 0x0f000000 && ioapic_rd(vmm, 1) == 0x00170011,
	   "IOAPIC: ID writable, version read-only");
	free_vmm(vmm);
}

/* What the run loop injects, with a run structure and no vCPU (KVM_INTERRUPT fails harmlessly). */
static void test_inject(void)
{
	struct vmm *vmm = new_vmm();
	struct kvm_run run;

	memset(&run, 0, sizeof(run));
	vmm->vcpus[0].run = &run;
	run.apic_base = VMM_LAPIC_BASE | 0x900;
	pic_remap(vmm);
	vmm_lapic_accept(CPU0(vmm), 0x41, VMM_APIC_FIXED, 0);
	vmm_irq_inject(CPU0(vmm));
	ok(run.request_interrupt_window && in(vmm->vcpus[0].lapic.irr, 0x41),
	   "inject: interrupts off, the window is asked for");
	run.ready_for_interrupt_injection = run.if_flag = 1;
	vmm_irq_raise(vmm, 1);                           /* PIC line 1: ExtINT through LINT0 */
	vmm_irq_inject(CPU0(vmm));
	ok(!run.request_interrupt_window && (vmm->pic.chip[0].isr & 2) && in(vmm->vcpus[0].lapic.irr, 0x41),
	   "inject: ExtINT first, the PIC acknowledged, nothing in the LAPIC's ISR");
	vmm_irq_inject(CPU0(vmm));
	ok(in(vmm->vcpus[0].lapic.isr, 0x41), "inject: then the LAPIC's vector, into ISR");
	ok(!vmm_irq_pending(CPU0(vmm)), "inject: nothing left");
	lapic_wr(vmm, 0x80, 0x20);
	ok(run.cr8 == 2, "TPR: a write reaches CR8 for the next KVM_RUN");
	run.cr8 = 5;
	vmm_irq_inject(CPU0(vmm));
	ok(lapic_rd(vmm, 0x80) == 0x50, "TPR: the guest's CR8 is the TPR's class");
	outb(vmm, 0x20, 0x20);                           /* the PIC's EOI for line 1 */
	run.apic_base = VMM_LAPIC_BASE | 0x100;          /* the guest switched the LAPIC off */
	lapic_wr(vmm, 0x350, 0x10700);                   /* LINT0 masked: no matter now */
	vmm_irq_raise(vmm, 3);
	ok(vmm_irq_pending(CPU0(vmm)), "a globally disabled LAPIC: the PIC goes straight to the CPU");
	vmm->vcpus[0].run = NULL;
	free_vmm(vmm);
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The run loop's recall: a due timer sets immediate_exit, and only then. */
static void test_kick(void)
{
	struct vmm *vmm = new_vmm();
	struct kvm_run run;
	uint64_t start;

	memset(&run, 0, sizeof(run));
	vmm->vcpus[0].run = &run;
	ok(vmm_kick_start(CPU0(vmm)) == 0, "recall: a POSIX timer aimed at this thread");
	start = monotonic_ns();
	vmm_kick_at(CPU0(vmm), start + 50000000);
	ok(!run.immediate_exit || monotonic_ns() - start >= 50000000, "recall: nothing before the time");
	while (!run.immediate_exit && monotonic_ns() - start < 2000000000ull)
		usleep(1000);
	ok(run.immediate_exit, "recall: at the time, immediate_exit is set");
	run.immediate_exit = 0;
	vmm_kick_at(CPU0(vmm), monotonic_ns() + 50000000);
	vmm_kick_at(CPU0(vmm), 0);
	usleep(100000);
	ok(!run.immediate_exit, "recall: disarmed, nothing comes");
	vmm_kick_stop(CPU0(vmm));
	vmm->vcpus[0].run = NULL;
	free_vmm(vmm);
}

/* Random accesses to both windows and around them: nothing may break. */
static void test_fuzz(void)
{
	struct vmm *vmm = new_vmm();
	unsigned seed = 4711;
	static const unsigned sizes[4] = { 1, 2, 4, 8 };
	int v;

	for (unsigned i = 0; i < 500000; i++) {
		uint64_t base = rand_r(&seed) & 1 ? VMM_LAPIC_BASE : VMM_IOAPIC_BASE;
		uint64_t addr = base - 16 + (uint64_t)(rand_r(&seed) % 0x1020);
		uint64_t value = (uint64_t)rand_r(&seed) << 32 | (uint64_t)rand_r(&seed);
		if (rand_r(&seed) % 4 == 0)
			addr = base + (rand_r(&seed) % 0x40) * 16;   /* real registers more often */
		mmio(vmm, rand_r(&seed) & 1, addr, sizes[rand_r(&seed) % 4], value);
		fake_now += (uint64_t)(rand_r(&seed) % 5000);
		if (rand_r(&seed) % 8 == 0)
			vmm_irq_set(vmm, (unsigned)rand_r(&seed) % 26, rand_r(&seed) & 1);
		if (rand_r(&seed) % 8 == 0)
			vmm_irq_raise(vmm, (unsigned)rand_r(&seed) % 26);
		vmm_lapic_poll(CPU0(vmm));
		if ((v = vmm_lapic_pending(CPU0(vmm))) >= 0)
			vmm_lapic_ack(CPU0(vmm), (uint8_t)v);
		if (vmm_pic_pending(vmm))
			vmm_pic_ack(vmm);
		vmm->vcpus[0].lapic.nmi_pending = 0;
	}
	ok(1, "half a million random MMIO accesses to the LAPIC and IOAPIC leave them standing");
	free_vmm(vmm);
}

int main(void)
{
	test_cpuid();
	test_lapic_registers();
	test_lapic_priorities();
	test_lapic_timer();
	test_ioapic();
	test_inject();
	test_kick();
	test_fuzz();
	return done_testing();
}
