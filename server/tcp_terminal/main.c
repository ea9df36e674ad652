/*
 * tcp_terminal: provides the Terminal service over TCP, one connection per
 * session, on the port the client's policy names (see README.md).
 */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "tcp_terminal.h"

static struct tcp_terminal tcp_terminal;

void component_construct(struct arbor_env *env)
{
	int err;

	tcp_terminal.env = env;
	err = config_open(&tcp_terminal.config, env);
	if (err) {
		arbor_error("tcp_terminal: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = session_announce(&tcp_terminal);
	if (err) {
		arbor_error("tcp_terminal: cannot provide the Terminal service: %s",
		            arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
