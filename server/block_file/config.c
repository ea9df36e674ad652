/* block_file's config ROM: read, checked, re-read on change (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/config_rom.h>
#include <sandbox/policy.h>
#include <session/parent.h>
#include "config.h"
#include "io.h"

/* Host_file decides in the end; a name it would refuse is a typo worth seeing at start. */
static int file_name_ok(const char *file)
{
	if (!*file || *file == '/' || strlen(file) > ARBOR_HOST_FILE_PATH_MAX)
		return 0;
	for (const char *p = file; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return 0;
	return 1;
}

static int block_size_ok(uint64_t size)
{
	return size >= 512 && size <= 65536 && !(size & (size - 1));
}

/* Every value a session would use, checked now: a typo shows at start, not at the first client. */
static int check_policy(const struct xml_node *policy)
{
	const char *file = xml_attr(policy, "file");
	uint64_t block_size;
	int writeable;

	if (!file || !file_name_ok(file))
		return config_attr_error(policy, "file",
		                         "is not a file name beneath core's file directory");
	if (xml_attr_u64(policy, "block_size", CONFIG_BLOCK_SIZE_DEFAULT, &block_size) ||
	    !block_size_ok(block_size))
		return config_attr_error(policy, "block_size", "is not a power of two from 512 to 65536");
	if (xml_attr_bool(policy, "writeable", 0, &writeable))
		return config_attr_error(policy, "writeable", "is neither yes nor no");
	return 0;
}

static int check(const struct config_rom *rom, const struct xml_node *root)
{
	uint64_t workers;
	int err = 0, stats;

	if (xml_attr_u64(root, "workers", IO_WORKERS_DEFAULT, &workers) || workers < 1 ||
	    workers > IO_WORKERS_MAX) {
		char why[64];
		snprintf(why, sizeof(why), "is not a number from 1 to %u", IO_WORKERS_MAX);
		return config_attr_error(root, "workers", why);
	}
	if (xml_attr_bool(root, "stats", 0, &stats))
		return config_attr_error(root, "stats", "is neither yes nor no");
	for (const struct xml_node *n = xml_first_child(root, NULL); n && !err;
	     n = xml_next_sibling(n, NULL)) {
		const char *type = xml_node_type(n);
		if (!strcmp(type, "policy") || !strcmp(type, "default-policy"))
			err = check_policy(n);
	}
	return err;
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_rom_open(&cfg->rom, env, check, NULL);
}

void config_close(struct config *cfg)
{
	config_rom_close(&cfg->rom);
}

unsigned config_workers(const struct config *cfg)
{
	uint64_t workers = IO_WORKERS_DEFAULT;

	xml_attr_u64(cfg->rom.root, "workers", IO_WORKERS_DEFAULT, &workers);
	return (unsigned)workers;
}

int config_stats(const struct config *cfg)
{
	int stats = 0;

	xml_attr_bool(cfg->rom.root, "stats", 0, &stats);
	return stats;
}

int config_image_for(const struct config *cfg, const char *label, struct image_spec *spec)
{
	const struct xml_node *policy = policy_for_session(cfg->rom.root, label);
	uint64_t block_size = CONFIG_BLOCK_SIZE_DEFAULT;

	memset(spec, 0, sizeof(*spec));
	if (!policy)
		return ARBOR_E_DENIED;
	/* check_policy() passed this node: the values are well-formed */
	snprintf(spec->file, sizeof(spec->file), "%s", xml_attr(policy, "file"));
	xml_attr_u64(policy, "block_size", CONFIG_BLOCK_SIZE_DEFAULT, &block_size);
	spec->block_size = (uint32_t)block_size;
	xml_attr_bool(policy, "writeable", 0, &spec->writeable);
	return 0;
}
