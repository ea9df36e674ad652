/*
 * Benchmarks 1-3: an Arbor RPC round trip with a 64-byte payload each way,
 * server entrypoint thread and client thread pinned to CPU 0; with --cap the
 * call also passes one eventfd-backed signal capability, which the server
 * takes and drops. Baselines: base_seqpacket (raw socketpair ping-pong, with
 * --fd one fd by SCM_RIGHTS) and base_genode_rpc (Genode's reply channels).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <arbor/cap.h>
#include <arbor/entrypoint.h>
#include <arbor/error.h>
#include <arbor/msg.h>
#include <arbor/rpc.h>
#include "bench.h"

enum { OP_ECHO = 0, OP_ECHO_CAP = 1 };

static int echo(struct arbor_rpc_request *req)
{
	memcpy(req->out->payload, req->in->payload, BENCH_PAYLOAD);
	req->out->size = BENCH_PAYLOAD;
	return 0;
}

static int echo_cap(struct arbor_rpc_request *req)
{
	/* take the capability and drop it, as a server that does not keep it would */
	arbor_cap_unref(arbor_msg_take_cap(req->in, 0));
	return echo(req);
}

static const struct arbor_rpc_op echo_ops[] = {
	[OP_ECHO]     = { "echo",     BENCH_PAYLOAD, BENCH_PAYLOAD, 0, echo },
	[OP_ECHO_CAP] = { "echo_cap", BENCH_PAYLOAD, BENCH_PAYLOAD, 1, echo_cap },
};

static const struct arbor_rpc_interface echo_iface = {
	.name = "bench_echo", .ops = echo_ops, .nops = 2,
};

static void *server_main(void *arg)
{
	struct arbor_ep *ep = arg;

	bench_pin_or_die(0);
	bench_check("arbor_ep_run", arbor_ep_run(ep));
	return NULL;
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 200000);
	long warmup = n / 10 + 1;
	int with_cap = argc > 1 && strcmp(argv[1], "--cap") == 0;
	struct arbor_ep *ep;
	struct arbor_rpc_object obj;
	struct arbor_cap *sig = NULL;

	bench_pin_or_die(0);
	bench_check("arbor_ep_new", arbor_ep_new(&ep));
	bench_check("arbor_rpc_object_manage", arbor_rpc_object_manage(ep, &obj, &echo_iface));
	if (with_cap) {
		int efd = eventfd(0, EFD_CLOEXEC);
		if (efd < 0)
			bench_die("eventfd", -errno);
		bench_check("arbor_cap_from_fd", arbor_cap_from_fd(efd, ARBOR_CAP_SIGNAL, &sig));
	}

	pthread_t thread;
	int err = pthread_create(&thread, NULL, server_main, ep);
	if (err)
		bench_die("pthread_create", -err);

	struct arbor_cap *cap = arbor_rpc_object_cap(&obj);
	uint32_t op = with_cap ? OP_ECHO_CAP : OP_ECHO;
	unsigned char buf[BENCH_PAYLOAD];
	struct arbor_msg reply;
	memset(buf, 0x5a, sizeof buf);

	uint64_t start = 0;
	for (long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = bench_now_ns();
		int ret = arbor_rpc_call(cap, op, buf, sizeof buf, &sig, with_cap, &reply);
		if (ret < 0 || reply.size != BENCH_PAYLOAD)
			bench_die("arbor_rpc_call", ret < 0 ? ret : -EBADMSG);
		arbor_msg_release(&reply);
	}
	uint64_t elapsed = bench_now_ns() - start;

	arbor_ep_stop(ep);
	pthread_join(thread, NULL);
	if (sig)
		arbor_cap_unref(sig);
	bench_report("result", (double)elapsed / (double)n / 1000.0, "us");
	return 0;
}
