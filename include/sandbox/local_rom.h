/*
 * A ROM module served by this component itself, whose content may change:
 * init serves each child's inline <config> this way. Each update replaces
 * the dataspace and signals every session's handler; a session's UPDATE
 * then reports the change once.
 */
#ifndef SANDBOX_LOCAL_ROM_H
#define SANDBOX_LOCAL_ROM_H

#include <stddef.h>
#include <arbor/cap.h>
#include <arbor/env.h>

struct local_rom;

/* A module with empty content. Returns 0 or -ENOMEM. */
int local_rom_new(struct arbor_env *env, struct local_rom **out);

/* Free the module and revoke its sessions (their clients see "object gone"). */
void local_rom_free(struct local_rom *rom);

/*
 * Replace the content with text[0..len) (NUL-terminated in the
 * dataspace) and signal the sessions. Identical content changes nothing.
 * Returns 0 or an allocation error (the old content stays).
 */
int local_rom_set(struct local_rom *rom, const char *text, size_t len);

/* A new session: *cap is a new reference. Returns 0, -ENOMEM or -EMFILE. */
int local_rom_session(struct local_rom *rom, struct arbor_cap **cap, void **handle);
void local_rom_session_close(struct local_rom *rom, void *handle);

#endif
