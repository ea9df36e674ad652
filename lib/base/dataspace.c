/* Dataspaces: mapping shared memory a capability refers to, or a session hands out. */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include "internal.h"

int arbor_ds_size(struct arbor_cap *ds, size_t *size)
{
	struct stat st;

	*size = 0;
	if (!ds || ds->kind != ARBOR_CAP_DATASPACE || fstat(ds->fd, &st) < 0)
		return ARBOR_E_INVALID_CAP;
	*size = (size_t)st.st_size;
	return 0;
}

int arbor_ds_writeable(struct arbor_cap *ds)
{
	int fl;

	if (!ds || ds->kind != ARBOR_CAP_DATASPACE)
		return 0;
	fl = fcntl(ds->fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR)
		return 0;
	/* a write-sealed memfd (a ROM) cannot be written either */
	int seals = fcntl(ds->fd, F_GET_SEALS);
	return seals < 0 || !(seals & F_SEAL_WRITE);
}

int arbor_ds_attach(struct arbor_cap *ds, int flags, void **addr, size_t *size)
{
	int prot = PROT_READ;
	size_t len;
	void *p;
	int err;

	*addr = NULL;
	*size = 0;
	err = arbor_ds_size(ds, &len);
	if (err)
		return err;
	if (!len)
		return ARBOR_E_INVALID;
	if (flags & ARBOR_DS_WRITE)
		prot |= PROT_WRITE;
	p = mmap(NULL, len, prot, MAP_SHARED, ds->fd, 0);
	if (p == MAP_FAILED)
		return errno == EACCES || errno == EPERM ? -EACCES : -errno;
	*addr = p;
	*size = len;
	return 0;
}

int arbor_ds_attach_from_call(struct arbor_cap *session, uint32_t opcode, int flags,
                              size_t min_size, void **addr, size_t *size)
{
	struct arbor_cap *ds;
	int err;

	*addr = NULL;
	*size = 0;
	err = rpc_call_for_cap(session, opcode, NULL, 0, NULL, 0, &ds);
	if (err)
		return err;
	err = arbor_ds_attach(ds, flags, addr, size);
	arbor_cap_unref(ds);
	if (!err && *size < min_size) {
		arbor_ds_detach(*addr, *size);
		*addr = NULL;
		*size = 0;
		err = ARBOR_E_BAD_MESSAGE;
	}
	return err;
}

int arbor_ds_detach(void *addr, size_t size)
{
	return munmap(addr, size) < 0 ? -errno : 0;
}
