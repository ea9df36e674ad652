/*
 * block_cache_client: checks what block_cache promises beyond any Block
 * server's behaviour, with a session through the cache (label "cache") and
 * one straight to the device below it (label "raw", routed past the cache
 * by init). The steps its config names run in order:
 *
 *   <hits bytes="1M" request="64K" block="0" label="cache"/>
 *       a cold working set is read in one session, read again in a second
 *       (block_cache logs its counts at each close: the test expects the
 *       second to be all hits, no fetch); both times are logged, not judged
 *   <random ops="20000" depth="32" max_blocks="32" large_blocks="512" large_percent="5"
 *           seed="1" sync_every="2000"/>
 *       random reads and writes over the whole device of 1..max_blocks blocks
 *       (large_percent of them up to large_blocks), depth requests in flight
 *       over distinct blocks, each read checked against a reference
 *       copy; SYNCs between; at the end a SYNC, after which the device (read
 *       raw) equals the reference
 *   <writeback block="4096" count="256" seed="7"/>
 *       written through the cache, the blocks are not on the device yet (the
 *       cache is write-back); after a SYNC they are
 *   <close block="8192" count="256" seed="8"/>
 *       written through the cache, then the session closes without SYNC: the
 *       blocks reach the device (polled, 10 s at most)
 *
 * Logs "ok: ..." or "FAILED: ..." for each check, then "block_cache_client:
 * done, N failures" (exit value 0 or 1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <block/block_client.h>
#include <sandbox/config_rom.h>

#define WAIT_MS   10000
#define MAX_DEPTH 64u

static struct {
	struct arbor_env *env;
	struct config_rom config;
	unsigned failures;
} t;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (ok) {
		arbor_log("ok: %s", what);
	} else {
		t.failures++;
		arbor_error("FAILED: %s", what);
	}
}

static uint64_t attr(const struct xml_node *n, const char *name, uint64_t def)
{
	uint64_t v;

	if (xml_attr_u64(n, name, def, &v))
		check(0, "config:%lu: %s is not a number", xml_node_line(n), name);
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Blocks of a write: every word names (stamp, block, word), so a misplaced block shows. */
static void stamp(void *buf, uint64_t stamp_value, uint64_t block, uint64_t count, uint32_t bs)
{
	uint64_t *w = buf;

	for (uint64_t b = 0; b < count; b++) {
		uint64_t base = mix(stamp_value ^ mix(block + b));

		for (uint32_t i = 0; i < bs / 8; i++)
			*w++ = base + i;
	}
}

static int open_session(struct block_connection *b, const char *label, int writeable)
{
	struct block_args args = { .label = label, .writeable = writeable };
	int err = block_connection_open(t.env, b, &args);

	if (err)
		check(0, "[%s] session: %s", label, arbor_strerror(err));
	return err;
}

/* ---- hits ------------------------------------------------------------------ */

static double read_pass(struct block_connection *b, uint64_t block, uint64_t bytes,
                        uint64_t request, void *buf)
{
	uint32_t bs = b->info.block_size;
	double start = now();

	for (uint64_t at = 0; at < bytes; at += request) {
		int err = block_read(b, block + at / bs, request / bs, (char *)buf + at);

		if (err) {
			check(0, "hits: read at %llu: %s", (unsigned long long)at, arbor_strerror(err));
			return -1;
		}
	}
	return now() - start;
}

static void step_hits(const struct xml_node *n)
{
	uint64_t bytes = attr(n, "bytes", 1024 * 1024), request = attr(n, "request", 65536);
	uint64_t block = attr(n, "block", 0);
	const char *label = xml_attr(n, "label") ? xml_attr(n, "label") : "cache";
	struct block_connection b;
	unsigned char *first = malloc(bytes), *second = malloc(bytes);
	double cold, warm;

	if (!first || !second || open_session(&b, label, 0)) {
		check(0, "hits: no memory or session");
		goto out;
	}
	cold = read_pass(&b, block, bytes, request, first);
	block_connection_close(&b);
	if (open_session(&b, label, 0))
		goto out;
	warm = read_pass(&b, block, bytes, request, second);
	block_connection_close(&b);
	if (cold < 0 || warm < 0)
		goto out;
	check(!memcmp(first, second, bytes), "hits: [%s] %llu KiB read twice in %llu KiB requests, "
	      "the same both times", label, (unsigned long long)(bytes / 1024),
	      (unsigned long long)(request / 1024));
	/* for people: the behaviour is judged on block_cache's counts, not on the clock */
	arbor_log("hits: cold pass %.1f ms (%.0f MiB/s), warm pass %.1f ms (%.0f MiB/s)", cold * 1e3,
	          (double)bytes / (1 << 20) / cold, warm * 1e3, (double)bytes / (1 << 20) / warm);
out:
	free(first);
	free(second);
}

/* ---- random workload against a reference ------------------------------------------ */

struct flight {
	int used;
	uint32_t op;
	uint64_t block, count;
};

