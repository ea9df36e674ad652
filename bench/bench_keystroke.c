/*
 * Keystroke round trip: this program is the person at the terminal. It
 * holds a pty's master side, types one byte and times until the byte comes
 * back, -n times, and prints the median:
 *
 *   bench_keystroke arbor -n N BUILD   `arbor run run/terminal_echo.xml` on the pty:
 *                                      tool -> terminal -> terminal_echo and back
 *   bench_keystroke pty -n N           a process echoing each byte on the pty, raw
 *
 * Each prints "result <us> us".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "bench.h"

#define WARMUP 20
#define START_TIMEOUT_MS 30000
#define ECHO_TIMEOUT_MS 5000
#define ESCAPE 0x1d                       /* Ctrl-]: ends the run */

static __attribute__((noreturn)) void fail(const char *what)
{
	fprintf(stderr, "bench_keystroke: %s\n", what);
	exit(1);
}

/* A pty pair: the master here, the slave's path out. */
static int open_pty(char *slave, size_t size)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (master < 0 || grantpt(master) || unlockpt(master) || ptsname_r(master, slave, size))
		fail("cannot open a pty");
	ioctl(master, TIOCSWINSZ, &ws);
	return master;
}

/* In a new child: the slave as controlling terminal and stdin/out/err. */
static pid_t fork_on(const char *slave)
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	setsid();
	fd = open(slave, O_RDWR);      /* a session leader's first terminal becomes its own */
	if (fd < 0)
		_exit(1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	return 0;
}

/* The baseline's far end: raw, every byte straight back. */
static __attribute__((noreturn)) void echo_loop(void)
{
	struct termios t;
	char c;

	tcgetattr(0, &t);
	cfmakeraw(&t);
	tcsetattr(0, TCSANOW, &t);
	while (read(0, &c, 1) == 1)
		if (write(1, &c, 1) != 1)
			break;
	_exit(0);
}

/* Read the master until text has come (the output so far kept in buf). */
static int wait_output(int master, const char *text, int timeout_ms)
{
	static char buf[65536];
	static size_t len;
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000;

	while (!memmem(buf, len, text, strlen(text))) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		int left = (int)((deadline - bench_now_ns()) / 1000000);

		if (bench_now_ns() >= deadline || poll(&pfd, 1, left) <= 0)
			return -1;
		if (len == sizeof(buf))
			len = 0;
		ssize_t n = read(master, buf + len, sizeof(buf) - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
	}
	return 0;
}

/* Type c and wait for it to come back; the time in microseconds. */
static double round_trip(int master, char c)
{
	uint64_t start = bench_now_ns();
	char buf[256];

	if (write(master, &c, 1) != 1)
		fail("cannot type");
	for (;;) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, ECHO_TIMEOUT_MS) != 1)
			fail("a key did not come back");
		n = read(master, buf, sizeof(buf));
		if (n <= 0)
			fail("the terminal's far end went away");
		if (memchr(buf, c, (size_t)n))
			return (double)(bench_now_ns() - start) / 1000.0;
	}
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median_round_trip(int master, long n)
{
	double *t = calloc((size_t)n, sizeof(*t)), m;

	if (!t)
		fail("no memory");
	for (int i = 0; i < WARMUP; i++)
		round_trip(master, (char)('a' + i % 26));
	for (long i = 0; i < n; i++)
		t[i] = round_trip(master, (char)('a' + i % 26));
	qsort(t, (size_t)n, sizeof(*t), by_value);
	m = t[n / 2];
	free(t);
	return m;
}

/*
 * Wait up to timeout_ms for pid, reading (and dropping) what it prints
 * meanwhile, or it could block writing its teardown's log; then kill it.
 */
static void reap(pid_t pid, int master, int timeout_ms)
{
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000;
	char buf[4096];

	while (waitpid(pid, NULL, WNOHANG) == 0) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };

		if (bench_now_ns() >= deadline) {
			kill(pid, SIGTERM);      /* arbor tears core down on SIGTERM */
			waitpid(pid, NULL, 0);
			return;
		}
		if (poll(&pfd, 1, 100) == 1 && read(master, buf, sizeof(buf)) < 0)
			usleep(10000);       /* EIO: the slave is closed, the child about to end */
	}
}

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 2000);
	char slave[128], arbor[4096], config[4096];
	const char *build = argv[argc - 1];
	int master, arbor_side = argc > 1 && !strcmp(argv[1], "arbor");
	pid_t pid;
	double us;

	if (argc < 2 || (!arbor_side && strcmp(argv[1], "pty")))
		fail("usage: bench_keystroke arbor|pty -n N [BUILD]");
	signal(SIGPIPE, SIG_IGN);
	master = open_pty(slave, sizeof(slave));
	if (!arbor_side) {
		if (!(pid = fork_on(slave)))
			echo_loop();
		us = median_round_trip(master, n);
		close(master);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		bench_report("result", us, "us");
		return 0;
	}
	snprintf(arbor, sizeof(arbor), "%s/tool/arbor/arbor", build);
	snprintf(config, sizeof(config), "%s/run/terminal_echo.xml", BENCH_SOURCE_ROOT);
	if (access(arbor, X_OK))
		fail("no arbor tool in the build directory (ninja -C BUILD)");
	if (!(pid = fork_on(slave))) {
		execl(arbor, arbor, "run", config, "--timeout", "300", (char *)NULL);
		_exit(127);
	}
	if (wait_output(master, "[init -> terminal_echo] connected", START_TIMEOUT_MS)) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		fail("run/terminal_echo.xml did not connect to the pty");
	}
	us = median_round_trip(master, n);
	if (write(master, (char[]){ ESCAPE }, 1) != 1)
		kill(pid, SIGTERM);
	reap(pid, master, 10000);
	close(master);
	bench_report("result", us, "us");
	return 0;
}
