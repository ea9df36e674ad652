/*
 * bench_block_cache_client: the client of the block_cache_hit benchmark
 * (bench_block_cache.c), a component reading a working set smaller than
 * the cache, first to warm it, then as fast as it can:
 *
 *   <config working_set="32M" request="64K" depth="16" bytes="2048M"/>
 *
 * The warm-up reads the working set once in a session of its own and
 * closes it (block_cache then logs its counts: everything was fetched);
 * the measured session reads `bytes` in `request`-sized reads over the
 * working set, again from its start after its end, with `depth` in flight,
 * and closes (block_cache logs its counts again: nothing more fetched, or
 * the figure is not one of hits). Logs "bench_block_cache_client: result
 * <MiB/s> MiB/s" for the measured session, from its first submit to its
 * last ack.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <block/block_client.h>
#include <sandbox/xml.h>
#include "bench_block_reads.h"

static struct arbor_env *env;

static void fail(const char *what, int err)
{
	arbor_error("bench_block_cache_client: %s: %s", what, arbor_strerror(err));
	arbor_exit(env, 1);
}

/* total reads, depth in flight; returns seconds. */
static double reads(struct bench_block_reads *r, uint64_t depth, uint64_t total)
{
	const char *what;
	double s;
	int err = bench_block_reads_measure(r, depth, total, &s, &what);

	if (err)
		fail(what, err);
	return s;
}

static void open_run(struct bench_block_reads *r, uint64_t request, uint64_t depth,
                     uint64_t working_set)
{
	struct block_args args = { .label = "", .tx_buf_size = (size_t)(request * (depth + 1)) };
	int err = block_connection_open(env, &r->b, &args);

	if (err)
		fail("the Block session", err);
	if (request % r->b.info.block_size || working_set % request)
		fail("request must divide the working set and be whole blocks", ARBOR_E_INVALID);
	if (working_set / r->b.info.block_size > r->b.info.block_count)
		fail("the working set is larger than the device", ARBOR_E_INVALID);
	r->request_blocks = request / r->b.info.block_size;
	r->slots = working_set / request;
	r->next_seq = 0;
	r->seq = 1;
}

void component_construct(struct arbor_env *e)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	struct bench_block_reads r;
	uint64_t working_set, request, depth, bytes;
	double s;
	int err;

	env = e;
	if ((err = arbor_rom_open(env, &rom, "config", NULL)) ||
	    (err = xml_parse(rom.text, rom.len, "config", &config, NULL)))
		fail("the config", err);
	if (xml_attr_u64(config, "working_set", 32u << 20, &working_set) ||
	    xml_attr_u64(config, "request", 64 * 1024, &request) ||
	    xml_attr_u64(config, "depth", 16, &depth) ||
	    xml_attr_u64(config, "bytes", 2048ull << 20, &bytes) || !request || !depth ||
	    !working_set)
		fail("working_set, request, depth or bytes", ARBOR_E_INVALID);
	xml_free(config);
	arbor_rom_close(&rom);

	open_run(&r, request, depth, working_set);
	reads(&r, depth, working_set / request);
	block_connection_close(&r.b);

	open_run(&r, request, depth, working_set);
	s = reads(&r, depth, bytes / request);
	block_connection_close(&r.b);
	arbor_log("bench_block_cache_client: result %.1f MiB/s",
	          (double)(bytes / request * request) / (1024.0 * 1024.0) / s);
	arbor_exit(env, 0);
}
