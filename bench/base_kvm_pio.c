/*
 * Benchmark 11, baseline: the same guest as bench_vm_pio on a bare KVM
 * loop that handles each port exit inline (no device model, no bus), set
 * up by hand in 32-bit protected mode. Prints "result <us> us".
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "bench.h"
#include "vm_pio_guest.h"

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 100000);
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu;
	size_t mem_size = 4u << 20;
	uint8_t *mem, image[64];
	struct kvm_run *run;
	struct kvm_sregs s;
	struct kvm_regs regs = { 0 };

	if (kvm < 0)
		bench_die("/dev/kvm", -1);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region r = { .slot = 0, .memory_size = mem_size,
	                                         .userspace_addr = (uint64_t)(uintptr_t)mem };
	if (vm < 0 || mem == MAP_FAILED || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		bench_die("VM", -1);
	pio_guest(image, (uint32_t)n);
	memcpy(mem + PIO_GUEST_LOAD, image, sizeof(image));
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
	           MAP_SHARED, vcpu, 0);
	if (vcpu < 0 || run == MAP_FAILED)
		bench_die("vCPU", -1);
	ioctl(vcpu, KVM_GET_SREGS, &s);
	struct kvm_segment seg = { .limit = 0xffffffff, .selector = 0x10, .present = 1, .type = 3,
	                           .db = 1, .s = 1, .g = 1 };
	s.ds = s.es = s.fs = s.gs = s.ss = seg;
	seg.type = 11;
	seg.selector = 0x08;
	s.cs = seg;
	s.cr0 |= 1;
	ioctl(vcpu, KVM_SET_SREGS, &s);
	regs.rip = PIO_GUEST_ENTRY;
	regs.rflags = 2;
	ioctl(vcpu, KVM_SET_REGS, &regs);

	uint64_t t0 = bench_now_ns();
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			bench_die("KVM_RUN", -1);
		if (run->exit_reason != KVM_EXIT_IO)
			bench_die("unexpected exit", -1);
		if (run->io.port == 0x64)
			break;                  /* the reset: done */
	}
	uint64_t t1 = bench_now_ns();
	bench_report("result", (t1 - t0) / 1e3 / (double)n, "us");
	return 0;
}
