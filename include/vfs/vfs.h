/*
 * lib/vfs: a component's virtual file system, built from a <vfs> config
 * node in Genode's syntax (doc/vfs.md). The node's children are mounted
 * at its root: <dir name> nests, and the plugins dir, ram, tar, rom, fs,
 * log, null, zero, terminal, inline and symlink provide the nodes. A
 * directory holding several plugins shows the union of their entries;
 * where two have the same name, the first in config order wins, for
 * lookups and listings alike. Symlinks are resolved here, inside the VFS,
 * so a target never leaves the tree.
 *
 * Paths are absolute ("/a/b"; a relative path is taken from "/"), at most
 * VFS_PATH_MAX bytes, names at most VFS_NAME_MAX. "." and ".." are
 * resolved after the symlinks before them; ".." at "/" stays at "/".
 *
 * Every call runs on the caller's thread and blocks until done (the fs
 * plugin waits for its server); one thread at a time per struct vfs.
 * Errors are negative errno values: -ENOENT, -ENOTDIR, -EISDIR, -EEXIST,
 * -ENOTEMPTY, -ENAMETOOLONG, -ELOOP (more than VFS_SYMLINKS_MAX symlinks
 * in one lookup), -EROFS (no plugin there takes changes), -EACCES (a
 * server's policy forbids it), -EXDEV (a rename across plugins), -EBUSY
 * (a mount point: the root, a <dir> or a single-file plugin's node),
 * -EBADF (the handle's mode forbids it), -EINVAL, -ENOSPC, -ENOMEM,
 * -EAGAIN (a terminal without input), -EIO and the RPC layer's errors
 * (ARBOR_E_OBJECT_GONE: a server went away).
 */
#ifndef VFS_VFS_H
#define VFS_VFS_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <arbor/env.h>
#include <sandbox/xml.h>

#define VFS_PATH_MAX     1024u
#define VFS_NAME_MAX     255u
#define VFS_SYMLINKS_MAX 40u

/* The values of session/file_system.h's node types. */
enum vfs_node_type {
	VFS_DIRECTORY = 1,
	VFS_FILE      = 2,
	VFS_SYMLINK   = 3,
};

#define VFS_R 4u
#define VFS_W 2u
#define VFS_X 1u

struct vfs_stat {
	uint64_t size;        /* bytes; a directory: 0; a symlink: its target's length */
	uint64_t inode;       /* unique within one plugin instance */
	uint64_t mtime;       /* seconds since the epoch, 0 when unknown */
	uint32_t type;        /* enum vfs_node_type */
	uint32_t rwx;         /* VFS_R | VFS_W | VFS_X */
};

struct vfs_dirent {
	uint32_t type;        /* enum vfs_node_type */
	char name[VFS_NAME_MAX + 1];
};

struct vfs;
struct vfs_handle;
struct vfs_dir;

/*
 * Where the <vfs> node comes from. text/len is the document node was
 * parsed from (NULL: unknown); with it an <inline> node may hold XML
 * elements, served verbatim as Genode does. file names the document in
 * error messages ("config").
 */
struct vfs_config {
	const struct xml_node *node;     /* the <vfs> node; borrowed during vfs_new() only */
	const char *text;
	size_t len;
	const char *file;
};

/*
 * Build the tree of cfg->node and open the sessions its plugins need (ROM,
 * LOG, Terminal, File_system; env may be NULL for a tree that needs none).
 * A config error is logged as "FILE:LINE:COL: ..." and returned as
 * ARBOR_E_INVALID; a session that cannot be opened is logged with its
 * node and its error returned. On error nothing stays open.
 */
int vfs_new(struct arbor_env *env, const struct vfs_config *cfg, struct vfs **out);

/* Close every session and free the tree. Open handles must be closed before. */
void vfs_free(struct vfs *vfs);

