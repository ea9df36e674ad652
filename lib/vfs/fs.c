/*
 * <fs label="…" root="/…" writeable="yes" buffer_size="…"/>: the tree of a
 * File_system session (session/file_system.h), mounted here. The session
 * never follows symlinks; the VFS resolves them, so a symlink in the
 * server's tree leads only to places inside this VFS.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include <file_system/fs_client.h>
#include "path.h"
#include "plugin.h"

struct fs_fs {
	struct vfs_fs fs;
	struct fs_connection conn;
};

struct fs_file {
	struct vfs_file f;
	struct fs_fs *fs;
	uint32_t handle;
};

static struct fs_connection *conn_of(struct vfs_fs *fs)
{
	return &container_of(fs, struct fs_fs, fs)->conn;
}

static void fill_stat(const struct arbor_fs_status *s, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = s->type;
	st->size = s->type == ARBOR_FS_DIRECTORY ? 0 : s->size;
	st->inode = s->inode;
	st->mtime = s->modification_time;
	st->rwx = s->rwx & (VFS_R | VFS_W | VFS_X);
}

/* Open the directory holding path's last element: its handle, or an error. */
static int open_parent(struct fs_connection *c, const char *path, const char **name)
{
	char parent[VFS_PATH_MAX + 1];
	int err = vfs_path_split(path, parent, sizeof(parent), name);

	return err ? err : fs_dir(c, parent, 0);
}

static int fs_stat_path(struct vfs_fs *fs, const char *path, struct vfs_stat *st)
{
	struct fs_connection *c = conn_of(fs);
	struct arbor_fs_status s;
	int h = fs_node(c, path), err;

	if (h < 0)
		return h;
	err = fs_status(c, (uint32_t)h, &s);
	fs_close(c, (uint32_t)h);
	if (!err)
		fill_stat(&s, st);
	return err;
}

static int fs_list(struct vfs_fs *fs, const char *path, struct vfs_listing *l)
{
	struct fs_connection *c = conn_of(fs);
	struct arbor_fs_dirent ent;
	int h = fs_dir(c, path, 0), r = 0;

	if (h < 0)
		return h;
	for (uint64_t i = 0; (r = fs_readdir(c, (uint32_t)h, i, &ent)) == 1; i++) {
		ent.name[ARBOR_FS_NAME_MAX] = '\0';
		if ((r = vfs_listing_add(l, ent.name, ent.type)))
			break;
	}
	fs_close(c, (uint32_t)h);
	return r < 0 ? r : 0;
}

static struct fs_file *file_of(struct vfs_file *f)
{
	return container_of(f, struct fs_file, f);
}

static ssize_t file_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	struct fs_file *ff = file_of(f);

	return fs_read(&ff->fs->conn, ff->handle, pos, dst, len);
}

static ssize_t file_write(struct vfs_file *f, const void *src, size_t len, uint64_t pos)
{
	struct fs_file *ff = file_of(f);

	return fs_write(&ff->fs->conn, ff->handle, pos, src, len);
}

static int file_stat(struct vfs_file *f, struct vfs_stat *st)
{
	struct fs_file *ff = file_of(f);
	struct arbor_fs_status s;
	int err = fs_status(&ff->fs->conn, ff->handle, &s);

	if (!err)
		fill_stat(&s, st);
	return err;
}

static int file_truncate(struct vfs_file *f, uint64_t size)
{
	struct fs_file *ff = file_of(f);

	return fs_truncate(&ff->fs->conn, ff->handle, size);
}

static int file_sync(struct vfs_file *f)
{
	return fs_sync(&file_of(f)->fs->conn);
}

static int file_close(struct vfs_file *f)
{
	struct fs_file *ff = file_of(f);
	int err = fs_close(&ff->fs->conn, ff->handle);

	free(ff);
	return err;
}

static const struct vfs_file_ops fs_file_ops = {
	.read = file_read,
	.write = file_write,
	.stat = file_stat,
	.truncate = file_truncate,
	.sync = file_sync,
	.close = file_close,
};

static enum arbor_fs_mode mode_of(int flags)
{
	switch (flags & O_ACCMODE) {
	case O_WRONLY:
		return ARBOR_FS_WRITE_ONLY;
	case O_RDWR:
		return ARBOR_FS_READ_WRITE;
	default:
		return ARBOR_FS_READ_ONLY;
	}
}

static int fs_open(struct vfs_fs *fs, const char *path, int flags, struct vfs_file **out)
{
	struct fs_connection *c = conn_of(fs);
	struct fs_file *ff = calloc(1, sizeof(*ff));
	const char *name;
	int dir, h, err = 0;

	*out = NULL;
	if (!ff)
		return -ENOMEM;
	dir = open_parent(c, path, &name);
	if (dir < 0) {
		free(ff);
		return dir;
	}
	h = fs_file(c, (uint32_t)dir, name, mode_of(flags), !!(flags & O_CREAT));
	fs_close(c, (uint32_t)dir);
	if (h < 0) {
		free(ff);
		return h;
	}
	if ((flags & O_TRUNC) && !(flags & O_CREAT) && (flags & O_ACCMODE) != O_RDONLY)
		err = fs_truncate(c, (uint32_t)h, 0);
	if (err) {
		fs_close(c, (uint32_t)h);
		free(ff);
		return err;
	}
	ff->f.ops = &fs_file_ops;
	ff->fs = container_of(fs, struct fs_fs, fs);
	ff->handle = (uint32_t)h;
	*out = &ff->f;
	return 0;
}

