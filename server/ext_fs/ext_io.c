/*
 * The io manager libext2fs reads and writes ext_fs's device through: a
 * write-back cache with read-ahead, direct device access for large
 * requests, ordered flushes and deferred discards (see ext_io.h).
 *
 * libext2fs addresses the channel in its current block size (which it
 * switches, e.g. to 1024 around superblock writes); the cache works in
 * bytes of the device, so a size switch needs no flush.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "ext_io.h"
#include "io_cache.h"
#include "io_path.h"

static struct dev *attached_dev;
static struct ext_io_params attached_params;

/* Our errors are negative errno values; libext2fs takes errno values as errcodes. */
static errcode_t errcode_of(int err)
{
	return err ? (errcode_t)-err : 0;
}

/* ---- the manager's operations ----------------------------------------- */

static struct ext_io *io_of(io_channel ch)
{
	return ch->private_data;
}

static void io_free(struct ext_io *io)
{
	io_cache_fini(&io->cache);
	free(io->stage);
	free(io->wbuf);
	free(io->sbuf);
	free(io->dirty_list);
	free(io);
}

static errcode_t io_setup(struct ext_io *io, struct dev *dev, const struct ext_io_params *p)
{
	uint32_t first, last;
	struct io_cache_entry *e0;
	int err;

	io->dev = dev;
	io->unit = dev->block_size > 4096 ? dev->block_size : 4096;
	io->unit_blocks = io->unit / dev->block_size;
	io->dev_bytes = dev->block_count * dev->block_size;
	io->units = (dev->block_count + io->unit_blocks - 1) / io->unit_blocks;
	if (io->dev_bytes < SUPER_OFFSET + SUPER_SIZE)
		return EXT2_ET_SHORT_READ;
	err = io_cache_init(&io->cache, io->unit, p->cache_bytes ? p->cache_bytes
	                                                         : EXT_IO_CACHE_DEFAULT);
	if (err)
		return errcode_of(err);
	io->stage_units = STAGE_BYTES / io->unit;
	if (io->stage_units > io->cache.count / 2)
		io->stage_units = io->cache.count / 2;
	if (io->stage_units < 1)
		io->stage_units = 1;
	first = SUPER_OFFSET / dev->block_size;
	last = (SUPER_OFFSET + SUPER_SIZE - 1) / dev->block_size;
	io->sbuf_len = (size_t)(last - first + 1) * dev->block_size;
	io->stage = malloc(io->stage_units * io->unit);
	io->wbuf = malloc(io->stage_units * io->unit);
	io->sbuf = malloc(io->sbuf_len);
	io->dirty_list = calloc(io->cache.count, sizeof(*io->dirty_list));
	if (!io->stage || !io->wbuf || !io->sbuf || !io->dirty_list)
		return EXT2_ET_NO_MEMORY;
	io->discard = p->discard && dev->ops->trim;
	io->clean = 1;
	io->stats.num_fields = 2;
	/* the superblock's unit stays cached: the unclean hook and every flush need it */
	err = io_path_fetch(io, 0, 0, 0);
	if (err)
		return errcode_of(err);
	e0 = io_cache_find(&io->cache, 0);
	e0->pinned = 1;
	return 0;
}

static errcode_t op_open(const char *name, int flags, io_channel *out)
{
	io_channel ch = NULL;
	struct ext_io *io = NULL;
	errcode_t rc;

	*out = NULL;
	if (!attached_dev || !name)
		return EXT2_ET_BAD_DEVICE_NAME;
	ch = calloc(1, sizeof(*ch));
	io = calloc(1, sizeof(*io));
	if (!ch || !io) {
		free(ch);
		free(io);
		return EXT2_ET_NO_MEMORY;
	}
	rc = io_setup(io, attached_dev, &attached_params);
	if (!rc && (flags & IO_FLAG_RW) && !attached_dev->writeable)
		rc = EXT2_ET_RO_FILSYS;
	if (rc) {
		io_free(io);
		free(ch);
		return rc;
	}
	attached_dev = NULL;
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = ext_io_manager;
	ch->name = strdup(name);
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = io;
	ch->align = 0;
	*out = ch;
	return 0;
}

static errcode_t op_close(io_channel ch)
{
	struct ext_io *io = io_of(ch);
	int err = 0;

	if (--ch->refcount > 0)
		return 0;
	if (io->cache.dirty || !io->clean)
		err = io_path_flush(io);
	io_free(io);
	free(ch->name);
	free(ch);
	return errcode_of(err);
}

static errcode_t op_set_blksize(io_channel ch, int blksize)
{
	if (blksize <= 0)
		return EXT2_ET_INVALID_ARGUMENT;
	ch->block_size = blksize;
	return 0;
}

