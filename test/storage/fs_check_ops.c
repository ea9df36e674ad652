/*
 * fs_check's checks of every operation of session/file_system.h and of
 * each error it names, on a writeable session with an empty "/ops"
 * below its root to work in; of the handle table's bound; of a file
 * unlinked while open; of a file larger than the bulk buffer; and of a
 * server running out of space.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include "fs_check.h"

#define R fs_check_result

static struct fs_connection *fs(void)
{
	return fs_check.fs;
}

static void ops_files(int dir, int root)
{
	struct arbor_fs_status st;
	char buf[64] = "";
	int f, ro;

	f = fs_file(fs(), (uint32_t)dir, "f", ARBOR_FS_READ_WRITE, 1);
	R(f < 0 ? f : 0, 0, "file: create /ops/f");
	R(fs_file(fs(), (uint32_t)dir, "f", ARBOR_FS_READ_WRITE, 1), ARBOR_FS_E_EXISTS,
	  "file: create /ops/f again");
	R(fs_file(fs(), (uint32_t)dir, "missing", ARBOR_FS_READ_ONLY, 0), ARBOR_FS_E_LOOKUP_FAILED,
	  "file: open /ops/missing");
	R(fs_file(fs(), (uint32_t)dir, "x", 7, 1), ARBOR_FS_E_INVALID_NAME, "file: mode 7");
	R(fs_write(fs(), (uint32_t)f, 0, "hello world", 11), 11, "write 11 bytes");
	R(fs_read(fs(), (uint32_t)f, 0, buf, sizeof(buf)), 11, "read them back");
	fs_check_that(!memcmp(buf, "hello world", 11), "content is 'hello world'");
	R(fs_read(fs(), (uint32_t)f, 6, buf, 3), 3, "read 3 bytes at 6");
	fs_check_that(!memcmp(buf, "wor", 3), "they are 'wor'");
	R(fs_read(fs(), (uint32_t)f, 11, buf, 8), 0, "read at the end");
	R(fs_read(fs(), (uint32_t)f, 1ull << 40, buf, 8), 0, "read far past the end");
	R(fs_status(fs(), (uint32_t)f, &st), 0, "status of the file");
	fs_check_that(st.size == 11 && st.type == ARBOR_FS_FILE && st.inode,
	              "status: size %llu, type %u", (unsigned long long)st.size, st.type);
	R(fs_truncate(fs(), (uint32_t)f, 5), 0, "truncate to 5");
	memset(buf, 0, sizeof(buf));
	R(fs_read(fs(), (uint32_t)f, 0, buf, sizeof(buf)), 5, "read after truncate");
	R(fs_truncate(fs(), (uint32_t)f, 8), 0, "truncate up to 8");
	R(fs_read(fs(), (uint32_t)f, 0, buf, sizeof(buf)), 8, "read after growing");
	fs_check_that(!memcmp(buf, "hello\0\0\0", 8), "the new bytes read as zeros");
	R(fs_write(fs(), (uint32_t)f, 10, "!", 1), 1, "write past the end");
	R(fs_status(fs(), (uint32_t)f, &st), 0, "status after it");
	fs_check_that(st.size == 11, "size is 11 (%llu)", (unsigned long long)st.size);

	ro = fs_file(fs(), (uint32_t)dir, "f", ARBOR_FS_READ_ONLY, 0);
	R(ro < 0 ? ro : 0, 0, "file: open /ops/f read-only");
	R(fs_write(fs(), (uint32_t)ro, 0, "x", 1), ARBOR_FS_E_PERMISSION_DENIED,
	  "write through a read-only handle");
	R(fs_truncate(fs(), (uint32_t)ro, 0), ARBOR_FS_E_PERMISSION_DENIED,
	  "truncate through a read-only handle");
	fs_close(fs(), (uint32_t)ro);
	int wo = fs_file(fs(), (uint32_t)dir, "f", ARBOR_FS_WRITE_ONLY, 0);
	R(fs_read(fs(), (uint32_t)wo, 0, buf, 1), ARBOR_FS_E_PERMISSION_DENIED,
	  "read through a write-only handle");
	fs_close(fs(), (uint32_t)wo);
	int so = fs_file(fs(), (uint32_t)dir, "f", ARBOR_FS_STAT_ONLY, 0);
	R(fs_read(fs(), (uint32_t)so, 0, buf, 1), ARBOR_FS_E_PERMISSION_DENIED,
	  "read through a stat-only handle");
	R(fs_status(fs(), (uint32_t)so, &st), 0, "status through a stat-only handle");
	fs_close(fs(), (uint32_t)so);

	/* a file operation on a directory handle, and the other way round */
	R(fs_write(fs(), (uint32_t)dir, 0, "x", 1), ARBOR_FS_E_INVALID_HANDLE,
	  "write to a directory handle");
	R(fs_truncate(fs(), (uint32_t)dir, 0), ARBOR_FS_E_INVALID_HANDLE,
	  "truncate a directory handle");
	R(fs_file(fs(), (uint32_t)f, "g", ARBOR_FS_READ_WRITE, 1), ARBOR_FS_E_INVALID_HANDLE,
	  "file: a file handle as the directory");
	R(fs_num_entries(fs(), (uint32_t)f), ARBOR_FS_E_INVALID_HANDLE, "num_entries of a file");
	R(fs_file(fs(), (uint32_t)root, "ops", ARBOR_FS_READ_ONLY, 0), ARBOR_FS_E_LOOKUP_FAILED,
	  "file: open a directory as a file");
	fs_close(fs(), (uint32_t)f);
	R(fs_status(fs(), (uint32_t)f, &st), ARBOR_FS_E_INVALID_HANDLE, "status of a closed handle");
	R(fs_close(fs(), (uint32_t)f), ARBOR_FS_E_INVALID_HANDLE, "close a closed handle");
	R(fs_close(fs(), 100000), ARBOR_FS_E_INVALID_HANDLE, "close handle 100000");
}

