/*
 * The guest's CPUID: what KVM can offer (KVM_GET_SUPPORTED_CPUID on the
 * /dev/kvm fd the VMM holds), made to agree with the machine this VMM
 * models: N vCPUs as N cores of one package, one thread each, every one
 * with its APIC ID, an xAPIC only when a <lapic> is modelled (no x2APIC,
 * no TSC-deadline timer), the hypervisor bit, and none of KVM's
 * paravirtual features that need KVM's in-kernel LAPIC. Set on each vCPU
 * with KVM_SET_CPUID2 before the first KVM_RUN, together with the APIC
 * base MSR (BSP flag on vCPU 0), from whose enable bit KVM derives
 * CPUID.1:EDX.APIC on its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "vmm_internal.h"

#define CPUID_MAX_ENTRIES 256

/* Leaf 1 */
#define CPUID_1_ECX_CX16         (1u << 13)
#define CPUID_1_ECX_X2APIC       (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_ECX_HYPERVISOR   (1u << 31)
#define CPUID_1_EDX_APIC         (1u << 9)
#define CPUID_1_EDX_HTT          (1u << 28)
/* Leaf 6: the APIC timer runs in deep C-states (ours always runs) */
#define CPUID_6_EAX_ARAT         (1u << 2)
/* Leaf 0x80000001 (AMD): core multi-processing legacy mode, extended APIC space */
#define CPUID_80000001_ECX_CMP_LEGACY (1u << 1)
#define CPUID_80000001_ECX_EXTAPIC    (1u << 3)

/* KVM's paravirtual features (leaf 0x40000001 EAX) that work only with its in-kernel LAPIC. */
#define KVM_FEATURE_ASYNC_PF         (1u << 4)
#define KVM_FEATURE_PV_EOI           (1u << 6)
#define KVM_FEATURE_PV_UNHALT        (1u << 7)
#define KVM_FEATURE_ASYNC_PF_VMEXIT  (1u << 10)
#define KVM_FEATURE_PV_SEND_IPI      (1u << 11)
#define KVM_FEATURE_PV_SCHED_YIELD   (1u << 13)
#define KVM_FEATURE_ASYNC_PF_INT     (1u << 14)
#define KVM_FEATURE_MSI_EXT_DEST_ID  (1u << 15)
#define KVM_FEATURES_IN_KERNEL_LAPIC                                                      \
	(KVM_FEATURE_ASYNC_PF | KVM_FEATURE_PV_EOI | KVM_FEATURE_PV_UNHALT |                  \
	 KVM_FEATURE_ASYNC_PF_VMEXIT | KVM_FEATURE_PV_SEND_IPI | KVM_FEATURE_PV_SCHED_YIELD | \
	 KVM_FEATURE_ASYNC_PF_INT | KVM_FEATURE_MSI_EXT_DEST_ID)

/* Cache leaves: "logical processors sharing this cache - 1", "cores per package - 1" */
#define CACHE_SHARING_MASK (0xfffu << 14)
#define CACHE_CORES_MASK   (0x3fu << 26)

#define MSR_IA32_APICBASE        0x1b
#define APICBASE_BSP             (1u << 8)
#define APICBASE_ENABLE          (1u << 11)

/* Topology (leaf 0xB and 0x1F): level types */
#define TOPO_SMT  1
#define TOPO_CORE 2

static uint32_t max_leaf(const struct kvm_cpuid_entry2 *e, unsigned n, uint32_t base)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].function == base)
			return e[i].eax;
	return 0;
}

static int has_leaf(const struct kvm_cpuid_entry2 *e, unsigned n, uint32_t function)
{
	for (unsigned i = 0; i < n; i++)
		if (e[i].function == function)
			return 1;
	return 0;
}

/* Drop every subleaf of function, keeping the order of the rest. */
static void remove_leaf(struct kvm_cpuid_entry2 *e, unsigned *n, uint32_t function)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < *n; i++)
		if (e[i].function != function)
			e[kept++] = e[i];
	*n = kept;
}

/* Bits of the APIC ID that number the cores of a package of cpus (0 for one). */
static uint32_t core_bits(unsigned cpus)
{
	uint32_t shift = 0;

	while ((1u << shift) < cpus)
		shift++;
	return shift;
}

/*
 * One thread per core, cpus cores: subleaf 0 the SMT level (one logical
 * processor, shift 0), 1 the core level (cpus of them, shift core_bits),
 * and 2 the invalid level that ends the list; EDX the x2APIC ID (the xAPIC
 * ID here) in each.
 */
static void topology(struct kvm_cpuid_entry2 *e, unsigned *n, uint32_t function,
                     const struct vmm_cpuid_policy *p, unsigned cpus)
{
	const uint32_t level[3][3] = {   /* EAX, EBX, ECX[15:8] */
		{ 0, 1, TOPO_SMT }, { core_bits(cpus), cpus, TOPO_CORE }, { 0, 0, 0 },
	};

	for (uint32_t i = 0; i < 3; i++) {
		e[*n] = (struct kvm_cpuid_entry2){
			.function = function, .index = i, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
			.eax = level[i][0], .ebx = level[i][1], .ecx = level[i][2] << 8 | i,
			.edx = p->apic_id,
		};
		(*n)++;
	}
}

