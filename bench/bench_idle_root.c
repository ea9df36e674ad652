/*
 * Root of benchmark 7: starts -n (500) bench_first_rpc children that stay
 * idle, and once every one of them made its first RPC logs
 *
 *   bench-idle: up N ms M direct D groups G
 *
 * with M the time from the first start request until the last child was
 * up. Then it idles with them until core is stopped (SIGINT). RPCs that
 * arrived are served between two starts, so a child counts as up as soon as
 * the entrypoint can see it. A child that ends is an error.
 *
 * Two limits keep one parent from holding 500 children today:
 *  - a parent holds FDS_PER_CHILD descriptors per child (four environment
 *    sessions, two pooled connections, its door pair, the exit signal, the
 *    child's connection) and core caps a component's RLIMIT_NOFILE at 4096:
 *    about 370 children;
 *  - lib/base's arbor_child tracks at most FORWARD_MAX (64) sessions a child
 *    opened (a denied one included), so a child that is itself a parent
 *    can have at most GROUP_LEAVES_MAX (15) children, four environment
 *    sessions each.
 * So the root takes as many idle children directly as its descriptors
 * allow and puts the rest into the fewest groups: bench_idle_root with
 * "--group -n K" (K <= GROUP_LEAVES_MAX), which starts its K children and
 * makes its own first RPC once they all made theirs. The groups are
 * components too; bench_idle still divides the memory by N only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <session/cpu.h>
#include <session/log.h>
#include <session/pd.h>
#include <session/rom.h>
#include "bench_root.h"

#define DEFAULT_CHILDREN 500
#define TIMEOUT_NS       (60ull * 1000000000u)

#define FDS_PER_CHILD    11u   /* measured: 10 */
#define FDS_OWN          64u   /* the parent's own: env, connections to core, stdio */
#define ENV_SESSIONS     4u
#define FORWARD_MAX      64u   /* CHILD_SESSIONS_MAX of lib/base/child.c */
/* one slot stays free: the group's own first RPC needs one, even when denied */
#define GROUP_LEAVES_MAX ((FORWARD_MAX - 1) / ENV_SESSIONS)

/* What a child's environment sessions cost its parent on top of its quota. */
#define ENV_RAM  (ARBOR_PD_SESSION_RAM + ARBOR_CPU_SESSION_RAM + ARBOR_LOG_SESSION_RAM + \
                  ARBOR_ROM_SESSION_RAM)
#define ENV_CAPS (ARBOR_PD_SESSION_CAPS + ARBOR_CPU_SESSION_CAPS + ARBOR_LOG_SESSION_CAPS + \
                  ARBOR_ROM_SESSION_CAPS)

/* A group keeps this for itself (its own memory use stays far below). */
#define GROUP_RAM_OWN  (2u << 20)
#define GROUP_CAPS_OWN 64u

/* How the leaves are spread: `direct` children of the root, the rest in `groups`. */
struct plan {
	long leaves, direct, groups;
};

static struct arbor_env *env;
static long nchildren;        /* direct children: idle ones and groups */
static long up_count;
static int all_up;
static uint64_t all_up_ns;    /* when the last direct child reported */

static int child_session(struct arbor_child *child, const char *service, const char *args,
                         struct arbor_cap **cap)
{
	int *seen = arbor_child_priv(child);

	if (strcmp(service, BENCH_SERVICE))
		return ARBOR_E_NOT_FOUND;   /* a group's children's sessions go on to core */
	if (!*seen) {
		*seen = 1;
		if (++up_count == nchildren) {
			all_up_ns = bench_root_now_ns();
			all_up = 1;
		}
	}
	return ARBOR_E_DENIED;
}

static void child_exited(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	arbor_error("bench_idle_root: child \"%s\" ended (state %d, code %d, signal %d)",
	            arbor_child_name(child), st->state, st->code, st->signal);
	arbor_exit(env, 1);
}

static const struct arbor_child_policy policy = {
	.session = child_session,
	.exited = child_exited,
};

static __attribute__((noreturn)) void fail(const char *what, int err)
{
	arbor_error("bench_idle_root: %s: %s", what, arbor_strerror(err));
	arbor_exit(env, 1);
}

/* Descriptors this component may spend on children. */
static uint64_t fd_budget(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1u << 20)
		return 1u << 20;
	return rl.rlim_cur > FDS_OWN ? rl.rlim_cur - FDS_OWN : 0;
}

