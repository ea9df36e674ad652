/*
 * Nodes: lookup, status, create, unlink and move, and the bookkeeping that
 * frees an unlinked node only after its last handle closed (meanwhile it
 * sits on the superblock's orphan list, so a crash cannot leak it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/log.h>
#include "ext_fs.h"

#define ORPHAN_WALK_MAX 100000u   /* a longer (or cyclic) orphan list is corrupt */

static int is_dir(const struct ext2_inode *inode)
{
	return LINUX_S_ISDIR(inode->i_mode);
}

static int dirent_type(__u16 mode)
{
	if (LINUX_S_ISDIR(mode))  return EXT2_FT_DIR;
	if (LINUX_S_ISLNK(mode))  return EXT2_FT_SYMLINK;
	if (LINUX_S_ISCHR(mode))  return EXT2_FT_CHRDEV;
	if (LINUX_S_ISBLK(mode))  return EXT2_FT_BLKDEV;
	if (LINUX_S_ISFIFO(mode)) return EXT2_FT_FIFO;
	if (LINUX_S_ISSOCK(mode)) return EXT2_FT_SOCK;
	return EXT2_FT_REG_FILE;
}

void node_touch(struct ext2_inode *inode)
{
	inode->i_mtime = inode->i_ctime = (__u32)time(NULL);
}

int node_touch_ino(struct ext_fs *x, fs_ino ino)
{
	struct ext2_inode inode;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	node_touch(&inode);
	return ext_error(ext2fs_write_inode(x->fs, (ext2_ino_t)ino, &inode), "write inode");
}

int node_read(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode)
{
	errcode_t rc;

	if (ino < 1 || ino > x->fs->super->s_inodes_count)
		return ARBOR_FS_E_LOOKUP_FAILED;
	rc = ext2fs_read_inode(x->fs, (ext2_ino_t)ino, inode);
	if (rc)
		return ext_error(rc, "read inode");
	if (!inode->i_links_count && !inode->i_mode)
		return ARBOR_FS_E_LOOKUP_FAILED;
	return 0;
}

static int write_inode(struct ext_fs *x, ext2_ino_t ino, struct ext2_inode *inode)
{
	return ext_error(ext2fs_write_inode(x->fs, ino, inode), "write inode");
}

int node_lookup(struct ext_fs *x, fs_ino dir, const char *name, fs_ino *out)
{
	ext2_ino_t ino = 0;
	errcode_t rc;

	*out = 0;
	rc = ext2fs_lookup(x->fs, (ext2_ino_t)dir, name, (int)strlen(name), NULL, &ino);
	if (rc)
		return ext_error(rc, "lookup");
	*out = ino;
	return 0;
}

int node_status(struct ext_fs *x, fs_ino ino, struct arbor_fs_status *st)
{
	struct ext2_inode inode;
	int err = node_read(x, ino, &inode);

	memset(st, 0, sizeof(*st));
	if (err)
		return err;
	st->inode = ino;
	st->modification_time = inode.i_mtime;
	st->rwx = (inode.i_mode >> 6) & 7;      /* the owner's bits: R 4, W 2, X 1 as in the session */
	if (!x->writeable)
		st->rwx &= ~ARBOR_FS_W;
	if (is_dir(&inode)) {
		int64_t n = dir_count(x, ino);

		if (n < 0)
			return (int)n;
		st->type = ARBOR_FS_DIRECTORY;
		st->size = (uint64_t)n * sizeof(struct arbor_fs_dirent);
	} else {
		st->type = LINUX_S_ISLNK(inode.i_mode) ? ARBOR_FS_SYMLINK : ARBOR_FS_FILE;
		st->size = EXT2_I_SIZE(&inode);
	}
	return 0;
}

/* Link ino as name into dir, growing dir by a block when it is full. */
static int link_name(struct ext_fs *x, ext2_ino_t dir, const char *name, ext2_ino_t ino,
                     int type)
{
	errcode_t rc = ext2fs_link(x->fs, dir, name, ino, type);

	if (rc == EXT2_ET_DIR_NO_SPACE) {
		rc = ext2fs_expand_dir(x->fs, dir);
		if (!rc)
			rc = ext2fs_link(x->fs, dir, name, ino, type);
	}
	return ext_error(rc, "link");
}

