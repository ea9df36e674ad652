/*
 * The VFS's own state (lib/vfs internal): the tree, open handles, and the
 * lookup that turns a path into the mount answering for it.
 */
#ifndef VFS_INTERNAL_H
#define VFS_INTERNAL_H

#include "plugin.h"

struct vfs {
	struct arbor_env *env;
	struct vfs_fs *root;          /* a directory (mount.h) */
};

struct vfs_handle {
	struct vfs *vfs;
	struct vfs_file *file;
	uint64_t pos;
	int flags;
};

/* A path resolved to the node it names, or to where that node would be. */
struct vfs_node {
	char path[VFS_PATH_MAX + 1];  /* clean, free of symlinks but (maybe) the last element */
	struct vfs_fs *fs;            /* the mount answering for it; NULL: there is none, the parent exists */
	const char *fs_path;          /* path as fs sees it (borrowed from path, or "/") */
	struct vfs_stat st;           /* the node's status when fs is set */
};

/*
 * Resolve path: elements ".", ".." and symlinks (at most VFS_SYMLINKS_MAX),
 * the last one's only with follow_last. Returns 0 with node->fs set (it
 * exists) or NULL (only its last element is missing), or -ENOENT /
 * -ENOTDIR (an element on the way), -ELOOP, -ENAMETOOLONG, a plugin's error.
 */
int vfs_resolve(struct vfs *vfs, const char *path, int follow_last, struct vfs_node *node);

/* The node at a clean path, no symlink followed: 0, -ENOENT or a plugin's error. */
int vfs_lookup(struct vfs *vfs, const char *path, struct vfs_node *node);

/* 1 when node is the tree's root. */
int vfs_node_is_root(const struct vfs *vfs, const struct vfs_node *node);

#endif
