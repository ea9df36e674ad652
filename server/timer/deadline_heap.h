/*
 * A binary min-heap of deadlines: the timer server's schedule. Entries are
 * embedded in their owners (one per session) and know their own slot, so
 * moving or removing one is O(log n) without a search. Pure: no clock, no
 * system calls, unit-tested on its own.
 */
#ifndef TIMER_DEADLINE_HEAP_H
#define TIMER_DEADLINE_HEAP_H

#include <stdint.h>

#define DEADLINE_NOT_QUEUED 0xffffffffu

struct deadline_entry {
	uint64_t deadline;
	unsigned slot;                 /* DEADLINE_NOT_QUEUED when not in the heap */
};

struct deadline_heap {
	struct deadline_entry **slots;
	unsigned count, capacity;
};

/* An empty heap without storage. */
void deadline_heap_init(struct deadline_heap *h);

/* Release the storage; entries still queued are left as they are. */
void deadline_heap_fini(struct deadline_heap *h);

/*
 * Make room for exactly capacity entries (never fewer than are queued), so
 * that deadline_heap_set() cannot fail while every owner holds a slot: the
 * timer reserves one per session when it creates the session, which may
 * fail, and schedules later, which then cannot. Returns 0, -ENOMEM, or
 * ARBOR_E_INVALID (capacity below the number queued).
 */
int deadline_heap_reserve(struct deadline_heap *h, unsigned capacity);

/* An entry that is not queued. */
void deadline_heap_entry_init(struct deadline_entry *e);

static inline int deadline_heap_queued(const struct deadline_entry *e)
{
	return e->slot != DEADLINE_NOT_QUEUED;
}

/*
 * Queue e for deadline, or move it there if it is queued already. Returns
 * 0, or ARBOR_E_TOO_LARGE when e is new and the heap is at its capacity
 * (a caller that reserved a slot per entry never sees it).
 */
int deadline_heap_set(struct deadline_heap *h, struct deadline_entry *e, uint64_t deadline);

/* Take e out of the heap; a no-op when it is not queued. */
void deadline_heap_remove(struct deadline_heap *h, struct deadline_entry *e);

/* The entry with the earliest deadline (borrowed), or NULL when empty. */
struct deadline_entry *deadline_heap_first(const struct deadline_heap *h);

#endif
