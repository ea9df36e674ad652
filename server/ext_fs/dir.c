/*
 * Directory entries for the session: entry number index of a directory
 * (without "." and ".."), their count, and the ".." fix-up of a move.
 * A listing asks for entries 0, 1, 2, ... one call each; the cursor
 * remembers where the last one was, so a listing reads each directory
 * block once instead of walking from the start every time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/log.h>
#include "ext_fs.h"

struct entry {
	ext2_ino_t ino;
	int ftype;               /* EXT2_FT_*, 0 when the file system records none */
	char name[EXT2_NAME_LEN + 1];
};

static int is_dot_or_dotdot(const char *name, int len)
{
	return (len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.');
}

static int corrupt(struct ext_fs *x, ext2_ino_t dir)
{
	arbor_warning("ext_fs: directory %u is corrupt", dir);
	return ARBOR_FS_E_UNAVAILABLE;
}

/* Bring logical block c->lblk of the directory into c->buf (a hole: pblk 0). */
static int load_block(struct ext_fs *x, struct dir_cursor *c, struct ext2_inode *inode)
{
	blk64_t pblk = 0;
	errcode_t rc;

	rc = ext2fs_bmap2(x->fs, c->ino, inode, NULL, 0, c->lblk, NULL, &pblk);
	if (rc)
		return ext_error(rc, "directory block");
	if (pblk && pblk != c->pblk) {
		rc = ext2fs_read_dir_block4(x->fs, pblk, c->buf, 0, c->ino);
		if (rc) {
			c->pblk = 0;
			return ext_error(rc, "read directory block");
		}
	}
	c->pblk = pblk;
	return 0;
}

/*
 * The next entry from c's position on, moving past it: 1, or 0 at the
 * end of the directory. Block-mapped directories only (not inline data).
 */
static int next_entry(struct ext_fs *x, struct dir_cursor *c, struct ext2_inode *inode,
                      struct entry *out)
{
	uint64_t nblocks = EXT2_I_SIZE(inode) / x->fs->blocksize;
	int err;

	for (; c->lblk < nblocks; c->lblk++, c->offset = 0) {
		err = load_block(x, c, inode);
		if (err)
			return err;
		if (!c->pblk)
			continue;
		while (c->offset < x->fs->blocksize) {
			struct ext2_dir_entry *d = (struct ext2_dir_entry *)(c->buf + c->offset);
			unsigned rec_len;
			int len;

			if (x->fs->blocksize - c->offset < 8 || ext2fs_get_rec_len(x->fs, d, &rec_len))
				return corrupt(x, c->ino);
			len = ext2fs_dirent_name_len(d);
			if (rec_len < 8 || rec_len % 4 || rec_len > x->fs->blocksize - c->offset ||
			    (unsigned)len + 8 > rec_len)
				return corrupt(x, c->ino);
			c->offset += rec_len;
			if (!d->inode || is_dot_or_dotdot(d->name, len))
				continue;
			out->ino = d->inode;
			out->ftype = ext2fs_has_feature_filetype(x->fs->super)
			             ? ext2fs_dirent_file_type(d) : 0;
			memcpy(out->name, d->name, (size_t)len);
			out->name[len] = 0;
			return 1;
		}
	}
	return 0;
}

/* Inline-data directories are small: walk them with libext2fs every time. */
struct inline_walk {
	uint64_t want, seen;
	struct entry *out;
	int found;
};

static int inline_cb(ext2_ino_t dir, int kind, struct ext2_dir_entry *d, int offset,
                     int blocksize, char *buf, void *priv)
{
	struct inline_walk *w = priv;
	int len = ext2fs_dirent_name_len(d);

	if (kind == DIRENT_DOT_FILE || kind == DIRENT_DOT_DOT_FILE || !d->inode ||
	    is_dot_or_dotdot(d->name, len))
		return 0;
	if (w->out && w->seen == w->want) {
		w->out->ino = d->inode;
		w->out->ftype = ext2fs_dirent_file_type(d);
		memcpy(w->out->name, d->name, (size_t)len);
		w->out->name[len] = 0;
		w->found = 1;
		return DIRENT_ABORT;
	}
	w->seen++;
	return 0;
}

static int inline_walk(struct ext_fs *x, ext2_ino_t dir, struct inline_walk *w)
{
	errcode_t rc = ext2fs_dir_iterate2(x->fs, dir, 0, NULL, inline_cb, w);

	return ext_error(rc, "directory");
}

static int dir_inode(struct ext_fs *x, fs_ino dir, struct ext2_inode *inode)
{
	int err = node_read(x, dir, inode);

	if (!err && !LINUX_S_ISDIR(inode->i_mode))
		err = ARBOR_FS_E_INVALID_HANDLE;
	return err;
}

static int cursor_buf(struct ext_fs *x)
{
	if (!x->cursor.buf)
		x->cursor.buf = malloc(x->fs->blocksize);
	return x->cursor.buf ? 0 : -ENOMEM;
}

static void fill(struct ext_fs *x, const struct entry *e, struct arbor_fs_dirent *ent)
{
	struct ext2_inode inode;
	int have_inode = !ext2fs_read_inode(x->fs, e->ino, &inode);

	memset(ent, 0, sizeof(*ent));
	ent->inode = e->ino;
	if (e->ftype == EXT2_FT_DIR || (!e->ftype && have_inode && LINUX_S_ISDIR(inode.i_mode)))
		ent->type = ARBOR_FS_DIRECTORY;
	else if (e->ftype == EXT2_FT_SYMLINK ||
	         (!e->ftype && have_inode && LINUX_S_ISLNK(inode.i_mode)))
		ent->type = ARBOR_FS_SYMLINK;
	else
		ent->type = ARBOR_FS_FILE;
	ent->rwx = have_inode ? (inode.i_mode >> 6) & 7 : 0;
	if (!x->writeable)
		ent->rwx &= ~ARBOR_FS_W;
	strcpy(ent->name, e->name);
}

int dir_readdir(struct ext_fs *x, fs_ino dir, uint64_t index, struct arbor_fs_dirent *ent)
{
	struct dir_cursor *c = &x->cursor;
	struct ext2_inode inode;
	struct entry e;
	int err, found = 0;

	memset(ent, 0, sizeof(*ent));
	err = dir_inode(x, dir, &inode);
	if (err)
		return err;
	if (inode.i_flags & EXT4_INLINE_DATA_FL) {
		struct inline_walk w = { index, 0, &e, 0 };

		err = inline_walk(x, (ext2_ino_t)dir, &w);
		if (err || !w.found)
			return err;
		fill(x, &e, ent);
		return 1;
	}
	err = cursor_buf(x);
	if (err)
		return err;
	if (c->ino != dir || c->generation != x->generation || c->index > index) {
		c->ino = (ext2_ino_t)dir;
		c->generation = x->generation;
		c->index = 0;
		c->lblk = 0;
		c->offset = 0;
		c->pblk = 0;
	}
	while (c->index <= index) {
		found = next_entry(x, c, &inode, &e);
		if (found <= 0)
			break;
		c->index++;
	}
	if (found < 0) {
		c->ino = 0;
		return found;
	}
	if (!found)
		return 0;
	fill(x, &e, ent);
	return 1;
}

int64_t dir_count(struct ext_fs *x, fs_ino dir)
{
	struct dir_cursor c = { 0 };
	struct ext2_inode inode;
	struct entry e;
	int64_t n = 0;
	int err;

	if (x->count_ino == dir && x->count_generation == x->generation)
		return (int64_t)x->count_value;
	err = dir_inode(x, dir, &inode);
	if (err)
		return err;
	if (inode.i_flags & EXT4_INLINE_DATA_FL) {
		struct inline_walk w = { 0, 0, NULL, 0 };

		err = inline_walk(x, (ext2_ino_t)dir, &w);
		n = w.seen;
	} else {
		c.ino = (ext2_ino_t)dir;
		c.buf = malloc(x->fs->blocksize);
		if (!c.buf)
			return -ENOMEM;
		while ((err = next_entry(x, &c, &inode, &e)) == 1)
			n++;
		free(c.buf);
	}
	if (err < 0)
		return err;
	x->count_ino = (ext2_ino_t)dir;
	x->count_generation = x->generation;
	x->count_value = (uint64_t)n;
	return n;
}

/* By name: an inline-data directory's ".." comes as an ordinary entry (not DOT_DOT). */
static int dotdot_cb(ext2_ino_t dir, int kind, struct ext2_dir_entry *d, int offset,
                     int blocksize, char *buf, void *priv)
{
	if (kind != DIRENT_DOT_DOT_FILE &&
	    !(ext2fs_dirent_name_len(d) == 2 && d->name[0] == '.' && d->name[1] == '.'))
		return 0;
	d->inode = *(ext2_ino_t *)priv;
	return DIRENT_CHANGED | DIRENT_ABORT;
}

int dir_set_dotdot(struct ext_fs *x, fs_ino dir, fs_ino parent)
{
	ext2_ino_t p = (ext2_ino_t)parent;

	x->generation++;
	return ext_error(ext2fs_dir_iterate2(x->fs, (ext2_ino_t)dir, DIRENT_FLAG_INCLUDE_EMPTY,
	                                     NULL, dotdot_cb, &p), "set ..");
}

void dir_fini(struct ext_fs *x)
{
	free(x->cursor.buf);
	memset(&x->cursor, 0, sizeof(x->cursor));
}
