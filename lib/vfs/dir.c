/*
 * <dir name="…">: a named directory of the tree holding mounts (mount.h).
 * It cannot be removed or renamed, and takes no new nodes of its own: the
 * plugins mounted in it do.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "mount.h"
#include "path.h"

struct dir_fs {
	struct vfs_fs fs;
	struct vfs_fs *mounts;
	char name[VFS_NAME_MAX + 1];   /* "" for the root */
};

static struct dir_fs *dir_of(struct vfs_fs *fs)
{
	return container_of(fs, struct dir_fs, fs);
}

/* A <dir> sees only "/" (its parent, listing it) and "/name" (itself). */
static int is_self(struct dir_fs *d, const char *path)
{
	const char *rest = vfs_path_below(path, d->name);

	return rest && !*rest;
}

static int dir_stat(struct vfs_fs *fs, const char *path, struct vfs_stat *st)
{
	struct dir_fs *d = dir_of(fs);

	if (!is_self(d, path))
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->type = VFS_DIRECTORY;
	st->rwx = VFS_R | VFS_X;
	st->inode = (uint64_t)(uintptr_t)d;
	return 0;
}

static int dir_list(struct vfs_fs *fs, const char *path, struct vfs_listing *l)
{
	struct dir_fs *d = dir_of(fs);

	if (!strcmp(path, "/"))
		return vfs_listing_add(l, d->name, VFS_DIRECTORY);
	/* itself: its entries are those of its mounts, visited next */
	return is_self(d, path) ? 0 : -ENOENT;
}

static int dir_busy(struct vfs_fs *fs, const char *path, int dir)
{
	return is_self(dir_of(fs), path) ? -EBUSY : -ENOENT;
}

static int dir_rename(struct vfs_fs *fs, const char *from, const char *to)
{
	return -EBUSY;
}

static int dir_sync(struct vfs_fs *fs)
{
	int first = 0;

	for (struct vfs_fs *m = dir_of(fs)->mounts; m; m = m->next) {
		int err = m->ops->sync ? m->ops->sync(m) : 0;
		if (err && !first)
			first = err;
	}
	return first;
}

static void dir_free(struct vfs_fs *fs)
{
	struct dir_fs *d = dir_of(fs);

	vfs_mounts_free(d->mounts);
	free(d);
}

static const struct vfs_fs_ops dir_ops = {
	.type = "dir",
	.stat = dir_stat,
	.list = dir_list,
	.unlink = dir_busy,
	.rename = dir_rename,
	.sync = dir_sync,
	.free = dir_free,
};

int vfs_dir_each(struct vfs_fs *fs, const char *path, vfs_visit_fn fn, void *ctx)
{
	for (struct vfs_fs *m = dir_of(fs)->mounts; m; m = m->next) {
		const char *rest;
		int r;

		if (m->ops != &dir_ops)
			r = fn(m, path, ctx);
		else if (!(rest = vfs_path_below(path, dir_of(m)->name)))
			r = strcmp(path, "/") ? 0 : fn(m, path, ctx);
		else if (!*rest) {
			r = fn(m, path, ctx);
			if (!r)
				r = vfs_dir_each(m, "/", fn, ctx);
		} else
			r = vfs_dir_each(m, rest, fn, ctx);
		if (r)
			return r;
	}
	return 0;
}

static int dir_new(const struct vfs_plugin_args *a, const char *name, struct vfs_fs **out)
{
	struct dir_fs *d = calloc(1, sizeof(*d));
	int err;

	*out = NULL;
	if (!d)
		return ARBOR_E_OUT_OF_RAM;
	d->fs.ops = &dir_ops;
	strcpy(d->name, name);
	err = vfs_config_mount(a, &d->mounts);
	if (err) {
		free(d);
		return err;
	}
	*out = &d->fs;
	return 0;
}

int vfs_dir_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	char name[VFS_NAME_MAX + 1];
	int err = vfs_config_name(a, NULL, name);

	*out = NULL;
	return err ? err : dir_new(a, name, out);
}

int vfs_dir_root_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	return dir_new(a, "", out);
}
