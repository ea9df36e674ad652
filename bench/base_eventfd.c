/*
 * Baseline for benchmark 4: eventfd ping-pong between two threads pinned to
 * CPU 0 (blocking read/write). An Arbor signal is an eventfd watched by an
 * entrypoint, so this is the same wake-up without epoll and dispatch.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "bench.h"

struct side {
	int wait_fd, wake_fd;
	long iterations;
};

static void wait_for(int fd)
{
	uint64_t v;
	if (read(fd, &v, sizeof v) != (ssize_t)sizeof v)
		bench_die("eventfd read", -errno);
}

static void wake(int fd)
{
	uint64_t one = 1;
	if (write(fd, &one, sizeof one) != (ssize_t)sizeof one)
		bench_die("eventfd write", -errno);
}

static void *receiver_main(void *arg)
{
	struct side *s = arg;

	bench_pin_or_die(0);
	for (long i = 0; i < s->iterations; i++) {
		wait_for(s->wait_fd);
		wake(s->wake_fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 200000);
	long warmup = n / 10 + 1;

	bench_pin_or_die(0);
	int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC);
	if (ping < 0 || pong < 0)
		bench_die("eventfd", -errno);

	struct side receiver = { .wait_fd = ping, .wake_fd = pong, .iterations = warmup + n };
	pthread_t thread;
	int err = pthread_create(&thread, NULL, receiver_main, &receiver);
	if (err)
		bench_die("pthread_create", -err);

	uint64_t start = 0;
	for (long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = bench_now_ns();
		wake(ping);
		wait_for(pong);
	}
	uint64_t elapsed = bench_now_ns() - start;

	pthread_join(thread, NULL);
	bench_report("result", (double)elapsed / (double)n / 1000.0, "us");
	return 0;
}
