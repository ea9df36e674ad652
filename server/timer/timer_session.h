/*
 * The Timer service: its root (session creation and closing, with the
 * donation check) and the sessions' operations (session/timer.h).
 */
#ifndef TIMER_SESSION_H
#define TIMER_SESSION_H

#include <arbor/env.h>
#include <arbor/root.h>
#include "schedule.h"

struct timer_service {
	struct arbor_env *env;
	struct arbor_root root;
	struct schedule schedule;
	unsigned sessions;
};

/*
 * Set up the schedule and announce the Timer service to the parent.
 * Returns 0, an error of schedule_init() or of arbor_root_announce().
 */
int timer_session_serve(struct timer_service *svc, struct arbor_env *env);

#endif
