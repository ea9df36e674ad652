/*
 * The client of bench_init's session figure: opens and closes a LOG
 * session at a sibling server through init, N times, and logs the mean
 * time of one open (client -> init -> server -> init -> client) as
 *   bench-session: result X us
 *   bench_session_client [-n N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <session/log.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void component_construct(struct arbor_env *env)
{
	struct arbor_connection c;
	unsigned long long open_ns = 0, t;
	long n = 1000;
	int err;

	for (int i = 1; i + 1 < env->argc; i++)
		if (!strcmp(env->argv[i], "-n"))
			n = atol(env->argv[i + 1]);
	/* warm up: the server's first session sets it up */
	if ((err = arbor_connection_open(env, &c, ARBOR_LOG_SERVICE, "warm-up",
	                                 ARBOR_LOG_SESSION_RAM * 4, ARBOR_LOG_SESSION_CAPS, NULL))) {
		arbor_error("bench-session: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_connection_close(env, &c);
	for (long i = 0; i < n; i++) {
		t = now_ns();
		err = arbor_connection_open(env, &c, ARBOR_LOG_SERVICE, "bench",
		                            ARBOR_LOG_SESSION_RAM * 4, ARBOR_LOG_SESSION_CAPS, NULL);
		open_ns += now_ns() - t;
		if (err) {
			arbor_error("bench-session: %s", arbor_strerror(err));
			arbor_exit(env, 1);
		}
		arbor_connection_close(env, &c);
	}
	arbor_log("bench-session: result %.2f us", open_ns / 1000.0 / n);
	arbor_exit(env, 0);
}
