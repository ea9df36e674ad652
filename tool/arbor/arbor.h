/*
 * The arbor command line tool: one verb per file (check.c, later run.c,
 * test.c, ...), each a main-like function listed in main.c's verb table.
 */
#ifndef TOOL_ARBOR_H
#define TOOL_ARBOR_H

#include <stddef.h>

/* Exit statuses shared by the verbs. */
#define ARBOR_EXIT_OK      0
#define ARBOR_EXIT_FAILURE 1  /* the verb could not do its work (unreadable file, no memory) */
#define ARBOR_EXIT_USAGE   2  /* bad verb, option or argument */
#define ARBOR_EXIT_INVALID 3  /* the work was done and found errors */

/*
 * The whole file (or stdin for "-") in *text (NUL-terminated, owned by the
 * caller) and *len bytes, up to one byte beyond XML_MAX_DOCUMENT. Returns 0
 * or a negative errno.
 */
int arbor_read_file(const char *path, char **text, size_t *len);

/*
 * Where core instances keep their run directories (<pid>/ with the state
 * and terminal.sock), as core/state.c chooses it.
 */
void arbor_run_base_dir(char *out, size_t size);

/*
 * A verb: argv[0] is the verb's name, argv[1..argc) its options and
 * arguments. "--help" prints the verb's usage on stdout and returns 0.
 * Returns the process's exit status.
 */
typedef int arbor_verb_fn(int argc, char **argv);

struct arbor_verb {
	const char *name;
	arbor_verb_fn *fn;
	const char *summary;   /* one line for `arbor --help` */
};

/* arbor check [--ram SIZE] [--caps N] [-o text|json] [-q] FILE...: validate init configs. */
int check_main(int argc, char **argv);

/* arbor run FILE.xml [--rom-dir DIR]... [--until REGEX] [--timeout S]: run a scenario. */
int run_main(int argc, char **argv);

/* arbor test FILE [--rom-dir DIR]... [-v]: run a test runtime and judge it. */
int test_main(int argc, char **argv);

/* arbor ps [-o text|json] [--core PID]: the running instances' trees. */
int ps_main(int argc, char **argv);
/* arbor show LABEL [-o text|json] [--core PID]: one component of them. */
int show_main(int argc, char **argv);

/* arbor attach [LABEL] [--pid PID]: this terminal to a running Host_terminal session. */
int attach_main(int argc, char **argv);

/* arbor vm --kernel FILE [...]: boot a guest in the user-level VMM. */
int vm_main(int argc, char **argv);

#endif
