/* A component that does nothing but wait on its entrypoint. */
#include <arbor/env.h>

void component_construct(struct arbor_env *env)
{
}
