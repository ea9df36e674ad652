/*
 * ext_fs's state: one ext2/3/4 file system opened through libext2fs on a
 * device (dev.h, ext_io.h), served as a File_system backend
 * (file_system/fs_server.h). The modules: mount.c (open, checks, sync,
 * close), node.c (lookup, status, create, unlink, move, open counts and
 * orphans), dir.c (entries), file.c, file_write.c and symlink.c
 * (content), map.c
 * (logical to physical blocks), backend.c (the fs_backend table).
 */
#ifndef EXT_FS_EXT_FS_H
#define EXT_FS_EXT_FS_H

#include <stddef.h>
#include <stdint.h>
#include <ext2fs/ext2fs.h>
#include <file_system/fs_server.h>
#include "dev.h"

/* Where the last readdir of a directory stopped, to go on from there. */
struct dir_cursor {
	ext2_ino_t ino;          /* 0: none */
	uint64_t generation;     /* ext_fs.generation when it was taken */
	uint64_t index;          /* the entry number found at (lblk, offset) */
	uint64_t lblk;
	unsigned offset;
	blk64_t pblk;            /* the block in buf (0: none) */
	char *buf;               /* one file-system block */
};

/* A node some session holds a handle to: freed only after the last close. */
struct open_node {
	ext2_ino_t ino;
	unsigned count;
};

struct ext_fs {
	ext2_filsys fs;
	int writeable;                /* mounted read-write */
	int discard;                  /* freed blocks are trimmed */
	uint64_t generation;          /* bumped by every change of a directory */
	struct dir_cursor cursor;
	ext2_ino_t count_ino;         /* memo of dir_count() */
	uint64_t count_generation;
	uint64_t count_value;
	struct open_node *open;
	size_t open_count, open_cap;
};

/* What mount_open() takes from the config. */
struct mount_params {
	int writeable;          /* mount read-write if the device allows it */
	size_t cache_bytes;     /* the io manager's cache (0: its default) */
	int discard;            /* trim freed blocks */
	const char *name;       /* for messages */
};

/* ---- mount.c ---------------------------------------------------------- */

/*
 * Open the file system on dev (borrowed; it must outlive the mount),
 * check that it can be served as asked, and log what was mounted.
 * Read-write needs a writeable device and params->writeable; a file
 * system that cannot be written safely (journal to recover, errors, not
 * cleanly unmounted, features libext2fs cannot write) is refused then.
 * Returns 0, -EUCLEAN (refused: needs e2fsck), -EOPNOTSUPP (refused: a
 * feature, or no file system it can serve), or -EIO (no file system, or
 * one libext2fs cannot read); each refusal is logged with its reason.
 */
int mount_open(struct ext_fs *x, struct dev *dev, const struct mount_params *params);
/* Make every change durable (ext2fs_flush, then the device's SYNC). */
int mount_sync(struct ext_fs *x);
/* Free what waits for its last close, write everything back and close. */
void mount_close(struct ext_fs *x);

/* ---- node.c ----------------------------------------------------------- */

/*
 * node_*, dir_readdir, file_* and mount_sync are the backend operations of
 * file_system/fs_server.h (arguments, results and errors as there); a
 * change on a read-only mount is PERMISSION_DENIED.
 */
int node_lookup(struct ext_fs *x, fs_ino dir, const char *name, fs_ino *out);
int node_status(struct ext_fs *x, fs_ino ino, struct arbor_fs_status *st);
int node_create(struct ext_fs *x, fs_ino dir, const char *name, unsigned type, fs_ino *out);
int node_unlink(struct ext_fs *x, fs_ino dir, const char *name);
int node_move(struct ext_fs *x, fs_ino from_dir, const char *from_name,
              fs_ino to_dir, const char *to_name);
void node_opened(struct ext_fs *x, fs_ino ino);
void node_closed(struct ext_fs *x, fs_ino ino);
/*
 * Free the inodes on the superblock's orphan list (left by a crash while
 * unlinked nodes were still open). Called at a read-write mount.
 */
int node_free_orphans(struct ext_fs *x);
/* Read ino's inode; LOOKUP_FAILED for a number that is no inode in use. */
int node_read(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode);
/* Set mtime and ctime of inode to now; _ino: of the inode ino, written back. */
void node_touch(struct ext2_inode *inode);
int node_touch_ino(struct ext_fs *x, fs_ino ino);

/* ---- dir.c ------------------------------------------------------------ */

int dir_readdir(struct ext_fs *x, fs_ino dir, uint64_t index, struct arbor_fs_dirent *ent);
/* Entries of dir besides "." and "..", or an error. */
int64_t dir_count(struct ext_fs *x, fs_ino dir);
/* Point dir's ".." at parent. */
int dir_set_dotdot(struct ext_fs *x, fs_ino dir, fs_ino parent);
void dir_fini(struct ext_fs *x);

/* ---- file.c, file_write.c, symlink.c ---------------------------------- */

ssize_t file_read(struct ext_fs *x, fs_ino ino, uint64_t pos, void *dst, size_t len);
ssize_t file_write(struct ext_fs *x, fs_ino ino, uint64_t pos, const void *src, size_t len);
int file_truncate(struct ext_fs *x, fs_ino ino, uint64_t size);

ssize_t symlink_read(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode,
                     uint64_t pos, void *dst, size_t len);
/* Replace the target (only at pos 0, as Genode's file systems do). */
ssize_t symlink_write(struct ext_fs *x, fs_ino ino, struct ext2_inode *inode,
                      uint64_t pos, const void *src, size_t len);

/* ---- ext_error.c ------------------------------------------------------ */

/* A libext2fs errcode as an ARBOR_FS_E_* error (0 stays 0); unexpected ones are logged. */
int ext_error(errcode_t rc, const char *what);

/* ---- backend.c -------------------------------------------------------- */

/* The table for fs_server_start(); be is the struct ext_fs. */
extern const struct fs_backend backend_ops;

#endif
