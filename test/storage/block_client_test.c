/*
 * block_client_test: a Block client that runs the checks its config names,
 * one <session> after the other, and logs "ok: ..." or "FAILED: ..." for
 * each, then "block_client_test: done, N failures" (exit value 0 or 1).
 * Scenario tests of every Block server use it (test/storage/block_*).
 *
 *   <config>
 *     <session label="rw" writeable="yes" offset="0" num_blocks="0" tx_buf_size="1M">
 *       <info block_count="32768" block_size="512" writeable="yes"/>
 *       <write block="0" count="64" seed="1" shift="0"/>
 *       <verify block="0" count="64" seed="1" shift="0"/>
 *       <error op="write" block="0" count="1" expect="denied"/>  (also op="99")
 *       <queue depth="32" requests="1024" seed="2" block="0" count="8192" reordered="yes"/>
 *       <sync/>  <trim block="0" count="8"/>
 *       <abandon depth="32" how="exit|crash|close" write="no" seed="1"/>
 *       <rom name="image"/>  (the view starts with this ROM module, then zeros)
 *     </session>
 *     <session label="nobody" expect="denied"/>
 *   </config>
 *
 * Data is a pattern of (seed, block + shift): a session whose view starts
 * at device block 100 verifies what a whole-device session wrote at 100
 * with shift="100". <queue> keeps depth requests in flight over distinct
 * blocks of [block, block + count) (default: the whole view), matches every ack to its tag (each exactly once), verifies the
 * data, and counts acks that overtook an older request; reordered="yes"
 * demands at least one.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <block/block_client.h>
#include <session/rom.h>
#include <sandbox/config_rom.h>

#define MAX_DEPTH ARBOR_BLOCK_QUEUE_SLOTS
#define QUEUE_BLOCKS 8u       /* the most blocks one <queue> request covers */

static struct {
	struct arbor_env *env;
	struct config_rom config;
	unsigned failures, checks;
	const char *session;       /* the label of the session under test */
} test;

static void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void check(int ok, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	test.checks++;
	if (ok) {
		arbor_log("ok: [%s] %s", test.session, what);
	} else {
		test.failures++;
		arbor_error("FAILED: [%s] %s", test.session, what);
	}
}

static uint64_t attr_u64(const struct xml_node *n, const char *name, uint64_t def)
{
	uint64_t v;

	if (xml_attr_u64(n, name, def, &v)) {
		check(0, "config:%lu: %s is not a number", xml_node_line(n), name);
		return def;
	}
	return v;
}

static int attr_bool(const struct xml_node *n, const char *name, int def)
{
	int v;

	if (xml_attr_bool(n, name, def, &v)) {
		check(0, "config:%lu: %s is neither yes nor no", xml_node_line(n), name);
		return def;
	}
	return v;
}

/* ---- the data pattern ------------------------------------------------------ */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static void pattern(void *buf, uint64_t seed, uint64_t block, uint64_t count, uint32_t bs)
{
	uint64_t *w = buf;

	for (uint64_t b = 0; b < count; b++) {
		uint64_t base = mix(seed * 0x100000001b3ull ^ (block + b));

		for (uint32_t i = 0; i < bs / 8; i++)
			*w++ = base + i;
	}
}

/* The first block of buf that differs from the pattern, or count. */
static uint64_t pattern_mismatch(const void *buf, uint64_t seed, uint64_t block,
                                 uint64_t count, uint32_t bs)
{
	const uint64_t *w = buf;

	for (uint64_t b = 0; b < count; b++) {
		uint64_t base = mix(seed * 0x100000001b3ull ^ (block + b));

		for (uint32_t i = 0; i < bs / 8; i++)
			if (*w++ != base + i)
				return b;
	}
	return count;
}

/* ---- checks ------------------------------------------------------------------ */

static const char *yes(int v)
{
	return v ? "yes" : "no";
}

