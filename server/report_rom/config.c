/* report_rom's config ROM: read, parsed, re-read on change (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <sandbox/policy.h>
#include "config.h"

/* Fetch the ROM's current content and parse it; the old config stays on failure. */
static int load(struct config *cfg)
{
	struct xml_node *root = NULL;
	struct xml_error xerr;
	int err = arbor_rom_refresh(&cfg->rom), verbose;

	if (err)
		return err;
	err = xml_parse(cfg->rom.text, cfg->rom.len, "config", &root, &xerr);
	if (err) {
		arbor_error("config:%lu:%lu: %s", xerr.line, xerr.column, xerr.message);
		return err;
	}
	if (xml_attr_bool(root, "verbose", 0, &verbose)) {
		arbor_error("config: verbose is neither yes nor no");
		xml_free(root);
		return ARBOR_E_INVALID;
	}
	xml_free(cfg->root);
	cfg->root = root;
	cfg->verbose = verbose;
	return 0;
}

static void changed(struct arbor_rom *rom)
{
	struct config *cfg = container_of(rom, struct config, rom);

	/* new policies apply to new ROM sessions; existing ones keep their report, as in Genode */
	if (load(cfg))
		arbor_warning("keeping the previous config");
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->env = env;
	err = arbor_rom_open(env, &cfg->rom, "config", changed);
	if (err)
		return err;
	err = load(cfg);
	if (err)
		arbor_rom_close(&cfg->rom);
	return err;
}

void config_close(struct config *cfg)
{
	arbor_rom_close(&cfg->rom);
	xml_free(cfg->root);
	cfg->root = NULL;
}

int config_report_for(const struct config *cfg, const char *label, char *name, size_t size)
{
	char why[ARBOR_LABEL_MAX + 64];
	const struct xml_node *policy = policy_select(cfg->root, "policy", label, why, sizeof(why));
	const char *report;

	if (!policy) {
		arbor_warning("%s", why);
		return ARBOR_E_DENIED;
	}
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
