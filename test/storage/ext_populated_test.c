/*
 * Images populated by mke2fs -d from a host tree (files of awkward sizes,
 * a sparse file, a hard link, fast and slow symlinks, empty and crowded
 * directories) read back through ext_fs's backend exactly as the tree is:
 * every name, type, size, content and symlink target. TAP.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../unit/tap.h"
#include "ext_host.h"

static const struct fs_backend *be = &backend_ops;
static char tree[512];
static unsigned long compared, mismatches;

static void mismatch(const char *path, const char *what)
{
	mismatches++;
	printf("# %s: %s differs\n", path, what);
}

static void write_file(const char *rel, uint64_t pos, size_t len, uint32_t seed)
{
	char path[1024];
	unsigned char *buf = malloc(len ? len : 1);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tree, rel);
	ext_host_pattern(buf, len, seed, pos);
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || pwrite(fd, buf, len, (off_t)pos) != (ssize_t)len) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	close(fd);
	free(buf);
}

static void make_tree(void)
{
	static const size_t sizes[] = { 0, 1, 59, 60, 1023, 1024, 1025, 4095, 4096, 4097, 100000,
	                                (1u << 20) + 17, 5u << 20 };
	char name[64];
	size_t i;

	snprintf(tree, sizeof(tree), "%s/tree", ext_host_scratch());
	ext_host_run("mkdir -p '%s/d1/d2/d3' '%s/empty' '%s/crowded' '%s/links'", tree, tree, tree, tree);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "d1/size_%zu", sizes[i]);
		write_file(name, 0, sizes[i], (uint32_t)i + 10);
	}
	write_file("d1/d2/d3/deep", 0, 7777, 3);
	/* sparse: data at 0 and at 6 MiB, a hole between */
	write_file("d1/sparse", 0, 4096, 4);
	write_file("d1/sparse", 6u << 20, 10000, 5);
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "crowded/entry_with_a_longer_name_%03zu", i);
		write_file(name, 0, i, (uint32_t)i);
	}
	ext_host_run("cd '%s/links' && ln -s ../d1/size_1 short && "
	         "ln -s ../d1/d2/d3/$(printf 'x%%.0s' $(seq 1 150))/target long && "
	         "ln ../d1/size_4096 hard", tree);
}

static void compare_file(struct ext_fs *x, fs_ino ino, const char *path, off_t size)
{
	unsigned char *want = malloc((size_t)size + 1), *got = malloc((size_t)size + 1);
	int fd = open(path, O_RDONLY);
	ssize_t n = size ? be->read(x, ino, 0, got, (size_t)size) : 0;

	if (fd < 0 || pread(fd, want, (size_t)size, 0) != size || n != size ||
	    memcmp(want, got, (size_t)size))
		mismatch(path, "content");
	/* and again in small pieces, through the other read path */
	if (size > 3000 && (be->read(x, ino, size - 3000, got, 3000) != 3000 ||
	                    memcmp(want + size - 3000, got, 3000)))
		mismatch(path, "tail");
	close(fd);
	free(want);
	free(got);
}

/* Compare host directory path with directory dir of the image, recursively. */
static void compare_dir(struct ext_fs *x, fs_ino dir, const char *path, int is_root)
{
	struct arbor_fs_dirent ent;
	unsigned long host_entries = 0, image_entries = 0;
	struct dirent *d;
	DIR *h = opendir(path);

	while (h && (d = readdir(h))) {
		char sub[2048];
		struct arbor_fs_status st;
		struct stat hs;
		fs_ino ino;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		host_entries++;
		snprintf(sub, sizeof(sub), "%s/%s", path, d->d_name);
		lstat(sub, &hs);
		if (be->lookup(x, dir, d->d_name, &ino) || be->status(x, ino, &st)) {
			mismatch(sub, "presence");
			continue;
		}
		compared++;
		if (S_ISDIR(hs.st_mode)) {
			if (st.type != ARBOR_FS_DIRECTORY)
				mismatch(sub, "type");
			else
				compare_dir(x, ino, sub, 0);
		} else if (S_ISLNK(hs.st_mode)) {
			char target[4096], got[4096];
			ssize_t len = readlink(sub, target, sizeof(target));

			if (st.type != ARBOR_FS_SYMLINK || st.size != (uint64_t)len ||
			    be->read(x, ino, 0, got, sizeof(got)) != len || memcmp(got, target, (size_t)len))
				mismatch(sub, "symlink");
		} else if (st.type != ARBOR_FS_FILE || st.size != (uint64_t)hs.st_size) {
			mismatch(sub, "type or size");
		} else {
			compare_file(x, ino, sub, hs.st_size);
		}
	}
	if (h)
		closedir(h);
	while (be->readdir(x, dir, image_entries, &ent) == 1)
		image_entries++;
	/* mke2fs adds lost+found to the root */
	if (image_entries != host_entries + (is_root ? 1 : 0))
		mismatch(path, "number of entries");
}

static void populated(const char *name, const char *mkfs, uint32_t dev_block)
{
	char image[512];
	struct ext_host_fs m;
	fs_ino hard, orig;
	int err;

	snprintf(image, sizeof(image), "%s/%s.img", ext_host_scratch(), name);
	ok(!ext_host_run("mke2fs -q -F %s -d '%s' '%s' 64M >/dev/null 2>&1", mkfs, tree, image),
	   "%s: mke2fs %s -d", name, mkfs);
	err = ext_host_mount(&m, image, dev_block, 0, 0);
	ok(!err, "%s: mounted read-only", name);
	if (err)
		return;
	compared = mismatches = 0;
	compare_dir(&m.fs, be->root(&m.fs), tree, 1);
	ok(!mismatches && compared > 420, "%s: %lu nodes read back as in the host tree", name,
	   compared);
	ok(!ext_host_resolve(&m.fs, "/links/hard", &hard) && !ext_host_resolve(&m.fs, "/d1/size_4096", &orig) &&
	   hard == orig, "%s: the hard link is the same inode", name);
	ext_host_umount(&m);
}

int main(void)
{
	ext_host_require_tools();
	make_tree();
	populated("ext2", "-t ext2 -b 1024", 512);
	populated("ext4", "-t ext4", 4096);
	populated("ext4-inline", "-t ext4 -O inline_data -b 4096", 4096);
	ext_host_cleanup();
	return done_testing();
}
