/*
 * Memory and task limits of components through cgroups: core's own
 * directory arbor-<pid>.<ns> (v2, or v1 memory + pids) and one c<N> per component.
 */
#ifndef ARBOR_CORE_SANDBOX_CGROUP_H
#define ARBOR_CORE_SANDBOX_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum cgroup_version {
	CGROUP_NONE = 0,
	CGROUP_V1 = 1,
	CGROUP_V2 = 2,
};

struct cgroup_host {
	enum cgroup_version version;
	bool mem;                   /* components get a memory limit */
	bool pids;                  /* components get a task limit */
	bool memsw;                 /* v1: memory.memsw.* exists, swap is limited too */
	int mem_dirfd;              /* core's arbor-<pid>.<ns> in the memory hierarchy, or -1 */
	int pids_dirfd;             /* in the pids hierarchy (v2: the same fd), or -1 */
	char mem_path[PATH_MAX];    /* absolute paths, removed at fini */
	char pids_path[PATH_MAX];
	char v2_origin[PATH_MAX];   /* v2: the cgroup core left for arbor-<pid>.<ns>/core, or "" */
	char v2_leaf[PATH_MAX];     /* v2: arbor-<pid>.<ns>/core */
	bool v2_origin_enabled;     /* v2: we enabled controllers in v2_origin */
	unsigned next_serial;
};

/* A component's cgroup directories: c<serial> below both dirfds. */
struct cgroup_proc {
	unsigned serial;            /* 0: none */
	bool mem, pids;
};

/*
 * Find core's cgroups and create arbor-<pid>.<ns> below them. Never fatal: when
 * no hierarchy can be used, h->version is CGROUP_NONE (or a controller is
 * missing) and `why` (why_size bytes) explains it in a sentence.
 */
void cgroup_host_init(struct cgroup_host *h, char *why, size_t why_size);

/* Remove arbor-<pid>.<ns> (all c<N> must be gone) and move core back if moved. */
void cgroup_host_fini(struct cgroup_host *h);

/*
 * Create c<N> with the given limits (ram 0 / pids 0: unlimited). *p is
 * cleared first; with no usable hierarchy it stays empty and 0 is returned.
 * Errors: the errno of mkdir or of writing a limit; nothing is left behind.
 */
int cgroup_proc_create(struct cgroup_host *h, struct cgroup_proc *p, uint64_t ram,
                       unsigned pids);

/* Move process `pid` into the component's cgroups. Errors: the write's errno. */
int cgroup_proc_attach(struct cgroup_host *h, const struct cgroup_proc *p, pid_t pid);

/* Set the task limit (0: unlimited). Errors: -EOPNOTSUPP, write errno. */
int cgroup_proc_set_pids(struct cgroup_host *h, const struct cgroup_proc *p, unsigned pids);

/* Set the memory limit (0: unlimited). Errors: -EOPNOTSUPP, -EBUSY, write errno. */
int cgroup_proc_set_ram(struct cgroup_host *h, const struct cgroup_proc *p, uint64_t ram);

/* Remove the component's directories once its tasks are gone; clears *p. */
void cgroup_proc_destroy(struct cgroup_host *h, struct cgroup_proc *p);

#endif
