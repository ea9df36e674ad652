/*
 * A libext2fs io manager on a struct dev (dev.h): what libext2fs reads and
 * writes goes through a write-back cache with read-ahead, large requests
 * go to the device directly, flush writes back and makes it durable, and
 * discard becomes a TRIM issued only after the next flush.
 *
 * Write order: the unit holding the primary superblock (bytes 1024..2047)
 * is written last, after a device sync, at every flush. Before the first
 * other device write after a flush the io manager calls the owner's
 * unclean hook, which writes a superblock marked "not clean" through
 * ext_io_write_super(). So a crash between two flushes leaves an image
 * that says it needs checking, and one after a flush a clean image.
 */
#ifndef EXT_FS_EXT_IO_H
#define EXT_FS_EXT_IO_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>
#include "dev.h"

struct ext_io_params {
	size_t cache_bytes;      /* 0: EXT_IO_CACHE_DEFAULT */
	int discard;             /* pass discards on as TRIM */
};

#define EXT_IO_CACHE_DEFAULT (8u << 20)

/* The manager; open it by the name ext_io_attach() returns. */
extern io_manager ext_io_manager;

/*
 * Make dev (borrowed; it must outlive the channel) the device of the next
 * channel ext_io_manager opens, and return the name to open it by.
 */
const char *ext_io_attach(struct dev *dev, const struct ext_io_params *params);

typedef int (*ext_io_unclean_fn)(void *arg);

/*
 * Install the hook that marks the on-disk superblock "not clean" (see
 * above). It runs before the first device write after a flush; a failure
 * fails that write.
 */
void ext_io_set_unclean_hook(io_channel ch, ext_io_unclean_fn fn, void *arg);

/*
 * Write sb (1024 bytes, the primary superblock as it should be on the
 * device now) straight to the device and sync, leaving the cached copy (the
 * one the next flush writes) alone. For the unclean hook. 0 or an errcode.
 */
errcode_t ext_io_write_super(io_channel ch, const void *sb);

/* A byte range of the device and the memory it moves to or from. */
struct ext_io_run {
	uint64_t offset;
	size_t len;
	void *buf;
};

/*
 * Read n runs, each in as few device requests as possible and all in
 * flight together; units the cache holds newer are taken from it. The
 * runs must not overlap. 0 or an errcode.
 */
errcode_t ext_io_read_runs(io_channel ch, const struct ext_io_run *runs, size_t n);
/*
 * Write n runs: whole units straight to the device, all in flight together
 * (their cached copies updated), the rest through the cache. For file data
 * whose blocks are allocated already. 0 or an errcode.
 */
errcode_t ext_io_write_runs(io_channel ch, const struct ext_io_run *runs, size_t n);

/* Bytes of the cache units: a request of at least this much may bypass the cache. */
size_t ext_io_unit_size(io_channel ch);

#endif
