/*
 * Delegation, first hop: A serves a Test object and hands its capability
 * to its child B, which passes it on to its own child C. A checks that
 * both calls reached its object.
 */
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "test_iface.h"
#include "test_server.h"

static struct arbor_rpc_object object;
static struct arbor_env *env;

static int serve(struct arbor_child *child, const char *service, const char *args,
                 struct arbor_cap **cap)
{
	if (strcmp(service, TEST_SERVICE))
		return ARBOR_E_NOT_FOUND;
	*cap = arbor_cap_ref(arbor_rpc_object_cap(&object));
	return 0;
}

static void b_exited(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	uint64_t total = test_server_total();

	arbor_log("child \"%s\" exited with exit value %d", arbor_child_name(child), st->code);
	arbor_log("a: my object was called %llu times: by b and by c", (unsigned long long)total);
	arbor_exit(env, st->state == ARBOR_PD_EXITED && !st->code && total == 2 ? 0 : 1);
}

static const struct arbor_child_policy policy = { .session = serve, .exited = b_exited };

void component_construct(struct arbor_env *e)
{
	struct arbor_child *b;
	struct arbor_child_config cfg = {
		.name = "b", .binary = "delegate_b", .ram = 16 << 20, .caps = 200, .policy = &policy,
	};
	int err;

	env = e;
	err = arbor_rpc_object_manage(env->ep, &object, &test_iface);
	if (!err)
		err = arbor_child_start(env, &cfg, &b);
	if (err) {
		arbor_error("a: cannot start b: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("a: serving a Test object, started b");
}
