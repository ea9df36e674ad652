/*
 * block_file_client: drives block_file for test/storage/block_file_test.py,
 * one case per <config mode="..."/>:
 *
 *   order  32 requests in flight, a large read the page cache does not hold
 *          first, then 31 small cached ones: some ack must overtake the first
 *          (out-of-order completion), in one of ROUNDS rounds; then a session
 *          that closes with 32 uncached reads in flight, after which another
 *          session reads on (the server stayed healthy)
 *   data   the test's image reads back; writes (many in flight) and a SYNC,
 *          then a TRIM and a SYNC, each logged for the test to compare the host
 *          file; a read-only session refuses writes; a block size that does
 *          not divide the image; an unknown label and a missing image denied
 *   crash  rounds of writes, each ended by a SYNC and logged, until the
 *          server is killed (the test checks every logged round in the file)
 *
 * The image's content is the test's pattern: each 512-byte sector is 32
 * copies of (seed, sector number) as two little-endian 64-bit words; the
 * test writes it with seed 0, this client with other seeds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <block/block_client.h>
#include <sandbox/xml.h>

#define SECTOR   512u
#define KIB      1024u
#define MIB      (1024u * 1024)
#define ROUNDS   8u
#define DEPTH    32u

static struct arbor_env *env;
static unsigned checks;

static void check(int ok, const char *what)
{
	if (!ok) {
		arbor_error("block_file_client: FAILED: %s", what);
		arbor_exit(env, 1);
	}
	checks++;
}

static void check_err(int err, const char *what)
{
	char text[160];

	snprintf(text, sizeof(text), "%s (%s)", what, arbor_strerror(err));
	check(!err, text);
}

/* ---- the pattern ---- */

static void pattern_fill(void *buf, uint64_t offset, size_t len, uint64_t seed)
{
	uint64_t *w = buf;

	for (size_t i = 0; i < len / 16; i++) {
		w[2 * i] = seed;
		w[2 * i + 1] = (offset + i * 16) / SECTOR;
	}
}

static int pattern_ok(const void *buf, uint64_t offset, size_t len, uint64_t seed)
{
	const uint64_t *w = buf;

	for (size_t i = 0; i < len / 16; i++)
		if (w[2 * i] != seed || w[2 * i + 1] != (offset + i * 16) / SECTOR)
			return 0;
	return 1;
}

/* ---- sessions ---- */

static int open_session(struct block_connection *b, const char *label, size_t tx_buf,
                        int writeable)
{
	struct block_args args = { .label = label, .tx_buf_size = tx_buf, .writeable = writeable };

	return block_connection_open(env, b, &args);
}

/* Allocate and submit a READ of len bytes at byte offset; both must succeed. */
static void submit_read(struct block_connection *b, uint64_t offset, size_t len, uint64_t tag)
{
	struct arbor_packet pkt;
	uint32_t bs = b->info.block_size;

	check_err(block_alloc(b, &pkt, ARBOR_BLOCK_READ, offset / bs, len / bs, tag),
	          "bulk space for a read");
	check_err(block_submit(b, &pkt), "submitting a read");
}

/* ---- order ---- */

/*
 * One round: a 1 MiB read the page cache does not hold (the test dropped
 * the image from it; each round reads a fresh region, far from the last
 * one's read-ahead), then 31 reads of 4 KiB it holds. Returns whether an
 * ack overtook the first request.
 */
static int order_round(struct block_connection *b, unsigned round)
{
	uint64_t big = (8ull + 4 * round) * MIB;
	uint64_t tags[DEPTH];
	int reordered = 0;
	char line[256];
	size_t len = 0;

	submit_read(b, big, MIB, 0);
	for (unsigned i = 1; i < DEPTH; i++)
		submit_read(b, (uint64_t)i * 4 * KIB, 4 * KIB, i);
	for (unsigned i = 0; i < DEPTH; i++) {
		struct arbor_packet pkt;
		uint64_t offset;

		check_err(block_take_ack(b, &pkt, 30000), "an ack within 30 s");
		check(pkt.result == 0 && pkt.tag < DEPTH, "the read succeeded");
		offset = pkt.tag ? pkt.tag * 4 * KIB : big;
		check(pattern_ok(block_content(b, &pkt), offset, pkt.size, 0),
		      "the read returned the image's content");
		block_release(b, &pkt);
		tags[i] = pkt.tag;
		/*
		 * Tags are 0..31 in submission order: the first ack out of that
		 * order carries a tag above i while request i is still pending.
		 */
		if (pkt.tag != i)
			reordered = 1;
	}
	for (unsigned i = 0; i < DEPTH && len < sizeof(line) - 8; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " %llu",
		                        (unsigned long long)tags[i]);
	arbor_log("order: round %u: acks of tags%s", round, line);
	return reordered;
}

