/* Logical-to-physical block runs of a file (map.c). */
#ifndef EXT_FS_MAP_H
#define EXT_FS_MAP_H

#include <stdint.h>
#include <ext2fs/ext2fs.h>

/*
 * count blocks from lblk on at pblk (0: a hole); unwritten: allocated but
 * not written yet (an uninitialized extent). Holes and unwritten blocks
 * read as zeros.
 */
struct map_run {
	uint64_t lblk;
	uint64_t pblk;
	uint64_t count;
	int unwritten;
};

/* Called for each run in logical order; a non-zero return stops the walk with it. */
typedef int (*map_fn)(void *arg, const struct map_run *run);

/*
 * Map logical blocks [lblk, lblk + count) of inode ino (extents or a
 * block map; not inline data: -EINVAL), merging adjacent runs. Returns 0,
 * fn's error, -EUCLEAN (a block outside the file system), -EIO or -ENOMEM.
 */
int map_blocks(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode,
               uint64_t lblk, uint64_t count, map_fn fn, void *arg);

#endif
