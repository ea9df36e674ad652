/*
 * arbor attach: your terminal to a running instance's Host_terminal
 * session. The instance is found as `arbor ps` finds it (core's run
 * directory, which holds ARBOR_HOST_TERMINAL_SOCKET once a session
 * exists); core answers with the session's stream or why not, and the
 * relay (tty.c) runs until Ctrl-] detaches or the session ends.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <session/host_terminal.h>
#include "arbor.h"
#include "tty.h"

#define REPLY_TIMEOUT_MS 10000
#define INSTANCES_MAX 16

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
	tty_restore();
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: arbor attach [LABEL] [--pid PID]\n"
	        "\n"
	        "Attach this terminal to the Host_terminal session LABEL of a running instance\n"
	        "(the exact label, or its end after a \" -> \": \"terminal\" is \"init -> terminal\").\n"
	        "Without LABEL: the only session that waits for a terminal. Ctrl-] detaches.\n"
	        "  --pid PID   the instance whose core has process id PID (see arbor ps)\n"
	        "Exit status: 0 after detaching or when the session ended, 1 when nothing was\n"
	        "attached, 2 for a usage error.\n");
}

/* The socket of instance pid, if it is alive and has one. */
static int instance_socket(const char *base, long pid, struct sockaddr_un *addr)
{
	struct stat st;

	if (pid <= 0 || (kill((pid_t)pid, 0) && errno == ESRCH))
		return -1;
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if ((size_t)snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%ld/%s", base, pid,
	                     ARBOR_HOST_TERMINAL_SOCKET) >= sizeof(addr->sun_path))
		return -1;
	return stat(addr->sun_path, &st) == 0 && S_ISSOCK(st.st_mode) ? 0 : -1;
}

/* The instance to ask: --pid's, or the only one with Host_terminal sessions. */
static int find_instance(long only, struct sockaddr_un *addr)
{
	char base[256];
	long pids[INSTANCES_MAX];
	unsigned n = 0;
	DIR *d;
	struct dirent *e;

	arbor_run_base_dir(base, sizeof(base));
	if (only) {
		if (!instance_socket(base, only, addr))
			return 0;
		fprintf(stderr, "arbor attach: instance %ld is not running or has no Host_terminal "
		        "session (see arbor ps)\n", only);
		return -1;
	}
	d = opendir(base);
	while (d && (e = readdir(d)) && n < INSTANCES_MAX) {
		long pid = atol(e->d_name);
		if (!instance_socket(base, pid, addr))
			pids[n++] = pid;
	}
	if (d)
		closedir(d);
	if (n == 1)
		return instance_socket(base, pids[0], addr);
	if (!n) {
		fprintf(stderr, "arbor attach: no running instance has a Host_terminal session\n");
		return -1;
	}
	fprintf(stderr, "arbor attach: several instances have Host_terminal sessions (core pids");
	for (unsigned i = 0; i < n; i++)
		fprintf(stderr, " %ld", pids[i]);
	fprintf(stderr, "); choose one with --pid\n");
	return -1;
}

/* Ask core for the stream of label: *stream and its session's label, or -1 (said why). */
static int request(const struct sockaddr_un *addr, const char *label, int *stream,
                   char *attached, size_t size)
{
	char msg[1 + ARBOR_HOST_TERMINAL_CTL_MAX], type;
	size_t len = strlen(label);
	struct pollfd pfd;
	int sock, err;

	*stream = -1;
	if (len > ARBOR_HOST_TERMINAL_CTL_MAX) {
		fprintf(stderr, "arbor attach: the label is too long\n");
		return -1;
	}
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (const struct sockaddr *)addr, sizeof(*addr))) {
		fprintf(stderr, "arbor attach: cannot reach core at %s: %s\n", addr->sun_path,
		        strerror(errno));
		goto fail;
	}
	msg[0] = ARBOR_HOST_TERMINAL_CTL_ATTACH;
	memcpy(msg + 1, label, len);
	if (send(sock, msg, 1 + len, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "arbor attach: cannot ask core: %s\n", strerror(errno));
		goto fail;
	}
	pfd = (struct pollfd){ .fd = sock, .events = POLLIN };
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1) {
		fprintf(stderr, "arbor attach: core did not answer\n");
		goto fail;
	}
	err = tty_ctl_recv(sock, &type, attached, size, stream);
	if (err) {
		fprintf(stderr, "arbor attach: core %s\n", err == 1 ? "closed the connection"
		                                                    : "sent a malformed answer");
		goto fail;
	}
	close(sock);
	if (type == ARBOR_HOST_TERMINAL_CTL_ERROR) {
		fprintf(stderr, "arbor attach: %s\n", attached);
		return -1;
	}
	return 0;
fail:
	if (sock >= 0)
		close(sock);
	return -1;
}

/* Relay until Ctrl-], the session's end or a signal. */
static void relay(void)
{
	for (;;) {
		struct pollfd pfd[TTY_RELAY_POLLFDS];
		unsigned n = tty_relay_pollfds(pfd);
		int state;

		if (interrupted)
			break;
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		state = tty_relay_handle(pfd, n);
		if (state != TTY_RELAY_ON)
			break;
	}
	tty_relay_stop(1);
}

int attach_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "pid",  required_argument, NULL, 'p' },
		{ "help", no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char attached[ARBOR_HOST_TERMINAL_CTL_MAX + 1];
	struct sockaddr_un addr;
	const char *label = "";
	long pid = 0;
	int opt, stream, err;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pid = atol(optarg);
			if (pid <= 0) {
				fprintf(stderr, "arbor attach: invalid --pid '%s'\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return ARBOR_EXIT_OK;
		default:
			usage(stderr);
			return ARBOR_EXIT_USAGE;
		}
	}
	if (optind < argc - 1) {
		usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	if (optind == argc - 1)
		label = argv[optind];
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "arbor attach: stdin and stdout must be a terminal\n");
		return ARBOR_EXIT_FAILURE;
	}
	if (find_instance(pid, &addr) || request(&addr, label, &stream, attached, sizeof(attached)))
		return ARBOR_EXIT_FAILURE;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	err = tty_relay_start(stream, attached, "detaches");
	if (err) {
		fprintf(stderr, "arbor attach: %s\n", strerror(-err));
		return ARBOR_EXIT_FAILURE;
	}
	relay();
	return ARBOR_EXIT_OK;
}
