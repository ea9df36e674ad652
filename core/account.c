/* Quota accounts: RAM and cap budgets that move only along reference-account edges. */

#include <stddef.h>
#include <string.h>

#include <arbor/error.h>

#include "account.h"

void account_init(struct account *a, const char *label, uint64_t ram, uint64_t caps)
{
	memset(a, 0, sizeof(*a));
	a->label = label;
	a->ram_quota = ram;
	a->cap_quota = caps;
}

uint64_t account_ram_avail(const struct account *a)
{
	return a->ram_used < a->ram_quota ? a->ram_quota - a->ram_used : 0;
}

uint64_t account_cap_avail(const struct account *a)
{
	return a->cap_used < a->cap_quota ? a->cap_quota - a->cap_used : 0;
}

/* Non-zero when anc is a or one of a's reference accounts up the chain. */
static int account_chain_has(const struct account *a, const struct account *anc)
{
	for (; a; a = a->ref)
		if (a == anc)
			return 1;
	return 0;
}

/* Append the list starting at first to parent's subs, making parent their ref. */
static void account_adopt(struct account *parent, struct account *first)
{
	struct account **link = &parent->subs;
	struct account *s;

	while (*link)
		link = &(*link)->sub_next;
	*link = first;
	for (s = first; s; s = s->sub_next)
		s->ref = parent;
}

int account_set_ref(struct account *a, struct account *ref)
{
	if (!a || !ref || a == ref)
		return ARBOR_E_INVALID;
	if (a->ref)
		return ARBOR_E_EXISTS;
	/* ref must not sit below a, or the chain would loop back to a. */
	if (account_chain_has(ref, a))
		return ARBOR_E_INVALID;
	a->sub_next = NULL;
	account_adopt(ref, a);
	return 0;
}

/* Both or neither: check everything before touching either account. */
static int account_check_avail(const struct account *a, uint64_t ram, uint64_t caps)
{
	if (ram > account_ram_avail(a))
		return ARBOR_E_OUT_OF_RAM;
	if (caps > account_cap_avail(a))
		return ARBOR_E_OUT_OF_CAPS;
	return 0;
}

int account_transfer(struct account *from, struct account *to, uint64_t ram, uint64_t caps)
{
	int err;

	if (!from || !to || from == to || (from->ref != to && to->ref != from))
		return ARBOR_E_DENIED;
	err = account_check_avail(from, ram, caps);
	if (err)
		return err;
	/* Only reachable through account_deposit() of absurd amounts. */
	if (ram > UINT64_MAX - to->ram_quota || caps > UINT64_MAX - to->cap_quota)
		return ARBOR_E_INVALID;
	from->ram_quota -= ram;
	from->cap_quota -= caps;
	to->ram_quota += ram;
	to->cap_quota += caps;
	return 0;
}

int account_charge(struct account *a, uint64_t ram, uint64_t caps)
{
	int err = account_check_avail(a, ram, caps);

	if (err)
		return err;
	a->ram_used += ram;
	a->cap_used += caps;
	return 0;
}

void account_release(struct account *a, uint64_t ram, uint64_t caps)
{
	/* Clamped: a double release must not turn into extra quota. */
	a->ram_used -= ram < a->ram_used ? ram : a->ram_used;
	a->cap_used -= caps < a->cap_used ? caps : a->cap_used;
}

int account_withdraw(struct account *a, uint64_t ram, uint64_t caps)
{
	int err = account_check_avail(a, ram, caps);

	if (err)
		return err;
	a->ram_quota -= ram;
	a->cap_quota -= caps;
	return 0;
}

void account_deposit(struct account *a, uint64_t ram, uint64_t caps)
{
	/* Saturating: the header promises no failure, and wrapping would lose it all. */
	a->ram_quota = ram > UINT64_MAX - a->ram_quota ? UINT64_MAX : a->ram_quota + ram;
	a->cap_quota = caps > UINT64_MAX - a->cap_quota ? UINT64_MAX : a->cap_quota + caps;
}

static void account_unlink(struct account *a)
{
	struct account **link;

	if (!a->ref)
		return;
	for (link = &a->ref->subs; *link; link = &(*link)->sub_next) {
		if (*link == a) {
			*link = a->sub_next;
			break;
		}
	}
	a->ref = NULL;
	a->sub_next = NULL;
}

/*
 * If a still uses quota (a caller bug), only the unused part moves and a
 * keeps quota == used, so nothing in use is ever handed to someone else;
 * this is silent by design (bookkeeping does no I/O). With neither a
 * reference account nor a usable fallback the unused quota simply ends
 * with a, and its sub-accounts become roots. A fallback that is a itself
 * or lies below a is not usable: adopting a's subs would close a cycle.
 */
void account_dissolve(struct account *a, struct account *fallback)
{
	struct account *target = a->ref;
	struct account *subs = a->subs;
	struct account *s, *next;
	uint64_t ram, caps;

	if (!target && fallback && !account_chain_has(fallback, a))
		target = fallback;

	account_unlink(a);
	a->subs = NULL;
	if (target) {
		ram = account_ram_avail(a);
		caps = account_cap_avail(a);
		a->ram_quota -= ram;
		a->cap_quota -= caps;
		account_deposit(target, ram, caps);
		account_adopt(target, subs);
		return;
	}
	for (s = subs; s; s = next) {
		next = s->sub_next;
		s->ref = NULL;
		s->sub_next = NULL;
	}
}
