/*
 * Baseline for benchmark 6: the time to start `bwrap --unshare-all
 * --ro-bind / / /bin/true` and see it exit; the median of -n starts is the
 * result (as bench_start reports its median), the mean comes along. It is
 * the cheapest full-namespace sandbox a Linux host offers, so an Arbor
 * component (sandbox plus its first RPC) should take at most half of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <spawn.h>
#include <sys/wait.h>
#include "bench.h"

extern char **environ;

static void start_one(void)
{
	char *argv[] = { "bwrap", "--unshare-all", "--ro-bind", "/", "/", "/bin/true", NULL };
	pid_t pid;
	int status;

	int err = posix_spawnp(&pid, "bwrap", NULL, NULL, argv, environ);
	if (err)
		bench_die("posix_spawnp bwrap", -err);
	if (waitpid(pid, &status, 0) < 0)
		bench_die("waitpid", -errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		bench_die("bwrap failed (user namespaces unavailable?)", -EPERM);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 20);
	uint64_t *t = calloc((size_t)n, sizeof *t), sum = 0;

	if (!t)
		bench_die("calloc", -ENOMEM);
	start_one();   /* warm the page cache */
	for (long i = 0; i < n; i++) {
		uint64_t start = bench_now_ns();
		start_one();
		t[i] = bench_now_ns() - start;
		sum += t[i];
	}
	qsort(t, (size_t)n, sizeof *t, cmp_u64);

	bench_report("result", (double)(t[(n - 1) / 2] + t[n / 2]) / 2e6, "ms");
	bench_report("mean", (double)sum / (double)n / 1e6, "ms");
	free(t);
	return 0;
}
