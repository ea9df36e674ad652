/*
 * A component's file system: an empty read-only tmpfs root holding only
 * /dev/null, /dev/zero and /dev/urandom.
 */
#ifndef ARBOR_CORE_SANDBOX_MOUNTS_H
#define ARBOR_CORE_SANDBOX_MOUNTS_H

#include <stdbool.h>

/*
 * Replace the root of the calling process (which must be alone in a fresh
 * mount namespace it holds CAP_SYS_ADMIN over) by the sandbox root and make
 * "/" the working directory. host_libs also binds the host's /lib, /lib64
 * and /usr/lib read-only, for dynamically linked (sanitizer) builds.
 * Runs in the child between clone and exec: async-signal-safe only.
 * Returns 0, or a negative errno with *step naming the failed operation.
 */
int mounts_enter_root(bool host_libs, const char **step);

/*
 * Build the component root once, in a mount namespace of its own, and
 * return core to its namespace and working directory. A root core enters
 * the template just for each clone, so a component's mount namespace is a
 * copy of four mounts instead of the host's whole tree, and it has nothing
 * to mount, pivot or detach. Returns an fd of the template namespace, or a
 * negative errno with *step naming what failed (core is back in its
 * namespace either way). Root only; the process must be single-threaded.
 */
int mounts_make_template(const char **step);

/* Enter the template (or, with restore, core's namespace and directory again). */
int mounts_enter(int ns_fd, int cwd_fd);

#endif
