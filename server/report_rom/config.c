/* report_rom's config ROM: read, parsed, re-read on change (see config.h). */
#include <stdio.h>
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <sandbox/policy.h>
#include <session/rom.h>
#include "config.h"

/* Fetch the ROM's current content and parse it; the old config stays on failure. */
static int load(struct config *cfg)
{
	struct xml_node *root = NULL;
	struct xml_error xerr;
	struct arbor_cap *ds;
	size_t size;
	void *addr;
	int err, verbose;

	err = arbor_rom_dataspace(cfg->rom.cap, &ds);
	if (err)
		return err;
	err = arbor_ds_attach(ds, ARBOR_DS_READ, &addr, &size);
	arbor_cap_unref(ds);
	if (err)
		return err;
	/* the content ends at the dataspace's end or at its first NUL, whichever comes first */
	err = xml_parse(addr, strnlen(addr, size), "config", &root, &xerr);
	arbor_ds_detach(addr, size);
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

static void changed(struct arbor_signal_handler *sh, uint64_t count)
{
	struct config *cfg = container_of(sh, struct config, changed);

	/* new policies apply to new ROM sessions; existing ones keep their report, as in Genode */
	if (load(cfg))
		arbor_warning("keeping the previous config");
}

int config_open(struct config *cfg, struct arbor_env *env)
{
	struct arbor_cap *sigh;
	struct arbor_msg reply;
	int err;

	memset(cfg, 0, sizeof(*cfg));
	cfg->env = env;
	err = arbor_connection_open(env, &cfg->rom, ARBOR_ROM_SERVICE, "config",
	                            ARBOR_ROM_SESSION_RAM, ARBOR_ROM_SESSION_CAPS, NULL);
	if (err)
		return err;
	err = load(cfg);
	if (err)
		goto fail_rom;
	err = arbor_signal_handler_init(&cfg->changed, env->ep, changed);
	if (err)
		goto fail_rom;
	sigh = arbor_signal_handler_cap(&cfg->changed);
	err = arbor_rpc_call(cfg->rom.cap, ARBOR_ROM_SIGH, NULL, 0, &sigh, 1, &reply);
	arbor_msg_release(&reply);
	if (err < 0)
		goto fail_handler;
	return 0;

fail_handler:
	arbor_signal_handler_fini(&cfg->changed);
fail_rom:
	xml_free(cfg->root);
	cfg->root = NULL;
	arbor_connection_close(env, &cfg->rom);
	return err;
}

void config_close(struct config *cfg)
{
	arbor_signal_handler_fini(&cfg->changed);
	arbor_connection_close(cfg->env, &cfg->rom);
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
