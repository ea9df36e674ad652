/* block_cache's lines: hash, LRU, bitmaps and sync epochs (see cache.h). */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "cache.h"

/* Fibonacci hashing: line numbers of a sequential workload are consecutive. */
static size_t cache_hash(const struct cache *c, uint64_t n)
{
	return (size_t)((n * 0x9e3779b97f4a7c15ull) >> 17) & c->hash_mask;
}

static size_t hash_slots(size_t nlines)
{
	size_t slots = 1;

	while (slots < nlines)
		slots <<= 1;
	return slots;
}

size_t cache_metadata_size(size_t nlines)
{
	return nlines * sizeof(struct cache_line) + hash_slots(nlines) * sizeof(struct cache_line *);
}

uint64_t cache_mask(uint32_t first, uint32_t count)
{
	uint64_t bits = count >= 64 ? ~0ull : (1ull << count) - 1;

	return bits << first;
}

uint32_t cache_line_blocks(const struct cache *c, uint64_t n)
{
	uint64_t first = n * c->blocks_per_line;

	if (first >= c->device_blocks)
		return 0;
	return c->device_blocks - first < c->blocks_per_line ? (uint32_t)(c->device_blocks - first)
	                                                     : c->blocks_per_line;
}

/* ---- lists ----------------------------------------------------------- */

static void lru_unlink(struct cache_line *l)
{
	l->lru_prev->lru_next = l->lru_next;
	l->lru_next->lru_prev = l->lru_prev;
}

static void lru_push_front(struct cache *c, struct cache_line *l)
{
	l->lru_next = c->lru.lru_next;
	l->lru_prev = &c->lru;
	c->lru.lru_next->lru_prev = l;
	c->lru.lru_next = l;
}

void cache_touch(struct cache *c, struct cache_line *l)
{
	if (c->lru.lru_next == l)
		return;
	lru_unlink(l);
	lru_push_front(c, l);
}

/* The epoch of a line's oldest unwritten data: its key on the unclean list. */
static uint64_t unclean_key(const struct cache_line *l)
{
	return l->writing ? l->writing_epoch : l->dirty_epoch;
}

static void unclean_unlink(struct cache *c, struct cache_line *l)
{
	l->unclean_prev->unclean_next = l->unclean_next;
	l->unclean_next->unclean_prev = l->unclean_prev;
	l->unclean = 0;
}

/*
 * Keep the list sorted by key. A line becoming dirty has the newest epoch,
 * so the walk from the tail usually stops at once; only a failed or a
 * finished write-back re-sorts an older line.
 */
static void unclean_insert(struct cache *c, struct cache_line *l)
{
	struct cache_line *after = c->unclean.unclean_prev;
	uint64_t key = unclean_key(l);

	while (after != &c->unclean && unclean_key(after) > key)
		after = after->unclean_prev;
	l->unclean_prev = after;
	l->unclean_next = after->unclean_next;
	after->unclean_next->unclean_prev = l;
	after->unclean_next = l;
	l->unclean = 1;
}

static void hash_insert(struct cache *c, struct cache_line *l)
{
	size_t h = cache_hash(c, l->number);

	l->hash_next = c->hash[h];
	c->hash[h] = l;
}

static void hash_remove(struct cache *c, struct cache_line *l)
{
	struct cache_line **link = &c->hash[cache_hash(c, l->number)];

	while (*link != l)
		link = &(*link)->hash_next;
	*link = l->hash_next;
}

/* ---- set-up ------------------------------------------------------------ */

int cache_init(struct cache *c, uint32_t block_size, uint32_t blocks_per_line,
               uint64_t device_blocks, size_t nlines, void *mem)
{
	memset(c, 0, sizeof(*c));
	if (!block_size || (block_size & (block_size - 1)) || !blocks_per_line ||
	    blocks_per_line > CACHE_LINE_BLOCKS_MAX || !nlines || !mem)
		return ARBOR_E_INVALID;
	c->block_size = block_size;
	c->blocks_per_line = blocks_per_line;
	c->line_size = (size_t)block_size * blocks_per_line;
	c->device_blocks = device_blocks;
	c->nlines = nlines;
	c->hash_mask = hash_slots(nlines) - 1;
	c->lines = calloc(nlines, sizeof(*c->lines));
	c->hash = calloc(c->hash_mask + 1, sizeof(*c->hash));
	if (!c->lines || !c->hash) {
		cache_fini(c);
		return -ENOMEM;
	}
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	c->unclean.unclean_next = c->unclean.unclean_prev = &c->unclean;
	for (size_t i = nlines; i-- > 0;) {
		c->lines[i].data = (unsigned char *)mem + i * c->line_size;
		c->lines[i].hash_next = c->free;
		c->free = &c->lines[i];
	}
	c->epoch = 1;
	return 0;
}

void cache_fini(struct cache *c)
{
	free(c->lines);
	free(c->hash);
	c->lines = NULL;
	c->hash = NULL;
}

/* ---- lookup and eviction ---------------------------------------------- */

struct cache_line *cache_lookup(struct cache *c, uint64_t n)
{
	for (struct cache_line *l = c->hash[cache_hash(c, n)]; l; l = l->hash_next)
		if (l->number == n)
			return l;
	return NULL;
}

