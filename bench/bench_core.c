/* Running arbor-core from the benchmark hooks (see bench_core.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"
#include "bench_core.h"

const char *bench_core_build_dir(int argc, char **argv)
{
	struct stat st;

	if (argc < 2 || stat(argv[argc - 1], &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "usage: %s [-n N] BUILD_DIR\n", argc ? argv[0] : "bench");
		exit(2);
	}
	return argv[argc - 1];
}

void bench_core_require(const char *build, const char *const components[])
{
	char path[4096];

	snprintf(path, sizeof path, "%s/core/arbor-core", build);
	if (access(path, X_OK) < 0) {
		fprintf(stderr, "bench: %s: %s (build core first: ninja -C %s)\n", path,
		        strerror(errno), build);
		exit(1);
	}
	for (unsigned i = 0; components[i]; i++) {
		snprintf(path, sizeof path, "%s/bench/%s", build, components[i]);
		if (access(path, R_OK) < 0) {
			fprintf(stderr, "bench: component %s: %s (build it first: ninja -C %s)\n",
			        path, strerror(errno), build);
			exit(1);
		}
	}
}

/* Fork argv[0] with its stdout and stderr going to c->out. Returns 0 or a negative errno. */
static int spawn(struct bench_core *c, char *const argv[])
{
	int pipefd[2];

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return err;
	}
	if (pid == 0) {
		if (dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(pipefd[1], STDERR_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		fprintf(stderr, "bench: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	c->pid = pid;
	c->out = pipefd[0];
	return 0;
}

int bench_core_start(struct bench_core *c, const char *build, const char *ram,
                     const char *caps, char *const root_argv[])
{
	char core_path[4096], rom_dir[4096];
	char *argv[64];
	unsigned argc = 0;

	memset(c, 0, sizeof *c);
	c->out = -1;
	snprintf(core_path, sizeof core_path, "%s/core/arbor-core", build);
	snprintf(rom_dir, sizeof rom_dir, "%s/bench", build);
	argv[argc++] = core_path;
	argv[argc++] = "--rom-dir";
	argv[argc++] = rom_dir;
	argv[argc++] = "--ram";
	argv[argc++] = (char *)ram;
	argv[argc++] = "--caps";
	argv[argc++] = (char *)caps;
	for (unsigned i = 0; root_argv[i] && argc < 63; i++)
		argv[argc++] = root_argv[i];
	argv[argc] = NULL;
	return spawn(c, argv);
}

/* BUILD/SUB into path; dies when it does not fit. */
static void build_path(char *path, size_t size, const char *build, const char *sub)
{
	if ((size_t)snprintf(path, size, "%s/%s", build, sub) >= size)
		bench_die(build, -ENAMETOOLONG);
}

static void remove_config(struct bench_core *c)
{
	if (c->config[0]) {
		unlink(c->config);
		c->config[0] = '\0';
	}
}

void bench_core_run(struct bench_core *c, const char *build, const char *name,
                    const char *rom_dir, const char *file_dir, const char *config_fmt, ...)
{
	char arbor_path[4096], rom_path[4096], file_path[4096];
	char *argv[8];
	unsigned argc = 0;
	va_list ap;
	FILE *f;
	int fd, err;

	memset(c, 0, sizeof *c);
	c->out = -1;
	build_path(arbor_path, sizeof arbor_path, build, "tool/arbor/arbor");
	build_path(rom_path, sizeof rom_path, build, rom_dir);
	if (file_dir)
		build_path(file_path, sizeof file_path, build, file_dir);
	if (access(arbor_path, X_OK) < 0)
		bench_die(arbor_path, -errno);

	if ((size_t)snprintf(c->config, sizeof c->config, "/tmp/bench-%s-XXXXXX", name) >=
	    sizeof c->config)
		bench_die(name, -ENAMETOOLONG);
	fd = mkstemp(c->config);
	if (fd < 0) {
		c->config[0] = '\0';
		bench_die("a config file", -errno);
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		remove_config(c);
		bench_die("a config file", err);
	}
	va_start(ap, config_fmt);
	err = vfprintf(f, config_fmt, ap) < 0 ? -EIO : 0;
	va_end(ap);
	if (fclose(f) && !err)
		err = -errno;
	if (err) {
		remove_config(c);
		bench_die("a config file", err);
	}

	argv[argc++] = arbor_path;
	argv[argc++] = "run";
	argv[argc++] = c->config;
	argv[argc++] = "--rom-dir";
	argv[argc++] = rom_path;
	if (file_dir) {
		argv[argc++] = "--file-dir";
		argv[argc++] = file_path;
	}
	argv[argc] = NULL;
	err = spawn(c, argv);
	if (err) {
		remove_config(c);
		bench_die("starting arbor run", err);
	}
}

/* Append what core wrote; keeps the newest BENCH_CORE_LOG_MAX bytes. Returns 0 at EOF. */
static ssize_t read_output(struct bench_core *c)
{
	char buf[8192];
	ssize_t n;

	do
		n = read(c->out, buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		close(c->out);
		c->out = -1;
		return n < 0 ? -errno : 0;
	}
	if (c->len + (size_t)n > sizeof c->log) {
		/* drop the oldest half, at a line start where possible */
		size_t drop = c->len / 2 + (size_t)n;
		if (drop > c->len)
			drop = c->len;
		char *nl = memchr(c->log + drop, '\n', c->len - drop);
		if (nl)
			drop = (size_t)(nl + 1 - c->log);
		memmove(c->log, c->log + drop, c->len - drop);
		c->len -= drop;
		c->scanned = c->scanned > drop ? c->scanned - drop : 0;
	}
	if ((size_t)n > sizeof c->log - c->len)
		n = (ssize_t)(sizeof c->log - c->len);
	memcpy(c->log + c->len, buf, (size_t)n);
	c->len += (size_t)n;
	return n;
}

/* Look at the complete lines not yet scanned. Returns 1 with out filled when found. */
static int scan_lines(struct bench_core *c, const char *tag, char *out, size_t size)
{
	for (;;) {
		char *start = c->log + c->scanned;
		char *nl = memchr(start, '\n', c->len - c->scanned);
		if (!nl)
			return 0;
		c->scanned = (size_t)(nl + 1 - c->log);
		*nl = '\0';
		char *hit = strstr(start, tag);
		*nl = '\n';
		if (hit) {
			size_t len = (size_t)(nl - (hit + strlen(tag)));
			if (len >= size)
				len = size - 1;
			memcpy(out, hit + strlen(tag), len);
			out[len] = '\0';
			return 1;
		}
	}
}

int bench_core_wait_tag(struct bench_core *c, const char *tag, char *out, size_t size,
                        int timeout_ms)
{
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;

	for (;;) {
		if (scan_lines(c, tag, out, size))
			return 0;
		if (c->out < 0)
			return -EPIPE;
		uint64_t now = bench_now_ns();
		int wait_ms = now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;
		struct pollfd pfd = { .fd = c->out, .events = POLLIN };
		int r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			read_output(c);
		else if (r == 0 && bench_now_ns() >= deadline)
			return -ETIMEDOUT;
	}
}

/* Signal, drain and reap core (bench_core_finish() without removing the config file). */
static int reap(struct bench_core *c, int sig, int timeout_ms)
{
	uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
	int status, killed = 0;

	if (!c->pid)
		return -ECHILD;
	if (sig)
		kill(c->pid, sig);
	for (;;) {
		pid_t r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
		if (!killed && bench_now_ns() >= deadline) {
			kill(c->pid, SIGKILL);
			killed = 1;
		}
		if (c->out >= 0) {
			struct pollfd pfd = { .fd = c->out, .events = POLLIN };
			if (poll(&pfd, 1, 10) > 0)
				read_output(c);
		} else {
			usleep(5000);
		}
	}
	c->pid = 0;
	while (c->out >= 0 && read_output(c) > 0)
		;
	return killed ? -ETIMEDOUT : status;
}

int bench_core_finish(struct bench_core *c, int sig, int timeout_ms)
{
	int status = reap(c, sig, timeout_ms);

	/* only now: core serves the file to init as ROM "config" while it runs */
	remove_config(c);
	return status;
}

void bench_core_kill(struct bench_core *c)
{
	if (c->pid)
		reap(c, SIGKILL, 0);
	if (c->out >= 0) {
		close(c->out);
		c->out = -1;
	}
	remove_config(c);
}

void bench_core_dump(const struct bench_core *c)
{
	fprintf(stderr, "---- arbor-core's output (last %zu bytes) ----\n%.*s", c->len,
	        (int)c->len, c->log);
	if (c->len && c->log[c->len - 1] != '\n')
		fputc('\n', stderr);
	fprintf(stderr, "----\n");
}