static int fs_mkdir(struct vfs_fs *fs, const char *path)
{
	struct fs_connection *c = conn_of(fs);
	int h = fs_dir(c, path, 1);

	if (h < 0)
		return h;
	fs_close(c, (uint32_t)h);
	return 0;
}

static int fs_remove(struct vfs_fs *fs, const char *path, int dir)
{
	struct fs_connection *c = conn_of(fs);
	const char *name;
	int h = open_parent(c, path, &name), err;

	if (h < 0)
		return h;
	err = fs_unlink(c, (uint32_t)h, name);
	fs_close(c, (uint32_t)h);
	return err;
}

static int fs_rename(struct vfs_fs *fs, const char *from, const char *to)
{
	struct fs_connection *c = conn_of(fs);
	const char *from_name, *to_name;
	int from_dir = open_parent(c, from, &from_name), to_dir, err;

	if (from_dir < 0)
		return from_dir;
	to_dir = open_parent(c, to, &to_name);
	if (to_dir < 0) {
		fs_close(c, (uint32_t)from_dir);
		return to_dir;
	}
	err = fs_move(c, (uint32_t)from_dir, from_name, (uint32_t)to_dir, to_name);
	fs_close(c, (uint32_t)to_dir);
	fs_close(c, (uint32_t)from_dir);
	return err;
}

static int fs_make_symlink(struct vfs_fs *fs, const char *target, const char *path)
{
	struct fs_connection *c = conn_of(fs);
	size_t len = strlen(target);
	const char *name;
	int dir = open_parent(c, path, &name), h;
	ssize_t n;

	if (dir < 0)
		return dir;
	h = fs_symlink(c, (uint32_t)dir, name, 1);
	if (h < 0) {
		fs_close(c, (uint32_t)dir);
		return h;
	}
	n = fs_write(c, (uint32_t)h, 0, target, len);
	fs_close(c, (uint32_t)h);
	if (n >= 0 && (size_t)n != len)
		n = -ENOSPC;
	/* a symlink without its target would be a trap for every later lookup */
	if (n < 0)
		fs_unlink(c, (uint32_t)dir, name);
	fs_close(c, (uint32_t)dir);
	return n < 0 ? (int)n : 0;
}

static ssize_t fs_readlink_path(struct vfs_fs *fs, const char *path, char *buf, size_t size)
{
	struct fs_connection *c = conn_of(fs);
	struct arbor_fs_status s;
	const char *name;
	int dir = open_parent(c, path, &name), h;
	ssize_t n;

	if (dir < 0)
		return dir;
	h = fs_symlink(c, (uint32_t)dir, name, 0);
	fs_close(c, (uint32_t)dir);
	if (h < 0)
		return h;
	n = fs_status(c, (uint32_t)h, &s);
	if (!n && s.size >= size)
		n = -ENAMETOOLONG;
	if (!n)
		n = fs_read(c, (uint32_t)h, 0, buf, (size_t)s.size);
	fs_close(c, (uint32_t)h);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

static int fs_sync_all(struct vfs_fs *fs)
{
	return fs_sync(conn_of(fs));
}

static void fs_free(struct vfs_fs *fs)
{
	struct fs_fs *f = container_of(fs, struct fs_fs, fs);

	fs_connection_close(&f->conn);
	free(f);
}

static const struct vfs_fs_ops fs_ops = {
	.type = "fs",
	.stat = fs_stat_path,
	.list = fs_list,
	.open = fs_open,
	.mkdir = fs_mkdir,
	.unlink = fs_remove,
	.rename = fs_rename,
	.symlink = fs_make_symlink,
	.readlink = fs_readlink_path,
	.sync = fs_sync_all,
	.free = fs_free,
};

int vfs_fs_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct fs_fs *f = calloc(1, sizeof(*f));
	char label[ARBOR_FS_PATH_MAX + 1], root[ARBOR_FS_PATH_MAX + 1];
	struct fs_args args = { .label = label, .root = root };
	uint64_t buffer;
	int err;

	*out = NULL;
	if (!f)
		return ARBOR_E_OUT_OF_RAM;
	f->fs.ops = &fs_ops;
	err = vfs_config_string(a, "label", "", label, sizeof(label));
	if (!err)
		err = vfs_config_string(a, "root", "/", root, sizeof(root));
	if (!err && xml_attr_bool(a->node, "writeable", 1, &args.writeable)) {
		vfs_config_error(a->cfg, a->node, "writeable is neither yes nor no");
		err = ARBOR_E_INVALID;
	}
	if (!err && (xml_attr_u64(a->node, "buffer_size", ARBOR_FS_TX_BUF_DEFAULT, &buffer) ||
	             buffer > ARBOR_FS_TX_BUF_MAX)) {
		vfs_config_error(a->cfg, a->node, "buffer_size is no size up to %u bytes",
		                 ARBOR_FS_TX_BUF_MAX);
		err = ARBOR_E_INVALID;
	}
	if (!err && root[0] != '/') {
		vfs_config_error(a->cfg, a->node, "root=\"%s\" is not an absolute path", root);
		err = ARBOR_E_INVALID;
	}
	if (!err && !a->env) {
		vfs_config_error(a->cfg, a->node, "needs a component environment");
		err = ARBOR_E_INVALID;
	}
	if (err)
		goto fail;
	args.tx_buf_size = (size_t)buffer;
	err = fs_connection_open(a->env, &f->conn, &args);
	if (err) {
		vfs_config_error(a->cfg, a->node, "no File_system session: %s", arbor_strerror(err));
		goto fail;
	}
	*out = &f->fs;
	return 0;

fail:
	free(f);
	return err;
}