struct workload {
	struct block_connection *b;
	unsigned char *ref;
	uint32_t bs;
	struct flight slot[MAX_DEPTH];
	unsigned depth, flying;
	uint64_t reads, writes, syncs, mismatches, errors;
};

static int overlaps(const struct workload *w, uint64_t block, uint64_t count)
{
	for (unsigned i = 0; i < w->depth; i++)
		if (w->slot[i].used && w->slot[i].op != ARBOR_BLOCK_SYNC &&
		    block < w->slot[i].block + w->slot[i].count && w->slot[i].block < block + count)
			return 1;
	return 0;
}

static int take_one(struct workload *w)
{
	struct arbor_packet pkt;
	struct flight *f;
	int err = block_take_ack(w->b, &pkt, WAIT_MS);

	if (err) {
		check(0, "random: waiting for an ack: %s", arbor_strerror(err));
		return err;
	}
	if (pkt.tag >= w->depth || !w->slot[pkt.tag].used) {
		check(0, "random: an ack with tag %llu, which is not in flight",
		      (unsigned long long)pkt.tag);
		block_release(w->b, &pkt);
		return ARBOR_E_BAD_MESSAGE;
	}
	f = &w->slot[pkt.tag];
	if (pkt.result) {
		w->errors++;
	} else if (f->op == ARBOR_BLOCK_READ &&
	           memcmp(block_content(w->b, &pkt), w->ref + f->block * w->bs, f->count * w->bs)) {
		if (!w->mismatches)
			arbor_error("random: read %llu+%llu differs from the reference",
			            (unsigned long long)f->block, (unsigned long long)f->count);
		w->mismatches++;
	}
	block_release(w->b, &pkt);
	f->used = 0;
	w->flying--;
	return 0;
}

/* Submit op on [block, block + count) in a free slot (there is one), waiting for bulk space. */
static int submit_one(struct workload *w, uint32_t op, uint64_t block, uint64_t count,
                      uint64_t stamp_value)
{
	struct arbor_packet pkt;
	unsigned i = 0;
	int err;

	while (w->slot[i].used)
		i++;
	while ((err = block_alloc(w->b, &pkt, op, block, count, i)) == ARBOR_E_AGAIN && w->flying)
		if ((err = take_one(w)))
			return err;
	if (!err && op == ARBOR_BLOCK_WRITE) {
		stamp(block_content(w->b, &pkt), stamp_value, block, count, w->bs);
		/* nothing overlapping is in flight: the reference may change now */
		memcpy(w->ref + block * w->bs, block_content(w->b, &pkt), count * w->bs);
	}
	if (!err)
		err = block_submit(w->b, &pkt);
	if (err) {
		check(0, "random: submitting: %s", arbor_strerror(err));
		return err;
	}
	w->slot[i] = (struct flight){ .used = 1, .op = op, .block = block, .count = count };
	w->flying++;
	return 0;
}

static int drain(struct workload *w)
{
	while (w->flying)
		if (take_one(w))
			return -1;
	return 0;
}

/* The device, read raw, against the reference. Returns the first differing block or count. */
static uint64_t device_mismatch(struct block_connection *raw, const unsigned char *ref,
                                uint64_t count, uint32_t bs)
{
	unsigned char *buf = malloc(256 * bs);
	uint64_t first = count;

	for (uint64_t at = 0; buf && at < count && first == count; at += 256) {
		uint64_t n = count - at < 256 ? count - at : 256;

		if (block_read(raw, at, n, buf)) {
			first = at;
			break;
		}
		for (uint64_t b = 0; b < n; b++)
			if (memcmp(buf + b * bs, ref + (at + b) * bs, bs)) {
				first = at + b;
				break;
			}
	}
	free(buf);
	return buf ? first : 0;
}

