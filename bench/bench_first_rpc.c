/*
 * The child of benchmarks 6 and 7. Its very first action is one RPC to its
 * parent, a session request the parent notes and denies: the moment the
 * parent sees it is when this component is up. Then it idles on its
 * entrypoint, or with the argument "exit" ends right away. The request
 * carries two timestamps (CLOCK_MONOTONIC, which the sandbox shares with
 * the host) for the parent's breakdown: when its own first code ran (a
 * constructor: after libc's start-up, before lib/base's main) and when the
 * RPC was sent.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include "bench_root.h"

static uint64_t ctor_ns;

static __attribute__((constructor)) void note_first_code(void)
{
	ctor_ns = bench_root_now_ns();
}

void component_construct(struct arbor_env *env)
{
	struct arbor_cap *cap = NULL;
	char args[128];
	int err;

	if (!env->parent)
		_exit(2);
	/* the donation covers what a parent keeps of it; the request is denied */
	snprintf(args, sizeof args, "label=\"\", ram_quota=1024, " BENCH_ARG_CTOR "=%llu, " BENCH_ARG_SEND "=%llu",
	         (unsigned long long)ctor_ns, (unsigned long long)bench_root_now_ns());
	err = arbor_parent_session(env->parent, arbor_session_id_alloc(), BENCH_SERVICE, args, &cap);
	if (err != ARBOR_E_DENIED) {
		/* the parent hands out no such session: anything else is a bug */
		arbor_error("first RPC: expected \"%s\", got \"%s\"", arbor_strerror(ARBOR_E_DENIED),
		            arbor_strerror(err));
		arbor_exit(env, 1);
	}
	if (env->argc > 1 && strcmp(env->argv[1], BENCH_CHILD_EXIT) == 0)
		arbor_exit(env, 0);
}
