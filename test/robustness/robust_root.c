/*
 * Root of the robustness scenarios: serves one "Robust" object to a
 * well-behaved child ("good") and, once that one's first call arrived, to
 * a hostile one; counts its own open fds whenever the hostile child
 * reports a finished batch, and exits 0 when both children exited 0 and
 * its fd count was back at the baseline after every batch.
 *   robust_root [MODE [ARG...]]   the hostile child's arguments (default: server)
 */
#include <stdio.h>
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include "raw_wire.h"
#include "robust_iface.h"

#define CHILDREN 2

static struct arbor_rpc_object object;
static struct arbor_env *env;
static uint64_t total, calls;
static uint32_t last_batch, baseline, leaks;
static unsigned ended, failed;

static void start_hostile(void);

static int do_echo(struct arbor_rpc_request *req)
{
	struct robust_echo e;

	/* the hostile child starts once the good one is connected: the baseline holds both */
	start_hostile();
	calls++;
	memcpy(&e, req->in->payload, sizeof(e));
	e.batch = last_batch;
	memcpy(req->out->payload, &e, sizeof(e));
	req->out->size = sizeof(e);
	return 0;
}

static int do_add(struct arbor_rpc_request *req)
{
	uint64_t n;

	calls++;
	memcpy(&n, req->in->payload, sizeof(n));
	total += n;
	memcpy(req->out->payload, &total, sizeof(total));
	req->out->size = sizeof(total);
	return 0;
}

static int do_take_cap(struct arbor_rpc_request *req)
{
	uint32_t self = arbor_rpc_object_lookup(env->ep, req->in->caps[0], object.iface) == &object;

	calls++;
	memcpy(req->out->payload, &self, sizeof(self));
	req->out->size = sizeof(self);
	return 0;
}

static int do_report(struct arbor_rpc_request *req)
{
	struct robust_report r;
	struct robust_fds f;

	memcpy(&r, req->in->payload, sizeof(r));
	r.name[sizeof(r.name) - 1] = '\0';
	f.now = raw_wire_count_fds();
	if (r.batch == 0)
		baseline = f.now;
	f.baseline = baseline;
	f.calls = ++calls;
	if (r.batch && r.batch != ROBUST_DONE && f.now != baseline)
		leaks++;
	last_batch = r.batch;
	if (r.batch == ROBUST_DONE)
		arbor_log("server: final report: %u fds open, baseline %u", f.now, baseline);
	else
		arbor_log("server: after batch %u (%s): %u fds open, baseline %u%s", r.batch, r.name,
		          f.now, baseline, r.batch && f.now != baseline ? " -- fd count differs" : "");
	memcpy(req->out->payload, &f, sizeof(f));
	req->out->size = sizeof(f);
	return 0;
}

static const struct arbor_rpc_op ops[ROBUST_NOPS] = {
	[ROBUST_ECHO]     = { "echo", sizeof(struct robust_echo), sizeof(struct robust_echo), 0, do_echo },
	[ROBUST_ADD]      = { "add", sizeof(uint64_t), sizeof(uint64_t), 0, do_add },
	[ROBUST_TAKE_CAP] = { "take_cap", 0, 0, 1, do_take_cap },
	[ROBUST_REPORT]   = { "report", sizeof(struct robust_report), sizeof(struct robust_report), 0,
	                      do_report },
};

static const struct arbor_rpc_interface robust_iface = { "Robust", ops, ROBUST_NOPS };

static int serve(struct arbor_child *child, const char *service, const char *args,
                 struct arbor_cap **cap)
{
	if (strcmp(service, ROBUST_SERVICE))
		return ARBOR_E_NOT_FOUND;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&object));
	return 0;
}

static void child_ended(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	int ok = st->state == ARBOR_PD_EXITED && st->code == 0;

	if (st->state == ARBOR_PD_EXITED)
		arbor_log("child \"%s\" exited with exit value %d", arbor_child_name(child), st->code);
	else
		arbor_log("child \"%s\" ended by signal %d", arbor_child_name(child), st->signal);
	failed += !ok;
	if (++ended < CHILDREN)
		return;
	arbor_log("server: %u of %u clients passed, %u batches left the fd count changed",
	          CHILDREN - failed, CHILDREN, leaks);
	arbor_exit(env, failed || leaks ? 1 : 0);
}

static const struct arbor_child_policy policy = { .session = serve, .exited = child_ended };

static const char *hostile_argv[16];
static int hostile_started;

static void start_hostile(void)
{
	struct arbor_child_config cfg = {
		.name = "hostile", .binary = "hostile", .ram = 16 << 20, .caps = 100,
		.argv = hostile_argv, .policy = &policy,
	};
	struct arbor_child *c;
	int err;

	if (hostile_started)
		return;
	hostile_started = 1;
	err = arbor_child_start(env, &cfg, &c);
	if (err) {
		arbor_error("server: cannot start the hostile client: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("server: the good client is connected, started the hostile one");
}

void component_construct(struct arbor_env *e)
{
	static const char *good_argv[] = { "good", NULL };
	struct arbor_child_config good = {
		.name = "good", .binary = "good", .ram = 4 << 20, .caps = 50,
		.argv = good_argv, .policy = &policy,
	};
	struct arbor_child *c;
	unsigned n = 0;
	int err;

	env = e;
	hostile_argv[n++] = "hostile";
	if (env->argc < 2)
		hostile_argv[n++] = "server";
	for (int i = 1; i < env->argc && n < 15; i++)
		hostile_argv[n++] = env->argv[i];
	hostile_argv[n] = NULL;

	err = arbor_rpc_object_manage(env->ep, &object, &robust_iface);
	if (!err)
		err = arbor_child_start(env, &good, &c);
	if (err) {
		arbor_error("server: cannot start: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("server: serving the Robust object, started the good client");
}
