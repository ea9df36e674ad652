/* Unit test of the timer's deadline heap (server/timer/deadline_heap.c), TAP output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <arbor/error.h>
#include "deadline_heap.h"
#include "tap.h"

#define ENTRIES 257

/* Every slot points back at its entry and no child is earlier than its parent. */
static int consistent(const struct deadline_heap *h)
{
	for (unsigned i = 0; i < h->count; i++) {
		if (h->slots[i]->slot != i)
			return 0;
		if (i && h->slots[(i - 1) / 2]->deadline > h->slots[i]->deadline)
			return 0;
	}
	return 1;
}

/* The earliest deadline among the queued entries, by looking at all of them. */
static struct deadline_entry *brute_min(struct deadline_entry *e, unsigned n)
{
	struct deadline_entry *best = NULL;

	for (unsigned i = 0; i < n; i++)
		if (deadline_heap_queued(&e[i]) && (!best || e[i].deadline < best->deadline))
			best = &e[i];
	return best;
}

static void test_limits(void)
{
	struct deadline_heap h;
	struct deadline_entry a, b, c;

	deadline_heap_init(&h);
	deadline_heap_entry_init(&a);
	deadline_heap_entry_init(&b);
	deadline_heap_entry_init(&c);
	ok(deadline_heap_first(&h) == NULL, "an empty heap has no first entry");
	is_err(deadline_heap_set(&h, &a, 5), ARBOR_E_TOO_LARGE, "no room without a reservation");
	ok(!deadline_heap_queued(&a), "a refused entry is not queued");
	is_err(deadline_heap_reserve(&h, 2), 0, "reserve two slots");
	is_err(deadline_heap_set(&h, &a, 5), 0, "first entry queued");
	is_err(deadline_heap_set(&h, &b, 3), 0, "second entry queued");
	is_err(deadline_heap_set(&h, &c, 1), ARBOR_E_TOO_LARGE, "third entry refused: heap full");
	is_err(deadline_heap_set(&h, &a, 1), 0, "moving a queued entry needs no room");
	ok(deadline_heap_first(&h) == &a, "the moved entry is first now");
	is_err(deadline_heap_reserve(&h, 1), ARBOR_E_INVALID, "cannot shrink below the queued count");
	deadline_heap_remove(&h, &a);
	ok(!deadline_heap_queued(&a) && deadline_heap_first(&h) == &b, "removal leaves b first");
	deadline_heap_remove(&h, &a);
	ok(h.count == 1, "removing an entry twice is harmless");
	is_err(deadline_heap_reserve(&h, 1), 0, "shrink to the queued count");
	deadline_heap_remove(&h, &b);
	is_err(deadline_heap_reserve(&h, 0), 0, "shrink to nothing when empty");
	ok(h.slots == NULL && h.capacity == 0, "no storage left");
	deadline_heap_fini(&h);
}

static void test_order(void)
{
	struct deadline_entry e[ENTRIES];
	struct deadline_heap h;
	uint64_t last = 0;
	int sorted = 1;

	deadline_heap_init(&h);
	deadline_heap_reserve(&h, ENTRIES);
	for (unsigned i = 0; i < ENTRIES; i++) {
		deadline_heap_entry_init(&e[i]);
		/* many equal deadlines: ties must not upset the order */
		deadline_heap_set(&h, &e[i], (uint64_t)(rand() % 50));
	}
	ok(consistent(&h), "%u entries with ties: heap consistent", ENTRIES);
	for (unsigned i = 0; i < ENTRIES; i++) {
		struct deadline_entry *first = deadline_heap_first(&h);
		if (!first || first->deadline < last)
			sorted = 0;
		if (!first)
			break;
		last = first->deadline;
		deadline_heap_remove(&h, first);
	}
	ok(sorted && h.count == 0, "entries leave in deadline order");
	deadline_heap_fini(&h);
}

static void test_random(void)
{
	struct deadline_entry e[ENTRIES];
	struct deadline_heap h;
	unsigned ops = 200000, bad_min = 0, bad_shape = 0;

	deadline_heap_init(&h);
	deadline_heap_reserve(&h, ENTRIES);
	for (unsigned i = 0; i < ENTRIES; i++)
		deadline_heap_entry_init(&e[i]);
	for (unsigned n = 0; n < ops; n++) {
		struct deadline_entry *x = &e[rand() % ENTRIES];
		switch (rand() % 3) {
		case 0:
		case 1:
			deadline_heap_set(&h, x, (uint64_t)rand() % 100000u);
			break;
		default:
			deadline_heap_remove(&h, x);
			break;
		}
		struct deadline_entry *want = brute_min(e, ENTRIES), *got = deadline_heap_first(&h);
		if ((want == NULL) != (got == NULL) || (want && want->deadline != got->deadline))
			bad_min++;
		if (n % 997 == 0 && !consistent(&h))
			bad_shape++;
	}
	ok(bad_min == 0, "%u random sets, moves and removals: the first is always the earliest", ops);
	ok(bad_shape == 0 && consistent(&h), "the heap stayed consistent throughout");
	deadline_heap_fini(&h);
}

int main(void)
{
	srand(42);
	test_limits();
	test_order();
	test_random();
	return done_testing();
}
