/*
 * The paths of ext_fs's io manager (io_path.h): reads through the cache
 * with read-ahead, write-back with clustering, direct device access for
 * whole units of large requests, the ordered flush and deferred trims.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "io_path.h"

/* ---- device access ---------------------------------------------------- */

static uint64_t unit_first_block(const struct ext_io *io, uint64_t u)
{
	return u * io->unit_blocks;
}

/* Device blocks of units [u, u + n), clipped at the end of the device. */
static uint64_t units_blocks(const struct ext_io *io, uint64_t u, uint64_t n)
{
	uint64_t first = unit_first_block(io, u), end = unit_first_block(io, u + n);

	if (end > io->dev->block_count)
		end = io->dev->block_count;
	return end > first ? end - first : 0;
}

static int raw_read(struct ext_io *io, uint64_t block, uint64_t count, void *buf)
{
	struct dev_run run = { block, count, buf };

	io->stats.bytes_read += count * io->dev->block_size;
	return io->dev->ops->readv(io->dev->priv, &run, 1);
}

static int raw_write(struct ext_io *io, uint64_t block, uint64_t count, const void *buf)
{
	struct dev_run run = { block, count, (void *)buf };

	io->stats.bytes_written += count * io->dev->block_size;
	return io->dev->ops->writev(io->dev->priv, &run, 1);
}

/* A write makes pending discards of its blocks void: they hold data again. */
static void cancel_trims(struct ext_io *io, uint64_t block, uint64_t count)
{
	size_t i = 0;

	while (i < io->ntrims) {
		struct trim *t = &io->trims[i];
		uint64_t t_end = t->block + t->count, end = block + count;

		if (end <= t->block || t_end <= block) {
			i++;
			continue;
		}
		if (t->block < block && t_end > end && io->ntrims < TRIMS_MAX) {
			/* the write splits the discard in two */
			io->trims[io->ntrims++] = (struct trim){ end, t_end - end };
			t->count = block - t->block;
			i++;
		} else if (t->block < block) {
			t->count = block - t->block;
			i++;
		} else if (t_end > end) {
			t->count = t_end - end;
			t->block = end;
			i++;
		} else {
			io->trims[i] = io->trims[--io->ntrims];
		}
	}
}

/*
 * Every device write but the superblock unit's at a flush: the first one
 * after a flush lets the owner mark the image unclean before anything
 * else changes on the device.
 */
static int dev_writev(struct ext_io *io, const struct dev_run *runs, size_t n)
{
	size_t i;

	if (io->clean) {
		io->clean = 0;
		if (io->unclean) {
			int err = io->unclean(io->unclean_arg);

			if (err) {
				io->clean = 1;
				return err;
			}
		}
	}
	for (i = 0; i < n; i++) {
		cancel_trims(io, runs[i].block, runs[i].count);
		io->stats.bytes_written += runs[i].count * io->dev->block_size;
	}
	return io->dev->ops->writev(io->dev->priv, runs, n);
}

static int dev_write(struct ext_io *io, uint64_t block, uint64_t count, const void *buf)
{
	struct dev_run run = { block, count, (void *)buf };

	return dev_writev(io, &run, 1);
}

static int units_read(struct ext_io *io, uint64_t u, uint64_t n, unsigned char *buf)
{
	uint64_t blocks = units_blocks(io, u, n);
	size_t bytes = blocks * io->dev->block_size;

	if (bytes < n * io->unit)
		memset(buf + bytes, 0, n * io->unit - bytes);
	return blocks ? raw_read(io, unit_first_block(io, u), blocks, buf) : 0;
}

static int units_write(struct ext_io *io, uint64_t u, uint64_t n, const unsigned char *buf)
{
	uint64_t blocks = units_blocks(io, u, n);

	return blocks ? dev_write(io, unit_first_block(io, u), blocks, buf) : 0;
}

/* ---- the cache -------------------------------------------------------- */

/*
 * Write e back with the dirty units next to it, in one request. Unit 0
 * (the superblock's) is left to the flush, which writes it last.
 */
static int write_back_cluster(struct ext_io *io, struct io_cache_entry *e)
{
	uint64_t lo = e->unit, hi = e->unit, u;
	struct io_cache_entry *n;
	int err;

	while (hi - lo + 1 < io->stage_units && lo > 1 &&
	       (n = io_cache_find(&io->cache, lo - 1)) && n->dirty)
		lo--;
	while (hi - lo + 1 < io->stage_units && hi + 1 < io->units &&
	       (n = io_cache_find(&io->cache, hi + 1)) && n->dirty)
		hi++;
	for (u = lo; u <= hi; u++)
		memcpy(io->wbuf + (u - lo) * io->unit, io_cache_find(&io->cache, u)->data, io->unit);
	err = units_write(io, lo, hi - lo + 1, io->wbuf);
	if (err)
		return err;
	for (u = lo; u <= hi; u++)
		io_cache_set_dirty(&io->cache, io_cache_find(&io->cache, u), 0);
	return 0;
}