static void check_info(struct block_connection *b, const struct xml_node *n)
{
	const struct arbor_block_info *i = &b->info;
	int writeable = !!(i->flags & ARBOR_BLOCK_WRITEABLE);

	if (xml_attr(n, "block_count"))
		check(i->block_count == attr_u64(n, "block_count", 0),
		      "info: %llu blocks (expected %s)", (unsigned long long)i->block_count,
		      xml_attr(n, "block_count"));
	if (xml_attr(n, "block_size"))
		check(i->block_size == attr_u64(n, "block_size", 0),
		      "info: block size %u (expected %s)", i->block_size, xml_attr(n, "block_size"));
	if (xml_attr(n, "writeable"))
		check(writeable == attr_bool(n, "writeable", 0), "info: writeable %s (expected %s)",
		      yes(writeable), xml_attr(n, "writeable"));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A transfer of a MiB or more says how fast it went (for the reader, never checked). */
static void rate(int write, uint64_t bytes, double seconds)
{
	if (bytes >= (1u << 20) && seconds > 0)
		arbor_log("[%s] %s of %llu KiB: %.3f s, %.1f MiB/s", test.session,
		          write ? "write" : "read", (unsigned long long)(bytes >> 10), seconds,
		          (double)bytes / (1 << 20) / seconds);
}

static void check_data(struct block_connection *b, const struct xml_node *n, int write)
{
	uint64_t block = attr_u64(n, "block", 0), count = attr_u64(n, "count", 1);
	uint64_t seed = attr_u64(n, "seed", 1), shift = attr_u64(n, "shift", 0);
	uint32_t bs = b->info.block_size;
	void *buf = count <= (1u << 30) / bs ? malloc(count * bs) : NULL;
	double start;
	int err;

	if (!buf) {
		check(0, "%s of %llu blocks: no buffer", write ? "write" : "verify",
		      (unsigned long long)count);
		return;
	}
	if (write) {
		pattern(buf, seed, block + shift, count, bs);
		start = now_s();
		err = block_write(b, block, count, buf);
		rate(write, count * bs, now_s() - start);
		check(!err, "write %llu blocks at %llu: %s", (unsigned long long)count,
		      (unsigned long long)block, arbor_strerror(err));
	} else {
		uint64_t bad;

		memset(buf, 0x5a, count * bs);
		start = now_s();
		err = block_read(b, block, count, buf);
		rate(write, count * bs, now_s() - start);
		bad = err ? 0 : pattern_mismatch(buf, seed, block + shift, count, bs);
		if (err || bad == count)
			check(!err, "verify %llu blocks at %llu: %s", (unsigned long long)count,
			      (unsigned long long)block, err ? arbor_strerror(err) : "as written");
		else
			check(0, "verify %llu blocks at %llu: block %llu differs",
			      (unsigned long long)count, (unsigned long long)block,
			      (unsigned long long)(block + bad));
	}
	free(buf);
}

static int parse_op(const char *name, uint32_t *op)
{
	static const char *const names[] = { [ARBOR_BLOCK_READ] = "read",
		[ARBOR_BLOCK_WRITE] = "write", [ARBOR_BLOCK_SYNC] = "sync", [ARBOR_BLOCK_TRIM] = "trim" };
	char *end;

	for (uint32_t i = 1; i < ARRAY_SIZE(names); i++)
		if (!strcmp(name, names[i])) {
			*op = i;
			return 0;
		}
	*op = (uint32_t)strtoul(name, &end, 0);
	return *end ? ARBOR_E_INVALID : 0;
}

static int parse_error(const char *name)
{
	if (!strcmp(name, "ok"))       return 0;
	if (!strcmp(name, "invalid"))  return ARBOR_E_INVALID;
	if (!strcmp(name, "denied"))   return ARBOR_E_DENIED;
	if (!strcmp(name, "unknown"))  return ARBOR_E_UNKNOWN_OPCODE;
	if (!strcmp(name, "io"))       return -EIO;
	return 1;
}

/* One packet, exactly as configured, and its result. */
static void check_error(struct block_connection *b, const struct xml_node *n)
{
	const char *op_name = xml_attr(n, "op"), *expect = xml_attr(n, "expect");
	uint64_t block = attr_u64(n, "block", 0), count = attr_u64(n, "count", 1);
	uint64_t size = attr_u64(n, "size", UINT64_MAX);
	struct arbor_packet pkt;
	uint32_t op;
	int want = parse_error(expect ? expect : "ok"), err;

	if (!op_name || parse_op(op_name, &op) || want > 0) {
		check(0, "config:%lu: <error> needs op= and expect=", xml_node_line(n));
		return;
	}
	/* size= sends a READ/WRITE whose size disagrees with its count */
	err = block_alloc(b, &pkt, op, block, size != UINT64_MAX ? 0 : count, 0);
	if (!err && size != UINT64_MAX) {
		arbor_ps_free(&b->tx.source, &pkt);
		err = arbor_ps_alloc(&b->tx.source, (size_t)size, &pkt);
		pkt.op = op;
		pkt.arg[0] = block;
		pkt.arg[1] = count;
	}
	if (!err)
		err = block_submit(b, &pkt);
	if (!err)
		err = block_take_ack(b, &pkt, 10000);
	if (err) {
		check(0, "%s %llu+%llu: %s", op_name, (unsigned long long)block,
		      (unsigned long long)count, arbor_strerror(err));
		return;
	}
	block_release(b, &pkt);
	check(pkt.result == want, "%s %llu+%llu is answered '%s' (expected %s)", op_name,
	      (unsigned long long)block, (unsigned long long)count,
	      pkt.result ? arbor_strerror(pkt.result) : "ok", expect ? expect : "ok");
}

static void check_simple(struct block_connection *b, const struct xml_node *n)
{
	int trim = !strcmp(xml_node_type(n), "trim");
	uint64_t block = attr_u64(n, "block", 0), count = attr_u64(n, "count", 1);
	int err = trim ? block_trim(b, block, count) : block_sync(b);

	check(!err, "%s: %s", xml_node_type(n), arbor_strerror(err));
}

/* The view starts with the ROM module name, the rest of its last block zero. */
static void check_rom(struct block_connection *b, const struct xml_node *n)
{
	const char *name = xml_attr(n, "name");
	struct arbor_connection rom;
	uint32_t bs = b->info.block_size;
	uint64_t count;
	unsigned char *buf = NULL;
	void *addr = NULL;
	size_t size = 0;
	int err;

	if (!name) {
		check(0, "config:%lu: <rom> needs name=", xml_node_line(n));
		return;
	}
	err = arbor_connection_open(test.env, &rom, ARBOR_ROM_SERVICE, name, ARBOR_ROM_SESSION_RAM,
	                            ARBOR_ROM_SESSION_CAPS, NULL);
	if (err) {
		check(0, "ROM '%s': %s", name, arbor_strerror(err));
		return;
	}
	err = arbor_ds_attach_from_call(rom.cap, ARBOR_ROM_DATASPACE, ARBOR_DS_READ, 0, &addr,
	                                &size);
	count = (size + bs - 1) / bs;
	if (!err && (!count || count > b->info.block_count || !(buf = malloc(count * bs))))
		err = ARBOR_E_TOO_LARGE;
	if (!err)
		err = block_read(b, 0, count, buf);
	if (!err) {
		int same = !memcmp(buf, addr, size);

		for (size_t i = size; same && i < count * bs; i++)
			same = buf[i] == 0;
		check(same, "the first %llu blocks hold ROM '%s' (%zu bytes)",
		      (unsigned long long)count, name, size);
	} else {
		check(0, "ROM '%s' against the device: %s", name, arbor_strerror(err));
	}
	free(buf);
	if (addr)
		arbor_ds_detach(addr, size);
	arbor_connection_close(test.env, &rom);
}

/* ---- many in flight ------------------------------------------------------------ */

struct queue_run {
	struct block_connection *b;
	uint64_t seed, base, slots, stride;
	uint64_t requests;
	unsigned depth;
	uint8_t *in_flight;         /* per request: submitted and not yet acked */
	uint64_t submitted, oldest; /* of this phase; oldest: the first still in flight */
	uint64_t acked, overtaken, bad_tags, bad_data, errors;
};

/* Request i covers blocks [slot * QUEUE_BLOCKS, + count): distinct slots, no overlap. */
static void queue_request(const struct queue_run *q, uint64_t i, uint64_t *block, uint64_t *count)
{
	uint64_t slot = (i * q->stride) % q->slots;

	*block = q->base + slot * QUEUE_BLOCKS;
	*count = 1 + mix(q->seed + i) % QUEUE_BLOCKS;
}

static int queue_take(struct queue_run *q, uint32_t op)
{
	struct arbor_packet pkt;
	uint64_t block, count;
	int err = block_take_ack(q->b, &pkt, 10000);

	if (err)
		return err;
	if (pkt.tag >= q->requests || !q->in_flight[pkt.tag]) {
		q->bad_tags++;
		block_release(q->b, &pkt);
		return 0;
	}
	/* oldest is the first request still in flight: an ack of a later one overtook it */
	if (pkt.tag != q->oldest)
		q->overtaken++;
	q->in_flight[pkt.tag] = 0;
	q->acked++;
	while (q->oldest < q->submitted && !q->in_flight[q->oldest])
		q->oldest++;
	queue_request(q, pkt.tag, &block, &count);
	if (pkt.result)
		q->errors++;
	else if (op == ARBOR_BLOCK_READ &&
	         pattern_mismatch(block_content(q->b, &pkt), q->seed, block, count,
	                          q->b->info.block_size) != count)
		q->bad_data++;
	block_release(q->b, &pkt);
	return 0;
}

/* All requests with op, at most depth in flight. Returns 0 or the first transport error. */
static int queue_phase(struct queue_run *q, uint32_t op)
{
	uint64_t next = 0;
	unsigned flying = 0;

	q->oldest = q->submitted = 0;
	while (next < q->requests || flying) {
		while (next < q->requests && flying < q->depth) {
			struct arbor_packet pkt;
			uint64_t block, count;
			int err;

			queue_request(q, next, &block, &count);
			err = block_alloc(q->b, &pkt, op, block, count, next);
			if (err == ARBOR_E_AGAIN && flying)
				break;
			if (!err && op == ARBOR_BLOCK_WRITE)
				pattern(block_content(q->b, &pkt), q->seed, block, count,
				        q->b->info.block_size);
			if (!err)
				err = block_submit(q->b, &pkt);
			if (err == ARBOR_E_AGAIN && flying) {
				block_release(q->b, &pkt);
				break;
			}
			if (err)
				return err;
			q->in_flight[next++] = 1;
			q->submitted = next;
			flying++;
		}
		if (flying) {
			int err = queue_take(q, op);

			if (err)
				return err;
			flying--;
		}
	}
	return 0;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void check_queue(struct block_connection *b, const struct xml_node *n)
{
	struct queue_run q = { .b = b };
	uint64_t wanted = attr_u64(n, "requests", 1024);
	int must_reorder = attr_bool(n, "reordered", 0), err;
	double start, seconds;

	q.depth = (unsigned)attr_u64(n, "depth", 32);
	q.seed = attr_u64(n, "seed", 2);
	q.base = attr_u64(n, "block", 0);
	q.slots = q.base < b->info.block_count ?
	          attr_u64(n, "count", b->info.block_count - q.base) / QUEUE_BLOCKS : 0;
	if (q.base + q.slots * QUEUE_BLOCKS > b->info.block_count)
		q.slots = 0;
	if (!q.depth || q.depth > MAX_DEPTH || !q.slots) {
		check(0, "queue: depth %u or view of %llu blocks unusable", q.depth,
		      (unsigned long long)b->info.block_count);
		return;
	}
	q.requests = wanted < q.slots ? wanted : q.slots;
	/* a stride coprime to the slot count visits every slot once, spread over the view */
	for (q.stride = q.slots / 3 + 1; gcd(q.stride, q.slots) != 1; q.stride++)
		;
	q.in_flight = calloc(q.requests, 1);
	if (!q.in_flight) {
		check(0, "queue: no memory");
		return;
	}
	start = now_s();
	err = queue_phase(&q, ARBOR_BLOCK_WRITE);
	if (!err)
		err = queue_phase(&q, ARBOR_BLOCK_READ);
	seconds = now_s() - start;
	check(!err && q.acked == 2 * q.requests && !q.bad_tags && !q.bad_data && !q.errors,
	      "queue depth %u: %llu writes and reads, %llu acks matched by tag, %llu bad tags, "
	      "%llu bad data, %llu errors%s%s", q.depth, (unsigned long long)q.requests,
	      (unsigned long long)q.acked, (unsigned long long)q.bad_tags,
	      (unsigned long long)q.bad_data, (unsigned long long)q.errors,
	      err ? ": " : "", err ? arbor_strerror(err) : "");
	arbor_log("[%s] queue depth %u: %llu of %llu acks overtook an older request "
	          "(%.0f requests/s)", test.session, q.depth, (unsigned long long)q.overtaken,
	          (unsigned long long)q.acked, seconds > 0 ? q.acked / seconds : 0.0);
	if (must_reorder)
		check(q.overtaken > 0, "queue depth %u: completions out of order", q.depth);
	free(q.in_flight);
}

/* Submit depth requests and leave without waiting for one of them. */
static void check_abandon(struct block_connection *b, const struct xml_node *n)
{
	unsigned depth = (unsigned)attr_u64(n, "depth", 32), submitted = 0;
	const char *how = xml_attr(n, "how");
	int write = attr_bool(n, "write", 0);
	uint64_t seed = attr_u64(n, "seed", 1);
	/* as many blocks per request as let all of them fit the bulk buffer at once */
	uint64_t count = depth ? b->tx.geo.bulk_size / depth / b->info.block_size : 0;

	if (count > b->info.block_count)
		count = b->info.block_count;

	for (unsigned i = 0; i < depth && count; i++) {
		struct arbor_packet pkt;
		/* writes (write="yes") carry the pattern of seed, so that they change nothing */
		uint32_t op = write && (i & 1) ? ARBOR_BLOCK_WRITE : ARBOR_BLOCK_READ;
		uint64_t block = (i * 7) % (b->info.block_count - count + 1);

		if (block_alloc(b, &pkt, op, block, count, i))
			break;
		if (op == ARBOR_BLOCK_WRITE)
			pattern(block_content(b, &pkt), seed, block, count, b->info.block_size);
		if (block_submit(b, &pkt))
			break;
		submitted++;
	}
	arbor_log("[%s] abandon: %u requests in flight, leaving by %s", test.session, submitted,
	          how ? how : "close");
	if (how && !strcmp(how, "exit"))
		arbor_exit(test.env, 0);
	if (how && !strcmp(how, "crash"))
		abort();
	block_connection_close(b);
}

/* ---- sessions -------------------------------------------------------------------- */

static void run_session(const struct xml_node *sn)
{
	struct block_connection b;
	const char *label = xml_attr(sn, "label"), *expect = xml_attr(sn, "expect");
	struct block_args args = {
		.label = label ? label : "",
		.tx_buf_size = (size_t)attr_u64(sn, "tx_buf_size", 0),
		.offset = attr_u64(sn, "offset", 0),
		.num_blocks = attr_u64(sn, "num_blocks", 0),
		.writeable = attr_bool(sn, "writeable", 0),
	};
	int err = block_connection_open(test.env, &b, &args);

	test.session = args.label;
	if (expect && !strcmp(expect, "denied")) {
		check(err == ARBOR_E_DENIED, "session is denied (%s)", arbor_strerror(err));
		if (!err)
			block_connection_close(&b);
		return;
	}
	check(!err, "session opened: %s", arbor_strerror(err));
	if (err)
		return;
	for (const struct xml_node *n = xml_first_child(sn, NULL); n; n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);

		if (!strcmp(type, "info"))
			check_info(&b, n);
		else if (!strcmp(type, "write"))
			check_data(&b, n, 1);
		else if (!strcmp(type, "verify"))
			check_data(&b, n, 0);
		else if (!strcmp(type, "error"))
			check_error(&b, n);
		else if (!strcmp(type, "sync") || !strcmp(type, "trim"))
			check_simple(&b, n);
		else if (!strcmp(type, "rom"))
			check_rom(&b, n);
		else if (!strcmp(type, "queue"))
			check_queue(&b, n);
		else if (!strcmp(type, "abandon")) {
			check_abandon(&b, n);
			return;              /* the session is gone */
		} else
			check(0, "config:%lu: unknown check <%s>", xml_node_line(n), type);
	}
	block_connection_close(&b);
}

void component_construct(struct arbor_env *env)
{
	int err;

	test.env = env;
	test.session = "config";
	err = config_rom_open(&test.config, env, NULL, NULL);
	if (err) {
		arbor_error("block_client_test: no config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	for (const struct xml_node *sn = xml_first_child(test.config.root, "session"); sn;
	     sn = xml_next_sibling(sn, "session"))
		run_session(sn);
	arbor_log("block_client_test: done, %u checks, %u failures", test.checks, test.failures);
	arbor_exit(env, test.failures ? 1 : 0);
}
