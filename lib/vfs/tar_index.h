/*
 * The index of a tar archive held in memory (lib/vfs internal, pure): its
 * entries by clean path, with the directories the archive only implies
 * added. Built with libarchive (ustar, pax and GNU tar); file content
 * stays in the archive's memory and is pointed to, except where the
 * archive stores it in pieces (sparse files), which are copied once.
 */
#ifndef VFS_TAR_INDEX_H
#define VFS_TAR_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct tar_entry {
	char *path;                   /* "/" or "/a/b" */
	uint32_t type;                /* enum vfs_node_type */
	uint32_t mode;                /* permission bits from the archive */
	uint64_t mtime;
	uint64_t size;                /* a file's bytes */
	const uint8_t *data;          /* a file's content: in the archive, or owned */
	uint8_t *owned;
	char *target;                 /* a symlink's target */
	unsigned flags;               /* private to the indexing */
};

struct tar_index {
	struct tar_entry *ents;       /* sorted by path */
	size_t count;
	unsigned skipped;             /* entries left out: unsafe or clashing paths, other types */
};

/*
 * Index the archive data[0..len), which must stay mapped as long as the
 * index lives. Returns 0, ARBOR_E_INVALID (not a tar archive, or a broken
 * one; why says more) or -ENOMEM. *out is cleared on entry.
 */
int tar_index_build(const void *data, size_t len, struct tar_index **out,
                    char *why, size_t why_size);

void tar_index_free(struct tar_index *idx);

/* The entry at a clean path ("/" is always there), or NULL. */
const struct tar_entry *tar_index_find(const struct tar_index *idx, const char *path);

/*
 * The entries directly in directory dir, one per call: *cursor starts at
 * 0; returns NULL after the last.
 */
const struct tar_entry *tar_index_child(const struct tar_index *idx, const char *dir,
                                        size_t *cursor);

#endif
