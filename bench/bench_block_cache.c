/*
 * block_cache's read hits against memcpy of the same bytes:
 *
 *   bench_block_cache arbor -n MIB [BUILD]   bench_block_cache_client reads MIB MiB in
 *                                            64 KiB requests, 16 in flight, over a warm
 *                                            32 MiB working set through block_cache
 *                                            (about 56 MiB of lines) on ram_block,
 *                                            under `arbor run`
 *   bench_block_cache memcpy -n MIB          one thread memcpys the same MIB MiB in
 *                                            64 KiB chunks out of a 32 MiB buffer into
 *                                            a buffer as large as the client's bulk
 *                                            buffer (17 x 64 KiB)
 *
 * A hit is block_cache copying a line into the client's bulk buffer, so
 * memcpy is what a hit could at best cost; the ratio says what the packet
 * stream, the signals and the lookups add. block_cache logs its counts when
 * each of the client's two sessions closes: the measured one must have
 * fetched nothing, or the figure would not be one of hits and the run
 * fails. Both print "result <MiB/s> MiB/s". Nothing is pinned.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench.h"
#include "bench_core.h"

#define WORKING_SET (32u << 20)
#define REQUEST     (64u * 1024)
#define DEPTH       16u
#define TIMEOUT_MS  300000

static double copies(long mib)
{
	size_t dst_size = (size_t)REQUEST * (DEPTH + 1);
	unsigned char *src = aligned_alloc(4096, WORKING_SET), *dst = aligned_alloc(4096, dst_size);
	uint64_t chunks = ((uint64_t)mib << 20) / REQUEST, start;

	if (!src || !dst)
		bench_die("aligned_alloc", -ENOMEM);
	memset(src, 0x5a, WORKING_SET);
	memset(dst, 0, dst_size);
	/* warm, as the cache is: one pass over the working set first */
	for (uint64_t i = 0; i < WORKING_SET / REQUEST; i++)
		memcpy(dst + (i % (DEPTH + 1)) * REQUEST, src + i * REQUEST, REQUEST);
	start = bench_now_ns();
	for (uint64_t i = 0; i < chunks; i++) {
		memcpy(dst + (i % (DEPTH + 1)) * REQUEST,
		       src + (i % (WORKING_SET / REQUEST)) * REQUEST, REQUEST);
		__asm__ volatile("" : : "r"(dst) : "memory");
	}
	return (double)(chunks * REQUEST) / (1024.0 * 1024.0) /
	       ((double)(bench_now_ns() - start) / 1e9);
}

/* "… so far H line reads hit, F lines fetched, …": F of the line after tag. */
static unsigned long long fetched(const char *rest)
{
	const char *at = strstr(rest, "line reads hit, ");

	return at ? strtoull(at + strlen("line reads hit, "), NULL, 10) : ~0ull;
}

static double arbor(const char *build, long mib)
{
	static struct bench_core core;
	char rest[256];
	unsigned long long warm, measured;
	const char *closed = "'bench_block_cache_client' closed; so far";
	double value;

	bench_core_run(&core, build, "block-cache", "bench", NULL,
	        "<config>\n"
	        " <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	        " <service name=\"CPU\"/> <service name=\"LOG\"/> </parent-provides>\n"
	        " <default-route> <any-service> <parent/> </any-service> </default-route>\n"
	        " <default caps=\"100\" ram=\"4M\"/>\n"
	        " <start name=\"ram_block\" ram=\"68M\"> <provides> <service name=\"Block\"/>"
	        " </provides>\n"
	        "  <config size=\"64M\"> <policy label=\"block_cache\" writeable=\"yes\"/>"
	        " </config> </start>\n"
	        " <start name=\"block_cache\" ram=\"64M\"> <provides> <service name=\"Block\"/>"
	        " </provides>\n"
	        "  <route> <service name=\"Block\"> <child name=\"ram_block\"/> </service>"
	        " <any-service> <parent/> </any-service> </route>\n"
	        "  <config read_ahead=\"0\"> <default-policy/> </config> </start>\n"
	        " <start name=\"bench_block_cache_client\" ram=\"8M\">\n"
	        "  <route> <service name=\"Block\"> <child name=\"block_cache\"/> </service>"
	        " <any-service> <parent/> </any-service> </route>\n"
	        "  <config working_set=\"%u\" request=\"%u\" depth=\"%u\" bytes=\"%ldM\"/> </start>\n"
	        "</config>\n", WORKING_SET, REQUEST, DEPTH, mib);
	if (bench_core_wait_tag(&core, closed, rest, sizeof(rest), TIMEOUT_MS))
		goto failed;
	warm = fetched(rest);
	if (bench_core_wait_tag(&core, closed, rest, sizeof(rest), TIMEOUT_MS))
		goto failed;
	measured = fetched(rest);
	if (bench_core_wait_tag(&core, "bench_block_cache_client: result", rest, sizeof(rest),
	                        TIMEOUT_MS))
		goto failed;
	value = strtod(rest, NULL);
	bench_core_finish(&core, SIGTERM, 10000);
	if (warm != WORKING_SET / (16u * 1024) || measured != warm) {
		fprintf(stderr, "block_cache fetched %llu lines warming up and %llu in all: the "
		        "reads were not all hits\n", warm, measured);
		bench_die("block_cache's counts", -EBADMSG);
	}
	return value;

failed:
	bench_core_kill(&core);
	bench_core_dump(&core);
	bench_die("no result from block_cache or its client", -ETIMEDOUT);
	return 0;
}

int main(int argc, char **argv)
{
	const char *side = argc > 1 ? argv[1] : "";
	long n = bench_iterations(argc, argv, 4096);

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(side, "memcpy")) {
		bench_report("result", copies(n), "MiB/s");
	} else if (!strcmp(side, "arbor")) {
		bench_report("result", arbor(bench_core_build_dir(argc, argv), n), "MiB/s");
	} else {
		fprintf(stderr, "usage: bench_block_cache arbor|memcpy -n MIB [BUILD]\n");
		return 2;
	}
	return 0;
}
