/* report_rom's config ROM: read, parsed, re-read on change (see config.h). */
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/policy.h>
#include "config.h"

/* The value is taken only in applied(): a config rejected here must leave verbose as it was. */
static int check(const struct config_rom *rom, const struct xml_node *root)
{
	int verbose;

	if (xml_attr_bool(root, "verbose", 0, &verbose)) {
		arbor_error("config: verbose is neither yes nor no");
		return ARBOR_E_INVALID;
	}
	return 0;
}

/* New policies apply to new ROM sessions; existing ones keep their report, as in Genode. */
static void applied(struct config_rom *rom)
{
	struct config *cfg = container_of(rom, struct config, rom);

	xml_attr_bool(rom->root, "verbose", 0, &cfg->verbose);
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_rom_open(&cfg->rom, env, check, applied);
}

void config_close(struct config *cfg)
{
	config_rom_close(&cfg->rom);
}

int config_report_for(const struct config *cfg, const char *label, char *name, size_t size)
{
	const struct xml_node *policy = policy_for_session(cfg->rom.root, label);
	const char *report;

	if (!policy)
		return ARBOR_E_DENIED;
	report = xml_attr(policy, "report");
	if (!report || !*report) {
		arbor_warning("policy for label '%s' names no report", label);
		return ARBOR_E_DENIED;
	}
	if (strlen(report) >= size)
		return ARBOR_E_TOO_LARGE;
	strcpy(name, report);
	return 0;
}