/* A session that goes away with uncached reads in flight; the server must carry on. */
static void vanish(void)
{
	struct block_connection b;
	unsigned char *buf;

	check_err(open_session(&b, "vanish", 16 * MIB, 0), "the vanishing session opens");
	for (unsigned i = 0; i < DEPTH; i++)
		submit_read(&b, 44ull * MIB + (uint64_t)i * 512 * KIB, 256 * KIB, i);
	block_connection_close(&b);
	arbor_log("order: a session closed with %u reads in flight", DEPTH);

	buf = malloc(MIB);
	check(buf != NULL, "memory for a read");
	check_err(open_session(&b, "after", 4 * MIB, 0), "a new session opens after it");
	check_err(block_read(&b, (60ull * MIB) / b.info.block_size, MIB / b.info.block_size, buf),
	          "the new session reads");
	check(pattern_ok(buf, 60ull * MIB, MIB, 0), "and gets the image's content");
	block_connection_close(&b);
	free(buf);
	arbor_log("order: the server serves on");
}

static void order(void)
{
	struct block_connection b;
	unsigned char *warm = malloc(128 * KIB);
	unsigned round;

	check(warm != NULL, "memory for a read");
	check_err(open_session(&b, "order", 4 * MIB, 0), "the session opens");
	/* the small reads' region into the page cache */
	check_err(block_read(&b, 0, 128 * KIB / b.info.block_size, warm), "reading 128 KiB");
	check(pattern_ok(warm, 0, 128 * KIB, 0), "the first 128 KiB are the test's pattern");
	free(warm);
	for (round = 0; round < ROUNDS; round++)
		if (order_round(&b, round))
			break;
	check(round < ROUNDS, "an ack overtook an earlier request in some round");
	arbor_log("order: out-of-order completion in round %u of %u", round, ROUNDS);
	block_connection_close(&b);
	vanish();
}

/* ---- data ---- */

#define DATA_WRITE_AT (2ull * MIB)     /* 1 MiB written with seed 1 */
#define DATA_TRIM_AT  (4ull * MIB)     /* 128 KiB trimmed */

static void data_rw(void)
{
	struct block_connection b;
	unsigned char *buf = malloc(MIB);
	uint32_t bs;

	check(buf != NULL, "memory for a read");
	check_err(open_session(&b, "rw", 4 * MIB, 1), "the writeable session opens");
	bs = b.info.block_size;
	check(bs == 512 && b.info.block_count == 64ull * MIB / 512 &&
	      (b.info.flags & ARBOR_BLOCK_WRITEABLE), "512-byte blocks, 64 MiB, writeable");
	check_err(block_read(&b, 0, MIB / bs, buf), "reading the first MiB");
	check(pattern_ok(buf, 0, MIB, 0), "the test's image reads back");

	/* 16 writes of 64 KiB in flight at once, then SYNC */
	for (unsigned i = 0; i < 16; i++) {
		struct arbor_packet pkt;
		uint64_t at = DATA_WRITE_AT + (uint64_t)i * 64 * KIB;

		check_err(block_alloc(&b, &pkt, ARBOR_BLOCK_WRITE, at / bs, 64 * KIB / bs, i),
		          "bulk space for a write");
		pattern_fill(block_content(&b, &pkt), at, 64 * KIB, 1);
		check_err(block_submit(&b, &pkt), "submitting a write");
	}
	for (unsigned i = 0; i < 16; i++) {
		struct arbor_packet pkt;

		check_err(block_take_ack(&b, &pkt, 30000), "a write's ack");
		check(pkt.result == 0, "the write succeeded");
		block_release(&b, &pkt);
	}
	check_err(block_sync(&b), "SYNC");
	arbor_log("data: wrote and synced 1 MiB at 2 MiB");
	memset(buf, 0, MIB);
	check_err(block_read(&b, DATA_WRITE_AT / bs, MIB / bs, buf), "reading it back");
	check(pattern_ok(buf, DATA_WRITE_AT, MIB, 1), "what was written reads back");

	check_err(block_trim(&b, DATA_TRIM_AT / bs, 128 * KIB / bs), "TRIM");
	check_err(block_sync(&b), "SYNC after TRIM");
	arbor_log("data: trimmed 128 KiB at 4 MiB");
	check(block_read(&b, b.info.block_count, 1, buf) == ARBOR_E_INVALID,
	      "a read past the end is INVALID");
	block_connection_close(&b);
	free(buf);
}