static void ops_names(int dir)
{
	char long_name[ARBOR_FS_NAME_MAX + 2], long_path[ARBOR_FS_NAME_MAX + 8];

	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = 0;
	snprintf(long_path, sizeof(long_path), "/%s", long_name);
	R(fs_file(fs(), (uint32_t)dir, "", ARBOR_FS_READ_WRITE, 1), ARBOR_FS_E_INVALID_NAME,
	  "file: name ''");
	R(fs_file(fs(), (uint32_t)dir, ".", ARBOR_FS_READ_WRITE, 1), ARBOR_FS_E_INVALID_NAME,
	  "file: name '.'");
	R(fs_file(fs(), (uint32_t)dir, "..", ARBOR_FS_READ_WRITE, 0), ARBOR_FS_E_INVALID_NAME,
	  "file: name '..'");
	R(fs_file(fs(), (uint32_t)dir, "a/b", ARBOR_FS_READ_WRITE, 1), ARBOR_FS_E_INVALID_NAME,
	  "file: name 'a/b'");
	R(fs_file(fs(), (uint32_t)dir, long_name, ARBOR_FS_READ_WRITE, 1), ARBOR_FS_E_NAME_TOO_LONG,
	  "file: a name of 256 bytes");
	/* the server's check: the client library sends a path of this length */
	R(fs_dir(fs(), long_path, 1), ARBOR_FS_E_NAME_TOO_LONG, "dir: a component of 256 bytes");
	long_name[ARBOR_FS_NAME_MAX] = 0;
	int h = fs_file(fs(), (uint32_t)dir, long_name, ARBOR_FS_READ_WRITE, 1);
	R(h < 0 ? h : 0, 0, "file: a name of 255 bytes");
	if (h >= 0)
		fs_close(fs(), (uint32_t)h);
	R(fs_unlink(fs(), (uint32_t)dir, long_name), 0, "unlink it");
	R(fs_dir(fs(), "ops", 0), ARBOR_FS_E_INVALID_NAME, "dir: a relative path");
	R(fs_dir(fs(), "/ops/", 0), ARBOR_FS_E_INVALID_NAME, "dir: a trailing '/'");
	R(fs_dir(fs(), "//ops", 0), ARBOR_FS_E_INVALID_NAME, "dir: an empty component");
	R(fs_dir(fs(), "/ops/./x", 1), ARBOR_FS_E_INVALID_NAME, "dir: a '.' component");
	R(fs_dir(fs(), "/", 1), ARBOR_FS_E_INVALID_NAME, "dir: create '/'");
	R(fs_dir(fs(), "/ops/no/such", 1), ARBOR_FS_E_LOOKUP_FAILED, "dir: parent missing");
	R(fs_unlink(fs(), (uint32_t)dir, "missing"), ARBOR_FS_E_LOOKUP_FAILED, "unlink missing");
	R(fs_unlink(fs(), (uint32_t)dir, ".."), ARBOR_FS_E_INVALID_NAME, "unlink '..'");
	R(fs_unlink(fs(), 255, "x"), ARBOR_FS_E_INVALID_HANDLE, "unlink with an unopened handle");
}

