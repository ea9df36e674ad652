/* Unit test of quota accounts (core/account.c), TAP output. */

#include <stdarg.h>
#include <stdio.h>

#include <arbor/error.h>

#include "account.h"
#include "tap.h"


static int quota_is(const struct account *a, uint64_t ram, uint64_t caps)
{
	if (a->ram_quota == ram && a->cap_quota == caps)
		return 1;
	printf("# %s: quota %llu/%llu, want %llu/%llu\n", a->label,
	       (unsigned long long)a->ram_quota, (unsigned long long)a->cap_quota,
	       (unsigned long long)ram, (unsigned long long)caps);
	return 0;
}

/* Is s in p's subs list, exactly once? */
static int sub_count(const struct account *p, const struct account *s)
{
	const struct account *i;
	int n = 0;

	for (i = p->subs; i; i = i->sub_next)
		n += i == s;
	return n;
}

static int subs_len(const struct account *p)
{
	const struct account *i;
	int n = 0;

	for (i = p->subs; i; i = i->sub_next)
		n++;
	return n;
}

static void test_refs(void)
{
	struct account root, init, app, other;

	account_init(&root, "root", 1000, 100);
	account_init(&init, "init", 0, 0);
	account_init(&app, "app", 0, 0);
	account_init(&other, "other", 50, 5);
	ok(quota_is(&root, 1000, 100) && !root.ram_used && !root.ref && !root.subs, "init");

	is_err(account_set_ref(&init, &root), 0, "set ref init -> root");
	is_err(account_set_ref(&app, &init), 0, "set ref app -> init");
	ok(init.ref == &root && sub_count(&root, &init) == 1, "init is a sub of root");
	is_err(account_set_ref(&app, &root), ARBOR_E_EXISTS, "ref is set once only");
	is_err(account_set_ref(&other, &other), ARBOR_E_INVALID, "self ref refused");
	is_err(account_set_ref(&root, &app), ARBOR_E_INVALID, "cycle through two levels refused");
	is_err(account_set_ref(&root, &init), ARBOR_E_INVALID, "direct cycle refused");
	ok(!root.ref, "refused cycle leaves root without ref");
	is_err(account_set_ref(&other, NULL), ARBOR_E_INVALID, "NULL ref refused");
}

static void test_transfer(void)
{
	struct account root, init, app, sib;

	account_init(&root, "root", 1000, 100);
	account_init(&init, "init", 0, 0);
	account_init(&app, "app", 0, 0);
	account_init(&sib, "sib", 0, 0);
	account_set_ref(&init, &root);
	account_set_ref(&app, &init);
	account_set_ref(&sib, &init);

	is_err(account_transfer(&root, &init, 600, 60), 0, "transfer down to a sub");
	ok(quota_is(&root, 400, 40) && quota_is(&init, 600, 60), "quota moved down");
	is_err(account_transfer(&init, &app, 100, 10), 0, "transfer down again");
	is_err(account_transfer(&app, &init, 40, 4), 0, "transfer up to the ref");
	ok(quota_is(&app, 60, 6) && quota_is(&init, 540, 54), "quota moved up");
	is_err(account_transfer(&app, &root, 1, 0), ARBOR_E_DENIED, "to a grandparent: denied");
	is_err(account_transfer(&root, &app, 1, 0), ARBOR_E_DENIED, "to a grandchild: denied");
	is_err(account_transfer(&app, &sib, 1, 0), ARBOR_E_DENIED, "to a sibling: denied");
	is_err(account_transfer(&app, &app, 1, 0), ARBOR_E_DENIED, "to itself: denied");
	ok(quota_is(&app, 60, 6) && quota_is(&sib, 0, 0), "denied transfers moved nothing");

	is_err(account_transfer(&app, &init, 61, 0), ARBOR_E_OUT_OF_RAM, "more RAM than quota");
	is_err(account_transfer(&app, &init, 10, 7), ARBOR_E_OUT_OF_CAPS, "more caps than quota");
	ok(quota_is(&app, 60, 6) && quota_is(&init, 540, 54), "failed transfer: both or none");

	is_err(account_charge(&app, 50, 5), 0, "charge");
	ok(account_ram_avail(&app) == 10 && account_cap_avail(&app) == 1, "avail after charge");
	is_err(account_transfer(&app, &init, 11, 0), ARBOR_E_OUT_OF_RAM, "used quota does not move");
	is_err(account_transfer(&app, &init, 10, 1), 0, "all unused quota moves");
	ok(quota_is(&app, 50, 5) && !account_ram_avail(&app), "only used quota left");
	is_err(account_transfer(&init, &app, 0, 0), 0, "zero transfer along an edge");
}

