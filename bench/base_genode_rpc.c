/*
 * Baseline for benchmark 3: Genode's RPC scheme on Linux. Every call the
 * client creates a fresh SOCK_DGRAM socketpair as reply channel, sends the
 * 64-byte request plus the reply end by SCM_RIGHTS over the server's
 * SOCK_DGRAM socket, waits for the 64-byte reply on its own end and closes
 * both; the server closes the reply end after answering. Two threads pinned
 * to CPU 0. This is the design Arbor's per-thread private connections replace.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

struct server {
	int fd;          /* the server's receiving end of the request channel */
	long iterations;
};

static void *server_main(void *arg)
{
	struct server *srv = arg;
	unsigned char buf[BENCH_PAYLOAD];
	char ctl[CMSG_SPACE(sizeof(int))];

	bench_pin_or_die(0);
	for (long i = 0; i < srv->iterations; i++) {
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
		                     .msg_control = ctl, .msg_controllen = sizeof ctl };
		if (recvmsg(srv->fd, &mh, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof buf)
			bench_die("server recvmsg", -errno);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			bench_die("request without a reply channel", -EBADMSG);
		int reply_fd;
		memcpy(&reply_fd, CMSG_DATA(c), sizeof reply_fd);
		if (send(reply_fd, buf, sizeof buf, MSG_NOSIGNAL) != (ssize_t)sizeof buf)
			bench_die("server send", -errno);
		close(reply_fd);
	}
	return NULL;
}

static void call(int request_fd, unsigned char *buf)
{
	int reply[2];
	char ctl[CMSG_SPACE(sizeof(int))];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, reply) < 0)
		bench_die("socketpair", -errno);

	memset(ctl, 0, sizeof ctl);
	struct iovec iov = { .iov_base = buf, .iov_len = BENCH_PAYLOAD };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	                     .msg_control = ctl, .msg_controllen = sizeof ctl };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &reply[1], sizeof(int));
	if (sendmsg(request_fd, &mh, MSG_NOSIGNAL) != (ssize_t)BENCH_PAYLOAD)
		bench_die("client sendmsg", -errno);

	if (recv(reply[0], buf, BENCH_PAYLOAD, 0) != (ssize_t)BENCH_PAYLOAD)
		bench_die("client recv", -errno);
	close(reply[0]);
	close(reply[1]);
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 200000);
	long warmup = n / 10 + 1;
	int request[2];

	bench_pin_or_die(0);
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, request) < 0)
		bench_die("socketpair", -errno);

	struct server srv = { .fd = request[1], .iterations = warmup + n };
	pthread_t thread;
	int err = pthread_create(&thread, NULL, server_main, &srv);
	if (err)
		bench_die("pthread_create", -err);

	unsigned char buf[BENCH_PAYLOAD];
	memset(buf, 0x5a, sizeof buf);
	uint64_t start = 0;
	for (long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = bench_now_ns();
		call(request[0], buf);
	}
	uint64_t elapsed = bench_now_ns() - start;

	pthread_join(thread, NULL);
	bench_report("result", (double)elapsed / (double)n / 1000.0, "us");
	return 0;
}
