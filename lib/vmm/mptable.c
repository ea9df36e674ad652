/*
 * An Intel MultiProcessor Specification 1.4 table in the BIOS area, as PC
 * firmware leaves one: the floating pointer at 0xf0000 and the
 * configuration table after it, describing the vCPUs and their LAPICs, the
 * ISA bus, the IOAPIC and how the ISA IRQs reach it (IRQ 0 on pin 2, pin 0
 * the PIC's ExtINT, the rest one to one), and LINT0 ExtINT, LINT1 NMI. A
 * guest without ACPI (Linux with no RSDP finds none here) uses it to find
 * the IOAPIC; the LAPIC it finds through CPUID anyway.
 */
#include <errno.h>
#include <string.h>
#include "bytes.h"
#include "vmm_internal.h"

#define MPTABLE_ADDR    0xf0000u      /* in the 64 KiB Linux scans (0xf0000-0xfffff) */
#define MPTABLE_MAX     0x400u
#define MP_SPEC_1_4     4
#define MPC_HEADER_SIZE 44

enum { MP_PROCESSOR, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC };
enum { MP_INT, MP_NMI, MP_SMI, MP_EXTINT };
#define MPC_CPU_ENABLED 1
#define MPC_CPU_BSP     2
#define MPC_IOAPIC_USABLE 1
#define LAPIC_VERSION   0x14
#define IOAPIC_VERSION  0x11
#define ISA_BUS         0

/* An interrupt source entry (I/O or local: same 8-byte layout). */
static uint8_t *intsrc(uint8_t *p, uint8_t entry, uint8_t type, uint8_t bus_irq, uint8_t dest,
                       uint8_t pin)
{
	p[0] = entry;
	p[1] = type;
	put16(p + 2, 0);                          /* polarity and trigger: as the bus says */
	p[4] = ISA_BUS;
	p[5] = bus_irq;
	p[6] = dest;
	p[7] = pin;
	return p + 8;
}

int vmm_mptable_write(struct vmm *vmm)
{
	uint8_t *mpf = vmm_gpa(vmm, MPTABLE_ADDR, MPTABLE_MAX), *mpc, *p;
	uint16_t entries = 0;
	uint8_t ioapic = vmm->ioapic.id;

	if (!vmm->vcpus[0].lapic.present)
		return 0;
	if (!mpf)
		return -ENOSPC;
	memset(mpf, 0, MPTABLE_MAX);
	mpc = mpf + 16;
	p = mpc + MPC_HEADER_SIZE;

	for (unsigned i = 0; i < vmm->nvcpus; i++) {
		p[0] = MP_PROCESSOR;
		p[1] = vmm->vcpus[i].lapic.id;
		p[2] = LAPIC_VERSION;
		p[3] = MPC_CPU_ENABLED | (i == 0 ? MPC_CPU_BSP : 0);
		p += 20;                              /* signature and features: left 0 */
		entries++;
	}

	p[0] = MP_BUS;
	p[1] = ISA_BUS;
	memcpy(p + 2, "ISA   ", 6);
	p += 8;
	entries++;

	if (vmm->ioapic.present) {
		p[0] = MP_IOAPIC;
		p[1] = ioapic;
		p[2] = IOAPIC_VERSION;
		p[3] = MPC_IOAPIC_USABLE;
		put32(p + 4, (uint32_t)vmm->ioapic.base);
		p += 8;
		entries++;
		p = intsrc(p, MP_INTSRC, MP_EXTINT, 0, ioapic, 0);
		p = intsrc(p, MP_INTSRC, MP_INT, 0, ioapic, 2);
		entries += 2;
		for (uint8_t irq = 1; irq < 16; irq++) {
			if (irq == 2)
				continue;                     /* the cascade */
			p = intsrc(p, MP_INTSRC, MP_INT, irq, ioapic, irq);
			entries++;
		}
	}
	p = intsrc(p, MP_LINTSRC, MP_EXTINT, 0, 0xff, 0);
	p = intsrc(p, MP_LINTSRC, MP_NMI, 0, 0xff, 1);
	entries += 2;

	memcpy(mpc, "PCMP", 4);
	put16(mpc + 4, (uint16_t)(p - mpc));
	mpc[6] = MP_SPEC_1_4;
	memcpy(mpc + 8, "ARBOR   ", 8);
	memcpy(mpc + 16, "VMM         ", 12);
	put16(mpc + 34, entries);
	put32(mpc + 36, (uint32_t)VMM_LAPIC_BASE);
	mpc[7] = checksum(mpc, (size_t)(p - mpc));

	/* the floating pointer: no default configuration, virtual-wire mode (no IMCR) */
	memcpy(mpf, "_MP_", 4);
	put32(mpf + 4, MPTABLE_ADDR + 16);
	mpf[8] = 1;                               /* length in 16-byte units */
	mpf[9] = MP_SPEC_1_4;
	mpf[10] = checksum(mpf, 16);
	return 0;
}
