/*
 * Baseline for benchmarks 1 and 2: a raw SOCK_SEQPACKET socketpair
 * ping-pong, 64 bytes each way, two threads pinned to CPU 0; with --fd
 * every request also carries one eventfd by SCM_RIGHTS, which the receiver
 * closes. This is the least an Arbor RPC can do on Linux (one seqpacket
 * record each way, fds by SCM_RIGHTS), so it is the fair floor to compare with.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bench.h"

struct pingpong {
	int fd;          /* this side's end of the socketpair */
	long iterations; /* including the warm-up */
};

static void send_msg(int sock, const void *buf, int pass_fd)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = BENCH_PAYLOAD };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (pass_fd >= 0) {
		memset(ctl, 0, sizeof ctl);
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof ctl;
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)BENCH_PAYLOAD)
		bench_die("sendmsg", -errno);
}

/* Receive one record; close every fd it carried (the receiver drops it). */
static void recv_msg(int sock, void *buf)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = BENCH_PAYLOAD };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	                     .msg_control = ctl, .msg_controllen = sizeof ctl };

	if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != (ssize_t)BENCH_PAYLOAD)
		bench_die("recvmsg", -errno);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int fd;
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
		close(fd);
	}
}

static void *server_main(void *arg)
{
	struct pingpong *pp = arg;
	unsigned char buf[BENCH_PAYLOAD];

	bench_pin_or_die(0);
	for (long i = 0; i < pp->iterations; i++) {
		recv_msg(pp->fd, buf);
		send_msg(pp->fd, buf, -1);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 200000);
	long warmup = n / 10 + 1;
	int with_fd = argc > 1 && strcmp(argv[1], "--fd") == 0;
	int sv[2];

	bench_pin_or_die(0);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		bench_die("socketpair", -errno);
	int efd = with_fd ? eventfd(0, EFD_CLOEXEC) : -1;
	if (with_fd && efd < 0)
		bench_die("eventfd", -errno);

	struct pingpong server = { .fd = sv[1], .iterations = warmup + n };
	pthread_t thread;
	int err = pthread_create(&thread, NULL, server_main, &server);
	if (err)
		bench_die("pthread_create", -err);

	unsigned char buf[BENCH_PAYLOAD];
	memset(buf, 0x5a, sizeof buf);
	uint64_t start = 0;
	for (long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = bench_now_ns();
		send_msg(sv[0], buf, efd);
		recv_msg(sv[0], buf);
	}
	uint64_t elapsed = bench_now_ns() - start;

	pthread_join(thread, NULL);
	bench_report("result", (double)elapsed / (double)n / 1000.0, "us");
	return 0;
}
