/* part_block's config ROM: read, checked, re-read on change (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include <session/block.h>
#include <session/parent.h>
#include "config.h"
#include "partition_table.h"

/* Partition numbers are small decimal numbers: 1..4 primary, 5.. logical, GPT slots. */
static int parse_partition(const struct xml_node *node, unsigned *number)
{
	const char *text = xml_attr(node, "partition");
	unsigned long value = 0;

	if (!text || !*text || strlen(text) > 6)
		return ARBOR_E_INVALID;
	for (const char *c = text; *c; c++) {
		if (*c < '0' || *c > '9')
			return ARBOR_E_INVALID;
		value = value * 10 + (unsigned long)(*c - '0');
	}
	if (value < 1 || value > 65536)
		return ARBOR_E_INVALID;
	*number = (unsigned)value;
	return 0;
}

static int check_policy(const struct xml_node *n)
{
	unsigned number;
	int writeable;

	if (parse_partition(n, &number))
		return config_attr_error(n, "partition", "is not a partition number (1, 2, ... as Linux counts)");
	if (xml_attr_bool(n, "writeable", 0, &writeable))
		return config_attr_error(n, "writeable", "is neither yes nor no");
	return 0;
}

static int check(const struct config_rom *rom, const struct xml_node *root)
{
	uint64_t io_buffer;
	int err = 0, report;

	if (xml_attr_u64(root, "io_buffer", CONFIG_IO_BUFFER_DEFAULT, &io_buffer) ||
	    io_buffer < 64 * 1024 || io_buffer > ARBOR_BLOCK_TX_BUF_MAX)
		return config_attr_error(root, "io_buffer", "is not a size in 64K..64M");
	for (const struct xml_node *n = xml_first_child(root, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);

		if (!strcmp(type, "policy") || !strcmp(type, "default-policy"))
			err = check_policy(n);
		else if (!strcmp(type, "report") && xml_attr_bool(n, "partitions", 0, &report))
			err = config_attr_error(n, "partitions", "is neither yes nor no");
	}
	return err;
}

/* The I/O buffer and the report exist once: they change only at a restart. */
static void applied(struct config_rom *rom)
{
	struct config *cfg = container_of(rom, struct config, rom);
	const struct xml_node *report = xml_first_child(rom->root, "report");

	if (cfg->io_buffer)
		return;
	xml_attr_u64(rom->root, "io_buffer", CONFIG_IO_BUFFER_DEFAULT, &cfg->io_buffer);
	if (report)
		xml_attr_bool(report, "partitions", 0, &cfg->report);
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_rom_open(&cfg->rom, env, check, applied);
}

int config_grant_for(const struct config *cfg, const char *label, struct config_grant *grant)
{
	const struct xml_node *node = policy_for_session(cfg->rom.root, label);

	memset(grant, 0, sizeof(*grant));
	if (!node)
		return ARBOR_E_DENIED;
	/* check() accepted every policy of the config in force */
	parse_partition(node, &grant->partition);
	xml_attr_bool(node, "writeable", 0, &grant->writeable);
	return 0;
}
