/*
 * <ram/>: an in-memory file system, empty at start, paid from the
 * component's own RAM. Its content goes away with the VFS.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "path.h"
#include "plugin.h"
#include "ram_node.h"

struct ram_fs {
	struct vfs_fs fs;
	struct ram_node *root;
	uint64_t next_inode;
};

struct ram_file {
	struct vfs_file f;
	struct ram_fs *ram;
	struct ram_node *node;
};

static struct ram_fs *ram_of(struct vfs_fs *fs)
{
	return container_of(fs, struct ram_fs, fs);
}

static uint64_t now(void)
{
	struct timespec ts;

	return clock_gettime(CLOCK_REALTIME, &ts) ? 0 : (uint64_t)ts.tv_sec;
}

/* The directory holding the last element of path, and that element. */
static int walk_parent(struct ram_fs *r, const char *path, struct ram_node **dir, char *name)
{
	struct ram_node *n = r->root;
	const char *p = path, *e;
	size_t len;

	*dir = NULL;
	p = vfs_path_next(p, &e, &len);
	if (!len)
		return -EBUSY;   /* "/" is no element of a directory */
	for (;;) {
		const char *next_e;
		size_t next_len;
		const char *q = vfs_path_next(p, &next_e, &next_len);

		if (len > VFS_NAME_MAX)
			return -ENAMETOOLONG;
		if (!next_len) {
			memcpy(name, e, len);
			name[len] = '\0';
			*dir = n;
			return 0;
		}
		memcpy(name, e, len);
		name[len] = '\0';
		n = ram_dir_find(n, name);
		if (!n)
			return -ENOENT;
		if (n->type != VFS_DIRECTORY)
			return -ENOTDIR;
		e = next_e;
		len = next_len;
		p = q;
	}
}

static int walk(struct ram_fs *r, const char *path, struct ram_node **node)
{
	char name[VFS_NAME_MAX + 1];
	struct ram_node *dir;
	int err;

	*node = NULL;
	if (vfs_path_at_end(path)) {
		*node = r->root;
		return 0;
	}
	if ((err = walk_parent(r, path, &dir, name)))
		return err;
	*node = ram_dir_find(dir, name);
	return *node ? 0 : -ENOENT;
}

static void fill_stat(const struct ram_node *n, struct vfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->type = n->type;
	st->inode = n->inode;
	st->mtime = n->mtime;
	st->rwx = VFS_R | VFS_W | (n->type == VFS_FILE ? 0 : VFS_X);
	if (n->type == VFS_FILE)
		st->size = n->file.size;
	else if (n->type == VFS_SYMLINK)
		st->size = strlen(n->target);
}

static int ram_stat(struct vfs_fs *fs, const char *path, struct vfs_stat *st)
{
	struct ram_node *n;
	int err = walk(ram_of(fs), path, &n);

	if (!err)
		fill_stat(n, st);
	return err;
}

static int ram_list(struct vfs_fs *fs, const char *path, struct vfs_listing *l)
{
	struct ram_node *n;
	int err = walk(ram_of(fs), path, &n);

	if (err)
		return err;
	if (n->type != VFS_DIRECTORY)
		return -ENOTDIR;
	for (size_t i = 0; i < n->dir.count; i++)
		if ((err = vfs_listing_add(l, n->dir.ents[i]->name, n->dir.ents[i]->type)))
			return err;
	return 0;
}

/* Make a node of type at path, whose parent must be a directory here. */
static int make(struct ram_fs *r, const char *path, uint32_t type, struct ram_node **out)
{
	char name[VFS_NAME_MAX + 1];
	struct ram_node *dir, *n;
	int err;

	*out = NULL;
	if ((err = walk_parent(r, path, &dir, name)))
		return err == -EBUSY ? -EEXIST : err;
	if (ram_dir_find(dir, name))
		return -EEXIST;
	n = ram_node_new(name, type, ++r->next_inode);
	if (!n)
		return -ENOMEM;
	n->mtime = now();
	if ((err = ram_dir_insert(dir, n))) {
		ram_node_free(n);
		return err;
	}
	dir->mtime = n->mtime;
	*out = n;
	return 0;
}

static struct ram_file *file_of(struct vfs_file *f)
{
	return container_of(f, struct ram_file, f);
}

static ssize_t file_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	return ram_file_read(file_of(f)->node, dst, len, pos);
}

static ssize_t file_write(struct vfs_file *f, const void *src, size_t len, uint64_t pos)
{
	struct ram_node *n = file_of(f)->node;
	ssize_t done = ram_file_write(n, src, len, pos);

	if (done > 0)
		n->mtime = now();
	return done;
}

static int file_stat(struct vfs_file *f, struct vfs_stat *st)
{
	fill_stat(file_of(f)->node, st);
	return 0;
}

static int file_truncate(struct vfs_file *f, uint64_t size)
{
	struct ram_node *n = file_of(f)->node;
	int err = ram_file_truncate(n, size);

	if (!err)
		n->mtime = now();
	return err;
}

static int file_close(struct vfs_file *f)
{
	struct ram_file *rf = file_of(f);
	struct ram_node *n = rf->node;

	/* an unlinked file lives until its last handle goes */
	if (!--n->open && !n->parent && n != rf->ram->root)
		ram_node_free(n);
	free(rf);
	return 0;
}

