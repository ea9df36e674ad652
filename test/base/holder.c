/*
 * A holder of the Test object its parent serves. Modes:
 *   holder echo ID CALLS   CALLS echo calls, each reply must carry ID and its sequence
 *   holder revoke ID       one call, then a call that blocks until the object is
 *                          revoked; that and every later call must fail cleanly
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include "test_client.h"

static int echo_loop(struct arbor_cap *obj, uint32_t id, uint32_t calls)
{
	uint32_t wrong = 0;

	for (uint32_t seq = 0; seq < calls; seq++) {
		struct test_echo e = { .holder = id, .seq = seq }, *r;
		struct arbor_msg reply;
		int err = arbor_rpc_call(obj, TEST_ECHO, &e, sizeof(e), NULL, 0, &reply);
		r = (struct test_echo *)reply.payload;
		if (err < 0) {
			arbor_error("holder %u: call %u failed: %s", id, seq, arbor_strerror(err));
			arbor_msg_release(&reply);
			return 1;
		}
		if (reply.size != sizeof(e) || r->holder != id || r->seq != seq)
			wrong++;
		arbor_msg_release(&reply);
	}
	if (wrong) {
		arbor_error("holder %u: %u of %u replies were not its own", id, wrong, calls);
		return 1;
	}
	arbor_log("holder %u: %u calls, every reply was its own", id, calls);
	return 0;
}

static int revoke_wait(struct arbor_cap *obj, uint32_t id)
{
	struct arbor_msg reply;
	uint64_t total;
	int err = test_add(obj, 1, &total);

	if (err) {
		arbor_error("holder %u: first call failed: %s", id, arbor_strerror(err));
		return 1;
	}
	err = arbor_rpc_call(obj, TEST_HANG, NULL, 0, NULL, 0, &reply);
	arbor_msg_release(&reply);
	arbor_log("holder %u: blocked call returned: %s", id, arbor_strerror(err));
	if (err != ARBOR_E_OBJECT_GONE)
		return 1;
	err = test_add(obj, 1, &total);
	arbor_log("holder %u: later call returned: %s", id, arbor_strerror(err));
	return err == ARBOR_E_OBJECT_GONE ? 0 : 1;
}

void component_construct(struct arbor_env *env)
{
	struct arbor_cap *obj;
	int err;

	if (env->argc < 3) {
		arbor_error("usage: holder echo|revoke ID [CALLS]");
		arbor_exit(env, 2);
	}
	uint32_t id = (uint32_t)atoi(env->argv[2]);
	err = arbor_parent_session(env->parent, arbor_session_id_alloc(), TEST_SERVICE,
	                           "label=\"\", ram_quota=4096, cap_quota=2", &obj);
	if (err) {
		arbor_error("holder %u: no Test session: %s", id, arbor_strerror(err));
		arbor_exit(env, 1);
	}
	if (!strcmp(env->argv[1], "echo"))
		arbor_exit(env, echo_loop(obj, id, env->argc > 3 ? (uint32_t)atoi(env->argv[3]) : 1000));
	arbor_exit(env, revoke_wait(obj, id));
}
