/* The io manager's block cache: hash table plus LRU list (see io_cache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "io_cache.h"

static size_t slot_of(const struct io_cache *c, uint64_t unit)
{
	/* Fibonacci hashing: sequential units spread over the table. */
	return (size_t)((unit * 0x9e3779b97f4a7c15ull) >> 32) & c->hash_mask;
}

static void lru_unlink(struct io_cache_entry *e)
{
	e->lru_prev->lru_next = e->lru_next;
	e->lru_next->lru_prev = e->lru_prev;
}

static void lru_push_front(struct io_cache *c, struct io_cache_entry *e)
{
	e->lru_next = c->lru.lru_next;
	e->lru_prev = &c->lru;
	c->lru.lru_next->lru_prev = e;
	c->lru.lru_next = e;
}

static void lru_push_back(struct io_cache *c, struct io_cache_entry *e)
{
	e->lru_prev = c->lru.lru_prev;
	e->lru_next = &c->lru;
	c->lru.lru_prev->lru_next = e;
	c->lru.lru_prev = e;
}

static void hash_remove(struct io_cache *c, struct io_cache_entry *e)
{
	struct io_cache_entry **p = &c->hash[slot_of(c, e->unit)];

	while (*p && *p != e)
		p = &(*p)->hash_next;
	if (*p)
		*p = e->hash_next;
	e->hash_next = NULL;
}

int io_cache_init(struct io_cache *c, size_t unit_size, size_t bytes)
{
	size_t count = bytes / unit_size, slots = 16, i;

	memset(c, 0, sizeof(*c));
	if (count < 8)
		count = 8;
	while (slots < 2 * count)
		slots <<= 1;
	c->unit_size = unit_size;
	c->count = count;
	c->entries = calloc(count, sizeof(*c->entries));
	c->hash = calloc(slots, sizeof(*c->hash));
	if (posix_memalign((void **)&c->mem, 4096, count * unit_size))
		c->mem = NULL;
	if (!c->entries || !c->hash || !c->mem) {
		io_cache_fini(c);
		return -ENOMEM;
	}
	c->hash_mask = slots - 1;
	c->lru.lru_next = c->lru.lru_prev = &c->lru;
	for (i = 0; i < count; i++) {
		c->entries[i].data = c->mem + i * unit_size;
		lru_push_back(c, &c->entries[i]);
	}
	return 0;
}

void io_cache_fini(struct io_cache *c)
{
	free(c->entries);
	free(c->hash);
	free(c->mem);
	memset(c, 0, sizeof(*c));
}

struct io_cache_entry *io_cache_find(const struct io_cache *c, uint64_t unit)
{
	struct io_cache_entry *e = c->hash[slot_of(c, unit)];

	while (e && e->unit != unit)
		e = e->hash_next;
	return e;
}

void io_cache_touch(struct io_cache *c, struct io_cache_entry *e)
{
	lru_unlink(e);
	lru_push_front(c, e);
}

struct io_cache_entry *io_cache_victim(struct io_cache *c)
{
	struct io_cache_entry *e;

	/* unused entries sit at the back (io_cache_drop), so this finds them first */
	for (e = c->lru.lru_prev; e != &c->lru; e = e->lru_prev)
		if (!e->pinned)
			return e;
	return NULL;
}

void io_cache_assign(struct io_cache *c, struct io_cache_entry *e, uint64_t unit)
{
	size_t slot;

	if (e->used)
		io_cache_drop(c, e);
	e->unit = unit;
	e->used = 1;
	slot = slot_of(c, unit);
	e->hash_next = c->hash[slot];
	c->hash[slot] = e;
	io_cache_touch(c, e);
}

void io_cache_drop(struct io_cache *c, struct io_cache_entry *e)
{
	if (e->used)
		hash_remove(c, e);
	io_cache_set_dirty(c, e, 0);
	e->used = 0;
	e->pinned = 0;
	lru_unlink(e);
	lru_push_back(c, e);
}

void io_cache_set_dirty(struct io_cache *c, struct io_cache_entry *e, int dirty)
{
	if (e->dirty && !dirty)
		c->dirty--;
	else if (!e->dirty && dirty)
		c->dirty++;
	e->dirty = dirty ? 1 : 0;
}

static int by_unit(const void *a, const void *b)
{
	const struct io_cache_entry *x = *(struct io_cache_entry *const *)a;
	const struct io_cache_entry *y = *(struct io_cache_entry *const *)b;

	return x->unit < y->unit ? -1 : x->unit > y->unit;
}

size_t io_cache_dirty_sorted(struct io_cache *c, struct io_cache_entry **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < c->count; i++) {
		if (!c->entries[i].dirty)
			continue;
		if (n < max)
			out[n] = &c->entries[i];
		n++;
	}
	qsort(out, n < max ? n : max, sizeof(*out), by_unit);
	return n;
}