/* The fewest groups with which the leaves fit this parent's descriptors. */
static int make_plan(long leaves, struct plan *p)
{
	uint64_t budget = fd_budget();

	p->leaves = leaves;
	for (long g = 0; g <= leaves / 2 + 1; g++) {
		long grouped = g * (long)GROUP_LEAVES_MAX;
		long direct = leaves > grouped ? leaves - grouped : 0;

		grouped = leaves - direct;
		/* a group costs one child's descriptors plus one per forwarded session */
		uint64_t need = (uint64_t)(direct + g) * FDS_PER_CHILD +
		                (uint64_t)grouped * ENV_SESSIONS;
		if (need <= budget) {
			p->direct = direct;
			p->groups = g;
			return 0;
		}
	}
	return ARBOR_E_OUT_OF_CAPS;
}

static int is_group(void)
{
	for (int i = 1; i < env->argc; i++)
		if (!strcmp(env->argv[i], "--group"))
			return 1;
	return 0;
}

/* Child i: an idle one for i < direct, else a group with an even share of the rest. */
static void start_child(const struct plan *p, long i, int *seen)
{
	char name[32], count[32], what[96];
	const char *argv[] = { name, "-n", count, "--group", NULL };
	struct arbor_child_config cfg = {
		.name = name, .binary = BENCH_CHILD_BINARY,
		.ram = BENCH_CHILD_RAM, .caps = BENCH_CHILD_CAPS,
		.policy = &policy, .priv = seen,
	};
	struct arbor_child *child;
	int err;

	if (i >= p->direct) {
		long g = i - p->direct, grouped = p->leaves - p->direct;
		long share = grouped / p->groups + (g < grouped % p->groups);

		snprintf(name, sizeof name, "group%ld", g);
		snprintf(count, sizeof count, "%ld", share);
		cfg.binary = "bench_idle_root";
		cfg.argv = argv;
		cfg.ram = (uint64_t)share * (BENCH_CHILD_RAM + ENV_RAM) + GROUP_RAM_OWN;
		cfg.caps = (uint64_t)share * (BENCH_CHILD_CAPS + ENV_CAPS) + GROUP_CAPS_OWN;
	} else {
		snprintf(name, sizeof name, "idle%ld", i);
	}
	err = arbor_child_start(env, &cfg, &child);
	if (err) {
		snprintf(what, sizeof what, "cannot start child \"%s\" (%ld of %ld)", name, i + 1,
		         nchildren);
		fail(what, err);
	}
}

void component_construct(struct arbor_env *e)
{
	struct plan plan;
	uint64_t start;
	int *seen, err;

	env = e;
	err = make_plan(bench_root_count(env, DEFAULT_CHILDREN), &plan);
	if (plan.leaves <= 0)
		fail("-n wants a positive number", ARBOR_E_INVALID);
	if (err || (is_group() && plan.groups))
		fail("too many children for one parent's descriptors", ARBOR_E_OUT_OF_CAPS);
	nchildren = plan.direct + plan.groups;
	seen = calloc((size_t)nchildren, sizeof *seen);
	if (!seen)
		fail("calloc", -ENOMEM);

	start = bench_root_now_ns();
	for (long i = 0; i < nchildren; i++) {
		/* groups first: their children start while this loop goes on */
		start_child(&plan, (i + plan.direct) % nchildren, &seen[i]);
		/* serve the RPCs already there, without waiting */
		while ((err = arbor_ep_dispatch(env->ep, 0)) > 0)
			;
		if (err < 0)
			fail("arbor_ep_dispatch", err);
	}
	err = bench_root_serve_until(env, &all_up, start + TIMEOUT_NS);
	if (err) {
		arbor_error("bench_idle_root: only %ld of %ld children made their first RPC",
		            up_count, nchildren);
		fail("waiting for the children", err);
	}
	if (is_group()) {
		/* all ours are up: now our own first RPC tells the parent */
		struct arbor_cap *cap = NULL;

		err = arbor_parent_session(env->parent, arbor_session_id_alloc(), BENCH_SERVICE,
		                           "label=\"\"", &cap);
		if (err != ARBOR_E_DENIED)
			fail("reporting to the parent", err ? err : ARBOR_E_INVALID);
		return;
	}
	arbor_log(BENCH_IDLE_TAG " up %ld ms %.1f direct %ld groups %ld", plan.leaves,
	          (double)(all_up_ns - start) / 1e6, plan.direct, plan.groups);
	/* the children's quota stays with them; the entrypoint serves on */
}
