/*
 * The sandbox every component runs in: fresh namespaces, an empty read-only
 * root, cgroup quotas, an unprivileged uid, no capabilities and a seccomp
 * allow-list, with core as Linux parent and ptrace tracer.
 */
#ifndef ARBOR_CORE_SANDBOX_H
#define ARBOR_CORE_SANDBOX_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

/* The ids a component has inside its user namespace: not root there either. */
#define SANDBOX_UID 1000
#define SANDBOX_GID 1000

/* Room for the sentence sandbox_host_init() leaves in `why`. */
#define SANDBOX_WHY_MAX 512

/* Children cloned ahead of time, waiting for the component they become. */
#define SANDBOX_POOL_SIZE 2

/* A spawned component, from sandbox_spawn() until sandbox_release(). */
struct sandbox_proc {
	pid_t pid;                /* in core's pid namespace; the id tracer events carry */
	int pidfd;                /* -1 when the kernel has no CLONE_PIDFD */
	int status_fd;            /* readable (EOF or a failure) once the setup ended; -1 once read */
	struct cgroup_proc cg;
	bool as_limited;          /* RLIMIT_AS follows the RAM limit (not for sanitizer builds) */
	int setup_err;            /* see sandbox_setup_result() */
	const char *failed_step;  /* the setup step that failed, else NULL */
};

/* A child cloned ahead of time and the channel its spec will come on. */
struct sandbox_pooled {
	struct sandbox_proc proc;
	int release;
};

/*
 * What core learned about the host once at start-up, and what it built for
 * all spawns (the seccomp program). Owned by core; one per core process.
 */
struct sandbox_host {
	struct cgroup_host cg;
	struct sock_fprog filter;  /* prebuilt seccomp program, shared by all spawns */
	uid_t outer_uid;           /* what SANDBOX_UID maps to outside: core's own uid, or */
	gid_t outer_gid;           /* for a root core the first of a range of unused ids */
	unsigned next_id;          /* root core: the next id of that range to hand out */
	bool privileged;           /* core runs as root: ids from the range, groups are dropped */
	int netns_core;            /* core's network namespace, or -1 */
	int netns_empty;           /* the shared empty one components start in, or -1 */
	int mntns_core;            /* core's mount namespace and working directory, or -1 */
	int cwd_core;
	int mntns_template;        /* the prebuilt component root (root core), or -1 */
	sigset_t ignored;          /* signals core ignores: the child resets them */
	struct sandbox_pooled pool[SANDBOX_POOL_SIZE];
	unsigned npool;
};

/* What to run and with which quotas. Nothing in it is taken over by the spawn. */
struct sandbox_spec {
	const char *label;        /* component label, e.g. "init -> app": messages, argv[0] if argv is NULL */
	/*
	 * The static ELF (memfd or regular file), run with execveat(AT_EMPTY_PATH).
	 * Core makes ROM modules execute-only (mode 0111): a component that
	 * cannot read its binary is not dumpable, so not even a host process
	 * that shared its outer uid could read or write its memory.
	 */
	int binary_fd;
	int parent_fd;            /* becomes ARBOR_PARENT_FD (3) in the child, or -1 */
	int stdout_fd;            /* becomes fd 1 (usually a pipe core reads), or -1 for /dev/null */
	int stderr_fd;            /* becomes fd 2, or -1 for /dev/null */
	char *const *argv;        /* NULL-terminated; NULL means { label } */
	uint64_t ram_limit;       /* bytes for the memory cgroup (0: no limit) */
	unsigned pids_limit;      /* tasks the component may have (0: no limit) */
};


/*
 * Probe the host and prepare everything spawns share: user namespaces
 * (checked by creating one), the cgroup hierarchy (v2 with memory/pids, else
 * v1 memory + pids) with core's own directories arbor-<pid>.<pid namespace inode>, the seccomp
 * program, and for a root core one empty network namespace for all
 * components (a fresh one per component costs more than the rest of a spawn;
 * components cannot create sockets, so an empty one shared is as good).
 * The calling thread must be the one that spawns later. `why` (why_size bytes, may be 0) receives a human sentence when
 * quotas can not be enforced by cgroups, or the reason of a failure; it is
 * empty otherwise. The host must stay at a fixed address until
 * sandbox_host_fini().
 * Errors: -EPERM/-EINVAL/-ENOSPC (no user namespaces), -ENOMEM, or the errno
 * of building the seccomp program. Nothing is left behind on failure.
 */
int sandbox_host_init(struct sandbox_host *h, char *why, size_t why_size);

/*
 * Remove core's cgroup directories and free the seccomp program. Call it
 * after every component was released.
 */
void sandbox_host_fini(struct sandbox_host *h);

/*
 * Start a component in a new sandbox: clone it, map its ids, put it into
 * its cgroups, trace it (tracer_attach()) and release it. It then builds
 * its root, drops its privileges and execs the binary on its own, so core
 * is free for the next request meanwhile; its end (also a failed setup:
 * exit value 127) is reported by tracer_next(), and sandbox_setup_result()
 * tells whether the setup got to exec. The spec's fds are borrowed: the
 * child holds duplicates from the moment of the clone, so the caller may
 * close its own as soon as this returns. *out is cleared first.
 * Must be called from the thread that calls tracer_next(): ptrace binds the
 * tracee to that thread.
 * Errors: -EINVAL (bad spec), -EAGAIN/-ENOMEM/-ENOSPC/-EMFILE (process,
 * namespace or fd limits), or the errno of the step named in
 * out->failed_step. On failure the child is reaped and nothing is left
 * behind.
 */
int sandbox_spawn(struct sandbox_host *h, const struct sandbox_spec *spec,
                  struct sandbox_proc *out);

/*
 * How the child's setup went, without blocking: 0 when it reached exec,
 * -EINPROGRESS while it is still setting up (p->status_fd is not readable
 * yet), or the negative errno of the failed setup step, named in *step
 * (a static string). Once known, the result is kept and status_fd closed.
 * Ask it at the latest when tracer_next() reported the end of the process.
 */
int sandbox_setup_result(struct sandbox_proc *p, const char **step);

/*
 * Prepare children ahead of time (up to SANDBOX_POOL_SIZE): cloned into
 * their namespaces and cgroups, traced, waiting. sandbox_spawn() then only
 * hands one its component, so the clone is off the start's critical path.
 * Call it when idle, e.g. after a spawn; failures just leave the pool short.
 */
void sandbox_pool_fill(struct sandbox_host *h);

/*
 * Change a running component's RAM limit (0: unlimited); its address-space
 * rlimit follows where the kernel allows it.
 * Errors: -EOPNOTSUPP (no memory cgroup), -EBUSY (the component already
 * uses more than `bytes`), or the errno of the cgroup write.
 */
int sandbox_set_ram_limit(struct sandbox_host *h, struct sandbox_proc *p, uint64_t bytes);

/*
 * Send SIGKILL to the component (all its tasks die with its pid namespace).
 * Its end is then reported by tracer_next(). Safe to call repeatedly.
 */
void sandbox_kill(struct sandbox_proc *p);

/*
 * Release what the spawn acquired once tracer_next() reported the end of the
 * process (it is reaped): removes its cgroup directories and closes the
 * pidfd and status_fd. *p is cleared.
 */
void sandbox_release(struct sandbox_host *h, struct sandbox_proc *p);

#endif
