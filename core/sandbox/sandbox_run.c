/*
 * sandbox-run: the sandbox library's test driver. Runs a binary in the
 * sandbox the way core does (memfd, pipes, signalfd + tracer) and prints
 * its output as "[label] line" and how it ended.
 *
 *   sandbox-run [--ram BYTES] [--pids N] [--label L] [--count N | --repeat N]
 *               BINARY [ARGS...]
 *
 * --count N starts N instances at once and reports how long that took;
 * --repeat N runs N instances one after another (output discarded) and
 * reports the spawn-to-exit time.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "tracer.h"

#define LINE_MAX_BYTES 4096

struct stream {
	int fd;                      /* read end, -1 after EOF */
	size_t len;
	char buf[LINE_MAX_BYTES];
};

struct instance {
	char label[96];
	struct sandbox_proc proc;
	struct stream out, err;
	bool running;
};

struct options {
	uint64_t ram;
	unsigned pids;
	unsigned count;
	unsigned repeat;
	const char *label;
	char **argv;                 /* BINARY ARGS... */
};

static struct sandbox_host host;

static void usage(void)
{
	fprintf(stderr, "usage: sandbox-run [--ram BYTES] [--pids N] [--label L] "
	        "[--count N | --repeat N] BINARY [ARGS...]\n");
	exit(2);
}

static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'k': case 'K': v <<= 10; break;
	case 'm': case 'M': v <<= 20; break;
	case 'g': case 'G': v <<= 30; break;
	case '\0': break;
	default: usage();
	}
	return v;
}

static void parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "ram", required_argument, NULL, 'r' },
		{ "pids", required_argument, NULL, 'p' },
		{ "label", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof *o);
	o->count = 1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->ram = parse_size(optarg); break;
		case 'p': o->pids = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'l': o->label = optarg; break;
		case 'c': o->count = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'n': o->repeat = (unsigned)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind >= argc || !o->count)
		usage();
	o->argv = argv + optind;
	if (!o->label) {
		const char *slash = strrchr(o->argv[0], '/');

		o->label = slash ? slash + 1 : o->argv[0];
	}
}

/* Core keeps binaries in sealed memfds; do the same so /proc/<pid>/exe is one. */
static int load_binary(const char *path, const char *name)
{
	struct stat st;
	off_t off = 0;
	int in, fd;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) < 0) {
		perror(path);
		exit(1);
	}
	fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		perror("memfd_create");
		exit(1);
	}
	while (off < st.st_size)
		if (sendfile(fd, in, &off, (size_t)(st.st_size - off)) <= 0) {
			perror("sendfile");
			exit(1);
		}
	close(in);
	fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	/*
	 * Execute-only: a component that cannot read its binary is not dumpable,
	 * so host processes sharing its outer uid cannot ptrace it.
	 * A non-root core must keep it readable: it would lose that access too.
	 */
	if (geteuid() == 0)
		fchmod(fd, 0111);
	return fd;
}

static void emit(const char *label, const char *line, size_t len)
{
	printf("[%s] %.*s\n", label, (int)len, line);
}

/* Print the complete lines in the buffer; at EOF also the unterminated rest. */
static void flush_lines(const char *label, struct stream *s, bool eof)
{
	size_t start = 0, i;

	for (i = 0; i < s->len; i++) {
		if (s->buf[i] == '\n') {
			emit(label, s->buf + start, i - start);
			start = i + 1;
		}
	}
	if (start == 0 && s->len == sizeof s->buf) {
		emit(label, s->buf, s->len);   /* an overlong line comes in pieces */
		start = s->len;
	}
	if (eof && start < s->len) {
		emit(label, s->buf + start, s->len - start);
		start = s->len;
	}
	memmove(s->buf, s->buf + start, s->len - start);
	s->len -= start;
}

static void read_stream(const char *label, struct stream *s)
{
	ssize_t n;

	if (s->fd < 0)
		return;
	n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		flush_lines(label, s, true);
		close(s->fd);
		s->fd = -1;
		return;
	}
	s->len += (size_t)n;
	flush_lines(label, s, false);
}

static void finish(struct instance *in, const struct tracer_event *ev)
{
	const char *step;
	int err;

	/* The whole pid namespace is gone: the pipes reach EOF promptly. */
	while (in->out.fd >= 0)
		read_stream(in->label, &in->out);
	while (in->err.fd >= 0)
		read_stream(in->label, &in->err);
	err = sandbox_setup_result(&in->proc, &step);
	if (err)
		printf("[%s] sandbox setup failed at %s: %s\n", in->label, step ? step : "?",
		       strerror(-err));
	switch (ev->kind) {
	case TRACER_EXITED:
		printf("[%s] exited with exit value %d\n", in->label, ev->code);
		break;
	case TRACER_CRASHED:
		printf("[%s] crashed: %s\n", in->label, ev->reason);
		break;
	case TRACER_KILLED:
		printf("[%s] killed by signal %d\n", in->label, ev->signal);
		break;
	}
	sandbox_release(&host, &in->proc);
	in->running = false;
}

