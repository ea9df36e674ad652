/*
 * Sandbox escape suite: a plain static program run as a component that
 * tries to get out of its sandbox in every way the attack list names and
 * prints one line per attempt:
 *
 *   ATTEMPT n: <what>: denied (<errno or signal>)
 *   ATTEMPT n: <what>: ESCAPED (<details>)
 *
 * then "escape suite: N attempts, D denied, E escaped". Exits 0 only when
 * every attempt was denied. Attempts that may crash, hang or alter the
 * process run in a forked child whose fate is reported, so one attempt
 * can never end the suite.
 *
 *   escape [TCP_PORT]   TCP_PORT: a listener the test opened on the host's 127.0.0.1
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "escape.h"

#define ATTEMPT_TIMEOUT_MS 30000

int escape_tcp_port;
volatile uint64_t *escape_progress;

static unsigned attempts, denied, escaped;

static void record(const char *what, const struct verdict *v)
{
	attempts++;
	if (v->escaped)
		escaped++;
	else
		denied++;
	printf("ATTEMPT %u: %s: %s (%s)\n", attempts, what, v->escaped ? "ESCAPED" : "denied",
	       v->detail);
	fflush(stdout);
}

/* Read the child's verdict; 1 when a whole one arrived. */
static int read_verdict(int fd, pid_t pid, struct verdict *v)
{
	size_t got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (got < sizeof(*v)) {
		int n = poll(&p, 1, ATTEMPT_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			kill(pid, SIGKILL);
			return -1;   /* timed out */
		}
		ssize_t r = read(fd, (char *)v + got, sizeof(*v) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

/*
 * Run the attempt in a child; report its verdict or, when it did not give
 * one, how it ended (a signal is the sandbox stopping it).
 */
static void run_forked(const struct attempt *a)
{
	struct verdict v = { 0 };
	int fds[2], status = 0, got;
	pid_t pid;

	fflush(stdout);
	*escape_progress = 0;
	if (pipe(fds) < 0) {
		verdict_escaped(&v, "cannot run: pipe failed with %s", verdict_errno_name(errno));
		record(a->what, &v);
		return;
	}
	pid = fork();
	if (pid < 0) {
		/* no child to shield us: run it here rather than not at all */
		close(fds[0]);
		close(fds[1]);
		a->fn(&v);
		record(a->what, &v);
		return;
	}
	if (pid == 0) {
		close(fds[0]);
		a->fn(&v);
		ssize_t n = write(fds[1], &v, sizeof(v));
		_exit(n == (ssize_t)sizeof(v) ? 0 : 1);
	}
	close(fds[1]);
	got = read_verdict(fds[0], pid, &v);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == 1) {
		record(a->what, &v);
		return;
	}
	if (got < 0)
		verdict_escaped(&v, "no verdict within %d s: the attempt hung", ATTEMPT_TIMEOUT_MS / 1000);
	else if (WIFSIGNALED(status) && *escape_progress)
		verdict_denied(&v, "%s after %llu MiB", verdict_signal_name(WTERMSIG(status)),
		               (unsigned long long)(*escape_progress >> 20));
	else if (WIFSIGNALED(status))
		verdict_denied(&v, "%s", verdict_signal_name(WTERMSIG(status)));
	else
		verdict_escaped(&v, "attempt ended with exit value %d but gave no verdict",
		                WEXITSTATUS(status));
	record(a->what, &v);
}

static void run_all(const struct attempt *list)
{
	for (const struct attempt *a = list; a->what; a++) {
		if (a->mode == ATTEMPT_FORKED) {
			run_forked(a);
		} else {
			struct verdict v = { 0 };
			a->fn(&v);
			record(a->what, &v);
		}
	}
}

int main(int argc, char **argv)
{
	struct timespec start, end;

	clock_gettime(CLOCK_MONOTONIC, &start);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1)
		escape_tcp_port = atoi(argv[1]);

	/* the inherited state is checked first, before this program opens anything */
	run_all(escape_state_attempts);

	escape_progress = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (escape_progress == MAP_FAILED) {
		printf("escape suite: cannot map a shared page: %s\n", verdict_errno_name(errno));
		return 1;
	}
	run_all(escape_fs_attempts);
	run_all(escape_proc_attempts);
	run_all(escape_net_attempts);
	run_all(escape_kernel_attempts);
	run_all(escape_resource_attempts);

	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("escape suite: %u attempts, %u denied, %u escaped (in %lld ms)\n", attempts, denied,
	       escaped, (long long)(end.tv_sec - start.tv_sec) * 1000 +
	       (end.tv_nsec - start.tv_nsec) / 1000000);
	return escaped ? 1 : 0;
}
