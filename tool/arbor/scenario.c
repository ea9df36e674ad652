/*
 * Running a scenario: the configuration checked, served as ROM "config"
 * from a private directory (a symlink, so that core follows the user's
 * edits), core started with init, its log copied line by line and handed
 * to the verb, which may end the run. With sc->terminal, core may lend
 * the terminal to a Host_terminal session: this process relays it (tty.c),
 * and Ctrl-] stops the run as Ctrl-C does while the terminal is cooked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arbor/error.h>
#include <sandbox/validate.h>
#include <session/host_terminal.h>
#include "arbor.h"
#include "scenario.h"
#include "tty.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
	tty_restore();
}

int scenario_check(const char *file, const char *shown)
{
	struct validate_limits limits = { 0, 0 };
	struct validate_report r;
	char *text = NULL;
	size_t len = 0;
	int err = arbor_read_file(file, &text, &len), invalid = 0;

	if (err) {
		fprintf(stderr, "arbor: cannot read %s: %s\n", shown ? shown : file, strerror(-err));
		return ARBOR_EXIT_FAILURE;
	}
	validate_report_init(&r, file);
	err = validate_document(text, len, &limits, &r);
	for (size_t i = 0; i < r.count; i++) {
		const struct validate_diag *d = &r.diags[i];
		/* routes init can live with: the child concerned waits */
		int fatal = d->severity == VALIDATE_ERROR && d->stage != VALIDATE_STAGE_ROUTE;
		invalid |= fatal;
		fprintf(stderr, "%s:%lu:%lu: %s: %s\n", shown ? shown : file, d->line, d->column,
		        fatal ? "error" : "warning", d->message);
	}
	validate_report_fini(&r);
	free(text);
	if (err == ARBOR_E_OUT_OF_RAM)
		return ARBOR_EXIT_FAILURE;
	return invalid ? ARBOR_EXIT_INVALID : 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int add_dir(const char **dirs, unsigned *n, const char *dir)
{
	if (*n + 1 >= SCENARIO_DIRS_MAX)
		return -1;
	if (!is_dir(dir))
		return 0;
	dirs[(*n)++] = dir;
	return 0;
}

/*
 * A message on the terminal's control socket: core lends the terminal to
 * a session; relay it, unless the run is ending. Returns ctl, or -1 once
 * core closed it.
 */
static int terminal_lent(int ctl, int stopping)
{
	char type, label[ARBOR_HOST_TERMINAL_CTL_MAX + 1];
	int fd, err = tty_ctl_recv(ctl, &type, label, sizeof(label), &fd);

	if (err == -EAGAIN || err == -EINTR || err == -EPROTO)
		return ctl;
	if (err) {
		close(ctl);
		return -1;
	}
	if (type != ARBOR_HOST_TERMINAL_CTL_STREAM || stopping || tty_relay_active()) {
		if (fd >= 0)
			close(fd);
		return ctl;
	}
	err = tty_relay_start(fd, label, "stops");
	if (err)
		fprintf(stderr, "arbor: cannot lend the terminal to '%s': %s\n", label, strerror(-err));
	return ctl;
}

