/*
 * block_cache's line bookkeeping (server/block_cache/cache.c) without a
 * server: claiming and eviction in LRU order, merging a fetch under newer
 * writes, write-back runs, sync epochs, and a randomised model in which
 * write-backs and fetches complete late, out of order or fail, checked
 * against a reference copy of the device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "cache.h"

#define BS 512u

static void fill_pattern(unsigned char *buf, size_t size, unsigned seed)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 7);
}

static void test_basics(void)
{
	struct cache c;
	void *mem = calloc(4, 8 * BS);
	unsigned char blk[8 * BS], out[8 * BS];
	struct cache_line *l[5];

	is_err(cache_init(&c, 500, 8, 1000, 4, mem), ARBOR_E_INVALID, "block size must be a power of two");
	is_err(cache_init(&c, BS, 65, 1000, 4, mem), ARBOR_E_INVALID, "at most 64 blocks a line");
	ok(cache_init(&c, BS, 8, 1000, 4, mem) == 0, "a cache of 4 lines of 8 blocks");
	ok(cache_line_blocks(&c, 0) == 8 && cache_line_blocks(&c, 124) == 8 &&
	   cache_line_blocks(&c, 124) == 8 && cache_line_blocks(&c, 125) == 0,
	   "line sizes (1000 blocks = 125 lines)");
	{
		struct cache c2;
		ok(cache_init(&c2, BS, 8, 1003, 4, mem) == 0 && cache_line_blocks(&c2, 125) == 3,
		   "the device's last line may be short");
		cache_fini(&c2);
	}
	ok(cache_mask(0, 64) == ~0ull && cache_mask(3, 2) == 0x18, "masks");

	for (unsigned i = 0; i < 4; i++)
		l[i] = cache_claim(&c, 10 + i, 16);
	ok(l[0] && l[1] && l[2] && l[3] && cache_lookup(&c, 12) == l[2] && !cache_lookup(&c, 9),
	   "four lines claimed and found");

	/* all clean and idle: the least recent goes first; a touched line survives */
	cache_touch(&c, l[0]);
	l[4] = cache_claim(&c, 20, 16);
	ok(l[4] == l[1] && !cache_lookup(&c, 11) && cache_lookup(&c, 20) == l[4] &&
	   c.stats.evictions == 1, "the LRU line is evicted, the touched one stays");

	/* pinned and fetching lines are not evicted */
	l[2]->pins = 1;
	l[3]->fetching = 1;
	l[4] = cache_claim(&c, 21, 16);
	ok(l[4] == l[0], "pinned and fetching lines are passed over");
	l[2]->pins = 0;
	l[3]->fetching = 0;

	/* dirty lines are not evicted until written back */
	fill_pattern(blk, sizeof(blk), 1);
	for (unsigned i = 0; i < 4; i++)
		cache_write(&c, &c.lines[i], 0, 8, blk);
	ok(cache_unclean_count(&c) == 4 && !cache_claim(&c, 30, 16), "all dirty: no victim");
	{
		struct cache_line *cold = cache_cold_dirty(&c, 16);
		uint64_t mask = cache_writeback_begin(&c, cold);

		ok(cold == c.lru.lru_prev && mask == 0xff, "the coldest dirty line is written back");
		ok(!cache_claim(&c, 30, 16), "a line being written is not evicted");
		ok(cache_cold_dirty(&c, 16) != cold, "nor written twice at once");
		cache_writeback_end(&c, cold, 1);
		ok(cache_claim(&c, 30, 16) == cold && cache_unclean_count(&c) == 3,
		   "written back, it is the victim");
	}
	/* scan bounds the search */
	{
		struct cache_line *cold = c.lru.lru_prev;

		cache_writeback_begin(&c, cold);
		cache_writeback_end(&c, cold, 1);
		ok(cache_claim(&c, 31, 1) != NULL, "scan 1 finds the clean coldest line");
		ok(cache_claim(&c, 32, 1) == NULL, "scan 1 does not look further");
	}

	/* a fetch merges under newer writes */
	{
		struct cache_line *x = cache_lookup(&c, 31);
		unsigned char fetched[8 * BS];

		fill_pattern(fetched, sizeof(fetched), 2);
		fill_pattern(blk, sizeof(blk), 3);
		cache_write(&c, x, 2, 2, blk);
		cache_fill(&c, x, fetched);
		cache_read(&c, x, 0, 8, out);
		ok(x->valid == 0xff && !memcmp(out, fetched, 2 * BS) && !memcmp(out + 2 * BS, blk, 2 * BS) &&
		   !memcmp(out + 4 * BS, fetched + 4 * BS, 4 * BS), "a fetch fills only invalid blocks");
	}
	cache_fini(&c);
	free(mem);
}

