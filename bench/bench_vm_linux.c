/*
 * Benchmark 13: a Linux guest from starting its VMM to /init: Debian's
 * kernel and the busybox initramfs of scripts/debian-guest.sh (run.py
 * builds them into BUILD/test/vmm/debian-guest) until /init prints its
 * ARBOR-GUEST-READY line, both VMMs with the same files, RAM and command line.
 *   bench_vm_linux arbor -n N   `arbor vm --kernel vmlinuz --initrd initramfs.cpio.gz ...`
 *   bench_vm_linux qemu -n N    `qemu-system-x86_64 -M microvm -enable-kvm ...`
 *   bench_vm_linux control      one QEMU boot, bounded, without "quiet": exit 0 when it
 *                               reaches /init, else 77 with the reason (its last line)
 * Prints "result <ms> ms": the median of N boots. The build directory is
 * found from this program's own path (BUILD/bench/bench_vm_linux).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench.h"
#include "bench_vm.h"

#define MARKER "ARBOR-GUEST-READY "
#define CMDLINE "console=ttyS0 quiet panic=-1"
#define CONTROL_CMDLINE "console=ttyS0 panic=-1"   /* not quiet: its last line is the reason */
#define BOOT_TIMEOUT_MS 60000
#define CONTROL_TIMEOUT_MS 20000   /* as test/vmm/test_vm_debian.sh's control */
#define SKIP 77                    /* run.py: skipped, the reason on stdout */

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One boot: ms until the marker, or a negative errno (then vm says what it printed last). */
static double one_boot(char *const argv[], struct bench_vm *vm, int timeout_ms)
{
	uint64_t t0 = bench_now_ns();
	int err = bench_vm_spawn(vm, argv);
	double ms;

	if (err)
		return err;
	err = bench_vm_wait_for(vm, MARKER, timeout_ms);
	ms = (bench_now_ns() - t0) / 1e6;
	bench_vm_stop(vm);
	return err ? err : ms;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = bench_iterations(argc, argv, 5);
	char build[4096], kernel[4200], initrd[4200], arbor[4200];
	ssize_t blen = readlink("/proc/self/exe", build, sizeof(build) - 1);
	double *ms = calloc((size_t)n, sizeof(*ms));
	struct bench_vm vm;

	if (blen <= 0 || !ms)
		bench_die("setup", -1);
	build[blen] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
	snprintf(kernel, sizeof kernel, "%s/test/vmm/debian-guest/vmlinuz", build);
	snprintf(initrd, sizeof initrd, "%s/test/vmm/debian-guest/initramfs.cpio.gz", build);
	snprintf(arbor, sizeof arbor, "%s/tool/arbor/arbor", build);
	if (access(kernel, R_OK) || access(initrd, R_OK)) {
		printf("the Debian guest is not built (scripts/debian-guest.sh %s/test/vmm/debian-guest)\n",
		       build);
		return SKIP;
	}
	char *arbor_argv[] = { arbor, "vm", "--kernel", kernel, "--initrd", initrd, "--mem", "256M",
	                       "--append", CMDLINE, NULL };
	char *qemu_argv[] = { "qemu-system-x86_64", "-M", "microvm", "-enable-kvm", "-m", "256",
	                      "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
	                      "-serial", "stdio", "-kernel", kernel, "-initrd", initrd,
	                      "-append", CMDLINE, NULL };
	if (!strcmp(mode, "control")) {
		qemu_argv[sizeof(qemu_argv) / sizeof(qemu_argv[0]) - 2] = CONTROL_CMDLINE;
		if (one_boot(qemu_argv, &vm, CONTROL_TIMEOUT_MS) >= 0)
			return 0;
		printf("QEMU control did not reach /init: %s\n",
		       *bench_vm_last_line(&vm) ? bench_vm_last_line(&vm) : "no output");
		return SKIP;
	}
	for (long i = 0; i < n; i++) {
		ms[i] = one_boot(!strcmp(mode, "qemu") ? qemu_argv : arbor_argv, &vm, BOOT_TIMEOUT_MS);
		if (ms[i] < 0) {
			fprintf(stderr, "bench: %s did not reach /init: %s\n",
			        !strcmp(mode, "qemu") ? "qemu" : "arbor vm", bench_vm_last_line(&vm));
			return 1;
		}
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	bench_report("result", ms[n / 2], "ms");
	return 0;
}
