/*
 * Root of benchmark 6: starts bench_first_rpc -n times, one after another,
 * and logs how long it took from "start requested" (just before
 * arbor_child_start) until the child's first RPC arrived here:
 *
 *   bench-start: starts N median_us M mean_us A min_us L p90_us P max_us H
 *                start_call_us S first_code_us F rpc_sent_us R
 *
 * and the breakdown, each a median from the same "start requested":
 * start_call_us until arbor_child_start returned (the child's sessions at
 * core, its quota, core's part of the sandboxed spawn), first_code_us until
 * the child's own first code ran (a constructor, right after the static
 * libc's start-up), rpc_sent_us until it sent its RPC (after lib/base's
 * set-up). The child's timestamps come in its RPC's arguments.
 * Each child exits after its RPC; the next is started once core reported
 * that, so no teardown overlaps a measurement. The first WARMUP starts are
 * not counted (page cache, core's ROM module, cgroup directories).
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "bench_root.h"

#define WARMUP       3
#define TIMEOUT_NS   (10ull * 1000000000u)   /* per start: to its RPC, to its end */
#define DEFAULT_RUNS 200

struct run {
	uint64_t start_ns;      /* before arbor_child_start */
	uint64_t started_ns;    /* arbor_child_start returned */
	uint64_t rpc_ns;        /* the child's first RPC arrived */
	uint64_t ctor_ns;       /* the child's first code ran (its clock) */
	uint64_t send_ns;       /* the child sent the RPC (its clock) */
	int rpc, ended, code;
};

static struct run run;

static int child_session(struct arbor_child *child, const char *service, const char *args,
                         struct arbor_cap **cap)
{
	if (!run.rpc) {
		run.rpc_ns = bench_root_now_ns();
		run.rpc = 1;
		arbor_args_get_u64(args, BENCH_ARG_CTOR, &run.ctor_ns);
		arbor_args_get_u64(args, BENCH_ARG_SEND, &run.send_ns);
	}
	return strcmp(service, BENCH_SERVICE) ? ARBOR_E_NOT_FOUND : ARBOR_E_DENIED;
}

static void child_exited(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	run.code = st->state == ARBOR_PD_EXITED ? st->code : 128 + st->signal;
	run.ended = 1;
}

static const struct arbor_child_policy policy = {
	.session = child_session,
	.exited = child_exited,
};

static __attribute__((noreturn)) void fail(struct arbor_env *env, const char *what, int err)
{
	arbor_error("bench_start_root: %s: %s", what, arbor_strerror(err));
	arbor_exit(env, 1);
}

static void start_one(struct arbor_env *env)
{
	static const char *const argv[] = { "first_rpc", BENCH_CHILD_EXIT, NULL };
	struct arbor_child_config cfg = {
		.name = "first_rpc", .binary = BENCH_CHILD_BINARY,
		.ram = BENCH_CHILD_RAM, .caps = BENCH_CHILD_CAPS,
		.argv = argv, .policy = &policy,
	};
	struct arbor_child *child;
	int err;

	memset(&run, 0, sizeof run);
	run.start_ns = bench_root_now_ns();
	err = arbor_child_start(env, &cfg, &child);
	run.started_ns = bench_root_now_ns();
	if (err)
		fail(env, "cannot start " BENCH_CHILD_BINARY, err);
	err = bench_root_serve_until(env, &run.rpc, run.start_ns + TIMEOUT_NS);
	if (err)
		fail(env, "waiting for the child's first RPC", err);
	err = bench_root_serve_until(env, &run.ended, bench_root_now_ns() + TIMEOUT_NS);
	if (err)
		fail(env, "waiting for the child's end", err);
	arbor_child_destroy(child);
	if (run.code)
		fail(env, "the child failed", -EIO);
}

/* Sorts v. */
static double median_us(uint64_t *v, long n)
{
	bench_root_sort(v, (unsigned)n);
	return (double)(v[(n - 1) / 2] + v[n / 2]) / 2e3;
}

void component_construct(struct arbor_env *env)
{
	long n = bench_root_count(env, DEFAULT_RUNS);
	uint64_t *rpc, *call, *ctor, *send, sum = 0;

	if (n <= 0)
		fail(env, "-n wants a positive number", ARBOR_E_INVALID);
	rpc = calloc((size_t)n, sizeof *rpc);
	call = calloc((size_t)n, sizeof *call);
	ctor = calloc((size_t)n, sizeof *ctor);
	send = calloc((size_t)n, sizeof *send);
	if (!rpc || !call || !ctor || !send)
		fail(env, "calloc", -ENOMEM);

	for (long i = -WARMUP; i < n; i++) {
		start_one(env);
		if (i < 0)
			continue;
		rpc[i] = run.rpc_ns - run.start_ns;
		call[i] = run.started_ns - run.start_ns;
		ctor[i] = run.ctor_ns - run.start_ns;
		send[i] = run.send_ns - run.start_ns;
		sum += rpc[i];
	}
	/* sorted first: the order in which arguments are evaluated is unspecified */
	double med_rpc = median_us(rpc, n), med_call = median_us(call, n);
	double med_ctor = median_us(ctor, n), med_send = median_us(send, n);
	arbor_log(BENCH_START_TAG " starts %ld median_us %.1f mean_us %.1f min_us %.1f p90_us %.1f "
	          "max_us %.1f start_call_us %.1f first_code_us %.1f rpc_sent_us %.1f", n,
	          med_rpc, sum / 1e3 / (double)n, rpc[0] / 1e3, rpc[n * 9 / 10] / 1e3,
	          rpc[n - 1] / 1e3, med_call, med_ctor, med_send);
	free(rpc);
	free(call);
	free(ctor);
	free(send);
	arbor_exit(env, 0);
}
