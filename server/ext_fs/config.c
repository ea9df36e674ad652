/* ext_fs's config attributes, read once at start (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <session/block.h>
#include "config.h"

#define CACHE_MIN   (64u * 1024)
#define CACHE_MAX   (1024u * 1024 * 1024)
#define BUFFER_MIN  (64u * 1024)

static int parse(const struct xml_node *root, struct config *cfg)
{
	const char *label = xml_attr(root, "block_label");
	uint64_t v;

	if (xml_attr_bool(root, "writeable", 1, &cfg->writeable))
		return config_attr_error(root, "writeable", "is neither yes nor no");
	if (xml_attr_bool(root, "discard", 0, &cfg->discard))
		return config_attr_error(root, "discard", "is neither yes nor no");
	if (xml_attr_u64(root, "cache", 8u << 20, &v) || v < CACHE_MIN || v > CACHE_MAX)
		return config_attr_error(root, "cache", "is not a size in 64K..1G");
	cfg->cache = (size_t)v;
	if (xml_attr_u64(root, "block_buffer", 4u << 20, &v) || v < BUFFER_MIN ||
	    v > ARBOR_BLOCK_TX_BUF_MAX || v % 4096)
		return config_attr_error(root, "block_buffer", "is not a multiple of 4K in 64K..64M");
	cfg->block_buffer = (size_t)v;
	if (label && strlen(label) >= sizeof(cfg->block_label))
		return config_attr_error(root, "block_label", "is too long");
	snprintf(cfg->block_label, sizeof(cfg->block_label), "%s", label ? label : "");
	return 0;
}

/* A config that fails here is not taken: the component does not start. */
static int check(const struct config_rom *rom, const struct xml_node *root)
{
	struct config cfg;

	return parse(root, &cfg);
}

int config_read(struct config *cfg, struct arbor_env *env)
{
	struct config_rom rom;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = config_rom_open(&rom, env, check, NULL);
	if (err == ARBOR_E_DENIED) {
		arbor_log("ext_fs: no config, serving with the defaults");
		return parse(NULL, cfg);
	}
	if (err)
		return err;
	err = parse(rom.root, cfg);
	config_rom_close(&rom);
	return err;
}
