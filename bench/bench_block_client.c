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
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <block/block_client.h>
#include <sandbox/xml.h>

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

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the random offsets, the same on every run */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

struct run {
	struct block_connection b;
	uint64_t request_blocks;       /* blocks per request */
	uint64_t slots;                /* request-sized positions on the device */
	uint64_t next_seq;             /* seq: the next position */
	uint64_t random;               /* rand: the generator's state */
	int seq;
};

static void submit_one(struct run *r)
{
	struct arbor_packet pkt;
	uint64_t slot;
	int err;

	if (r->seq) {
		slot = r->next_seq;
		r->next_seq = (r->next_seq + 1) % r->slots;
	} else {
		slot = next_random(&r->random) % r->slots;
	}
	err = block_alloc(&r->b, &pkt, ARBOR_BLOCK_READ, slot * r->request_blocks,
	                  r->request_blocks, slot);
	if (!err)
		err = block_submit(&r->b, &pkt);
	if (err)
		fail("submitting a read", err);
}

/* Take one ack (waiting up to timeout_ms), check and free it. Returns 0 or ARBOR_E_AGAIN. */
static int take_one(struct run *r, int timeout_ms)
{
	struct arbor_packet pkt;
	int err = block_take_ack(&r->b, &pkt, timeout_ms);

	if (err == ARBOR_E_AGAIN && !timeout_ms)
		return err;
	if (err)
		fail("waiting for an ack", err);
	if (pkt.result)
		fail("a read failed", pkt.result);
	block_release(&r->b, &pkt);
	return 0;
}

/*
 * Keep depth reads in flight until total were acked; returns the seconds
 * it took. Like fio's io_uring engine, it reaps every completion there is
 * before it submits their successors, so that one wake-up each way serves
 * a batch of requests.
 */
static double measure(struct run *r, uint64_t depth, uint64_t total)
{
	uint64_t submitted = 0, acked = 0;
	double t0 = now_s();

	while (submitted < depth && submitted < total) {
		submit_one(r);
		submitted++;
	}
	while (acked < total) {
		uint64_t batch = 1;

		take_one(r, 60000);
		while (!take_one(r, 0))
			batch++;
		acked += batch;
		for (; batch && submitted < total; batch--, submitted++)
			submit_one(r);
	}
	return now_s() - t0;
}

void component_construct(struct arbor_env *e)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	struct block_args args = { .label = "" };
	struct run r = { .random = 0x9e3779b97f4a7c15ull };
	uint64_t request, depth, bytes, count;
	const char *mode;
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
	s = measure(&r, depth, count);
	cpu = cpu_s() - cpu;
	if (r.seq)
		arbor_log("bench_block_client: result %.1f MiB/s",
		          (double)(count * request) / (1024.0 * 1024.0) / s);
	else
		arbor_log("bench_block_client: result %.0f IOPS", (double)count / s);
	arbor_log("bench_block_client: cpu %.3f us per request", cpu * 1e6 / (double)count);
	block_connection_close(&r.b);
	arbor_exit(env, 0);
}
