/*
 * The dummy's quota consumers: RAM held in touched dataspaces, and caps
 * held in one-page dataspaces (in Arbor only what core makes, dataspaces
 * and sessions, is charged to a PD's cap quota; signal contexts and RPC
 * objects are the component's own fds). When the PD runs dry, the dummy
 * asks its parent for the rest and pauses until the parent says there is
 * more; when the parent asks for quota back, it frees what was asked for.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/pd.h>
#include "dummy.h"

struct consumer {
	int counts_caps;                 /* progress in dataspaces (caps), else in bytes */
	struct arbor_cap **ds;           /* held dataspaces, oldest first */
	uint64_t *sizes;
	unsigned count, capacity;
	uint64_t bytes;                  /* their total size */
	uint64_t goal;                   /* what the running action wants held */
	int waiting;                     /* for the parent's RESOURCE_AVAIL signal */
};

static struct consumer ram = { .counts_caps = 0 }, caps = { .counts_caps = 1 };
static struct arbor_env *consume_env;

static uint64_t held(const struct consumer *c)
{
	return c->counts_caps ? c->count : c->bytes;
}

static int hold(struct consumer *c, struct arbor_cap *ds, uint64_t size)
{
	if (c->count == c->capacity) {
		unsigned n = c->capacity ? c->capacity * 2 : 16;
		struct arbor_cap **grown_ds = realloc(c->ds, n * sizeof(*grown_ds));
		if (!grown_ds)
			return -ENOMEM;
		c->ds = grown_ds;
		uint64_t *grown_sizes = realloc(c->sizes, n * sizeof(*grown_sizes));
		if (!grown_sizes)
			return -ENOMEM;
		c->sizes = grown_sizes;
		c->capacity = n;
	}
	c->ds[c->count] = ds;
	c->sizes[c->count++] = size;
	c->bytes += size;
	return 0;
}

/* Free the newest dataspaces until at least amount (bytes or caps) is gone; the amount freed. */
static uint64_t release(struct consumer *c, uint64_t amount)
{
	struct arbor_cap *pd = arbor_env_pd(consume_env);
	uint64_t freed = 0;

	while (c->count && freed < amount) {
		c->count--;
		arbor_pd_free_ram(pd, c->ds[c->count]);
		arbor_cap_unref(c->ds[c->count]);
		c->bytes -= c->sizes[c->count];
		freed += c->counts_caps ? 1 : c->sizes[c->count];
	}
	return freed;
}

static void log_release(const struct consumer *c, uint64_t freed)
{
	char text[32];

	if (c->counts_caps)
		arbor_log("release %" PRIu64 " caps", freed);
	else
		arbor_log("release %s bytes of memory", dummy_size_text(freed, text, sizeof(text)));
}

/* Write every page, so that the memory is really there. */
static int touch(struct arbor_cap *ds)
{
	volatile char *p;
	void *addr;
	size_t size;
	int err = arbor_ds_attach(ds, ARBOR_DS_WRITE, &addr, &size);

	if (err)
		return err;
	p = addr;
	for (size_t off = 0; off < size; off += DUMMY_PAGE)
		p[off] = 1;
	return arbor_ds_detach(addr, size);
}

static void resources_arrived(struct arbor_env *env, unsigned which);

/* Ask the parent for what the goal still lacks beyond the free quota q. */
static enum dummy_step ask(struct consumer *c, const struct arbor_pd_quota *q)
{
	uint64_t rest = c->goal - held(c), free_ram = q->ram_quota - q->ram_used;
	uint64_t free_caps = q->cap_quota - q->cap_used, want_ram, want_caps;
	char text[32], held_text[32], goal_text[32];
	int err;

	if (c->counts_caps) {
		want_ram = rest * DUMMY_PAGE > free_ram ? rest * DUMMY_PAGE - free_ram : 0;
		want_caps = rest > free_caps ? rest - free_caps : 0;
	} else {
		want_ram = rest > free_ram ? (rest - free_ram + DUMMY_PAGE - 1) & ~(uint64_t)(DUMMY_PAGE - 1) : 0;
		want_caps = free_caps ? 0 : 1;
	}
	err = arbor_parent_signal_handle(consume_env, ARBOR_SIGNAL_RESOURCE_AVAIL, resources_arrived);
	if (!err)
		err = arbor_parent_resource_request(consume_env->parent, want_ram, want_caps);
	if (err) {
		arbor_error("cannot ask the parent for resources: %s", arbor_strerror(err));
		return DUMMY_NEXT;
	}
	if (c->counts_caps)
		arbor_log("quota exhausted at %u of %" PRIu64 " caps: asking the parent for "
		          "ram_quota=%s, cap_quota=%" PRIu64, c->count, c->goal,
		          dummy_size_text(want_ram, text, sizeof(text)), want_caps);
	else
		arbor_log("quota exhausted at %s of %s: asking the parent for ram_quota=%s, "
		          "cap_quota=%" PRIu64, dummy_size_text(c->bytes, held_text, sizeof(held_text)),
		          dummy_size_text(c->goal, goal_text, sizeof(goal_text)),
		          dummy_size_text(want_ram, text, sizeof(text)), want_caps);
	c->waiting = 1;
	return DUMMY_WAIT;
}

