/* ext_fs's own config attributes (config.c); the policies are lib/file_system's. */
#ifndef EXT_FS_CONFIG_H
#define EXT_FS_CONFIG_H

#include <stddef.h>
#include <arbor/env.h>

struct config {
	int writeable;           /* writeable="yes" (default): mount read-write if the device allows */
	int discard;             /* discard="yes": trim freed blocks (default no) */
	size_t cache;            /* cache="8M": the io manager's block cache */
	size_t block_buffer;     /* block_buffer="4M": the Block session's bulk buffer */
	char block_label[64];    /* block_label="…": the Block session's label (default "") */
};

/*
 * Read the attributes of the config ROM once, at start (they shape the
 * mount; a change needs a restart). A bad value is logged with its
 * config:LINE:COL and returns ARBOR_E_INVALID; no config at all gives the
 * defaults.
 */
int config_read(struct config *cfg, struct arbor_env *env);

#endif
