/*
 * report_rom's configuration: the ROM session labeled "config", parsed as
 * XML, read again whenever the ROM signals a change. It holds the
 * verbose="yes" switch and the <policy label… report="…"/> nodes that map
 * ROM clients to reports.
 */
#ifndef REPORT_ROM_CONFIG_H
#define REPORT_ROM_CONFIG_H

#include <stddef.h>
#include <arbor/env.h>
#include <sandbox/config_rom.h>

struct config {
	struct config_rom rom;             /* rom.root: the current config */
	int verbose;
};

/*
 * Open the config ROM, read it and watch it. Returns 0, an error of the ROM
 * session (ARBOR_E_DENIED: there is none) or ARBOR_E_INVALID /
 * ARBOR_E_TOO_LARGE (not a well-formed config; logged).
 */
int config_open(struct config *cfg, struct arbor_env *env);

void config_close(struct config *cfg);

/*
 * The report a ROM session labeled label reads: the report attribute of
 * its policy (policy_select() rules) copied into name. Returns 0, or
 * ARBOR_E_DENIED after logging why (Genode's "no policy defined for label
 * '…'", or a policy without report attribute) or ARBOR_E_TOO_LARGE.
 */
int config_report_for(const struct config *cfg, const char *label, char *name, size_t size);

#endif
