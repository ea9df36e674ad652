/*
 * block_file: provides the Block service on host image files, one image
 * per client as its policy says (see README.md).
 */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "block_file.h"

static struct block_file block_file;

void component_construct(struct arbor_env *env)
{
	int err;

	block_file.env = env;
	err = config_open(&block_file.config, env);
	if (err) {
		arbor_error("block_file: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = io_pool_init(&block_file.io, env->ep, config_workers(&block_file.config));
	if (err) {
		arbor_error("block_file: cannot start the I/O workers: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = backend_announce(&block_file);
	if (err) {
		arbor_error("block_file: cannot provide the Block service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
