/*
 * Benchmark 6 (hook): how long a sandboxed component takes from "start
 * requested" to its first RPC arriving at its parent.
 *
 *   bench_start [-n N] BUILD
 *
 * Runs BUILD/core/arbor-core with the root component bench_start_root
 * (ROM directory BUILD/bench), which starts bench_first_rpc N times one
 * after another and times each start in the parent itself: from just
 * before arbor_child_start until the child's first RPC is dispatched there
 * (see bench_start_root.c). Prints the median as "result <ms> ms", plus
 * mean, min, p90, max and the medians of the breakdown (start_call,
 * first_code, rpc_sent: see bench_start_root.c). Fails
 * (exit 1) when core or the components are missing or anything goes wrong.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include "bench.h"
#include "bench_core.h"
#include "bench_root.h"

static __attribute__((noreturn)) void fail(struct bench_core *c, const char *what, int err)
{
	bench_core_kill(c);
	bench_core_dump(c);
	bench_die(what, err);
}

int main(int argc, char **argv)
{
	static const char *const components[] = { "bench_start_root", BENCH_CHILD_BINARY, NULL };
	static struct bench_core core;
	long n = bench_iterations(argc, argv, 20);
	const char *build = bench_core_build_dir(argc, argv);
	char count[32], line[512];
	long starts;
	double median, mean, min, p90, max, call, first_code, rpc_sent;
	int status, err;

	bench_core_require(build, components);
	snprintf(count, sizeof count, "%ld", n);
	char *root_argv[] = { "bench_start_root", "-n", count, NULL };
	err = bench_core_start(&core, build, "64M", "1000", root_argv);
	if (err)
		bench_die("cannot run arbor-core", err);
	/* a start takes milliseconds; a generous bound catches a hang */
	err = bench_core_wait_tag(&core, BENCH_START_TAG, line, sizeof line, 60000 + (int)n * 200);
	if (err)
		fail(&core, err == -EPIPE ? "arbor-core ended without a result" :
		     "no result from bench_start_root", err);
	if (sscanf(line, " starts %ld median_us %lf mean_us %lf min_us %lf p90_us %lf max_us %lf "
	           "start_call_us %lf first_code_us %lf rpc_sent_us %lf", &starts, &median, &mean,
	           &min, &p90, &max, &call, &first_code, &rpc_sent) != 9 ||
	    starts != n)
		fail(&core, "cannot parse bench_start_root's result", -EBADMSG);
	status = bench_core_finish(&core, 0, 10000);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail(&core, "arbor-core did not exit cleanly", status < 0 ? status : -EIO);

	bench_report("result", median / 1e3, "ms");
	bench_report("mean", mean / 1e3, "ms");
	bench_report("min", min / 1e3, "ms");
	bench_report("p90", p90 / 1e3, "ms");
	bench_report("max", max / 1e3, "ms");
	bench_report("start_call", call / 1e3, "ms");
	bench_report("first_code", first_code / 1e3, "ms");
	bench_report("rpc_sent", rpc_sent / 1e3, "ms");
	return 0;
}
