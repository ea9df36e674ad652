/*
 * CPUID as KVM_GET_SUPPORTED_CPUID gave it on an AMD host, and an
 * Intel-style 0xB/0x1F: the input the tests of the VMM's CPUID filter
 * (test_apic.c, test_smp.c) feed it, and a lookup in the result.
 */
#ifndef TEST_VMM_CPUID_SAMPLE_H
#define TEST_VMM_CPUID_SAMPLE_H

#include <stdint.h>
#include <linux/kvm.h>

static const struct kvm_cpuid_entry2 kvm_amd[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x68747541 },
	{ .function = 1, .eax = 0x00a00f11, .ebx = 0x00020800, .ecx = 0x81202000, .edx = 0x078bfbff },
	{ .function = 4, .flags = 1, .eax = 0x1c004121 },
	{ .function = 6, .eax = 0x4 },
	{ .function = 0xb, .flags = 1, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 7 },
	{ .function = 0xb, .index = 1, .flags = 1, .eax = 4, .ebx = 8, .ecx = 0x201, .edx = 7 },
	{ .function = 0x1f, .flags = 1, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 7 },
	{ .function = 0x40000000, .eax = 0x40000001, .ebx = 0x4b4d564b },
	{ .function = 0x40000001, .eax = 0x01007efb },
	{ .function = 0x80000000, .eax = 0x80000021 },
	{ .function = 0x80000001, .ecx = 0x0040039b, .edx = 0x23d3fbff },
	{ .function = 0x80000008, .eax = 0x3030, .ecx = 0x7001 },
	{ .function = 0x8000001d, .flags = 1, .eax = 0x00004163 },
	{ .function = 0x8000001e, .eax = 7, .ebx = 0x0103, .ecx = 0x0102 },
};

static const struct kvm_cpuid_entry2 *leaf(const struct kvm_cpuid_entry2 *e, unsigned n,
                                            uint32_t function, uint32_t index)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].function == function && e[i].index == index)
			return &e[i];
	return NULL;
}

#endif
