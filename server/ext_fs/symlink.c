/*
 * Symlink content: the target, kept in the inode itself when it is short
 * (a "fast" symlink, under 60 bytes) and in one block otherwise, as the
 * kernel and mke2fs store it. The session writes a target whole, at 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "ext_fs.h"

ssize_t symlink_read(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode,
                     uint64_t pos, void *dst, size_t len)
{
	uint64_t size = EXT2_I_SIZE(inode);
	ext2_file_t f;
	unsigned int got = 0;
	errcode_t rc;

	if (pos >= size)
		return 0;
	if (len > size - pos)
		len = (size_t)(size - pos);
	if (ext2fs_is_fast_symlink(inode)) {
		memcpy(dst, (char *)inode->i_block + pos, len);
		return (ssize_t)len;
	}
	/* a slow or inline-data symlink reads like a file */
	rc = ext2fs_file_open2(x->fs, (ext2_ino_t)ino, inode, 0, &f);
	if (rc)
		return ext_error(rc, "open symlink");
	rc = ext2fs_file_llseek(f, pos, EXT2_SEEK_SET, NULL);
	if (!rc)
		rc = ext2fs_file_read(f, dst, (unsigned int)len, &got);
	ext2fs_file_close(f);
	return rc ? ext_error(rc, "read symlink") : (ssize_t)got;
}

/* Drop the old target's block (or inline data) and leave an empty fast symlink. */
static int clear_target(struct ext_fs *x, ext2_ino_t ino, struct ext2_inode *inode)
{
	errcode_t rc = 0;

	if ((inode->i_flags & EXT4_INLINE_DATA_FL) || ext2fs_inode_has_valid_blocks2(x->fs, inode))
		rc = ext2fs_punch(x->fs, ino, inode, NULL, 0, ~0ULL);
	if (rc)
		return ext_error(rc, "free symlink block");
	memset(inode->i_block, 0, sizeof(inode->i_block));
	inode->i_flags &= ~(EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL);
	ext2fs_iblk_set(x->fs, inode, 0);
	inode->i_size = 0;
	return 0;
}

/* Put target into a block of its own, mapped as the symlink's block 0. */
static int slow_target(struct ext_fs *x, ext2_ino_t ino, struct ext2_inode *inode,
                       const void *src, size_t len)
{
	blk64_t blk = 0;
	char *buf;
	errcode_t rc;

	rc = ext2fs_new_block2(x->fs, 0, NULL, &blk);
	if (rc)
		return ext_error(rc, "symlink block");
	buf = calloc(1, x->fs->blocksize);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, src, len);
	rc = io_channel_write_blk64(x->fs->io, blk, 1, buf);
	free(buf);
	if (rc)
		return ext_error(rc, "write symlink block");
	ext2fs_block_alloc_stats2(x->fs, blk, +1);
	ext2fs_iblk_set(x->fs, inode, 1);
	if (!ext2fs_has_feature_extents(x->fs->super)) {
		inode->i_block[0] = (__u32)blk;
		return 0;
	}
	{
		ext2_extent_handle_t h;

		inode->i_flags |= EXT4_EXTENTS_FL;
		rc = ext2fs_extent_open2(x->fs, ino, inode, &h);   /* the empty header */
		if (!rc) {
			ext2fs_extent_free(h);
			rc = ext2fs_write_inode(x->fs, ino, inode);
		}
		if (!rc)
			rc = ext2fs_bmap2(x->fs, ino, inode, NULL, BMAP_SET, 0, NULL, &blk);
	}
	if (rc) {
		ext2fs_block_alloc_stats2(x->fs, blk, -1);
		return ext_error(rc, "map symlink block");
	}
	return 0;
}

ssize_t symlink_write(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode,
                      uint64_t pos, const void *src, size_t len)
{
	int err;

	if (pos)
		return ARBOR_E_INVALID;
	/* the kernel keeps a target and its NUL within one block */
	if (len >= x->fs->blocksize || len > ARBOR_FS_PATH_MAX || memchr(src, 0, len))
		return len >= x->fs->blocksize || len > ARBOR_FS_PATH_MAX
		       ? ARBOR_FS_E_NAME_TOO_LONG : ARBOR_E_INVALID;
	err = clear_target(x, (ext2_ino_t)ino, inode);
	if (err)
		return err;
	if (len < sizeof(inode->i_block))
		memcpy(inode->i_block, src, len);
	else
		err = slow_target(x, (ext2_ino_t)ino, inode, src, len);
	if (err)
		return err;
	inode->i_size = (__u32)len;
	node_touch(inode);
	err = ext_error(ext2fs_write_inode(x->fs, (ext2_ino_t)ino, inode), "write symlink");
	x->generation++;
	return err ? err : (ssize_t)len;
}
