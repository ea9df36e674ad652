/*
 * Baseline of init's start figure: N plain fork+exec of a small static
 * program (base_up, beside this one), timed until every one of them has
 * run (written a byte to an inherited pipe).
 *   base_forkexec -n N
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 200);
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	int pipefd[2];
	char c, up[4096];
	ssize_t len = readlink("/proc/self/exe", up, sizeof(up) - 16);

	if (len <= 0)
		bench_die("readlink", -1);
	up[len] = '\0';
	strcpy(strrchr(up, '/') + 1, "base_up");
	if (!pids || pipe(pipefd))
		bench_die("setup", -1);
	uint64_t t0 = bench_now_ns();
	for (long i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* what a component's first instruction is worth: exec, then say so */
			dup2(pipefd[1], 3);
			execl(up, "base_up", (char *)NULL);
			_exit(127);
		}
	}
	for (long i = 0; i < n; i++)
		if (read(pipefd[0], &c, 1) != 1)
			bench_die("read", -1);
	bench_report("result", (bench_now_ns() - t0) / 1e6, "ms");
	for (long i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	return 0;
}
