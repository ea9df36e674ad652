/*
 * Client side of the PD and ROM sessions (operations and errors are
 * documented in session/pd.h and session/rom.h).
 */
#ifndef ARBOR_PD_H
#define ARBOR_PD_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/cap.h>
#include <session/pd.h>

int arbor_pd_ref_account(struct arbor_cap *pd, struct arbor_cap *ref);
int arbor_pd_transfer_quota(struct arbor_cap *from, struct arbor_cap *to, uint64_t ram, uint64_t caps);
/* A new writeable dataspace of size bytes; *ds is owned by the caller. */
int arbor_pd_alloc_ram(struct arbor_cap *pd, size_t size, struct arbor_cap **ds);
int arbor_pd_free_ram(struct arbor_cap *pd, struct arbor_cap *ds);
int arbor_pd_quota(struct arbor_cap *pd, struct arbor_pd_quota *q);
int arbor_pd_read_only(struct arbor_cap *pd, struct arbor_cap *ds, struct arbor_cap **ro);
/*
 * Run binary (a dataspace, or a ROM session of core's) in pd; argv, parent,
 * cpu and exit_sigh may be NULL. exit_sigh is registered as with
 * arbor_pd_exit_sigh(), in the same call.
 */
int arbor_pd_start(struct arbor_cap *pd, struct arbor_cap *binary, struct arbor_cap *parent,
                   struct arbor_cap *cpu, struct arbor_cap *exit_sigh, const char *const *argv);
int arbor_pd_exit_sigh(struct arbor_cap *pd, struct arbor_cap *sigh);
int arbor_pd_exit_state(struct arbor_cap *pd, struct arbor_pd_exit_state *st);

/* The ROM's content as a read-only dataspace; *ds is owned by the caller. */
int arbor_rom_dataspace(struct arbor_cap *rom, struct arbor_cap **ds);

#endif
