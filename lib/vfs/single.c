/* The path handling of one-node plugins (single.h). */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "single.h"
#include "path.h"

enum match { NONE, NODE, BELOW };

static enum match match(struct vfs_single *s, const char *path)
{
	const char *rest = vfs_path_below(path, s->name);

	return !rest ? NONE : *rest ? BELOW : NODE;
}

struct vfs_single *vfs_single_of(struct vfs_fs *fs)
{
	return container_of(fs, struct vfs_single, fs);
}

int vfs_single_init(struct vfs_single *s, const struct vfs_plugin_args *a, const char *def,
                    uint32_t type, const struct vfs_single_ops *ops)
{
	s->ops = ops;
	s->type = type;
	return vfs_config_name(a, def, s->name);
}

int vfs_single_stat(struct vfs_fs *fs, const char *path, struct vfs_stat *st)
{
	struct vfs_single *s = vfs_single_of(fs);
	int err;

	switch (match(s, path)) {
	case NODE:
		memset(st, 0, sizeof(*st));
		err = s->ops->stat(s, st);
		st->type = s->type;
		st->inode = (uint64_t)(uintptr_t)s;
		return err;
	case BELOW:
		return -ENOTDIR;
	default:
		return -ENOENT;
	}
}

int vfs_single_list(struct vfs_fs *fs, const char *path, struct vfs_listing *l)
{
	struct vfs_single *s = vfs_single_of(fs);

	if (!strcmp(path, "/"))
		return vfs_listing_add(l, s->name, s->type);
	return match(s, path) == NONE ? -ENOENT : -ENOTDIR;
}

int vfs_single_open(struct vfs_fs *fs, const char *path, int flags, struct vfs_file **out)
{
	struct vfs_single *s = vfs_single_of(fs);

	switch (match(s, path)) {
	case NODE:
		if (flags & O_CREAT)
			return -EEXIST;
		return s->ops->open ? s->ops->open(s, flags, out) : -EROFS;
	case BELOW:
		return -ENOTDIR;
	default:
		return -ENOENT;
	}
}

int vfs_single_unlink(struct vfs_fs *fs, const char *path, int dir)
{
	return match(vfs_single_of(fs), path) == NODE ? -EBUSY : -ENOENT;
}

int vfs_single_rename(struct vfs_fs *fs, const char *from, const char *to)
{
	return -EBUSY;
}

ssize_t vfs_single_readlink(struct vfs_fs *fs, const char *path, char *buf, size_t size)
{
	struct vfs_single *s = vfs_single_of(fs);

	if (match(s, path) != NODE)
		return -ENOENT;
	return s->ops->readlink ? s->ops->readlink(s, buf, size) : -EINVAL;
}

ssize_t vfs_single_copy_target(const char *target, char *buf, size_t size)
{
	size_t len = strlen(target);

	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, target, len + 1);
	return (ssize_t)len;
}

int vfs_single_file_new(struct vfs_single *s, const struct vfs_file_ops *ops,
                        struct vfs_file **out)
{
	struct vfs_single_file *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->f.ops = ops;
	h->s = s;
	*out = &h->f;
	return 0;
}

struct vfs_single *vfs_single_file_node(struct vfs_file *f)
{
	return container_of(f, struct vfs_single_file, f)->s;
}

int vfs_single_file_close(struct vfs_file *f)
{
	free(container_of(f, struct vfs_single_file, f));
	return 0;
}

int vfs_single_file_stat(struct vfs_file *f, struct vfs_stat *st)
{
	struct vfs_single *s = vfs_single_file_node(f);
	int err;

	memset(st, 0, sizeof(*st));
	err = s->ops->stat(s, st);
	st->type = s->type;
	st->inode = (uint64_t)(uintptr_t)s;
	return err;
}
