/*
 * The VFS's operations on paths: each resolves its path to the mount
 * answering for it (vfs_resolve()) and asks that mount; a new node goes
 * to the first mount of its directory that takes it.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "mount.h"
#include "path.h"
#include "vfs_internal.h"

enum create_kind { CREATE_FILE, CREATE_DIR, CREATE_SYMLINK };

struct create {
	enum create_kind kind;
	int flags;                    /* CREATE_FILE */
	const char *target;           /* CREATE_SYMLINK */
	struct vfs_file *file;        /* CREATE_FILE: the new file's handle */
	int err;                      /* the first verdict other than -ENOENT */
};

static int create_visit(struct vfs_fs *fs, const char *path, void *ctx)
{
	struct create *c = ctx;
	int r;

	switch (c->kind) {
	case CREATE_FILE:
		r = fs->ops->open ? fs->ops->open(fs, path, c->flags | O_CREAT | O_EXCL, &c->file)
		                  : -EROFS;
		break;
	case CREATE_DIR:
		r = fs->ops->mkdir ? fs->ops->mkdir(fs, path) : -EROFS;
		break;
	default:
		r = fs->ops->symlink ? fs->ops->symlink(fs, c->target, path) : -EROFS;
		break;
	}
	if (!r)
		return 1;
	if (r != -ENOENT && !c->err)
		c->err = r;
	return 0;
}

/*
 * Make the node at node->path, which no mount has, in the first mount of
 * its directory that takes it. A directory where none does (a <dir> of
 * read-only plugins) is -EROFS.
 */
static int create(struct vfs *vfs, struct vfs_node *node, struct create *c)
{
	if (vfs_dir_each(vfs->root, node->path, create_visit, c) == 1)
		return 0;
	return c->err ? c->err : -EROFS;
}

static int ends_with_slash(const char *path)
{
	size_t len = strlen(path);

	return len > 1 && path[len - 1] == '/';
}

#define OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NOFOLLOW | \
                    O_CLOEXEC | O_NONBLOCK)

