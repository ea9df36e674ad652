/*
 * Benchmark 12: from starting a VMM process to the guest's first serial
 * line, for the project's test kernel through its PVH entry (the same
 * file QEMU's microvm boots).
 *   bench_vm_start arbor -n N   `arbor vm --kernel mbtest_pvh`
 *   bench_vm_start qemu -n N    `qemu-system-x86_64 -M microvm,rtc=on -enable-kvm ...`
 * Prints "result <ms> ms": the median of N starts. The build directory is
 * found from this program's own path (BUILD/bench/bench_vm_start).
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

#define FIRST_LINE "mbtest: "

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One start: ms until the first line that begins with FIRST_LINE, or < 0. */
static double one_start(char *const argv[])
{
	int pipefd[2];
	char buf[4096];
	size_t len = 0;
	double ms = -1;
	uint64_t t0 = bench_now_ns();
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { pipefd[0], POLLIN, 0 };
		if (poll(&pfd, 1, 30000) <= 0)
			break;
		ssize_t n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, FIRST_LINE)) {
			ms = (bench_now_ns() - t0) / 1e6;
			break;
		}
		if (len == sizeof(buf) - 1)
			len = 0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pipefd[0]);
	return ms;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = bench_iterations(argc, argv, 20);
	char build[4096], kernel[4200], arbor[4200];
	ssize_t blen = readlink("/proc/self/exe", build, sizeof(build) - 1);
	double *ms = calloc((size_t)n, sizeof(*ms));

	if (blen <= 0 || !ms)
		bench_die("setup", -1);
	build[blen] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
	snprintf(kernel, sizeof kernel, "%s/test/vmm/mbtest_pvh", build);
	snprintf(arbor, sizeof arbor, "%s/tool/arbor/arbor", build);
	char *arbor_argv[] = { arbor, "vm", "--kernel", kernel, "--mem", "64M", NULL };
	char *qemu_argv[] = { "qemu-system-x86_64", "-M", "microvm,rtc=on", "-enable-kvm", "-m", "64",
	                      "-kernel", kernel, "-serial", "stdio", "-display", "none",
	                      "-no-reboot", "-nodefaults", NULL };
	for (long i = 0; i < n; i++) {
		ms[i] = one_start(!strcmp(mode, "qemu") ? qemu_argv : arbor_argv);
		if (ms[i] < 0)
			bench_die(!strcmp(mode, "qemu") ? "qemu printed no line" : "arbor vm printed no line", -1);
	}
	qsort(ms, (size_t)n, sizeof(*ms), cmp);
	bench_report("result", ms[n / 2], "ms");
	return 0;
}
