/*
 * The inside of ext_fs's io manager (ext_io.h): its state, and the paths a
 * request takes through the cache or straight to the device (io_path.c).
 * ext_io.c turns libext2fs's channel calls into these.
 */
#ifndef EXT_FS_IO_PATH_H
#define EXT_FS_IO_PATH_H

#include <stddef.h>
#include <stdint.h>
#include "ext_io.h"
#include "io_cache.h"

#define DIRECT_MIN     (64u * 1024)     /* bytes from which a request bypasses the cache */
#define STAGE_BYTES    (256u * 1024)    /* the largest read-ahead and write-back cluster */
#define READ_AHEAD_MIN 4u               /* units fetched on the second sequential miss */
#define RUNS_MAX       64u              /* direct runs in flight together */
#define TRIMS_MAX      256u             /* pending discards; more are dropped (advisory) */
#define SUPER_OFFSET   1024u            /* the primary superblock's bytes on the device */
#define SUPER_SIZE     1024u

struct trim {
	uint64_t block, count;     /* device blocks */
};

struct ext_io {
	struct dev *dev;
	struct io_cache cache;
	size_t unit;                       /* bytes of a cache unit */
	uint32_t unit_blocks;              /* device blocks per unit */
	uint64_t units;                    /* units of the device, the last maybe partial */
	uint64_t dev_bytes;
	size_t stage_units;                /* the longest fetch or write-back */
	unsigned char *stage, *wbuf, *sbuf;
	size_t sbuf_len;
	struct io_cache_entry **dirty_list;
	uint64_t ra_next;                  /* the unit after the last fetch */
	size_t ra_units;                   /* the current read-ahead window */
	int clean;                         /* no device write since the last flush */
	ext_io_unclean_fn unclean;
	void *unclean_arg;
	int discard;                       /* discards are queued (the device trims) */
	struct trim trims[TRIMS_MAX];      /* queued until the next flush */
	size_t ntrims;
	struct struct_io_stats stats;
};

/*
 * The request paths. Offsets and lengths are bytes of the device; each
 * returns 0 or a negative errno (-EROFS: a write to a read-only device).
 */
int io_path_read(struct ext_io *io, uint64_t off, size_t len, unsigned char *buf);
int io_path_write(struct ext_io *io, uint64_t off, size_t len, const unsigned char *buf);
/* Bring unit u and the uncached ones up to last into the cache (read_ahead: grow a window). */
int io_path_fetch(struct ext_io *io, uint64_t u, uint64_t last, int read_ahead);
/* Write everything back in order and make it durable, then send the pending trims. */
int io_path_flush(struct ext_io *io);
/* Queue a trim of device blocks [first, last) for after the next flush. */
void io_path_discard(struct ext_io *io, uint64_t first, uint64_t last);
/* Many ranges together, their whole units straight to or from the device. */
int io_path_read_runs(struct ext_io *io, const struct ext_io_run *runs, size_t n);
int io_path_write_runs(struct ext_io *io, const struct ext_io_run *runs, size_t n);
/* See ext_io_write_super(). */
int io_path_write_super(struct ext_io *io, const void *sb);

#endif
