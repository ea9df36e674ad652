/* Helpers shared by the benchmark programs (see bench.h). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench.h"

int bench_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* pid 0 is the calling thread, not the whole process */
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return -errno;
	return 0;
}

void bench_pin_or_die(int cpu)
{
	bench_check("sched_setaffinity", bench_pin(cpu));
}

int bench_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long bench_iterations(int argc, char **argv, long dflt)
{
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "-n") != 0)
			continue;
		char *end;
		long n = strtol(argv[i + 1], &end, 10);
		if (*end != '\0' || n <= 0)
			bench_die("-n wants a positive number", -EINVAL);
		return n;
	}
	return dflt;
}

long bench_mem_available_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long kib = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

void bench_report(const char *key, double value, const char *unit)
{
	printf("%s %.6g %s\n", key, value, unit);
	fflush(stdout);
}

void bench_die(const char *what, int err)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

int bench_check(const char *what, int err)
{
	if (err < 0)
		bench_die(what, err);
	return err;
}
