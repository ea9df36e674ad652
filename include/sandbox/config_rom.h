/*
 * A component's config ROM as servers read it: the ROM session "config",
 * parsed as XML and read again whenever it changes. A new version takes
 * effect only when it is well-formed and passes the component's own check;
 * otherwise the previous config stays in force, so a typo in a reconfigured
 * server does not take down its running service.
 */
#ifndef SANDBOX_CONFIG_ROM_H
#define SANDBOX_CONFIG_ROM_H

#include <arbor/env.h>
#include <arbor/rom.h>
#include <sandbox/xml.h>

struct config_rom;

/*
 * Decide whether new_root, a freshly parsed config (borrowed), may replace
 * the current one. Must not change any state: the config may still be
 * rejected. Returns 0 to accept it, or a negative error after logging what
 * is wrong (config:LINE:COL, see xml_node_line()).
 */
typedef int (*config_rom_check_fn)(const struct config_rom *cr,
                                   const struct xml_node *new_root);

/* cr->root is now the new config: take the values the component caches from it. */
typedef void (*config_rom_applied_fn)(struct config_rom *cr);

/*
 * Embed in the component's config struct; the callbacks recover it with
 * container_of().
 */
struct config_rom {
	struct xml_node *root;          /* the config in force, checked; NULL before the first */
	/* private */
	struct arbor_rom rom;
	config_rom_check_fn check;
	config_rom_applied_fn applied;
};

/*
 * Open the ROM "config", read, parse and check it, and watch it: on every
 * change it is read again, and a version that does not parse or pass check
 * is logged and leaves the previous one in force ("keeping the previous
 * config"). check and applied may be NULL (any well-formed config is taken;
 * nothing is cached). Both run on the entrypoint, applied after every
 * accepted version including the first.
 *
 * Returns 0, an error of the ROM session (ARBOR_E_DENIED: there is none),
 * ARBOR_E_INVALID / ARBOR_E_TOO_LARGE / ARBOR_E_OUT_OF_RAM (the config does
 * not parse; logged with its position) or the error check returned. On
 * error nothing stays open.
 */
int config_rom_open(struct config_rom *cr, struct arbor_env *env, config_rom_check_fn check,
                    config_rom_applied_fn applied);

/* Close the ROM session and free the config in force. */
void config_rom_close(struct config_rom *cr);

/*
 * Log "config:LINE:COL: ATTR="VALUE" WHY" for node's attribute attr (a
 * check function's answer to a bad value) and return ARBOR_E_INVALID.
 */
int config_attr_error(const struct xml_node *node, const char *attr, const char *why);

#endif
