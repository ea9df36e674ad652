/*
 * What a VFS plugin implements (lib/vfs internal). A plugin instance is a
 * struct vfs_fs mounted in a directory of the tree; it sees paths relative
 * to that directory ("/" is the directory itself, "/a/b" below it), already
 * free of ".", ".." and symlinks in all but the last element. Its answers
 * decide the union: -ENOENT means "not mine" and lets the next plugin of
 * the directory answer; any other error is the plugin's verdict.
 */
#ifndef VFS_PLUGIN_H
#define VFS_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <arbor/env.h>
#include <sandbox/xml.h>
#include <vfs/vfs.h>

struct vfs_fs;
struct vfs_file;

/* Entries a listing collects; names are kept unique (the first plugin's entry wins). */
struct vfs_listing {
	struct vfs_dirent *ents;
	size_t count, cap;
	size_t from;          /* entries before this came from earlier plugins: check names against them */
};

/* Add an entry (a duplicate of an earlier plugin's is dropped). 0 or -ENOMEM. */
int vfs_listing_add(struct vfs_listing *l, const char *name, uint32_t type);

struct vfs_file_ops {
	/* Bytes moved at pos, 0 at the end, or an error. NULL: -EBADF. */
	ssize_t (*read)(struct vfs_file *f, void *dst, size_t len, uint64_t pos);
	ssize_t (*write)(struct vfs_file *f, const void *src, size_t len, uint64_t pos);
	int (*stat)(struct vfs_file *f, struct vfs_stat *st);
	/* NULL: -EINVAL (the node has no size to set). */
	int (*truncate)(struct vfs_file *f, uint64_t size);
	/* NULL: nothing to do. */
	int (*sync)(struct vfs_file *f);
	/* Free f; the result of a last flush. */
	int (*close)(struct vfs_file *f);
};

/* An open file: embedded in the plugin's own handle struct. */
struct vfs_file {
	const struct vfs_file_ops *ops;
};

/*
 * The operations on paths. NULL entries: stat and list -ENOENT, the
 * changes -EROFS. The VFS calls open, mkdir and symlink with O_CREAT only
 * for a path that no plugin of the directory has; the plugin answers
 * -ENOENT when the parent is not its own, so that the next one may take it.
 */
struct vfs_fs_ops {
	const char *type;     /* the config node name: "ram", "tar", ... */
	/* The node at path, a last symlink not followed. */
	int (*stat)(struct vfs_fs *fs, const char *path, struct vfs_stat *st);
	/* Add the entries of directory path to l; 0 when path is a directory here. */
	int (*list)(struct vfs_fs *fs, const char *path, struct vfs_listing *l);
	/*
	 * Open a file (flags as vfs_open(); with O_CREAT a new one; O_TRUNC
	 * truncates). Never called for directories or symlinks.
	 */
	int (*open)(struct vfs_fs *fs, const char *path, int flags, struct vfs_file **out);
	int (*mkdir)(struct vfs_fs *fs, const char *path);
	/* dir: remove an empty directory; otherwise a file or symlink. */
	int (*unlink)(struct vfs_fs *fs, const char *path, int dir);
	int (*rename)(struct vfs_fs *fs, const char *from, const char *to);
	int (*symlink)(struct vfs_fs *fs, const char *target, const char *path);
	/* The target into buf (NUL-terminated): its length or an error. */
	ssize_t (*readlink)(struct vfs_fs *fs, const char *path, char *buf, size_t size);
	int (*sync)(struct vfs_fs *fs);
	/* Close the plugin's sessions and free it. */
	void (*free)(struct vfs_fs *fs);
};

struct vfs_fs {
	const struct vfs_fs_ops *ops;
	struct vfs_fs *next;          /* the next mount of the same directory */
};

/*
 * What a plugin's constructor gets: the environment (may be NULL for a
 * tree of plugins that need no session), its config node, and the
 * document for messages. A constructor logs its own errors as
 * "FILE:LINE:COL: <type>: why" (vfs_config_error()).
 */
struct vfs_plugin_args {
	struct arbor_env *env;
	const struct xml_node *node;
	const struct vfs_config *cfg;
};

typedef int (*vfs_plugin_new_fn)(const struct vfs_plugin_args *a, struct vfs_fs **out);

/* Log "FILE:LINE:COL: <type>: message" for node. */
__attribute__((format(printf, 3, 4)))
void vfs_config_error(const struct vfs_config *cfg, const struct xml_node *node,
                      const char *fmt, ...);

/*
 * Copy the node's attribute attr (or def when it is absent; NULL def:
 * required) into dst of size bytes. Logs and returns ARBOR_E_INVALID when
 * it is missing, too long, or (names) not a valid file name.
 */
int vfs_config_string(const struct vfs_plugin_args *a, const char *attr, const char *def,
                      char *dst, size_t size);
int vfs_config_name(const struct vfs_plugin_args *a, const char *def, char *dst);

/* The plugins (each in its own file). */
int vfs_dir_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_ram_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_tar_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_rom_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_fs_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_log_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_null_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_zero_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_terminal_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_inline_new(const struct vfs_plugin_args *a, struct vfs_fs **out);
int vfs_symlink_new(const struct vfs_plugin_args *a, struct vfs_fs **out);

/* Mount every child of node (a <vfs> or <dir>) into the list *first, in order. */
int vfs_config_mount(const struct vfs_plugin_args *a, struct vfs_fs **first);

/* Free a list of mounts. */
void vfs_mounts_free(struct vfs_fs *first);

#endif
