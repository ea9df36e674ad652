/* block_cache's config ROM: read, checked, re-read on change (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include <session/block.h>
#include <session/parent.h>
#include "config.h"

static int power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int check(const struct config_rom *rom, const struct xml_node *root)
{
	uint64_t line, ahead, io;
	int err = 0, writeable;

	/* the line must also be a multiple of the device's block size: main.c checks that */
	if (xml_attr_u64(root, "line_size", CONFIG_LINE_SIZE_DEFAULT, &line) ||
	    !power_of_two(line) || line < 512 || line > 4 * 1024 * 1024)
		return config_attr_error(root, "line_size", "is not a power of two in 512..4M");
	if (xml_attr_u64(root, "read_ahead", CONFIG_READ_AHEAD_DEFAULT, &ahead) ||
	    ahead > 64 * 1024 * 1024)
		return config_attr_error(root, "read_ahead", "is not a size up to 64M");
	if (xml_attr_u64(root, "io_buffer", CONFIG_IO_BUFFER_DEFAULT, &io) ||
	    io < 64 * 1024 || io > ARBOR_BLOCK_TX_BUF_MAX)
		return config_attr_error(root, "io_buffer", "is not a size in 64K..64M");
	for (const struct xml_node *n = xml_first_child(root, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);

		if ((!strcmp(type, "policy") || !strcmp(type, "default-policy")) &&
		    xml_attr_bool(n, "writeable", 0, &writeable))
			err = config_attr_error(n, "writeable", "is neither yes nor no");
	}
	return err;
}

/* The cache exists once: its geometry changes only at a restart. */
static void applied(struct config_rom *rom)
{
	struct config *cfg = container_of(rom, struct config, rom);
	uint64_t line, ahead, io;

	xml_attr_u64(rom->root, "line_size", CONFIG_LINE_SIZE_DEFAULT, &line);
	xml_attr_u64(rom->root, "read_ahead", CONFIG_READ_AHEAD_DEFAULT, &ahead);
	xml_attr_u64(rom->root, "io_buffer", CONFIG_IO_BUFFER_DEFAULT, &io);
	if (!cfg->line_size) {
		cfg->line_size = line;
		cfg->read_ahead = ahead;
		cfg->io_buffer = io;
		return;
	}
	if (line != cfg->line_size || ahead != cfg->read_ahead || io != cfg->io_buffer)
		arbor_warning("line_size, read_ahead and io_buffer change only at a restart");
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_rom_open(&cfg->rom, env, check, applied);
}

int config_policy_for(const struct config *cfg, const char *label, struct block_policy *policy)
{
	const struct xml_node *node = policy_for_session(cfg->rom.root, label);

	memset(policy, 0, sizeof(*policy));
	if (!node)
		return ARBOR_E_DENIED;
	xml_attr_bool(node, "writeable", 0, &policy->writeable);
	return 0;
}
