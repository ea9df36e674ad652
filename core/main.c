/*
 * arbor-core: the trusted root. Probes the host's sandboxing, starts the
 * root component (init, or a test program standing in for it) from a ROM
 * module, serves core's services on one entrypoint, and on SIGINT/SIGTERM
 * or the root's end tears the whole tree down, leaving nothing behind.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "core.h"

struct core core;

#define CORE_DEFAULT_RAM  (1024ull * 1024 * 1024)
#define CORE_DEFAULT_CAPS 10000ull
#define TEARDOWN_MS       5000

static struct arbor_io signals_io;

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: arbor-core [--rom-dir DIR]... [--file-dir DIR] [--ram SIZE] [--caps N] [--name NAME]\n"
	        "                  BINARY [ARG...]\n"
	        "\n"
	        "Start BINARY (a ROM module: a file in one of the ROM directories) as the\n"
	        "root component in a sandbox and serve it core's services (PD, CPU, ROM,\n"
	        "LOG). Output appears as \"[label] text\". SIGINT or SIGTERM tears the tree\n"
	        "down; the exit status is the root component's.\n"
	        "\n"
	        "  --rom-dir DIR  serve the files of DIR as ROM modules (repeatable, searched in order)\n"
	        "  --file-dir DIR open Host_file sessions' files beneath DIR (default: the first\n"
	        "                 ROM directory)\n"
	        "  --ram SIZE     RAM quota of the root component (K/M/G suffixes; default 1G)\n"
	        "  --caps N       cap quota of the root component (default 10000)\n"
	        "  --name NAME    label of the root component (default: init)\n"
	        "  --verbose      log every process core starts, with its pid\n"
	        "  --terminal-fd N  a SOCK_SEQPACKET socket to the arbor tool owning a terminal:\n"
	        "                 lent to the first Host_terminal session (see arbor-core(1))\n");
}

/* --terminal-fd: a SOCK_SEQPACKET socket, kept from the components (close-on-exec). */
static int terminal_fd_option(const char *arg)
{
	char *end;
	long fd = strtol(arg, &end, 10);
	int type = 0;
	socklen_t len = sizeof(type);

	if (*end || end == arg || fd < 0 || fd > INT_MAX ||
	    getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET) {
		fprintf(stderr, "arbor-core: --terminal-fd '%s' is not a SOCK_SEQPACKET socket\n", arg);
		return -1;
	}
	fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	host_terminal_session_run_terminal((int)fd);
	return 0;
}

static void log_backend(const char *text, unsigned len)
{
	core_log_text(NULL, text, len);
}

static void signals_ready(struct arbor_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			process_reap();
		} else if (!core.stopping) {
			core_log("core: %s, tearing the tree down", strsignal((int)si.ssi_signo));
			core.stopping = 1;
			core.exit_code = 0;
			arbor_ep_stop(core.ep);
		}
	}
}

static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	signals_io.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (signals_io.fd < 0)
		return -errno;
	signals_io.fn = signals_ready;
	return arbor_io_watch(core.ep, &signals_io, EPOLLIN);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

/* Close everything the root had, then wait until every process is reaped. */
static void teardown(void)
{
	long long deadline = now_ms() + TEARDOWN_MS;

	parent_service_destroy_root();
	pd_session_kill_all();
	while (process_count() && now_ms() < deadline)
		arbor_ep_dispatch(core.ep, 100);
	if (process_count())
		core_error("core: %u processes did not end within %d ms", process_count(), TEARDOWN_MS);
	process_fini();
	state_fini();
	rom_session_modules_fini();
	sandbox_host_fini(&core.host);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rom-dir", required_argument, NULL, 'r' },
		{ "file-dir", required_argument, NULL, 'f' },
		{ "ram",     required_argument, NULL, 'm' },
		{ "caps",    required_argument, NULL, 'c' },
		{ "name",    required_argument, NULL, 'n' },
		{ "verbose", no_argument,       NULL, 'v' },
		{ "terminal-fd", required_argument, NULL, 't' },
		{ "help",    no_argument,       NULL, 'h' },
		{ 0 },
	};
	uint64_t ram = CORE_DEFAULT_RAM, caps = CORE_DEFAULT_CAPS;
	const char *name = "init", *file_dir = NULL;
	char why[SANDBOX_WHY_MAX] = "";
	struct rlimit rl;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "+r:m:c:n:vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			if (core.nrom_dirs == CORE_ROM_DIRS_MAX) {
				fprintf(stderr, "arbor-core: at most %d ROM directories\n", CORE_ROM_DIRS_MAX);
				return 2;
			}
			core.rom_dirs[core.nrom_dirs++] = optarg;
			break;
		case 'm':
			if (arbor_parse_size(optarg, &ram) || !ram) {
				fprintf(stderr, "arbor-core: invalid --ram '%s'\n", optarg);
				return 2;
			}
			break;
		case 'c':
			if (arbor_parse_size(optarg, &caps) || !caps) {
				fprintf(stderr, "arbor-core: invalid --caps '%s'\n", optarg);
				return 2;
			}
			break;
		case 'f': file_dir = optarg; break;
		case 'n': name = optarg; break;
		case 'v': core.verbose = 1; break;
		case 't':
			if (terminal_fd_option(optarg))
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		default:  usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!core.nrom_dirs)
		core.rom_dirs[core.nrom_dirs++] = ".";
	/* a default that is no directory only matters to a Host_file session, which says so */
	err = host_file_session_dir(file_dir ? file_dir : core.rom_dirs[0]);
	if (err && file_dir) {
		fprintf(stderr, "arbor-core: --file-dir '%s': %s\n", file_dir, strerror(-err));
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	arbor_log_set_backend(log_backend);

	/* every capability is an fd */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}

	err = arbor_ep_new(&core.ep);
	if (!err)
		err = setup_signals();
	if (!err && rom_session_watch_init())
		core_warning("core: cannot watch the ROM directories: changed files stay as they were");
	if (!err && state_init())
		core_warning("core: cannot publish the tree for 'arbor ps'");
	if (err) {
		core_error("core: cannot set up: %s", arbor_strerror(err));
		return 1;
	}
	err = sandbox_host_init(&core.host, why, sizeof(why));
	if (err) {
		core_error("core: cannot sandbox components: %s", why[0] ? why : arbor_strerror(err));
		return 1;
	}
	if (why[0])
		core_warning("core: %s", why);
	err = process_init();
	if (err) {
		core_error("core: cannot set up: %s", arbor_strerror(err));
		sandbox_host_fini(&core.host);
		return 1;
	}

	account_init(&core.account, "core", ram, caps);
	core.exit_code = 1;
	err = parent_service_start_root(name, argv[optind], argv + optind, ram, caps);
	if (!err)
		arbor_ep_run(core.ep);
	teardown();
	return err ? 1 : core.exit_code;
}