static void ops_dirs(int dir, int root)
{
	struct arbor_fs_dirent ent;
	char buf[sizeof(struct arbor_fs_dirent)];
	int sub, l, f;

	sub = fs_dir(fs(), "/ops/sub", 1);
	R(sub < 0 ? sub : 0, 0, "dir: create /ops/sub");
	R(fs_dir(fs(), "/ops/sub", 1), ARBOR_FS_E_EXISTS, "dir: create /ops/sub again");
	f = fs_file(fs(), (uint32_t)sub, "inner", ARBOR_FS_READ_WRITE, 1);
	fs_close(fs(), (uint32_t)f);
	l = fs_symlink(fs(), (uint32_t)dir, "link", 1);
	R(l < 0 ? l : 0, 0, "symlink: create /ops/link");
	R(fs_write(fs(), (uint32_t)l, 0, "sub/inner", 9), 9, "write the symlink's target");
	memset(buf, 0, sizeof(buf));
	R(fs_read(fs(), (uint32_t)l, 0, buf, sizeof(buf)), 9, "read the target back");
	fs_check_that(!strcmp(buf, "sub/inner"), "the target is 'sub/inner'");
	fs_close(fs(), (uint32_t)l);
	R(fs_symlink(fs(), (uint32_t)dir, "link", 1), ARBOR_FS_E_EXISTS, "symlink: create again");
	l = fs_symlink(fs(), (uint32_t)dir, "link", 0);
	R(l < 0 ? l : 0, 0, "symlink: open /ops/link");
	fs_close(fs(), (uint32_t)l);
	R(fs_symlink(fs(), (uint32_t)dir, "f", 0), ARBOR_FS_E_LOOKUP_FAILED,
	  "symlink: open a file as a symlink");
	R(fs_file(fs(), (uint32_t)dir, "link", ARBOR_FS_READ_ONLY, 0), ARBOR_FS_E_LOOKUP_FAILED,
	  "file: open a symlink as a file");
	R(fs_dir(fs(), "/ops/link", 0), ARBOR_FS_E_LOOKUP_FAILED, "dir: a symlink is no directory");
	R(fs_dir(fs(), "/ops/f", 0), ARBOR_FS_E_LOOKUP_FAILED, "dir: a file is no directory");
	R(fs_node(fs(), "/ops/link/inner"), ARBOR_FS_E_LOOKUP_FAILED,
	  "node: a symlink is not followed");

	int n = fs_node(fs(), "/ops/link");
	struct arbor_fs_status st;
	R(fs_status(fs(), (uint32_t)n, &st), 0, "node: status of /ops/link");
	fs_check_that(st.type == ARBOR_FS_SYMLINK && st.size == 9, "it is a symlink of 9 bytes");
	R(fs_read(fs(), (uint32_t)n, 0, buf, 1), ARBOR_FS_E_INVALID_HANDLE, "read a node handle");
	fs_close(fs(), (uint32_t)n);

	/* entries in name order: f, link, sub */
	R(fs_num_entries(fs(), (uint32_t)dir), 3, "num_entries of /ops");
	const char *names[] = { "f", "link", "sub" };
	unsigned types[] = { ARBOR_FS_FILE, ARBOR_FS_SYMLINK, ARBOR_FS_DIRECTORY };
	for (unsigned i = 0; i < 3; i++) {
		int r = fs_readdir(fs(), (uint32_t)dir, i, &ent);
		fs_check_that(r == 1 && !strcmp(ent.name, names[i]) && ent.type == types[i] &&
		              ent.inode, "readdir %u: '%s' type %u", i, r == 1 ? ent.name : "",
		              r == 1 ? ent.type : 0);
	}
	R(fs_readdir(fs(), (uint32_t)dir, 3, &ent), 0, "readdir past the last entry");
	R(fs_read(fs(), (uint32_t)dir, 1, buf, sizeof(buf)), ARBOR_E_INVALID,
	  "read a directory off an entry boundary");
	R(fs_status(fs(), (uint32_t)dir, &st), 0, "status of /ops");
	fs_check_that(st.type == ARBOR_FS_DIRECTORY &&
	              st.size == 3 * sizeof(struct arbor_fs_dirent),
	              "a directory's size counts its entries (%llu)", (unsigned long long)st.size);

	R(fs_unlink(fs(), (uint32_t)dir, "sub"), ARBOR_FS_E_NOT_EMPTY, "unlink a non-empty dir");

	/* moves */
	R(fs_move(fs(), (uint32_t)dir, "f", (uint32_t)root, "moved"), 0, "move /ops/f to /moved");
	R(fs_node(fs(), "/ops/f"), ARBOR_FS_E_LOOKUP_FAILED, "/ops/f is gone");
	n = fs_node(fs(), "/moved");
	R(n < 0 ? n : 0, 0, "/moved is there");
	fs_close(fs(), (uint32_t)n);
	f = fs_file(fs(), (uint32_t)dir, "other", ARBOR_FS_READ_WRITE, 1);
	fs_write(fs(), (uint32_t)f, 0, "other", 5);
	fs_close(fs(), (uint32_t)f);
	R(fs_move(fs(), (uint32_t)dir, "other", (uint32_t)root, "moved"), 0,
	  "move onto a file replaces it");
	memset(buf, 0, sizeof(buf));
	R(fs_check_read_path(fs(), "/moved", buf, sizeof(buf)), 5, "read /moved");
	fs_check_that(!strcmp(buf, "other"), "it holds the replacing file's content");
	R(fs_move(fs(), (uint32_t)root, "ops", (uint32_t)sub, "loop"), ARBOR_FS_E_INVALID_NAME,
	  "move /ops below itself");
	R(fs_move(fs(), (uint32_t)root, "ops", (uint32_t)dir, "self"), ARBOR_FS_E_INVALID_NAME,
	  "move /ops into itself");
	int empty = fs_dir(fs(), "/empty", 1);
	R(fs_move(fs(), (uint32_t)root, "moved", (uint32_t)dir, "sub"), ARBOR_FS_E_NOT_EMPTY,
	  "move onto a non-empty directory");
	R(fs_move(fs(), (uint32_t)dir, "sub", (uint32_t)root, "empty"), 0,
	  "move a directory onto an empty one");
	fs_close(fs(), (uint32_t)empty);
	R(fs_num_entries(fs(), (uint32_t)sub), 1, "the moved directory kept its entry");
	R(fs_move(fs(), (uint32_t)root, "nothing", (uint32_t)dir, "x"), ARBOR_FS_E_LOOKUP_FAILED,
	  "move a missing node");
	R(fs_move(fs(), (uint32_t)root, "moved", (uint32_t)dir, ".."), ARBOR_FS_E_INVALID_NAME,
	  "move to '..'");
	R(fs_move(fs(), (uint32_t)root, "moved", (uint32_t)root, "moved"), 0, "move onto itself");
	fs_close(fs(), (uint32_t)sub);

	/* unlink */
	int e = fs_dir(fs(), "/empty", 0);
	R(fs_unlink(fs(), (uint32_t)e, "inner"), 0, "unlink /empty/inner");
	fs_close(fs(), (uint32_t)e);
	R(fs_unlink(fs(), (uint32_t)root, "empty"), 0, "unlink the emptied directory");
	R(fs_unlink(fs(), (uint32_t)root, "moved"), 0, "unlink /moved");
	R(fs_unlink(fs(), (uint32_t)dir, "link"), 0, "unlink the symlink");
	R(fs_num_entries(fs(), (uint32_t)dir), 0, "/ops is empty");
	R(fs_sync(fs()), 0, "sync");
}

