/*
 * The I/O APIC (an 82093AA, version 0x11) at 0xfec00000: IOREGSEL and
 * IOWIN, the ID, the version with 24 redirection entries, and the
 * redirection table. A pin's interrupt becomes a message on the APIC bus
 * (apic_bus.c) when its entry is unmasked and its destination (physical or
 * logical) names a LAPIC: fixed and lowest-priority as a vector, NMI as an
 * NMI. Level entries hold remote IRR from delivery until a LAPIC's EOI of
 * their vector, and deliver again then if the line is still high. Pin 0 is
 * the PIC's output: ExtINT there lets the PIC through to the LAPICs it
 * names (irq.c asks). Polarity is not modelled: a line is asserted as its
 * device says.
 */
#include <errno.h>
#include "vmm_internal.h"

#define IOAPIC_WINDOW  0x20u
#define IOREGSEL       0x00
#define IOWIN          0x10
#define IOAPIC_VERSION (0x11u | (VMM_IOAPIC_PINS - 1u) << 16)

enum { REG_ID = 0, REG_VERSION = 1, REG_ARB = 2, REG_REDIR = 0x10 };

#define RTE_MODE(e)    (((e) >> 8) & 7u)
#define RTE_LOGICAL    (1ull << 11)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL      (1ull << 15)
#define RTE_MASKED     (1ull << 16)
#define RTE_DEST(e)    ((uint8_t)((e) >> 56))
/* Bits the guest writes: vector, mode, destination mode, polarity, trigger, mask, destination. */
#define RTE_WRITABLE   (0xff000000000000ffull | 0x700u | RTE_LOGICAL | 1u << 13 | RTE_LEVEL | \
                        RTE_MASKED)

/* A pin's message to the LAPICs its entry names. */
static void deliver(struct vmm *vmm, unsigned pin)
{
	uint64_t *e = &vmm->ioapic.redir[pin];
	unsigned mode = RTE_MODE(*e);
	struct vmm_apic_msg m = {
		.vector = (uint8_t)*e, .mode = (uint8_t)mode, .dest = RTE_DEST(*e),
		.logical = (*e & RTE_LOGICAL) != 0, .level = (*e & RTE_LEVEL) != 0, .assert = 1,
	};
	unsigned i;

	if (*e & RTE_MASKED)
		return;
	if (mode != VMM_APIC_FIXED && mode != VMM_APIC_LOWEST && mode != VMM_APIC_NMI)
		return;                               /* ExtINT: pin 0 only, asked by irq.c; SMI, INIT */
	for (i = 0; i < vmm->nvcpus && !vmm_lapic_match(&vmm->vcpus[i].lapic, m.dest, m.logical); i++)
		;
	if (i == vmm->nvcpus)
		return;                               /* nobody named: no remote IRR either */
	if (*e & RTE_LEVEL) {
		if (*e & RTE_REMOTE_IRR)
			return;                           /* the last one is not EOIed yet */
		if (mode != VMM_APIC_NMI)
			*e |= RTE_REMOTE_IRR;
	}
	if (mode == VMM_APIC_NMI)
		m.level = 0;
	vmm_apic_bus_send(vmm, NULL, &m);
}

void vmm_ioapic_pulse(struct vmm *vmm, unsigned pin)
{
	if (pin < VMM_IOAPIC_PINS)
		deliver(vmm, pin);
}

void vmm_ioapic_set(struct vmm *vmm, unsigned pin, int level)
{
	struct vmm_ioapic *io = &vmm->ioapic;
	uint32_t bit;
	int rising;

	if (pin >= VMM_IOAPIC_PINS)
		return;
	bit = 1u << pin;
	rising = level && !(io->lines & bit);
	io->lines = level ? io->lines | bit : io->lines & ~bit;
	if (level && (rising || (io->redir[pin] & RTE_LEVEL)))
		deliver(vmm, pin);
}