static void test_runs(void)
{
	struct cache_line l = { 0 };
	uint32_t first[64], count[64];
	unsigned n;

	l.valid = 0xff;
	n = cache_writeback_runs(&l, 0x0f, first, count);
	ok(n == 1 && first[0] == 0 && count[0] == 4, "one run");
	n = cache_writeback_runs(&l, 0x81, first, count);
	ok(n == 1 && first[0] == 0 && count[0] == 8, "runs joined over valid blocks");
	l.valid = 0x81 | 0x10;
	n = cache_writeback_runs(&l, 0x81, first, count);
	ok(n == 2 && first[0] == 0 && count[0] == 1 && first[1] == 7 && count[1] == 1,
	   "runs kept apart over an invalid block");
	l.valid = ~0ull;
	n = cache_writeback_runs(&l, 1ull << 63 | 1, first, count);
	ok(n == 1 && count[0] == 64, "the whole word");
	l.valid = 1ull << 63 | 1;
	n = cache_writeback_runs(&l, 1ull << 63 | 1, first, count);
	ok(n == 2 && first[1] == 63 && count[1] == 1, "bit 63 alone");
}

static void test_sync(void)
{
	struct cache c;
	void *mem = calloc(8, 4 * BS);
	unsigned char blk[BS] = { 1 };
	struct cache_line *a, *b;
	uint64_t e1, e2;

	cache_init(&c, BS, 4, 4096, 8, mem);
	ok(cache_synced(&c, cache_sync_epoch(&c)), "a clean cache is synced at once");
	a = cache_claim(&c, 1, 8);
	b = cache_claim(&c, 2, 8);
	cache_write(&c, a, 0, 1, blk);
	e1 = cache_sync_epoch(&c);
	cache_write(&c, b, 0, 1, blk);
	ok(!cache_synced(&c, e1) && cache_sync_next(&c, e1) == a, "the sync waits for the line before it");
	cache_writeback_begin(&c, a);
	ok(!cache_sync_next(&c, e1) && !cache_synced(&c, e1),
	   "b is not needed by it; a is in flight");
	/* a is written again while in flight: the sync still needs the first write-back only */
	cache_write(&c, a, 1, 1, blk);
	cache_writeback_end(&c, a, 1);
	ok(cache_synced(&c, e1), "the sync is complete when a's first write-back is");
	e2 = cache_sync_epoch(&c);
	ok(!cache_synced(&c, e2), "a later sync needs b and a again");
	ok(cache_sync_next(&c, e2) == b, "b first (older), then a");
	cache_writeback_begin(&c, b);
	ok(cache_sync_next(&c, e2) == a, "then a");
	cache_writeback_begin(&c, a);
	cache_writeback_end(&c, a, 1);
	/* a failing write-back keeps the sync waiting, with the data dirty again */
	cache_writeback_end(&c, b, 0);
	ok(!cache_synced(&c, e2) && b->dirty == 1 && cache_sync_next(&c, e2) == b,
	   "a failed write-back is dirty again and still holds the sync");
	cache_writeback_begin(&c, b);
	cache_writeback_end(&c, b, 1);
	ok(cache_synced(&c, e2) && cache_unclean_count(&c) == 0, "retried, the sync completes");
	cache_fini(&c);
	free(mem);
}

/* ---- the model ---------------------------------------------------------- */

#define M_BLOCKS 512u    /* device */
#define M_BPL    8u      /* blocks per line */
#define M_LINES  12u     /* cache: 96 of 512 blocks */
#define M_PENDING 16u

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A block's content is one stamp repeated: enough to tell versions apart. */
struct model {
	struct cache c;
	uint32_t device[M_BLOCKS];     /* stamp on the device */
	uint32_t ref[M_BLOCKS];        /* stamp the client must read */
	uint64_t written_in[M_BLOCKS]; /* epoch of the block's last write */
	struct pending {               /* a write-back in flight, data copied at begin */
		struct cache_line *line;
		uint64_t mask;
		uint32_t stamps[M_BPL];
	} pending[M_PENDING];
	unsigned npending;
	unsigned errors;
};

static void stamp_block(unsigned char *dst, uint32_t stamp)
{
	for (unsigned i = 0; i < BS; i += 4)
		memcpy(dst + i, &stamp, 4);
}

static uint32_t block_stamp(const unsigned char *src)
{
	uint32_t s;

	memcpy(&s, src, 4);
	for (unsigned i = 4; i < BS; i += 4)
		if (memcmp(src + i, &s, 4))
			return 0xffffffffu;   /* torn */
	return s;
}

static void model_complete(struct model *m, unsigned i, int ok_)
{
	struct pending p = m->pending[i];

	if (ok_)
		for (unsigned b = 0; b < M_BPL; b++)
			if (p.mask >> b & 1)
				m->device[p.line->number * M_BPL + b] = p.stamps[b];
	cache_writeback_end(&m->c, p.line, ok_);
	m->pending[i] = m->pending[--m->npending];
}

