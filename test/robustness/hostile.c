/*
 * A hostile client: sends malformed traffic (hostile_attacks.c) to every
 * object it holds and checks after each batch that the servers still
 * answer well-formed calls. Modes:
 *
 *   hostile core     run as the root: core's parent object and core's LOG,
 *                    PD, CPU and ROM sessions
 *   hostile server   a child of robust_root: its Robust object, its parent
 *                    object (robust_root) and core's LOG and PD sessions;
 *                    each batch is reported to the server, which counts its
 *                    fds against the baseline
 *   hostile inject   a child of robust_root: connections a server cannot
 *                    tell from real ones (the door itself, both ends of a
 *                    pair), then the same fd and load checks
 *
 * Logs "hostile: sent <what> to <target>: <outcome>" per message; an
 * outcome other than the designed one is marked UNEXPECTED. The markers
 * "hostile: attacks begin" and "hostile: attacks done" frame the phase
 * for the scenario's fd-mark/fd-check of core. Exits 0 when nothing was
 * unexpected.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/rpc.h>
#include <session/cpu.h>
#include <session/log.h>
#include <session/parent.h>
#include <session/pd.h>
#include <session/rom.h>
#include "hostile.h"
#include "robust_iface.h"

#define TARGETS_MAX 6
#define SETTLE_MS   300    /* time the servers get to notice closed connections */
#define LOOP_CALLS  20000  /* calls in half a second that only a self-answering loop makes */

static unsigned sent, unexpected;
static const struct target *targets;  /* all of them, for hostile_foreign_door() */
static unsigned ntargets;
static struct arbor_cap *robust;      /* the Robust object (server and inject modes) */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void hostile_check(const struct target *t, const char *what, enum raw_outcome got,
                   const struct raw_reply *reply, enum raw_outcome want)
{
	char text[96];
	struct raw_reply none = { 0 };

	sent++;
	if (got != want)
		unexpected++;
	arbor_log("hostile: sent %s to %s: %s%s", what, t->name,
	          raw_wire_outcome_text(got, reply ? reply : &none, text, sizeof(text)),
	          got != want ? " -- UNEXPECTED" : "");
}

int hostile_foreign_door(const struct target *t)
{
	unsigned i = (unsigned)(t - targets);
	return targets[(i + 1) % ntargets].door;
}

/* ---- the targets ---- */

static const struct arbor_parent_id_args env_log_id = { .id = ARBOR_ENV_LOG };
static const uint64_t zero_u64;

static struct target parent_target(struct arbor_env *env, const char *name)
{
	return (struct target){
		.name = name, .door = arbor_cap_fd(env->parent),
		.valid_op = ARBOR_PARENT_SESSION_CAP, .valid_args = &env_log_id,
		.valid_size = sizeof(env_log_id),
		.sized_op = ARBOR_PARENT_SESSION_CAP, .size_min = sizeof(env_log_id),
		.size_max = sizeof(env_log_id), .cap_op = -1,
	};
}

static struct target log_target(struct arbor_env *env)
{
	/* an empty write: well-formed, prints nothing */
	return (struct target){
		.name = "core's LOG session", .door = arbor_cap_fd(arbor_env_log(env)),
		.valid_op = ARBOR_LOG_WRITE, .sized_op = ARBOR_LOG_WRITE,
		.size_min = 0, .size_max = ARBOR_LOG_WRITE_MAX, .cap_op = -1,
	};
}

static struct target pd_target(struct arbor_env *env)
{
	return (struct target){
		.name = "core's PD session", .door = arbor_cap_fd(arbor_env_pd(env)),
		.valid_op = ARBOR_PD_QUOTA, .sized_op = ARBOR_PD_ALLOC_RAM,
		.size_min = sizeof(struct arbor_pd_alloc_args),
		.size_max = sizeof(struct arbor_pd_alloc_args), .cap_op = ARBOR_PD_REF_ACCOUNT,
	};
}

static struct target cpu_target(struct arbor_env *env)
{
	return (struct target){
		.name = "core's CPU session", .door = arbor_cap_fd(arbor_env_cpu(env)),
		.valid_op = ARBOR_CPU_THREADS, .sized_op = ARBOR_CPU_THREADS, .cap_op = -1,
	};
}

static struct target rom_target(struct arbor_env *env)
{
	return (struct target){
		.name = "core's ROM session", .door = arbor_cap_fd(arbor_env_rom(env)),
		.valid_op = ARBOR_ROM_UPDATE, .sized_op = ARBOR_ROM_DATASPACE, .cap_op = ARBOR_ROM_SIGH,
	};
}

static struct target robust_target(void)
{
	return (struct target){
		.name = "the Robust object", .door = arbor_cap_fd(robust),
		.valid_op = ROBUST_ADD, .valid_args = &zero_u64, .valid_size = sizeof(zero_u64),
		.sized_op = ROBUST_ECHO, .size_min = sizeof(struct robust_echo),
		.size_max = sizeof(struct robust_echo), .cap_op = ROBUST_TAKE_CAP,
	};
}

/* ---- after each batch ---- */

