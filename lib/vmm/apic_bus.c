/*
 * The APIC bus: where an interrupt message goes among the vCPUs' LAPICs,
 * whether the IOAPIC sent it (a redirection entry) or a LAPIC (its ICR). A
 * message names its LAPICs by a destination, physical (an APIC ID, 0xFF
 * all) or logical (flat or cluster, against each one's LDR and DFR), or by
 * an ICR's shorthand (self, all including self, all excluding self). Fixed
 * and NMI messages go to every LAPIC named; lowest priority to one, the
 * first of those with the lowest TPR among the software-enabled ones (no
 * focus processor, no arbitration ID). INIT sends an AP back to wait for
 * STARTUP, STARTUP starts a waiting AP (vcpu.c); SMI and ExtINT messages
 * have no effect (ExtINT is IOAPIC pin 0's way, irq.c). Called with the
 * VMM's lock held; a LAPIC that accepts recalls its vCPU.
 */
#include "vmm_internal.h"

#define SVR_ENABLE (1u << 8)

/* Whether the message names cpu's LAPIC (from: the sender, NULL for the IOAPIC). */
static int named(const struct vmm_vcpu *from, const struct vmm_apic_msg *m,
                 const struct vmm_vcpu *cpu)
{
	switch (m->shorthand) {
	case VMM_APIC_DEST_SELF:   return cpu == from;
	case VMM_APIC_DEST_ALL:    return 1;
	case VMM_APIC_DEST_OTHERS: return cpu != from;
	default:                   return vmm_lapic_match(&cpu->lapic, m->dest, m->logical);
	}
}

/* Lowest priority: the first named, software-enabled LAPIC of the lowest TPR (else the first). */
static struct vmm_vcpu *lowest(struct vmm *vmm, const uint32_t *set)
{
	struct vmm_vcpu *best = NULL;
	int best_enabled = 0;

	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		struct vmm_vcpu *cpu = &vmm->vcpus[i];
		int enabled = (cpu->lapic.svr & SVR_ENABLE) != 0;
		if (!(set[i / 32] >> (i % 32) & 1))
			continue;
		if (!best || (enabled && !best_enabled) ||
		    (enabled == best_enabled && (cpu->lapic.tpr & 0xf0) < (best->lapic.tpr & 0xf0))) {
			best = cpu;
			best_enabled = enabled;
		}
	}
	return best;
}

unsigned vmm_apic_bus_send(struct vmm *vmm, struct vmm_vcpu *from, const struct vmm_apic_msg *m)
{
	uint32_t set[(VMM_VCPUS_MAX + 31) / 32] = { 0 };
	unsigned n = 0;

	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		if (vmm->vcpus[i].lapic.present && named(from, m, &vmm->vcpus[i])) {
			set[i / 32] |= 1u << (i % 32);
			n++;
		}
	}
	if (!n)
		return 0;
	if (m->mode == VMM_APIC_LOWEST) {
		vmm_lapic_accept(lowest(vmm, set), m->vector, m->mode, m->level);
		return n;
	}
	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		struct vmm_vcpu *cpu = &vmm->vcpus[i];
		if (!(set[i / 32] >> (i % 32) & 1))
			continue;
		switch (m->mode) {
		case VMM_APIC_FIXED:
		case VMM_APIC_NMI:
			vmm_lapic_accept(cpu, m->vector, m->mode, m->level);
			break;
		case VMM_APIC_INIT:
			if (m->assert)
				vmm_vcpu_ipi_init(cpu);
			break;
		case VMM_APIC_STARTUP:
			vmm_vcpu_ipi_startup(cpu, m->vector);
			break;
		default:
			break;                            /* SMI, ExtINT, reserved */
		}
	}
	return n;
}
