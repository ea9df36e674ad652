/*
 * block_cache's configuration: the ROM session labeled "config", checked
 * as a whole (a bad attribute names config:LINE:COL) and read again on
 * change. The cache's geometry is taken at start: the line size
 * (line_size="16K", the unit of caching and of fetching), how far a
 * sequential reader is read ahead (read_ahead="256K", 0: never) and the
 * I/O buffer towards the device (io_buffer="4M"). The <policy> nodes say
 * which clients may write; new policies apply to new sessions.
 */
#ifndef BLOCK_CACHE_CONFIG_H
#define BLOCK_CACHE_CONFIG_H

#include <stdint.h>
#include <arbor/env.h>
#include <block/block_server.h>
#include <sandbox/config_rom.h>

#define CONFIG_LINE_SIZE_DEFAULT  (16u * 1024)
#define CONFIG_READ_AHEAD_DEFAULT (256u * 1024)
#define CONFIG_IO_BUFFER_DEFAULT  (4u * 1024 * 1024)

struct config {
	struct config_rom rom;             /* rom.root: the current config, checked */
	/* of the first config */
	uint64_t line_size, read_ahead, io_buffer;
};

/*
 * Open the config ROM, read, check and watch it. Returns 0, an error of
 * the ROM session, or ARBOR_E_INVALID / ARBOR_E_TOO_LARGE (a config that
 * is not well-formed or has a bad attribute; logged with its position).
 */
int config_open(struct config *cfg, struct arbor_env *env);

/*
 * The policy of the client labeled label (policy_select() rules) into
 * *policy: whether it may write. Returns 0, or ARBOR_E_DENIED after
 * logging Genode's "no policy defined for label '…'".
 */
int config_policy_for(const struct config *cfg, const char *label, struct block_policy *policy);

#endif
