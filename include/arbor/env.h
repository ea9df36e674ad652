/*
 * The component environment. lib/base's main() finds the parent capability
 * on fd ARBOR_PARENT_FD, builds the environment and calls the component's
 * component_construct(); afterwards the entrypoint dispatches until the
 * component exits. The environment sessions (PD, CPU, LOG, binary ROM) were
 * created by the parent; they are fetched on first use.
 */
#ifndef ARBOR_ENV_H
#define ARBOR_ENV_H

#include <arbor/cap.h>
#include <arbor/entrypoint.h>

struct arbor_env {
	struct arbor_ep *ep;
	struct arbor_cap *parent;    /* NULL when started without a parent */
	int argc;
	char **argv;
	struct arbor_cap *pd_cap, *cpu_cap, *log_cap, *rom_cap;   /* private: use the accessors */
	struct parent_signals *parent_signals;                   /* private: lib/base/parent_signal.c */
};

/* Implemented by every component; it returns, the entrypoint takes over. */
void component_construct(struct arbor_env *env);

/* The environment sessions; NULL if the parent cannot provide one. Borrowed. */
struct arbor_cap *arbor_env_pd(struct arbor_env *env);
struct arbor_cap *arbor_env_cpu(struct arbor_env *env);
struct arbor_cap *arbor_env_log(struct arbor_env *env);
struct arbor_cap *arbor_env_rom(struct arbor_env *env);

/* The environment of this component (set up before component_construct()). */
struct arbor_env *arbor_env(void);

/* Tell the parent we are done, then end the process with code. */
__attribute__((noreturn)) void arbor_exit(struct arbor_env *env, int code);

/*
 * Set up an environment without lib/base's main() (used by core's test
 * tools): parent_fd < 0 means no parent. Returns 0 or a negative errno.
 */
int arbor_env_init(struct arbor_env *env, int parent_fd, int argc, char **argv);

#endif
