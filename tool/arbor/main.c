/* arbor: the command line tool's entry point, dispatching to a verb from a table. */

#include <stdio.h>
#include <string.h>

#include "arbor.h"

#ifndef ARBOR_VERSION
#define ARBOR_VERSION "unknown"
#endif

/* New verbs go here, each in its own file; the order is the order `arbor --help` lists them in. */
static const struct arbor_verb verbs[] = {
	{ "run",   run_main,   "run a scenario (an init configuration) in the foreground" },
	{ "test",  test_main,  "run a test scenario (<runtime> with <succeed>/<fail>) and judge it" },
	{ "ps",    ps_main,    "the running instances: components, state, RAM and caps" },
	{ "show",  show_main,  "one component of a running instance" },
	{ "attach", attach_main, "attach this terminal to a running instance's terminal session" },
	{ "vm",    vm_main,    "boot a guest (Multiboot) in the user-level VMM on KVM" },
	{ "check", check_main, "validate init configurations offline (parse, validate, route)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: arbor VERB [OPTION]... [ARG]...\n"
		"       arbor VERB --help\n"
		"\n"
		"Verbs:\n");
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(f,
		"\n"
		"Options:\n"
		"  -h, --help     print this summary\n"
		"  --version      print arbor's version\n");
}

static const struct arbor_verb *find_verb(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static char help_option[] = "--help";
	const struct arbor_verb *verb;
	char *help_args[] = { NULL, help_option, NULL };

	if (argc < 2) {
		usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    (!strcmp(argv[1], "help") && argc == 2)) {
		usage(stdout);
		return ARBOR_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("arbor %s\n", ARBOR_VERSION);
		return ARBOR_EXIT_OK;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "arbor: unknown option \"%s\"\n", argv[1]);
		usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	/* "arbor help VERB" is "arbor VERB --help", as git has it. */
	if (!strcmp(argv[1], "help")) {
		verb = find_verb(argv[2]);
		help_args[0] = argv[2];
		if (verb)
			return verb->fn(2, help_args);
	} else {
		verb = find_verb(argv[1]);
		if (verb)
			return verb->fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "arbor: unknown verb \"%s\"\n", strcmp(argv[1], "help") ? argv[1] : argv[2]);
	usage(stderr);
	return ARBOR_EXIT_USAGE;
}
