/*
 * init's figures (hooks: they run `arbor run` with init):
 *
 *   bench_init session -n N [BUILD]        mean time to open a LOG session at a sibling
 *                                        server through init (bench_session_client)
 *   bench_init start -n N BUILD          N children added to a running init's config
 *                                        until every one of them runs (logged "up")
 *   bench_init reconfigure-one -n N BUILD  of N running children, one gets a new version:
 *                                        time until it runs again; no other may restart
 *   bench_init restart-all -n N BUILD    all N get a new version: time until all run again
 *
 * Each prints "result <value> <unit>". The configurations are written to a
 * temporary file that `arbor run` serves as init's config; a new version is
 * written in place (core follows the file, init applies it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

#define LINE_MAX_ 65536
#define TIMEOUT_MS 120000

struct run {
	pid_t pid;
	int out;
	char buf[65536];
	size_t len;
	char path[64];
};

static struct run run = { .pid = 0, .out = -1 };

static void stop(void)
{
	if (run.pid > 0) {
		kill(run.pid, SIGTERM);
		waitpid(run.pid, NULL, 0);
		run.pid = 0;
	}
	if (run.path[0])
		unlink(run.path);
}

static __attribute__((noreturn)) void fail(const char *what)
{
	stop();
	fprintf(stderr, "bench_init: %s\n", what);
	exit(1);
}

static void write_config(long n, int with_children, const char *version_of, int all_new)
{
	char tmp[80];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.new", run.path);
	f = fopen(tmp, "w");
	if (!f)
		fail("cannot write the config");
	fprintf(f, "<config>\n"
	           " <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	           " <service name=\"CPU\"/> <service name=\"LOG\"/> </parent-provides>\n"
	           " <default-route> <any-service> <parent/> </any-service> </default-route>\n"
	           " <default caps=\"20\" ram=\"256K\"/>\n"
	           " <start name=\"ready\"> <binary name=\"bench_up\"/> </start>\n");
	for (long i = 0; with_children && i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "c%ld", i);
		int renewed = all_new || (version_of && !strcmp(version_of, name));
		fprintf(f, " <start name=\"%s\"%s> <binary name=\"bench_up\"/> </start>\n", name,
		        renewed ? " version=\"2\"" : "");
	}
	fprintf(f, "</config>\n");
	if (fclose(f) || rename(tmp, run.path))
		fail("cannot write the config");
}

static void start_arbor(const char *build, const char *config_text)
{
	char arbor[4096], bench_dir[4096];
	int pipefd[2], fd;

	snprintf(run.path, sizeof run.path, "/tmp/bench-init-XXXXXX");
	fd = mkstemp(run.path);
	if (fd < 0)
		fail("mkstemp");
	if (config_text && write(fd, config_text, strlen(config_text)) < 0)
		fail("write");
	close(fd);
	if (!config_text)
		write_config(0, 0, NULL, 0);
	snprintf(arbor, sizeof arbor, "%s/tool/arbor/arbor", build);
	snprintf(bench_dir, sizeof bench_dir, "%s/bench", build);
	if (pipe(pipefd))
		fail("pipe");
	run.pid = fork();
	if (run.pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execl(arbor, arbor, "run", run.path, "--rom-dir", bench_dir, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	run.out = pipefd[0];
	if (run.pid < 0)
		fail("fork");
}

/*
 * Read lines until `count` lines contain `needle` (and, when prefix is set,
 * start with it); returns the last one in line. Lines with forbid are fatal.
 */
static void wait_lines(const char *prefix, const char *needle, long count, const char *forbid,
                       char *line, size_t size)
{
	uint64_t deadline = bench_now_ns() + TIMEOUT_MS * 1000000ull;
	long seen = 0;

	while (seen < count) {
		char *nl;
		while (seen < count && (nl = memchr(run.buf, '\n', run.len))) {
			*nl = '\0';
			if (strstr(run.buf, "Error") || (forbid && strstr(run.buf, forbid))) {
				fprintf(stderr, "bench_init: unexpected: %s\n", run.buf);
				fail("see above");
			}
			if ((!prefix || !strncmp(run.buf, prefix, strlen(prefix))) && strstr(run.buf, needle)) {
				seen++;
				snprintf(line, size, "%s", run.buf);
			}
			run.len -= (size_t)(nl + 1 - run.buf);
			memmove(run.buf, nl + 1, run.len);
		}
		if (seen >= count)
			break;
		uint64_t now = bench_now_ns();
		if (now > deadline)
			fail("timeout");
		struct pollfd pfd = { run.out, POLLIN, 0 };
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000)) <= 0)
			continue;
		ssize_t r = read(run.out, run.buf + run.len, sizeof(run.buf) - 1 - run.len);
		if (r <= 0)
			fail("arbor run ended early");
		run.len += (size_t)r;
	}
}