static int idle_clean(const struct cache_line *l)
{
	return !l->pins && !l->fetching && !cache_line_unclean(l);
}

struct cache_line *cache_claim(struct cache *c, uint64_t n, size_t scan)
{
	struct cache_line *l = c->free;

	if (l) {
		c->free = l->hash_next;
	} else {
		for (l = c->lru.lru_prev; l != &c->lru && scan; l = l->lru_prev, scan--)
			if (idle_clean(l))
				break;
		if (l == &c->lru || !scan)
			return NULL;
		hash_remove(c, l);
		lru_unlink(l);
		c->stats.evictions++;
	}
	l->number = n;
	l->valid = l->dirty = l->writing = 0;
	l->pins = 0;
	l->fetching = 0;
	l->fetch_failed = 0;
	l->used = 1;
	hash_insert(c, l);
	lru_push_front(c, l);
	return l;
}

struct cache_line *cache_cold_dirty(struct cache *c, size_t scan)
{
	for (struct cache_line *l = c->lru.lru_prev; l != &c->lru && scan; l = l->lru_prev, scan--)
		if (l->dirty && !l->writing)
			return l;
	return NULL;
}

/* ---- data ---------------------------------------------------------------- */

void cache_read(const struct cache *c, const struct cache_line *l, uint32_t first,
                uint32_t count, void *dst)
{
	memcpy(dst, l->data + (size_t)first * c->block_size, (size_t)count * c->block_size);
}

void cache_write(struct cache *c, struct cache_line *l, uint32_t first, uint32_t count,
                 const void *src)
{
	uint64_t mask = cache_mask(first, count);
	int was_unclean = cache_line_unclean(l);

	memcpy(l->data + (size_t)first * c->block_size, src, (size_t)count * c->block_size);
	l->valid |= mask;
	if (!l->dirty)
		l->dirty_epoch = c->epoch;
	l->dirty |= mask;
	/* a line being written keeps its place: its oldest data is the older epoch */
	if (!was_unclean)
		unclean_insert(c, l);
}

void cache_fill(struct cache *c, struct cache_line *l, const void *src)
{
	uint32_t blocks = cache_line_blocks(c, l->number);

	for (uint32_t b = 0; b < blocks; b++)
		if (!(l->valid >> b & 1))
			memcpy(l->data + (size_t)b * c->block_size,
			       (const unsigned char *)src + (size_t)b * c->block_size, c->block_size);
	l->valid = cache_mask(0, blocks);
}

/* ---- write-back ----------------------------------------------------------- */

uint64_t cache_writeback_begin(struct cache *c, struct cache_line *l)
{
	uint64_t mask = l->dirty;

	l->writing = mask;
	l->writing_epoch = l->dirty_epoch;
	l->dirty = 0;
	c->stats.writebacks++;
	/* the key stays: writing_epoch is the dirty_epoch it was sorted by */
	return mask;
}

void cache_writeback_end(struct cache *c, struct cache_line *l, int ok)
{
	if (!ok) {
		/* the failed blocks are dirty again, as old as they were */
		l->dirty |= l->writing;
		l->dirty_epoch = l->writing_epoch;
	}
	l->writing = 0;
	unclean_unlink(c, l);
	if (l->dirty)
		unclean_insert(c, l);
}

unsigned cache_writeback_runs(const struct cache_line *l, uint64_t mask, uint32_t first[],
                              uint32_t count[])
{
	unsigned runs = 0;
	uint32_t b = 0;

	while (b < 64 && (mask >> b)) {
		uint32_t start, end;

		while (!(mask >> b & 1))
			b++;
		start = b;
		while (b < 64 && (mask >> b & 1))
			b++;
		end = b;
		/* join the next run when the gap up to it is all valid */
		if (runs && first[runs - 1] + count[runs - 1] <= start) {
			uint32_t prev_end = first[runs - 1] + count[runs - 1];
			uint64_t gap = cache_mask(prev_end, start - prev_end);

			if ((l->valid & gap) == gap) {
				count[runs - 1] = end - first[runs - 1];
				continue;
			}
		}
		first[runs] = start;
		count[runs] = end - start;
		runs++;
	}
	return runs;
}

/* ---- sync ------------------------------------------------------------------ */

uint64_t cache_sync_epoch(struct cache *c)
{
	return c->epoch++;
}

int cache_synced(const struct cache *c, uint64_t e)
{
	const struct cache_line *oldest = c->unclean.unclean_next;

	return oldest == &c->unclean || unclean_key(oldest) > e;
}

struct cache_line *cache_sync_next(struct cache *c, uint64_t e)
{
	for (struct cache_line *l = c->unclean.unclean_next;
	     l != &c->unclean && unclean_key(l) <= e; l = l->unclean_next)
		if (l->dirty && !l->writing)
			return l;
	return NULL;
}

size_t cache_unclean_count(const struct cache *c)
{
	size_t n = 0;

	for (const struct cache_line *l = c->unclean.unclean_next; l != &c->unclean;
	     l = l->unclean_next)
		n++;
	return n;
}
