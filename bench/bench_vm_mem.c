/*
 * Benchmark 14: what a VMM process costs in memory beside its guest's RAM.
 * The guest is the project's test kernel in echo mode (test/vmm/guest/echo.c)
 * with 256 MiB of RAM: it boots, runs its checks, then halts waiting for
 * serial input. Then /proc/PID/smaps is read: every mapping but the guest's
 * RAM (the one of exactly that size) is summed; then the guest is told
 * "quit" and must end with status 0.
 *   bench_vm_mem arbor -n N   `arbor vm --kernel mbtest --mem 256M --append echo`
 *   bench_vm_mem qemu -n N    `qemu-system-x86_64 -M microvm,rtc=on -enable-kvm -m 256
 *                             -kernel mbtest_pvh -append echo` (for comparison)
 * Prints "result <KiB> KiB" (Rss, as Firecracker measures its overhead)
 * and "pss <KiB> KiB", each the median of N runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bench_vm.h"

#define GUEST_MIB 256
#define READY "mbtest: echo: ready"
#define TIMEOUT_MS 30000

static int cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* Rss and Pss of pid's mappings but the guest's RAM, in KiB. 0 or a negative errno. */
static int overhead(pid_t pid, long *rss, long *pss)
{
	char path[64], line[512];
	long size = 0, ram_mappings = 0;
	int in_ram = 0;
	FILE *f;

	*rss = *pss = 0;
	snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f)) {
		long kib;
		if (sscanf(line, "Size: %ld kB", &size) == 1) {
			in_ram = size == GUEST_MIB * 1024L;
			ram_mappings += in_ram;
		} else if (!in_ram && sscanf(line, "Rss: %ld kB", &kib) == 1) {
			*rss += kib;
		} else if (!in_ram && sscanf(line, "Pss: %ld kB", &kib) == 1) {
			*pss += kib;
		}
	}
	fclose(f);
	return ram_mappings == 1 ? 0 : -ENOENT;   /* the guest's RAM not told apart */
}

/* One run: the VMM until its guest waits for input, measured, then told to quit. */
static void one_run(char *const argv[], const char *who, long *rss, long *pss)
{
	struct bench_vm vm;
	int err = bench_vm_spawn(&vm, argv), status;

	if (err)
		bench_die(who, err);
	if (bench_vm_wait_for(&vm, READY, TIMEOUT_MS)) {
		fprintf(stderr, "bench: %s: the guest never waited for input: %s\n", who,
		        bench_vm_last_line(&vm));
		bench_vm_stop(&vm);
		exit(1);
	}
	err = overhead(vm.pid, rss, pss);
	if (err) {
		bench_vm_stop(&vm);
		bench_die(err == -ENOENT ? "no single mapping of the guest's RAM size" : "smaps", err);
	}
	bench_vm_type(&vm, "quit\n");
	status = bench_vm_wait_exit(&vm, TIMEOUT_MS);
	bench_vm_stop(&vm);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s did not end with status 0 after quit (%d): %s\n", who, status,
		        bench_vm_last_line(&vm));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int qemu = !strcmp(mode, "qemu");
	long n = bench_iterations(argc, argv, 3);
	char build[4096], kernel[4200], arbor[4200];
	ssize_t blen = readlink("/proc/self/exe", build, sizeof(build) - 1);
	long *rss = calloc((size_t)n, sizeof(*rss)), *pss = calloc((size_t)n, sizeof(*pss));

	if (blen <= 0 || !rss || !pss)
		bench_die("setup", -1);
	build[blen] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
	snprintf(kernel, sizeof kernel, "%s/test/vmm/%s", build, qemu ? "mbtest_pvh" : "mbtest");
	snprintf(arbor, sizeof arbor, "%s/tool/arbor/arbor", build);
	char *arbor_argv[] = { arbor, "vm", "--kernel", kernel, "--mem", "256M", "--append", "echo",
	                       NULL };
	char *qemu_argv[] = { "qemu-system-x86_64", "-M", "microvm,rtc=on", "-enable-kvm", "-m", "256",
	                      "-kernel", kernel, "-append", "echo", "-serial", "stdio",
	                      "-display", "none", "-no-reboot", "-nodefaults", NULL };
	for (long i = 0; i < n; i++)
		one_run(qemu ? qemu_argv : arbor_argv, qemu ? "qemu" : "arbor vm", &rss[i], &pss[i]);
	qsort(rss, (size_t)n, sizeof(*rss), cmp);
	qsort(pss, (size_t)n, sizeof(*pss), cmp);
	bench_report("result", (double)rss[n / 2], "KiB");
	bench_report("pss", (double)pss[n / 2], "KiB");
	return 0;
}
