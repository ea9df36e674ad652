/*
 * Puts the local APIC in virtual-wire mode so the 8259's output reaches the CPU. PC firmware
 * does this (SeaBIOS sets LINT0 to ExtINT); QEMU's microvm, a PVH loader or a bare VMM leaves
 * LINT0 masked as at reset, and KVM's in-kernel LAPIC then never accepts PIC interrupts.
 */
#include "mbtest.h"

#define CPUID_1_EDX_APIC (1u << 9)
#define MSR_APIC_BASE 0x1B
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0xFFFFF000u
#define LAPIC_SVR 0xF0
#define LAPIC_LVT0 0x350
#define LAPIC_SVR_ENABLE 0x100	/* while clear, every LVT entry stays masked */
#define LVT_MASKED 0x10000
#define LVT_DELIVERY_MASK 0x700
#define LVT_EXTINT 0x700	/* edge, active high, unmasked */

static uint32_t cpuid_1_edx(void)
{
	uint32_t eax = 1, ebx, ecx = 0, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "+c"(ecx), "=d"(edx));
	return edx;
}

static uint32_t rdmsr_low(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return lo;
}

static volatile uint32_t *lapic_reg(uint32_t base, uint32_t reg)
{
	return (volatile uint32_t *)(base + reg);
}

void lapic_virtual_wire(void)
{
	uint32_t base, lvt0;

	if (!(cpuid_1_edx() & CPUID_1_EDX_APIC))
		return;
	base = rdmsr_low(MSR_APIC_BASE);
	/* A globally disabled LAPIC passes PIC interrupts straight through. */
	if (!(base & APIC_BASE_ENABLE))
		return;
	base &= APIC_BASE_ADDR_MASK;
	lvt0 = *lapic_reg(base, LAPIC_LVT0);
	if (!(lvt0 & LVT_MASKED) && (lvt0 & LVT_DELIVERY_MASK) == LVT_EXTINT)
		return;
	if (!(*lapic_reg(base, LAPIC_SVR) & LAPIC_SVR_ENABLE))
		*lapic_reg(base, LAPIC_SVR) = LAPIC_SVR_ENABLE | MBTEST_VECTOR_LAPIC_SPURIOUS;
	*lapic_reg(base, LAPIC_LVT0) = LVT_EXTINT;
	report("lapic: LINT0 was 0x%08x, set to ExtINT (virtual wire)", lvt0);
}
