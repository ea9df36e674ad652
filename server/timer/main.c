/* The timer server: provides the Timer service (session/timer.h) from one timerfd. */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "timer_session.h"

static struct timer_service service;

void component_construct(struct arbor_env *env)
{
	int err = timer_session_serve(&service, env);

	if (err) {
		arbor_error("timer: cannot provide the Timer service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
