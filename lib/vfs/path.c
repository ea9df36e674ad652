/* Path elements for lib/vfs: pure string work (see path.h). */
#include <errno.h>
#include <string.h>
#include <vfs/vfs.h>
#include "path.h"

const char *vfs_path_next(const char *p, const char **elem, size_t *len)
{
	while (*p == '/')
		p++;
	*elem = p;
	while (*p && *p != '/')
		p++;
	*len = (size_t)(p - *elem);
	return p;
}

int vfs_path_at_end(const char *p)
{
	while (*p == '/')
		p++;
	return *p == '\0';
}

static int is_dots(const char *e, size_t len)
{
	return (len == 1 && e[0] == '.') || (len == 2 && e[0] == '.' && e[1] == '.');
}

int vfs_path_is_clean(const char *path)
{
	const char *p = path;

	if (path[0] != '/')
		return 0;
	if (path[1] == '\0')
		return 1;
	while (*p) {
		const char *e = ++p;   /* past the '/' */

		while (*p && *p != '/')
			p++;
		if (p == e || is_dots(e, (size_t)(p - e)))
			return 0;
	}
	return 1;
}

int vfs_name_valid(const char *name)
{
	size_t len = strnlen(name, VFS_NAME_MAX + 1);

	return len > 0 && len <= VFS_NAME_MAX && !is_dots(name, len) && !memchr(name, '/', len);
}

const char *vfs_path_below(const char *path, const char *name)
{
	size_t n = strlen(name);

	if (path[0] != '/' || strncmp(path + 1, name, n))
		return NULL;
	if (path[1 + n] == '\0' || path[1 + n] == '/')
		return path + 1 + n;
	return NULL;
}

const char *vfs_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int vfs_path_split(const char *path, char *parent, size_t size, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash && slash != path ? (size_t)(slash - path) : 1;

	*name = slash ? slash + 1 : path;
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(parent, path, len);
	parent[len] = '\0';
	if (!slash)
		parent[0] = '/';
	return 0;
}