static void test_charge(void)
{
	struct account a;

	account_init(&a, "a", 100, 10);
	is_err(account_charge(&a, 100, 10), 0, "charge everything");
	is_err(account_charge(&a, 1, 0), ARBOR_E_OUT_OF_RAM, "charge beyond RAM");
	is_err(account_charge(&a, 0, 1), ARBOR_E_OUT_OF_CAPS, "charge beyond caps");
	account_release(&a, 30, 3);
	ok(a.ram_used == 70 && a.cap_used == 7, "release");
	is_err(account_charge(&a, 31, 1), ARBOR_E_OUT_OF_RAM, "charge is both or neither (RAM)");
	is_err(account_charge(&a, 1, 4), ARBOR_E_OUT_OF_CAPS, "charge is both or neither (caps)");
	ok(a.ram_used == 70 && a.cap_used == 7, "failed charges changed nothing");
	account_release(&a, 1000, 1000);
	ok(a.ram_used == 0 && a.cap_used == 0, "release is clamped to what is used");
	ok(account_ram_avail(&a) == 100 && account_cap_avail(&a) == 10, "all available again");

	is_err(account_charge(&a, 60, 6), 0, "charge before withdraw");
	is_err(account_withdraw(&a, 41, 0), ARBOR_E_OUT_OF_RAM, "withdraw beyond unused RAM");
	is_err(account_withdraw(&a, 40, 4), 0, "withdraw unused quota");
	ok(quota_is(&a, 60, 6) && !account_ram_avail(&a), "withdraw lowers quota");
	account_deposit(&a, 40, 4);
	ok(quota_is(&a, 100, 10), "deposit raises quota");
	account_deposit(&a, UINT64_MAX, 0);
	ok(a.ram_quota == UINT64_MAX, "deposit saturates");
}

static void test_dissolve(void)
{
	struct account root, mid, c1, c2, c3, lone, fb;
	uint64_t total_ram, total_caps;

	account_init(&root, "root", 1000, 100);
	account_init(&mid, "mid", 0, 0);
	account_init(&c1, "c1", 0, 0);
	account_init(&c2, "c2", 0, 0);
	account_init(&c3, "c3", 0, 0);
	account_set_ref(&mid, &root);
	account_set_ref(&c3, &root);
	account_set_ref(&c1, &mid);
	account_set_ref(&c2, &mid);
	account_transfer(&root, &mid, 500, 50);
	account_transfer(&mid, &c1, 100, 10);
	account_transfer(&mid, &c2, 70, 7);
	account_transfer(&root, &c3, 10, 1);
	account_charge(&c1, 30, 3);
	total_ram = root.ram_quota + mid.ram_quota + c1.ram_quota + c2.ram_quota + c3.ram_quota;
	total_caps = root.cap_quota + mid.cap_quota + c1.cap_quota + c2.cap_quota + c3.cap_quota;

	account_dissolve(&mid, NULL);
	ok(quota_is(&root, 490 + 330, 49 + 33), "mid's whole quota returned to root exactly");
	ok(quota_is(&mid, 0, 0) && !mid.ref && !mid.subs && !mid.sub_next, "mid detached");
	ok(c1.ref == &root && c2.ref == &root, "subs re-parented to root");
	ok(sub_count(&root, &c1) == 1 && sub_count(&root, &c2) == 1 &&
	   sub_count(&root, &c3) == 1 && !sub_count(&root, &mid) && subs_len(&root) == 3,
	   "root's subs: c3, c1, c2 and no mid");
	ok(root.subs == &c3 && c3.sub_next == &c1 && c1.sub_next == &c2 && !c2.sub_next,
	   "re-parented subs appended in order");
	ok(root.ram_quota + c1.ram_quota + c2.ram_quota + c3.ram_quota == total_ram &&
	   root.cap_quota + c1.cap_quota + c2.cap_quota + c3.cap_quota == total_caps,
	   "no quota created or lost");
	is_err(account_transfer(&c1, &root, 70, 7), 0, "re-parented sub transfers to new ref");
	is_err(account_transfer(&c1, &mid, 0, 0), ARBOR_E_DENIED, "old edge is gone");

	/* Dissolving an account that still uses quota moves only the unused part. */
	account_dissolve(&c1, NULL);
	ok(quota_is(&c1, 30, 3) && c1.ram_used == 30 && !c1.ref, "used part stays with c1");
	ok(quota_is(&root, 820 + 70, 82 + 7), "nothing used is handed over");
	ok(!sub_count(&root, &c1) && subs_len(&root) == 2, "c1 unlinked");

	/* No ref: the fallback takes quota and subs. */
	account_init(&lone, "lone", 40, 4);
	account_init(&fb, "fb", 0, 0);
	account_init(&c1, "c1", 0, 0);
	account_set_ref(&c1, &lone);
	account_transfer(&lone, &c1, 10, 1);
	account_dissolve(&lone, &fb);
	ok(quota_is(&fb, 30, 3) && quota_is(&lone, 0, 0), "quota goes to the fallback");
	ok(c1.ref == &fb && fb.subs == &c1 && !c1.sub_next, "subs go to the fallback");

	/* A fallback below the dissolved account would make a cycle: ignored. */
	account_init(&lone, "lone", 40, 4);
	account_init(&c1, "c1", 0, 0);
	account_init(&c2, "c2", 0, 0);
	account_set_ref(&c1, &lone);
	account_set_ref(&c2, &c1);
	account_dissolve(&lone, &c2);
	ok(!c1.ref && !c2.subs && c2.ref == &c1 && quota_is(&c2, 0, 0),
	   "fallback inside the subtree is ignored");
	account_init(&lone, "lone", 40, 4);
	account_dissolve(&lone, &lone);
	ok(quota_is(&lone, 40, 4) && !lone.ref && !lone.subs, "fallback equal to itself is ignored");
}

int main(void)
{
	test_refs();
	test_transfer();
	test_charge();
	test_dissolve();
	return done_testing();
}
