/*
 * ram_fs: provides File_system from nodes in memory. Its quota, less
 * what it keeps for itself, bounds the content; the config's <content>
 * fills it at start, its policies decide who sees which part.
 */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include "ram_fs.h"

static struct ram_fs ram_fs;

static uint64_t content_limit(struct arbor_env *env)
{
	struct arbor_pd_quota q = { 0 };

	if (arbor_pd_quota(arbor_env_pd(env), &q) || q.ram_quota < q.ram_used + RAM_FS_RESERVE)
		return 0;
	return q.ram_quota - q.ram_used - RAM_FS_RESERVE;
}

void component_construct(struct arbor_env *env)
{
	int err;

	ram_fs.env = env;
	err = ram_store_init(&ram_fs.store, content_limit(env));
	if (err) {
		arbor_error("ram_fs: its RAM quota leaves no room for nodes");
		arbor_exit(env, 1);
	}
	err = content_load(&ram_fs);
	if (!err)
		err = fs_server_start(env, "ram_fs", &ram_fs_backend, &ram_fs, &ram_fs.server);
	if (err)
		arbor_exit(env, 1);
}
