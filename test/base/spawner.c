/*
 * A root that starts the children named on its command line and ends when
 * they all have:  spawner [--ram SIZE] NAME=BINARY[,ARG...]...
 * Any static Linux ELF will do as BINARY (it need not talk to its parent);
 * the default child policy logs how each one ended.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/args.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>

#define ARGS_MAX 32

static struct arbor_env *env;
static unsigned started, ended;

static void child_ended(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	const char *name = arbor_child_name(child);

	if (st->state == ARBOR_PD_EXITED)
		arbor_log("child \"%s\" exited with exit value %d", name, st->code);
	else if (st->state == ARBOR_PD_FAILED)
		arbor_log("child \"%s\" %s", name, st->reason);
	else if (st->state == ARBOR_PD_CRASHED)
		arbor_log("child \"%s\" crashed: signal %d at address 0x%llx", name, st->signal,
		          (unsigned long long)st->fault_addr);
	else
		arbor_log("child \"%s\" was killed by signal %d", name, st->signal);
	if (++ended == started)
		arbor_exit(env, 0);
}

static const struct arbor_child_policy policy = { .exited = child_ended };

void component_construct(struct arbor_env *e)
{
	uint64_t ram = 4 << 20;
	int i = 1;

	env = e;
	if (i + 1 < env->argc && !strcmp(env->argv[i], "--ram")) {
		if (arbor_parse_size(env->argv[i + 1], &ram)) {
			arbor_error("spawner: invalid size '%s'", env->argv[i + 1]);
			arbor_exit(env, 2);
		}
		i += 2;
	}
	for (; i < env->argc; i++) {
		char spec[1024], *argv[ARGS_MAX + 1], *save = NULL;
		unsigned argc = 0;
		snprintf(spec, sizeof(spec), "%s", env->argv[i]);
		char *eq = strchr(spec, '=');
		if (!eq) {
			arbor_error("spawner: expected NAME=BINARY[,ARG...], got '%s'", spec);
			arbor_exit(env, 2);
		}
		*eq = '\0';
		for (char *t = strtok_r(eq + 1, ",", &save); t && argc < ARGS_MAX; t = strtok_r(NULL, ",", &save))
			argv[argc++] = t;
		argv[argc] = NULL;
		struct arbor_child_config cfg = {
			.name = spec, .binary = argv[0], .ram = ram, .caps = 100,
			.argv = (const char *const *)argv, .policy = &policy,
		};
		struct arbor_child *child;
		int err = arbor_child_start(env, &cfg, &child);
		if (err) {
			arbor_error("spawner: cannot start \"%s\": %s", spec, arbor_strerror(err));
			continue;
		}
		started++;
	}
	if (!started)
		arbor_exit(env, 1);
}