void fs_check_operations(void)
{
	int root = fs_dir(fs(), "/", 0), dir;

	R(root < 0 ? root : 0, 0, "dir: open /");
	dir = fs_dir(fs(), "/ops", 1);
	R(dir < 0 ? dir : 0, 0, "dir: create /ops");
	if (root < 0 || dir < 0)
		return;
	ops_files(dir, root);
	ops_names(dir);
	ops_dirs(dir, root);
	fs_close(fs(), (uint32_t)dir);
	R(fs_unlink(fs(), (uint32_t)root, "ops"), 0, "unlink /ops");
	fs_close(fs(), (uint32_t)root);
}

void fs_check_handles(void)
{
	int h[ARBOR_FS_HANDLES_MAX], n = 0, err = 0;

	while (n < (int)ARBOR_FS_HANDLES_MAX) {
		err = fs_dir(fs(), "/", 0);
		if (err < 0)
			break;
		h[n++] = err;
	}
	fs_check_that(n == (int)ARBOR_FS_HANDLES_MAX, "%d handles open", n);
	R(fs_dir(fs(), "/", 0), ARBOR_FS_E_OUT_OF_HANDLES, "one more handle");
	R(fs_file(fs(), (uint32_t)h[0], "never", ARBOR_FS_READ_WRITE, 1),
	  ARBOR_FS_E_OUT_OF_HANDLES, "file: create without a free handle");
	R(fs_node(fs(), "/never"), ARBOR_FS_E_LOOKUP_FAILED,
	  "a create refused for want of a handle created nothing");
	while (n)
		fs_close(fs(), (uint32_t)h[--n]);
	while (n < (int)ARBOR_FS_WATCHES_MAX) {
		err = fs_watch(fs(), "/");
		if (err < 0)
			break;
		h[n++] = err;
	}
	fs_check_that(n == (int)ARBOR_FS_WATCHES_MAX, "%d watches open", n);
	R(fs_watch(fs(), "/"), ARBOR_FS_E_OUT_OF_HANDLES, "one more watch");
	while (n)
		fs_close(fs(), (uint32_t)h[--n]);
	err = fs_dir(fs(), "/", 0);
	R(err < 0 ? err : 0, 0, "a handle again once they are closed");
	if (err >= 0)
		fs_close(fs(), (uint32_t)err);
}

