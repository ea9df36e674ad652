/*
 * arbor run: a scenario in the foreground. The configuration is checked
 * first (errors end the run with status 3 before anything starts), then
 * core runs init with it as ROM "config", the user's ROM directories
 * searched first and the project's built components last. The log goes to
 * stdout; --until ends the run at the first matching line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arbor/error.h>
#include <sandbox/validate.h>
#include "arbor.h"

#define ROM_DIRS_MAX 32
#define EXIT_TIMEOUT 124

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: arbor run FILE.xml [--rom-dir DIR]... [--until REGEX] [--timeout S] [--ram SIZE]\n"
	        "\n"
	        "Run the scenario FILE.xml (an init configuration) in the foreground.\n"
	        "  --rom-dir DIR   serve the files of DIR as ROM modules (searched before the\n"
	        "                  project's own components; may be repeated)\n"
	        "  --until REGEX   stop at the first log line matching REGEX (exit 0)\n"
	        "  --timeout S     stop after S seconds (exit 124)\n"
	        "  --ram SIZE      init's RAM quota (default 1G)\n"
	        "Exit status: init's (with <exit propagate=\"yes\"/>), 0 after Ctrl-C or --until,\n"
	        "124 on timeout, 3 when the configuration is invalid, 1 on other failures.\n");
}

static int check_config(const char *file)
{
	struct validate_limits limits = { 0, 0 };
	struct validate_report r;
	char *text = NULL;
	size_t len = 0;
	FILE *f = fopen(file, "r");
	int err, invalid = 0;

	if (!f) {
		fprintf(stderr, "arbor run: cannot read %s: %s\n", file, strerror(errno));
		return ARBOR_EXIT_FAILURE;
	}
	{
		char buf[65536];
		size_t n;
		while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *grown = realloc(text, len + n);
			if (!grown) {
				free(text);
				fclose(f);
				return ARBOR_EXIT_FAILURE;
			}
			text = grown;
			memcpy(text + len, buf, n);
			len += n;
		}
	}
	if (f)
		fclose(f);
	validate_report_init(&r, file);
	err = validate_document(text ? text : "", len, &limits, &r);
	for (size_t i = 0; i < r.count; i++) {
		const struct validate_diag *d = &r.diags[i];
		/* routes init can live with: the child concerned waits */
		int fatal = d->severity == VALIDATE_ERROR && d->stage != VALIDATE_STAGE_ROUTE;
		invalid |= fatal;
		fprintf(stderr, "%s:%lu:%lu: %s: %s\n", file, d->line, d->column,
		        fatal ? "error" : "warning", d->message);
	}
	validate_report_fini(&r);
	free(text);
	if (err == ARBOR_E_OUT_OF_RAM)
		return ARBOR_EXIT_FAILURE;
	return invalid ? ARBOR_EXIT_INVALID : 0;
}

static int add_dir(const char **dirs, unsigned *n, const char *dir)
{
	struct stat st;

	if (*n + 1 >= ROM_DIRS_MAX)
		return -1;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return 0;
	dirs[(*n)++] = dir;
	return 0;
}

