/*
 * The block cache of ext_fs's io manager: a fixed number of equal units
 * (a unit is some device blocks), found by unit number through a hash
 * table and replaced least-recently-used first. A pure data structure: it
 * never does I/O; the io manager (ext_io.c) fills units and writes dirty
 * ones back before their entry is reused.
 */
#ifndef EXT_FS_IO_CACHE_H
#define EXT_FS_IO_CACHE_H

#include <stddef.h>
#include <stdint.h>

struct io_cache_entry {
	uint64_t unit;
	unsigned char *data;
	struct io_cache_entry *hash_next;
	struct io_cache_entry *lru_prev, *lru_next;
	uint8_t used;       /* holds a unit */
	uint8_t dirty;      /* newer than the device */
	uint8_t pinned;     /* never chosen as a victim */
};

struct io_cache {
	size_t unit_size;
	size_t count;                    /* entries */
	size_t dirty;                    /* entries with dirty set */
	struct io_cache_entry *entries;
	unsigned char *mem;
	struct io_cache_entry **hash;
	size_t hash_mask;
	struct io_cache_entry lru;       /* sentinel: lru.lru_next is the most recent */
};

/*
 * Set up a cache of bytes / unit_size entries (at least 8). Returns 0 or
 * -ENOMEM; the cache owns its memory until io_cache_fini().
 */
int io_cache_init(struct io_cache *c, size_t unit_size, size_t bytes);
void io_cache_fini(struct io_cache *c);

/* The entry holding unit, or NULL. Does not change the LRU order. */
struct io_cache_entry *io_cache_find(const struct io_cache *c, uint64_t unit);

/* Mark e the most recently used. */
void io_cache_touch(struct io_cache *c, struct io_cache_entry *e);

/*
 * The entry to reuse next: an unused one, or the least recently used one
 * that is not pinned; NULL when every used entry is pinned. The caller
 * writes it back if it is dirty, then calls io_cache_assign().
 */
struct io_cache_entry *io_cache_victim(struct io_cache *c);

/*
 * Make e hold unit (not cached yet), clean and most recently used. Its
 * data is the caller's to fill.
 */
void io_cache_assign(struct io_cache *c, struct io_cache_entry *e, uint64_t unit);

/* Forget e's unit; e becomes the next victim. */
void io_cache_drop(struct io_cache *c, struct io_cache_entry *e);

void io_cache_set_dirty(struct io_cache *c, struct io_cache_entry *e, int dirty);

/*
 * Store up to max pointers to dirty entries in out, sorted by unit.
 * Returns how many there are (may exceed max: call again after writing).
 */
size_t io_cache_dirty_sorted(struct io_cache *c, struct io_cache_entry **out, size_t max);

#endif
