/* Delegation, last hop: C invokes A's object, which it got through B. */
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include "test_client.h"

void component_construct(struct arbor_env *env)
{
	struct arbor_cap *object;
	uint64_t total = 0;
	int err = arbor_parent_session(env->parent, arbor_session_id_alloc(), TEST_SERVICE,
	                               "label=\"\", ram_quota=4096, cap_quota=2", &object);

	if (!err)
		err = test_add(object, 1, &total);
	if (err) {
		arbor_error("c: cannot invoke the delegated object: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("c: invoked A's object through B: total=%llu", (unsigned long long)total);
	arbor_exit(env, total == 2 ? 0 : 1);
}