/* A cache entry for unit u (not cached), its data undefined. */
static int new_entry(struct ext_io *io, uint64_t u, struct io_cache_entry **out)
{
	struct io_cache_entry *e = io_cache_victim(&io->cache);
	int err;

	*out = NULL;
	if (!e)
		return -ENOMEM;
	if (e->used && e->dirty) {
		err = write_back_cluster(io, e);
		if (err)
			return err;
	}
	io_cache_assign(&io->cache, e, u);
	*out = e;
	return 0;
}

/*
 * Bring unit u into the cache, and with it the uncached units up to last
 * (the rest of the request) and, when the misses run sequentially, a
 * growing read-ahead window, all in one device read.
 */
int io_path_fetch(struct ext_io *io, uint64_t u, uint64_t last, int read_ahead)
{
	uint64_t limit = u + io->stage_units, end = u + 1, ra_end, k;
	int err;

	if (limit > io->units)
		limit = io->units;
	while (end <= last && end < limit && !io_cache_find(&io->cache, end))
		end++;
	if (read_ahead) {
		if (u == io->ra_next && u)
			io->ra_units = io->ra_units ? io->ra_units * 2 : READ_AHEAD_MIN;
		else
			io->ra_units = 0;
		if (io->ra_units > io->stage_units)
			io->ra_units = io->stage_units;
		ra_end = end + io->ra_units < limit ? end + io->ra_units : limit;
		while (end < ra_end && !io_cache_find(&io->cache, end))
			end++;
		io->ra_next = end;
	}
	err = units_read(io, u, end - u, io->stage);
	if (err)
		return err;
	for (k = u; k < end; k++) {
		struct io_cache_entry *e;

		err = new_entry(io, k, &e);
		if (err)
			return err;
		memcpy(e->data, io->stage + (k - u) * io->unit, io->unit);
	}
	return 0;
}

