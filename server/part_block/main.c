/*
 * part_block: the partitions of a Block device (MBR with logical
 * partitions, or GPT) served as Block sessions by label policy (see
 * README.md).
 */
#include <string.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "part_block.h"

static struct part_block part_block;

void component_construct(struct arbor_env *env)
{
	struct part_block *pb = &part_block;
	struct block_args args = { .label = "", .writeable = 1 };
	int err;

	pb->env = env;
	err = config_open(&pb->config, env);
	if (err) {
		arbor_error("part_block: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	args.tx_buf_size = (size_t)pb->config.io_buffer;
	err = block_link_open(&pb->device, env, &args, forward_done, forward_room, pb);
	if (err) {
		arbor_error("part_block: no Block device: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	pb->device_info.block_count = pb->device.info.block_count;
	pb->device_info.block_size = pb->device.info.block_size;
	pb->device_info.writeable = !!(pb->device.info.flags & ARBOR_BLOCK_WRITEABLE);
	if (table_read(pb))
		arbor_exit(env, 1);
	table_log(pb);
	table_report(pb);
	err = block_server_announce(&pb->server, env, &pb->device_info, &forward_backend, pb);
	if (err) {
		arbor_error("part_block: cannot provide the Block service: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
