/*
 * <tar name="x.tar"/>: the content of a tar archive, a ROM module, as a
 * read-only tree (ustar, pax and GNU tar, uncompressed, read by
 * libarchive; see tar_index.h). The archive is read once, when the VFS is
 * built; file content is served from the mapped module without copying.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/util.h>
#include <session/rom.h>
#include "path.h"
#include "plugin.h"
#include "tar_index.h"

struct tar_fs {
	struct vfs_fs fs;
	struct arbor_rom rom;
	struct tar_index *idx;
};

struct tar_file {
	struct vfs_file f;
	struct tar_fs *tar;
	const struct tar_entry *e;
};

static struct tar_fs *tar_of(struct vfs_fs *fs)
{
	return container_of(fs, struct tar_fs, fs);
}

static void fill_stat(const struct tar_fs *t, const struct tar_entry *e, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = e->type;
	st->size = e->type == VFS_FILE ? e->size : e->type == VFS_SYMLINK ? strlen(e->target) : 0;
	st->inode = (uint64_t)(e - t->idx->ents) + 1;
	st->mtime = e->mtime;
	st->rwx = (e->mode & 0444 ? VFS_R : 0) | (e->mode & 0111 ? VFS_X : 0);
}

/* The entry at path; -ENOTDIR when a file lies on the way. */
static int find(struct tar_fs *t, const char *path, const struct tar_entry **out)
{
	char parent[VFS_PATH_MAX + 1];
	const char *base;

	*out = tar_index_find(t->idx, path);
	if (*out)
		return 0;
	/* tell a missing node from one below a file, as a real tree would */
	strcpy(parent, path);
	while ((base = strrchr(parent, '/')) && base != parent) {
		const struct tar_entry *e;

		parent[base - parent] = '\0';
		if ((e = tar_index_find(t->idx, parent)))
			return e->type == VFS_DIRECTORY ? -ENOENT : -ENOTDIR;
	}
	return -ENOENT;
}

static int tar_stat(struct vfs_fs *fs, const char *path, struct vfs_stat *st)
{
	struct tar_fs *t = tar_of(fs);
	const struct tar_entry *e;
	int err = find(t, path, &e);

	if (!err)
		fill_stat(t, e, st);
	return err;
}

static int tar_list(struct vfs_fs *fs, const char *path, struct vfs_listing *l)
{
	struct tar_fs *t = tar_of(fs);
	const struct tar_entry *e;
	size_t cursor = 0;
	int err = find(t, path, &e);

	if (err)
		return err;
	if (e->type != VFS_DIRECTORY)
		return -ENOTDIR;
	while ((e = tar_index_child(t->idx, path, &cursor)))
		if ((err = vfs_listing_add(l, vfs_path_basename(e->path), e->type)))
			return err;
	return 0;
}

static ssize_t file_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	const struct tar_entry *e = container_of(f, struct tar_file, f)->e;

	if (pos >= e->size)
		return 0;
	if (len > e->size - pos)
		len = (size_t)(e->size - pos);
	memcpy(dst, e->data + pos, len);
	return (ssize_t)len;
}

static int file_stat(struct vfs_file *f, struct vfs_stat *st)
{
	struct tar_file *tf = container_of(f, struct tar_file, f);

	fill_stat(tf->tar, tf->e, st);
	return 0;
}

static int file_close(struct vfs_file *f)
{
	free(container_of(f, struct tar_file, f));
	return 0;
}

static const struct vfs_file_ops tar_file_ops = {
	.read = file_read,
	.stat = file_stat,
	.close = file_close,
};

/* A change at path: -EROFS where the tree has path's directory, else not ours. */
static int refuse(struct tar_fs *t, const char *path)
{
	char parent[VFS_PATH_MAX + 1];
	const struct tar_entry *e;
	char *slash;

	strcpy(parent, path);
	slash = strrchr(parent, '/');
	if (!slash)
		return -ENOENT;
	if (slash == parent)
		slash[1] = '\0';
	else
		*slash = '\0';
	return find(t, parent, &e) ? -ENOENT : -EROFS;
}

static int tar_open(struct vfs_fs *fs, const char *path, int flags, struct vfs_file **out)
{
	struct tar_fs *t = tar_of(fs);
	const struct tar_entry *e;
	struct tar_file *tf;
	int err;

	*out = NULL;
	if (flags & O_CREAT)
		return refuse(t, path);
	if ((err = find(t, path, &e)))
		return err;
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	if (!(tf = calloc(1, sizeof(*tf))))
		return -ENOMEM;
	tf->f.ops = &tar_file_ops;
	tf->tar = t;
	tf->e = e;
	*out = &tf->f;
	return 0;
}

static int tar_mkdir(struct vfs_fs *fs, const char *path)
{
	return refuse(tar_of(fs), path);
}

static int tar_symlink(struct vfs_fs *fs, const char *target, const char *path)
{
	return refuse(tar_of(fs), path);
}

static int tar_unlink(struct vfs_fs *fs, const char *path, int dir)
{
	return -EROFS;
}

static int tar_rename(struct vfs_fs *fs, const char *from, const char *to)
{
	return -EROFS;
}

static ssize_t tar_readlink(struct vfs_fs *fs, const char *path, char *buf, size_t size)
{
	const struct tar_entry *e;
	int err = find(tar_of(fs), path, &e);
	size_t len;

	if (err)
		return err;
	if (e->type != VFS_SYMLINK)
		return -EINVAL;
	len = strlen(e->target);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, e->target, len + 1);
	return (ssize_t)len;
}

static void tar_free(struct vfs_fs *fs)
{
	struct tar_fs *t = tar_of(fs);

	tar_index_free(t->idx);
	arbor_rom_close(&t->rom);
	free(t);
}

static const struct vfs_fs_ops tar_ops = {
	.type = "tar",
	.stat = tar_stat,
	.list = tar_list,
	.open = tar_open,
	.mkdir = tar_mkdir,
	.unlink = tar_unlink,
	.rename = tar_rename,
	.symlink = tar_symlink,
	.readlink = tar_readlink,
	.free = tar_free,
};

int vfs_tar_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct tar_fs *t = calloc(1, sizeof(*t));
	char name[ARBOR_ROM_NAME_MAX + 1], why[256];
	int err;

	*out = NULL;
	if (!t)
		return ARBOR_E_OUT_OF_RAM;
	t->fs.ops = &tar_ops;
	err = vfs_config_string(a, "name", NULL, name, sizeof(name));
	if (!err && !a->env) {
		vfs_config_error(a->cfg, a->node, "needs a component environment");
		err = ARBOR_E_INVALID;
	}
	if (err)
		goto fail;
	err = arbor_rom_open(a->env, &t->rom, name, NULL);
	if (err) {
		vfs_config_error(a->cfg, a->node, "no ROM '%s': %s", name, arbor_strerror(err));
		goto fail;
	}
	err = tar_index_build(t->rom.text, t->rom.size, &t->idx, why, sizeof(why));
	if (err) {
		vfs_config_error(a->cfg, a->node, "ROM '%s' is no tar archive: %s", name, why);
		arbor_rom_close(&t->rom);
		goto fail;
	}
	if (t->idx->skipped)
		arbor_warning("tar '%s': %u entries left out (unsafe paths, clashes or other types)",
		              name, t->idx->skipped);
	*out = &t->fs;
	return 0;

fail:
	free(t);
	return err;
}
