/*
 * Delegation, second hop: B obtains A's object through its parent, calls
 * it, and hands the same capability on to its own child C.
 */
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include "test_client.h"

static struct arbor_cap *object;
static struct arbor_env *env;

static int pass_on(struct arbor_child *child, const char *service, const char *args,
                   struct arbor_cap **cap)
{
	if (strcmp(service, TEST_SERVICE))
		return ARBOR_E_NOT_FOUND;
	*cap = arbor_cap_ref(object);
	return 0;
}

static void c_exited(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	arbor_log("child \"%s\" exited with exit value %d", arbor_child_name(child), st->code);
	arbor_exit(env, st->state == ARBOR_PD_EXITED ? st->code : 1);
}

static const struct arbor_child_policy policy = { .session = pass_on, .exited = c_exited };

void component_construct(struct arbor_env *e)
{
	struct arbor_child *c;
	struct arbor_child_config cfg = {
		.name = "c", .binary = "delegate_c", .ram = 4 << 20, .caps = 50, .policy = &policy,
	};
	uint64_t total = 0;
	int err;

	env = e;
	err = arbor_parent_session(env->parent, arbor_session_id_alloc(), TEST_SERVICE,
	                           "label=\"\", ram_quota=4096, cap_quota=2", &object);
	if (!err)
		err = test_add(object, 1, &total);
	if (err) {
		arbor_error("b: no Test object from the parent: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("b: called A's object: total=%llu", (unsigned long long)total);
	err = arbor_child_start(env, &cfg, &c);
	if (err) {
		arbor_error("b: cannot start c: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
