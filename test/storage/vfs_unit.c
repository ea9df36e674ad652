/*
 * Unit tests of lib/vfs's pure parts: path elements, the tar index (over
 * archives libarchive writes in memory), and trees of the plugins that
 * need no session (dir, ram, inline, symlink, null, zero): lookups,
 * unions, symlinks inside the VFS, and the errors of each operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vfs/vfs.h>
#include "path.h"
#include "tap.h"
#include "tar_index.h"

/* ---- path ---- */

static void test_path(void)
{
	const char *e, *p;
	size_t len;
	char parent[16];

	p = vfs_path_next("//a/bc/", &e, &len);
	ok(len == 1 && e[0] == 'a' && !strcmp(p, "/bc/"), "path_next skips slashes");
	p = vfs_path_next(p, &e, &len);
	ok(len == 2 && !strncmp(e, "bc", 2) && vfs_path_at_end(p), "path_next: last element");
	ok(vfs_path_is_clean("/") && vfs_path_is_clean("/a/b"), "clean paths");
	ok(!vfs_path_is_clean("a") && !vfs_path_is_clean("/a/") && !vfs_path_is_clean("//a") &&
	   !vfs_path_is_clean("/a/./b") && !vfs_path_is_clean("/a/..") &&
	   !vfs_path_is_clean(""), "unclean paths");
	ok(vfs_name_valid("a") && vfs_name_valid("...") && !vfs_name_valid("") &&
	   !vfs_name_valid(".") && !vfs_name_valid("..") && !vfs_name_valid("a/b"), "names");
	char longname[VFS_NAME_MAX + 2];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[VFS_NAME_MAX + 1] = '\0';
	ok(!vfs_name_valid(longname), "a name of %u bytes is too long", VFS_NAME_MAX + 1);
	ok(!strcmp(vfs_path_below("/dir/x", "dir"), "/x") && !strcmp(vfs_path_below("/dir", "dir"), "") &&
	   !vfs_path_below("/dirx", "dir") && !vfs_path_below("/di", "dir"), "below a name");
	ok(!vfs_path_split("/a/b", parent, sizeof(parent), &e) && !strcmp(parent, "/a") &&
	   !strcmp(e, "b"), "split /a/b");
	ok(!vfs_path_split("/b", parent, sizeof(parent), &e) && !strcmp(parent, "/") &&
	   !strcmp(e, "b"), "split /b");
	ok(!strcmp(vfs_path_basename("/a/bc"), "bc"), "basename");
}

/* ---- tar index ---- */

/*
 * A minimal ustar writer for the archives under test (libarchive's writer
 * would pull crypto libraries into the static link).
 */
struct tarball {
	char *buf;
	size_t size, used;
};

static void tar_begin(struct tarball *t, size_t size)
{
	t->buf = calloc(1, size);
	t->size = size;
	t->used = 0;
}

