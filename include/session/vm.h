/*
 * VM session: the right to run one virtual machine on the host's KVM. Core
 * opens /dev/kvm for each session and hands the client that handle; the
 * client (a VMM component, sandboxed like every other) creates its VM with
 * it, because KVM binds a VM to the address space that created it. Core
 * lets each session create exactly one VM: the sandbox's system-call
 * filter sends KVM_CREATE_VM to core, which allows it once per session
 * handle and fails every other with EPERM (see doc/sessions/vm.md).
 *
 * Guest memory is the client's own (a RAM dataspace from its quota), and
 * what KVM allocates in the kernel for the VM is charged to the client's
 * memory cgroup.
 */
#ifndef ARBOR_SESSION_VM_H
#define ARBOR_SESSION_VM_H

#define ARBOR_VM_SERVICE "VM"

/* What a session costs core (its state), and what a client donates (plus a parent's share). */
#define ARBOR_VM_SESSION_COST (4u * 1024)
#define ARBOR_VM_SESSION_RAM  (ARBOR_VM_SESSION_COST + 4u * 1024)
#define ARBOR_VM_SESSION_CAPS 1u

enum arbor_vm_op {
	/*
	 * kvm() -> cap (ARBOR_CAP_DEVICE): the session's /dev/kvm handle, the
	 * same one on every call. KVM_CREATE_VM on it succeeds once; system
	 * ioctls (KVM_GET_API_VERSION, KVM_GET_VCPU_MMAP_SIZE,
	 * KVM_GET_SUPPORTED_CPUID, ...) work as on /dev/kvm. Closing the session
	 * does not take a created VM away: it lives as long as the client's
	 * process holds it. Errors: ARBOR_E_OUT_OF_CAPS (core is out of fds).
	 */
	ARBOR_VM_KVM = 0,
	ARBOR_VM_NOPS
};

#endif
