/*
 * ext_fs's backend on images made by mke2fs (ext2 with 1K blocks on a
 * 512-byte device, ext4 with 4K blocks, ext4 with 1K blocks and inline
 * data): every operation of the File_system backend, then e2fsck -fn must
 * find the image clean and debugfs must read back what was written; a
 * read-only mount refuses changes; images that need e2fsck are refused;
 * the on-disk "clean" flag follows the sync protocol. TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../unit/tap.h"
#include "ext_host.h"

#define BIG_SIZE   (3u << 20)
#define DIR_FILES  300

static const struct fs_backend *be = &backend_ops;
static char image[512];

/* ---- helpers ---------------------------------------------------------- */

static fs_ino path_ino(struct ext_fs *x, const char *path)
{
	fs_ino ino = 0;

	return ext_host_resolve(x, path, &ino) ? 0 : ino;
}

/* Create path (its parent must exist) as type; its inode or 0. */
static fs_ino make(struct ext_fs *x, const char *path, unsigned type)
{
	char parent[512];
	const char *slash = strrchr(path, '/');
	fs_ino dir, ino = 0;

	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - path), path);
	dir = slash == path ? be->root(x) : path_ino(x, parent);
	if (!dir || be->create(x, dir, slash + 1, type, &ino))
		return 0;
	return ino;
}

