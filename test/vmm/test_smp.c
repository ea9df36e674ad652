/*
 * lib/vmm's SMP model without KVM: several vCPUs' LAPICs behind the one
 * window (each access goes to vmm->cur's), IPIs through the ICR (physical
 * destinations and broadcast, logical flat and cluster, the shorthands,
 * lowest priority, NMI, an illegal vector), the IOAPIC's messages among the
 * LAPICs, INIT and STARTUP as state changes of the APs, the recall of a
 * vCPU another thread runs, the CPUID topology of N vCPUs, and the MP
 * table's and MADT's processors (test_acpi.c checks the rest of the ACPI
 * tables). TAP output.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "vmm_internal.h"
#include "../unit/tap.h"
#include "exits.h"
#include "cpuid_sample.h"

#define CPUS 4
#define MEM_SIZE (2u << 20)

/* LAPIC registers and ICR bits */
enum { ID = 0x20, TPR = 0x80, EOI = 0xb0, LDR = 0xd0, DFR = 0xe0, SVR = 0xf0, ESR = 0x280,
       ICR_LO = 0x300, ICR_HI = 0x310, LVT_LINT0 = 0x350 };
#define LOGICAL    0x800u
#define ASSERT     0x4000u
#define LEVEL      0x8000u
#define SELF       0x40000u
#define ALL        0x80000u
#define OTHERS     0xc0000u
#define M_LOWEST   0x100u
#define M_NMI      0x400u
#define M_INIT     0x500u
#define M_STARTUP  0x600u

static uint64_t fake_now = 1000000000ull;

static uint64_t fake_clock(void)
{
	return fake_now;
}

/* One MMIO access through the bus, as KVM would report it on vCPU cpu's thread. */
/* A 4-byte MMIO access as vCPU cpu makes it (the LAPIC window is per vCPU). */
static uint64_t cpu_mmio(struct vmm *vmm, unsigned cpu, int write, uint64_t addr, uint64_t value)
{
	vmm->cur = &vmm->vcpus[cpu];
	value = mmio(vmm, write, addr, 4, value);
	vmm->cur = &vmm->vcpus[0];
	return value;
}

static uint32_t rd(struct vmm *vmm, unsigned cpu, unsigned reg)
{
	return (uint32_t)cpu_mmio(vmm, cpu, 0, VMM_LAPIC_BASE + reg, 0);
}

static void wr(struct vmm *vmm, unsigned cpu, unsigned reg, uint32_t v)
{
	cpu_mmio(vmm, cpu, 1, VMM_LAPIC_BASE + reg, v);
}

/* An IPI from cpu: the destination into ICR high, then the command. */
static void ipi(struct vmm *vmm, unsigned cpu, uint8_t dest, uint32_t low)
{
	wr(vmm, cpu, ICR_HI, (uint32_t)dest << 24);
	wr(vmm, cpu, ICR_LO, low);
}

static void ioapic_wr(struct vmm *vmm, unsigned reg, uint32_t v)
{
	cpu_mmio(vmm, 0, 1, VMM_IOAPIC_BASE, reg);
	cpu_mmio(vmm, 0, 1, VMM_IOAPIC_BASE + 0x10, v);
}

static uint32_t ioapic_rd(struct vmm *vmm, unsigned reg)
{
	cpu_mmio(vmm, 0, 1, VMM_IOAPIC_BASE, reg);
	return (uint32_t)cpu_mmio(vmm, 0, 0, VMM_IOAPIC_BASE + 0x10, 0);
}

static void route(struct vmm *vmm, unsigned pin, uint32_t low, uint8_t dest)
{
	ioapic_wr(vmm, 0x11 + 2 * pin, (uint32_t)dest << 24);
	ioapic_wr(vmm, 0x10 + 2 * pin, low);
}

static int in(const uint32_t *bits, unsigned v)
{
	return (bits[v / 32] >> (v % 32)) & 1;
}

/* Which vCPUs hold vector v in IRR: bit n for vCPU n. */
static unsigned holders(struct vmm *vmm, unsigned v)
{
	unsigned mask = 0;

	for (unsigned i = 0; i < vmm->nvcpus; i++)
		mask |= (unsigned)in(vmm->vcpus[i].lapic.irr, v) << i;
	return mask;
}

