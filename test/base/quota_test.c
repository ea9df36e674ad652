/*
 * Quota accounting: transfers only along reference-account edges, an
 * allocation past the quota fails, and after many create/destroy cycles
 * of a child the parent's quota is exactly what it was.
 *   quota_test [CYCLES]
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/child.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/parent.h>
#include <arbor/pd.h>

static struct arbor_env *env;
static struct arbor_pd_quota before;
static int failures;

static void check(int cond, const char *what, int err)
{
	arbor_log("%s %s (%s)", cond ? "ok:" : "FAILED:", what, arbor_strerror(err));
	failures += !cond;
}

static void edges(void)
{
	struct arbor_cap *own = arbor_env_pd(env), *x, *y;
	uint32_t xid = arbor_session_id_alloc(), yid = arbor_session_id_alloc();
	const char *args = "label=\"account\", ram_quota=16K, cap_quota=4";
	int err;

	if (arbor_parent_session(env->parent, xid, "PD", args, &x) ||
	    arbor_parent_session(env->parent, yid, "PD", args, &y)) {
		check(0, "two PD sessions", -1);
		return;
	}
	arbor_pd_ref_account(x, own);
	arbor_pd_ref_account(y, own);
	err = arbor_pd_transfer_quota(own, x, 1 << 20, 10);
	check(err == 0, "transfer to an account whose reference we are", err);
	err = arbor_pd_transfer_quota(x, y, 4096, 1);
	check(err == ARBOR_E_DENIED, "transfer between siblings is denied", err);
	err = arbor_pd_transfer_quota(y, x, 4096, 1);
	check(err == ARBOR_E_DENIED, "transfer the other way is denied too", err);
	err = arbor_pd_transfer_quota(x, own, 4096, 1);
	check(err == 0, "transfer back to the reference account", err);
	err = arbor_pd_transfer_quota(own, x, 1ull << 50, 0);
	check(err == ARBOR_E_OUT_OF_RAM, "transfer of more than we have", err);
	err = arbor_pd_ref_account(x, y);
	check(err == ARBOR_E_EXISTS, "the reference account is set once", err);
	arbor_parent_close(env->parent, xid);
	arbor_parent_close(env->parent, yid);
	arbor_cap_unref(x);
	arbor_cap_unref(y);
}

static void cycles(unsigned n)
{
	struct arbor_pd_quota after;

	for (unsigned i = 0; i < n; i++) {
		struct arbor_child *child;
		struct arbor_child_config cfg = { .name = "cycle", .binary = "idle", .ram = 1 << 20, .caps = 20 };
		int err = arbor_child_start(env, &cfg, &child);
		if (err) {
			check(0, "child start in a cycle", err);
			return;
		}
		arbor_child_destroy(child);
	}
	arbor_pd_quota(arbor_env_pd(env), &after);
	arbor_log("after %u create/destroy cycles: RAM %llu/%llu used/quota, caps %llu/%llu", n,
	          (unsigned long long)after.ram_used, (unsigned long long)after.ram_quota,
	          (unsigned long long)after.cap_used, (unsigned long long)after.cap_quota);
	check(!memcmp(&before, &after, sizeof(before)), "the parent's quota is exactly what it was", 0);
}

static unsigned ncycles;

static void crasher_ended(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	struct arbor_pd_quota after;

	check(st->state == ARBOR_PD_CRASHED, "a crashing child is reported as crashed", 0);
	arbor_child_destroy(child);
	arbor_pd_quota(arbor_env_pd(env), &after);
	check(!memcmp(&before, &after, sizeof(before)), "a crashed child's quota came back exactly", 0);
	cycles(ncycles);
	arbor_log("quota test %s", failures ? "failed" : "passed");
	arbor_exit(env, failures ? 1 : 0);
}

static const struct arbor_child_policy crasher_policy = { .exited = crasher_ended };

static void hog_ended(struct arbor_child *child, const struct arbor_pd_exit_state *st)
{
	struct arbor_child *crasher;
	struct arbor_child_config cfg = { .name = "crasher", .binary = "crasher", .ram = 1 << 20,
	                                  .caps = 20, .policy = &crasher_policy };
	int err;

	check(st->state == ARBOR_PD_EXITED && st->code == 0, "the hog's allocation past its quota failed cleanly", 0);
	arbor_child_destroy(child);
	err = arbor_child_start(env, &cfg, &crasher);
	if (err) {
		check(0, "start a crashing child", err);
		arbor_exit(env, 1);
	}
}

static const struct arbor_child_policy hog_policy = { .exited = hog_ended };

void component_construct(struct arbor_env *e)
{
	struct arbor_child *hog;
	struct arbor_child_config cfg = { .name = "hog", .binary = "quota_hog", .ram = 1 << 20,
	                                  .caps = 50, .policy = &hog_policy };
	int err;

	env = e;
	ncycles = env->argc > 1 ? (unsigned)atoi(env->argv[1]) : 1000;
	arbor_pd_quota(arbor_env_pd(env), &before);
	edges();
	err = arbor_child_start(env, &cfg, &hog);
	if (err) {
		check(0, "start the hog", err);
		arbor_exit(env, 1);
	}
}