/*
 * Open the file at path. flags: O_RDONLY, O_WRONLY or O_RDWR, with
 * O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NOFOLLOW (a symlink as the last
 * element is -ELOOP); O_CLOEXEC and O_NONBLOCK are accepted and mean
 * nothing here; others are -EINVAL. A directory is -EISDIR (see
 * vfs_opendir()). O_CREAT makes the file in the first plugin of its
 * directory that takes it. *out is cleared on entry; the handle starts
 * at position 0 and is owned by the caller (vfs_close()).
 */
int vfs_open(struct vfs *vfs, const char *path, int flags, struct vfs_handle **out);

/* Release the handle; returns what flushing it gave (a <log> line), the handle is gone anyway. */
int vfs_close(struct vfs_handle *h);

/*
 * Read or write at the handle's position and advance it (O_APPEND:
 * writes go to the end). The count moved (a read: 0 at the end, fewer
 * when the file ends) or an error.
 */
ssize_t vfs_read(struct vfs_handle *h, void *dst, size_t len);
ssize_t vfs_write(struct vfs_handle *h, const void *src, size_t len);

/* The same at pos, leaving the position alone. */
ssize_t vfs_pread(struct vfs_handle *h, void *dst, size_t len, uint64_t pos);
ssize_t vfs_pwrite(struct vfs_handle *h, const void *src, size_t len, uint64_t pos);

/* Move the position (SEEK_SET, SEEK_CUR, SEEK_END); the new one or -EINVAL. */
int64_t vfs_seek(struct vfs_handle *h, int64_t offset, int whence);

int vfs_fstat(struct vfs_handle *h, struct vfs_stat *st);

/* Set the file's size (the handle must be writeable: -EBADF). */
int vfs_ftruncate(struct vfs_handle *h, uint64_t size);

/* Make what was written through this handle durable (a File_system SYNC). */
int vfs_fsync(struct vfs_handle *h);

/* The node at path, following a last symlink (vfs_stat) or not (vfs_lstat). */
int vfs_stat(struct vfs *vfs, const char *path, struct vfs_stat *st);
int vfs_lstat(struct vfs *vfs, const char *path, struct vfs_stat *st);

/*
 * The entries of the directory at path, read once at opening (the union
 * of its plugins, names unique, sorted by plugin then as each plugin
 * lists them), without "." and "..". *out is cleared on entry.
 */
int vfs_opendir(struct vfs *vfs, const char *path, struct vfs_dir **out);

/* The next entry into *ent: 1, 0 after the last, or an error. */
int vfs_readdir(struct vfs_dir *dir, struct vfs_dirent *ent);

void vfs_closedir(struct vfs_dir *dir);

/* Make the directory path; its parent must exist (-ENOENT), path must not (-EEXIST). */
int vfs_mkdir(struct vfs *vfs, const char *path);

/* Remove a file or symlink (a directory: -EISDIR). */
int vfs_unlink(struct vfs *vfs, const char *path);

/* Remove an empty directory (-ENOTEMPTY, a file: -ENOTDIR). */
int vfs_rmdir(struct vfs *vfs, const char *path);

/*
 * Rename from to to, within one plugin (-EXDEV otherwise), replacing a
 * file or an empty directory there; a directory into itself is -EINVAL.
 */
int vfs_rename(struct vfs *vfs, const char *from, const char *to);

/* Make path a symlink holding target (not checked: it may dangle). */
int vfs_symlink(struct vfs *vfs, const char *target, const char *path);

/*
 * The target of the symlink at path into buf, NUL-terminated: its length,
 * -EINVAL (not a symlink) or -ENAMETOOLONG (buf cannot hold it).
 */
ssize_t vfs_readlink(struct vfs *vfs, const char *path, char *buf, size_t size);

/* Set the size of the file at path. */
int vfs_truncate(struct vfs *vfs, const char *path, uint64_t size);

/* Make everything written so far durable, in every plugin; the first error. */
int vfs_sync(struct vfs *vfs);

#endif
