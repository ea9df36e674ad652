/*
 * Running a scenario for the verbs run and test: check the configuration,
 * serve it as ROM "config" next to the user's and the project's ROM
 * directories, run core with init, and pass every log line to a callback
 * that may end the run.
 */
#ifndef TOOL_ARBOR_SCENARIO_H
#define TOOL_ARBOR_SCENARIO_H

#define SCENARIO_DIRS_MAX 32

/* What a line means to the verb: go on, or stop with a status. */
#define SCENARIO_GO_ON (-1)
typedef int scenario_line_fn(const char *line, void *priv);

struct scenario {
	const char *config;                       /* the init configuration's file */
	const char *dirs[SCENARIO_DIRS_MAX];      /* the user's ROM directories, searched first */
	unsigned ndirs;
	const char *file_dir;                     /* core's --file-dir (Host_file); NULL: the first
	                                             of dirs, else the config file's directory */
	const char *ram;                          /* init's RAM quota, NULL: core's default */
	int timeout_s;                            /* 0: none */
	int timeout_status;                       /* the status a timeout ends with */
	scenario_line_fn *line;                   /* may be NULL */
	void *priv;
	int quiet;                                /* do not copy the log to stdout */
	int terminal;                             /* lend stdin/stdout, a terminal, to a Host_terminal session */
};

/*
 * Print the configuration's diagnostics to stderr, naming the file shown
 * (NULL: file). Returns 0 when it can
 * run (warnings, routing problems), ARBOR_EXIT_INVALID or
 * ARBOR_EXIT_FAILURE.
 */
int scenario_check(const char *file, const char *shown);

/*
 * Run the scenario to its end: the status line() returned, the timeout's
 * status, 0 after SIGINT or SIGTERM, or core's exit status (init's).
 */
int scenario_run(const struct scenario *sc);

#endif