void fs_check_unlinked_open(void)
{
	int root = fs_dir(fs(), "/", 0);
	int f = fs_file(fs(), (uint32_t)root, "doomed", ARBOR_FS_READ_WRITE, 1);
	char buf[16] = "";

	R(fs_write(fs(), (uint32_t)f, 0, "still here", 10), 10, "write /doomed");
	R(fs_unlink(fs(), (uint32_t)root, "doomed"), 0, "unlink /doomed while open");
	R(fs_node(fs(), "/doomed"), ARBOR_FS_E_LOOKUP_FAILED, "its name is gone");
	R(fs_read(fs(), (uint32_t)f, 0, buf, sizeof(buf)), 10, "the open handle still reads");
	fs_check_that(!memcmp(buf, "still here", 10), "its content");
	R(fs_write(fs(), (uint32_t)f, 10, "!", 1), 1, "and writes");
	R(fs_close(fs(), (uint32_t)f), 0, "close it, which frees it");
	int again = fs_file(fs(), (uint32_t)root, "doomed", ARBOR_FS_READ_WRITE, 1);
	R(again < 0 ? again : 0, 0, "the name can be taken anew");
	R(fs_read(fs(), (uint32_t)again, 0, buf, sizeof(buf)), 0, "by an empty file");
	fs_close(fs(), (uint32_t)again);
	fs_unlink(fs(), (uint32_t)root, "doomed");
	fs_close(fs(), (uint32_t)root);
}