/* Everything each LAPIC holds dropped, as if taken and EOIed. */
static void drain(struct vmm *vmm)
{
	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		struct vmm_lapic *l = &vmm->vcpus[i].lapic;
		memset(l->irr, 0, sizeof(l->irr));
		memset(l->isr, 0, sizeof(l->isr));
		l->nmi_pending = 0;
	}
}

/* A machine of PIC pair, n LAPICs (IDs base..), an IOAPIC and 2 MiB of RAM, no KVM. */
static struct vmm *new_vmm(unsigned n, uint8_t base)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));

	vmm->kvm = vmm->vm = vmm->input_fd = -1;
	vmm_vcpu_prepare(vmm, n);
	vmm->pit.timerfd = -1;
	vmm->run_size = 4096;
	vmm->mem = calloc(1, MEM_SIZE);
	vmm->mem_size = MEM_SIZE;
	for (unsigned i = 0; i < n; i++)
		vmm->vcpus[i].lapic.clock = fake_clock;
	if (!vmm->mem || vmm_pic_init(vmm) || vmm_lapic_init(vmm, VMM_LAPIC_BASE, base) ||
	    vmm_ioapic_init(vmm, VMM_IOAPIC_BASE, VMM_IOAPIC_ID))
		abort();
	return vmm;
}

static void free_vmm(struct vmm *vmm)
{
	vmm_lapic_fini(vmm);
	free(vmm->mem);
	free(vmm);
}

static void test_lapics(void)
{
	struct vmm *vmm = new_vmm(CPUS, 0);
	int good = 1;

	for (unsigned i = 0; i < CPUS; i++)
		good &= rd(vmm, i, ID) == i << 24;
	ok(good, "four LAPICs behind one window: each vCPU reads its own ID (0..3)");
	ok(rd(vmm, 0, SVR) == 0x1ff && rd(vmm, 0, LVT_LINT0) == 0x8700 && vmm_irq_extint_path(&vmm->vcpus[0]),
	   "the BSP's LAPIC as firmware leaves it: enabled, LINT0 ExtINT (the PIC's way in)");
	good = 1;
	for (unsigned i = 1; i < CPUS; i++)
		good &= rd(vmm, i, SVR) == 0xff && (rd(vmm, i, LVT_LINT0) & 0x10000) &&
		        !vmm_irq_extint_path(&vmm->vcpus[i]) && vmm->vcpus[i].state == VMM_VCPU_WAIT_SIPI;
	ok(good, "the APs' LAPICs as at power-up (disabled, LINT0 masked), the APs waiting for STARTUP");
	wr(vmm, 2, TPR, 0x30);
	ok(rd(vmm, 2, TPR) == 0x30 && rd(vmm, 0, TPR) == 0 && rd(vmm, 1, TPR) == 0,
	   "a register write reaches the accessing vCPU's LAPIC only");
	free_vmm(vmm);

	vmm = new_vmm(3, 5);
	ok(rd(vmm, 0, ID) == 5u << 24 && rd(vmm, 2, ID) == 7u << 24,
	   "<lapic id=5>: the vCPUs' IDs are 5, 6, 7");
	free_vmm(vmm);
	vmm = calloc(1, sizeof(*vmm));
	vmm_vcpu_prepare(vmm, 2);
	ok(vmm_lapic_init(vmm, VMM_LAPIC_BASE, 254) == -EINVAL,
	   "<lapic id=254> with two vCPUs: -EINVAL (0xFF is the broadcast)");
	free(vmm);
}

