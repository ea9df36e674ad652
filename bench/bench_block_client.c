/*
 * bench_block_client: the client of the block_file benchmarks
 * (bench_block_file.c), a component reading its Block session as fast as
 * it can with several requests in flight, as fio does with the image file:
 *
 *   <config mode="seq" request="1M" depth="8" bytes="1024M"/>
 *       sequential reads of `request` bytes over the whole device, again from
 *       its start after its end, until `bytes` were read; logs
 *       "bench_block_client: result <MiB/s> MiB/s"
 *   <config mode="rand" request="4K" depth="32" count="500000"/>
 *       `count` reads of `request` bytes at random aligned offsets; logs
 *       "bench_block_client: result <IOPS> IOPS"
 *
 * The clock runs from the first submit to the last ack, as fio's does from
 * its first I/O to its last; the session's set-up is not counted. A second
 * line, "bench_block_client: cpu <us> us per request", is the client's own
 * CPU time (user and system) over the same span, for the breakdown.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <block/block_client.h>
#include <sandbox/xml.h>
#include "bench_block_reads.h"

static struct arbor_env *env;

static void fail(const char *what, int err)
{
	arbor_error("bench_block_client: %s: %s", what, arbor_strerror(err));
	arbor_exit(env, 1);
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void component_construct(struct arbor_env *e)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	struct block_args args = { .label = "" };
	struct bench_block_reads r = { .random = 0x9e3779b97f4a7c15ull };
	uint64_t request, depth, bytes, count;
	const char *mode, *what;
	double s, cpu;
	int err;

	env = e;
	if ((err = arbor_rom_open(env, &rom, "config", NULL)) ||
	    (err = xml_parse(rom.text, rom.len, "config", &config, NULL)))
		fail("the config", err);
	mode = xml_attr(config, "mode");
	r.seq = mode && !strcmp(mode, "seq");
	if (!r.seq && !(mode && !strcmp(mode, "rand")))
		fail("mode is neither seq nor rand", ARBOR_E_INVALID);
	if (xml_attr_u64(config, "request", r.seq ? 1024 * 1024 : 4096, &request) ||
	    xml_attr_u64(config, "depth", r.seq ? 8 : 32, &depth) ||
	    xml_attr_u64(config, "bytes", 1024ull << 20, &bytes) ||
	    xml_attr_u64(config, "count", 500000, &count) || !request || !depth)
		fail("request, depth, bytes or count", ARBOR_E_INVALID);
	xml_free(config);
	arbor_rom_close(&rom);

	/* room for every request in flight, and one more so that allocation never waits */
	args.tx_buf_size = (size_t)(request * (depth + 1));
	err = block_connection_open(env, &r.b, &args);
	if (err)
		fail("the Block session", err);
	if (request % r.b.info.block_size)
		fail("request is no multiple of the block size", ARBOR_E_INVALID);
	r.request_blocks = request / r.b.info.block_size;
	r.slots = r.b.info.block_count / r.request_blocks;
	if (!r.slots)
		fail("the device is smaller than one request", ARBOR_E_INVALID);

	if (r.seq)
		count = bytes / request;
	cpu = cpu_s();
	err = bench_block_reads_measure(&r, depth, count, &s, &what);
	cpu = cpu_s() - cpu;
	if (err)
		fail(what, err);
	if (r.seq)
		arbor_log("bench_block_client: result %.1f MiB/s",
		          (double)(count * request) / (1024.0 * 1024.0) / s);
	else
		arbor_log("bench_block_client: result %.0f IOPS", (double)count / s);
	arbor_log("bench_block_client: cpu %.3f us per request", cpu * 1e6 / (double)count);
	block_connection_close(&r.b);
	arbor_exit(env, 0);
}