void vmm_ioapic_eoi(struct vmm *vmm, uint8_t vector)
{
	struct vmm_ioapic *io = &vmm->ioapic;

	for (unsigned pin = 0; pin < VMM_IOAPIC_PINS; pin++) {
		uint64_t *e = &io->redir[pin];
		if ((uint8_t)*e != vector || !(*e & RTE_LEVEL) || !(*e & RTE_REMOTE_IRR))
			continue;
		*e &= ~RTE_REMOTE_IRR;
		if (io->lines & (1u << pin))
			deliver(vmm, pin);
	}
}

int vmm_ioapic_extint(const struct vmm_vcpu *cpu)
{
	const struct vmm_ioapic *io = &cpu->vmm->ioapic;
	uint64_t e = io->redir[0];

	return io->present && !(e & RTE_MASKED) && RTE_MODE(e) == VMM_APIC_EXTINT &&
	       vmm_lapic_match(&cpu->lapic, RTE_DEST(e), (e & RTE_LOGICAL) != 0);
}

static uint32_t reg_read(struct vmm_ioapic *io)
{
	unsigned pin = (io->index - REG_REDIR) / 2;

	switch (io->index) {
	case REG_ID:
	case REG_ARB:     return (uint32_t)(io->id & 0xf) << 24;
	case REG_VERSION: return IOAPIC_VERSION;
	}
	if (io->index < REG_REDIR || pin >= VMM_IOAPIC_PINS)
		return 0;
	return (uint32_t)(io->redir[pin] >> (io->index & 1 ? 32 : 0));
}

static void reg_write(struct vmm *vmm, struct vmm_ioapic *io, uint32_t v)
{
	unsigned pin = (io->index - REG_REDIR) / 2;
	uint64_t *e, old;

	if (io->index == REG_ID) {
		io->id = (uint8_t)((v >> 24) & 0xf);
		return;
	}
	if (io->index < REG_REDIR || pin >= VMM_IOAPIC_PINS)
		return;                               /* version, arbitration, reserved: read-only */
	e = &io->redir[pin];
	old = *e;
	if (io->index & 1)
		*e = (*e & 0xffffffffull) | ((uint64_t)v << 32 & RTE_WRITABLE);
	else
		*e = (*e & ~(RTE_WRITABLE & 0xffffffffull)) | (v & RTE_WRITABLE);
	if (!(*e & RTE_LEVEL))
		*e &= ~RTE_REMOTE_IRR;                /* an edge entry holds none (Linux clears it so) */
	/* unmasking a level line that is high: it asks now */
	if ((old & RTE_MASKED) && !(*e & RTE_MASKED) && (*e & RTE_LEVEL) &&
	    (io->lines & (1u << pin)))
		deliver(vmm, pin);
}

/* IOREGSEL selects, IOWIN reads and writes 32 bits of the selected register. */
static void ioapic_read(struct vmm *vmm, void *dev, uint64_t offset, unsigned size,
                        uint64_t *value)
{
	struct vmm_ioapic *io = dev;

	if (offset == IOREGSEL && size == 4)
		*value = io->index;
	else if (offset == IOWIN && size == 4)
		*value = reg_read(io);
	else
		*value = 0;
}

static void ioapic_write(struct vmm *vmm, void *dev, uint64_t offset, unsigned size,
                         uint64_t value)
{
	struct vmm_ioapic *io = dev;

	if (offset == IOREGSEL && size == 4)
		io->index = (uint8_t)value;
	else if (offset == IOWIN && size == 4)
		reg_write(vmm, io, (uint32_t)value);
}

int vmm_ioapic_init(struct vmm *vmm, uint64_t base, uint8_t id)
{
	struct vmm_ioapic *io = &vmm->ioapic;
	struct vmm_mmio_handler h = { base, IOAPIC_WINDOW, ioapic_read, ioapic_write, io };
	int err;

	if (io->present)
		return -EEXIST;
	err = vmm_mmio_register(vmm, &h);
	if (err)
		return err;
	for (unsigned pin = 0; pin < VMM_IOAPIC_PINS; pin++)
		io->redir[pin] = RTE_MASKED;
	io->id = id & 0xf;
	io->base = base;
	io->present = 1;
	return 0;
}
