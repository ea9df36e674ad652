/*
 * Reading files, and truncating them. Large reads map the file's blocks to
 * runs on the device (map.c) and read every run with one request, all in
 * flight together, straight into the caller's buffer; small ones go
 * through libext2fs's file I/O and the io manager's cache. Writes:
 * file_write.c.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "ext_fs.h"
#include "ext_io.h"
#include "map.h"

#define FAST_READ_MIN (16u * 1024)  /* smaller reads are cheaper through the cache */
#define RUNS_BATCH    64u

struct read_ctx {
	ext2_filsys fs;
	uint64_t pos;
	size_t len;
	unsigned char *dst;
	struct ext_io_run runs[RUNS_BATCH];
	size_t n;
};

static int read_batch(struct read_ctx *c)
{
	errcode_t rc = c->n ? ext_io_read_runs(c->fs->io, c->runs, c->n) : 0;

	c->n = 0;
	return ext_error(rc, "read");
}

static int on_run(void *arg, const struct map_run *r)
{
	struct read_ctx *c = arg;
	uint64_t bs = c->fs->blocksize;
	uint64_t start = r->lblk * bs > c->pos ? r->lblk * bs : c->pos;
	uint64_t end = (r->lblk + r->count) * bs < c->pos + c->len ? (r->lblk + r->count) * bs
	                                                            : c->pos + c->len;
	int err;

	if (end <= start)
		return 0;
	if (!r->pblk || r->unwritten) {
		memset(c->dst + (start - c->pos), 0, end - start);
		return 0;
	}
	if (c->n == RUNS_BATCH) {
		err = read_batch(c);
		if (err)
			return err;
	}
	c->runs[c->n++] = (struct ext_io_run){ r->pblk * bs + (start - r->lblk * bs),
	                                       (size_t)(end - start), c->dst + (start - c->pos) };
	return 0;
}

static ssize_t read_mapped(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode,
                           uint64_t pos, void *dst, size_t len)
{
	struct read_ctx c = { x->fs, pos, len, dst, { { 0 } }, 0 };
	uint64_t bs = x->fs->blocksize, first = pos / bs, last = (pos + len - 1) / bs;
	int err;

	err = map_blocks(x->fs, (ext2_ino_t)ino, inode, first, last - first + 1, on_run, &c);
	if (err == -EUCLEAN || err == -EIO)
		err = ext_error(EXT2_ET_EXTENT_HEADER_BAD, "map file blocks");
	if (!err)
		err = read_batch(&c);
	return err ? err : (ssize_t)len;
}

static ssize_t read_buffered(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode,
                             uint64_t pos, void *dst, size_t len)
{
	ext2_file_t f;
	unsigned int got = 0;
	errcode_t rc;

	rc = ext2fs_file_open2(x->fs, (ext2_ino_t)ino, inode, 0, &f);
	if (rc)
		return ext_error(rc, "open file");
	rc = ext2fs_file_llseek(f, pos, EXT2_SEEK_SET, NULL);
	if (!rc)
		rc = ext2fs_file_read(f, dst, (unsigned int)len, &got);
	ext2fs_file_close(f);
	return rc ? ext_error(rc, "read") : (ssize_t)got;
}

ssize_t file_read(struct ext_fs *x, fs_ino ino, uint64_t pos, void *dst, size_t len)
{
	struct ext2_inode inode;
	uint64_t size;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	if (LINUX_S_ISDIR(inode.i_mode))
		return ARBOR_FS_E_INVALID_HANDLE;
	if (LINUX_S_ISLNK(inode.i_mode))
		return symlink_read(x, ino, &inode, pos, dst, len);
	if (!LINUX_S_ISREG(inode.i_mode))
		return 0;     /* devices, fifos, sockets: no content of their own */
	size = EXT2_I_SIZE(&inode);
	if (pos >= size || !len)
		return 0;
	if (len > size - pos)
		len = (size_t)(size - pos);
	if (len > UINT_MAX)
		len = UINT_MAX;
	if (len < FAST_READ_MIN || (inode.i_flags & EXT4_INLINE_DATA_FL))
		return read_buffered(x, ino, &inode, pos, dst, len);
	return read_mapped(x, ino, &inode, pos, dst, len);
}

int file_truncate(struct ext_fs *x, fs_ino ino, uint64_t size)
{
	struct ext2_inode inode;
	ext2_file_t f;
	errcode_t rc, close_rc;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	if (!x->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	if (!LINUX_S_ISREG(inode.i_mode))
		return ARBOR_FS_E_INVALID_HANDLE;
	rc = ext2fs_file_open2(x->fs, (ext2_ino_t)ino, &inode, EXT2_FILE_WRITE, &f);
	if (rc)
		return ext_error(rc, "open file");
	rc = ext2fs_file_set_size2(f, size);
	close_rc = ext2fs_file_close(f);
	if (rc || close_rc)
		return ext_error(rc ? rc : close_rc, "truncate");
	return node_touch_ino(x, ino);
}