/* A new, empty file or symlink inode, linked as name into dir. */
static int create_inode(struct ext_fs *x, ext2_ino_t dir, const char *name, __u16 mode,
                        ext2_ino_t *out)
{
	struct ext2_inode inode;
	ext2_ino_t ino;
	errcode_t rc;
	int err;

	rc = ext2fs_new_inode(x->fs, dir, mode, NULL, &ino);
	if (rc)
		return ext_error(rc, "new inode");
	memset(&inode, 0, sizeof(inode));
	inode.i_mode = mode;
	inode.i_links_count = 1;
	inode.i_atime = inode.i_ctime = inode.i_mtime = (__u32)time(NULL);
	/* files map their blocks with extents where the file system has them;
	 * an empty symlink is a fast one, its target goes into i_block */
	if (LINUX_S_ISREG(mode) && ext2fs_has_feature_extents(x->fs->super)) {
		ext2_extent_handle_t h;

		inode.i_flags |= EXT4_EXTENTS_FL;
		rc = ext2fs_extent_open2(x->fs, ino, &inode, &h);   /* writes the empty header */
		if (rc)
			return ext_error(rc, "extent header");
		ext2fs_extent_free(h);
	}
	rc = ext2fs_write_new_inode(x->fs, ino, &inode);
	if (rc)
		return ext_error(rc, "write new inode");
	ext2fs_inode_alloc_stats2(x->fs, ino, +1, 0);
	err = link_name(x, dir, name, ino, dirent_type(mode));
	if (err) {
		ext2fs_inode_alloc_stats2(x->fs, ino, -1, 0);
		return err;
	}
	*out = ino;
	return 0;
}

static int make_dir(struct ext_fs *x, ext2_ino_t dir, const char *name, ext2_ino_t *out)
{
	errcode_t rc = ext2fs_mkdir(x->fs, dir, 0, name);

	if (rc == EXT2_ET_DIR_NO_SPACE) {
		rc = ext2fs_expand_dir(x->fs, dir);
		if (!rc)
			rc = ext2fs_mkdir(x->fs, dir, 0, name);
	}
	if (!rc)
		rc = ext2fs_lookup(x->fs, dir, name, (int)strlen(name), NULL, out);
	return ext_error(rc, "mkdir");
}

