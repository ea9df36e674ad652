/* <symlink name="…" target="…"/>: a fixed symlink, resolved by the VFS like any other. */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/util.h>
#include "single.h"

struct symlink_fs {
	struct vfs_single s;
	char target[VFS_PATH_MAX + 1];
};

static int symlink_stat(struct vfs_single *s, struct vfs_stat *st)
{
	st->rwx = VFS_R | VFS_W | VFS_X;
	st->size = strlen(container_of(s, struct symlink_fs, s)->target);
	return 0;
}

static ssize_t symlink_readlink(struct vfs_single *s, char *buf, size_t size)
{
	return vfs_single_copy_target(container_of(s, struct symlink_fs, s)->target, buf, size);
}

static const struct vfs_single_ops symlink_single_ops = {
	.stat = symlink_stat,
	.readlink = symlink_readlink,
};

static void symlink_free(struct vfs_fs *fs)
{
	free(container_of(vfs_single_of(fs), struct symlink_fs, s));
}

static const struct vfs_fs_ops symlink_ops = {
	.type = "symlink",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.readlink = vfs_single_readlink,
	.free = symlink_free,
};

int vfs_symlink_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct symlink_fs *l = calloc(1, sizeof(*l));
	int err;

	*out = NULL;
	if (!l)
		return ARBOR_E_OUT_OF_RAM;
	l->s.fs.ops = &symlink_ops;
	err = vfs_single_init(&l->s, a, NULL, VFS_SYMLINK, &symlink_single_ops);
	if (!err)
		err = vfs_config_string(a, "target", NULL, l->target, sizeof(l->target));
	if (!err && !l->target[0]) {
		vfs_config_error(a->cfg, a->node, "target is empty");
		err = ARBOR_E_INVALID;
	}
	if (err) {
		free(l);
		return err;
	}
	*out = &l->s.fs;
	return 0;
}
