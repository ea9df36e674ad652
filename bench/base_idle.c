/*
 * Baseline for benchmark 7: fork -n (500) processes that each report in and
 * pause(); print how much MemAvailable (/proc/meminfo) dropped per process
 * (against the mean of before and after the run) and how long until all of
 * them were up. A plain fork shares everything copy-on-write, so it is the
 * floor for what an idle component costs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

static void child_main(int ready_fd)
{
	/* do not outlive a parent that crashed mid-run */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write(ready_fd, "x", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 500);
	pid_t *pids = calloc((size_t)n, sizeof *pids);
	int ready[2];

	if (!pids)
		bench_die("calloc", -ENOMEM);
	if (pipe2(ready, O_CLOEXEC) < 0)
		bench_die("pipe", -errno);
	long before = bench_mem_available_kib();
	if (before < 0)
		bench_die("MemAvailable", (int)before);

	uint64_t start = bench_now_ns();
	long started = 0;
	for (; started < n; started++) {
		pids[started] = fork();
		if (pids[started] < 0)
			break;
		if (pids[started] == 0)
			child_main(ready[1]);
	}
	int fork_err = started < n ? -errno : 0;
	long up = 0;
	char buf[64];
	while (up < started) {
		ssize_t got = read(ready[0], buf, sizeof buf < (size_t)(started - up) ?
		                   sizeof buf : (size_t)(started - up));
		if (got <= 0)
			break;
		up += got;
	}
	uint64_t elapsed = bench_now_ns() - start;

	usleep(200 * 1000);   /* let the kernel's counters settle */
	long during = bench_mem_available_kib();

	for (long i = 0; i < started; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < started; i++)
		waitpid(pids[i], NULL, 0);
	if (fork_err)
		bench_die("fork", fork_err);
	if (up < n || during < 0)
		bench_die("children did not report in", -EIO);
	usleep(200 * 1000);
	long after = bench_mem_available_kib();
	if (after < 0)
		bench_die("MemAvailable", (int)after);

	/* the mean of before and after cancels a steady drift caused by others */
	double drop = (double)(before + after) / 2.0 - (double)during;
	bench_report("mem_per_component", drop / (double)n, "KiB");
	bench_report("startup", (double)elapsed / 1e9, "s");
	free(pids);
	return 0;
}