/* Run core; copy its log to stdout; stop at --until or the timeout. */
static int supervise(pid_t core, int out, regex_t *until, int timeout_s)
{
	char line[8192];
	size_t len = 0;
	struct timespec start, now;
	int status, stopping = 0, result = -1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = out, .events = POLLIN };
		int wait_ms = -1;

		if (timeout_s > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long left = timeout_s * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
			                                 (now.tv_nsec - start.tv_nsec) / 1000000L);
			if (left <= 0 && !stopping) {
				fprintf(stderr, "arbor run: timeout after %d s\n", timeout_s);
				result = EXIT_TIMEOUT;
				stopping = 1;
				kill(core, SIGTERM);
			}
			wait_ms = left > 0 ? (int)left : 200;
		}
		if (interrupted && !stopping) {
			result = 0;
			stopping = 1;
			kill(core, SIGTERM);
		}
		int r = poll(&pfd, 1, wait_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		ssize_t n = read(out, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		char *nl;
		while ((nl = memchr(line, '\n', len))) {
			*nl = '\0';
			puts(line);
			if (until && !stopping && regexec(until, line, 0, NULL, 0) == 0) {
				result = 0;
				stopping = 1;
				kill(core, SIGTERM);
			}
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len);
		}
		if (len == sizeof(line) - 1) {     /* a line longer than the buffer */
			line[len] = '\0';
			puts(line);
			len = 0;
		}
		fflush(stdout);
	}
	if (len) {
		line[len] = '\0';
		puts(line);
	}
	fflush(stdout);
	while (waitpid(core, &status, 0) < 0 && errno == EINTR)
		;
	if (result >= 0)
		return result;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int run_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "rom-dir", required_argument, NULL, 'd' },
		{ "until",   required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ram",     required_argument, NULL, 'r' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dirs[ROM_DIRS_MAX], *user_dirs[ROM_DIRS_MAX], *ram = NULL;
	unsigned ndirs = 0, nuser = 0;
	char tmp[] = "/tmp/arbor-run-XXXXXX", link_path[PATH_MAX], config[PATH_MAX];
	regex_t until_re, *until = NULL;
	int timeout_s = 0, opt, status, pipefd[2];
	pid_t core;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (nuser + 1 >= ROM_DIRS_MAX)
				return ARBOR_EXIT_USAGE;
			user_dirs[nuser++] = optarg;
			break;
		case 'u':
			if (regcomp(&until_re, optarg, REG_EXTENDED | REG_NOSUB)) {
				fprintf(stderr, "arbor run: invalid --until expression '%s'\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			until = &until_re;
			break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				fprintf(stderr, "arbor run: invalid --timeout '%s'\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'r':
			ram = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return ARBOR_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	status = check_config(argv[optind]);
	if (status)
		return status;
	if (!realpath(argv[optind], config) || !mkdtemp(tmp)) {
		fprintf(stderr, "arbor run: %s: %s\n", argv[optind], strerror(errno));
		return ARBOR_EXIT_FAILURE;
	}
	snprintf(link_path, sizeof(link_path), "%s/config", tmp);
	if (symlink(config, link_path)) {
		fprintf(stderr, "arbor run: cannot prepare %s: %s\n", tmp, strerror(errno));
		rmdir(tmp);
		return ARBOR_EXIT_FAILURE;
	}

	/* the user's directories, the config, then the project's components */
	for (unsigned i = 0; i < nuser; i++)
		dirs[ndirs++] = user_dirs[i];
	dirs[ndirs++] = tmp;
	static const char *const built[] = { ARBOR_COMPONENT_DIRS };
	static char built_paths[ROM_DIRS_MAX][PATH_MAX];
	for (unsigned i = 0; i < sizeof(built) / sizeof(built[0]) && i < ROM_DIRS_MAX; i++) {
		snprintf(built_paths[i], PATH_MAX, "%s/%s", ARBOR_BUILD_ROOT, built[i]);
		add_dir(dirs, &ndirs, built_paths[i]);
	}

	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("arbor run: pipe");
		return ARBOR_EXIT_FAILURE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	core = fork();
	if (core == 0) {
		char *args[2 * ROM_DIRS_MAX + 8];
		unsigned n = 0;
		args[n++] = ARBOR_BUILD_ROOT "/core/arbor-core";
		for (unsigned i = 0; i < ndirs; i++) {
			args[n++] = "--rom-dir";
			args[n++] = (char *)dirs[i];
		}
		if (ram) {
			args[n++] = "--ram";
			args[n++] = (char *)ram;
		}
		args[n++] = "init";
		args[n] = NULL;
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* Ctrl-C reaches us; we stop core with SIGTERM, which tears the tree down */
		setpgid(0, 0);
		execv(args[0], args);
		fprintf(stderr, "arbor run: cannot run %s: %s\n", args[0], strerror(errno));
		_exit(ARBOR_EXIT_FAILURE);
	}
	close(pipefd[1]);
	if (core < 0) {
		perror("arbor run: fork");
		status = ARBOR_EXIT_FAILURE;
	} else {
		status = supervise(core, pipefd[0], until, timeout_s);
	}
	close(pipefd[0]);
	unlink(link_path);
	rmdir(tmp);
	if (until)
		regfree(until);
	return status;
}
