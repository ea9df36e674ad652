/*
 * Directory listings: the union of the entries every mount of a
 * directory lists, read once when the directory is opened, each name once
 * (the first mount's entry wins, as for lookups).
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "mount.h"
#include "vfs_internal.h"

struct vfs_dir {
	struct vfs_listing l;
	size_t next;
};

int vfs_listing_add(struct vfs_listing *l, const char *name, uint32_t type)
{
	size_t len = strlen(name);

	if (!len || len > VFS_NAME_MAX)
		return 0;   /* a plugin's odd entry is no reason to fail the listing */
	for (size_t i = 0; i < l->from; i++)
		if (!strcmp(l->ents[i].name, name))
			return 0;
	if (l->count == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct vfs_dirent *ents = realloc(l->ents, cap * sizeof(*ents));

		if (!ents)
			return -ENOMEM;
		l->ents = ents;
		l->cap = cap;
	}
	l->ents[l->count].type = type;
	memcpy(l->ents[l->count].name, name, len + 1);
	l->count++;
	return 0;
}

struct collect {
	struct vfs_listing *l;
	int err;
};

static int list_visit(struct vfs_fs *fs, const char *path, void *ctx)
{
	struct collect *c = ctx;
	int r;

	if (!fs->ops->list)
		return 0;
	c->l->from = c->l->count;
	r = fs->ops->list(fs, path, c->l);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r)
		c->err = r;
	return r;
}

int vfs_opendir(struct vfs *vfs, const char *path, struct vfs_dir **out)
{
	struct vfs_node *node = malloc(sizeof(*node));
	struct vfs_dir *dir = calloc(1, sizeof(*dir));
	struct collect c = { &dir->l, 0 };
	int err;

	*out = NULL;
	err = !node || !dir ? -ENOMEM : vfs_resolve(vfs, path, 1, node);
	if (!err && !node->fs)
		err = -ENOENT;
	if (!err && node->st.type != VFS_DIRECTORY)
		err = -ENOTDIR;
	if (!err)
		vfs_dir_each(vfs->root, node->path, list_visit, &c);
	if (!err)
		err = c.err;
	free(node);
	if (err) {
		vfs_closedir(dir);
		return err;
	}
	*out = dir;
	return 0;
}

int vfs_readdir(struct vfs_dir *dir, struct vfs_dirent *ent)
{
	if (dir->next >= dir->l.count)
		return 0;
	*ent = dir->l.ents[dir->next++];
	return 1;
}

void vfs_closedir(struct vfs_dir *dir)
{
	if (!dir)
		return;
	free(dir->l.ents);
	free(dir);
}