int vmm_cpuid_filter(struct kvm_cpuid_entry2 *e, unsigned *n, unsigned cap,
                     const struct vmm_cpuid_policy *p)
{
	uint32_t basic = max_leaf(e, *n, 0);
	int topo_b = basic >= 0xb && has_leaf(e, *n, 0xb);
	int topo_1f = basic >= 0x1f && has_leaf(e, *n, 0x1f);
	unsigned cpus = p->cpus ? p->cpus : 1;
	uint32_t shift = core_bits(cpus), core = p->apic_id & ((1u << shift) - 1);
	/* addressable IDs in the package: a power of two */
	uint32_t ids = cpus > 1 ? 1u << shift : 1;

	/* room first: each topology leaf becomes three subleaves */
	if (*n > cap || (unsigned)(topo_b + topo_1f) * 3 > cap - *n)
		return -ENOSPC;
	for (unsigned i = 0; i < *n; i++) {
		struct kvm_cpuid_entry2 *x = &e[i];
		switch (x->function) {
		case 1:
			/* EBX: CLFLUSH size kept, the package's logical processors, the initial APIC ID */
			x->ebx = (x->ebx & 0xffff) | ids << 16 | (uint32_t)p->apic_id << 24;
			/*
			 * CMPXCHG16B: KVM's instruction emulator refuses it (16-byte
			 * cmpxchg is X86EMUL_UNHANDLEABLE), and on kvm_pvm it emulates
			 * all of guest ring 0: Linux's SLUB dies at its first one.
			 */
			x->ecx &= ~(CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_CX16);
			x->ecx |= CPUID_1_ECX_HYPERVISOR;
			x->edx &= ~(CPUID_1_EDX_APIC | CPUID_1_EDX_HTT);
			if (p->lapic)
				x->edx |= CPUID_1_EDX_APIC;
			if (cpus > 1)
				x->edx |= CPUID_1_EDX_HTT;   /* EBX[23:16] counts the package's processors */
			break;
		case 4:
			x->eax &= ~(CACHE_SHARING_MASK | CACHE_CORES_MASK);
			x->eax |= (ids - 1) << 26;
			break;
		case 6:
			if (!p->lapic)
				x->eax &= ~CPUID_6_EAX_ARAT;
			break;
		case 0x40000001:
			x->eax &= ~KVM_FEATURES_IN_KERNEL_LAPIC;
			break;
		case 0x80000001:
			x->ecx &= ~(CPUID_80000001_ECX_CMP_LEGACY | CPUID_80000001_ECX_EXTAPIC);
			if (cpus > 1)
				x->ecx |= CPUID_80000001_ECX_CMP_LEGACY;   /* HTT counts cores */
			break;
		case 0x80000008:
			x->ecx = (x->ecx & ~0xffu) | (cpus - 1);   /* cores - 1 */
			if (cpus > 1)
				x->ecx = (x->ecx & ~0xf000u) | shift << 12;   /* APIC ID bits of the core */
			break;
		case 0x8000001d:
			x->eax &= ~CACHE_SHARING_MASK;
			break;
		case 0x8000001e:
			x->eax = p->apic_id;              /* extended APIC ID */
			x->ebx = (x->ebx & ~0xffffu) | core;   /* the core, one thread per core */
			x->ecx &= ~0x7ffu;                /* node 0, one node */
			break;
		}
	}
	if (topo_b) {
		remove_leaf(e, n, 0xb);
		topology(e, n, 0xb, p, cpus);
	}
	if (topo_1f) {
		remove_leaf(e, n, 0x1f);
		topology(e, n, 0x1f, p, cpus);
	}
	return 0;
}

/* One vCPU's CPUID (filtered from KVM's, kept in *supported) and APIC base MSR. */
static int setup_one(struct vmm_vcpu *cpu, const struct kvm_cpuid2 *supported,
                     struct kvm_cpuid2 *cpuid, char *why, size_t size)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_cpuid_policy policy = {
		.apic_id = cpu->lapic.present ? cpu->lapic.id : (uint8_t)cpu->index,
		.lapic = cpu->lapic.present, .cpus = vmm->nvcpus,
	};
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry;
	} msrs = { .head.nmsrs = 1 };

	memcpy(cpuid, supported, sizeof(*cpuid) + supported->nent * sizeof(cpuid->entries[0]));
	if (vmm_cpuid_filter(cpuid->entries, &cpuid->nent, CPUID_MAX_ENTRIES, &policy)) {
		snprintf(why, size, "KVM offers more CPUID entries than the VMM takes");
		return -ENOSPC;
	}
	if (ioctl(cpu->fd, KVM_SET_CPUID2, cpuid) < 0) {
		snprintf(why, size, "KVM_SET_CPUID2: %s", strerror(errno));
		return -errno;
	}
	/*
	 * KVM keeps CPUID.1:EDX.APIC equal to the APIC base MSR's enable bit:
	 * enabled at the model's address with a LAPIC, globally disabled
	 * without one (the PIC then reaches the CPU directly, as on a PC).
	 */
	msrs.entry.index = MSR_IA32_APICBASE;
	msrs.entry.data = VMM_LAPIC_BASE | (cpu->index == 0 ? APICBASE_BSP : 0) |
	                  (cpu->lapic.present ? APICBASE_ENABLE : 0);
	if (ioctl(cpu->fd, KVM_SET_MSRS, &msrs) != 1) {
		snprintf(why, size, "KVM_SET_MSRS: the APIC base was refused");
		return -EINVAL;
	}
	return 0;
}

int vmm_cpuid_setup(struct vmm *vmm, char *why, size_t size)
{
	size_t bytes = sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *supported = calloc(1, bytes), *cpuid = calloc(1, bytes);
	int err = 0;

	if (!supported || !cpuid) {
		snprintf(why, size, "out of memory");
		err = -ENOMEM;
		goto out;
	}
	supported->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vmm->kvm, KVM_GET_SUPPORTED_CPUID, supported) < 0) {
		err = -errno;
		snprintf(why, size, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < vmm->nvcpus && !err; i++)
		err = setup_one(&vmm->vcpus[i], supported, cpuid, why, size);
out:
	free(cpuid);
	free(supported);
	return err;
}