/* type: '0' file, '5' directory, '2' symlink, '1' hard link (link: its target). */
static void tar_add(struct tarball *t, const char *path, char type, const void *data,
                    size_t len, const char *link)
{
	char *h = t->buf + t->used;
	unsigned sum = 0;

	snprintf(h, 100, "%s", path);
	snprintf(h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	snprintf(h + 108, 8, "%07o", 0);
	snprintf(h + 116, 8, "%07o", 0);
	snprintf(h + 124, 12, "%011zo", len);
	snprintf(h + 136, 12, "%011o", 1700000000);
	h[156] = type;
	if (link)
		snprintf(h + 157, 100, "%s", link);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	t->used += 512;
	if (len)
		memcpy(t->buf + t->used, data, len);
	t->used += (len + 511) / 512 * 512;
}

/* Two zero blocks end the archive. */
static void tar_end(struct tarball *t)
{
	t->used += 1024;
}

static int children(const struct tar_index *idx, const char *dir, char *names, size_t size)
{
	const struct tar_entry *e;
	size_t cursor = 0;
	int n = 0;

	names[0] = '\0';
	while ((e = tar_index_child(idx, dir, &cursor))) {
		if (n++)
			strncat(names, " ", size - strlen(names) - 1);
		strncat(names, vfs_path_basename(e->path), size - strlen(names) - 1);
	}
	return n;
}

static void test_tar(void)
{
	static char big[1 << 20];
	struct tarball t;
	struct tar_index *idx;
	const struct tar_entry *e;
	char why[128], names[256];
	int err;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	tar_begin(&t, 4 << 20);
	tar_add(&t, "./a.txt", '0', "hello\n", 6, NULL);
	tar_add(&t, "dir/", '5', NULL, 0, NULL);
	tar_add(&t, "dir/sub/b", '0', "deep", 4, NULL);
	tar_add(&t, "link", '2', NULL, 0, "a.txt");
	tar_add(&t, "hard", '1', NULL, 0, "a.txt");
	tar_add(&t, "../evil", '0', "x", 1, NULL);
	tar_add(&t, "dir/../../evil2", '0', "x", 1, NULL);
	tar_add(&t, "/abs", '0', "abs", 3, NULL);
	tar_add(&t, "dup", '0', "first", 5, NULL);
	tar_add(&t, "dup", '0', "second", 6, NULL);
	tar_add(&t, "a.txt/under", '0', "no", 2, NULL);
	tar_add(&t, "d-x", '0', "", 0, NULL);
	tar_add(&t, "dir.txt", '0', "", 0, NULL);
	tar_add(&t, "big", '0', big, sizeof(big), NULL);
	tar_end(&t);

	err = tar_index_build(t.buf, t.used, &idx, why, sizeof(why));
	is_err(err, 0, "a pax archive is indexed");
	if (err) {
		printf("# %s\n", why);
		free(t.buf);
		return;
	}
	e = tar_index_find(idx, "/a.txt");
	ok(e && e->type == VFS_FILE && e->size == 6 && !memcmp(e->data, "hello\n", 6),
	   "./a.txt is /a.txt with its content");
	ok(e && e->data >= (const uint8_t *)t.buf && e->data < (const uint8_t *)t.buf + t.used,
	   "file content is read in place, not copied");
	e = tar_index_find(idx, "/dir/sub");
	ok(e && e->type == VFS_DIRECTORY, "an implied directory is added");
	e = tar_index_find(idx, "/dir/sub/b");
	ok(e && e->size == 4 && !memcmp(e->data, "deep", 4), "a file below it");
	e = tar_index_find(idx, "/link");
	ok(e && e->type == VFS_SYMLINK && !strcmp(e->target, "a.txt"), "a symlink and its target");
	e = tar_index_find(idx, "/hard");
	ok(e && e->type == VFS_FILE && e->size == 6 && !memcmp(e->data, "hello\n", 6),
	   "a hard link shares its target's content");
	ok(!tar_index_find(idx, "/evil") && !tar_index_find(idx, "/../evil") &&
	   !tar_index_find(idx, "/evil2"), "entries with .. are left out");
	e = tar_index_find(idx, "/abs");
	ok(e && e->size == 3, "an absolute name is taken from the archive's root");
	e = tar_index_find(idx, "/dup");
	ok(e && e->size == 6 && !memcmp(e->data, "second", 6), "of two entries the later wins");
	ok(!tar_index_find(idx, "/a.txt/under"), "an entry below a file is left out");
	ok(idx->skipped == 4, "left-out entries are counted (%u: 2 unsafe, 1 replaced, 1 below a file)",
	   idx->skipped);
	e = tar_index_find(idx, "/big");
	ok(e && e->size == sizeof(big) && !memcmp(e->data, big, sizeof(big)), "a 1 MiB file");
	ok(children(idx, "/", names, sizeof(names)) == 9 &&
	   !strcmp(names, "a.txt abs big d-x dir dir.txt dup hard link"), "root entries: %s", names);
	ok(children(idx, "/dir", names, sizeof(names)) == 1 && !strcmp(names, "sub"),
	   "entries of /dir, not of /dir.txt or /d-x: %s", names);
	ok(children(idx, "/dir/sub", names, sizeof(names)) == 1 && !strcmp(names, "b"),
	   "entries of /dir/sub: %s", names);
	ok(children(idx, "/nothing", names, sizeof(names)) == 0, "no entries of a missing directory");
	tar_index_free(idx);
	free(t.buf);

	static const char text[] = "this is no tar archive, not at all, not even close to one.";
	is_err(tar_index_build(text, sizeof(text), &idx, why, sizeof(why)), ARBOR_E_INVALID,
	       "text is no tar archive");
	ok(!idx, "and no index comes back");

	/* an empty archive: just "/" */
	tar_begin(&t, 64 << 10);
	tar_end(&t);
	err = tar_index_build(t.buf, t.used, &idx, why, sizeof(why));
	ok(!err && idx->count == 1 && tar_index_find(idx, "/"), "an empty archive has only /");
	tar_index_free(idx);
	free(t.buf);
}

/* ---- trees without sessions ---- */

static const char tree_xml[] =
	"<config><vfs>\n"
	"  <dir name=\"tmp\"> <ram/> </dir>\n"
	"  <ram/>\n"
	"  <dir name=\"etc\">\n"
	"    <inline name=\"motd\">hello\nworld</inline>\n"
	"    <inline name=\"cfg\"><config a=\"1>\"><x/></config></inline>\n"
	"    <symlink name=\"lnk\" target=\"motd\"/>\n"
	"  </dir>\n"
	"  <dir name=\"dev\"> <null/> <zero size=\"10\"/> <zero name=\"endless\"/> </dir>\n"
	"  <symlink name=\"abs\" target=\"/etc/motd\"/>\n"
	"  <dir name=\"u\"> <inline name=\"same\">one</inline> <inline name=\"same\">two</inline>\n"
	"    <inline name=\"other\">x</inline> <ram/> </dir>\n"
	"  <dir name=\"other\"> <ram/> </dir>\n"
	"</vfs></config>";

static struct xml_node *config;

static struct vfs *tree(const char *xml)
{
	struct vfs_config cfg = { NULL, xml, strlen(xml), "test" };
	struct xml_error xerr;
	struct vfs *vfs = NULL;

	if (xml_parse(xml, strlen(xml), "test", &config, &xerr)) {
		printf("# test config: %lu:%lu: %s\n", xerr.line, xerr.column, xerr.message);
		return NULL;
	}
	cfg.node = xml_first_child(config, "vfs");
	if (vfs_new(NULL, &cfg, &vfs)) {
		xml_free(config);
		config = NULL;
	}
	return vfs;
}

static void untree(struct vfs *vfs)
{
	vfs_free(vfs);
	xml_free(config);
	config = NULL;
}

/* The content of path into buf (NUL-terminated): its length or an error. */
static ssize_t slurp(struct vfs *vfs, const char *path, char *buf, size_t size)
{
	struct vfs_handle *h;
	ssize_t n, total = 0;
	int err = vfs_open(vfs, path, O_RDONLY, &h);

	if (err)
		return err;
	while ((n = vfs_read(h, buf + total, size - 1 - (size_t)total)) > 0)
		total += n;
	vfs_close(h);
	buf[total] = '\0';
	return n < 0 ? n : total;
}

static int put(struct vfs *vfs, const char *path, const char *text)
{
	struct vfs_handle *h;
	int err = vfs_open(vfs, path, O_WRONLY | O_CREAT | O_TRUNC, &h);
	ssize_t n;

	if (err)
		return err;
	n = vfs_write(h, text, strlen(text));
	err = vfs_close(h);
	return n < 0 ? (int)n : err;
}

static int listing(struct vfs *vfs, const char *path, char *names, size_t size)
{
	struct vfs_dirent ent;
	struct vfs_dir *d;
	int n = 0, err = vfs_opendir(vfs, path, &d);

	names[0] = '\0';
	if (err)
		return err;
	while (vfs_readdir(d, &ent) == 1) {
		if (n++)
			strncat(names, " ", size - strlen(names) - 1);
		strncat(names, ent.name, size - strlen(names) - 1);
	}
	vfs_closedir(d);
	return n;
}

static void test_files(struct vfs *vfs)
{
	char buf[256];
	struct vfs_handle *h;
	struct vfs_stat st;

	ok(slurp(vfs, "/etc/motd", buf, sizeof(buf)) == 11 && !strcmp(buf, "hello\nworld"),
	   "an inline file");
	ok(slurp(vfs, "/etc/cfg", buf, sizeof(buf)) > 0 && !strcmp(buf, "<config a=\"1>\"><x/></config>"),
	   "inline XML content verbatim: %s", buf);
	is_err(vfs_open(vfs, "/etc/motd", O_WRONLY, &h), -EROFS, "an inline file is read-only");
	is_err(put(vfs, "/etc/new", "x"), -EROFS, "a <dir> of read-only plugins takes no new file");
	is_err(vfs_mkdir(vfs, "/etc"), -EEXIST, "a <dir> exists");
	is_err(vfs_rmdir(vfs, "/etc"), -EBUSY, "a <dir> cannot be removed");
	is_err(vfs_unlink(vfs, "/etc/motd"), -EBUSY, "an inline file cannot be removed");

	is_err(put(vfs, "/tmp/x", "0123456789"), 0, "a file in <ram>");
	ok(slurp(vfs, "/tmp/x", buf, sizeof(buf)) == 10 && !strcmp(buf, "0123456789"), "read back");
	is_err(vfs_open(vfs, "/tmp/x", O_RDWR, &h), 0, "opened read-write");
	ok(vfs_seek(h, 4, SEEK_SET) == 4 && vfs_write(h, "AB", 2) == 2, "seek and write");
	ok(vfs_pread(h, buf, 4, 3) == 4 && !memcmp(buf, "3AB6", 4), "pread sees it");
	ok(vfs_seek(h, 0, SEEK_END) == 10, "seek to the end");
	ok(vfs_pwrite(h, "Z", 1, 20) == 1 && !vfs_fstat(h, &st) && st.size == 21,
	   "pwrite past the end grows the file");
	ok(vfs_pread(h, buf, 10, 10) == 10 && !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10),
	   "the gap reads as zeros");
	ok(!vfs_ftruncate(h, 5) && !vfs_fstat(h, &st) && st.size == 5, "truncate shrinks");
	ok(!vfs_ftruncate(h, 8) && vfs_pread(h, buf, 8, 0) == 8 && !memcmp(buf, "0123A\0\0\0", 8),
	   "and grows with zeros, not old bytes");
	ok(vfs_seek(h, -1, SEEK_SET) == -EINVAL, "no negative position");
	vfs_close(h);
	is_err(vfs_open(vfs, "/tmp/x", O_WRONLY | O_APPEND, &h), 0, "opened for appending");
	ok(vfs_write(h, "++", 2) == 2 && !vfs_fstat(h, &st) && st.size == 10, "appended at the end");
	is_err((int)vfs_read(h, buf, 1), -EBADF, "no read through a write-only handle");
	vfs_close(h);
	is_err(vfs_open(vfs, "/tmp/x", O_RDONLY, &h), 0, "opened read-only");
	is_err((int)vfs_write(h, "x", 1), -EBADF, "no write through a read-only handle");
	is_err(vfs_ftruncate(h, 0), -EBADF, "no truncate either");
	vfs_close(h);
	is_err(vfs_open(vfs, "/tmp/x", O_WRONLY | O_CREAT | O_EXCL, &h), -EEXIST, "O_EXCL");
	is_err(vfs_open(vfs, "/tmp/none", O_RDONLY, &h), -ENOENT, "no such file");
	is_err(vfs_open(vfs, "/tmp", O_RDONLY, &h), -EISDIR, "a directory is no file");
	is_err(vfs_open(vfs, "/tmp/x/y", O_RDONLY | O_CREAT, &h), -ENOTDIR, "below a file");
	is_err(vfs_open(vfs, "/tmp/x", 0x40000000, &h), -EINVAL, "unknown flags");

	/* a file unlinked while open lives on until closed */
	is_err(vfs_open(vfs, "/tmp/x", O_RDONLY, &h), 0, "open, then");
	is_err(vfs_unlink(vfs, "/tmp/x"), 0, "unlinked");
	ok(vfs_pread(h, buf, 5, 0) == 5 && !memcmp(buf, "0123A", 5), "still readable through its handle");
	is_err(vfs_stat(vfs, "/tmp/x", &st), -ENOENT, "but gone from the tree");
	vfs_close(h);

	ok(!vfs_open(vfs, "/dev/null", O_RDWR, &h) && vfs_write(h, "abc", 3) == 3 &&
	   vfs_read(h, buf, 3) == 0, "null swallows writes and reads empty");
	vfs_close(h);
	ok(!vfs_open(vfs, "/dev/zero", O_RDONLY, &h) && vfs_read(h, buf, 100) == 10 &&
	   !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10) && vfs_read(h, buf, 100) == 0,
	   "zero size=10 gives 10 zeros");
	vfs_close(h);
	ok(!vfs_open(vfs, "/dev/endless", O_RDONLY, &h) && vfs_pread(h, buf, 100, 1u << 30) == 100,
	   "zero without size is endless");
	vfs_close(h);
}

