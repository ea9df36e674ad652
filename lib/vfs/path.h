/*
 * Path elements for lib/vfs (internal, pure): walking the elements of a
 * path, telling a clean path from one that needs resolving, and the test
 * of a single name. Paths are NUL-terminated; nothing here allocates.
 */
#ifndef VFS_PATH_H
#define VFS_PATH_H

#include <stddef.h>

/*
 * The next element of p, skipping slashes: *elem points at it, *len is its
 * length (0: no element is left). Returns the position after the element.
 */
const char *vfs_path_next(const char *p, const char **elem, size_t *len);

/* 1 when p holds no further element (only slashes, or nothing). */
int vfs_path_at_end(const char *p);

/*
 * 1 when path is "/" or "/e1/e2..." with no empty, "." or ".." element and
 * no trailing slash: a path a plugin may see as it is.
 */
int vfs_path_is_clean(const char *path);

/* 1 when name can be one element: not "", ".", "..", no '/', at most VFS_NAME_MAX bytes. */
int vfs_name_valid(const char *name);

/*
 * Where path continues below the element name: for "/name" the empty
 * string, for "/name/rest" "/rest"; NULL when path is not name or below it.
 */
const char *vfs_path_below(const char *path, const char *name);

/* The last element of a clean path other than "/" (a pointer into it). */
const char *vfs_path_basename(const char *path);

/*
 * Split a clean path other than "/" into its directory (into parent, of
 * size bytes; "/" for a top-level name) and its last element (*name, a
 * pointer into path). Returns 0 or -ENAMETOOLONG (parent too small).
 */
int vfs_path_split(const char *path, char *parent, size_t size, const char **name);

#endif
