/*
 * Benchmark 11, Arbor side: a port-I/O exit handled by one of lib/vmm's
 * device models (the UART's scratch register) and back into the guest.
 * The guest makes -n writes; the figure is the run's time divided by n.
 * Prints "result <us> us". Exits 1 without /dev/kvm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <vmm/vmm.h>
#include "bench.h"
#include "vm_pio_guest.h"

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 100000);
	char why[256];
	uint8_t image[64];
	struct vmm_config cfg = { .mem = 4u << 20, .kvm_fd = -1, .input_fd = -1 };
	struct vmm *vmm;
	size_t size = pio_guest(image, (uint32_t)n);

	cfg.kernel = (struct vmm_image){ "pio guest", image, size };
	if (vmm_new(&cfg, &vmm, why, sizeof(why))) {
		fprintf(stderr, "bench_vm_pio: %s\n", why);
		return 1;
	}
	uint64_t t0 = bench_now_ns();
	enum vmm_end end = vmm_run(vmm);
	uint64_t t1 = bench_now_ns();
	if (end != VMM_END_RESET) {
		fprintf(stderr, "bench_vm_pio: %s\n", vmm_error(vmm));
		return 1;
	}
	vmm_free(vmm);
	bench_report("result", (t1 - t0) / 1e3 / (double)n, "us");
	return 0;
}
