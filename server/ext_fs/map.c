/*
 * A file's logical blocks as runs of physical ones, for reads that go to
 * the device in one request per run instead of block by block: extent
 * trees are walked leaf by leaf, block maps (ext2/3) through their
 * indirect blocks, each indirect block read once per call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "map.h"

/* Hand runs on, merged when they continue each other. */
struct merger {
	map_fn fn;
	void *arg;
	struct map_run run;
	int have;
};

static int emit(struct merger *m, uint64_t lblk, uint64_t pblk, uint64_t count, int unwritten)
{
	struct map_run *r = &m->run;
	int err;

	if (m->have && r->lblk + r->count == lblk && r->unwritten == unwritten &&
	    (r->pblk ? r->pblk + r->count == pblk : !pblk)) {
		r->count += count;
		return 0;
	}
	if (m->have) {
		err = m->fn(m->arg, r);
		if (err)
			return err;
	}
	*r = (struct map_run){ lblk, pblk, count, unwritten };
	m->have = 1;
	return 0;
}

static int finish(struct merger *m)
{
	return m->have ? m->fn(m->arg, &m->run) : 0;
}

static int check_phys(ext2_filsys fs, uint64_t pblk, uint64_t count)
{
	uint64_t total = ext2fs_blocks_count(fs->super);

	return (pblk < fs->super->s_first_data_block || pblk >= total || count > total - pblk)
	       ? -EUCLEAN : 0;
}

static int map_extents(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode,
                       uint64_t lblk, uint64_t end, struct merger *m)
{
	ext2_extent_handle_t h;
	struct ext2fs_extent e;
	errcode_t rc;
	int have, err = 0;

	rc = ext2fs_extent_open2(fs, ino, inode, &h);
	if (rc)
		return -EIO;
	/* lands on the extent holding lblk, or a neighbour when lblk is in a hole */
	rc = ext2fs_extent_goto2(h, 0, lblk);
	have = (!rc || rc == EXT2_ET_EXTENT_NOT_FOUND) &&
	       !ext2fs_extent_get(h, EXT2_EXTENT_CURRENT, &e) && (e.e_flags & EXT2_EXTENT_FLAGS_LEAF);
	while (lblk < end && !err) {
		if (have && e.e_lblk + e.e_len <= lblk) {
			have = !ext2fs_extent_get(h, EXT2_EXTENT_NEXT_LEAF, &e);   /* NO_NEXT: the end */
			continue;
		}
		if (!have || e.e_lblk > lblk) {
			uint64_t hole_end = have && e.e_lblk < end ? e.e_lblk : end;

			err = emit(m, lblk, 0, hole_end - lblk, 0);
			lblk = hole_end;
			continue;
		}
		{
			uint64_t stop = e.e_lblk + e.e_len < end ? e.e_lblk + e.e_len : end;
			uint64_t pblk = e.e_pblk + (lblk - e.e_lblk);

			err = check_phys(fs, pblk, stop - lblk);
			if (!err)
				err = emit(m, lblk, pblk, stop - lblk,
				           !!(e.e_flags & EXT2_EXTENT_FLAGS_UNINIT));
			lblk = stop;
		}
	}
	ext2fs_extent_free(h);
	return err;
}

/* One indirect block per level, kept while the walk stays inside it. */
struct ind_cache {
	blk64_t blk[3];
	__u32 *buf[3];
};

static int ind_entry(ext2_filsys fs, struct ind_cache *c, int level, blk64_t blk,
                     uint64_t index, blk64_t *out)
{
	errcode_t rc;

	*out = 0;
	if (!blk)
		return 0;
	if (check_phys(fs, blk, 1))
		return -EUCLEAN;
	if (c->blk[level] != blk) {
		rc = io_channel_read_blk64(fs->io, blk, 1, c->buf[level]);
		if (rc) {
			c->blk[level] = 0;
			return -EIO;
		}
		c->blk[level] = blk;
	}
	*out = ext2fs_le32_to_cpu(c->buf[level][index]);
	return 0;
}

/* The physical block of logical block l of a block-mapped inode (0: a hole). */
static int ind_lookup(ext2_filsys fs, struct ext2_inode *inode, struct ind_cache *c,
                      uint64_t l, blk64_t *out)
{
	uint64_t per = fs->blocksize / 4;
	blk64_t b;
	int err;

	*out = 0;
	if (l < EXT2_NDIR_BLOCKS) {
		*out = inode->i_block[l];
		return 0;
	}
	l -= EXT2_NDIR_BLOCKS;
	if (l < per)
		return ind_entry(fs, c, 0, inode->i_block[EXT2_IND_BLOCK], l, out);
	l -= per;
	if (l < per * per) {
		err = ind_entry(fs, c, 1, inode->i_block[EXT2_DIND_BLOCK], l / per, &b);
		return err ? err : ind_entry(fs, c, 0, b, l % per, out);
	}
	l -= per * per;
	if (l < per * per * per) {
		err = ind_entry(fs, c, 2, inode->i_block[EXT2_TIND_BLOCK], l / (per * per), &b);
		if (!err)
			err = ind_entry(fs, c, 1, b, (l / per) % per, &b);
		return err ? err : ind_entry(fs, c, 0, b, l % per, out);
	}
	return 0;
}

static int map_indirect(ext2_filsys fs, struct ext2_inode *inode, uint64_t lblk,
                        uint64_t end, struct merger *m)
{
	struct ind_cache c;
	int i, err = 0;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 3; i++) {
		c.buf[i] = malloc(fs->blocksize);
		if (!c.buf[i])
			err = -ENOMEM;
	}
	for (; lblk < end && !err; lblk++) {
		blk64_t pblk;

		err = ind_lookup(fs, inode, &c, lblk, &pblk);
		if (!err && pblk)
			err = check_phys(fs, pblk, 1);
		if (!err)
			err = emit(m, lblk, pblk, 1, 0);
	}
	for (i = 0; i < 3; i++)
		free(c.buf[i]);
	return err;
}

int map_blocks(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode,
               uint64_t lblk, uint64_t count, map_fn fn, void *arg)
{
	struct merger m = { fn, arg, { 0 }, 0 };
	int err;

	if (!count)
		return 0;
	if (inode->i_flags & EXT4_INLINE_DATA_FL)
		return -EINVAL;
	if (inode->i_flags & EXT4_EXTENTS_FL)
		err = map_extents(fs, ino, inode, lblk, lblk + count, &m);
	else
		err = map_indirect(fs, inode, lblk, lblk + count, &m);
	return err ? err : finish(&m);
}
