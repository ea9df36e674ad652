/* ram_block's config ROM: read, checked, re-read on change (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include <session/parent.h>
#include "config.h"

/* The geometry a config asks for; nothing is taken from a config that fails here. */
static int parse_geometry(const struct xml_node *root, struct config_geometry *g)
{
	uint64_t block_size, size, count;
	const char *rom = xml_attr(root, "rom");

	memset(g, 0, sizeof(*g));
	if (xml_attr_u64(root, "block_size", CONFIG_DEFAULT_BLOCK_SIZE, &block_size) ||
	    block_size < 512 || block_size > 65536 || (block_size & (block_size - 1)))
		return config_attr_error(root, "block_size", "is not a power of two in 512..64K");
	if (xml_attr(root, "size") && xml_attr(root, "block_count")) {
		arbor_error("config:%lu:%lu: size and block_count both given: say one",
		            xml_node_line(root), xml_node_column(root));
		return ARBOR_E_INVALID;
	}
	if (xml_attr(root, "block_count")) {
		if (xml_attr_u64(root, "block_count", 0, &count) || !count ||
		    count > UINT64_MAX / block_size)
			return config_attr_error(root, "block_count", "is not a block count above 0");
	} else if (xml_attr(root, "size")) {
		if (xml_attr_u64(root, "size", 0, &size) || !size || size % block_size)
			return config_attr_error(root, "size", "is not a positive multiple of the block size");
		count = size / block_size;
	} else {
		arbor_error("config:%lu:%lu: the device needs a size (size=\"16M\" or block_count=)",
		            xml_node_line(root), xml_node_column(root));
		return ARBOR_E_INVALID;
	}
	if (rom && (!*rom || strlen(rom) >= sizeof(g->rom)))
		return config_attr_error(root, "rom", "is not a ROM module name");
	g->block_size = (uint32_t)block_size;
	g->block_count = count;
	snprintf(g->rom, sizeof(g->rom), "%s", rom ? rom : "");
	return 0;
}

static int check(const struct config_rom *rom, const struct xml_node *root)
{
	struct config_geometry g;
	int err = parse_geometry(root, &g), writeable;

	for (const struct xml_node *n = xml_first_child(root, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);
		if ((!strcmp(type, "policy") || !strcmp(type, "default-policy")) &&
		    xml_attr_bool(n, "writeable", 0, &writeable))
			err = config_attr_error(n, "writeable", "is neither yes nor no");
	}
	return err;
}

/* The device exists once: a new geometry would need a restart, and says so. */
static void applied(struct config_rom *rom)
{
	struct config *cfg = container_of(rom, struct config, rom);
	struct config_geometry g;

	parse_geometry(rom->root, &g);
	if (!cfg->geometry.block_size) {
		cfg->geometry = g;
		return;
	}
	if (memcmp(&g, &cfg->geometry, sizeof(g)))
		arbor_warning("the device's geometry and content change only at a restart");
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
