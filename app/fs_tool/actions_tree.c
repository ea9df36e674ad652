/* fs_tool's actions on the tree: list, stat, mkdir, remove, move, symlink, sync, sleep. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "fs_tool.h"

static const char *type_name(uint32_t type)
{
	switch (type) {
	case VFS_DIRECTORY: return "dir";
	case VFS_FILE:      return "file";
	case VFS_SYMLINK:   return "symlink";
	default:            return "unknown";
	}
}

/* dir + "/" + name into buf (size VFS_PATH_MAX + 1): 0 or -ENAMETOOLONG. */
static int join(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, VFS_PATH_MAX + 1, "%s/%s", strcmp(dir, "/") ? dir : "", name);

	return n < 0 || n > (int)VFS_PATH_MAX ? -ENAMETOOLONG : 0;
}

/* "file 5 bytes", "dir", "symlink -> target": what a node is, for list and stat. */
static void describe(struct fs_tool *t, const char *path, const struct vfs_stat *st,
                     char *buf, size_t size)
{
	char target[VFS_PATH_MAX + 1];

	if (st->type == VFS_FILE)
		snprintf(buf, size, "%llu bytes", (unsigned long long)st->size);
	else if (st->type == VFS_SYMLINK && vfs_readlink(t->vfs, path, target, sizeof(target)) >= 0)
		snprintf(buf, size, "-> %s", target);
	else
		buf[0] = '\0';
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct vfs_dirent *)a)->name, ((const struct vfs_dirent *)b)->name);
}

/* The entries of dir, sorted by name (servers list in orders of their own). */
static int entries(struct fs_tool *t, const char *dir, struct vfs_dirent **out, size_t *count)
{
	struct vfs_dirent *ents = NULL, ent;
	struct vfs_dir *d;
	size_t n = 0, cap = 0;
	int r, err = vfs_opendir(t->vfs, dir, &d);

	*out = NULL;
	*count = 0;
	if (err)
		return err;
	while ((r = vfs_readdir(d, &ent)) == 1) {
		if (n == cap) {
			struct vfs_dirent *more = realloc(ents, (cap = cap ? 2 * cap : 16) * sizeof(ent));

			if (!more) {
				r = -ENOMEM;
				break;
			}
			ents = more;
		}
		ents[n++] = ent;
	}
	vfs_closedir(d);
	if (r < 0) {
		free(ents);
		return r;
	}
	qsort(ents, n, sizeof(*ents), by_name);
	*out = ents;
	*count = n;
	return 0;
}

int fs_tool_list(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[VFS_PATH_MAX + 32], child[VFS_PATH_MAX + 1], desc[VFS_PATH_MAX + 32];
	struct vfs_dirent *ents;
	size_t count;
	int err;

	snprintf(what, sizeof(what), "list %s", path);
	if ((err = entries(t, path, &ents, &count)))
		return fs_tool_fail(what, err);
	arbor_log("list %s: %zu entries", path, count);
	for (size_t i = 0; i < count; i++) {
		struct vfs_stat st = { .type = ents[i].type };

		if (!join(child, path, ents[i].name) && !vfs_lstat(t->vfs, child, &st))
			describe(t, child, &st, desc, sizeof(desc));
		else
			desc[0] = '\0';
		arbor_log("  %s %s%s%s", type_name(st.type), ents[i].name, desc[0] ? " " : "", desc);
	}
	free(ents);
	return 0;
}

int fs_tool_stat(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[VFS_PATH_MAX + 32], desc[VFS_PATH_MAX + 32];
	struct vfs_stat st;
	int err;

	snprintf(what, sizeof(what), "stat %s", path);
	if ((err = vfs_lstat(t->vfs, path, &st)))
		return fs_tool_fail(what, err);
	describe(t, path, &st, desc, sizeof(desc));
	arbor_log("stat %s: %s%s%s", path, type_name(st.type), desc[0] ? " " : "", desc);
	return 0;
}