static void fill(unsigned char *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
}

void fs_check_big_file(const struct xml_node *node)
{
	uint64_t size = 4u << 20;
	unsigned char *data, *back;
	int root, f;

	xml_attr_u64(node, "size", size, &size);
	data = malloc(size);
	back = malloc(size);
	if (!data || !back) {
		fs_check_that(0, "big_file: no memory for %llu bytes", (unsigned long long)size);
		goto out;
	}
	fill(data, size, 7);
	root = fs_dir(fs(), "/", 0);
	f = fs_file(fs(), (uint32_t)root, "big", ARBOR_FS_READ_WRITE, 1);
	R(fs_write(fs(), (uint32_t)f, 0, data, size), (long)size, "write a big file");
	memset(back, 0, size);
	R(fs_read(fs(), (uint32_t)f, 0, back, size), (long)size, "read it back");
	fs_check_that(!memcmp(data, back, size), "the big file reads back as written");
	R(fs_read(fs(), (uint32_t)f, size - 100, back, 1000), 100, "a read across the end is short");
	fs_close(fs(), (uint32_t)f);
	R(fs_unlink(fs(), (uint32_t)root, "big"), 0, "unlink it");
	fs_close(fs(), (uint32_t)root);
out:
	free(data);
	free(back);
}

void fs_check_no_space(void)
{
	static unsigned char chunk[256 * 1024];
	int root = fs_dir(fs(), "/", 0), f;
	uint64_t written = 0;
	ssize_t n = 0;

	f = fs_file(fs(), (uint32_t)root, "hog", ARBOR_FS_READ_WRITE, 1);
	fill(chunk, sizeof(chunk), 3);
	/* at most 1 GiB: a server that never runs out fails the check, it does not hang it */
	while (written < (1ull << 30)) {
		n = fs_write(fs(), (uint32_t)f, written, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		written += (uint64_t)n;
	}
	R(n, ARBOR_FS_E_NO_SPACE, "writing until the server's quota is used up");
	fs_check_that(written > 0, "%llu KiB fit before", (unsigned long long)(written / 1024));
	R(fs_write(fs(), (uint32_t)f, written, "x", 1), ARBOR_FS_E_NO_SPACE,
	  "not one more block");
	R(fs_status(fs(), (uint32_t)root, &(struct arbor_fs_status){ 0 }), 0,
	  "the server serves on");
	R(fs_truncate(fs(), (uint32_t)f, 0), 0, "truncate the hog");
	n = fs_write(fs(), (uint32_t)f, 0, chunk, sizeof(chunk));
	R(n, (long)sizeof(chunk), "then there is space again");
	fs_close(fs(), (uint32_t)f);
	R(fs_unlink(fs(), (uint32_t)root, "hog"), 0, "unlink the hog");
	fs_close(fs(), (uint32_t)root);
}