static int spawn(const struct options *o, int binary_fd, struct instance *in, bool quiet)
{
	struct sandbox_spec spec = {
		.label = in->label,
		.binary_fd = binary_fd,
		.parent_fd = -1,
		.stdout_fd = -1,
		.stderr_fd = -1,
		.argv = o->argv,
		.ram_limit = o->ram,
		.pids_limit = o->pids,
	};
	int out[2], err[2], rc;

	in->out.fd = in->err.fd = -1;
	if (!quiet) {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
			perror("pipe2");
			exit(1);
		}
		spec.stdout_fd = out[1];
		spec.stderr_fd = err[1];
	}
	rc = sandbox_spawn(&host, &spec, &in->proc);
	if (!quiet) {
		close(out[1]);
		close(err[1]);
		in->out.fd = out[0];
		in->err.fd = err[0];
	}
	if (rc) {
		fprintf(stderr, "[sandbox-run] spawning %s failed at %s: %s\n", in->label,
		        in->proc.failed_step ? in->proc.failed_step : "?", strerror(-rc));
		return rc;
	}
	in->running = true;
	return 0;
}

static struct instance *find(struct instance *all, unsigned n, pid_t pid)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (all[i].running && all[i].proc.pid == pid)
			return &all[i];
	return NULL;
}

/* After SIGCHLD: let the tracer handle everything pending. Returns processes ended. */
static unsigned handle_sigchld(int sfd, struct instance *all, unsigned n, bool print)
{
	struct signalfd_siginfo si[16];
	struct tracer_event ev;
	struct instance *in;
	unsigned ended = 0;
	int rc;

	while (read(sfd, si, sizeof si) > 0)
		;
	while ((rc = tracer_next(&ev)) == 1) {
		in = find(all, n, ev.pid);
		if (!in)
			continue;   /* a thread or child the tracer let go of */
		if (print) {
			finish(in, &ev);
		} else {
			sandbox_release(&host, &in->proc);
			in->running = false;
		}
		ended++;
	}
	if (rc < 0)
		fprintf(stderr, "[sandbox-run] tracer: %s\n", strerror(-rc));
	return ended;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_repeat(const struct options *o, int binary_fd, int sfd)
{
	struct instance in = { .running = false };
	struct pollfd pfd = { .fd = sfd, .events = POLLIN };
	double *t = calloc(o->repeat, sizeof *t), sum = 0;
	unsigned i;

	snprintf(in.label, sizeof in.label, "%s", o->label);
	for (i = 0; i < o->repeat; i++) {
		double start = now_us();

		if (spawn(o, binary_fd, &in, true))
			return 1;
		while (in.running) {
			poll(&pfd, 1, -1);
			handle_sigchld(sfd, &in, 1, false);
		}
		t[i] = now_us() - start;
		sum += t[i];
	}
	qsort(t, o->repeat, sizeof *t, compare_double);
	printf("[sandbox-run] spawn to exit over %u runs: min %.0f us, median %.0f us, "
	       "mean %.0f us\n", o->repeat, t[0], t[o->repeat / 2], sum / o->repeat);
	free(t);
	return 0;
}

static int run_instances(const struct options *o, int binary_fd, int sfd)
{
	struct instance *all = calloc(o->count, sizeof *all);
	struct pollfd *pfd = calloc(1 + 2 * (size_t)o->count, sizeof *pfd);
	struct stream **streams = calloc(1 + 2 * (size_t)o->count, sizeof *streams);
	const char **labels = calloc(1 + 2 * (size_t)o->count, sizeof *labels);
	unsigned i, started = 0, ended = 0, n;
	double start;

	if (!all || !pfd || !streams || !labels)
		return 1;
	start = now_us();
	for (i = 0; i < o->count; i++) {
		if (o->count == 1)
			snprintf(all[i].label, sizeof all[i].label, "%s", o->label);
		else
			snprintf(all[i].label, sizeof all[i].label, "%s.%u", o->label, i);
		if (spawn(o, binary_fd, &all[i], false))
			break;
		started++;
	}
	if (o->count > 1)
		printf("[sandbox-run] started %u components in %.1f ms\n", started,
		       (now_us() - start) / 1e3);

	while (ended < started) {
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (i = 0; i < started; i++) {
			struct stream *s[2] = { &all[i].out, &all[i].err };
			unsigned k;

			for (k = 0; k < 2; k++) {
				if (s[k]->fd < 0)
					continue;
				streams[n] = s[k];
				labels[n] = all[i].label;
				pfd[n++] = (struct pollfd){ .fd = s[k]->fd, .events = POLLIN };
			}
		}
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		for (i = 1; i < n; i++)
			if (pfd[i].revents)
				read_stream(labels[i], streams[i]);
		if (pfd[0].revents)
			ended += handle_sigchld(sfd, all, started, true);
	}
	free(labels);
	free(streams);
	free(pfd);
	free(all);
	return started == o->count ? 0 : 1;
}

int main(int argc, char **argv)
{
	char why[SANDBOX_WHY_MAX];
	struct rlimit nofile;
	struct options o;
	sigset_t chld;
	int binary_fd, sfd, rc;

	parse(argc, argv, &o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Each instance holds four fds (two pipes, pidfd, status): as many as allowed. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}

	rc = sandbox_host_init(&host, why, sizeof why);
	if (rc) {
		fprintf(stderr, "[sandbox-run] sandbox unavailable: %s\n", why);
		return 1;
	}
	if (why[0])
		printf("[sandbox-run] %s\n", why);

	/* SIGCHLD only through the signalfd, as in core. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		perror("signalfd");
		return 1;
	}
	binary_fd = load_binary(o.argv[0], o.label);

	rc = o.repeat ? run_repeat(&o, binary_fd, sfd) : run_instances(&o, binary_fd, sfd);

	close(binary_fd);
	close(sfd);
	tracer_fini();
	sandbox_host_fini(&host);
	return rc;
}
