/*
 * Benchmark 7 (hook): 500 idle components, what each costs in memory and
 * how long until all are up.
 *
 *   bench_idle [-n N] BUILD
 *
 * Runs BUILD/core/arbor-core with the root component bench_idle_root
 * (ROM directory BUILD/bench), which starts N bench_first_rpc children
 * that make one RPC each and idle, and logs when the last first RPC
 * arrived. While all are up, MemAvailable is read; then core gets SIGINT
 * and must tear everything down and exit. As in base_idle, the drop per
 * component is taken against the mean of the readings before and after the
 * run (which cancels others' steady drift), so it includes core's and the
 * root's share. Prints "mem_per_component <KiB> KiB", "startup <s> s" (the
 * root's figure: first start request to last first RPC) and
 * "startup_with_core <s> s" (from running core until the root's line).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bench_core.h"
#include "bench_root.h"

#define SETTLE_US (200 * 1000)   /* let the kernel's counters settle, as base_idle does */

static __attribute__((noreturn)) void fail(struct bench_core *c, const char *what, int err)
{
	bench_core_kill(c);
	bench_core_dump(c);
	bench_die(what, err);
}

int main(int argc, char **argv)
{
	static const char *const components[] = { "bench_idle_root", BENCH_CHILD_BINARY, NULL };
	static struct bench_core core;
	long n = bench_iterations(argc, argv, 500);
	const char *build = bench_core_build_dir(argc, argv);
	char count[32], line[512];
	long up, direct, groups, before, during, after;
	double root_ms;
	int status, err;

	bench_core_require(build, components);
	snprintf(count, sizeof count, "%ld", n);
	char *root_argv[] = { "bench_idle_root", "-n", count, NULL };

	before = bench_mem_available_kib();
	if (before < 0)
		bench_die("MemAvailable", (int)before);
	uint64_t start = bench_now_ns();
	err = bench_core_start(&core, build, "1G", "100000", root_argv);
	if (err)
		bench_die("cannot run arbor-core", err);
	err = bench_core_wait_tag(&core, BENCH_IDLE_TAG, line, sizeof line, 120000);
	if (err)
		fail(&core, err == -EPIPE ? "arbor-core ended before all children were up" :
		     "no result from bench_idle_root", err);
	uint64_t with_core = bench_now_ns() - start;
	if (sscanf(line, " up %ld ms %lf direct %ld groups %ld", &up, &root_ms, &direct, &groups) != 4 || up != n)
		fail(&core, "cannot parse bench_idle_root's result", -EBADMSG);

	usleep(SETTLE_US);
	during = bench_mem_available_kib();
	if (during < 0)
		fail(&core, "MemAvailable", (int)during);
	/* the children must still be there: a crash shows up in core's output */
	if (bench_core_wait_tag(&core, "Error", line, sizeof line, 0) == 0)
		fail(&core, "a component reported an error", -EIO);

	status = bench_core_finish(&core, SIGINT, 30000);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail(&core, "arbor-core did not tear down and exit cleanly after SIGINT",
		     status < 0 ? status : -EIO);
	usleep(SETTLE_US);
	after = bench_mem_available_kib();
	if (after < 0)
		bench_die("MemAvailable", (int)after);

	double drop = (double)(before + after) / 2.0 - (double)during;
	bench_report("mem_per_component", drop / (double)n, "KiB");
	bench_report("startup", root_ms / 1e3, "s");
	bench_report("startup_with_core", (double)with_core / 1e9, "s");
	bench_report("direct", (double)direct, "components");
	bench_report("groups", (double)groups, "components");
	return 0;
}
