/*
 * block_cache's cache proper, without any I/O: a fixed set of lines (each
 * a run of blocks_per_line aligned blocks of the device) found by hash,
 * ordered by recency for eviction (LRU), with per-block valid, dirty and
 * writing bitmaps, and a list of the unclean lines ordered by the sync
 * epoch of their oldest unwritten data, so that a SYNC knows when all data
 * acked before it has reached the backend. The server (server.c) moves
 * the data; this module decides what is where. Unit-tested in
 * test/unit/test_block_cache_lines.c.
 *
 * Line life: free -> claimed for a line number (cache_claim) -> blocks
 * become valid by a fetch (cache_fill) or a write (cache_write) -> dirty
 * blocks are written back (cache_writeback_begin/_end) -> a clean, idle
 * line is the eviction victim of a later claim.
 */
#ifndef BLOCK_CACHE_CACHE_H
#define BLOCK_CACHE_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* A line has at most 64 blocks: its bitmaps are one word each. */
#define CACHE_LINE_BLOCKS_MAX 64u

struct cache_line {
	uint64_t number;              /* first block / blocks_per_line */
	uint64_t valid;               /* blocks that hold the device's newest content */
	uint64_t dirty;               /* valid blocks not yet written back */
	uint64_t writing;             /* blocks whose write-back is in flight */
	uint64_t dirty_epoch;         /* the epoch its dirty blocks became dirty in (dirty != 0) */
	uint64_t writing_epoch;       /* the same of the blocks being written (writing != 0) */
	unsigned pins;                /* requests relying on the line: not evictable */
	unsigned fetching : 1;        /* a fetch of its invalid blocks is in flight */
	unsigned fetch_failed : 1;    /* the last fetch failed: the next read that needs it fails */
	unsigned used : 1;            /* holds a line number (is in the hash) */
	unsigned unclean : 1;         /* on the unclean list */
	struct cache_line *hash_next;
	struct cache_line *lru_prev, *lru_next;         /* all used lines, most recent first */
	struct cache_line *unclean_prev, *unclean_next; /* dirty or writing, oldest epoch first */
	unsigned char *data;          /* blocks_per_line * block_size bytes */
};

struct cache_stats {
	uint64_t read_hits;           /* lines a read found valid without waiting (counted by the server) */
	uint64_t read_misses;         /* lines fetched (counted by the server) */
	uint64_t evictions, writebacks;
};

struct cache {
	uint32_t block_size;
	uint32_t blocks_per_line;
	size_t line_size;             /* block_size * blocks_per_line */
	uint64_t device_blocks;
	size_t nlines;
	struct cache_line *lines;
	struct cache_line **hash;
	size_t hash_mask;
	struct cache_line *free;      /* never-used lines (through hash_next) */
	struct cache_line lru;        /* sentinel: lru.lru_next is the most recent */
	struct cache_line unclean;    /* sentinel: unclean.unclean_next has the oldest epoch */
	uint64_t epoch;               /* data dirtied now belongs to this epoch */
	struct cache_stats stats;
};

/* Bytes of metadata cache_init() allocates for nlines lines (the server sizes the cache with it). */
size_t cache_metadata_size(size_t nlines);

/*
 * Set up a cache of nlines lines whose data lives in mem (nlines *
 * line_size bytes, borrowed). blocks_per_line is 1..64, block_size a power
 * of two. Returns 0, ARBOR_E_INVALID or -ENOMEM.
 */
int cache_init(struct cache *c, uint32_t block_size, uint32_t blocks_per_line,
               uint64_t device_blocks, size_t nlines, void *mem);
void cache_fini(struct cache *c);

/* Blocks in line number n (the device's last line may be short). */
uint32_t cache_line_blocks(const struct cache *c, uint64_t n);

/* The mask of blocks first..first+count-1 of a line (count >= 1, first + count <= 64). */
uint64_t cache_mask(uint32_t first, uint32_t count);

/* The line holding line number n, or NULL. Does not change recency. */
struct cache_line *cache_lookup(struct cache *c, uint64_t n);

/* Make l the most recently used line. */
void cache_touch(struct cache *c, struct cache_line *l);

/*
 * A line for line number n, which must not be cached: a never-used one,
 * else the least recently used line that is clean and idle (no pins, no
 * I/O), looking at most scan lines from the cold end. The line comes back
 * empty (nothing valid), hashed under n, most recent. NULL when every
 * line looked at is dirty or busy: write some back and try again.
 */
struct cache_line *cache_claim(struct cache *c, uint64_t n, size_t scan);

/*
 * The coldest line among the scan coldest that is dirty and not being
 * written, or NULL: what to write back so that cache_claim() finds a
 * victim.
 */
struct cache_line *cache_cold_dirty(struct cache *c, size_t scan);

/* Copy count blocks from first of l to dst; they must be valid. */
void cache_read(const struct cache *c, const struct cache_line *l, uint32_t first,
                uint32_t count, void *dst);

/* Write count blocks from first of l from src: they become valid and dirty. */
void cache_write(struct cache *c, struct cache_line *l, uint32_t first, uint32_t count,
                 const void *src);

/*
 * A fetch of the whole line arrived in src: take the blocks that are not
 * valid (a valid block is newer than what the device had), all become
 * valid.
 */
void cache_fill(struct cache *c, struct cache_line *l, const void *src);

/*
 * Start writing back l's dirty blocks (l must be dirty and not writing):
 * they move from dirty to writing, and are returned. The server copies
 * them out (cache_writeback_runs) before l can change again.
 */
uint64_t cache_writeback_begin(struct cache *c, struct cache_line *l);

/*
 * The write-back of l ended; ok 0 means the device failed, and the blocks
 * are dirty again (in their old epoch, so a SYNC still waits for them).
 */
void cache_writeback_end(struct cache *c, struct cache_line *l, int ok);

/*
 * Split a write-back mask into runs, each written by one request: runs
 * of mask, joined across gaps of valid blocks (rewriting a valid block
 * is harmless; an invalid one holds no data). Fills first[] and count[]
 * (64 entries each) and returns the number of runs.
 */
unsigned cache_writeback_runs(const struct cache_line *l, uint64_t mask, uint32_t first[],
                              uint32_t count[]);

/*
 * A SYNC arrived: data dirtied from now on belongs to a later epoch.
 * Returns the epoch the SYNC waits for.
 */
uint64_t cache_sync_epoch(struct cache *c);

/* Whether all data of epochs up to e is written back. */
int cache_synced(const struct cache *c, uint64_t e);

/*
 * The oldest line with data of epoch up to e that is dirty and not being
 * written: the next write-back a SYNC for e needs. NULL: none now (the
 * rest is in flight).
 */
struct cache_line *cache_sync_next(struct cache *c, uint64_t e);

/* Lines that are dirty or being written. */
size_t cache_unclean_count(const struct cache *c);

/* Whether any block of l is dirty or being written. */
static inline int cache_line_unclean(const struct cache_line *l)
{
	return (l->dirty | l->writing) != 0;
}

#endif
