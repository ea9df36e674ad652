/*
 * Helpers shared by the benchmark programs: CPU pinning, a monotonic clock,
 * argument parsing and the one output format run.py reads.
 *
 * Output contract: every program prints lines "<key> <value> <unit>" on
 * stdout (single-figure programs use the key "result") and exits 0; on any
 * failure it prints a reason on stderr and exits non-zero. A program that
 * cannot measure on this host (a guest this KVM cannot run) exits 77 with
 * the reason as its last line of output: run.py records a skip.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_CONTAINER_OF(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define BENCH_PAYLOAD 64u   /* RPC payload bytes, each way */

/* Pin the calling thread to cpu; returns 0 or a negative errno. */
int bench_pin(int cpu);

/* Pin the calling thread to cpu or die. */
void bench_pin_or_die(int cpu);

/* CPUs the process may run on (at least 1). */
int bench_cpus(void);

uint64_t bench_now_ns(void);

/* The iteration count from "-n N" in argv, or dflt. Dies on a bad value. */
long bench_iterations(int argc, char **argv, long dflt);

/* MemAvailable of /proc/meminfo in KiB, or a negative errno. */
long bench_mem_available_kib(void);

/* Print one result line in the format above. */
void bench_report(const char *key, double value, const char *unit);

/* Print "bench: <what>: <strerror(-err)>" and exit 1. */
__attribute__((noreturn)) void bench_die(const char *what, int err);

/* bench_die() when err < 0; returns err otherwise. */
int bench_check(const char *what, int err);

#endif
