/*
 * Baseline for benchmark 5: one thread on CPU 0 memcpys 64 KiB chunks out of
 * a 4 MiB buffer (the packet stream's bulk size) into a 64 KiB buffer, the
 * same bytes the stream's consumer copies out. The stream splits writing and
 * reading over two cores, so half of this bandwidth is a fair floor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"

#define CHUNK (64u * 1024u)
#define BULK  (4096u * 1024u)

int main(int argc, char **argv)
{
	long n = bench_iterations(argc, argv, 32768);   /* chunks: 2 GiB by default */
	long warmup = n / 10 + 1;
	unsigned char *src = aligned_alloc(4096, BULK), *dst = aligned_alloc(4096, CHUNK);

	if (!src || !dst)
		bench_die("aligned_alloc", -ENOMEM);
	bench_pin_or_die(0);
	memset(src, 0x5a, BULK);
	memset(dst, 0, CHUNK);

	uint64_t start = 0;
	for (long i = 0; i < warmup + n; i++) {
		if (i == warmup)
			start = bench_now_ns();
		memcpy(dst, src + (size_t)(i % (BULK / CHUNK)) * CHUNK, CHUNK);
		/* keep the compiler from dropping the copies */
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	uint64_t elapsed = bench_now_ns() - start;

	double mib = (double)n * CHUNK / (1024.0 * 1024.0);
	bench_report("result", mib / ((double)elapsed / 1e9), "MiB/s");
	free(src);
	free(dst);
	return 0;
}
