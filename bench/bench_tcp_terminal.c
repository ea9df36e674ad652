/*
 * Bytes per second through tcp_terminal, and the same bytes straight
 * through a loopback TCP socket:
 *
 *   bench_tcp_terminal arbor -n MIB [BUILD]   tcp_flood writes MIB MiB into its
 *                                             Terminal session at tcp_terminal (under
 *                                             `arbor run`), which sends them to us
 *   bench_tcp_terminal direct -n MIB          a forked writer write()s MIB MiB into an
 *                                             accepted loopback socket
 *
 * Both sides read with the same loop here, 256 KiB per recv(), from the
 * moment connect() returns until the last byte. Both writers send a fixed
 * pattern in calls of ARBOR_TERMINAL_IO_BUFFER bytes: tcp_flood's
 * Terminal session moves that much per write call, which tcp_terminal
 * send()s; the baseline write()s as much. Both sockets have TCP_NODELAY,
 * as tcp_terminal sets it. Each prints "result <MiB/s> MiB/s".
 *
 * Everything runs on CPU 0: the reader, and the writers with whatever they
 * start (`arbor run`, core, init, tcp_terminal, tcp_flood inherit it). On
 * two virtual CPUs, spreading three busy processes makes the figure a
 * measure of how fast the host wakes a halted vCPU (one wake-up per buffer
 * each way); on one CPU it is the work per byte, which is what the two
 * ways of sending differ in. bench/README.md has the figures unpinned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <session/terminal.h>
#include "bench.h"
#include "bench_core.h"

#define READ_BUFFER  (256u * 1024)
#define WRITE_CHUNK  ARBOR_TERMINAL_IO_BUFFER
#define TIMEOUT_MS   120000

static char buffer[READ_BUFFER];

/* Read total bytes from fd; returns the seconds it took from start_ns. */
static double drain(int fd, uint64_t total, uint64_t start_ns)
{
	uint64_t got = 0;

	while (got < total) {
		ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			bench_die("the stream ended early", n < 0 ? -errno : -EPIPE);
		got += (uint64_t)n;
	}
	return (double)(bench_now_ns() - start_ns) / 1e9;
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port),
	                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		bench_die("socket", -errno);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static uint16_t bound_port(int fd)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);

	if (getsockname(fd, (struct sockaddr *)&addr, &len))
		bench_die("getsockname", -errno);
	return ntohs(addr.sin_port);
}

static int loopback_listener(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
	                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 1))
		bench_die("a loopback listener", -errno);
	return fd;
}

/* The baseline: a forked writer on an accepted socket, set up as tcp_terminal sets up its peer. */
static double direct(uint64_t total)
{
	int listener = loopback_listener(), fd, status;
	pid_t writer = fork();
	uint64_t t0;
	double s;

	if (writer < 0)
		bench_die("fork", -errno);
	if (writer == 0) {
		int one = 1, peer = accept(listener, NULL, NULL);
		static char chunk[WRITE_CHUNK];

		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (char)('a' + i % 26);
		setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		for (uint64_t sent = 0; peer >= 0 && sent < total; ) {
			size_t len = total - sent < sizeof(chunk) ? (size_t)(total - sent) : sizeof(chunk);
			ssize_t n = write(peer, chunk, len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(1);
			sent += (uint64_t)n;
		}
		_exit(peer >= 0 ? 0 : 1);
	}
	fd = connect_to(bound_port(listener));
	if (fd < 0)
		bench_die("connect", fd);
	t0 = bench_now_ns();
	s = drain(fd, total, t0);
	close(fd);
	close(listener);
	if (waitpid(writer, &status, 0) != writer || !WIFEXITED(status) || WEXITSTATUS(status))
		bench_die("the writer failed", -EIO);
	return s;
}

/* A port nobody uses right now (tcp_terminal's listener is made by core, later). */
static uint16_t free_port(void)
{
	int fd = loopback_listener();
	uint16_t port = bound_port(fd);

	close(fd);
	return port;
}

static double arbor(const char *build, uint64_t mib)
{
	static struct bench_core core;
	char tag[128], rest[256];
	uint16_t port = free_port();
	uint64_t t0;
	double s;
	int fd;

	bench_core_run(&core, build, "tcp-terminal", "test/terminal", NULL,
	        "<config>\n"
	        " <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	        " <service name=\"CPU\"/> <service name=\"LOG\"/> <service name=\"Host_tcp\"/>"
	        " </parent-provides>\n"
	        " <default-route> <service name=\"Terminal\"> <child name=\"tcp_terminal\"/> </service>\n"
	        "  <any-service> <parent/> </any-service> </default-route>\n"
	        " <default caps=\"100\" ram=\"2M\"/>\n"
	        " <start name=\"tcp_terminal\"> <provides> <service name=\"Terminal\"/> </provides>\n"
	        "  <config> <policy label=\"flood\" port=\"%u\"/> </config> </start>\n"
	        " <start name=\"flood\"> <binary name=\"tcp_flood\"/>"
	        " <config mib=\"%llu\"/> </start>\n"
	        "</config>\n", port, (unsigned long long)mib);

	snprintf(tag, sizeof(tag), "'flood' listens on 127.0.0.1:%u", port);
	if (bench_core_wait_tag(&core, tag, rest, sizeof(rest), TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("tcp_terminal did not listen", -ETIMEDOUT);
	}
	fd = connect_to(port);
	if (fd < 0) {
		bench_core_kill(&core);
		bench_die("connect to tcp_terminal", fd);
	}
	t0 = bench_now_ns();
	s = drain(fd, mib << 20, t0);
	if (bench_core_wait_tag(&core, "flood: done", rest, sizeof(rest), TIMEOUT_MS)) {
		bench_core_kill(&core);
		bench_core_dump(&core);
		bench_die("tcp_flood did not finish", -ETIMEDOUT);
	}
	close(fd);
	bench_core_finish(&core, SIGTERM, 10000);
	return s;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long mib = bench_iterations(argc, argv, 256);
	char build[4096];
	ssize_t len;
	double s;

	signal(SIGPIPE, SIG_IGN);
	bench_pin_or_die(0);
	/* BUILD/bench/bench_tcp_terminal: the build directory is one level up */
	len = readlink("/proc/self/exe", build, sizeof(build) - 1);
	if (len <= 0)
		bench_die("cannot find the build directory", -ENOENT);
	build[len] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';

	if (!strcmp(mode, "arbor"))
		s = arbor(build, (uint64_t)mib);
	else if (!strcmp(mode, "direct"))
		s = direct((uint64_t)mib << 20);
	else {
		fprintf(stderr, "usage: bench_tcp_terminal arbor|direct -n MIB [BUILD]\n");
		return 2;
	}
	bench_report("result", (double)mib / s, "MiB/s");
	return 0;
}
