/* The demo's child: logs through its LOG session, uses a dataspace, exits. */
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>

void component_construct(struct arbor_env *env)
{
	struct arbor_pd_quota q;
	struct arbor_cap *ds;
	void *mem;
	size_t size;
	int err;

	arbor_log("Hello from a sandboxed component");
	err = arbor_pd_alloc_ram(arbor_env_pd(env), 64 * 1024, &ds);
	if (!err)
		err = arbor_ds_attach(ds, ARBOR_DS_WRITE, &mem, &size);
	if (err) {
		arbor_error("cannot use a dataspace: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	strcpy(mem, "written into shared memory");
	arbor_log("%s (%zu KiB dataspace)", (char *)mem, size / 1024);
	arbor_pd_quota(arbor_env_pd(env), &q);
	arbor_log("RAM quota %llu KiB, used %llu KiB", (unsigned long long)q.ram_quota / 1024,
	          (unsigned long long)q.ram_used / 1024);
	arbor_exit(env, 0);
}
