/*
 * report_rom: provides Report and ROM, so that reports of one component
 * become ROM modules of others, as its config's policies say.
 */
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "report_rom.h"

static struct report_rom report_rom;

void component_construct(struct arbor_env *env)
{
	int err;

	report_rom.env = env;
	err = config_open(&report_rom.config, env);
	if (err) {
		arbor_error("report_rom: no usable config: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	err = registry_init(&report_rom.registry, env);
	if (!err)
		err = report_service_announce(&report_rom);
	if (!err)
		err = rom_service_announce(&report_rom);
	if (err) {
		arbor_error("report_rom: cannot provide its services: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
}
