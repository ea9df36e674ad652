/* <null name="null"/>: a file that reads as empty and swallows every write. */
#include <stdlib.h>
#include <arbor/error.h>
#include "single.h"

static ssize_t null_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	return 0;
}

static ssize_t null_write(struct vfs_file *f, const void *src, size_t len, uint64_t pos)
{
	return (ssize_t)len;
}

static int null_truncate(struct vfs_file *f, uint64_t size)
{
	return 0;
}

static const struct vfs_file_ops null_file_ops = {
	.read = null_read,
	.write = null_write,
	.stat = vfs_single_file_stat,
	.truncate = null_truncate,
	.close = vfs_single_file_close,
};

static int null_stat(struct vfs_single *s, struct vfs_stat *st)
{
	st->rwx = VFS_R | VFS_W;
	return 0;
}

static int null_open(struct vfs_single *s, int flags, struct vfs_file **out)
{
	return vfs_single_file_new(s, &null_file_ops, out);
}

static const struct vfs_single_ops null_single_ops = { .stat = null_stat, .open = null_open };

static void null_free(struct vfs_fs *fs)
{
	free(vfs_single_of(fs));
}

static const struct vfs_fs_ops null_ops = {
	.type = "null",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.free = null_free,
};

int vfs_null_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct vfs_single *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return ARBOR_E_OUT_OF_RAM;
	s->fs.ops = &null_ops;
	err = vfs_single_init(s, a, "null", VFS_FILE, &null_single_ops);
	if (err) {
		free(s);
		return err;
	}
	*out = &s->fs;
	return 0;
}
