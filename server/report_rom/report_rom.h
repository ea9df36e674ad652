/*
 * report_rom's state, shared by its two services: the config, the module
 * registry, and the roots of Report (report_service.c) and ROM
 * (rom_service.c).
 */
#ifndef REPORT_ROM_H
#define REPORT_ROM_H

#include <arbor/env.h>
#include <arbor/root.h>
#include "config.h"
#include "registry.h"

/*
 * What a ROM session costs report_rom: its state. A client donates
 * ARBOR_ROM_SESSION_RAM (4 KiB), so one parent on the way (which keeps
 * ARBOR_SESSION_STATE_RAM) still leaves enough.
 */
#define REPORT_ROM_ROM_SESSION_COST 2048u

struct report_rom {
	struct arbor_env *env;
	struct config config;
	struct registry registry;
	struct arbor_root report_root, rom_root;
};

/* Announce the Report service. Returns 0 or an error of arbor_root_announce(). */
int report_service_announce(struct report_rom *rr);

/* Announce the ROM service. Returns 0 or an error of arbor_root_announce(). */
int rom_service_announce(struct report_rom *rr);

#endif