static const struct vfs_file_ops ram_file_ops = {
	.read = file_read,
	.write = file_write,
	.stat = file_stat,
	.truncate = file_truncate,
	.close = file_close,
};

static int ram_open(struct vfs_fs *fs, const char *path, int flags, struct vfs_file **out)
{
	struct ram_fs *r = ram_of(fs);
	struct ram_file *rf = calloc(1, sizeof(*rf));
	struct ram_node *n;
	int err;

	*out = NULL;
	if (!rf)
		return -ENOMEM;
	err = flags & O_CREAT ? make(r, path, VFS_FILE, &n) : walk(r, path, &n);
	if (!err && n->type != VFS_FILE)
		err = n->type == VFS_DIRECTORY ? -EISDIR : -ELOOP;
	if (!err && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY && n->file.size) {
		err = ram_file_truncate(n, 0);
		n->mtime = now();
	}
	if (err) {
		free(rf);
		return err;
	}
	rf->f.ops = &ram_file_ops;
	rf->ram = r;
	rf->node = n;
	n->open++;
	*out = &rf->f;
	return 0;
}

static int ram_mkdir(struct vfs_fs *fs, const char *path)
{
	struct ram_node *n;

	return make(ram_of(fs), path, VFS_DIRECTORY, &n);
}

static int ram_symlink(struct vfs_fs *fs, const char *target, const char *path)
{
	char *copy = strdup(target);
	struct ram_node *n;
	int err;

	if (!copy)
		return -ENOMEM;
	err = make(ram_of(fs), path, VFS_SYMLINK, &n);
	if (err) {
		free(copy);
		return err;
	}
	n->target = copy;
	return 0;
}

/* Unlink n and free it unless it is open. */
static void drop(struct ram_node *n)
{
	if (n->parent)
		n->parent->mtime = now();
	ram_dir_remove(n);
	if (!n->open)
		ram_node_free(n);
}

static int ram_unlink(struct vfs_fs *fs, const char *path, int dir)
{
	struct ram_fs *r = ram_of(fs);
	struct ram_node *n;
	int err = walk(r, path, &n);

	if (err)
		return err;
	if (n == r->root)
		return -EBUSY;
	if (dir && n->type != VFS_DIRECTORY)
		return -ENOTDIR;
	if (!dir && n->type == VFS_DIRECTORY)
		return -EISDIR;
	if (dir && n->dir.count)
		return -ENOTEMPTY;
	drop(n);
	return 0;
}

/* 1 when n is dir or lies below it. */
static int is_within(const struct ram_node *n, const struct ram_node *dir)
{
	for (; n; n = n->parent)
		if (n == dir)
			return 1;
	return 0;
}

static int ram_rename(struct vfs_fs *fs, const char *from, const char *to)
{
	struct ram_fs *r = ram_of(fs);
	char name[VFS_NAME_MAX + 1], *copy;
	struct ram_node *n, *dir, *old, *from_dir;
	int err;

	if ((err = walk(r, from, &n)))
		return err;
	if (n == r->root)
		return -EBUSY;
	if ((err = walk_parent(r, to, &dir, name)))
		return err;
	if (n->type == VFS_DIRECTORY && is_within(dir, n))
		return -EINVAL;
	old = ram_dir_find(dir, name);
	if (old == n)
		return 0;
	if (old) {
		if (n->type == VFS_DIRECTORY && old->type != VFS_DIRECTORY)
			return -ENOTDIR;
		if (n->type != VFS_DIRECTORY && old->type == VFS_DIRECTORY)
			return -EISDIR;
		if (old->type == VFS_DIRECTORY && old->dir.count)
			return -ENOTEMPTY;
	}
	/* everything that can fail comes before the first change */
	if (!(copy = strdup(name)))
		return -ENOMEM;
	if ((err = ram_dir_reserve(dir))) {
		free(copy);
		return err;
	}
	from_dir = n->parent;
	ram_dir_remove(n);
	if (old)
		drop(old);
	free(n->name);
	n->name = copy;
	ram_dir_insert(dir, n);   /* cannot fail: a slot is reserved and the name is free */
	from_dir->mtime = dir->mtime = now();
	return 0;
}

static ssize_t ram_readlink(struct vfs_fs *fs, const char *path, char *buf, size_t size)
{
	struct ram_node *n;
	int err = walk(ram_of(fs), path, &n);
	size_t len;

	if (err)
		return err;
	if (n->type != VFS_SYMLINK)
		return -EINVAL;
	len = strlen(n->target);
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, n->target, len + 1);
	return (ssize_t)len;
}

static void ram_free(struct vfs_fs *fs)
{
	struct ram_fs *r = ram_of(fs);

	ram_node_free(r->root);
	free(r);
}

static const struct vfs_fs_ops ram_ops = {
	.type = "ram",
	.stat = ram_stat,
	.list = ram_list,
	.open = ram_open,
	.mkdir = ram_mkdir,
	.unlink = ram_unlink,
	.rename = ram_rename,
	.symlink = ram_symlink,
	.readlink = ram_readlink,
	.free = ram_free,
};

int vfs_ram_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct ram_fs *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->root = ram_node_new("", VFS_DIRECTORY, 1))) {
		free(r);
		return ARBOR_E_OUT_OF_RAM;
	}
	r->fs.ops = &ram_ops;
	r->next_inode = 1;
	r->root->mtime = now();
	*out = &r->fs;
	return 0;
}
