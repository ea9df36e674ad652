/*
 * How an interrupt travels, as on a PC: a device's line goes to the 8259
 * pair and to the IOAPIC; the IOAPIC sends messages to the LAPICs; the
 * PIC's output reaches a CPU through LINT0 (or IOAPIC pin 0) programmed
 * ExtINT. Before each KVM_RUN a vCPU's loop injects what its LAPIC (or,
 * without one, the PIC) has, with KVM_INTERRUPT: KVM's in-kernel irqchip is
 * not used (doc/vmm-interrupts.md says why). All of it runs under the VMM's
 * lock; a vCPU that another thread runs is recalled to take what came.
 */
#include <sys/ioctl.h>
#include "vmm_internal.h"

#define APICBASE_ENABLE (1u << 11)

/* ISA IRQ 0 is the IOAPIC's pin 2 (pin 0 is the PIC's output); ISA IRQ 2 is the cascade. */
static int ioapic_pin(unsigned line)
{
	if (line == 0)
		return 2;
	return line == 2 || line >= VMM_IOAPIC_PINS ? -1 : (int)line;
}

void vmm_irq_raise(struct vmm *vmm, unsigned line)
{
	int pin = ioapic_pin(line);

	vmm_pic_edge(vmm, line);
	if (vmm->ioapic.present && pin >= 0)
		vmm_ioapic_pulse(vmm, (unsigned)pin);
}

void vmm_irq_set(struct vmm *vmm, unsigned line, int level)
{
	int pin = ioapic_pin(line);

	vmm_pic_level(vmm, line, level);
	if (vmm->ioapic.present && pin >= 0)
		vmm_ioapic_set(vmm, (unsigned)pin, level);
}

/*
 * The LAPIC takes part unless the guest switched it off in the APIC base
 * MSR (KVM reports the MSR in every exit); then the PIC is wired straight
 * to the CPU, as on a PC (there is one vCPU on a machine without LAPICs).
 */
static int lapic_on(const struct vmm_vcpu *cpu)
{
	return cpu->lapic.present && (!cpu->run || (cpu->run->apic_base & APICBASE_ENABLE));
}

int vmm_irq_extint_path(struct vmm_vcpu *cpu)
{
	if (!lapic_on(cpu))
		return cpu->index == 0;
	return vmm_lapic_extint(cpu) || vmm_ioapic_extint(cpu);
}

/* The PIC has something and a path to this CPU is open. */
static int extint(struct vmm_vcpu *cpu)
{
	return vmm_pic_pending(cpu->vmm) && (vmm_lapic_extint(cpu) || vmm_ioapic_extint(cpu));
}

int vmm_irq_pending(struct vmm_vcpu *cpu)
{
	if (!lapic_on(cpu))
		return cpu->index == 0 && vmm_pic_pending(cpu->vmm);
	return cpu->lapic.nmi_pending || extint(cpu) || vmm_lapic_pending(cpu) >= 0;
}

void vmm_irq_kick_extint(struct vmm *vmm)
{
	if (!vmm_pic_pending(vmm)) {
		vmm->extint_kicked = 0;
		return;
	}
	if (vmm->extint_kicked)
		return;
	vmm->extint_kicked = 1;
	for (unsigned i = 0; i < vmm->nvcpus; i++)
		if (vmm_irq_extint_path(&vmm->vcpus[i]))
			vmm_vcpu_wake(&vmm->vcpus[i]);
}

/*
 * Without an in-kernel LAPIC, KVM loads CR8 from run->cr8 at each KVM_RUN
 * and stores it back at each exit: the TPR's class is the guest's CR8.
 */
static void sync_tpr(struct vmm_vcpu *cpu)
{
	struct vmm_lapic *l = &cpu->lapic;

	if ((cpu->run->cr8 & 0xf) != l->tpr >> 4)
		l->tpr = (uint32_t)(cpu->run->cr8 & 0xf) << 4;
}

void vmm_irq_inject(struct vmm_vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	int vector = -1, from_pic;

	run->request_interrupt_window = 0;
	if (!lapic_on(cpu)) {
		if (cpu->index != 0 || !vmm_pic_pending(cpu->vmm))
			return;
		from_pic = 1;
	} else {
		sync_tpr(cpu);
		if (cpu->lapic.nmi_pending && ioctl(cpu->fd, KVM_NMI) == 0)
			cpu->lapic.nmi_pending = 0;
		/* ExtINT first, as KVM's own LAPIC does; it is not held in IRR/ISR */
		from_pic = extint(cpu);
		if (!from_pic && (vector = vmm_lapic_pending(cpu)) < 0)
			return;
	}
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		return;
	}
	if (from_pic)
		vector = vmm_pic_ack(cpu->vmm);
	else
		vmm_lapic_ack(cpu, (uint8_t)vector);
	if (vector >= 0) {
		struct kvm_interrupt irq = { .irq = (uint32_t)vector };
		ioctl(cpu->fd, KVM_INTERRUPT, &irq);
	}
}

/* The earlier of two due times, 0 standing for none. */
static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

/*
 * Every vCPU raises the PIT's due interrupts at its exits; the BSP is
 * recalled (and woken from a halt) for them, so that the PIT keeps time
 * whatever the APs do. Each vCPU keeps its own LAPIC's timer.
 */
void vmm_irq_poll(struct vmm_vcpu *cpu)
{
	uint64_t due = 0;

	/* out of KVM_RUN: a recall that came is answered now; one from here on recalls the next */
	if (cpu->run)
		cpu->run->immediate_exit = 0;
	vmm_pit_poll(cpu->vmm);
	if (cpu->lapic.present) {
		vmm_lapic_poll(cpu);
		due = cpu->lapic.timer_next_ns;
	}
	if (cpu->index == 0)
		due = earlier(vmm_pit_due_ns(cpu->vmm), due);
	vmm_kick_at(cpu, due);
}
