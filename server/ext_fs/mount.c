/*
 * Mounting: open the file system through the io manager, decide whether
 * it may be written, log what it is; syncing and unmounting.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <e2p/e2p.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "ext_fs.h"
#include "ext_io.h"

/*
 * Marks the image "not clean" before the first device write after a
 * sync (ext_io.h): a crash from here to the next sync leaves an image
 * e2fsck checks in full, and one after it an image that is clean.
 */
static int mark_unclean(void *arg)
{
	struct ext_fs *x = arg;
	struct ext2_super_block sb = *x->fs->super;
	errcode_t rc;

	sb.s_state &= ~EXT2_VALID_FS;
	rc = ext2fs_superblock_csum_set(x->fs, &sb);
	if (!rc)
		rc = ext_io_write_super(x->fs->io, &sb);
	return rc ? -EIO : 0;
}

/* ext2's never-used btree_dir bit, which blkid still counts as ext3's */
#define RO_COMPAT_BTREE_DIR 0x0004u

/*
 * With discard="yes": every block libext2fs frees becomes a discard, which
 * the io manager turns into a TRIM after the next flush (when the free is
 * on the device) unless the block was written again meanwhile.
 */
static void block_freed(ext2_filsys fs, blk64_t blk, int inuse)
{
	if (inuse < 0 && fs->io->block_size == (int)fs->blocksize)
		io_channel_discard(fs->io, blk, 1);
}

/* "ext4" when it uses what ext3 lacks, "ext3" with a journal, else "ext2" (as blkid says). */
static const char *type_name(const struct ext2_super_block *sb)
{
	if ((sb->s_feature_incompat & ~(EXT2_FEATURE_INCOMPAT_FILETYPE |
	                                EXT3_FEATURE_INCOMPAT_RECOVER |
	                                EXT2_FEATURE_INCOMPAT_META_BG)) ||
	    (sb->s_feature_ro_compat & ~(EXT2_FEATURE_RO_COMPAT_SPARSE_SUPER |
	                                 EXT2_FEATURE_RO_COMPAT_LARGE_FILE |
	                                 RO_COMPAT_BTREE_DIR)))
		return "ext4";
	if (sb->s_feature_compat & EXT3_FEATURE_COMPAT_HAS_JOURNAL)
		return "ext3";
	return "ext2";
}

static void feature_names(const struct ext2_super_block *sb, char *out, size_t size)
{
	const __u32 words[3] = { sb->s_feature_compat, sb->s_feature_incompat,
	                         sb->s_feature_ro_compat };
	const int kinds[3] = { E2P_FEATURE_COMPAT, E2P_FEATURE_INCOMPAT, E2P_FEATURE_RO_INCOMPAT };
	size_t used = 0;
	int w, bit;

	out[0] = 0;
	for (w = 0; w < 3; w++) {
		for (bit = 0; bit < 32; bit++) {
			if (!(words[w] & (1u << bit)))
				continue;
			used += snprintf(out + used, used < size ? size - used : 0, "%s%s",
			                 used ? " " : "", e2p_feature2string(kinds[w], 1u << bit));
			if (used >= size)
				return;
		}
	}
}

/*
 * Why fs cannot be written safely through libext2fs, or NULL: state that
 * needs e2fsck first, and features whose bookkeeping libext2fs (or this
 * server) does not keep when it changes the tree.
 */
static const char *unwritable(ext2_filsys fs)
{
	struct ext2_super_block *sb = fs->super;

	if (!(sb->s_state & EXT2_VALID_FS))
		return "not cleanly unmounted, needs e2fsck";
	if (sb->s_state & EXT2_ERROR_FS)
		return "has errors, needs e2fsck";
	if (ext2fs_has_feature_orphan_present(sb))
		return "orphan file in use, needs e2fsck";
	if (ext2fs_has_feature_mmp(sb))
		return "multi-mount protection (mmp) is not supported";
	if (ext2fs_has_feature_readonly(sb))
		return "the file system is marked read-only";
	if (ext2fs_has_feature_encrypt(sb) || ext2fs_has_feature_casefold(sb))
		return "encrypted or case-folded names are not supported";
	if (ext2fs_has_feature_quota(sb) || ext2fs_has_feature_project(sb))
		return "quota accounting is not kept";
	if (ext2fs_has_feature_bigalloc(sb) || ext2fs_has_feature_shared_blocks(sb) ||
	    ext2fs_has_feature_ea_inode(sb) || ext2fs_has_feature_verity(sb) ||
	    ext2fs_has_feature_has_snapshot(sb) || ext2fs_has_feature_dirdata(sb))
		return "a feature is not supported for writing";
	return NULL;
}

