/*
 * ext_fs's device (server/ext_fs/dev.h) on a plain file, for the
 * host-side tests: pread/pwrite, fdatasync, punched holes for TRIM, and
 * counters and a write log that let a test check the io manager's order.
 */
#ifndef TEST_STORAGE_EXT_FILE_DEV_H
#define TEST_STORAGE_EXT_FILE_DEV_H

#include <stddef.h>
#include <stdint.h>
#include "dev.h"

#define EXT_FILE_DEV_LOG 4096

struct ext_file_dev {
	struct dev dev;
	int fd;
	unsigned long reads, writes, syncs, trims;
	uint64_t trimmed_blocks;
	/* every write and sync in order: block number, or UINT64_MAX for a sync */
	uint64_t log[EXT_FILE_DEV_LOG];
	size_t logged;
};

/*
 * Open path as a device of block_size-byte blocks (its size rounded
 * down); writeable opens it for writing. Returns 0 or -errno.
 */
int ext_file_dev_open(struct ext_file_dev *fd, const char *path, uint32_t block_size,
                      int writeable);
void ext_file_dev_close(struct ext_file_dev *fd);

#endif
