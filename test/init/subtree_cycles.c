/*
 * Quota exactness of init's engine: start a subtree of ten children from
 * a configuration, remove them all with the next one, and again, N times
 * (default 1000). Afterwards this component's own quota must be exactly
 * what it was: every environment session, every donation and every
 * child's quota came back.
 *   subtree_cycles [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <sandbox/sandbox.h>

static const char with_children[] =
	"<config>"
	" <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	"  <service name=\"CPU\"/> <service name=\"LOG\"/> </parent-provides>"
	" <default-route> <any-service> <parent/> </any-service> </default-route>"
	" <default caps=\"60\" ram=\"512K\"/>"
	" <start name=\"c0\"> <binary name=\"idle\"/> </start> <start name=\"c1\"> <binary name=\"idle\"/> </start>"
	" <start name=\"c2\"> <binary name=\"idle\"/> </start> <start name=\"c3\"> <binary name=\"idle\"/> </start>"
	" <start name=\"c4\"> <binary name=\"idle\"/> </start> <start name=\"c5\"> <binary name=\"idle\"/> </start>"
	" <start name=\"c6\"> <binary name=\"idle\"/> </start> <start name=\"c7\"> <binary name=\"idle\"/> </start>"
	" <start name=\"c8\"> <binary name=\"idle\"/> </start>"
	" <start name=\"c9\"> <binary name=\"idle\"/> <config> <x/> </config> </start>"
	"</config>";

static const char without[] =
	"<config>"
	" <parent-provides> <service name=\"ROM\"/> <service name=\"PD\"/>"
	"  <service name=\"CPU\"/> <service name=\"LOG\"/> </parent-provides>"
	" <default-route> <any-service> <parent/> </any-service> </default-route>"
	"</config>";

void component_construct(struct arbor_env *env)
{
	struct arbor_pd_quota before, after;
	struct sandbox *sb;
	char state[8192];
	unsigned n = env->argc > 1 ? (unsigned)atoi(env->argv[1]) : 1000, i;
	int err;

	if ((err = sandbox_new(env, NULL, &sb)) ||
	    (err = sandbox_apply_config(sb, without, strlen(without), "without")) ||
	    (err = arbor_pd_quota(arbor_env_pd(env), &before))) {
		arbor_error("cycles: cannot set up: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	for (i = 0; i < n; i++) {
		if ((err = sandbox_apply_config(sb, with_children, strlen(with_children), "with")) ||
		    (err = sandbox_apply_config(sb, without, strlen(without), "without")))
			break;
		if (i == 0) {
			arbor_pd_quota(arbor_env_pd(env), &after);
			arbor_log("cycles: after one cycle: RAM used %llu, caps used %llu",
			          (unsigned long long)after.ram_used, (unsigned long long)after.cap_used);
		}
	}
	arbor_pd_quota(arbor_env_pd(env), &after);
	sandbox_state_report(sb, state, sizeof(state));
	arbor_log("cycles: %u cycles of 10 children: RAM used %llu -> %llu of %llu, caps used "
	          "%llu -> %llu of %llu", i, (unsigned long long)before.ram_used,
	          (unsigned long long)after.ram_used, (unsigned long long)after.ram_quota,
	          (unsigned long long)before.cap_used, (unsigned long long)after.cap_used,
	          (unsigned long long)after.cap_quota);
	if (err || i != n || memcmp(&before, &after, sizeof(before))) {
		arbor_error("cycles: the quota is not what it was (%s)", err ? arbor_strerror(err) : "");
		arbor_exit(env, 1);
	}
	arbor_log("cycles: quota exactly as before");
	sandbox_free(sb);
	arbor_exit(env, 0);
}
