/*
 * A component whose entrypoint never runs: it blocks in its constructor,
 * so it answers no RPC and no heartbeat (for the heartbeat scenarios).
 */
#include <unistd.h>
#include <arbor/env.h>
#include <arbor/log.h>

void component_construct(struct arbor_env *env)
{
	arbor_log("stuck: blocking my entrypoint for good");
	for (;;)
		pause();
}
