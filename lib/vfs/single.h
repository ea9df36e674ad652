/*
 * Plugins that are one node in their directory (rom, inline, log, null,
 * zero, terminal, symlink; lib/vfs internal): the path handling they
 * share. Such a node cannot be removed or renamed (-EBUSY) and has
 * nothing below it (-ENOTDIR).
 */
#ifndef VFS_SINGLE_H
#define VFS_SINGLE_H

#include "plugin.h"

struct vfs_single;

struct vfs_single_ops {
	/* The node's status (type, rwx, size; inode is filled in). */
	int (*stat)(struct vfs_single *s, struct vfs_stat *st);
	/* Open the node (a file; flags as vfs_open()). NULL: -EROFS. */
	int (*open)(struct vfs_single *s, int flags, struct vfs_file **out);
	/* A symlink's target. NULL: -EINVAL. */
	ssize_t (*readlink)(struct vfs_single *s, char *buf, size_t size);
};

/* Embed in the plugin's struct; fs.ops is the plugin's table built from the vfs_single_* below. */
struct vfs_single {
	struct vfs_fs fs;
	const struct vfs_single_ops *ops;
	uint32_t type;                     /* enum vfs_node_type */
	char name[VFS_NAME_MAX + 1];
};

/* Set the name (the attribute name, def when absent) and the ops; logs a bad name. */
int vfs_single_init(struct vfs_single *s, const struct vfs_plugin_args *a, const char *def,
                    uint32_t type, const struct vfs_single_ops *ops);

struct vfs_single *vfs_single_of(struct vfs_fs *fs);

/* The entries of the plugin's vfs_fs_ops. */
int vfs_single_stat(struct vfs_fs *fs, const char *path, struct vfs_stat *st);
int vfs_single_list(struct vfs_fs *fs, const char *path, struct vfs_listing *l);
int vfs_single_open(struct vfs_fs *fs, const char *path, int flags, struct vfs_file **out);
int vfs_single_unlink(struct vfs_fs *fs, const char *path, int dir);
int vfs_single_rename(struct vfs_fs *fs, const char *from, const char *to);
ssize_t vfs_single_readlink(struct vfs_fs *fs, const char *path, char *buf, size_t size);

/* A handle that needs nothing but its node: file ops may cast to it. */
struct vfs_single_file {
	struct vfs_file f;
	struct vfs_single *s;
};

/* A new handle on s with ops (whose close is vfs_single_file_close). 0 or -ENOMEM. */
int vfs_single_file_new(struct vfs_single *s, const struct vfs_file_ops *ops,
                        struct vfs_file **out);
struct vfs_single *vfs_single_file_node(struct vfs_file *f);
int vfs_single_file_close(struct vfs_file *f);
int vfs_single_file_stat(struct vfs_file *f, struct vfs_stat *st);

/* Copy a target or content into buf of size (NUL-terminated): its length or -ENAMETOOLONG. */
ssize_t vfs_single_copy_target(const char *target, char *buf, size_t size);

#endif
