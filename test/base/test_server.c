/*
 * Serves the Test interface (add, echo, hang) to the components of the
 * base scenarios: the object and its handlers shared by the roots of the
 * delegation, revocation and concurrency tests.
 */
#include <string.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include "test_iface.h"
#include "test_server.h"

#define HANGING_MAX 64

static uint64_t total;
static struct arbor_rpc_conn *hanging[HANGING_MAX];
static unsigned nhanging;

static int do_add(struct arbor_rpc_request *req)
{
	struct test_add a;

	memcpy(&a, req->in->payload, sizeof(a));
	total += a.n;
	memcpy(req->out->payload, &total, sizeof(total));
	req->out->size = sizeof(total);
	return 0;
}

static int do_echo(struct arbor_rpc_request *req)
{
	memcpy(req->out->payload, req->in->payload, req->in->size);
	req->out->size = req->in->size;
	return 0;
}

void (*test_server_hang_hook)(unsigned hanging);

static int do_hang(struct arbor_rpc_request *req)
{
	if (nhanging == HANGING_MAX)
		return ARBOR_E_AGAIN;
	hanging[nhanging++] = arbor_rpc_defer(req);
	if (test_server_hang_hook)
		test_server_hang_hook(nhanging);
	return ARBOR_RPC_DEFERRED;
}

static const struct arbor_rpc_op ops[TEST_NOPS] = {
	[TEST_ADD]  = { "add", sizeof(struct test_add), sizeof(struct test_add), 0, do_add },
	[TEST_ECHO] = { "echo", sizeof(struct test_echo), sizeof(struct test_echo), 0, do_echo },
	[TEST_HANG] = { "hang", 0, 0, 0, do_hang },
};

const struct arbor_rpc_interface test_iface = { "Test", ops, TEST_NOPS };

uint64_t test_server_total(void)
{
	return total;
}

unsigned test_server_hanging(void)
{
	return nhanging;
}

void test_server_drop_hanging(void)
{
	/* the callers learn it from their connections closing with the object */
	for (unsigned i = 0; i < nhanging; i++)
		arbor_rpc_reply(hanging[i], ARBOR_E_OBJECT_GONE, NULL, 0, NULL, 0);
	nhanging = 0;
}