static void data_read_only(void)
{
	struct block_connection b;
	unsigned char buf[4096];

	/* the policy says no: asking for writing gets a read-only session */
	check_err(open_session(&b, "ro", MIB, 1), "the read-only session opens");
	check(!(b.info.flags & ARBOR_BLOCK_WRITEABLE), "it is not writeable");
	check_err(block_read(&b, 0, 8, buf), "it reads");
	check(pattern_ok(buf, 0, sizeof(buf), 0), "the image's content");
	check(block_write(&b, 0, 8, buf) == ARBOR_E_DENIED, "a write is DENIED");
	check(block_trim(&b, 0, 8) == ARBOR_E_DENIED, "a TRIM is DENIED");
	block_connection_close(&b);

	/* a writeable policy, a client that does not ask: read-only too */
	check_err(open_session(&b, "rw", MIB, 0), "a session that does not ask to write");
	check(!(b.info.flags & ARBOR_BLOCK_WRITEABLE), "is not writeable");
	check(block_write(&b, 0, 8, buf) == ARBOR_E_DENIED, "and its write is DENIED");
	block_connection_close(&b);
	arbor_log("data: read-only sessions refuse writes");
}

static void data_geometry(void)
{
	struct block_connection b;
	unsigned char *buf = malloc(4096);

	check(buf != NULL, "memory for a read");
	check_err(open_session(&b, "odd", MIB, 0), "the odd image's session opens");
	check(b.info.block_size == 4096 && b.info.block_count == 10,
	      "4096-byte blocks, the trailing part not served");
	check_err(block_read(&b, 9, 1, buf), "the last whole block reads");
	check(pattern_ok(buf, 9 * 4096, 4096, 0), "with the image's content");
	check(block_read(&b, 10, 1, buf) == ARBOR_E_INVALID, "the trailing part is not served");
	block_connection_close(&b);
	free(buf);

	check(open_session(&b, "nobody", MIB, 0) == ARBOR_E_DENIED, "an unknown label is denied");
	check(open_session(&b, "missing", MIB, 0) == ARBOR_E_DENIED, "a missing image is denied");
	arbor_log("data: geometry and denials as expected");
}

/* ---- crash ---- */

#define CRASH_BLOCKS  16u                   /* 4 KiB writes per round */
#define CRASH_SLOTS   ((64u * MIB) / (CRASH_BLOCKS * 4 * KIB))

static void crash(void)
{
	struct block_connection b;
	uint32_t bs;

	check_err(open_session(&b, "crash", 4 * MIB, 1), "the session opens");
	bs = b.info.block_size;
	for (uint64_t round = 0;; round++) {
		uint64_t base = (round % CRASH_SLOTS) * CRASH_BLOCKS * 4 * KIB;
		int err = 0;

		for (unsigned i = 0; i < CRASH_BLOCKS && !err; i++) {
			struct arbor_packet pkt;
			uint64_t at = base + (uint64_t)i * 4 * KIB;

			err = block_alloc(&b, &pkt, ARBOR_BLOCK_WRITE, at / bs, 4 * KIB / bs, i);
			if (!err) {
				pattern_fill(block_content(&b, &pkt), at, 4 * KIB, 1000 + round);
				err = block_submit(&b, &pkt);
			}
		}
		for (unsigned i = 0; i < CRASH_BLOCKS && !err; i++) {
			struct arbor_packet pkt;

			err = block_take_ack(&b, &pkt, -1);
			if (!err) {
				err = pkt.result;
				block_release(&b, &pkt);
			}
		}
		if (!err)
			err = block_sync(&b);
		if (err) {
			/* the test killed the server: what was logged is what it checks */
			arbor_log("crash: stopped after round %llu: %s", (unsigned long long)round,
			          arbor_strerror(err));
			arbor_exit(env, 0);
		}
		arbor_log("crash: synced round %llu", (unsigned long long)round);
	}
}

void component_construct(struct arbor_env *e)
{
	struct arbor_rom rom;
	struct xml_node *config = NULL;
	const char *mode;

	env = e;
	check(!arbor_rom_open(env, &rom, "config", NULL), "a config");
	check(!xml_parse(rom.text, rom.len, "config", &config, NULL), "the config parses");
	mode = xml_attr(config, "mode");
	if (mode && !strcmp(mode, "order")) {
		order();
	} else if (mode && !strcmp(mode, "data")) {
		data_rw();
		data_read_only();
		data_geometry();
	} else if (mode && !strcmp(mode, "crash")) {
		crash();
	} else {
		check(0, "mode=\"order|data|crash\" in the config");
	}
	xml_free(config);
	arbor_rom_close(&rom);
	arbor_log("block_file_client: all %u checks passed", checks);
	arbor_exit(env, 0);
}
