/*
 * Dataspaces: shared memory objects allocated from a PD session and paid
 * from its RAM quota (see session/pd.h). A dataspace's size is fixed (core
 * seals it against growing and shrinking); a read-only holder's fd is
 * O_RDONLY, so it can map the memory but never write it.
 */
#ifndef ARBOR_DATASPACE_H
#define ARBOR_DATASPACE_H

#include <stddef.h>
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

/* Unmap what arbor_ds_attach() mapped. */
int arbor_ds_detach(void *addr, size_t size);

#endif