static void test_ipis(void)
{
	struct vmm *vmm = new_vmm(CPUS, 0);

	for (unsigned i = 1; i < CPUS; i++)
		wr(vmm, i, SVR, 0x1ff);
	ipi(vmm, 0, 2, 0x41);
	ok(holders(vmm, 0x41) == 1u << 2, "fixed IPI, physical destination 2: vCPU 2 only");
	ipi(vmm, 1, 0xff, 0x42);
	ok(holders(vmm, 0x42) == 0xf, "fixed IPI to physical 0xFF: every LAPIC, the sender's too");
	ipi(vmm, 0, 9, 0x43);
	ok(holders(vmm, 0x43) == 0, "fixed IPI to APIC ID 9: nobody");
	drain(vmm);

	for (unsigned i = 0; i < CPUS; i++)
		wr(vmm, i, LDR, 1u << (24 + i));         /* flat: one bit each */
	ipi(vmm, 3, 0x06, LOGICAL | 0x44);
	ok(holders(vmm, 0x44) == 0x6, "logical flat destination 0x06: vCPUs 1 and 2");
	ipi(vmm, 0, 0xff, LOGICAL | 0x45);
	ok(holders(vmm, 0x45) == 0xf, "logical flat 0xFF: all");
	for (unsigned i = 0; i < CPUS; i++) {
		wr(vmm, i, DFR, 0x0fffffff);             /* cluster: 1.1, 1.2, 2.1, 2.2 */
		wr(vmm, i, LDR, (uint32_t)((i / 2 + 1) << 4 | 1u << (i % 2)) << 24);
	}
	ipi(vmm, 0, 0x23, LOGICAL | 0x46);
	ipi(vmm, 0, 0x11, LOGICAL | 0x47);
	ok(holders(vmm, 0x46) == 0xc && holders(vmm, 0x47) == 0x1,
	   "logical cluster destinations: 0x23 names vCPUs 2 and 3, 0x11 vCPU 0");
	drain(vmm);

	ipi(vmm, 1, 0, SELF | 0x48);
	ipi(vmm, 1, 0, ALL | 0x49);
	ipi(vmm, 1, 0, OTHERS | 0x4a);
	ok(holders(vmm, 0x48) == 0x2 && holders(vmm, 0x49) == 0xf && holders(vmm, 0x4a) == 0xd,
	   "shorthands from vCPU 1: self, all including self, all excluding self");
	drain(vmm);

	wr(vmm, 0, TPR, 0x20);
	wr(vmm, 1, TPR, 0x30);
	wr(vmm, 2, TPR, 0x10);
	wr(vmm, 3, TPR, 0x10);
	ipi(vmm, 0, 0, ALL | M_LOWEST | 0x4b);
	ok(holders(vmm, 0x4b) == 0x4, "lowest priority to all: one LAPIC, the first of the lowest TPR (2)");
	wr(vmm, 2, SVR, 0xff);                       /* software-disabled: not chosen */
	ipi(vmm, 0, 0, ALL | M_LOWEST | 0x4c);
	ok(holders(vmm, 0x4c) == 0x8, "lowest priority passes over a software-disabled LAPIC");
	ipi(vmm, 0, 2, 0x4d);
	ok(holders(vmm, 0x4d) == 0, "a software-disabled LAPIC loses fixed IPIs");
	wr(vmm, 2, SVR, 0x1ff);
	for (unsigned i = 0; i < CPUS; i++)
		wr(vmm, i, TPR, 0);
	drain(vmm);

	ipi(vmm, 0, 3, M_NMI);
	ok(!vmm->vcpus[0].lapic.nmi_pending && vmm->vcpus[3].lapic.nmi_pending &&
	   vmm_irq_pending(&vmm->vcpus[3]) && !vmm_irq_pending(&vmm->vcpus[1]),
	   "an NMI to APIC ID 3: pending there only");
	drain(vmm);
	ipi(vmm, 1, 2, 0x05);
	wr(vmm, 1, ESR, 0);
	ok(holders(vmm, 0x05) == 0 && rd(vmm, 1, ESR) == 0x20 && rd(vmm, 2, ESR) == 0,
	   "an illegal vector: refused at the sender (its ESR: send illegal), nothing sent");

	/* the IOAPIC: messages among the LAPICs */
	route(vmm, 4, 0x34, 2);
	vmm_irq_raise(vmm, 4);
	ok(holders(vmm, 0x34) == 0x4, "IOAPIC pin 4 to physical 2: vCPU 2's LAPIC");
	route(vmm, 5, 0x0800 | 0x35, 0x23);
	vmm_irq_raise(vmm, 5);
	ok(holders(vmm, 0x35) == 0xc, "IOAPIC pin 5 to logical cluster 0x23: vCPUs 2 and 3");
	route(vmm, 6, 0x0900 | 0x36, 0xff);
	vmm_irq_raise(vmm, 6);
	ok(holders(vmm, 0x36) == 0x1, "IOAPIC lowest priority to all: one LAPIC");
	drain(vmm);
	route(vmm, 9, 0x8000 | 0x39, 3);             /* level, to vCPU 3 */
	vmm_irq_set(vmm, 9, 1);
	vmm_lapic_ack(&vmm->vcpus[3], 0x39);
	ok(holders(vmm, 0x39) == 0 && in(vmm->vcpus[3].lapic.isr, 0x39) &&
	   in(vmm->vcpus[3].lapic.tmr, 0x39) && (ioapic_rd(vmm, 0x22) & 0x4000),
	   "a level line to vCPU 3: in its ISR and TMR, remote IRR held");
	wr(vmm, 3, EOI, 0);
	ok(in(vmm->vcpus[3].lapic.irr, 0x39) && (ioapic_rd(vmm, 0x22) & 0x4000),
	   "vCPU 3's EOI clears remote IRR; the line still high delivers to it again");
	vmm_irq_set(vmm, 9, 0);
	route(vmm, 7, 0x37, 9);
	vmm_irq_raise(vmm, 7);
	ok(holders(vmm, 0x37) == 0, "IOAPIC pin to an APIC ID nobody has: nothing");
	free_vmm(vmm);
}

