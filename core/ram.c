/*
 * Memory objects: dataspaces are memfds sealed against growing and
 * shrinking (a holder must not pull memory out from under another's
 * mapping); read-only capabilities are O_RDONLY files of the same memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arbor/error.h>
#include "core.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

size_t ram_round(size_t size)
{
	return (size + 4095) & ~(size_t)4095;
}

int ram_alloc(size_t size, const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)ram_round(size)) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int ram_reopen_read_only(int fd)
{
	char path[64];
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	return ro < 0 ? -errno : ro;
}
