/*
 * How an interrupt travels, as on a PC: a device's line goes to the 8259
 * pair and to the IOAPIC; the IOAPIC sends messages to the LAPIC; the
 * PIC's output reaches the CPU through LINT0 (or IOAPIC pin 0) programmed
 * ExtINT. Before each KVM_RUN the run loop injects what the LAPIC (or,
 * without one, the PIC) has, with KVM_INTERRUPT: KVM's in-kernel irqchip is
 * not used (doc/vmm-interrupts.md says why).
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
 * to the CPU, as on a PC.
 */
static int lapic_on(struct vmm *vmm)
{
	return vmm->lapic.present && (!vmm->run || (vmm->run->apic_base & APICBASE_ENABLE));
}

/* The PIC has something and a path to the CPU is open. */
static int extint(struct vmm *vmm)
{
	return vmm_pic_pending(vmm) && (vmm_lapic_extint(vmm) || vmm_ioapic_extint(vmm));
}

int vmm_irq_pending(struct vmm *vmm)
{
	if (!lapic_on(vmm))
		return vmm_pic_pending(vmm);
	return vmm->lapic.nmi_pending || extint(vmm) || vmm_lapic_pending(vmm) >= 0;
}

/*
 * Without an in-kernel LAPIC, KVM loads CR8 from run->cr8 at each KVM_RUN
 * and stores it back at each exit: the TPR's class is the guest's CR8.
 */
static void sync_tpr(struct vmm *vmm)
{
	struct vmm_lapic *l = &vmm->lapic;

	if ((vmm->run->cr8 & 0xf) != l->tpr >> 4)
		l->tpr = (uint32_t)(vmm->run->cr8 & 0xf) << 4;
}

void vmm_irq_inject(struct vmm *vmm)
{
	struct kvm_run *run = vmm->run;
	int vector = -1, from_pic;

	run->request_interrupt_window = 0;
	if (!lapic_on(vmm)) {
		if (!vmm_pic_pending(vmm))
			return;
		from_pic = 1;
	} else {
		sync_tpr(vmm);
		if (vmm->lapic.nmi_pending && ioctl(vmm->vcpu, KVM_NMI) == 0)
			vmm->lapic.nmi_pending = 0;
		/* ExtINT first, as KVM's own LAPIC does; it is not held in IRR/ISR */
		from_pic = extint(vmm);
		if (!from_pic && (vector = vmm_lapic_pending(vmm)) < 0)
			return;
	}
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;
		return;
	}
	if (from_pic)
		vector = vmm_pic_ack(vmm);
	else
		vmm_lapic_ack(vmm, (uint8_t)vector);
	if (vector >= 0) {
		struct kvm_interrupt irq = { .irq = (uint32_t)vector };
		ioctl(vmm->vcpu, KVM_INTERRUPT, &irq);
	}
}

/* The earlier of two due times, 0 standing for none. */
static uint64_t earlier(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

void vmm_irq_poll(struct vmm *vmm)
{
	/* out of KVM_RUN: a recall that came is answered now; one from here on recalls the next */
	if (vmm->run)
		vmm->run->immediate_exit = 0;
	vmm_pit_poll(vmm);
	if (vmm->lapic.present)
		vmm_lapic_poll(vmm);
	vmm_kick_at(vmm, earlier(vmm_pit_due_ns(vmm), vmm->lapic.present ? vmm->lapic.timer_next_ns : 0));
}
