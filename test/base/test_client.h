/* Calling the Test interface. */
#ifndef TEST_BASE_TEST_CLIENT_H
#define TEST_BASE_TEST_CLIENT_H

#include <string.h>
#include <arbor/rpc.h>
#include "test_iface.h"

static inline int test_add(struct arbor_cap *cap, uint64_t n, uint64_t *total)
{
	struct test_add a = { .n = n };
	struct arbor_msg reply;
	int err = arbor_rpc_call(cap, TEST_ADD, &a, sizeof(a), NULL, 0, &reply);

	if (err >= 0 && reply.size == sizeof(*total))
		memcpy(total, reply.payload, sizeof(*total));
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

#endif