/* Every directory on the way to path, then path itself. */
static int mkdir_parents(struct fs_tool *t, const char *path)
{
	char prefix[VFS_PATH_MAX + 1];
	struct vfs_stat st;
	size_t len = strlen(path);

	if (len > VFS_PATH_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (!vfs_stat(t->vfs, prefix, &st) && st.type == VFS_DIRECTORY)
			continue;
		int err = vfs_mkdir(t->vfs, prefix);
		if (err)
			return err;
	}
	return 0;
}

int fs_tool_mkdir(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[VFS_PATH_MAX + 32];
	int parents, err;

	snprintf(what, sizeof(what), "mkdir %s", path);
	if (xml_attr_bool(n, "parents", 0, &parents))
		return fs_tool_fail(what, ARBOR_E_INVALID);
	err = parents ? mkdir_parents(t, path) : vfs_mkdir(t->vfs, path);
	if (err)
		return fs_tool_fail(what, err);
	arbor_log("mkdir %s: ok", path);
	return 0;
}

/* Remove what is in directory path, then path. */
static int remove_tree(struct fs_tool *t, const char *path)
{
	char child[VFS_PATH_MAX + 1];
	struct vfs_dirent *ents;
	struct vfs_stat st;
	size_t count;
	int err = vfs_lstat(t->vfs, path, &st);

	if (err)
		return err;
	if (st.type != VFS_DIRECTORY)
		return vfs_unlink(t->vfs, path);
	if ((err = entries(t, path, &ents, &count)))
		return err;
	for (size_t i = 0; i < count && !err; i++)
		if (!(err = join(child, path, ents[i].name)))
			err = remove_tree(t, child);
	free(ents);
	return err ? err : vfs_rmdir(t->vfs, path);
}

int fs_tool_remove(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path");
	char what[VFS_PATH_MAX + 32];
	struct vfs_stat st;
	int recursive, err;

	snprintf(what, sizeof(what), "remove %s", path);
	if (xml_attr_bool(n, "recursive", 0, &recursive))
		return fs_tool_fail(what, ARBOR_E_INVALID);
	if (recursive)
		err = remove_tree(t, path);
	else if (!(err = vfs_lstat(t->vfs, path, &st)))
		err = st.type == VFS_DIRECTORY ? vfs_rmdir(t->vfs, path) : vfs_unlink(t->vfs, path);
	if (err)
		return fs_tool_fail(what, err);
	arbor_log("remove %s: ok", path);
	return 0;
}

int fs_tool_move(struct fs_tool *t, const struct xml_node *n)
{
	const char *from = xml_attr(n, "from"), *to = xml_attr(n, "to");
	char what[2 * VFS_PATH_MAX + 32];
	int err;

	snprintf(what, sizeof(what), "move %s -> %s", from, to);
	if ((err = vfs_rename(t->vfs, from, to)))
		return fs_tool_fail(what, err);
	arbor_log("move %s -> %s: ok", from, to);
	return 0;
}

int fs_tool_symlink(struct fs_tool *t, const struct xml_node *n)
{
	const char *path = xml_attr(n, "path"), *target = xml_attr(n, "target");
	char what[2 * VFS_PATH_MAX + 32];
	int err;

	snprintf(what, sizeof(what), "symlink %s -> %s", path, target);
	if ((err = vfs_symlink(t->vfs, target, path)))
		return fs_tool_fail(what, err);
	arbor_log("symlink %s -> %s: ok", path, target);
	return 0;
}

int fs_tool_sync(struct fs_tool *t, const struct xml_node *n)
{
	int err = vfs_sync(t->vfs);

	if (err)
		return fs_tool_fail("sync", err);
	arbor_log("sync: ok");
	return 0;
}

int fs_tool_sleep(struct fs_tool *t, const struct xml_node *n)
{
	uint64_t ms;
	struct timespec ts;

	if (xml_attr_u64(n, "ms", 0, &ms) || ms > 3600 * 1000)
		return fs_tool_fail("sleep", ARBOR_E_INVALID);
	arbor_log("sleep %llu ms", (unsigned long long)ms);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	return 0;
}
