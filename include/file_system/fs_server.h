/*
 * The server side of the File_system session (lib/file_system), shared by
 * every file-system server (ram_fs, ext_fs): policy (root, writeable), the
 * session's handles, path resolution, the packet stream, watches, and the
 * checks of session/file_system.h. A server supplies a backend: a store of
 * nodes named by inode number. The library never hands the backend a path,
 * only (directory inode, name) pairs it has validated: a name is never
 * "", "." or "..", never holds '/', never exceeds ARBOR_FS_NAME_MAX.
 *
 * Backend functions return 0 (or a count) or a negative ARBOR_FS_E_* error;
 * they run on the entrypoint, one at a time, and may block (ext_fs waits
 * for its Block session).
 */
#ifndef FILE_SYSTEM_FS_SERVER_H
#define FILE_SYSTEM_FS_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <arbor/env.h>
#include <session/file_system.h>

typedef uint64_t fs_ino;

struct fs_backend {
	/* The root directory's inode. */
	fs_ino (*root)(void *be);
	/* The inode of name in directory dir: LOOKUP_FAILED when absent. */
	int (*lookup)(void *be, fs_ino dir, const char *name, fs_ino *out);
	int (*status)(void *be, fs_ino ino, struct arbor_fs_status *st);
	/*
	 * Create name in dir as a node of type (enum arbor_fs_node_type),
	 * empty: EXISTS when the name is taken, NO_SPACE.
	 */
	int (*create)(void *be, fs_ino dir, const char *name, unsigned type, fs_ino *out);
	/* Remove name from dir; a non-empty directory is NOT_EMPTY. */
	int (*unlink)(void *be, fs_ino dir, const char *name);
	/*
	 * Rename; replaces a file or empty directory at the destination. The
	 * library has already refused moving a directory below itself.
	 */
	int (*move)(void *be, fs_ino from_dir, const char *from_name,
	            fs_ino to_dir, const char *to_name);
	/* Bytes of a file's or symlink's content at pos: the count, 0 at the end. */
	ssize_t (*read)(void *be, fs_ino ino, uint64_t pos, void *dst, size_t len);
	/* Write at pos, extending the node: the count written, or NO_SPACE. */
	ssize_t (*write)(void *be, fs_ino ino, uint64_t pos, const void *src, size_t len);
	int (*truncate)(void *be, fs_ino ino, uint64_t size);
	/*
	 * Directory entry number index of dir (in a stable order while the
	 * directory is unchanged) into *ent: 1, or 0 past the last.
	 */
	int (*readdir)(void *be, fs_ino dir, uint64_t index, struct arbor_fs_dirent *ent);
	/* Make everything done so far durable (NULL: nothing to do). */
	int (*sync)(void *be);
	/*
	 * Optional (NULL: none): a handle to ino was opened or closed. A backend
	 * that frees an unlinked node only once no handle holds it counts these.
	 */
	void (*opened)(void *be, fs_ino ino);
	void (*closed)(void *be, fs_ino ino);
	/*
	 * Optional (NULL: the library searches below the moved directory
	 * instead, which costs a walk of its subtree): the directory holding
	 * directory dir, into *out; the root's is the root. Lets a move refuse
	 * a directory being moved below itself by walking up from the target.
	 */
	int (*parent)(void *be, fs_ino dir, fs_ino *out);
};

struct fs_server;

/*
 * Serve the File_system service from backend be on env: read policies
 * from the component's config ROM (and follow its updates), announce the
 * service, and answer sessions. name is the server's name in messages.
 * Returns 0 or an error; on success the entrypoint serves from then on.
 */
int fs_server_start(struct arbor_env *env, const char *name,
                    const struct fs_backend *ops, void *be, struct fs_server **out);

/*
 * Tell watchers that ino changed (its content, or a directory's entries).
 * The library calls it for every change made through a session; a backend
 * calls it for changes from elsewhere.
 */
void fs_server_changed(struct fs_server *srv, fs_ino ino);

#endif
