/*
 * Path resolution over the tree: which mount answers for a path (the
 * first in config order that has it), and the element-by-element walk
 * that follows symlinks inside the VFS. A symlink's target is read and
 * resolved here, relative to the symlink's directory or from the VFS
 * root, so that no target reaches outside the tree.
 */
#include <string.h>
#include <arbor/error.h>
#include "mount.h"
#include "path.h"
#include "vfs_internal.h"

struct lookup {
	struct vfs_node *node;
	int err;                      /* the first verdict other than -ENOENT */
};

static int lookup_visit(struct vfs_fs *fs, const char *path, void *ctx)
{
	struct lookup *l = ctx;
	int r = fs->ops->stat ? fs->ops->stat(fs, path, &l->node->st) : -ENOENT;

	if (!r) {
		l->node->fs = fs;
		l->node->fs_path = path;
		return 1;
	}
	if (r != -ENOENT && !l->err)
		l->err = r;
	return 0;
}

int vfs_node_is_root(const struct vfs *vfs, const struct vfs_node *node)
{
	return node->fs == vfs->root;
}

/* node->path holds the clean path. */
static int lookup_here(struct vfs *vfs, struct vfs_node *node)
{
	struct lookup l = { node, 0 };

	node->fs = NULL;
	node->fs_path = NULL;
	memset(&node->st, 0, sizeof(node->st));
	if (!strcmp(node->path, "/")) {
		/* the root always is, even when no plugin has a "/" of its own */
		node->fs = vfs->root;
		node->fs_path = "/";
		node->st.type = VFS_DIRECTORY;
		node->st.rwx = VFS_R | VFS_X;
		node->st.inode = 1;
		return 0;
	}
	if (vfs_dir_each(vfs->root, node->path, lookup_visit, &l) == 1)
		return 0;
	return l.err ? l.err : -ENOENT;
}

int vfs_lookup(struct vfs *vfs, const char *path, struct vfs_node *node)
{
	if (strlen(path) > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(node->path, path);
	return lookup_here(vfs, node);
}

/* The target of the symlink at node into buf. */
static int read_target(struct vfs_node *node, char *buf, size_t size)
{
	ssize_t n;

	if (!node->fs->ops->readlink)
		return -EINVAL;
	n = node->fs->ops->readlink(node->fs, node->fs_path, buf, size);
	if (n < 0)
		return (int)n;
	return n ? 0 : -ENOENT;
}

/*
 * The walk: done is the resolved prefix (node->path, "" for the root),
 * rest what is left of the path, with a symlink's target put in front of
 * it whenever one is met.
 */
static int walk(struct vfs *vfs, const char *path, int follow_last, struct vfs_node *node)
{
	char rest[2 * VFS_PATH_MAX + 2], target[VFS_PATH_MAX + 1];
	char *done = node->path;
	size_t dlen = 0;
	unsigned links = 0;
	int looked_up = 0;            /* node describes done */
	const char *p = rest;

	if (strlen(path) > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(rest, path);
	done[0] = '\0';
	for (;;) {
		const char *e;
		size_t len;
		int last, err;

		p = vfs_path_next(p, &e, &len);
		if (!len)
			break;
		if (len == 1 && e[0] == '.')
			continue;
		if (len == 2 && e[0] == '.' && e[1] == '.') {
			/* the parent of what the symlinks before led to; "/" stays */
			while (dlen && done[--dlen] != '/')
				;
			done[dlen] = '\0';
			looked_up = 0;
			continue;
		}
		if (len > VFS_NAME_MAX || dlen + 1 + len > VFS_PATH_MAX)
			return -ENAMETOOLONG;
		done[dlen] = '/';
		memcpy(done + dlen + 1, e, len);
		done[dlen + 1 + len] = '\0';
		last = vfs_path_at_end(p);
		err = lookup_here(vfs, node);
		if (err == -ENOENT && last) {
			node->fs = NULL;
			return 0;
		}
		if (err)
			return err;
		if (node->st.type == VFS_SYMLINK && (!last || follow_last || *p == '/')) {
			char joined[sizeof(rest)];

			if (++links > VFS_SYMLINKS_MAX)
				return -ELOOP;
			err = read_target(node, target, sizeof(target));
			if (err)
				return err;
			/* p is empty or starts with '/': the rest goes right after the target */
			if (strlen(target) + strlen(p) >= sizeof(joined))
				return -ENAMETOOLONG;
			strcpy(joined, target);
			strcat(joined, p);
			strcpy(rest, joined);
			p = rest;
			if (target[0] == '/')
				dlen = 0;
			done[dlen] = '\0';
			looked_up = 0;
			continue;
		}
		/* a trailing slash asks for a directory as well */
		if ((!last || *p == '/') && node->st.type != VFS_DIRECTORY)
			return -ENOTDIR;
		dlen += 1 + len;
		looked_up = 1;
	}
	if (!dlen)
		strcpy(done, "/");
	if (!looked_up)
		return lookup_here(vfs, node);
	return 0;
}

int vfs_resolve(struct vfs *vfs, const char *path, int follow_last, struct vfs_node *node)
{
	int err;

	/* the usual case: a clean path without symlinks, one lookup */
	if (vfs_path_is_clean(path)) {
		err = vfs_lookup(vfs, path, node);
		if (!err && (node->st.type != VFS_SYMLINK || !follow_last))
			return 0;
		if (err && err != -ENOENT && err != -ENOTDIR)
			return err;
	}
	return walk(vfs, path, follow_last, node);
}