static void log_mount(const struct ext_fs *x, const char *name)
{
	struct ext2_super_block *sb = x->fs->super;
	unsigned long long bytes = ext2fs_blocks_count(sb) * (unsigned long long)x->fs->blocksize;
	char features[512];

	feature_names(sb, features, sizeof(features));
	arbor_log("%s: mounted %s, %llu MiB (%llu blocks of %u bytes, %u inodes), %s, features: %s",
	          name, type_name(sb), bytes >> 20,
	          (unsigned long long)ext2fs_blocks_count(sb), x->fs->blocksize,
	          sb->s_inodes_count, x->writeable ? "read-write" : "read-only", features);
}

int mount_open(struct ext_fs *x, struct dev *dev, const struct mount_params *p)
{
	struct ext_io_params io = { p->cache_bytes, p->discard };
	const char *dev_name = ext_io_attach(dev, &io);
	int rw = p->writeable && dev->writeable;
	static int messages;
	const char *why;
	errcode_t rc;
	int err;

	memset(x, 0, sizeof(*x));
	if (!messages++)
		initialize_ext2_error_table();    /* error_message() of libext2fs's codes */
	if (p->writeable && !dev->writeable)
		arbor_log("%s: the block device is read-only, mounting read-only", p->name);
	rc = ext2fs_open2(dev_name, NULL, EXT2_FLAG_64BITS | (rw ? EXT2_FLAG_RW : 0), 0, 0,
	                  ext_io_manager, &x->fs);
	if (rc) {
		arbor_error("%s: no ext2/3/4 file system on the device: %s", p->name,
		            error_message(rc));
		x->fs = NULL;
		return rc == EXT2_ET_RO_UNSUPP_FEATURE || rc == EXT2_ET_UNSUPP_FEATURE
		       ? -EOPNOTSUPP : -EIO;
	}
	if (ext2fs_has_feature_journal_dev(x->fs->super)) {
		arbor_error("%s: the device is an external journal, no file system", p->name);
		err = -EOPNOTSUPP;
		goto fail;
	}
	/* its content is what the journal says, not what the blocks say */
	if (ext2fs_has_feature_journal_needs_recovery(x->fs->super)) {
		arbor_error("%s: the journal needs recovery, needs e2fsck", p->name);
		err = -EUCLEAN;
		goto fail;
	}
	why = rw ? unwritable(x->fs) : NULL;
	if (why) {
		arbor_error("%s: cannot mount read-write: %s", p->name, why);
		err = strstr(why, "e2fsck") ? -EUCLEAN : -EOPNOTSUPP;
		goto fail;
	}
	x->writeable = rw;
	x->discard = rw && p->discard;
	if (rw) {
		/* backups stay as mke2fs wrote them, as the kernel leaves them */
		x->fs->flags |= EXT2_FLAG_MASTER_SB_ONLY;
		rc = ext2fs_read_bitmaps(x->fs);
		if (rc) {
			arbor_error("%s: cannot read the bitmaps: %s", p->name, error_message(rc));
			err = -EIO;
			goto fail;
		}
		ext_io_set_unclean_hook(x->fs->io, mark_unclean, x);
		if (x->discard)
			ext2fs_set_block_alloc_stats_callback(x->fs, block_freed, NULL);
		err = node_free_orphans(x);
		if (err)
			goto fail;
	}
	log_mount(x, p->name);
	return 0;

fail:
	ext2fs_close_free(&x->fs);
	return err;
}

int mount_sync(struct ext_fs *x)
{
	errcode_t rc = 0;

	if (!x->writeable)
		return 0;
	/* metadata into the io manager's cache, which then writes it in order */
	if (x->fs->flags & EXT2_FLAG_DIRTY)
		rc = ext2fs_flush2(x->fs, EXT2_FLAG_FLUSH_NO_SYNC);
	if (!rc)
		rc = io_channel_flush(x->fs->io);
	return ext_error(rc, "sync");
}

void mount_close(struct ext_fs *x)
{
	size_t i;

	if (!x->fs)
		return;
	/* no session holds a handle any more: what waited for its last close goes now */
	for (i = x->open_count; i > 0; i--) {
		struct open_node *o = &x->open[i - 1];

		o->count = 1;
		node_closed(x, o->ino);
	}
	dir_fini(x);
	if (x->writeable) {
		int err = mount_sync(x);

		if (err)
			arbor_error("ext_fs: cannot write back the file system: %s",
			            arbor_strerror(err));
	}
	ext2fs_close_free(&x->fs);
	free(x->open);
	x->open = NULL;
	x->open_count = x->open_cap = 0;
}
