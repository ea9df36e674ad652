/* Helpers of the benchmark root components (see bench_root.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench_root.h"

uint64_t bench_root_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long bench_root_count(const struct arbor_env *env, long dflt)
{
	for (int i = 1; i + 1 < env->argc; i++) {
		if (strcmp(env->argv[i], "-n") != 0)
			continue;
		char *end;
		long n = strtol(env->argv[i + 1], &end, 10);
		return *end == '\0' && n > 0 ? n : 0;
	}
	return dflt;
}

int bench_root_serve_until(struct arbor_env *env, const volatile int *flag, uint64_t deadline_ns)
{
	while (!*flag) {
		uint64_t now = bench_root_now_ns();
		if (now >= deadline_ns)
			return -ETIMEDOUT;
		uint64_t left_ms = (deadline_ns - now) / 1000000u + 1;
		int err = arbor_ep_dispatch(env->ep, left_ms > 1000 ? 1000 : (int)left_ms);
		if (err < 0)
			return err;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void bench_root_sort(uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof *v, cmp_u64);
}
