/*
 * The escape suite's sibling: logs a heartbeat through its LOG session
 * while the suite attacks, so the scenario sees that nothing reached it.
 *   victim [COUNT [INTERVAL_MS]]   default 40 beats every 200 ms
 * Says "victim: stalled" when a beat came more than a second late.
 */
#include <stdlib.h>
#include <time.h>
#include <arbor/env.h>
#include <arbor/log.h>

#define STALL_MS 1000

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

void component_construct(struct arbor_env *env)
{
	int count = env->argc > 1 ? atoi(env->argv[1]) : 40;
	int interval = env->argc > 2 ? atoi(env->argv[2]) : 200;
	struct timespec ts = { .tv_sec = interval / 1000, .tv_nsec = (interval % 1000) * 1000000l };
	long long last = now_ms(), worst = 0;

	for (int i = 1; i <= count; i++) {
		arbor_log("victim: alive %d", i);
		while (nanosleep(&ts, &ts))
			;
		ts.tv_sec = interval / 1000;
		ts.tv_nsec = (interval % 1000) * 1000000l;
		long long t = now_ms(), late = t - last - interval;
		if (late > worst)
			worst = late;
		if (late > STALL_MS)
			arbor_log("victim: stalled for %lld ms before beat %d", late, i + 1);
		last = t;
	}
	arbor_log("victim: done, %d beats, at most %lld ms late", count, worst);
	arbor_exit(env, 0);
}
