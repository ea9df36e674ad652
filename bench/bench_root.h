/*
 * What the components of benchmarks 6 and 7 share: the child they start
 * (bench_first_rpc), its quota, the service its one RPC asks for, the tags
 * of the result lines the roots log (the host programs bench_start and
 * bench_idle look for them in core's output), and small helpers.
 */
#ifndef BENCH_ROOT_H
#define BENCH_ROOT_H

#include <stdint.h>
#include <arbor/child.h>
#include <arbor/env.h>

#define BENCH_CHILD_BINARY "bench_first_rpc"
#define BENCH_CHILD_RAM    (256u * 1024)   /* RAM quota of each child */
#define BENCH_CHILD_CAPS   8u              /* cap quota of each child */

/* The child's first RPC: a session request for this service, which the root denies. */
#define BENCH_SERVICE      "Bench"

/* Session arguments of that RPC: when the child's first code ran, when it sent the RPC. */
#define BENCH_ARG_CTOR     "ctor_ns"
#define BENCH_ARG_SEND     "send_ns"

/* Argument that makes the child exit after its RPC instead of idling. */
#define BENCH_CHILD_EXIT   "exit"

/* Prefixes of the lines the roots log for the host programs. */
#define BENCH_START_TAG    "bench-start:"
#define BENCH_IDLE_TAG     "bench-idle:"

uint64_t bench_root_now_ns(void);

/* The count from "-n N" among the component's arguments, or dflt (0 on a bad value). */
long bench_root_count(const struct arbor_env *env, long dflt);

/*
 * Serve the entrypoint (child RPCs, exit signals) until *flag is non-zero
 * or deadline_ns (bench_root_now_ns() time) passed. Returns 0, -ETIMEDOUT
 * or the error of arbor_ep_dispatch().
 */
int bench_root_serve_until(struct arbor_env *env, const volatile int *flag, uint64_t deadline_ns);

/* Sort n samples ascending (for medians and percentiles). */
void bench_root_sort(uint64_t *v, unsigned n);

#endif
