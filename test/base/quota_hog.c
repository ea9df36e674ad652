/* Allocates dataspaces until its RAM quota is exhausted; the last one must fail cleanly. */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>

void component_construct(struct arbor_env *env)
{
	struct arbor_cap *pd = arbor_env_pd(env), *ds;
	struct arbor_pd_quota q;
	unsigned n = 0;
	int err;

	err = arbor_pd_alloc_ram(pd, 100ull << 30, &ds);
	arbor_log("alloc of 100 GiB: %s", arbor_strerror(err));
	if (err != ARBOR_E_OUT_OF_RAM)
		arbor_exit(env, 1);
	while ((err = arbor_pd_alloc_ram(pd, 256 * 1024, &ds)) == 0)
		n++;
	arbor_pd_quota(pd, &q);
	arbor_log("allocated %u x 256 KiB, then: %s (quota %llu KiB, used %llu KiB)", n,
	          arbor_strerror(err), (unsigned long long)q.ram_quota / 1024,
	          (unsigned long long)q.ram_used / 1024);
	arbor_exit(env, err == ARBOR_E_OUT_OF_RAM && n == q.ram_quota / (256 * 1024) ? 0 : 1);
}
