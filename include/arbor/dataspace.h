/*
 * Dataspaces: shared memory objects allocated from a PD session and paid
 * from its RAM quota (see session/pd.h). A dataspace's size is fixed (core
 * seals it against growing and shrinking); a read-only holder's fd is
 * O_RDONLY, so it can map the memory but never write it.
 */
#ifndef ARBOR_DATASPACE_H
#define ARBOR_DATASPACE_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/cap.h>

enum {
	ARBOR_DS_READ  = 0,
	ARBOR_DS_WRITE = 1,   /* map writeable; fails with -EACCES on a read-only cap */
};

/* The dataspace's size in bytes. Returns 0 or ARBOR_E_INVALID_CAP. */
int arbor_ds_size(struct arbor_cap *ds, size_t *size);

/* Non-zero when the holder may write the dataspace. */
int arbor_ds_writeable(struct arbor_cap *ds);

/*
 * Map the whole dataspace (shared). On success *addr and *size describe the
 * mapping; the mapping stays valid after the cap is dropped, until
 * arbor_ds_detach(). Returns 0, ARBOR_E_INVALID_CAP, -EACCES or -ENOMEM.
 */
int arbor_ds_attach(struct arbor_cap *ds, int flags, void **addr, size_t *size);

/*
 * Map the dataspace a session hands out for shared buffers: call opcode
 * (no arguments) on session (borrowed), map the dataspace the reply
 * carries with flags and drop its cap, as the mapping outlives it. A
 * mapping smaller than min_size bytes is a server breaking its protocol
 * and is refused. On success *addr and *size describe the mapping (release
 * it with arbor_ds_detach()); on error both are cleared. Returns 0, the
 * error of the call (see arbor_rpc_call() and the session's header),
 * ARBOR_E_BAD_MESSAGE (the reply carries no cap, or the dataspace is
 * smaller than min_size) or an error of arbor_ds_attach().
 */
int arbor_ds_attach_from_call(struct arbor_cap *session, uint32_t opcode, int flags,
                              size_t min_size, void **addr, size_t *size);

/* Unmap what arbor_ds_attach() mapped. */
int arbor_ds_detach(void *addr, size_t size);

#endif
