/*
 * Names and paths: checked before anything is looked up, then resolved
 * one component at a time through the backend, so that the backend only
 * ever sees (directory, valid name) pairs and no "..", symlink or long
 * name leads out of a session's root.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "fs_internal.h"

/* The deepest a walk up from a directory goes before it calls the backend's tree broken. */
#define FS_PATH_DEPTH_MAX 65536u

int fs_path_check_name(const char *name)
{
	size_t len = strnlen(name, ARBOR_FS_NAME_MAX + 1);

	if (len > ARBOR_FS_NAME_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	if (!len || !strcmp(name, ".") || !strcmp(name, "..") || memchr(name, '/', len))
		return ARBOR_FS_E_INVALID_NAME;
	return 0;
}

int fs_path_terminated(const char *field, size_t avail, size_t size)
{
	if (memchr(field, 0, avail))
		return 0;
	return avail >= size ? ARBOR_FS_E_NAME_TOO_LONG : ARBOR_FS_E_INVALID_NAME;
}

/* The component of path starting at *pos, copied into name; *pos moves past it. */
static int next_component(const char *path, size_t *pos, char name[ARBOR_FS_NAME_MAX + 1])
{
	const char *start = path + *pos;
	size_t len = strcspn(start, "/");

	if (len > ARBOR_FS_NAME_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	memcpy(name, start, len);
	name[len] = 0;
	*pos += len + (start[len] == '/');
	return fs_path_check_name(name);
}

/* Syntax only: absolute, not too long, every component a valid name ("/" has none). */
static int check_path(const char *path)
{
	char name[ARBOR_FS_NAME_MAX + 1];
	size_t len = strnlen(path, ARBOR_FS_PATH_MAX + 1), pos = 1;
	int err;

	if (len > ARBOR_FS_PATH_MAX)
		return ARBOR_FS_E_NAME_TOO_LONG;
	if (path[0] != '/')
		return ARBOR_FS_E_INVALID_NAME;
	if (len == 1)
		return 0;
	while (pos < len) {
		err = next_component(path, &pos, name);
		if (err)
			return err;
	}
	/* "/a/" ends in an empty component */
	return path[len - 1] == '/' ? ARBOR_FS_E_INVALID_NAME : 0;
}

static int is_dir(struct fs_server *srv, fs_ino ino)
{
	struct arbor_fs_status st;

	return srv->ops->status(srv->be, ino, &st) == 0 && st.type == ARBOR_FS_DIRECTORY;
}

int fs_path_resolve(struct fs_server *srv, fs_ino start, const char *path, fs_ino *out,
                    fs_ino *parent)
{
	char name[ARBOR_FS_NAME_MAX + 1];
	size_t len, pos = 1;
	fs_ino cur = start, dir = start;
	int err = check_path(path);

	*out = 0;
	if (parent)
		*parent = 0;
	if (err)
		return err;
	len = strlen(path);
	while (pos < len) {
		next_component(path, &pos, name);
		/* symlinks and files are never passed through: only directories lead on */
		if (!is_dir(srv, cur))
			return ARBOR_FS_E_LOOKUP_FAILED;
		dir = cur;
		err = srv->ops->lookup(srv->be, dir, name, &cur);
		if (err)
			return err;
	}
	*out = cur;
	if (parent)
		*parent = dir;
	return 0;
}

int fs_path_resolve_parent(struct fs_server *srv, fs_ino start, const char *path,
                           fs_ino *dir, const char **name)
{
	char head[ARBOR_FS_PATH_MAX + 1];
	const char *last;
	int err = check_path(path);

	*dir = 0;
	*name = NULL;
	if (err)
		return err;
	last = strrchr(path, '/');
	if (!last[1])
		return ARBOR_FS_E_INVALID_NAME;
	memcpy(head, path, (size_t)(last - path));
	head[last - path] = 0;
	if (!head[0])
		strcpy(head, "/");
	err = fs_path_resolve(srv, start, head, dir, NULL);
	if (err)
		return err;
	if (!is_dir(srv, *dir))
		return ARBOR_FS_E_LOOKUP_FAILED;
	*name = last + 1;
	return 0;
}

/* With the backend's parent(): walk up from ino to the root. */
static int below_by_parents(struct fs_server *srv, fs_ino ino, fs_ino dir)
{
	fs_ino root = srv->ops->root(srv->be), up;

	for (unsigned depth = 0; depth < FS_PATH_DEPTH_MAX; depth++) {
		if (ino == dir)
			return 1;
		if (ino == root)
			return 0;
		int err = srv->ops->parent(srv->be, ino, &up);
		if (err)
			return err;
		if (up == ino)
			return 0;
		ino = up;
	}
	return ARBOR_FS_E_UNAVAILABLE;
}

struct walk_frame {
	fs_ino dir;
	uint64_t index;
};

/* Without it: search dir's subtree for ino, directories only, depth-first. */
static int below_by_search(struct fs_server *srv, fs_ino ino, fs_ino dir)
{
	struct walk_frame *stack = NULL, *grown;
	size_t depth = 0, cap = 0;
	struct arbor_fs_dirent ent;
	int found = 0, err;

	if (ino == dir)
		return 1;
	cap = 16;
	stack = malloc(cap * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	stack[depth++] = (struct walk_frame){ dir, 0 };
	while (depth && !found) {
		struct walk_frame *top = &stack[depth - 1];
		err = srv->ops->readdir(srv->be, top->dir, top->index++, &ent);
		if (err < 0) {
			found = err;
			break;
		}
		if (err == 0) {
			depth--;
			continue;
		}
		if (ent.type != ARBOR_FS_DIRECTORY)
			continue;
		if (ent.inode == ino) {
			found = 1;
			break;
		}
		if (depth == cap) {
			if (cap >= FS_PATH_DEPTH_MAX) {
				found = ARBOR_FS_E_UNAVAILABLE;
				break;
			}
			grown = realloc(stack, 2 * cap * sizeof(*stack));
			if (!grown) {
				found = -ENOMEM;
				break;
			}
			stack = grown;
			cap *= 2;
		}
		stack[depth++] = (struct walk_frame){ ent.inode, 0 };
	}
	free(stack);
	return found;
}

int fs_path_is_below(struct fs_server *srv, fs_ino ino, fs_ino dir)
{
	if (srv->ops->parent)
		return below_by_parents(srv, ino, dir);
	return below_by_search(srv, ino, dir);
}
