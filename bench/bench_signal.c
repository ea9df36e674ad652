/*
 * Benchmark 4: signal submit -> handler run, as a ping-pong between two
 * entrypoints pinned to CPU 0. The main thread submits to a handler on the
 * server entrypoint's thread, whose handler submits back to a handler on
 * the main thread's own entrypoint; one round trip is two signal deliveries.
 * Baseline: base_eventfd, the same two wake-ups on bare eventfds.
 */
#include <errno.h>
#include <pthread.h>
#include <arbor/entrypoint.h>
#include <arbor/signal.h>
#include "bench.h"

struct pinger {
	struct arbor_signal_handler pong;   /* runs on the main thread's entrypoint */
	uint64_t received;
};

struct ponger {
	struct arbor_signal_handler ping;   /* runs on the server entrypoint */
	struct arbor_cap *reply_to;         /* the pinger's context (borrowed) */
};

static void on_ping(struct arbor_signal_handler *sh, uint64_t count)
{
	struct ponger *p = BENCH_CONTAINER_OF(sh, struct ponger, ping);

	bench_check("arbor_signal_submit pong", arbor_signal_submit(p->reply_to, 1));
}

static void on_pong(struct arbor_signal_handler *sh, uint64_t count)
{
	struct pinger *p = BENCH_CONTAINER_OF(sh, struct pinger, pong);

	p->received += count;
}

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
	struct arbor_ep *server_ep, *client_ep;
	struct pinger pinger = { .received = 0 };
	struct ponger ponger;

	bench_pin_or_die(0);
	bench_check("arbor_ep_new", arbor_ep_new(&server_ep));
	bench_check("arbor_ep_new", arbor_ep_new(&client_ep));
	bench_check("arbor_signal_handler_init",
	            arbor_signal_handler_init(&pinger.pong, client_ep, on_pong));
	bench_check("arbor_signal_handler_init",
	            arbor_signal_handler_init(&ponger.ping, server_ep, on_ping));
	ponger.reply_to = arbor_signal_handler_cap(&pinger.pong);
	struct arbor_cap *ping = arbor_signal_handler_cap(&ponger.ping);

	pthread_t thread;
	int err = pthread_create(&thread, NULL, server_main, server_ep);
	if (err)
		bench_die("pthread_create", -err);

	uint64_t start = 0;
	for (long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = bench_now_ns();
		uint64_t expect = pinger.received + 1;
		bench_check("arbor_signal_submit ping", arbor_signal_submit(ping, 1));
		while (pinger.received < expect)
			bench_check("arbor_ep_dispatch", arbor_ep_dispatch(client_ep, -1));
	}
	uint64_t elapsed = bench_now_ns() - start;

	arbor_ep_stop(server_ep);
	pthread_join(thread, NULL);
	bench_report("result", (double)elapsed / (double)n / 1000.0, "us");
	return 0;
}