static int model_begin(struct model *m, struct cache_line *l)
{
	struct pending *p;

	if (!l || m->npending == M_PENDING)
		return 0;
	p = &m->pending[m->npending++];
	p->line = l;
	p->mask = cache_writeback_begin(&m->c, l);
	for (unsigned b = 0; b < M_BPL; b++)
		p->stamps[b] = block_stamp(l->data + b * BS);
	return 1;
}

/* Complete some write-backs in random order; a tenth of them fail. */
static void model_progress(struct model *m)
{
	unsigned n = m->npending ? (unsigned)(rng() % (m->npending + 1)) : 0;

	while (n-- && m->npending)
		model_complete(m, (unsigned)(rng() % m->npending), rng() % 10 != 0);
}

/* A line for n, writing back and completing until one is free. */
static struct cache_line *model_line(struct model *m, uint64_t n)
{
	struct cache_line *l = cache_lookup(&m->c, n);

	while (!l) {
		l = cache_claim(&m->c, n, 64);
		if (l)
			break;
		if (!model_begin(m, cache_cold_dirty(&m->c, 64)))
			model_complete(m, 0, 1);
	}
	cache_touch(&m->c, l);
	return l;
}

static void model_fetch(struct model *m, struct cache_line *l)
{
	unsigned char buf[M_BPL * BS];

	/* the device may lag behind valid blocks: cache_fill must keep those */
	for (unsigned b = 0; b < M_BPL; b++)
		stamp_block(buf + b * BS, m->device[l->number * M_BPL + b]);
	cache_fill(&m->c, l, buf);
}

static void model_sync(struct model *m)
{
	uint64_t e = cache_sync_epoch(&m->c);
	uint32_t snapshot[M_BLOCKS];

	memcpy(snapshot, m->ref, sizeof(snapshot));
	while (!cache_synced(&m->c, e)) {
		if (!model_begin(m, cache_sync_next(&m->c, e)))
			model_progress(m);
		/* other clients write meanwhile */
		if (rng() % 4 == 0) {
			uint32_t b = (uint32_t)(rng() % M_BLOCKS);
			unsigned char blk[BS];
			struct cache_line *l = model_line(m, b / M_BPL);

			m->ref[b] = (uint32_t)rng() | 1;
			m->written_in[b] = m->c.epoch;
			stamp_block(blk, m->ref[b]);
			cache_write(&m->c, l, b % M_BPL, 1, blk);
		}
	}
	for (unsigned b = 0; b < M_BLOCKS; b++)
		if (m->device[b] != snapshot[b] && m->written_in[b] <= e) {
			m->errors++;
			printf("# block %u: device %08x, synced %08x\n", b, m->device[b], snapshot[b]);
		}
}

static void test_model(void)
{
	static struct model m;
	void *mem = calloc(M_LINES, M_BPL * BS);
	unsigned reads = 0, bad_reads = 0, syncs = 0;

	cache_init(&m.c, BS, M_BPL, M_BLOCKS, M_LINES, mem);
	for (unsigned op = 0; op < 40000; op++) {
		uint32_t b = (uint32_t)(rng() % M_BLOCKS);
		uint32_t count = 1 + (uint32_t)(rng() % (M_BPL - b % M_BPL));
		struct cache_line *l = model_line(&m, b / M_BPL);
		unsigned char buf[M_BPL * BS];
		unsigned r = (unsigned)(rng() % 100);

		if (r < 45) {
			for (uint32_t i = 0; i < count; i++) {
				m.ref[b + i] = (uint32_t)rng() | 1;
				m.written_in[b + i] = m.c.epoch;
				stamp_block(buf + i * BS, m.ref[b + i]);
			}
			cache_write(&m.c, l, b % M_BPL, count, buf);
		} else if (r < 95) {
			uint64_t need = cache_mask(b % M_BPL, count);

			if ((l->valid & need) != need)
				model_fetch(&m, l);
			cache_read(&m.c, l, b % M_BPL, count, buf);
			reads++;
			for (uint32_t i = 0; i < count; i++)
				if (block_stamp(buf + i * BS) != m.ref[b + i])
					bad_reads++;
		} else if (r < 97) {
			model_sync(&m);
			syncs++;
		}
		model_progress(&m);
	}
	ok(bad_reads == 0, "%u reads through a cache of %u lines over %u: all current", reads,
	   M_LINES, M_BLOCKS / M_BPL);
	ok(m.errors == 0, "%u syncs: all data acked before each reached the device", syncs);
	ok(m.c.stats.evictions > 1000 && m.c.stats.writebacks > 1000,
	   "the workload evicted (%llu) and wrote back (%llu)",
	   (unsigned long long)m.c.stats.evictions, (unsigned long long)m.c.stats.writebacks);
	cache_fini(&m.c);
	free(mem);
}

int main(void)
{
	test_basics();
	test_runs();
	test_sync();
	test_model();
	return done_testing();
}
