/* The ROM client: the session, its content mapped, its changes signalled. */
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/rom.h>
#include <arbor/rpc.h>
#include <session/rom.h>

static void changed(struct arbor_signal_handler *sh, uint64_t count)
{
	struct arbor_rom *rom = container_of(sh, struct arbor_rom, changed);

	rom->fn(rom);
}

int arbor_rom_refresh(struct arbor_rom *rom)
{
	void *addr;
	size_t size;
	int err = arbor_ds_attach_from_call(rom->conn.cap, ARBOR_ROM_DATASPACE, ARBOR_DS_READ, 0,
	                                    &addr, &size);

	if (err)
		return err;
	if (rom->addr)
		arbor_ds_detach(rom->addr, rom->size);
	rom->addr = addr;
	rom->size = size;
	rom->text = addr;
	rom->len = strnlen(addr, size);
	return 0;
}

int arbor_rom_open(struct arbor_env *env, struct arbor_rom *rom, const char *label,
                   arbor_rom_fn fn)
{
	struct arbor_msg reply;
	struct arbor_cap *sigh;
	int err;

	memset(rom, 0, sizeof(*rom));
	rom->env = env;
	rom->fn = fn;
	rom->text = "";
	err = arbor_connection_open(env, &rom->conn, ARBOR_ROM_SERVICE, label, ARBOR_ROM_SESSION_RAM,
	                            ARBOR_ROM_SESSION_CAPS, NULL);
	if (err)
		return err;
	if (fn) {
		err = arbor_signal_handler_init(&rom->changed, env->ep, changed);
		if (err)
			goto fail;
		sigh = arbor_signal_handler_cap(&rom->changed);
		err = arbor_rpc_call(rom->conn.cap, ARBOR_ROM_SIGH, NULL, 0, &sigh, 1, &reply);
		arbor_msg_release(&reply);
		if (err < 0)
			goto fail_handler;
	}
	err = arbor_rom_refresh(rom);
	if (err)
		goto fail_handler;
	return 0;

fail_handler:
	if (fn)
		arbor_signal_handler_fini(&rom->changed);
fail:
	arbor_connection_close(env, &rom->conn);
	return err < 0 ? err : ARBOR_E_BAD_MESSAGE;
}

void arbor_rom_close(struct arbor_rom *rom)
{
	if (rom->fn)
		arbor_signal_handler_fini(&rom->changed);
	if (rom->addr)
		arbor_ds_detach(rom->addr, rom->size);
	arbor_connection_close(rom->env, &rom->conn);
	memset(rom, 0, sizeof(*rom));
	rom->text = "";
}