/* Allocate towards the goal; ask the parent when the PD has too little. */
static enum dummy_step fill(struct consumer *c)
{
	struct arbor_cap *pd = arbor_env_pd(consume_env), *ds;
	struct arbor_pd_quota q;
	char text[32];
	int err;

	while (held(c) < c->goal) {
		uint64_t rest = c->goal - held(c), free_ram, size;

		err = arbor_pd_quota(pd, &q);
		if (err)
			goto fail;
		free_ram = (q.ram_quota - q.ram_used) & ~(uint64_t)(DUMMY_PAGE - 1);
		size = c->counts_caps ? DUMMY_PAGE : rest < free_ram ? rest : free_ram;
		if (q.cap_used >= q.cap_quota || size > free_ram || !size)
			return ask(c, &q);
		err = arbor_pd_alloc_ram(pd, size, &ds);
		if (err == ARBOR_E_OUT_OF_RAM || err == ARBOR_E_OUT_OF_CAPS)
			return ask(c, &q);
		if (err)
			goto fail;
		err = touch(ds);
		if (!err)
			err = hold(c, ds, size);
		if (err) {
			arbor_pd_free_ram(pd, ds);
			arbor_cap_unref(ds);
			goto fail;
		}
	}
	if (c->counts_caps)
		arbor_log("consumed %u caps (one-page dataspaces)", c->count);
	else
		arbor_log("consumed %s bytes of memory in %u dataspace%s",
		          dummy_size_text(c->bytes, text, sizeof(text)), c->count,
		          c->count == 1 ? "" : "s");
	return DUMMY_NEXT;

fail:
	arbor_error("consuming stopped at %" PRIu64 " of %" PRIu64 ": %s", held(c), c->goal,
	            arbor_strerror(err));
	c->goal = held(c);
	return DUMMY_NEXT;
}

static void resources_arrived(struct arbor_env *env, unsigned which)
{
	struct consumer *waiting = ram.waiting ? &ram : caps.waiting ? &caps : NULL;

	/* the signal also comes for lib/base's own requests (a session's donation) */
	if (!waiting)
		return;
	waiting->waiting = 0;
	if (fill(waiting) == DUMMY_NEXT)
		dummy_resume();
}

/* Genode's dummy: a new consumption replaces the one before. */
static enum dummy_step consume(struct consumer *c, struct arbor_env *env, uint64_t amount)
{
	consume_env = env;
	if (c->count)
		log_release(c, release(c, UINT64_MAX));
	c->goal = amount;
	return fill(c);
}

enum dummy_step dummy_consume_ram(struct arbor_env *env, uint64_t amount)
{
	char text[32];

	arbor_log("consume %s bytes of memory", dummy_size_text(amount, text, sizeof(text)));
	return consume(&ram, env, (amount + DUMMY_PAGE - 1) & ~(uint64_t)(DUMMY_PAGE - 1));
}

enum dummy_step dummy_consume_caps(struct arbor_env *env, uint64_t amount)
{
	arbor_log("consume %" PRIu64 " caps", amount);
	return consume(&caps, env, amount);
}

static void yield_requested(struct arbor_env *env, unsigned which)
{
	struct arbor_parent_quota q;
	char text[32];
	int resume = ram.waiting || caps.waiting;
	int err = arbor_parent_yield_request(env->parent, &q);

	if (err) {
		arbor_error("cannot read the yield request: %s", arbor_strerror(err));
		return;
	}
	arbor_log("got yield request: ram_quota=%s, cap_quota=%" PRIu64,
	          dummy_size_text(q.ram, text, sizeof(text)), q.caps);
	if (q.ram && ram.count)
		log_release(&ram, release(&ram, q.ram));
	if (q.caps && caps.count)
		log_release(&caps, release(&caps, q.caps));
	/* what the parent takes back is not to be asked for again */
	ram.goal = held(&ram);
	caps.goal = held(&caps);
	ram.waiting = caps.waiting = 0;
	arbor_parent_yield_response(env->parent);
	if (resume)
		dummy_resume();
}

int dummy_consume_handle_yield(struct arbor_env *env)
{
	consume_env = env;
	return arbor_parent_signal_handle(env, ARBOR_SIGNAL_YIELD, yield_requested);
}
