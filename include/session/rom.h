/*
 * ROM session: a read-only module. Core serves the files of the scenario's
 * ROM directories; the module name is the last element of the session
 * label. The content is a sealed memfd: no holder can change it.
 */
#ifndef ARBOR_SESSION_ROM_H
#define ARBOR_SESSION_ROM_H

#include <stdint.h>

#define ARBOR_ROM_SERVICE      "ROM"
#define ARBOR_ROM_SESSION_RAM  (4u * 1024)
#define ARBOR_ROM_SESSION_CAPS 1u
#define ARBOR_ROM_NAME_MAX     128u

enum arbor_rom_op {
	/* dataspace() -> cap: read-only dataspace holding the module */
	ARBOR_ROM_DATASPACE = 0,
	/* sigh(cap: signal context): notified when the module changes */
	ARBOR_ROM_SIGH,
	/* update() -> struct arbor_rom_update: changed=0 when the content is current */
	ARBOR_ROM_UPDATE,
	ARBOR_ROM_NOPS
};

struct arbor_rom_update {
	uint32_t changed;
};

#endif
