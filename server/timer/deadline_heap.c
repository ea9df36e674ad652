/* The timer's schedule: a binary min-heap of embedded deadline entries. */
#include <stdlib.h>
#include <arbor/error.h>
#include "deadline_heap.h"

void deadline_heap_init(struct deadline_heap *h)
{
	h->slots = NULL;
	h->count = h->capacity = 0;
}

void deadline_heap_fini(struct deadline_heap *h)
{
	free(h->slots);
	deadline_heap_init(h);
}

int deadline_heap_reserve(struct deadline_heap *h, unsigned capacity)
{
	struct deadline_entry **slots;

	if (capacity < h->count)
		return ARBOR_E_INVALID;
	if (capacity == h->capacity)
		return 0;
	if (!capacity) {
		deadline_heap_fini(h);
		return 0;
	}
	slots = realloc(h->slots, capacity * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	h->slots = slots;
	h->capacity = capacity;
	return 0;
}

void deadline_heap_entry_init(struct deadline_entry *e)
{
	e->deadline = 0;
	e->slot = DEADLINE_NOT_QUEUED;
}

static void place(struct deadline_heap *h, unsigned slot, struct deadline_entry *e)
{
	h->slots[slot] = e;
	e->slot = slot;
}

/* Move the entry at slot towards the root while it is earlier than its parent. */
static void sift_up(struct deadline_heap *h, unsigned slot)
{
	struct deadline_entry *e = h->slots[slot];

	while (slot) {
		unsigned parent = (slot - 1) / 2;
		if (h->slots[parent]->deadline <= e->deadline)
			break;
		place(h, slot, h->slots[parent]);
		slot = parent;
	}
	place(h, slot, e);
}

/* Move the entry at slot towards the leaves while a child is earlier. */
static void sift_down(struct deadline_heap *h, unsigned slot)
{
	struct deadline_entry *e = h->slots[slot];

	for (;;) {
		unsigned child = 2 * slot + 1;
		if (child >= h->count)
			break;
		if (child + 1 < h->count && h->slots[child + 1]->deadline < h->slots[child]->deadline)
			child++;
		if (e->deadline <= h->slots[child]->deadline)
			break;
		place(h, slot, h->slots[child]);
		slot = child;
	}
	place(h, slot, e);
}

int deadline_heap_set(struct deadline_heap *h, struct deadline_entry *e, uint64_t deadline)
{
	if (!deadline_heap_queued(e)) {
		if (h->count == h->capacity)
			return ARBOR_E_TOO_LARGE;
		e->deadline = deadline;
		place(h, h->count++, e);
		sift_up(h, e->slot);
		return 0;
	}
	e->deadline = deadline;
	sift_up(h, e->slot);
	sift_down(h, e->slot);
	return 0;
}

void deadline_heap_remove(struct deadline_heap *h, struct deadline_entry *e)
{
	unsigned slot = e->slot;
	struct deadline_entry *last;

	if (!deadline_heap_queued(e))
		return;
	e->slot = DEADLINE_NOT_QUEUED;
	last = h->slots[--h->count];
	if (last == e)
		return;
	/* the last entry fills the hole and finds its place from there */
	place(h, slot, last);
	sift_up(h, slot);
	sift_down(h, last->slot);
}

struct deadline_entry *deadline_heap_first(const struct deadline_heap *h)
{
	return h->count ? h->slots[0] : NULL;
}
