/*
 * Writing files. libext2fs's file I/O allocates and writes block by
 * block, which is fine for a few blocks; a large write instead allocates
 * the holes of its whole blocks in one go (extents: ext2fs_fallocate, a
 * block map: block by block) and writes the data straight to the device
 * in runs, before the metadata that points at it (which waits in the
 * cache for the next sync). The partial blocks at either end go through
 * libext2fs's file I/O.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "ext_fs.h"
#include "ext_io.h"
#include "map.h"

#define FAST_WRITE_MIN (64u * 1024)
#define RUNS_BATCH     64u
#define HOLES_MAX      256u    /* more holes than this: the slow path fills them */

enum { FAST_DECLINED = 1 };    /* write_blocks(): use libext2fs's file I/O instead */

/* Write through libext2fs's file I/O: the bytes written, or an error. */
static ssize_t write_buffered(struct ext_fs *x, fs_ino ino, uint64_t pos, const void *src,
                              size_t len)
{
	struct ext2_inode inode;
	ext2_file_t f;
	unsigned int written = 0;
	errcode_t rc, close_rc;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	rc = ext2fs_file_open2(x->fs, (ext2_ino_t)ino, &inode, EXT2_FILE_WRITE, &f);
	if (rc)
		return ext_error(rc, "open file");
	if (len > UINT_MAX)
		len = UINT_MAX;
	rc = ext2fs_file_llseek(f, pos, EXT2_SEEK_SET, NULL);
	if (!rc)
		rc = ext2fs_file_write(f, src, (unsigned int)len, &written);
	close_rc = ext2fs_file_close(f);
	if (!rc)
		rc = close_rc;
	/* a write cut short by a full file system reports what it did write */
	if (written && (!rc || ext_error(rc, "write") == ARBOR_FS_E_NO_SPACE))
		return written;
	return rc ? ext_error(rc, "write") : (ssize_t)written;
}

/* ---- whole blocks ------------------------------------------------------ */

struct holes {
	struct map_run run[HOLES_MAX];
	size_t n;
	int unwritten;      /* an unwritten extent: it needs converting, the slow path does it */
	int too_many;
};

static int on_hole(void *arg, const struct map_run *r)
{
	struct holes *h = arg;

	if (r->unwritten) {
		h->unwritten = 1;
		return 0;
	}
	if (r->pblk)
		return 0;
	if (h->n == HOLES_MAX) {
		h->too_many = 1;
		return 0;
	}
	h->run[h->n++] = *r;
	return 0;
}

struct write_ctx {
	ext2_filsys fs;
	uint64_t first;              /* the first logical block of src */
	const unsigned char *src;
	struct ext_io_run runs[RUNS_BATCH];
	size_t n;
	int unmapped;
};

static int write_batch(struct write_ctx *c)
{
	errcode_t rc = c->n ? ext_io_write_runs(c->fs->io, c->runs, c->n) : 0;

	c->n = 0;
	return ext_error(rc, "write");
}

static int on_data_run(void *arg, const struct map_run *r)
{
	struct write_ctx *c = arg;
	uint64_t bs = c->fs->blocksize;
	int err;

	if (!r->pblk || r->unwritten) {         /* allocated just now: cannot be */
		c->unmapped = 1;
		return -EIO;
	}
	if (c->n == RUNS_BATCH) {
		err = write_batch(c);
		if (err)
			return err;
	}
	c->runs[c->n++] = (struct ext_io_run){ r->pblk * bs, (size_t)(r->count * bs),
	                                       (void *)(c->src + (r->lblk - c->first) * bs) };
	return 0;
}

/* Allocate the holes found; on failure give back what was allocated. */
static int fill_holes(struct ext_fs *x, ext2_ino_t ino, struct ext2_inode *inode,
                      const struct holes *h)
{
	errcode_t rc = 0;
	size_t i;
	uint64_t b;

	for (i = 0; i < h->n && !rc; i++) {
		const struct map_run *r = &h->run[i];

		if (inode->i_flags & EXT4_EXTENTS_FL) {
			/* initialized at once: the data lands before anything points at it on disk */
			rc = ext2fs_fallocate(x->fs, EXT2_FALLOCATE_FORCE_INIT |
			                      EXT2_FALLOCATE_INIT_BEYOND_EOF, ino, inode, ~0ULL,
			                      r->lblk, r->count);
			continue;
		}
		for (b = r->lblk; b < r->lblk + r->count && !rc; b++) {
			blk64_t pblk = 0;

			rc = ext2fs_bmap2(x->fs, ino, inode, NULL, BMAP_ALLOC, b, NULL, &pblk);
		}
	}
	if (!rc)
		return ext_error(ext2fs_write_inode(x->fs, ino, inode), "write inode");
	/* the holes become holes again: no stale blocks stay behind in the file */
	for (i = 0; i < h->n; i++)
		ext2fs_punch(x->fs, ino, inode, NULL, h->run[i].lblk,
		             h->run[i].lblk + h->run[i].count - 1);
	return ext_error(rc, "allocate");
}