static void test_tree(struct vfs *vfs)
{
	char names[512];
	struct vfs_stat st;

	is_err(vfs_mkdir(vfs, "/tmp/a"), 0, "mkdir");
	is_err(vfs_mkdir(vfs, "/tmp/a/b"), 0, "mkdir below");
	is_err(vfs_mkdir(vfs, "/tmp/a"), -EEXIST, "mkdir twice");
	is_err(vfs_mkdir(vfs, "/tmp/none/b"), -ENOENT, "mkdir without parent");
	is_err(put(vfs, "/tmp/a/b/f", "f"), 0, "a file deep down");
	is_err(vfs_rmdir(vfs, "/tmp/a"), -ENOTEMPTY, "rmdir of a full directory");
	is_err(vfs_unlink(vfs, "/tmp/a"), -EISDIR, "unlink of a directory");
	is_err(vfs_rmdir(vfs, "/tmp/a/b/f"), -ENOTDIR, "rmdir of a file");
	is_err(vfs_rename(vfs, "/tmp/a", "/tmp/a/b/c"), -EINVAL, "a directory into itself");
	is_err(vfs_rename(vfs, "/tmp/a", "/tmp/z"), 0, "rename a directory");
	ok(!vfs_stat(vfs, "/tmp/z/b/f", &st) && st.type == VFS_FILE && st.size == 1,
	   "its content moved along");
	is_err(put(vfs, "/tmp/other", "o"), 0, "another file");
	is_err(vfs_rename(vfs, "/tmp/other", "/tmp/z/b/f"), 0, "rename over a file");
	ok(!vfs_stat(vfs, "/tmp/z/b/f", &st) && st.size == 1 && vfs_stat(vfs, "/tmp/other", &st) == -ENOENT,
	   "replaced it");
	is_err(vfs_rename(vfs, "/tmp/z/b/f", "/tmp/z"), -EISDIR, "a file over a directory");
	is_err(vfs_rename(vfs, "/tmp/z/b/f", "/other/f"), -EXDEV, "across two <ram>s");
	is_err(vfs_rename(vfs, "/etc/motd", "/etc/m2"), -EBUSY, "an inline file stays");
	is_err(vfs_rename(vfs, "/", "/x"), -EBUSY, "the root stays");

	/* the root: a <ram> beside <dir>s and a symlink */
	is_err(put(vfs, "/rootfile", "r"), 0, "a new file at / goes to the root's <ram>");
	ok(listing(vfs, "/", names, sizeof(names)) == 7 &&
	   !strcmp(names, "tmp rootfile etc dev abs u other"), "/ lists the union: %s", names);
	ok(listing(vfs, "/u", names, sizeof(names)) == 2 && !strcmp(names, "same other"),
	   "names in a union are listed once: %s", names);
	char buf[64];
	ok(slurp(vfs, "/u/same", buf, sizeof(buf)) == 3 && !strcmp(buf, "one"), "and the first one wins");
	is_err(put(vfs, "/u/new", "n"), 0, "a read-only plugin first: a new file goes to the next");
	ok(listing(vfs, "/u", names, sizeof(names)) == 3 && !strcmp(names, "same other new"),
	   "and shows in the union: %s", names);
	is_err(listing(vfs, "/tmp/z/b/f", names, sizeof(names)), -ENOTDIR, "a file is no directory");
	is_err(listing(vfs, "/none", names, sizeof(names)), -ENOENT, "no such directory");
	ok(listing(vfs, "/dev", names, sizeof(names)) == 3 && !strcmp(names, "null zero endless"),
	   "/dev: %s", names);
	is_err(vfs_sync(vfs), 0, "sync");
}

