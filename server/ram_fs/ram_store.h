/*
 * ram_fs's nodes: directories (entries sorted by name), files and
 * symlinks (content in 4 KiB blocks, holes read as zeros), named by inode
 * number. Every byte the store holds is charged against a limit taken from
 * ram_fs's own RAM quota; a change that would exceed it fails with
 * ARBOR_FS_E_NO_SPACE and leaves the store as it was. A node unlinked
 * while handles hold it lives on until the last is closed.
 */
#ifndef RAM_FS_RAM_STORE_H
#define RAM_FS_RAM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <file_system/fs_server.h>

#define RAM_STORE_BLOCK 4096u
#define RAM_STORE_ROOT  1u

struct ram_node;

struct ram_entry {
	char *name;
	struct ram_node *node;
};

struct ram_node {
	fs_ino ino;
	unsigned type;               /* enum arbor_fs_node_type */
	uint64_t mtime;
	int linked;                  /* named by a directory (the root always is) */
	unsigned opens;              /* handles holding it */
	struct ram_node *parent;     /* the directory naming it; NULL for the root and unlinked */
	/* directory */
	struct ram_entry *entries;
	size_t count, cap;
	/* file, symlink */
	unsigned char **blocks;      /* NULL entries are holes */
	uint64_t nblocks;            /* length of blocks[] */
	uint64_t size;
};

struct ram_store {
	uintptr_t *table;            /* ino -> node, or (next free ino << 1) | 1 */
	size_t table_len, table_cap;
	uintptr_t free_head;         /* first free ino, 0: none */
	uint64_t used, limit;        /* bytes charged, and the most there may be */
};

/* An empty store with just the root directory. Returns 0 or ARBOR_FS_E_NO_SPACE. */
int ram_store_init(struct ram_store *st, uint64_t limit);

/* The node ino, or NULL. */
struct ram_node *ram_store_node(struct ram_store *st, fs_ino ino);

/* name in directory dir, or NULL. */
struct ram_node *ram_store_lookup(struct ram_store *st, struct ram_node *dir, const char *name);

/*
 * A new empty node of type named name in dir: ARBOR_FS_E_EXISTS,
 * ARBOR_FS_E_LOOKUP_FAILED (dir was unlinked), ARBOR_FS_E_NO_SPACE.
 */
int ram_store_create(struct ram_store *st, struct ram_node *dir, const char *name,
                     unsigned type, struct ram_node **out);

/* Remove name from dir: LOOKUP_FAILED, NOT_EMPTY (a directory with entries). */
int ram_store_unlink(struct ram_store *st, struct ram_node *dir, const char *name);

/*
 * Rename, replacing a file or an empty directory at the destination:
 * LOOKUP_FAILED, NOT_EMPTY, NO_SPACE. Nothing changes on error.
 */
int ram_store_move(struct ram_store *st, struct ram_node *from, const char *from_name,
                   struct ram_node *to, const char *to_name);

/* Content of a file or symlink: bytes read (0 at the end). */
ssize_t ram_store_read(struct ram_store *st, struct ram_node *n, uint64_t pos, void *dst,
                       size_t len);

/* Bytes written (fewer when space ran out part-way), or NO_SPACE when none fit. */
ssize_t ram_store_write(struct ram_store *st, struct ram_node *n, uint64_t pos,
                        const void *src, size_t len);

/* Set a file's size; growing it adds a hole, which takes no space. */
int ram_store_truncate(struct ram_store *st, struct ram_node *n, uint64_t size);

/* A handle took n / let go of n (which goes once unlinked and unheld). */
void ram_store_hold(struct ram_node *n);
void ram_store_release(struct ram_store *st, struct ram_node *n);

#endif
