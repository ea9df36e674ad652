/*
 * ram_block's configuration: the ROM session labeled "config", checked as
 * a whole (a bad attribute names config:LINE:COL) and read again on
 * change. It holds the device's geometry (block_size, and size or
 * block_count), the optional ROM module with its initial content, and the
 * <policy> nodes that say which clients may write. The geometry is taken
 * once, at start; later configs change only the policies.
 */
#ifndef RAM_BLOCK_CONFIG_H
#define RAM_BLOCK_CONFIG_H

#include <stdint.h>
#include <arbor/env.h>
#include <block/block_server.h>
#include <sandbox/config_rom.h>
#include <session/rom.h>

#define CONFIG_DEFAULT_BLOCK_SIZE 512u

struct config_geometry {
	uint32_t block_size;
	uint64_t block_count;
	char rom[ARBOR_ROM_NAME_MAX];      /* "" when the device starts zeroed */
};

struct config {
	struct config_rom rom;             /* rom.root: the current config, checked */
	struct config_geometry geometry;   /* of the first config */
};

/*
 * Open the config ROM, read, check and watch it. Returns 0, an error of
 * the ROM session, or ARBOR_E_INVALID / ARBOR_E_TOO_LARGE (a config that
 * is not well-formed, a bad attribute, no size; logged with its position).
 */
int config_open(struct config *cfg, struct arbor_env *env);

/*
 * The policy of the client labeled label (policy_select() rules) into
 * *policy. Returns 0, or ARBOR_E_DENIED after logging Genode's "no policy
 * defined for label '…'".
 */
int config_policy_for(const struct config *cfg, const char *label, struct block_policy *policy);

#endif
