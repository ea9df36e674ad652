/*
 * ext_fs: serves File_system from an ext2/3/4 file system on a Block
 * session, through libext2fs (see README.md).
 */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <file_system/fs_server.h>
#include "config.h"
#include "dev_block.h"
#include "ext_fs.h"

static struct {
	struct config config;
	struct dev_block dev;
	struct ext_fs fs;
	struct fs_server *server;
} ext;

void component_construct(struct arbor_env *env)
{
	struct mount_params params;
	int err;

	err = config_read(&ext.config, env);
	if (err) {
		arbor_error("ext_fs: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = dev_block_open(&ext.dev, env, ext.config.block_label, ext.config.writeable,
	                     ext.config.block_buffer);
	if (err) {
		arbor_error("ext_fs: cannot open the Block session: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	params = (struct mount_params){ ext.config.writeable, ext.config.cache,
	                                ext.config.discard, "ext_fs" };
	err = mount_open(&ext.fs, &ext.dev.dev, &params);
	if (err) {
		dev_block_close(&ext.dev);
		arbor_exit(env, 1);
	}
	err = fs_server_start(env, "ext_fs", &backend_ops, &ext.fs, &ext.server);
	if (err) {
		arbor_error("ext_fs: cannot provide File_system: %s", arbor_strerror(err));
		mount_close(&ext.fs);
		dev_block_close(&ext.dev);
		arbor_exit(env, 1);
	}
}
