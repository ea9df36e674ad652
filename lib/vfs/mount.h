/*
 * The directories of a VFS tree (lib/vfs internal): the root and every
 * <dir name>, each a list of mounts, and the walk that finds every mount
 * covering a path. A <dir> is itself a mount of its parent directory: it
 * answers for its own name there (a directory that cannot be removed)
 * and hands the paths below it to its own mounts.
 */
#ifndef VFS_MOUNT_H
#define VFS_MOUNT_H

#include "plugin.h"

/*
 * Called for one mount covering a path, with the path as that mount sees
 * it (borrowed: a suffix of the walked path, or "/"). Returns 0 to go on
 * to the next mount, anything else to stop the walk with that value.
 */
typedef int (*vfs_visit_fn)(struct vfs_fs *fs, const char *path, void *ctx);

/*
 * Visit, in config order, every mount of the tree below dir (a directory
 * made by vfs_dir_new() or vfs_dir_root_new()) that covers the clean path:
 * each plugin of the directories on the way, and a <dir> for its own
 * name and then its mounts for "/". Returns what fn stopped with, or 0.
 */
int vfs_dir_each(struct vfs_fs *dir, const char *path, vfs_visit_fn fn, void *ctx);

/* The root directory of a tree: the mounts of a->node, with no name. */
int vfs_dir_root_new(const struct vfs_plugin_args *a, struct vfs_fs **out);

#endif
