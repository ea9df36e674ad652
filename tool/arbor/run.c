/*
 * arbor run: a scenario in the foreground. The configuration is checked
 * first (errors end the run with status 3 before anything starts), then
 * core runs init with it as ROM "config", the user's ROM directories
 * searched first and the project's built components last. The log goes to
 * stdout; --until ends the run at the first matching line.
 */
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "arbor.h"
#include "scenario.h"

#define EXIT_TIMEOUT 124

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: arbor run FILE.xml [--rom-dir DIR]... [--file-dir DIR] [--until REGEX] [--timeout S]\n"
	        "                 [--ram SIZE]\n"
	        "\n"
	        "Run the scenario FILE.xml (an init configuration) in the foreground.\n"
	        "  --rom-dir DIR   serve the files of DIR as ROM modules (searched before the\n"
	        "                  project's own components; may be repeated)\n"
	        "  --file-dir DIR  the host files Host_file sessions may open (default: the first\n"
	        "                  --rom-dir, else the directory of FILE.xml)\n"
	        "  --until REGEX   stop at the first log line matching REGEX (exit 0)\n"
	        "  --timeout S     stop after S seconds (exit 124)\n"
	        "  --ram SIZE      init's RAM quota (default 1G)\n"
	        "On a terminal, the first Host_terminal session gets it (raw; Ctrl-] stops the run).\n"
	        "Exit status: init's (with <exit propagate=\"yes\"/>), 0 after Ctrl-C or --until,\n"
	        "124 on timeout, 3 when the configuration is invalid, 1 on other failures.\n");
}

static int until_matched(const char *line, void *priv)
{
	return regexec(priv, line, 0, NULL, 0) == 0 ? 0 : SCENARIO_GO_ON;
}

int run_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "rom-dir", required_argument, NULL, 'd' },
		{ "file-dir", required_argument, NULL, 'f' },
		{ "until",   required_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "ram",     required_argument, NULL, 'r' },
		{ "help",    no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scenario sc = { .timeout_status = EXIT_TIMEOUT };
	regex_t until_re, *until = NULL;
	int opt, status;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (sc.ndirs + 1 >= SCENARIO_DIRS_MAX)
				return ARBOR_EXIT_USAGE;
			sc.dirs[sc.ndirs++] = optarg;
			break;
		case 'f':
			sc.file_dir = optarg;
			break;
		case 'u':
			if (regcomp(&until_re, optarg, REG_EXTENDED | REG_NOSUB)) {
				fprintf(stderr, "arbor run: invalid --until expression '%s'\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			until = &until_re;
			break;
		case 't':
			sc.timeout_s = atoi(optarg);
			if (sc.timeout_s <= 0) {
				fprintf(stderr, "arbor run: invalid --timeout '%s'\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'r':
			sc.ram = optarg;
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
	sc.config = argv[optind];
	/*
	 * On a terminal, core may lend it to a Host_terminal session
	 * (run/terminal_echo.xml); not from the background, where changing
	 * its mode would stop us (SIGTTOU): `arbor attach` brings it later.
	 */
	sc.terminal = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) &&
	              tcgetpgrp(STDIN_FILENO) == getpgrp();
	status = scenario_check(sc.config, NULL);
	if (!status) {
		sc.line = until ? until_matched : NULL;
		sc.priv = until;
		status = scenario_run(&sc);
	}
	if (until)
		regfree(until);
	return status;
}
