/*
 * Running arbor-core from a benchmark program: check that core and the
 * components are built, start core with a root component from the build's
 * bench directory (the hooks bench_start and bench_idle) or `arbor run` on
 * an init config (the hooks measuring servers), wait for a tagged line in
 * its output, and stop it.
 */
#ifndef BENCH_CORE_H
#define BENCH_CORE_H

#include <stddef.h>
#include <sys/types.h>

#define BENCH_CORE_LOG_MAX (64u * 1024)   /* core's output kept for error messages */

struct bench_core {
	pid_t pid;                     /* 0 once reaped */
	int out;                       /* read end of core's stdout and stderr, -1 at EOF */
	size_t len;                    /* bytes in log */
	size_t scanned;                /* log[0..scanned) holds complete lines already looked at */
	char config[64];               /* the config file bench_core_run() wrote, "" if none */
	char log[BENCH_CORE_LOG_MAX];
};

/*
 * The build directory: the last argument, which must be a directory.
 * Dies with a usage line otherwise.
 */
const char *bench_core_build_dir(int argc, char **argv);

/*
 * Die (exit 1, reason on stderr) unless BUILD/core/arbor-core is
 * executable and each NULL-terminated component is in BUILD/bench.
 */
void bench_core_require(const char *build, const char *const components[]);

/*
 * Start "BUILD/core/arbor-core --rom-dir BUILD/bench --ram RAM --caps CAPS
 * ROOT_ARGV..." with its stdout and stderr going to c->out. Returns 0 or a
 * negative errno.
 */
int bench_core_start(struct bench_core *c, const char *build, const char *ram,
                     const char *caps, char *const root_argv[]);

/*
 * Write the init config printf(config_fmt, ...) to a private file
 * /tmp/bench-NAME-XXXXXX and start "BUILD/tool/arbor/arbor run FILE
 * --rom-dir BUILD/ROM_DIR [--file-dir BUILD/FILE_DIR]" (no --file-dir when
 * file_dir is NULL) with its stdout and stderr going to c->out.
 * bench_core_finish() and bench_core_kill() remove the file. Dies (exit 1,
 * reason on stderr, no file left behind) when arbor is not built or the
 * file, the pipe or the process cannot be made.
 */
void bench_core_run(struct bench_core *c, const char *build, const char *name,
                    const char *rom_dir, const char *file_dir, const char *config_fmt, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * Read core's output until a line holds `tag`; copy what follows the tag
 * on that line into out (NUL-terminated). Returns 0, -ETIMEDOUT after
 * timeout_ms, or -EPIPE when core's output ended first (it exited).
 */
int bench_core_wait_tag(struct bench_core *c, const char *tag, char *out, size_t size,
                        int timeout_ms);

/*
 * Send sig to core (0: none), read its output to the end and reap it; after
 * timeout_ms it is killed. Removes bench_core_run()'s config file. Returns
 * core's wait status, or a negative errno (-ETIMEDOUT when it had to be
 * killed).
 */
int bench_core_finish(struct bench_core *c, int sig, int timeout_ms);

/* Kill core if it still runs and reap it, remove the config file (for error paths). */
void bench_core_kill(struct bench_core *c);

/* Print the output of core kept so far to stderr, under a heading. */
void bench_core_dump(const struct bench_core *c);

#endif