static void test_init_startup(void)
{
	struct vmm *vmm = new_vmm(CPUS, 0);
	struct vmm_vcpu *ap = &vmm->vcpus[1], *bsp = &vmm->vcpus[0];

	ipi(vmm, 0, 1, ASSERT | LEVEL | M_INIT);
	ok(ap->state == VMM_VCPU_WAIT_SIPI && !ap->sipi, "INIT to an AP waiting: it waits on");
	ipi(vmm, 0, 1, M_STARTUP | 0x08);
	ok(ap->sipi && ap->sipi_vector == 0x08 && !vmm->vcpus[2].sipi,
	   "STARTUP 0x08 to APIC ID 1: that AP is to start at 0x8000");
	ipi(vmm, 0, 1, M_STARTUP | 0x09);
	ok(ap->sipi_vector == 0x08, "a second STARTUP before it started: ignored");
	ap->sipi = 0;                                /* what its thread does when it starts */
	ap->state = VMM_VCPU_RUNNING;
	ipi(vmm, 0, 1, M_STARTUP | 0x0a);
	ok(!ap->sipi && ap->state == VMM_VCPU_RUNNING, "STARTUP to a running AP: ignored");

	wr(vmm, 1, SVR, 0x1ff);
	wr(vmm, 1, TPR, 0x40);
	wr(vmm, 1, LDR, 0x02000000);
	vmm_lapic_accept(ap, 0x51, VMM_APIC_FIXED, 0);
	ipi(vmm, 0, 1, LEVEL | M_INIT);              /* level de-assert */
	ok(ap->state == VMM_VCPU_RUNNING && in(ap->lapic.irr, 0x51),
	   "INIT level de-assert: nothing happens");
	ipi(vmm, 0, 1, ASSERT | LEVEL | M_INIT);
	ok(ap->state == VMM_VCPU_WAIT_SIPI && rd(vmm, 1, SVR) == 0xff && rd(vmm, 1, TPR) == 0 &&
	   rd(vmm, 1, LDR) == 0 && !in(ap->lapic.irr, 0x51) && rd(vmm, 1, ID) == 1u << 24,
	   "INIT to a running AP: back to waiting for STARTUP, its LAPIC reset but for its ID");
	vmm->vcpus[2].state = vmm->vcpus[3].state = VMM_VCPU_RUNNING;
	ipi(vmm, 0, 0, OTHERS | M_INIT);
	ok(vmm->vcpus[2].state == VMM_VCPU_WAIT_SIPI && vmm->vcpus[3].state == VMM_VCPU_WAIT_SIPI,
	   "INIT to all excluding self: every AP waits for STARTUP");
	ipi(vmm, 1, 0, ALL | M_STARTUP | 0x10);
	ok(ap->sipi && vmm->vcpus[2].sipi && vmm->vcpus[3].sipi && !bsp->sipi &&
	   bsp->state == VMM_VCPU_RUNNING, "STARTUP to all: the APs, not the BSP");
	ipi(vmm, 2, 0, ALL | M_INIT);
	ok(bsp->state == VMM_VCPU_RUNNING && rd(vmm, 0, SVR) == 0x1ff,
	   "INIT reaching the BSP: ignored (no firmware to restart it)");
	free_vmm(vmm);
}

