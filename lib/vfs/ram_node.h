/*
 * The nodes of the <ram> plugin (lib/vfs internal, pure): directories
 * with their entries sorted by name, files as tables of fixed-size chunks
 * (a missing chunk reads as zeros, so sparse files cost nothing), and
 * symlinks. A node lives while it is linked into a directory or open.
 */
#ifndef VFS_RAM_NODE_H
#define VFS_RAM_NODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define RAM_CHUNK      (64u * 1024)
#define RAM_FILE_MAX   (64ull << 30)   /* bytes in one file: its chunk table stays small */

struct ram_node {
	char *name;
	uint32_t type;                /* enum vfs_node_type */
	uint64_t inode, mtime;
	struct ram_node *parent;      /* NULL: the root, or unlinked */
	unsigned open;                /* handles on it */
	union {
		struct {
			struct ram_node **ents;
			size_t count, cap;
		} dir;
		struct {
			uint8_t **chunks;
			size_t nchunks;       /* entries of the chunk table */
			uint64_t size;
		} file;
		char *target;
	};
};

/* A new node, not linked anywhere. NULL when out of memory. */
struct ram_node *ram_node_new(const char *name, uint32_t type, uint64_t inode);

/* Free an unlinked node that nobody has open (a directory with whatever it holds). */
void ram_node_free(struct ram_node *n);

/* The entry name of dir, or NULL. */
struct ram_node *ram_dir_find(const struct ram_node *dir, const char *name);

/* Link n (unlinked, named) into dir. 0, -EEXIST or -ENOMEM. */
int ram_dir_insert(struct ram_node *dir, struct ram_node *n);

/* Unlink n from its directory. */
void ram_dir_remove(struct ram_node *n);

/* Make room for one more entry in dir, so that the next insert cannot fail. 0 or -ENOMEM. */
int ram_dir_reserve(struct ram_node *dir);

/* Bytes of a file read at pos (0 at its end) / written at pos (-ENOMEM, -EFBIG). */
ssize_t ram_file_read(const struct ram_node *f, void *dst, size_t len, uint64_t pos);
ssize_t ram_file_write(struct ram_node *f, const void *src, size_t len, uint64_t pos);

/* Set a file's size; what grows reads as zeros. 0, -ENOMEM or -EFBIG. */
int ram_file_truncate(struct ram_node *f, uint64_t size);

#endif
