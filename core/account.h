/*
 * Quota accounts: the RAM and cap budgets of protection domains, and the
 * rules for moving quota between them. Pure bookkeeping (no I/O), so it is
 * unit-tested on its own.
 *
 * Each account has a quota and a use; quota moves only along
 * reference-account edges (to the reference account or from it). An
 * account dissolves into its reference account: its whole quota goes
 * there and its sub-accounts are re-parented.
 */
#ifndef CORE_ACCOUNT_H
#define CORE_ACCOUNT_H

#include <stdint.h>

struct account {
	const char *label;          /* borrowed, for messages */
	uint64_t ram_quota, ram_used;
	uint64_t cap_quota, cap_used;
	struct account *ref;        /* reference account, or NULL */
	struct account *subs;       /* accounts whose ref is this one */
	struct account *sub_next;   /* sibling in ref->subs */
};

/* A fresh account with the given quota and no reference account. */
void account_init(struct account *a, const char *label, uint64_t ram, uint64_t caps);

/*
 * Make ref the reference account of a. Once only, no cycles, not itself.
 * Returns 0, ARBOR_E_EXISTS (already set) or ARBOR_E_INVALID.
 */
int account_set_ref(struct account *a, struct account *ref);

/*
 * Move quota from one account to another, which must be from's reference
 * account or have from as its reference account. Either both amounts move
 * or none. Returns 0, ARBOR_E_DENIED (no such edge), ARBOR_E_OUT_OF_RAM or
 * ARBOR_E_OUT_OF_CAPS (not enough unused quota in from).
 */
int account_transfer(struct account *from, struct account *to, uint64_t ram, uint64_t caps);

/*
 * Use quota of a (a dataspace, a session's metadata). Both or neither.
 * Returns 0, ARBOR_E_OUT_OF_RAM or ARBOR_E_OUT_OF_CAPS.
 */
int account_charge(struct account *a, uint64_t ram, uint64_t caps);

/* Give back what account_charge() took. Never more than is used. */
void account_release(struct account *a, uint64_t ram, uint64_t caps);

/*
 * Take quota out of the accounting tree entirely (a session donation
 * leaving the client) or put it back: withdraw fails like account_charge;
 * deposit cannot fail.
 */
int account_withdraw(struct account *a, uint64_t ram, uint64_t caps);
void account_deposit(struct account *a, uint64_t ram, uint64_t caps);

/*
 * Dissolve a: everything it used must have been released. Its whole quota
 * goes to its reference account, or to fallback when it has none; its
 * sub-accounts get a's reference account (or fallback) as theirs.
 * Afterwards a is detached from the tree.
 */
void account_dissolve(struct account *a, struct account *fallback);

/* Unused quota. */
uint64_t account_ram_avail(const struct account *a);
uint64_t account_cap_avail(const struct account *a);

#endif