int node_create(struct ext_fs *x, fs_ino dir, const char *name, unsigned type, fs_ino *out)
{
	struct ext2_inode parent;
	ext2_ino_t ino = 0, existing;
	int err;

	*out = 0;
	if (!x->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	err = node_read(x, dir, &parent);
	if (err)
		return err;
	/* a removed directory still open somewhere takes no new entries */
	if (!is_dir(&parent) || !parent.i_links_count)
		return ARBOR_FS_E_LOOKUP_FAILED;
	if (!ext2fs_lookup(x->fs, (ext2_ino_t)dir, name, (int)strlen(name), NULL, &existing))
		return ARBOR_FS_E_EXISTS;
	switch (type) {
	case ARBOR_FS_FILE:
		err = create_inode(x, (ext2_ino_t)dir, name, LINUX_S_IFREG | 0644, &ino);
		break;
	case ARBOR_FS_SYMLINK:
		err = create_inode(x, (ext2_ino_t)dir, name, LINUX_S_IFLNK | 0777, &ino);
		break;
	case ARBOR_FS_DIRECTORY:
		err = make_dir(x, (ext2_ino_t)dir, name, &ino);
		break;
	default:
		err = ARBOR_FS_E_INVALID_NAME;
	}
	if (err)
		return err;
	x->generation++;
	*out = ino;
	return 0;
}

/* ---- freeing ---------------------------------------------------------- */

static struct open_node *find_open(struct ext_fs *x, ext2_ino_t ino)
{
	size_t i;

	for (i = 0; i < x->open_count; i++)
		if (x->open[i].ino == ino)
			return &x->open[i];
	return NULL;
}

/* Give back an inode nobody links to or holds: its blocks, its xattr block, itself. */
static int free_inode(struct ext_fs *x, ext2_ino_t ino)
{
	struct ext2_inode inode;
	blk64_t acl;
	errcode_t rc;

	rc = ext2fs_read_inode(x->fs, ino, &inode);
	if (rc)
		return ext_error(rc, "read inode");
	if (ext2fs_inode_has_valid_blocks2(x->fs, &inode)) {
		rc = ext2fs_punch(x->fs, ino, &inode, NULL, 0, ~0ULL);
		if (rc)
			return ext_error(rc, "free blocks");
	}
	acl = ext2fs_file_acl_block(x->fs, &inode);
	if (acl) {
		__u32 refs = 0;

		rc = ext2fs_adjust_ea_refcount3(x->fs, acl, NULL, -1, &refs, ino);
		if (!rc && !refs)
			ext2fs_block_alloc_stats2(x->fs, acl, -1);
		ext2fs_file_acl_block_set(x->fs, &inode, 0);
	}
	inode.i_links_count = 0;
	inode.i_dtime = (__u32)time(NULL);
	rc = ext2fs_write_inode(x->fs, ino, &inode);
	if (rc)
		return ext_error(rc, "write inode");
	ext2fs_inode_alloc_stats2(x->fs, ino, -1, is_dir(&inode));
	return 0;
}

/* The orphan list runs from s_last_orphan through each inode's i_dtime. */
static int orphan_add(struct ext_fs *x, ext2_ino_t ino, struct ext2_inode *inode)
{
	inode->i_dtime = x->fs->super->s_last_orphan;
	x->fs->super->s_last_orphan = ino;
	ext2fs_mark_super_dirty(x->fs);
	return write_inode(x, ino, inode);
}

static int orphan_remove(struct ext_fs *x, ext2_ino_t ino)
{
	ext2_ino_t prev = 0, cur = x->fs->super->s_last_orphan;
	struct ext2_inode inode, prev_inode;
	unsigned steps;

	for (steps = 0; cur && steps < ORPHAN_WALK_MAX; steps++) {
		if (cur > x->fs->super->s_inodes_count ||
		    ext2fs_read_inode(x->fs, cur, &inode))
			break;
		if (cur == ino) {
			if (!prev) {
				x->fs->super->s_last_orphan = inode.i_dtime;
				ext2fs_mark_super_dirty(x->fs);
				return 0;
			}
			prev_inode.i_dtime = inode.i_dtime;
			return write_inode(x, prev, &prev_inode);
		}
		prev = cur;
		prev_inode = inode;
		cur = inode.i_dtime;
	}
	arbor_warning("ext_fs: inode %u is not on the orphan list", ino);
	return 0;
}

/*
 * Drop one link of ino (already unlinked from parent). A directory loses
 * all of its own and one of its parent's. Freed now, or once the last
 * handle to it closed.
 */
static int drop_link(struct ext_fs *x, ext2_ino_t parent, ext2_ino_t ino)
{
	struct ext2_inode inode;
	int err = node_read(x, ino, &inode);

	if (err)
		return err;
	if (is_dir(&inode)) {
		struct ext2_inode p;

		inode.i_links_count = 0;
		err = node_read(x, parent, &p);
		/* 1 is dir_nlink's "too many to count": it stays */
		if (!err && p.i_links_count > 2) {
			p.i_links_count--;
			err = write_inode(x, parent, &p);
		}
		if (err)
			return err;
	} else if (inode.i_links_count) {
		inode.i_links_count--;
	}
	inode.i_ctime = (__u32)time(NULL);
	if (inode.i_links_count)
		return write_inode(x, ino, &inode);
	if (find_open(x, ino))
		return orphan_add(x, ino, &inode);
	err = write_inode(x, ino, &inode);
	return err ? err : free_inode(x, ino);
}

/* Entries besides "." and ".." of a directory inode, 0 for other nodes. */
static int64_t entries_of(struct ext_fs *x, ext2_ino_t ino, const struct ext2_inode *inode)
{
	return is_dir(inode) ? dir_count(x, ino) : 0;
}

int node_unlink(struct ext_fs *x, fs_ino dir, const char *name)
{
	struct ext2_inode inode;
	ext2_ino_t ino;
	int64_t n;
	int err;

	if (!x->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	err = ext_error(ext2fs_lookup(x->fs, (ext2_ino_t)dir, name, (int)strlen(name), NULL, &ino),
	                "lookup");
	if (!err)
		err = node_read(x, ino, &inode);
	if (err)
		return err;
	n = entries_of(x, ino, &inode);
	if (n)
		return n < 0 ? (int)n : ARBOR_FS_E_NOT_EMPTY;
	err = ext_error(ext2fs_unlink(x->fs, (ext2_ino_t)dir, name, ino, 0), "unlink");
	if (err)
		return err;
	x->generation++;
	return drop_link(x, (ext2_ino_t)dir, ino);
}

int node_move(struct ext_fs *x, fs_ino from_dir, const char *from_name,
              fs_ino to_dir, const char *to_name)
{
	struct ext2_inode inode, target, dir_inode;
	ext2_ino_t ino, existing = 0;
	int64_t n;
	int err;

	if (!x->writeable)
		return ARBOR_FS_E_PERMISSION_DENIED;
	err = ext_error(ext2fs_lookup(x->fs, (ext2_ino_t)from_dir, from_name,
	                              (int)strlen(from_name), NULL, &ino), "lookup");
	if (!err)
		err = node_read(x, ino, &inode);
	if (!err)
		err = node_read(x, to_dir, &dir_inode);
	if (err)
		return err;
	if (!is_dir(&dir_inode) || !dir_inode.i_links_count)
		return ARBOR_FS_E_LOOKUP_FAILED;
	if (!ext2fs_lookup(x->fs, (ext2_ino_t)to_dir, to_name, (int)strlen(to_name), NULL,
	                   &existing)) {
		if (existing == ino)     /* the same name, or two links of one node */
			return 0;
		err = node_read(x, existing, &target);
		if (err)
			return err;
		n = entries_of(x, existing, &target);
		if (n)
			return n < 0 ? (int)n : ARBOR_FS_E_NOT_EMPTY;
		err = ext_error(ext2fs_unlink(x->fs, (ext2_ino_t)to_dir, to_name, existing, 0),
		                "unlink");
		if (!err)
			err = drop_link(x, (ext2_ino_t)to_dir, existing);
		if (err)
			return err;
	}
	x->generation++;
	/* the new name first: a crash in between leaves two links, never none */
	err = link_name(x, (ext2_ino_t)to_dir, to_name, ino, dirent_type(inode.i_mode));
	if (!err)
		err = ext_error(ext2fs_unlink(x->fs, (ext2_ino_t)from_dir, from_name, ino, 0),
		                "unlink");
	if (err)
		return err;
	if (is_dir(&inode) && from_dir != to_dir) {
		struct ext2_inode from, to;

		err = dir_set_dotdot(x, ino, to_dir);
		if (!err)
			err = node_read(x, from_dir, &from);
		if (!err && from.i_links_count > 2) {
			from.i_links_count--;
			err = write_inode(x, (ext2_ino_t)from_dir, &from);
		}
		if (!err)
			err = node_read(x, to_dir, &to);
		if (!err && to.i_links_count > 1 && to.i_links_count < EXT2_LINK_MAX) {
			to.i_links_count++;
			err = write_inode(x, (ext2_ino_t)to_dir, &to);
		}
		if (err)
			return err;
	}
	err = node_read(x, ino, &inode);
	if (err)
		return err;
	inode.i_ctime = (__u32)time(NULL);
	return write_inode(x, ino, &inode);
}

/* ---- handles ---------------------------------------------------------- */

void node_opened(struct ext_fs *x, fs_ino ino)
{
	struct open_node *o = find_open(x, (ext2_ino_t)ino);

	if (o) {
		o->count++;
		return;
	}
	if (x->open_count == x->open_cap) {
		size_t cap = x->open_cap ? 2 * x->open_cap : 16;
		struct open_node *n = realloc(x->open, cap * sizeof(*n));

		if (!n) {
			/* untracked: a node unlinked while open is then freed at once */
			arbor_warning("ext_fs: out of memory for open node %llu",
			              (unsigned long long)ino);
			return;
		}
		x->open = n;
		x->open_cap = cap;
	}
	x->open[x->open_count++] = (struct open_node){ (ext2_ino_t)ino, 1 };
}

void node_closed(struct ext_fs *x, fs_ino ino)
{
	struct open_node *o = find_open(x, (ext2_ino_t)ino);
	struct ext2_inode inode;

	if (!o || --o->count)
		return;
	*o = x->open[--x->open_count];
	if (!x->writeable || ext2fs_read_inode(x->fs, (ext2_ino_t)ino, &inode) ||
	    inode.i_links_count || !inode.i_mode)
		return;
	/* the last handle of an unlinked node */
	if (!orphan_remove(x, (ext2_ino_t)ino))
		free_inode(x, (ext2_ino_t)ino);
}

int node_free_orphans(struct ext_fs *x)
{
	ext2_ino_t ino = x->fs->super->s_last_orphan;
	unsigned steps = 0;
	int err;

	while (ino && steps++ < ORPHAN_WALK_MAX) {
		struct ext2_inode inode;
		ext2_ino_t next;

		if (ino > x->fs->super->s_inodes_count ||
		    ext2fs_read_inode(x->fs, ino, &inode)) {
			arbor_error("ext_fs: corrupt orphan list, needs e2fsck");
			return -EUCLEAN;
		}
		next = inode.i_dtime;
		x->fs->super->s_last_orphan = next;
		ext2fs_mark_super_dirty(x->fs);
		if (!inode.i_links_count) {
			err = free_inode(x, ino);
		} else {
			/* the kernel's mark of a truncate in progress: finish it */
			blk64_t keep = (EXT2_I_SIZE(&inode) + x->fs->blocksize - 1) / x->fs->blocksize;

			inode.i_dtime = 0;
			err = ext_error(ext2fs_punch(x->fs, ino, &inode, NULL, keep, ~0ULL), "truncate");
			if (!err)
				err = write_inode(x, ino, &inode);
		}
		if (err)
			return err;
		ino = next;
	}
	if (steps)
		arbor_log("ext_fs: freed %u orphaned inode(s)", steps);
	return 0;
}