static int cached_read(struct ext_io *io, uint64_t off, size_t len, unsigned char *buf)
{
	uint64_t last = (off + len - 1) / io->unit;

	while (len) {
		uint64_t u = off / io->unit;
		size_t in = off % io->unit, n = io->unit - in < len ? io->unit - in : len;
		struct io_cache_entry *e = io_cache_find(&io->cache, u);
		int err;

		if (!e) {
			err = io_path_fetch(io, u, last, 1);
			if (err)
				return err;
			e = io_cache_find(&io->cache, u);
		}
		memcpy(buf, e->data + in, n);
		io_cache_touch(&io->cache, e);
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int cached_write(struct ext_io *io, uint64_t off, size_t len, const unsigned char *buf)
{
	while (len) {
		uint64_t u = off / io->unit;
		size_t in = off % io->unit, n = io->unit - in < len ? io->unit - in : len;
		struct io_cache_entry *e = io_cache_find(&io->cache, u);
		int err;

		if (!e && n == io->unit && units_blocks(io, u, 1) == io->unit_blocks) {
			err = new_entry(io, u, &e);      /* overwritten whole: nothing to read */
			if (err)
				return err;
		} else if (!e) {
			err = io_path_fetch(io, u, u, 0);
			if (err)
				return err;
			e = io_cache_find(&io->cache, u);
		}
		memcpy(e->data + in, buf, n);
		io_cache_set_dirty(&io->cache, e, 1);
		io_cache_touch(&io->cache, e);
		off += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* The cache's dirty units in [off, off + len) are newer than what was just read there. */
static void overlay_dirty(struct ext_io *io, uint64_t off, size_t len, unsigned char *buf)
{
	uint64_t u, first = off / io->unit, last = (off + len - 1) / io->unit;

	if (!io->cache.dirty)
		return;
	for (u = first; u <= last; u++) {
		struct io_cache_entry *e = io_cache_find(&io->cache, u);
		uint64_t from, to;

		if (!e || !e->dirty)
			continue;
		from = u * io->unit > off ? u * io->unit : off;
		to = (u + 1) * io->unit < off + len ? (u + 1) * io->unit : off + len;
		memcpy(buf + (from - off), e->data + (from - u * io->unit), to - from);
	}
}

/*
 * Split [off, off + len) into a head and tail for the cache and a middle
 * of whole units (never unit 0) for the device; *mid_len 0: none.
 */
static void split(const struct ext_io *io, uint64_t off, size_t len, size_t direct_min,
                  uint64_t *mid_off, size_t *mid_len)
{
	uint64_t a = (off + io->unit - 1) / io->unit * io->unit;
	uint64_t b = (off + len) / io->unit * io->unit;

	if (a < io->unit)
		a = io->unit;
	*mid_off = a;
	*mid_len = (len >= direct_min && b > a) ? b - a : 0;
}

int io_path_read(struct ext_io *io, uint64_t off, size_t len, unsigned char *buf)
{
	uint64_t mid;
	size_t mid_len;
	int err;

	split(io, off, len, DIRECT_MIN, &mid, &mid_len);
	if (!mid_len)
		return cached_read(io, off, len, buf);
	err = cached_read(io, off, mid - off, buf);
	if (!err)
		err = raw_read(io, mid / io->dev->block_size, mid_len / io->dev->block_size,
		               buf + (mid - off));
	if (!err)
		overlay_dirty(io, mid, mid_len, buf + (mid - off));
	if (!err && off + len > mid + mid_len)
		err = cached_read(io, mid + mid_len, off + len - mid - mid_len,
		                  buf + (mid + mid_len - off));
	return err;
}

/* What went to the device directly: the cached copies of its units are now equal to it. */
static void refresh_cached(struct ext_io *io, uint64_t off, size_t len, const unsigned char *buf)
{
	uint64_t u;

	for (u = off / io->unit; u < (off + len) / io->unit; u++) {
		struct io_cache_entry *e = io_cache_find(&io->cache, u);

		if (e) {
			memcpy(e->data, buf + (u * io->unit - off), io->unit);
			io_cache_set_dirty(&io->cache, e, 0);
		}
	}
}

int io_path_write(struct ext_io *io, uint64_t off, size_t len, const unsigned char *buf)
{
	struct ext_io_run run = { off, len, (void *)buf };

	if (!io->dev->writeable)
		return -EROFS;
	if (len < DIRECT_MIN)
		return cached_write(io, off, len, buf);
	return io_path_write_runs(io, &run, 1);
}

/* ---- flush ------------------------------------------------------------ */

/*
 * Trims are advice: one the device refuses (or a server that does not
 * trim) fails no flush; after the first refusal the rest of the batch is
 * dropped.
 */
static void issue_trims(struct ext_io *io)
{
	size_t i;
	int err = 0;

	for (i = 0; i < io->ntrims && !err; i++)
		err = io->dev->ops->trim(io->dev->priv, io->trims[i].block, io->trims[i].count);
	io->ntrims = 0;
}

/*
 * Everything but unit 0 first, in runs of adjacent units; then, behind a
 * device sync, unit 0 with the superblock that says the image is clean;
 * then sync again and send the discards whose frees are now on the device.
 */
int io_path_flush(struct ext_io *io)
{
	size_t n = io_cache_dirty_sorted(&io->cache, io->dirty_list, io->cache.count);
	size_t i = 0, j, k;
	struct io_cache_entry *e0 = io_cache_find(&io->cache, 0);
	int err;

	while (i < n) {
		if (io->dirty_list[i]->unit == 0) {
			i++;
			continue;
		}
		for (j = i + 1; j < n && j - i < io->stage_units &&
		     io->dirty_list[j]->unit == io->dirty_list[j - 1]->unit + 1; j++)
			;
		for (k = i; k < j; k++)
			memcpy(io->wbuf + (k - i) * io->unit, io->dirty_list[k]->data, io->unit);
		err = units_write(io, io->dirty_list[i]->unit, j - i, io->wbuf);
		if (err)
			return err;
		for (k = i; k < j; k++)
			io_cache_set_dirty(&io->cache, io->dirty_list[k], 0);
		i = j;
	}
	if (e0 && e0->dirty) {
		if (!io->clean) {
			err = io->dev->ops->sync(io->dev->priv);
			if (err)
				return err;
		}
		err = raw_write(io, 0, units_blocks(io, 0, 1), e0->data);
		if (err)
			return err;
		io_cache_set_dirty(&io->cache, e0, 0);
	}
	err = io->dev->ops->sync(io->dev->priv);
	if (err)
		return err;
	io->clean = 1;
	issue_trims(io);
	return 0;
}


/* ---- trims, runs, the superblock --------------------------------------- */

void io_path_discard(struct ext_io *io, uint64_t first, uint64_t last)
{
	size_t i;

	for (i = 0; i < io->ntrims; i++) {
		struct trim *t = &io->trims[i];

		if (t->block + t->count == first) {
			t->count += last - first;
			return;
		}
		if (last == t->block) {
			t->block = first;
			t->count += last - first;
			return;
		}
	}
	if (io->ntrims < TRIMS_MAX)
		io->trims[io->ntrims++] = (struct trim){ first, last - first };
}

/*
 * Split each run into a head and tail through the cache (split() with
 * direct_min one unit: file data, so any whole unit goes to the device and
 * metadata keeps the cache) and a middle gathered into dev[] and mids[].
 * Reads do heads and tails here, writes after the middles.
 */
static int gather(struct ext_io *io, const struct ext_io_run *runs, size_t n, int write,
                  struct dev_run *dev, struct ext_io_run *mids, size_t *m)
{
	size_t i;
	int err;

	*m = 0;
	for (i = 0; i < n; i++) {
		const struct ext_io_run *r = &runs[i];
		unsigned char *buf = r->buf;
		uint64_t mid;
		size_t mid_len;

		if (r->offset > io->dev_bytes || r->len > io->dev_bytes - r->offset)
			return -EINVAL;
		if (!r->len)
			continue;
		split(io, r->offset, r->len, io->unit, &mid, &mid_len);
		if (!mid_len) {
			mid = r->offset + r->len;
			mid_len = 0;
		}
		if (!write) {
			err = cached_read(io, r->offset, mid - r->offset, buf);
			if (!err && r->offset + r->len > mid + mid_len)
				err = cached_read(io, mid + mid_len, r->offset + r->len - mid - mid_len,
				                  buf + (mid + mid_len - r->offset));
			if (err)
				return err;
		}
		if (!mid_len)
			continue;
		mids[*m] = (struct ext_io_run){ mid, mid_len, buf + (mid - r->offset) };
		dev[*m] = (struct dev_run){ mid / io->dev->block_size, mid_len / io->dev->block_size,
		                            mids[*m].buf };
		(*m)++;
	}
	return 0;
}

int io_path_read_runs(struct ext_io *io, const struct ext_io_run *runs, size_t n)
{
	struct dev_run dev[RUNS_MAX];
	struct ext_io_run mids[RUNS_MAX];
	size_t m, k, batch;
	int err;

	for (; n; runs += batch, n -= batch) {
		batch = n < RUNS_MAX ? n : RUNS_MAX;
		err = gather(io, runs, batch, 0, dev, mids, &m);
		if (err)
			return err;
		if (!m)
			continue;
		for (k = 0; k < m; k++)
			io->stats.bytes_read += mids[k].len;
		err = io->dev->ops->readv(io->dev->priv, dev, m);
		if (err)
			return err;
		for (k = 0; k < m; k++)
			overlay_dirty(io, mids[k].offset, mids[k].len, mids[k].buf);
	}
	return 0;
}

int io_path_write_runs(struct ext_io *io, const struct ext_io_run *runs, size_t n)
{
	struct dev_run dev[RUNS_MAX];
	struct ext_io_run mids[RUNS_MAX];
	size_t m, k, i, batch;
	int err;

	if (!io->dev->writeable)
		return -EROFS;
	for (; n; runs += batch, n -= batch) {
		batch = n < RUNS_MAX ? n : RUNS_MAX;
		err = gather(io, runs, batch, 1, dev, mids, &m);
		if (!err && m)
			err = dev_writev(io, dev, m);
		for (k = 0; !err && k < m; k++)
			refresh_cached(io, mids[k].offset, mids[k].len, mids[k].buf);
		/* the heads and tails, through the cache */
		for (i = 0; !err && i < batch; i++) {
			const struct ext_io_run *r = &runs[i];
			const unsigned char *buf = r->buf;
			uint64_t mid;
			size_t mid_len;

			split(io, r->offset, r->len, io->unit, &mid, &mid_len);
			if (!mid_len) {
				err = cached_write(io, r->offset, r->len, buf);
				continue;
			}
			err = cached_write(io, r->offset, mid - r->offset, buf);
			if (!err && r->offset + r->len > mid + mid_len)
				err = cached_write(io, mid + mid_len, r->offset + r->len - mid - mid_len,
				                   buf + (mid + mid_len - r->offset));
		}
		if (err)
			return err;
	}
	return 0;
}

int io_path_write_super(struct ext_io *io, const void *sb)
{
	struct io_cache_entry *e0 = io_cache_find(&io->cache, 0);
	uint32_t first = SUPER_OFFSET / io->dev->block_size;
	int err;

	memcpy(io->sbuf, e0->data + first * io->dev->block_size, io->sbuf_len);
	memcpy(io->sbuf + (SUPER_OFFSET - first * io->dev->block_size), sb, SUPER_SIZE);
	err = raw_write(io, first, io->sbuf_len / io->dev->block_size, io->sbuf);
	if (!err)
		err = io->dev->ops->sync(io->dev->priv);
	/* the device now differs from the cached unit: the next flush rewrites it */
	if (!err)
		io_cache_set_dirty(&io->cache, e0, 1);
	return err;
}
