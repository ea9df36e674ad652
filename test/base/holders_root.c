/*
 * Root of the concurrency and revocation scenarios: serves one Test
 * object to N holder children.
 *   holders_root echo N CALLS   N holders call concurrently, each checks its replies
 *   holders_root revoke N       once all N holders block in a call, the object is
 *                               destroyed: every holder's calls must fail, none hang
 * Exits 0 when every holder exited 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "test_iface.h"
#include "test_server.h"

#define HOLDERS_MAX 16

static struct arbor_rpc_object object;
static struct arbor_env *env;
static unsigned holders, ended, failed;

static int serve(struct arbor_child *child, const char *service, const char *args,
                 struct arbor_cap **cap)
{
	if (strcmp(service, TEST_SERVICE) || !object.cap)
		return ARBOR_E_NOT_FOUND;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&object));
	return 0;
}

static void holder_ended(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	arbor_log("child \"%s\" exited with exit value %d", arbor_child_name(child),
	          st->state == ARBOR_PD_EXITED ? st->code : -st->signal);
	if (st->state != ARBOR_PD_EXITED || st->code)
		failed++;
	if (++ended == holders) {
		arbor_log("%u of %u holders passed", holders - failed, holders);
		arbor_exit(env, failed ? 1 : 0);
	}
}

static void all_blocked(unsigned hanging)
{
	if (hanging < holders)
		return;
	arbor_log("all %u holders are blocked in a call: destroying the object", holders);
	arbor_rpc_object_dissolve(&object);
	test_server_drop_hanging();
}

static const struct arbor_child_policy policy = { .session = serve, .exited = holder_ended };

void component_construct(struct arbor_env *e)
{
	env = e;
	if (env->argc < 3 || (holders = (unsigned)atoi(env->argv[2])) == 0 || holders > HOLDERS_MAX) {
		arbor_error("usage: holders_root echo|revoke N [CALLS]");
		arbor_exit(env, 2);
	}
	const char *mode = env->argv[1];
	const char *calls = env->argc > 3 ? env->argv[3] : "1000";
	if (!strcmp(mode, "revoke"))
		test_server_hang_hook = all_blocked;
	int err = arbor_rpc_object_manage(env->ep, &object, &test_iface);
	for (unsigned i = 0; !err && i < holders; i++) {
		char name[32], id[16];
		struct arbor_child *child;
		snprintf(name, sizeof(name), "holder%u", i);
		snprintf(id, sizeof(id), "%u", i);
		const char *argv[] = { "holder", mode, id, calls, NULL };
		struct arbor_child_config cfg = {
			.name = name, .binary = "holder", .ram = 2 << 20, .caps = 50,
			.argv = argv, .policy = &policy,
		};
		err = arbor_child_start(env, &cfg, &child);
	}
	if (err) {
		arbor_error("cannot start the holders: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("started %u holders (%s)", holders, mode);
}