static int write_all(struct ext_fs *x, fs_ino ino, uint64_t pos, const unsigned char *p,
                     size_t len, size_t chunk)
{
	while (len) {
		size_t n = len < chunk ? len : chunk;
		ssize_t w = be->write(x, ino, pos, p, n);

		if (w != (ssize_t)n)
			return -1;
		pos += n;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_equals(struct ext_fs *x, fs_ino ino, uint64_t pos, const unsigned char *want,
                       size_t len, size_t chunk)
{
	unsigned char *buf = malloc(chunk);
	int same = 1;

	while (len && same) {
		size_t n = len < chunk ? len : chunk;

		same = be->read(x, ino, pos, buf, n) == (ssize_t)n && !memcmp(buf, want, n);
		pos += n;
		want += n;
		len -= n;
	}
	free(buf);
	return same;
}

static int dump_equals(const char *fs_path, const unsigned char *want, size_t len)
{
	unsigned char *got;
	long n = ext_host_dump(image, fs_path, &got);
	int same = n == (long)len && !memcmp(got, want, len);

	free(got);
	return same;
}

static uint64_t entries(struct ext_fs *x, fs_ino dir, const char *must_have, int *has)
{
	struct arbor_fs_dirent ent;
	uint64_t i = 0;

	*has = 0;
	while (be->readdir(x, dir, i, &ent) == 1) {
		if (must_have && !strcmp(ent.name, must_have))
			*has = 1;
		i++;
	}
	return i;
}

static int superblock_clean_on_disk(void)
{
	unsigned char sb[1024];
	int fd = open(image, O_RDONLY);
	ssize_t n = pread(fd, sb, sizeof(sb), 1024);

	close(fd);
	/* s_state (little endian) at offset 58 */
	return n == 1024 && (sb[58] & EXT2_VALID_FS);
}

/* ---- one image -------------------------------------------------------- */

struct variant {
	const char *name;
	const char *mkfs;         /* mke2fs options */
	uint32_t dev_block;
};

static void workload(const struct variant *v)
{
	static unsigned char big[BIG_SIZE], buf[8192];
	const char *slow_target =
		"a/very/long/target/that/does/not/fit/into/the/inode/itself/and/so/needs/a/block/"
		"of/its/own/on/the/device/to/hold/it/all/in/one/piece/xxxxxxxxxxxxxxxxxxxxxxxxxxx";
	struct ext_host_fs m;
	struct ext_fs *x = &m.fs;
	struct arbor_fs_status st;
	fs_ino a, f1, bigf, s1, s2, c = 0, tmp, sparse, ino;
	char name[64];
	int i, err, has, bad;

	snprintf(image, sizeof(image), "%s/%s.img", ext_host_scratch(), v->name);
	ok(!ext_host_run("rm -f '%s'; mke2fs -q -F %s '%s' 64M >/dev/null", image, v->mkfs, image),
	   "%s: mke2fs %s", v->name, v->mkfs);
	err = ext_host_mount(&m, image, v->dev_block, 1, 1u << 20);
	ok(!err, "%s: mounted read-write", v->name);
	if (err)
		return;

	/* files, directories, content */
	a = make(x, "/a", ARBOR_FS_DIRECTORY);
	ok(a && make(x, "/a/b", ARBOR_FS_DIRECTORY) && (c = make(x, "/c", ARBOR_FS_DIRECTORY)),
	   "%s: directories created", v->name);
	is_err(be->create(x, be->root(x), "a", ARBOR_FS_FILE, &ino), ARBOR_FS_E_EXISTS,
	       "an existing name is EXISTS");
	f1 = make(x, "/a/f1", ARBOR_FS_FILE);
	ok(f1 && be->write(x, f1, 0, "hello ext", 9) == 9 && read_equals(x, f1, 0,
	   (const unsigned char *)"hello ext", 9, 9), "%s: a small file reads back", v->name);
	ext_host_pattern(big, BIG_SIZE, 1, 0);
	bigf = make(x, "/a/big", ARBOR_FS_FILE);
	ok(bigf && !write_all(x, bigf, 0, big, BIG_SIZE, 100000), "%s: 3 MiB written in odd chunks",
	   v->name);
	ok(read_equals(x, bigf, 0, big, BIG_SIZE, BIG_SIZE) &&
	   read_equals(x, bigf, 0, big, BIG_SIZE, 3000) &&
	   read_equals(x, bigf, 12345, big + 12345, BIG_SIZE - 12345, 1 << 20),
	   "%s: it reads back whole, in small pieces and in large unaligned ones", v->name);
	sparse = make(x, "/a/sparse", ARBOR_FS_FILE);
	memset(buf, 0, sizeof(buf));
	ok(sparse && be->write(x, sparse, 10u << 20, big, 4096) == 4096 &&
	   read_equals(x, sparse, 0, buf, sizeof(buf), sizeof(buf)) &&
	   read_equals(x, sparse, (10u << 20) - 100, buf, 100, 100) &&
	   read_equals(x, sparse, 10u << 20, big, 4096, 4096) &&
	   !be->status(x, sparse, &st) && st.size == (10u << 20) + 4096,
	   "%s: a sparse file reads zeros in its hole", v->name);
	ok(!write_all(x, sparse, (5u << 20) + 1000, big, 200000, 200000) &&
	   read_equals(x, sparse, (5u << 20) + 1000, big, 200000, 200000) &&
	   read_equals(x, sparse, 0, buf, sizeof(buf), sizeof(buf)) &&
	   read_equals(x, sparse, 10u << 20, big, 4096, 4096),
	   "%s: a large write into the hole fills it, the rest stays", v->name);

	/* symlinks, fast and slow */
	s1 = make(x, "/a/s1", ARBOR_FS_SYMLINK);
	s2 = make(x, "/a/s2", ARBOR_FS_SYMLINK);
	ok(s1 && s2 && be->write(x, s1, 0, "../c", 4) == 4 &&
	   be->write(x, s2, 0, slow_target, strlen(slow_target)) == (ssize_t)strlen(slow_target) &&
	   read_equals(x, s1, 0, (const unsigned char *)"../c", 4, 64) &&
	   read_equals(x, s2, 0, (const unsigned char *)slow_target, strlen(slow_target), 4096) &&
	   !be->status(x, s2, &st) && st.type == ARBOR_FS_SYMLINK && st.size == strlen(slow_target),
	   "%s: fast and slow symlinks read back", v->name);
	ok(be->write(x, s2, 0, "short", 5) == 5 && read_equals(x, s2, 0,
	   (const unsigned char *)"short", 5, 64) && be->write(x, s1, 0, slow_target, 100) == 100,
	   "%s: a symlink's target is replaced (slow to fast and back)", v->name);

	/* a directory of many entries: grows, lists each entry once */
	for (i = 0, bad = 0; i < DIR_FILES; i++) {
		snprintf(name, sizeof(name), "/c/n%03d", i);
		ino = make(x, name, ARBOR_FS_FILE);
		if (!ino || be->write(x, ino, 0, name, strlen(name)) != (ssize_t)strlen(name))
			bad++;
	}
	ok(!bad && entries(x, c, "n299", &has) == DIR_FILES && has &&
	   !be->status(x, c, &st) && st.size == DIR_FILES * sizeof(struct arbor_fs_dirent),
	   "%s: %d files in one directory, listed once each", v->name, DIR_FILES);
	for (i = 0, bad = 0; i < DIR_FILES; i += 3) {
		snprintf(name, sizeof(name), "n%03d", i);
		bad += !!be->unlink(x, c, name);
	}
	ok(!bad && entries(x, c, "n000", &has) == DIR_FILES - 100 && !has,
	   "%s: every third removed, the listing follows", v->name);

	/* moves */
	ok(!be->move(x, a, "f1", c, "f1moved") && !path_ino(x, "/a/f1") &&
	   path_ino(x, "/c/f1moved") == f1, "%s: a file moved across directories", v->name);
	ino = path_ino(x, "/c/n001");
	ok(!be->move(x, c, "n001", c, "n002") && path_ino(x, "/c/n002") == ino &&
	   !path_ino(x, "/c/n001") && read_equals(x, ino, 0, (const unsigned char *)"/c/n001", 7, 7),
	   "%s: a move replaces the file at its destination", v->name);
	ok(!be->move(x, path_ino(x, "/a"), "b", c, "b2") && path_ino(x, "/c/b2") &&
	   make(x, "/c/b2/inner", ARBOR_FS_FILE) && make(x, "/a/kept", ARBOR_FS_DIRECTORY) &&
	   !be->move(x, a, "kept", be->root(x), "kept") && path_ino(x, "/kept"),
	   "%s: directories moved to another parent", v->name);
	is_err(be->move(x, c, "n002", be->root(x), "a"), ARBOR_FS_E_NOT_EMPTY,
	       "a move onto a non-empty directory is NOT_EMPTY");
	is_err(be->unlink(x, be->root(x), "c"), ARBOR_FS_E_NOT_EMPTY,
	       "removing a non-empty directory is NOT_EMPTY");
	ok(!be->unlink(x, path_ino(x, "/c/b2"), "inner") && !be->unlink(x, c, "b2") &&
	   !path_ino(x, "/c/b2"), "%s: an emptied directory is removed", v->name);
	is_err(be->unlink(x, a, "nothing"), ARBOR_FS_E_LOOKUP_FAILED, "removing nothing fails");

	/* truncate */
	memset(buf, 0, sizeof(buf));
	ok(!be->truncate(x, bigf, (1u << 20) + 123) && !be->status(x, bigf, &st) &&
	   st.size == (1u << 20) + 123 && be->read(x, bigf, (1u << 20) + 123, buf, 10) == 0 &&
	   !be->truncate(x, bigf, 2u << 20) &&
	   read_equals(x, bigf, (1u << 20) + 123, buf, 4096, 4096) &&
	   read_equals(x, bigf, 0, big, (1u << 20) + 123, 1u << 20),
	   "%s: truncate shrinks, and grows with zeros", v->name);

	/* a node unlinked while a handle holds it */
	tmp = make(x, "/a/tmp", ARBOR_FS_FILE);
	be->opened(x, tmp);
	ok(tmp && be->write(x, tmp, 0, big, 50000) == 50000 && !be->unlink(x, a, "tmp") &&
	   !path_ino(x, "/a/tmp") && read_equals(x, tmp, 0, big, 50000, 50000),
	   "%s: an open file stays readable after its unlink", v->name);
	/* as a crash would leave it: e2fsck frees the orphan and finds nothing else */
	ok(!be->sync(x) && !ext_host_run("cp '%s' '%s.crash' && e2fsck -fp '%s.crash' >/dev/null 2>&1 && "
	                              "e2fsck -fn '%s.crash' >/dev/null 2>&1", image, image, image,
	                              image),
	   "%s: synced with an orphan pending, e2fsck frees it and finds nothing else", v->name);
	be->closed(x, tmp);

	ok(!be->sync(x) && superblock_clean_on_disk() && ext_host_fsck(image) == 0,
	   "%s: after sync, e2fsck -fn finds the image clean", v->name);
	ok(m.dev.trims > 0 && m.dev.trimmed_blocks * v->dev_block >= (1u << 20),
	   "%s: the freed blocks were trimmed after the sync (%lu trims, %llu KiB)", v->name,
	   m.dev.trims, (unsigned long long)m.dev.trimmed_blocks * v->dev_block / 1024);
	memset(big + (1u << 20) + 123, 0, (1u << 20) - 123);    /* as truncated and grown */
	ok(dump_equals("/a/big", big, 2u << 20) &&
	   dump_equals("/c/f1moved", (const unsigned char *)"hello ext", 9) &&
	   dump_equals("/c/n002", (const unsigned char *)"/c/n001", 7) &&
	   ext_host_run("debugfs -R 'stat /a/s2' '%s' 2>/dev/null | grep -q 'Fast link dest: \"short\"'",
	            image) == 0,
	   "%s: debugfs reads back what was written", v->name);
	ext_host_umount(&m);
	ok(ext_host_fsck(image) == 0, "%s: unmounted, still clean", v->name);

	/* read-only */
	err = ext_host_mount(&m, image, v->dev_block, 0, 0);
	ok(!err, "%s: mounted read-only", v->name);
	if (err)
		return;
	bigf = path_ino(x, "/a/big");
	is_err(be->create(x, be->root(x), "new", ARBOR_FS_FILE, &ino), ARBOR_FS_E_PERMISSION_DENIED,
	       "read-only: create is PERMISSION_DENIED");
	ok(be->write(x, bigf, 0, "x", 1) == ARBOR_FS_E_PERMISSION_DENIED &&
	   be->unlink(x, be->root(x), "a") == ARBOR_FS_E_PERMISSION_DENIED &&
	   be->truncate(x, bigf, 0) == ARBOR_FS_E_PERMISSION_DENIED &&
	   be->move(x, be->root(x), "a", be->root(x), "z") == ARBOR_FS_E_PERMISSION_DENIED,
	   "read-only: write, unlink, truncate and move are refused");
	ok(read_equals(x, bigf, 0, big, 2u << 20, 65536) && !be->status(x, bigf, &st) &&
	   !(st.rwx & ARBOR_FS_W), "read-only: content reads back, the node is not writeable");
	ext_host_umount(&m);
}

/* The dirty flag on the device: cleared by the first write-back, set by a sync. */
static void sync_protocol(void)
{
	static unsigned char data[2u << 20];
	struct ext_host_fs m;
	fs_ino f;
	int err;

	snprintf(image, sizeof(image), "%s/proto.img", ext_host_scratch());
	ext_host_run("rm -f '%s'; mke2fs -q -F -t ext4 '%s' 32M >/dev/null", image, image);
	err = ext_host_mount(&m, image, 4096, 1, 256 * 1024);
	ok(!err && superblock_clean_on_disk(), "protocol: mounted, the image is clean");
	if (err)
		return;
	ext_host_pattern(data, sizeof(data), 7, 0);
	f = make(&m.fs, "/synced", ARBOR_FS_FILE);
	ok(f && !write_all(&m.fs, f, 0, data, sizeof(data), 65536) && !be->sync(&m.fs) &&
	   superblock_clean_on_disk(), "protocol: written and synced, still clean");
	f = make(&m.fs, "/unsynced", ARBOR_FS_FILE);
	ok(f && !write_all(&m.fs, f, 0, data, sizeof(data), 65536) && !superblock_clean_on_disk(),
	   "protocol: more than the cache holds written: the image says it is not clean");
	/* a crash now: nothing more reaches the device */
	ok(dump_equals("/synced", data, sizeof(data)), "protocol: what was synced is on the device");
	ok(ext_host_run("e2fsck -p '%s' 2>&1 | grep -q 'not cleanly unmounted, check forced'", image) == 0,
	   "protocol: e2fsck -p checks the crashed image in full");
	ok(ext_host_run("e2fsck -fp '%s' >/dev/null 2>&1", image) <= 1 && ext_host_fsck(image) == 0 &&
	   dump_equals("/synced", data, sizeof(data)),
	   "protocol: after e2fsck -p it is clean, the synced file intact");
	/* the mount is dropped as a crash leaves it: its device gone first, nothing more written */
	ext_file_dev_close(&m.dev);
	ext2fs_free(m.fs.fs);
	dir_fini(&m.fs);
	free(m.fs.open);
}

/* Blocks allocated but unwritten (fallocate): read as zeros, written through the slow path. */
static void unwritten_extents(void)
{
	static unsigned char data[300000], zeros[8192];
	struct ext_host_fs m;
	fs_ino f = 0;
	int err;

	snprintf(image, sizeof(image), "%s/unwritten.img", ext_host_scratch());
	ext_host_run("rm -f '%s'; mke2fs -q -F -t ext4 -b 4096 '%s' 32M >/dev/null", image, image);
	ok(!ext_host_run("debugfs -w -R 'write /dev/null f' '%s' >/dev/null 2>&1 && "
	             "debugfs -w -R 'fallocate /f 0 199' '%s' >/dev/null 2>&1 && "
	             "debugfs -w -R 'sif /f size 819200' '%s' >/dev/null 2>&1", image, image, image),
	   "unwritten: debugfs made a file of 200 unwritten blocks");
	err = ext_host_mount(&m, image, 4096, 1, 0);
	ok(!err && (f = path_ino(&m.fs, "/f")) && read_equals(&m.fs, f, 0, zeros, sizeof(zeros),
	                                                        sizeof(zeros)),
	   "unwritten: they read as zeros");
	if (err)
		return;
	ext_host_pattern(data, sizeof(data), 9, 0);
	ok(!write_all(&m.fs, f, 4096 * 10 + 5, data, sizeof(data), sizeof(data)) &&
	   read_equals(&m.fs, f, 4096 * 10 + 5, data, sizeof(data), sizeof(data)) &&
	   read_equals(&m.fs, f, 0, zeros, sizeof(zeros), sizeof(zeros)),
	   "unwritten: a large write into them reads back");
	ext_host_umount(&m);
	ok(ext_host_fsck(image) == 0, "unwritten: e2fsck -fn finds the image clean");
}

static void refusals(void)
{
	struct ext_host_fs m;

	snprintf(image, sizeof(image), "%s/refuse.img", ext_host_scratch());
	ext_host_run("rm -f '%s'; mke2fs -q -F -t ext4 '%s' 32M >/dev/null", image, image);
	ext_host_run("debugfs -w -R 'ssv state 0' '%s' >/dev/null 2>&1", image);
	is_err(ext_host_mount(&m, image, 4096, 1, 0), -EUCLEAN,
	       "an image not cleanly unmounted is refused read-write (needs e2fsck)");
	ok(!ext_host_mount(&m, image, 4096, 0, 0), "... and mounted read-only");
	ext_host_umount(&m);
	ext_host_run("e2fsck -fy '%s' >/dev/null 2>&1", image);
	ext_host_run("debugfs -w -R 'feature needs_recovery' '%s' >/dev/null 2>&1", image);
	is_err(ext_host_mount(&m, image, 4096, 0, 0), -EUCLEAN,
	       "a journal that needs recovery is refused even read-only");
	ext_host_run("rm -f '%s'; truncate -s 8M '%s'", image, image);
	is_err(ext_host_mount(&m, image, 4096, 0, 0), -EIO, "a device without a file system is refused");
}

int main(void)
{
	static const struct variant variants[] = {
		{ "ext2", "-t ext2 -b 1024", 512 },
		{ "ext4", "-t ext4 -b 4096", 4096 },
		{ "ext4-inline", "-t ext4 -b 1024 -O inline_data -I 256", 512 },
	};
	size_t i;

	ext_host_require_tools();
	for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		workload(&variants[i]);
	sync_protocol();
	unwritten_extents();
	refusals();
	ext_host_cleanup();
	return done_testing();
}