static void test_symlinks(struct vfs *vfs)
{
	char buf[64], longpath[VFS_PATH_MAX + 16], longname[VFS_NAME_MAX + 2];
	struct vfs_handle *h;
	struct vfs_stat st;

	ok(slurp(vfs, "/etc/lnk", buf, sizeof(buf)) == 11, "a relative <symlink>");
	ok(slurp(vfs, "/abs", buf, sizeof(buf)) == 11, "an absolute <symlink>");
	ok(!vfs_lstat(vfs, "/abs", &st) && st.type == VFS_SYMLINK && st.size == 9, "lstat sees the link");
	ok(!vfs_stat(vfs, "/abs", &st) && st.type == VFS_FILE && st.size == 11, "stat its target");
	ok(vfs_readlink(vfs, "/abs", buf, sizeof(buf)) == 9 && !strcmp(buf, "/etc/motd"), "readlink");
	is_err((int)vfs_readlink(vfs, "/abs", buf, 4), -ENAMETOOLONG, "readlink into a small buffer");
	is_err((int)vfs_readlink(vfs, "/etc/motd", buf, sizeof(buf)), -EINVAL, "readlink of a file");

	is_err(vfs_symlink(vfs, "../etc", "/tmp/up"), 0, "a symlink in <ram>");
	ok(slurp(vfs, "/tmp/up/motd", buf, sizeof(buf)) == 11, "through it, into another plugin");
	ok(slurp(vfs, "/tmp/up/../tmp/up/lnk", buf, sizeof(buf)) == 11,
	   ".. after a symlink is taken from its target");
	ok(slurp(vfs, "/../../../etc/motd", buf, sizeof(buf)) == 11, ".. stops at the root");
	is_err(vfs_symlink(vfs, "/../../../../etc", "/tmp/escape"), 0, "a symlink aiming above the root");
	ok(slurp(vfs, "/tmp/escape/motd", buf, sizeof(buf)) == 11, "stays inside the VFS");
	is_err(vfs_symlink(vfs, "l2", "/tmp/l1"), 0, "l1 -> l2");
	is_err(vfs_symlink(vfs, "l1", "/tmp/l2"), 0, "l2 -> l1");
	is_err(vfs_stat(vfs, "/tmp/l1", &st), -ELOOP, "a loop ends with ELOOP");
	is_err(vfs_stat(vfs, "/tmp/l1/x", &st), -ELOOP, "also in the middle of a path");
	is_err(vfs_open(vfs, "/tmp/up", O_RDONLY | O_NOFOLLOW, &h), -ELOOP, "O_NOFOLLOW");
	is_err(vfs_symlink(vfs, "new-target", "/tmp/dangling"), 0, "a dangling symlink");
	is_err(put(vfs, "/tmp/dangling", "made"), 0, "O_CREAT through it");
	ok(slurp(vfs, "/tmp/new-target", buf, sizeof(buf)) == 4, "made its target");
	is_err(vfs_open(vfs, "/tmp/dangling", O_WRONLY | O_CREAT | O_EXCL, &h), -EEXIST,
	       "O_EXCL does not follow");
	is_err(vfs_unlink(vfs, "/tmp/dangling"), 0, "unlink removes the link");
	ok(!vfs_stat(vfs, "/tmp/new-target", &st), "not its target");
	is_err(vfs_symlink(vfs, "x", "/tmp/up"), -EEXIST, "symlink over an existing one");
	is_err(vfs_mkdir(vfs, "/tmp/up/new"), -EROFS, "mkdir through a link into read-only /etc");
	is_err(vfs_stat(vfs, "/etc/motd/x", &st), -ENOTDIR, "below a file");
	is_err(vfs_stat(vfs, "/etc/motd/", &st), -ENOTDIR, "a trailing slash wants a directory");

	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(longpath, sizeof(longpath), "/tmp/%s", longname);
	is_err(put(vfs, longpath, "x"), -ENAMETOOLONG, "a name of 256 bytes");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	is_err(vfs_stat(vfs, longpath, &st), -ENAMETOOLONG, "a path over 1024 bytes");
}

