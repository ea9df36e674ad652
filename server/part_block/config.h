/*
 * part_block's configuration: the ROM session labeled "config", checked as
 * a whole (a bad attribute names config:LINE:COL) and read again on
 * change. It holds the size of the I/O buffer towards the device
 * (io_buffer="4M", taken at start) and the <policy> nodes that give each
 * client a partition (partition="N", N as Linux numbers it) and say
 * whether it may write. New policies apply to new sessions.
 */
#ifndef PART_BLOCK_CONFIG_H
#define PART_BLOCK_CONFIG_H

#include <stdint.h>
#include <arbor/env.h>
#include <sandbox/config_rom.h>

#define CONFIG_IO_BUFFER_DEFAULT (4u * 1024 * 1024)

struct config {
	struct config_rom rom;             /* rom.root: the current config, checked */
	uint64_t io_buffer;                /* of the first config */
	int report;                        /* <report partitions="yes"/> */
};

/* What a policy grants a client. */
struct config_grant {
	unsigned partition;
	int writeable;
};

/*
 * Open the config ROM, read, check and watch it. Returns 0, an error of
 * the ROM session, or ARBOR_E_INVALID / ARBOR_E_TOO_LARGE (a config that
 * is not well-formed or has a bad attribute; logged with its position).
 */
int config_open(struct config *cfg, struct arbor_env *env);

/*
 * The grant of the client labeled label, by the best matching policy
 * (policy_select() rules). Returns 0, or ARBOR_E_DENIED after a warning
 * (Genode's "no policy defined for label '…'").
 */
int config_grant_for(const struct config *cfg, const char *label, struct config_grant *grant);

#endif
