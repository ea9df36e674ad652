/*
 * The component environment: the parent capability from its fixed fd, the
 * entrypoint, and the environment sessions, fetched from the parent on
 * first use.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/parent.h>
#include <session/parent.h>
#include "internal.h"

static struct arbor_env *current;
static pthread_mutex_t env_lock = PTHREAD_MUTEX_INITIALIZER;

struct arbor_env *arbor_env(void)
{
	return current;
}

int arbor_env_init(struct arbor_env *env, int parent_fd, int argc, char **argv)
{
	int err;

	env->parent = NULL;
	env->pd_cap = env->cpu_cap = env->log_cap = env->rom_cap = NULL;
	env->parent_signals = NULL;
	env->argc = argc;
	env->argv = argv;
	err = arbor_ep_new(&env->ep);
	if (err)
		return err;
	if (parent_fd >= 0 && fcntl(parent_fd, F_SETFD, FD_CLOEXEC) == 0) {
		err = arbor_cap_from_fd(parent_fd, ARBOR_CAP_RPC, &env->parent);
		if (err) {
			arbor_ep_free(env->ep);
			env->ep = NULL;
			return err;
		}
	}
	current = env;
	return 0;
}

static struct arbor_cap *env_session(struct arbor_env *env, struct arbor_cap **slot, uint32_t id)
{
	struct arbor_cap *cap;

	if (!env->parent)
		return NULL;
	pthread_mutex_lock(&env_lock);
	if (!*slot && arbor_parent_session_cap(env->parent, id, &cap) == 0)
		*slot = cap;
	cap = *slot;
	pthread_mutex_unlock(&env_lock);
	return cap;
}

struct arbor_cap *arbor_env_pd(struct arbor_env *env)  { return env_session(env, &env->pd_cap, ARBOR_ENV_PD); }
struct arbor_cap *arbor_env_cpu(struct arbor_env *env) { return env_session(env, &env->cpu_cap, ARBOR_ENV_CPU); }
struct arbor_cap *arbor_env_log(struct arbor_env *env) { return env_session(env, &env->log_cap, ARBOR_ENV_LOG); }
struct arbor_cap *arbor_env_rom(struct arbor_env *env) { return env_session(env, &env->rom_cap, ARBOR_ENV_ROM); }

void arbor_exit(struct arbor_env *env, int code)
{
	if (env && env->parent)
		arbor_parent_exit(env->parent, code);
	exit(code);
}