static void step_random(const struct xml_node *n)
{
	uint64_t ops = attr(n, "ops", 20000), seed = attr(n, "seed", 1);
	uint64_t max_blocks = attr(n, "max_blocks", 32), sync_every = attr(n, "sync_every", 2000);
	uint64_t large_blocks = attr(n, "large_blocks", 512), large_percent = attr(n, "large_percent", 5);
	struct block_connection b, raw;
	struct workload w = { .b = &b };
	uint64_t blocks, bad;
	double start;

	w.depth = (unsigned)attr(n, "depth", 32);
	if (!w.depth || w.depth > MAX_DEPTH || !max_blocks || !large_blocks) {
		check(0, "random: depth 1..%u, max_blocks and large_blocks above 0", MAX_DEPTH);
		return;
	}
	if (open_session(&b, "cache", 1))
		return;
	if (open_session(&raw, "raw", 0)) {
		block_connection_close(&b);
		return;
	}
	w.bs = b.info.block_size;
	blocks = b.info.block_count;
	w.ref = malloc(blocks * w.bs);
	if (!w.ref || block_read(&raw, 0, blocks, w.ref)) {
		check(0, "random: cannot read the device's %llu blocks", (unsigned long long)blocks);
		goto out;
	}
	start = now();
	for (uint64_t i = 0; i < ops; i++) {
		uint64_t r = mix(seed ^ mix(i)), block, count;

		if (w.flying == w.depth && take_one(&w))
			goto out;
		if (sync_every && i % sync_every == sync_every - 1) {
			if (submit_one(&w, ARBOR_BLOCK_SYNC, 0, 0, 0))
				goto out;
			w.syncs++;
			continue;
		}
		/* now and then a large request: it spans many lines, fetched and written at once */
		count = 1 + (r >> 8) % ((r >> 40) % 100 < large_percent ? large_blocks : max_blocks);
		block = (r >> 24) % (blocks - count + 1);
		/* a range in flight is left alone: concurrent requests on a block have no order */
		while (overlaps(&w, block, count))
			if (take_one(&w))
				goto out;
		if (r & 1) {
			if (submit_one(&w, ARBOR_BLOCK_WRITE, block, count, mix(seed + i)))
				goto out;
			w.writes++;
		} else {
			if (submit_one(&w, ARBOR_BLOCK_READ, block, count, 0))
				goto out;
			w.reads++;
		}
	}
	if (drain(&w))
		goto out;
	check(w.mismatches == 0 && w.errors == 0,
	      "random: %llu reads, %llu writes, %llu syncs over %llu blocks, depth %u, in %.1f s: "
	      "%llu reads differ from the reference, %llu errors", (unsigned long long)w.reads,
	      (unsigned long long)w.writes, (unsigned long long)w.syncs,
	      (unsigned long long)blocks, w.depth, now() - start,
	      (unsigned long long)w.mismatches, (unsigned long long)w.errors);
	check(block_sync(&b) == 0, "random: final SYNC");
	bad = device_mismatch(&raw, w.ref, blocks, w.bs);
	if (bad == blocks)
		check(1, "random: after the SYNC the device equals the reference (%llu blocks)",
		      (unsigned long long)blocks);
	else
		check(0, "random: after the SYNC the device differs from the reference at block %llu",
		      (unsigned long long)bad);
out:
	free(w.ref);
	block_connection_close(&raw);
	block_connection_close(&b);
}

/* ---- write-back: SYNC and close ----------------------------------------------------- */

static int device_holds(struct block_connection *raw, uint64_t block, uint64_t count,
                        const void *expect)
{
	unsigned char *buf = malloc(count * raw->info.block_size);
	int same = buf && !block_read(raw, block, count, buf) &&
	           !memcmp(buf, expect, count * raw->info.block_size);

	free(buf);
	return same;
}

static void step_writeback(const struct xml_node *n, int by_close)
{
	uint64_t block = attr(n, "block", 0), count = attr(n, "count", 256), seed = attr(n, "seed", 7);
	const char *what = by_close ? "close" : "writeback";
	struct block_connection b, raw;
	unsigned char *data = NULL;
	double start;

	if (open_session(&raw, "raw", 0))
		return;
	if (open_session(&b, "cache", 1))
		goto out_raw;
	data = malloc(count * b.info.block_size);
	if (!data) {
		check(0, "%s: no memory", what);
		goto out;
	}
	stamp(data, seed, block, count, b.info.block_size);
	check(block_write(&b, block, count, data) == 0, "%s: %llu blocks written at %llu", what,
	      (unsigned long long)count, (unsigned long long)block);
	check(!device_holds(&raw, block, count, data),
	      "%s: acked, but not yet on the device (write-back)", what);
	if (!by_close) {
		check(block_sync(&b) == 0, "%s: SYNC", what);
		check(device_holds(&raw, block, count, data), "%s: after the SYNC, on the device", what);
		goto out;
	}
	block_connection_close(&b);
	start = now();
	while (!device_holds(&raw, block, count, data) && now() - start < WAIT_MS / 1000.0)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	check(device_holds(&raw, block, count, data),
	      "%s: after the session closed without SYNC, on the device (%.0f ms)", what,
	      (now() - start) * 1e3);
	goto out_raw;
out:
	block_connection_close(&b);
out_raw:
	free(data);
	block_connection_close(&raw);
}

void component_construct(struct arbor_env *env)
{
	int err;

	t.env = env;
	err = config_rom_open(&t.config, env, NULL, NULL);
	if (err) {
		arbor_error("block_cache_client: no config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	for (const struct xml_node *n = xml_first_child(t.config.root, NULL); n;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);

		if (!strcmp(type, "hits"))
			step_hits(n);
		else if (!strcmp(type, "random"))
			step_random(n);
		else if (!strcmp(type, "writeback"))
			step_writeback(n, 0);
		else if (!strcmp(type, "close"))
			step_writeback(n, 1);
		else
			check(0, "config:%lu: unknown step <%s>", xml_node_line(n), type);
	}
	arbor_log("block_cache_client: done, %u failures", t.failures);
	arbor_exit(env, t.failures ? 1 : 0);
}
