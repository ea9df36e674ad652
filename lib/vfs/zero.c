/*
 * <zero name="zero" size="…"/>: a file of zeros, endless or size bytes
 * long (K/M/G), that swallows every write.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "single.h"

struct zero {
	struct vfs_single s;
	uint64_t size;                /* 0: endless */
};

static ssize_t zero_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	struct zero *z = container_of(vfs_single_file_node(f), struct zero, s);

	if (z->size) {
		if (pos >= z->size)
			return 0;
		if (len > z->size - pos)
			len = (size_t)(z->size - pos);
	}
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	memset(dst, 0, len);
	return (ssize_t)len;
}

static ssize_t zero_write(struct vfs_file *f, const void *src, size_t len, uint64_t pos)
{
	return (ssize_t)len;
}

static const struct vfs_file_ops zero_file_ops = {
	.read = zero_read,
	.write = zero_write,
	.stat = vfs_single_file_stat,
	.close = vfs_single_file_close,
};

static int zero_stat(struct vfs_single *s, struct vfs_stat *st)
{
	st->rwx = VFS_R | VFS_W;
	st->size = container_of(s, struct zero, s)->size;
	return 0;
}

static int zero_open(struct vfs_single *s, int flags, struct vfs_file **out)
{
	return vfs_single_file_new(s, &zero_file_ops, out);
}

static const struct vfs_single_ops zero_single_ops = { .stat = zero_stat, .open = zero_open };

static void zero_free(struct vfs_fs *fs)
{
	free(container_of(vfs_single_of(fs), struct zero, s));
}

static const struct vfs_fs_ops zero_ops = {
	.type = "zero",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.free = zero_free,
};

int vfs_zero_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct zero *z = calloc(1, sizeof(*z));
	int err;

	*out = NULL;
	if (!z)
		return ARBOR_E_OUT_OF_RAM;
	z->s.fs.ops = &zero_ops;
	err = vfs_single_init(&z->s, a, "zero", VFS_FILE, &zero_single_ops);
	if (!err && xml_attr_u64(a->node, "size", 0, &z->size)) {
		vfs_config_error(a->cfg, a->node, "size=\"%s\" is not a size",
		                 xml_attr(a->node, "size"));
		err = ARBOR_E_INVALID;
	}
	if (err) {
		free(z);
		return err;
	}
	*out = &z->s.fs;
	return 0;
}