/* A request in the channel's block size (count < 0: -count bytes) as bytes. */
static errcode_t range_of(io_channel ch, unsigned long long block, int count,
                          uint64_t *off, size_t *len)
{
	struct ext_io *io = io_of(ch);

	*off = (uint64_t)block * ch->block_size;
	*len = count < 0 ? (size_t)-(long)count : (size_t)count * ch->block_size;
	if (*off > io->dev_bytes || *len > io->dev_bytes - *off)
		return EXT2_ET_LLSEEK_FAILED;
	return 0;
}

static errcode_t op_read_blk64(io_channel ch, unsigned long long block, int count, void *data)
{
	uint64_t off;
	size_t len;
	errcode_t rc = range_of(ch, block, count, &off, &len);

	if (rc)
		return rc;
	return len ? errcode_of(io_path_read(io_of(ch), off, len, data)) : 0;
}

static errcode_t op_write_blk64(io_channel ch, unsigned long long block, int count,
                                const void *data)
{
	uint64_t off;
	size_t len;
	errcode_t rc = range_of(ch, block, count, &off, &len);

	if (rc)
		return rc;
	return len ? errcode_of(io_path_write(io_of(ch), off, len, data)) : 0;
}

static errcode_t op_read_blk(io_channel ch, unsigned long block, int count, void *data)
{
	return op_read_blk64(ch, block, count, data);
}

static errcode_t op_write_blk(io_channel ch, unsigned long block, int count, const void *data)
{
	return op_write_blk64(ch, block, count, data);
}

static errcode_t op_flush(io_channel ch)
{
	return errcode_of(io_path_flush(io_of(ch)));
}

/*
 * Queue the device blocks wholly inside the range; they are trimmed after
 * the next flush has put the frees that led here on the device (trimming
 * earlier could wipe what the image on the device still refers to).
 */
static errcode_t op_discard(io_channel ch, unsigned long long block, unsigned long long count)
{
	struct ext_io *io = io_of(ch);
	uint64_t bs = io->dev->block_size;
	uint64_t off = (uint64_t)block * ch->block_size, end = off + count * ch->block_size;
	uint64_t first = (off + bs - 1) / bs, last = end / bs;

	if (!io->discard)
		return EXT2_ET_UNIMPLEMENTED;
	if (end > io->dev_bytes || end < off)
		return EXT2_ET_INVALID_ARGUMENT;
	if (last > first)
		io_path_discard(io, first, last);
	return 0;
}

static errcode_t op_cache_readahead(io_channel ch, unsigned long long block,
                                    unsigned long long count)
{
	struct ext_io *io = io_of(ch);
	uint64_t off = (uint64_t)block * ch->block_size, len = count * ch->block_size, u;

	if (!count || off >= io->dev_bytes)
		return 0;
	if (len > io->dev_bytes - off)
		len = io->dev_bytes - off;
	for (u = off / io->unit; u <= (off + len - 1) / io->unit; u++) {
		if (!io_cache_find(&io->cache, u)) {
			int err = io_path_fetch(io, u, (off + len - 1) / io->unit, 0);

			if (err)
				return errcode_of(err);
		}
	}
	return 0;
}

static errcode_t op_get_stats(io_channel ch, io_stats *stats)
{
	*stats = &io_of(ch)->stats;
	return 0;
}

static struct struct_io_manager manager = {
	.magic           = EXT2_ET_MAGIC_IO_MANAGER,
	.name            = "Arbor Block io manager",
	.open            = op_open,
	.close           = op_close,
	.set_blksize     = op_set_blksize,
	.read_blk        = op_read_blk,
	.write_blk       = op_write_blk,
	.flush           = op_flush,
	.get_stats       = op_get_stats,
	.read_blk64      = op_read_blk64,
	.write_blk64     = op_write_blk64,
	.discard         = op_discard,
	.cache_readahead = op_cache_readahead,
};

io_manager ext_io_manager = &manager;

const char *ext_io_attach(struct dev *dev, const struct ext_io_params *params)
{
	static const struct ext_io_params none;

	attached_dev = dev;
	attached_params = params ? *params : none;
	return "ext_io";
}

void ext_io_set_unclean_hook(io_channel ch, ext_io_unclean_fn fn, void *arg)
{
	io_of(ch)->unclean = fn;
	io_of(ch)->unclean_arg = arg;
}

errcode_t ext_io_write_super(io_channel ch, const void *sb)
{
	return errcode_of(io_path_write_super(io_of(ch), sb));
}

errcode_t ext_io_read_runs(io_channel ch, const struct ext_io_run *runs, size_t n)
{
	int err = io_path_read_runs(io_of(ch), runs, n);

	return err == -EINVAL ? EXT2_ET_LLSEEK_FAILED : errcode_of(err);
}

errcode_t ext_io_write_runs(io_channel ch, const struct ext_io_run *runs, size_t n)
{
	int err = io_path_write_runs(io_of(ch), runs, n);

	return err == -EINVAL ? EXT2_ET_LLSEEK_FAILED : errcode_of(err);
}

size_t ext_io_unit_size(io_channel ch)
{
	return io_of(ch)->unit;
}
