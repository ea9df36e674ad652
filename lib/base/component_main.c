/*
 * main() of every component: build the environment from the parent
 * capability on its fixed fd, let the component construct itself, then
 * dispatch on the entrypoint until the component exits.
 */
#include <stdio.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/parent.h>
#include <session/parent.h>

int main(int argc, char **argv)
{
	static struct arbor_env env;
	int err = arbor_env_init(&env, ARBOR_PARENT_FD, argc, argv);

	if (err) {
		fprintf(stderr, "Error: cannot set up the component environment: %s\n",
		        arbor_strerror(err));
		return 1;
	}
	if (env.parent)
		arbor_parent_heartbeat_enable(&env);
	component_construct(&env);
	err = arbor_ep_run(env.ep);
	arbor_exit(&env, err ? 1 : 0);
}

#if defined(__SANITIZE_ADDRESS__)
/*
 * Sanitizer builds: components have no /proc and core is their tracer, so
 * LeakSanitizer (which needs both) cannot run inside the sandbox; leaks of
 * lib/base are checked by the in-process tests, which run unsandboxed.
 * Fatal signals are left to core, which reports crashes with a backtrace.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:handle_abort=0";
}
#endif
