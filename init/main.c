/*
 * init: reads its configuration from the ROM "config", hands it to the
 * sandbox engine, and applies every new version of it. Its exit is a
 * child's when that child says <exit propagate="yes"/>.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/connection.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <sandbox/sandbox.h>
#include <session/rom.h>

struct init {
	struct arbor_env *env;
	struct sandbox *sandbox;
	struct arbor_connection config;
	struct arbor_signal_handler config_changed;
};

static struct init init;

static int rom_sigh(struct arbor_cap *rom, struct arbor_cap *sigh)
{
	struct arbor_cap *caps[1] = { sigh };
	struct arbor_msg reply;
	int err = arbor_rpc_call(rom, ARBOR_ROM_SIGH, NULL, 0, caps, 1, &reply);

	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

/* Map the config ROM's current content and apply it. */
static void apply_config(struct init *in)
{
	struct arbor_cap *ds;
	void *addr;
	size_t size;
	int err = arbor_rom_dataspace(in->config.cap, &ds);

	if (!err) {
		err = arbor_ds_attach(ds, ARBOR_DS_READ, &addr, &size);
		arbor_cap_unref(ds);
	}
	if (err) {
		arbor_error("cannot read the config ROM: %s", arbor_strerror(err));
		return;
	}
	/* the content ends at its first NUL, if any */
	sandbox_apply_config(in->sandbox, addr, strnlen(addr, size), "config");
	arbor_ds_detach(addr, size);
}

static void config_changed(struct arbor_signal_handler *sh, uint64_t count)
{
	apply_config(&init);
}

static void child_exit(struct sandbox *sb, int code)
{
	sandbox_free(init.sandbox);
	init.sandbox = NULL;
	arbor_exit(init.env, code);
}

static const struct sandbox_hooks hooks = { .exit = child_exit };

void component_construct(struct arbor_env *env)
{
	int err;

	init.env = env;
	err = arbor_connection_open(env, &init.config, "ROM", "config", ARBOR_ROM_SESSION_RAM,
	                            ARBOR_ROM_SESSION_CAPS, NULL);
	if (err) {
		arbor_error("init has no config ROM: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	if ((err = sandbox_new(env, &hooks, &init.sandbox)) ||
	    (err = arbor_signal_handler_init(&init.config_changed, env->ep, config_changed)) ||
	    (err = rom_sigh(init.config.cap, arbor_signal_handler_cap(&init.config_changed)))) {
		arbor_error("init cannot start: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	apply_config(&init);
}