static void test_bad_configs(void)
{
	static const struct {
		const char *xml, *what;
	} bad[] = {
		{ "<config><vfs><floppy/></vfs></config>", "an unknown plugin" },
		{ "<config><vfs><dir/></vfs></config>", "<dir> without name" },
		{ "<config><vfs><dir name=\"a/b\"/></vfs></config>", "a name with a slash" },
		{ "<config><vfs><dir name=\"..\"/></vfs></config>", "the name .." },
		{ "<config><vfs><symlink name=\"l\"/></vfs></config>", "<symlink> without target" },
		{ "<config><vfs><zero size=\"lots\"/></vfs></config>", "<zero> with a bad size" },
		{ "<config><vfs><rom name=\"x\"/></vfs></config>", "<rom> without environment" },
		{ "<config><vfs><dir name=\"d\"><ram/><bogus/></dir></vfs></config>", "a bad node deep down" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vfs *vfs = tree(bad[i].xml);

		ok(!vfs, "refused: %s", bad[i].what);
		if (vfs)
			untree(vfs);
	}
}

int main(void)
{
	struct vfs *vfs;

	test_path();
	test_tar();
	vfs = tree(tree_xml);
	ok(vfs != NULL, "a tree of dir, ram, inline, symlink, null and zero");
	if (vfs) {
		test_files(vfs);
		test_tree(vfs);
		test_symlinks(vfs);
		untree(vfs);
	}
	test_bad_configs();
	return done_testing();
}