/* The recall of a vCPU another thread runs: a signal in KVM_RUN, the eventfd in a wait. */
static void test_wake(void)
{
	struct vmm *vmm = new_vmm(2, 0);
	struct vmm_vcpu *ap = &vmm->vcpus[1];
	struct kvm_run run;
	uint64_t n = 0;

	memset(&run, 0, sizeof(run));
	wr(vmm, 1, SVR, 0x1ff);
	ap->run = &run;
	ap->wake_fd = eventfd(0, EFD_NONBLOCK);
	ap->thread = pthread_self();
	ok(vmm_kick_start(ap) == 0, "wake: the recall's handler for this thread, as the AP's");
	vmm_lapic_accept(ap, 0x41, VMM_APIC_FIXED, 0);
	ok(!run.immediate_exit && read(ap->wake_fd, &n, sizeof(n)) < 0,
	   "wake: a vCPU neither in KVM_RUN nor waiting is left to look on its own");
	ap->waiting = 1;
	ipi(vmm, 0, 0, OTHERS | M_NMI);
	ok(read(ap->wake_fd, &n, sizeof(n)) == sizeof(n) && n == 1 && !run.immediate_exit,
	   "wake: a waiting vCPU's eventfd is written");
	ap->waiting = 0;
	ap->in_run = 1;
	ipi(vmm, 0, 1, 0x42);
	ok(run.immediate_exit == 1, "wake: a vCPU in KVM_RUN gets the signal, which sets immediate_exit");
	run.immediate_exit = 0;
	vmm->cur = ap;
	vmm_lapic_accept(ap, 0x43, VMM_APIC_FIXED, 0);
	ok(!run.immediate_exit, "wake: none for the lock holder's own vCPU");
	vmm->cur = &vmm->vcpus[0];
	ap->in_run = 0;
	vmm_kick_stop(ap);
	close(ap->wake_fd);
	ap->run = NULL;
	free_vmm(vmm);
}

/* The topology vCPU apic_id of cpus sees; shift: the core bits it must name. */
static void check_topology(unsigned cpus, uint8_t apic_id, uint32_t ids, uint32_t shift)
{
	struct kvm_cpuid_entry2 e[32];
	unsigned n = sizeof(kvm_amd) / sizeof(kvm_amd[0]);
	struct vmm_cpuid_policy p = { .apic_id = apic_id, .lapic = 1, .cpus = cpus };
	const struct kvm_cpuid_entry2 *l1, *b0, *b1, *b2, *l4, *x1, *x8, *x1e;
	char what[160];

	memcpy(e, kvm_amd, sizeof(kvm_amd));
	vmm_cpuid_filter(e, &n, 32, &p);
	l1 = leaf(e, n, 1, 0);
	b0 = leaf(e, n, 0xb, 0);
	b1 = leaf(e, n, 0xb, 1);
	b2 = leaf(e, n, 0xb, 2);
	l4 = leaf(e, n, 4, 0);
	x1 = leaf(e, n, 0x80000001, 0);
	x8 = leaf(e, n, 0x80000008, 0);
	x1e = leaf(e, n, 0x8000001e, 0);
	snprintf(what, sizeof(what), "CPUID for vCPU with APIC ID %u of %u: leaf 1 counts %u, HTT, "
	         "CmpLegacy", apic_id, cpus, ids);
	ok(l1 && l1->ebx >> 24 == apic_id && ((l1->ebx >> 16) & 0xff) == ids &&
	   (l1->edx & (1u << 28)) && (x1->ecx & 2), "%s", what);
	snprintf(what, sizeof(what), "CPUID 0xB for %u vCPUs: one thread per core (shift 0), %u cores "
	         "(shift %u), x2APIC ID %u", cpus, cpus, shift, apic_id);
	ok(b0 && b1 && b2 && b0->eax == 0 && b0->ebx == 1 && b0->ecx == 0x100 && b1->eax == shift &&
	   b1->ebx == cpus && b1->ecx == 0x201 && b0->edx == apic_id && b1->edx == apic_id &&
	   b2->ebx == 0, "%s", what);
	snprintf(what, sizeof(what), "CPUID 4, 0x80000008, 0x8000001E for %u vCPUs: %u cores, core %u",
	         cpus, cpus, apic_id & ((1u << shift) - 1));
	ok(l4 && (l4->eax >> 26) == ids - 1 && (x8->ecx & 0xff) == cpus - 1 &&
	   ((x8->ecx >> 12) & 0xf) == shift && (x1e->ebx & 0xff) == (apic_id & ((1u << shift) - 1)) &&
	   x1e->eax == apic_id, "%s", what);
}