/* Run core; copy its log to stdout; stop at --until or the timeout; relay the terminal. */
static int supervise(const struct scenario *sc, pid_t core, int out, int ctl)
{
	char line[8192];
	size_t len = 0;
	struct timespec start, now;
	int status, stopping = 0, result = -1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd[2 + TTY_RELAY_POLLFDS] = { { .fd = out, .events = POLLIN } };
		unsigned nfds = 1, relay_at = 0, relay_n = 0;
		int wait_ms = -1;

		if (ctl >= 0)
			pfd[nfds++] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		if (tty_relay_active()) {
			relay_at = nfds;
			relay_n = tty_relay_pollfds(pfd + nfds);
			nfds += relay_n;
		}

		if (sc->timeout_s > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			long left = sc->timeout_s * 1000L - ((now.tv_sec - start.tv_sec) * 1000L +
			                                 (now.tv_nsec - start.tv_nsec) / 1000000L);
			if (left <= 0 && !stopping) {
				fprintf(stderr, "arbor: timeout after %d s\n", sc->timeout_s);
				result = sc->timeout_status;
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
		int r = poll(pfd, nfds, wait_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		if (relay_n) {
			int state = tty_relay_handle(pfd + relay_at, relay_n);
			if (state != TTY_RELAY_ON)
				tty_relay_stop(state == TTY_RELAY_ENDED);
			if (state == TTY_RELAY_ESCAPE && !stopping) {
				result = 0;
				stopping = 1;
				kill(core, SIGTERM);
			}
		}
		if (ctl >= 0 && pfd[1].revents)
			ctl = terminal_lent(ctl, stopping);
		if (!pfd[0].revents)
			continue;
		ssize_t n = read(out, line + len, sizeof(line) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		char *nl;
		while ((nl = memchr(line, '\n', len))) {
			*nl = '\0';
			if (!sc->quiet)
				puts(line);
			if (sc->line && !stopping) {
				int verdict = sc->line(line, sc->priv);
				if (verdict != SCENARIO_GO_ON) {
					result = verdict;
					stopping = 1;
					kill(core, SIGTERM);
				}
			}
			len -= (size_t)(nl + 1 - line);
			memmove(line, nl + 1, len);
		}
		if (len == sizeof(line) - 1) {     /* a line longer than the buffer */
			line[len] = '\0';
			if (!sc->quiet)
				puts(line);
			len = 0;
		}
		fflush(stdout);
	}
	tty_relay_stop(0);
	if (ctl >= 0)
		close(ctl);
	if (len && !sc->quiet) {
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

int scenario_run(const struct scenario *sc)
{
	const char *dirs[SCENARIO_DIRS_MAX];
	unsigned ndirs = 0;
	char tmp[] = "/tmp/arbor-run-XXXXXX", link_path[PATH_MAX], config[PATH_MAX];
	char terminal_fd[16], file_dir[PATH_MAX];
	int status, pipefd[2], ctl[2] = { -1, -1 };
	pid_t core, parent;

	if (!realpath(sc->config, config) || !mkdtemp(tmp)) {
		fprintf(stderr, "arbor: %s: %s\n", sc->config, strerror(errno));
		return ARBOR_EXIT_FAILURE;
	}
	snprintf(link_path, sizeof(link_path), "%s/config", tmp);
	if (symlink(config, link_path)) {
		fprintf(stderr, "arbor: cannot prepare %s: %s\n", tmp, strerror(errno));
		rmdir(tmp);
		return ARBOR_EXIT_FAILURE;
	}

	/*
	 * Host_file's files: beside the scenario's own ROM modules unless told
	 * otherwise; a default that is no directory is left to core's own
	 * (a Host_file session then says what is missing).
	 */
	if (sc->file_dir || sc->ndirs)
		snprintf(file_dir, sizeof(file_dir), "%s", sc->file_dir ? sc->file_dir : sc->dirs[0]);
	else
		snprintf(file_dir, sizeof(file_dir), "%.*s", (int)(strrchr(config, '/') - config),
		         config);
	if (!file_dir[0])
		snprintf(file_dir, sizeof(file_dir), "/");
	if (!sc->file_dir && !is_dir(file_dir))
		file_dir[0] = '\0';

	/* the user's directories, the config, then the project's components */
	for (unsigned i = 0; i < sc->ndirs; i++)
		dirs[ndirs++] = sc->dirs[i];
	dirs[ndirs++] = tmp;
	static const char *const built[] = { ARBOR_COMPONENT_DIRS };
	static char built_paths[SCENARIO_DIRS_MAX][PATH_MAX];
	for (unsigned i = 0; i < sizeof(built) / sizeof(built[0]) && i < SCENARIO_DIRS_MAX; i++) {
		snprintf(built_paths[i], PATH_MAX, "%s/%s", ARBOR_BUILD_ROOT, built[i]);
		add_dir(dirs, &ndirs, built_paths[i]);
	}

	if (pipe2(pipefd, O_CLOEXEC)) {
		perror("arbor: pipe");
		return ARBOR_EXIT_FAILURE;
	}
	/* the terminal's control socket: core sends the streams of the sessions it lends it to */
	if (sc->terminal && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl)) {
		perror("arbor: socketpair");
		ctl[0] = ctl[1] = -1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	parent = getpid();
	core = fork();
	if (core == 0) {
		char *args[2 * SCENARIO_DIRS_MAX + 10];
		unsigned n = 0;
		args[n++] = ARBOR_BUILD_ROOT "/core/arbor-core";
		for (unsigned i = 0; i < ndirs; i++) {
			args[n++] = "--rom-dir";
			args[n++] = (char *)dirs[i];
		}
		if (file_dir[0]) {
			args[n++] = "--file-dir";
			args[n++] = file_dir;
		}
		if (sc->ram) {
			args[n++] = "--ram";
			args[n++] = (char *)sc->ram;
		}
		if (ctl[1] >= 0) {
			int null = open("/dev/null", O_RDONLY);
			snprintf(terminal_fd, sizeof(terminal_fd), "%d", ctl[1]);
			fcntl(ctl[1], F_SETFD, 0);
			args[n++] = "--terminal-fd";
			args[n++] = terminal_fd;
			/* the terminal stays with this process: core reaches it through ctl only */
			if (null >= 0)
				dup2(null, STDIN_FILENO);
		}
		args[n++] = "--";
		args[n++] = "init";
		args[n++] = "--report-state";    /* to core, for arbor show */
		args[n] = NULL;
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		/* Ctrl-C reaches us; we stop core with SIGTERM, which tears the tree down */
		setpgid(0, 0);
		/* and so does our own end, even by SIGKILL: no tree outlives its arbor run */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(ARBOR_EXIT_FAILURE);
		execv(args[0], args);
		fprintf(stderr, "arbor: cannot run %s: %s\n", args[0], strerror(errno));
		_exit(ARBOR_EXIT_FAILURE);
	}
	close(pipefd[1]);
	if (ctl[1] >= 0)
		close(ctl[1]);
	if (core < 0) {
		perror("arbor: fork");
		if (ctl[0] >= 0)
			close(ctl[0]);
		status = ARBOR_EXIT_FAILURE;
	} else {
		status = supervise(sc, core, pipefd[0], ctl[0]);
	}
	close(pipefd[0]);
	unlink(link_path);
	rmdir(tmp);
	return status;
}
