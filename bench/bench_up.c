/* A child of bench_init: says "up" once it runs, then idles. */
#include <arbor/env.h>
#include <arbor/log.h>

void component_construct(struct arbor_env *env)
{
	arbor_log("up");
}
