/*
 * RPC, signals and dataspace basics inside one process: a server thread
 * runs an entrypoint, client threads call it. Exercises the real wire path
 * (doors, private connections, SCM_RIGHTS) without core.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arbor/entrypoint.h>
#include <arbor/error.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <arbor/dataspace.h>
#include <fcntl.h>

static int failures, tests;

static void ok(int cond, const char *what)
{
	tests++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, what);
	if (!cond)
		failures++;
}

enum { OP_ECHO, OP_FAIL, OP_TAKE_CAP, OP_GIVE_CAP, OP_IS_MINE, NOPS };

struct echo_args { uint32_t holder; uint32_t seq; char pad[56]; };

static struct arbor_ep *ep;
static struct arbor_rpc_object object, other;

static int do_echo(struct arbor_rpc_request *req)
{
	memcpy(req->out->payload, req->in->payload, req->in->size);
	req->out->size = req->in->size;
	return 7;
}

static int do_fail(struct arbor_rpc_request *req)
{
	return ARBOR_E_DENIED;
}

static int do_take_cap(struct arbor_rpc_request *req)
{
	struct arbor_cap *cap = arbor_msg_take_cap(req->in, 0);
	int kind = arbor_cap_kind(cap);
	arbor_cap_unref(cap);
	return kind;
}

static int do_give_cap(struct arbor_rpc_request *req)
{
	return arbor_msg_add_cap(req->out, arbor_rpc_object_cap(&other));
}

static const struct arbor_rpc_interface iface;

static int do_is_mine(struct arbor_rpc_request *req)
{
	return arbor_rpc_object_lookup(ep, req->in->caps[0], &iface) == &object;
}

static const struct arbor_rpc_op ops[NOPS] = {
	[OP_ECHO]     = { "echo", 0, sizeof(struct echo_args), 0, do_echo },
	[OP_FAIL]     = { "fail", 0, 0, 0, do_fail },
	[OP_TAKE_CAP] = { "take_cap", 0, 0, 1, do_take_cap },
	[OP_GIVE_CAP] = { "give_cap", 0, 0, 0, do_give_cap },
	[OP_IS_MINE]  = { "is_mine", 0, 0, 1, do_is_mine },
};
static const struct arbor_rpc_interface iface = { "test", ops, NOPS };

static void *server(void *arg)
{
	arbor_ep_run(ep);
	return NULL;
}

#define HOLDERS 8
static long calls_per_holder = 100000;
static int holder_errors[HOLDERS];

static void *holder(void *arg)
{
	uint32_t id = (uint32_t)(uintptr_t)arg;
	struct arbor_cap *cap = arbor_cap_ref(arbor_rpc_object_cap(&object));

	for (uint32_t seq = 0; seq < calls_per_holder; seq++) {
		struct echo_args a = { .holder = id, .seq = seq }, *r;
		struct arbor_msg reply;
		int st = arbor_rpc_call(cap, OP_ECHO, &a, sizeof(a), NULL, 0, &reply);
		r = (struct echo_args *)reply.payload;
		if (st != 7 || reply.size != sizeof(a) || r->holder != id || r->seq != seq)
			holder_errors[id]++;
		arbor_msg_release(&reply);
	}
	arbor_cap_unref(cap);
	return NULL;
}

static uint64_t signal_total;
static void on_signal(struct arbor_signal_handler *sh, uint64_t count)
{
	signal_total += count;
}

int main(int argc, char **argv)
{
	pthread_t srv, th[HOLDERS];
	struct arbor_msg reply;
	struct arbor_cap *cap;
	int st;

	if (argc > 1)
		calls_per_holder = atol(argv[1]);
	printf("1..17\n");
	if (arbor_ep_new(&ep) || arbor_rpc_object_manage(ep, &object, &iface) ||
	    arbor_rpc_object_manage(ep, &other, &iface)) {
		printf("Bail out! setup\n");
		return 1;
	}
	pthread_create(&srv, NULL, server, NULL);
	cap = arbor_cap_ref(arbor_rpc_object_cap(&object));

	struct echo_args a = { .holder = 99, .seq = 1 };
	st = arbor_rpc_call(cap, OP_ECHO, &a, sizeof(a), NULL, 0, &reply);
	ok(st == 7 && reply.size == sizeof(a) && !memcmp(reply.payload, &a, sizeof(a)), "call returns status and payload");
	arbor_msg_release(&reply);

	st = arbor_rpc_call(cap, OP_FAIL, NULL, 0, NULL, 0, &reply);
	ok(st == ARBOR_E_DENIED, "error return reaches the caller");
	arbor_msg_release(&reply);

	st = arbor_rpc_call(cap, 42, NULL, 0, NULL, 0, &reply);
	ok(st == ARBOR_E_UNKNOWN_OPCODE, "unknown opcode is answered");
	arbor_msg_release(&reply);

	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct arbor_cap *sig;
	arbor_cap_from_fd(efd, ARBOR_CAP_SIGNAL, &sig);
	st = arbor_rpc_call(cap, OP_TAKE_CAP, NULL, 0, &sig, 1, &reply);
	ok(st == ARBOR_CAP_SIGNAL, "a capability travels with a call");
	arbor_msg_release(&reply);
	arbor_cap_unref(sig);

	st = arbor_rpc_call(cap, OP_GIVE_CAP, NULL, 0, NULL, 0, &reply);
	struct arbor_cap *given = arbor_msg_take_cap(&reply, 0);
	arbor_msg_release(&reply);
	ok(st == 0 && given && arbor_cap_kind(given) == ARBOR_CAP_RPC, "a capability travels with a reply");
	ok(given == arbor_rpc_object_cap(&other), "a local object's cap coming back is recognised by its door");
	st = arbor_rpc_call(given, OP_ECHO, &a, sizeof(a), NULL, 0, &reply);
	ok(st == 7, "the received capability can be invoked");
	arbor_msg_release(&reply);
	arbor_cap_unref(given);

	struct arbor_cap *self = arbor_rpc_object_cap(&object);
	st = arbor_rpc_call(cap, OP_IS_MINE, NULL, 0, &self, 1, &reply);
	ok(st == 1, "server identifies its object passed as an argument");
	arbor_msg_release(&reply);
	struct arbor_cap *oth = arbor_rpc_object_cap(&other);
	st = arbor_rpc_call(cap, OP_IS_MINE, NULL, 0, &oth, 1, &reply);
	ok(st == 0, "another object is not mistaken for it");
	arbor_msg_release(&reply);

	st = arbor_rpc_call(cap, OP_ECHO, &a, sizeof(a), &self, 1, &reply);
	arbor_msg_release(&reply);
	int st2 = arbor_rpc_call(cap, OP_ECHO, &a, sizeof(a), NULL, 0, &reply);
	ok(st == ARBOR_E_OBJECT_GONE && st2 == 7,
	   "a malformed call closes that connection; the next call is served");
	arbor_msg_release(&reply);

	for (uintptr_t i = 0; i < HOLDERS; i++)
		pthread_create(&th[i], NULL, holder, (void *)i);
	int errs = 0;
	for (int i = 0; i < HOLDERS; i++) {
		pthread_join(th[i], NULL);
		errs += holder_errors[i];
	}
	char what[128];
	snprintf(what, sizeof(what), "%d concurrent holders x %ld calls get exactly their own replies", HOLDERS, calls_per_holder);
	ok(errs == 0, what);

	/* signals */
	struct arbor_signal_handler sh;
	arbor_signal_handler_init(&sh, ep, on_signal);
	arbor_signal_submit(arbor_signal_handler_cap(&sh), 1);
	arbor_signal_submit(arbor_signal_handler_cap(&sh), 2);
	for (int i = 0; i < 100 && signal_total < 3; i++)
		usleep(1000);
	ok(signal_total == 3, "signal submissions coalesce into a count");

	/* a sender never blocks, even on a saturated counter nobody drains */
	struct arbor_signal_handler stuck;
	arbor_signal_handler_init(&stuck, ep, on_signal);
	arbor_io_unwatch(&stuck.io);
	int r1 = arbor_signal_submit(arbor_signal_handler_cap(&stuck), UINT64_MAX - 1);
	int r2 = arbor_signal_submit(arbor_signal_handler_cap(&stuck), 1);
	ok(r1 == 0 && r2 == 0, "submitting to a saturated context returns at once");
	arbor_cap_unref(stuck.cap);

	/* dataspace */
	int mfd = memfd_create("ds", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ftruncate(mfd, 8192);
	struct arbor_cap *ds;
	void *p; size_t sz;
	arbor_cap_from_fd(mfd, ARBOR_CAP_DATASPACE, &ds);
	ok(arbor_ds_attach(ds, ARBOR_DS_WRITE, &p, &sz) == 0 && sz == 8192, "dataspace attaches with its size");
	arbor_ds_detach(p, sz);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", arbor_cap_fd(ds));
	int rofd = open(path, 0);
	struct arbor_cap *ro;
	arbor_cap_from_fd(rofd, ARBOR_CAP_DATASPACE, &ro);
	ok(!arbor_ds_writeable(ro) && arbor_ds_attach(ro, ARBOR_DS_WRITE, &p, &sz) == -EACCES, "a read-only holder cannot map it writeable");
	arbor_cap_unref(ro);
	arbor_cap_unref(ds);

	/* revocation */
	struct arbor_cap *dup_holder = arbor_cap_ref(cap);
	arbor_ep_stop(ep);
	pthread_join(srv, NULL);
	arbor_rpc_object_dissolve(&object);
	pthread_create(&srv, NULL, server, NULL);
	st = arbor_rpc_call(cap, OP_ECHO, &a, sizeof(a), NULL, 0, &reply);
	ok(st == ARBOR_E_OBJECT_GONE, "after dissolve a call fails with object gone");
	arbor_msg_release(&reply);
	st = arbor_rpc_call(dup_holder, OP_FAIL, NULL, 0, NULL, 0, &reply);
	ok(st == ARBOR_E_OBJECT_GONE, "every holder's call fails");
	arbor_msg_release(&reply);
	arbor_cap_unref(dup_holder);
	arbor_cap_unref(cap);
	arbor_signal_handler_fini(&sh);

	arbor_ep_stop(ep);
	pthread_join(srv, NULL);
	return failures ? 1 : 0;
}