static void test_cpuid(void)
{
	struct kvm_cpuid_entry2 e[32];
	unsigned n = sizeof(kvm_amd) / sizeof(kvm_amd[0]);
	struct vmm_cpuid_policy one = { .apic_id = 0, .lapic = 1, .cpus = 1 };
	const struct kvm_cpuid_entry2 *l1;

	check_topology(2, 1, 2, 1);
	check_topology(4, 2, 4, 2);
	check_topology(3, 2, 4, 2);
	memcpy(e, kvm_amd, sizeof(kvm_amd));
	vmm_cpuid_filter(e, &n, 32, &one);
	l1 = leaf(e, n, 1, 0);
	ok(l1 && ((l1->ebx >> 16) & 0xff) == 1 && !(l1->edx & (1u << 28)) &&
	   !(leaf(e, n, 0x80000001, 0)->ecx & 2) && leaf(e, n, 0xb, 1)->ebx == 1,
	   "CPUID for one vCPU: as before (one logical processor, no HTT, one core)");
}

/* The MP table: a processor entry per vCPU, its LAPIC ID, enabled, the BSP flag on the first. */
static void test_mptable(void)
{
	struct vmm *vmm = new_vmm(CPUS, 0);
	const uint8_t *f = vmm->mem + 0xf0000, *c, *p;
	uint8_t sum = 0;
	unsigned cpus = 0, bad = 0, count;

	ok(vmm_mptable_write(vmm) == 0 && !memcmp(f, "_MP_", 4), "MP table written for four vCPUs");
	c = vmm->mem + (f[4] | f[5] << 8 | f[6] << 16);
	for (unsigned i = 0; i < (unsigned)(c[4] | c[5] << 8); i++)
		sum = (uint8_t)(sum + c[i]);
	count = c[34] | c[35] << 8;
	p = c + 44;
	for (unsigned i = 0; i < count && p[0] == 0; i++, p += 20) {
		bad += p[1] != cpus || p[2] != 0x14 || (p[3] & 1) != 1 || (p[3] & 2) != (cpus ? 0 : 2);
		cpus++;
	}
	ok(!memcmp(c, "PCMP", 4) && sum == 0 && cpus == CPUS && !bad && p[0] == 1,
	   "MP table: four processors, APIC IDs 0..3, enabled, the BSP flag on the first only");
	free_vmm(vmm);
}

/* The MADT: a Processor Local APIC entry per vCPU, UID = its number. */
static void test_madt(void)
{
	struct vmm *vmm = new_vmm(3, 2);
	const uint8_t *rsdp, *xsdt, *madt, *p, *end;
	uint64_t at = 0, madt_at;
	unsigned cpus = 0, bad = 0;

	vmm->machine.ndev = 0;
	ok(vmm_acpi_write(vmm, &at) == 0 && at, "ACPI tables written for three vCPUs");
	rsdp = vmm->mem + at;
	memcpy(&at, rsdp + 24, 8);
	xsdt = vmm->mem + at;
	memcpy(&madt_at, xsdt + 36 + 8, 8);
	madt = vmm->mem + madt_at;
	end = madt + (madt[4] | madt[5] << 8);
	for (p = madt + 44; p < end && p[1] >= 2; p += p[1]) {
		if (p[0] != 0)
			continue;
		bad += p[1] != 8 || p[2] != cpus || p[3] != 2 + cpus || p[4] != 1;
		cpus++;
	}
	ok(!memcmp(madt, "APIC", 4) && cpus == 3 && !bad,
	   "MADT: three Processor Local APICs, UIDs 0..2, APIC IDs 2..4, enabled");
	free_vmm(vmm);
}

int main(void)
{
	test_lapics();
	test_ipis();
	test_init_startup();
	test_wake();
	test_cpuid();
	test_mptable();
	test_madt();
	return done_testing();
}