/* Nothing matching needle for quiet_ms (after an expected change). */
static int quiet(const char *needle, int quiet_ms)
{
	uint64_t end = bench_now_ns() + quiet_ms * 1000000ull;
	char line[LINE_MAX_];

	for (;;) {
		int left = (int)((int64_t)(end - bench_now_ns()) / 1000000);
		if (left <= 0)
			return 1;
		struct pollfd pfd = { run.out, POLLIN, 0 };
		if (poll(&pfd, 1, left) <= 0)
			continue;
		ssize_t r = read(run.out, run.buf + run.len, sizeof(run.buf) - 1 - run.len);
		if (r <= 0)
			return 1;
		run.len += (size_t)r;
		char *nl;
		while ((nl = memchr(run.buf, '\n', run.len))) {
			*nl = '\0';
			snprintf(line, sizeof line, "%s", run.buf);
			run.len -= (size_t)(nl + 1 - run.buf);
			memmove(run.buf, nl + 1, run.len);
			if (strstr(line, needle)) {
				fprintf(stderr, "bench_init: also restarted: %s\n", line);
				return 0;
			}
		}
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long n = bench_iterations(argc, argv, 200);
	char build[4096], line[LINE_MAX_];
	uint64_t t0;

	/* BUILD/bench/bench_init: the build directory is two levels up (also as a baseline) */
	ssize_t len = readlink("/proc/self/exe", build, sizeof(build) - 1);
	if (len <= 0)
		fail("cannot find the build directory");
	build[len] = '\0';
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "session")) {
		char config[2048];
		snprintf(config, sizeof config,
		         "<config>\n"
		         " <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
		         " <service name=\"CPU\"/> <service name=\"LOG\"/> </parent-provides>\n"
		         " <default-route> <any-service> <parent/> </any-service> </default-route>\n"
		         " <default caps=\"100\" ram=\"4M\"/>\n"
		         " <start name=\"server\"> <binary name=\"dummy\"/>"
		         "  <provides> <service name=\"LOG\"/> </provides> <config> <log_service/> </config> </start>\n"
		         " <start name=\"client\"> <binary name=\"bench_session_client\"/>\n"
		         "  <route> <service name=\"LOG\" label=\"bench\"> <child name=\"server\"/> </service>\n"
		         "   <service name=\"LOG\" label=\"warm-up\"> <child name=\"server\"/> </service>\n"
		         "   <any-service> <parent/> </any-service> </route> </start>\n"
		         "</config>\n");
		(void)n;
		start_arbor(build, config);
		wait_lines(NULL, "bench-session: result", 1, NULL, line, sizeof line);
		stop();
		double us = atof(strstr(line, "result") + 7);
		bench_report("result", us, "us");
		return 0;
	}
	start_arbor(build, NULL);
	wait_lines("[init -> ready]", "up", 1, NULL, line, sizeof line);
	t0 = bench_now_ns();
	write_config(n, 1, NULL, 0);
	wait_lines("[init -> c", "] up", n, NULL, line, sizeof line);
	if (!strcmp(mode, "start")) {
		bench_report("result", (bench_now_ns() - t0) / 1e6, "ms");
		stop();
		return 0;
	}
	if (!strcmp(mode, "reconfigure-one")) {
		char victim[32];
		snprintf(victim, sizeof victim, "c%ld", n / 2);
		char prefix[64];
		snprintf(prefix, sizeof prefix, "[init -> %s]", victim);
		t0 = bench_now_ns();
		write_config(n, 1, victim, 0);
		wait_lines(prefix, "up", 1, NULL, line, sizeof line);
		double ms = (bench_now_ns() - t0) / 1e6;
		if (!quiet("] up", 300))
			fail("a child other than the reconfigured one restarted");
		bench_report("result", ms, "ms");
		stop();
		return 0;
	}
	if (!strcmp(mode, "restart-all")) {
		t0 = bench_now_ns();
		write_config(n, 1, NULL, 1);
		wait_lines("[init -> c", "] up", n, NULL, line, sizeof line);
		bench_report("result", (bench_now_ns() - t0) / 1e6, "ms");
		stop();
		return 0;
	}
	fail("usage: bench_init session|start|reconfigure-one|restart-all -n N BUILD");
}
