/*
 * The child half of a spawn: what runs between clone and execveat inside
 * the new namespaces, turning a copy of core into a confined component.
 */
#ifndef ARBOR_CORE_SANDBOX_CHILD_H
#define ARBOR_CORE_SANDBOX_CHILD_H

#include <linux/filter.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * What the parent sends on the release channel once the child may go on:
 * this header, then argc NUL-terminated argv strings; the fds in one
 * SCM_RIGHTS block: the binary, then parent, stdout, stderr where present.
 * A child can be cloned before anybody knows what it will run (a pooled
 * one), so none of this is in its copy of core.
 */
#define SANDBOX_ARGV_BYTES 4096
#define SANDBOX_ARGV_MAX   64

struct sandbox_child_spec {
	uint64_t as_limit;   /* RLIMIT_AS, 0: leave it */
	uint32_t nproc;      /* RLIMIT_NPROC, 0: leave it */
	uint32_t argc;
	uint8_t host_libs;   /* dynamically linked binary: bind the host's libraries */
	uint8_t has_parent, has_stdout, has_stderr;
	uint32_t reserved;
};

/* Everything the child needs before its spec, prepared by the parent before the clone. */
struct sandbox_child_args {
	int release_fd;      /* the child's end: the spec when the parent is done, EOF: give up */
	int release_peer;    /* the parent's end: closed in the child, or EOF never comes */
	int status_fd;       /* write end (O_CLOEXEC): a status on failure, EOF at exec */
	int status_peer;     /* the parent's read end */
	int binary_fd, parent_fd, stdout_fd, stderr_fd;   /* filled from the spec */
	char *const *argv;                                 /* filled from the spec */
	char *const *envp;
	const struct sock_fprog *filter;
	uid_t uid;           /* ids inside the user namespace */
	gid_t gid;
	bool drop_groups;    /* setgroups(0, NULL): only when setgroups was not denied */
	bool host_libs;      /* dynamically linked binary: bind the host's libraries */
	bool root_built;     /* cloned from the root template: nothing to mount */
	const sigset_t *ignored; /* signals core ignores, to reset to their defaults */
	uint64_t as_limit;   /* RLIMIT_AS, 0: leave it */
	unsigned nproc;      /* RLIMIT_NPROC, 0: leave it */
};

/*
 * What a failing child writes to status_fd. The child is a copy of core's
 * address space, so `step` (a string literal) is valid in the parent too.
 */
struct sandbox_child_status {
	int err;             /* negative errno */
	const char *step;
};

/*
 * Run in the child right after clone (fork semantics, all signals blocked):
 * wait for the release, build the root, drop every privilege, install the
 * filter and exec the binary. Never returns; on failure it reports through
 * status_fd and exits with 127. Async-signal-safe calls only.
 */
_Noreturn void sandbox_child_run(const struct sandbox_child_args *a);

#endif