/*
 * Write count whole blocks from logical block first on: 0, FAST_DECLINED
 * (unwritten extents, too fragmented), or an error (nothing written).
 */
static int write_blocks(struct ext_fs *x, fs_ino ino, uint64_t first, uint64_t count,
                        const unsigned char *src)
{
	struct ext2_inode inode;
	struct holes *h;
	struct write_ctx c = { x->fs, first, src, { { 0 } }, 0, 0 };
	uint64_t end_bytes = (first + count) * x->fs->blocksize;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	if (first + count - 1 > 0xffffffffull)
		return ARBOR_FS_E_NO_SPACE;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	err = map_blocks(x->fs, (ext2_ino_t)ino, &inode, first, count, on_hole, h);
	if (!err && (h->unwritten || h->too_many))
		err = FAST_DECLINED;
	if (!err && h->n)
		err = fill_holes(x, (ext2_ino_t)ino, &inode, h);
	free(h);
	if (!err)
		err = map_blocks(x->fs, (ext2_ino_t)ino, &inode, first, count, on_data_run, &c);
	if (!err)
		err = write_batch(&c);
	if (err < 0 && (err == -EUCLEAN || c.unmapped))
		err = ext_error(EXT2_ET_EXTENT_HEADER_BAD, "map file blocks");
	if (err)
		return err;
	if (EXT2_I_SIZE(&inode) < end_bytes) {
		err = node_read(x, ino, &inode);
		if (!err)
			err = ext_error(ext2fs_inode_size_set(x->fs, &inode, end_bytes), "size");
		if (!err)
			err = ext_error(ext2fs_write_inode(x->fs, (ext2_ino_t)ino, &inode), "write inode");
	}
	return err;
}

/* ---- the backend's write ----------------------------------------------- */

static ssize_t write_content(struct ext_fs *x, fs_ino ino, const struct ext2_inode *inode,
                             uint64_t pos, const unsigned char *src, size_t len)
{
	uint64_t bs = x->fs->blocksize;
	uint64_t first = (pos + bs - 1) / bs, end = (pos + len) / bs;
	size_t head, mid, tail;
	ssize_t w;
	int err;

	if (len < FAST_WRITE_MIN || end <= first || (inode->i_flags & EXT4_INLINE_DATA_FL) ||
	    ext2fs_has_feature_bigalloc(x->fs->super))
		return write_buffered(x, ino, pos, src, len);
	head = (size_t)(first * bs - pos);
	mid = (size_t)((end - first) * bs);
	tail = len - head - mid;
	if (head) {
		w = write_buffered(x, ino, pos, src, head);
		if (w != (ssize_t)head)
			return w;
	}
	err = write_blocks(x, ino, first, end - first, src + head);
	if (err == FAST_DECLINED) {
		w = write_buffered(x, ino, first * bs, src + head, mid);
		if (w != (ssize_t)mid)
			return w < 0 && !head ? w : (ssize_t)head + (w > 0 ? w : 0);
	} else if (err) {
		return head ? (ssize_t)head : err;
	}
	if (tail) {
		w = write_buffered(x, ino, end * bs, src + head + mid, tail);
		if (w != (ssize_t)tail)
			return (ssize_t)(head + mid) + (w > 0 ? w : 0);
	}
	return (ssize_t)len;
}

ssize_t file_write(struct ext_fs *x, fs_ino ino, uint64_t pos, const void *src, size_t len)
{
	struct ext2_inode inode;
	ssize_t w;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	if (!x->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	if (LINUX_S_ISLNK(inode.i_mode))
		return symlink_write(x, ino, &inode, pos, src, len);
	if (!LINUX_S_ISREG(inode.i_mode))
		return ARBOR_FS_E_INVALID_HANDLE;
	if (!len)
		return 0;
	w = write_content(x, ino, &inode, pos, src, len);
	if (w > 0) {
		err = node_touch_ino(x, ino);
		if (err)
			return err;
	}
	return w;
}