static void all_still_served(const struct target *t, unsigned n, const char *after)
{
	char names[256] = "";
	unsigned len = 0, failed = 0;

	for (unsigned i = 0; i < n; i++) {
		if (hostile_valid_call(&t[i]))
			continue;
		failed++;
		len += (unsigned)snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "",
		                          t[i].name);
	}
	sent++;
	if (failed) {
		unexpected++;
		arbor_log("hostile: after %s: no answer from %s -- UNEXPECTED", after, names);
	} else {
		arbor_log("hostile: after %s: all %u targets still answer well-formed calls", after, n);
	}
}

/* Tell the server a batch is done; it counts its fds. Returns the calls it answered. */
static uint64_t report(uint32_t batch, const char *name)
{
	struct robust_report r = { .batch = batch };
	struct robust_fds f = { 0 };
	struct arbor_msg reply;

	snprintf(r.name, sizeof(r.name), "%s", name);
	int err = arbor_rpc_call(robust, ROBUST_REPORT, &r, sizeof(r), NULL, 0, &reply);
	if (err >= 0 && reply.size == sizeof(f))
		memcpy(&f, reply.payload, sizeof(f));
	arbor_msg_release(&reply);
	sent++;
	if (err < 0) {
		unexpected++;
		arbor_log("hostile: report of batch %u failed: %s -- UNEXPECTED", batch,
		          arbor_strerror(err));
		return 0;
	}
	if (batch && batch != ROBUST_DONE && f.now != f.baseline) {
		unexpected++;
		arbor_log("hostile: the server has %u fds open after %s, %u before -- UNEXPECTED",
		          f.now, name, f.baseline);
	} else if (batch && batch != ROBUST_DONE) {
		arbor_log("hostile: the server's fd count is back at its baseline (%u) after %s",
		          f.baseline, name);
	}
	return f.calls;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < hostile_flood_size + 256) {
		hostile_flood_size = rl.rlim_cur > 512 + 256 ? (unsigned)rl.rlim_cur - 256 : 512;
		arbor_log("hostile: fd limit %llu: the flood sends %u clone requests",
		          (unsigned long long)rl.rlim_cur, hostile_flood_size);
	}
}

static void run(const struct batch *batches, const struct target *t, unsigned n, int reports)
{
	uint32_t number = 1;

	for (const struct batch *b = batches; b->name; b++, number++) {
		arbor_log("hostile: batch %u: %s", number, b->name);
		for (unsigned i = 0; i < n; i++)
			b->fn(&t[i]);
		sleep_ms(SETTLE_MS);
		all_still_served(t, n, b->name);
		if (reports) {
			report(number, b->name);
			/* the good client mints a fresh connection now: keep the next flood off it */
			sleep_ms(SETTLE_MS);
		}
	}
}

/* A server answering itself makes calls much faster than any client. */
static void check_no_loop(void)
{
	uint64_t before = report(ROBUST_DONE - 1, "the injections");
	sleep_ms(500);
	uint64_t after = report(ROBUST_DONE - 1, "half a second later");
	sent++;
	if (after - before > LOOP_CALLS) {
		unexpected++;
		arbor_log("hostile: the server answered %llu calls in half a second: it is answering "
		          "itself -- UNEXPECTED", (unsigned long long)(after - before));
	} else {
		arbor_log("hostile: the server answered %llu calls in half a second",
		          (unsigned long long)(after - before));
	}
}

void component_construct(struct arbor_env *env)
{
	const char *mode = env->argc > 1 ? env->argv[1] : "core";
	struct target t[TARGETS_MAX];
	unsigned n = 0;
	int served = strcmp(mode, "core") != 0;
	int err;

	raise_fd_limit();
	if (served) {
		err = arbor_parent_session(env->parent, arbor_session_id_alloc(), ROBUST_SERVICE,
		                           "label=\"\", ram_quota=4096, cap_quota=2", &robust);
		if (err) {
			arbor_error("hostile: no Robust session: %s", arbor_strerror(err));
			arbor_exit(env, 1);
		}
		t[n++] = robust_target();
		t[n++] = parent_target(env, "its parent (robust_root)");
		t[n++] = log_target(env);
		t[n++] = pd_target(env);
		report(0, "baseline");
	} else {
		t[n++] = parent_target(env, "core's parent object");
		t[n++] = log_target(env);
		t[n++] = pd_target(env);
		t[n++] = cpu_target(env);
		t[n++] = rom_target(env);
	}
	for (unsigned i = 0; i < n; i++) {
		if (t[i].door < 0) {
			arbor_error("hostile: no capability for %s", t[i].name);
			arbor_exit(env, 1);
		}
	}

	targets = t;
	ntargets = n;
	/* let core finish the start-up work of this component before the fd mark */
	sleep_ms(SETTLE_MS);
	arbor_log("hostile: attacks begin (%s mode, %u targets)", mode, n);
	sleep_ms(SETTLE_MS);   /* hold still while the scenario counts core's fds */
	if (!strcmp(mode, "inject")) {
		run(hostile_injections, t, n, 0);
		sleep_ms(SETTLE_MS);
		check_no_loop();
	} else {
		run(hostile_batches, t, n, served);
	}
	sleep_ms(SETTLE_MS);
	arbor_log("hostile: attacks done: %u messages and checks, %u unexpected", sent, unexpected);
	sleep_ms(SETTLE_MS);   /* the same at the end */
	if (served)
		report(ROBUST_DONE, "done");
	arbor_exit(env, unexpected ? 1 : 0);
}