int vfs_open(struct vfs *vfs, const char *path, int flags, struct vfs_handle **out)
{
	int excl = (flags & O_CREAT) && (flags & O_EXCL);
	struct vfs_handle *h = calloc(1, sizeof(*h));
	struct vfs_node *node = malloc(sizeof(*node));
	struct vfs_file *file = NULL;
	int err = 0;

	*out = NULL;
	if (!h || !node)
		err = -ENOMEM;
	else if ((flags & ~OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE)
		err = -EINVAL;
	if (!err)
		err = vfs_resolve(vfs, path, !(flags & O_NOFOLLOW) && !excl, node);
	if (err)
		goto fail;
	if (node->fs) {
		if (excl)
			err = -EEXIST;
		else if (node->st.type == VFS_SYMLINK)
			err = -ELOOP;
		else if (node->st.type == VFS_DIRECTORY)
			err = -EISDIR;
		else if (!node->fs->ops->open)
			err = -EROFS;
		else
			err = node->fs->ops->open(node->fs, node->fs_path, flags & ~(O_CREAT | O_EXCL),
			                          &file);
	} else if (!(flags & O_CREAT))
		err = -ENOENT;
	else if (ends_with_slash(path))
		err = -EISDIR;
	else {
		struct create c = { .kind = CREATE_FILE, .flags = flags };

		err = create(vfs, node, &c);
		file = c.file;
	}
	if (err)
		goto fail;
	h->vfs = vfs;
	h->file = file;
	h->flags = flags;
	*out = h;
	free(node);
	return 0;

fail:
	free(node);
	free(h);
	return err;
}

static int stat_path(struct vfs *vfs, const char *path, int follow, struct vfs_stat *st)
{
	struct vfs_node *node = malloc(sizeof(*node));
	int err = node ? vfs_resolve(vfs, path, follow, node) : -ENOMEM;

	memset(st, 0, sizeof(*st));
	if (!err && !node->fs)
		err = -ENOENT;
	if (!err)
		*st = node->st;
	free(node);
	return err;
}

int vfs_stat(struct vfs *vfs, const char *path, struct vfs_stat *st)
{
	return stat_path(vfs, path, 1, st);
}

int vfs_lstat(struct vfs *vfs, const char *path, struct vfs_stat *st)
{
	return stat_path(vfs, path, 0, st);
}

/* Resolve path (its last symlink not followed) for a new node there. */
static int make(struct vfs *vfs, const char *path, struct create *c)
{
	struct vfs_node *node = malloc(sizeof(*node));
	int err = node ? vfs_resolve(vfs, path, 0, node) : -ENOMEM;

	if (!err && node->fs)
		err = -EEXIST;
	if (!err)
		err = create(vfs, node, c);
	free(node);
	return err;
}

int vfs_mkdir(struct vfs *vfs, const char *path)
{
	struct create c = { .kind = CREATE_DIR };

	return make(vfs, path, &c);
}

int vfs_symlink(struct vfs *vfs, const char *target, const char *path)
{
	struct create c = { .kind = CREATE_SYMLINK, .target = target };
	size_t len = strlen(target);

	if (!len)
		return -ENOENT;
	if (len > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (ends_with_slash(path))
		return -ENOENT;
	return make(vfs, path, &c);
}

static int remove_node(struct vfs *vfs, const char *path, int dir)
{
	struct vfs_node *node = malloc(sizeof(*node));
	int err = node ? vfs_resolve(vfs, path, 0, node) : -ENOMEM;

	if (!err && !node->fs)
		err = -ENOENT;
	if (!err && vfs_node_is_root(vfs, node))
		err = -EBUSY;
	else if (!err && dir && node->st.type != VFS_DIRECTORY)
		err = -ENOTDIR;
	else if (!err && !dir && node->st.type == VFS_DIRECTORY)
		err = -EISDIR;
	if (!err)
		err = node->fs->ops->unlink ? node->fs->ops->unlink(node->fs, node->fs_path, dir)
		                            : -EROFS;
	free(node);
	return err;
}

int vfs_unlink(struct vfs *vfs, const char *path)
{
	return remove_node(vfs, path, 0);
}

int vfs_rmdir(struct vfs *vfs, const char *path)
{
	return remove_node(vfs, path, 1);
}

struct find_mount {
	struct vfs_fs *fs;
	const char *path;
};

static int find_visit(struct vfs_fs *fs, const char *path, void *ctx)
{
	struct find_mount *f = ctx;

	if (fs != f->fs)
		return 0;
	f->path = path;
	return 1;
}

int vfs_rename(struct vfs *vfs, const char *from, const char *to)
{
	struct vfs_node *src = malloc(sizeof(*src)), *dst = malloc(sizeof(*dst));
	struct find_mount f = { NULL, NULL };
	int err = src && dst ? 0 : -ENOMEM;

	if (!err)
		err = vfs_resolve(vfs, from, 0, src);
	if (!err && !src->fs)
		err = -ENOENT;
	if (!err)
		err = vfs_resolve(vfs, to, 0, dst);
	if (err)
		goto out;
	if (vfs_node_is_root(vfs, src) || vfs_node_is_root(vfs, dst))
		err = -EBUSY;
	else if (dst->fs && dst->fs != src->fs)
		err = -EXDEV;   /* the name at to belongs to another mount */
	if (err)
		goto out;
	/* where to lies in the namespace of from's mount, if it does */
	f.fs = src->fs;
	if (vfs_dir_each(vfs->root, dst->path, find_visit, &f) != 1)
		err = -EXDEV;
	else if (!src->fs->ops->rename)
		err = -EROFS;
	else
		err = src->fs->ops->rename(src->fs, src->fs_path, f.path);
out:
	free(src);
	free(dst);
	return err;
}

ssize_t vfs_readlink(struct vfs *vfs, const char *path, char *buf, size_t size)
{
	struct vfs_node *node = malloc(sizeof(*node));
	ssize_t n = node ? vfs_resolve(vfs, path, 0, node) : -ENOMEM;

	if (!n && !node->fs)
		n = -ENOENT;
	if (!n && node->st.type != VFS_SYMLINK)
		n = -EINVAL;
	if (!n)
		n = node->fs->ops->readlink ? node->fs->ops->readlink(node->fs, node->fs_path, buf, size)
		                            : -EINVAL;
	free(node);
	return n;
}

int vfs_truncate(struct vfs *vfs, const char *path, uint64_t size)
{
	struct vfs_handle *h;
	int err = vfs_open(vfs, path, O_WRONLY, &h);

	if (err)
		return err;
	err = vfs_ftruncate(h, size);
	int cerr = vfs_close(h);
	return err ? err : cerr;
}

int vfs_sync(struct vfs *vfs)
{
	return vfs->root->ops->sync(vfs->root);
}
