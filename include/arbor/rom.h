/*
 * A ROM module as its client sees it: the session, the content mapped
 * read-only, and a handler that runs on the entrypoint when the module
 * changes (a component's config, a report read back). Most components
 * read their config this way.
 */
#ifndef ARBOR_ROM_H
#define ARBOR_ROM_H

#include <stddef.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <arbor/signal.h>

struct arbor_rom;

/* The module changed; call arbor_rom_refresh() to see the new content. */
typedef void (*arbor_rom_fn)(struct arbor_rom *rom);

struct arbor_rom {
	const char *text;            /* the content up to its first NUL (not terminated otherwise) */
	size_t len;
	/* private */
	struct arbor_env *env;
	struct arbor_connection conn;
	void *addr;
	size_t size;
	struct arbor_signal_handler changed;
	arbor_rom_fn fn;
};

/*
 * Open the ROM session labelled label (e.g. "config") and map its content;
 * with fn, also watch it for changes. Returns 0 or the error of the
 * session, the mapping or the signal registration.
 */
int arbor_rom_open(struct arbor_env *env, struct arbor_rom *rom, const char *label,
                   arbor_rom_fn fn);

/* Map the current content (after a change). Returns 0 or an error; the old content then stays. */
int arbor_rom_refresh(struct arbor_rom *rom);

void arbor_rom_close(struct arbor_rom *rom);

#endif
