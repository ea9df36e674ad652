/*
 * Unit test of lib/file_system's names and paths (fs_path.c) over a small
 * in-memory tree: name checks, NUL-termination of request fields,
 * resolution component by component (symlinks and files never passed
 * through), and "is below" both with a backend's parent() and by searching
 * the subtree without it (as ext_fs's backend has none).
 */
#include <string.h>
#include "../unit/tap.h"
#include "fs_internal.h"

/*
 * The tree: 1 "/" { 2 "a" { 3 "b" { 4 "c" }, 5 "f" (file), 6 "l" (symlink) }, 7 "d" }
 */
struct node {
	const char *name;
	fs_ino parent;
	unsigned type;
};

static const struct node tree[] = {
	[1] = { "", 1, ARBOR_FS_DIRECTORY },
	[2] = { "a", 1, ARBOR_FS_DIRECTORY },
	[3] = { "b", 2, ARBOR_FS_DIRECTORY },
	[4] = { "c", 3, ARBOR_FS_DIRECTORY },
	[5] = { "f", 2, ARBOR_FS_FILE },
	[6] = { "l", 2, ARBOR_FS_SYMLINK },
	[7] = { "d", 1, ARBOR_FS_DIRECTORY },
};
#define NODES (sizeof(tree) / sizeof(tree[0]))

static unsigned lookups;

static fs_ino t_root(void *be)
{
	return 1;
}

static int t_lookup(void *be, fs_ino dir, const char *name, fs_ino *out)
{
	lookups++;
	/* the library promises valid names only */
	if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..") || strchr(name, '/'))
		return ARBOR_E_BAD_MESSAGE;
	for (fs_ino i = 2; i < NODES; i++) {
		if (tree[i].parent == dir && !strcmp(tree[i].name, name)) {
			*out = i;
			return 0;
		}
	}
	return ARBOR_FS_E_LOOKUP_FAILED;
}

static int t_status(void *be, fs_ino ino, struct arbor_fs_status *st)
{
	memset(st, 0, sizeof(*st));
	if (ino < 1 || ino >= NODES)
		return ARBOR_FS_E_LOOKUP_FAILED;
	st->inode = ino;
	st->type = tree[ino].type;
	return 0;
}

static int t_readdir(void *be, fs_ino dir, uint64_t index, struct arbor_fs_dirent *ent)
{
	uint64_t n = 0;

	for (fs_ino i = 2; i < NODES; i++) {
		if (tree[i].parent != dir)
			continue;
		if (n++ == index) {
			ent->inode = i;
			ent->type = tree[i].type;
			strcpy(ent->name, tree[i].name);
			return 1;
		}
	}
	return 0;
}

static int t_parent(void *be, fs_ino dir, fs_ino *out)
{
	*out = tree[dir].parent;
	return 0;
}

static struct fs_backend ops = {
	.root = t_root, .lookup = t_lookup, .status = t_status, .readdir = t_readdir,
};

static void names(void)
{
	char long_name[ARBOR_FS_NAME_MAX + 2];

	memset(long_name, 'x', sizeof(long_name));
	long_name[ARBOR_FS_NAME_MAX + 1] = 0;
	is_err(fs_path_check_name(long_name), ARBOR_FS_E_NAME_TOO_LONG, "a name of 256 bytes");
	long_name[ARBOR_FS_NAME_MAX] = 0;
	is_err(fs_path_check_name(long_name), 0, "a name of 255 bytes");
	is_err(fs_path_check_name(""), ARBOR_FS_E_INVALID_NAME, "''");
	is_err(fs_path_check_name("."), ARBOR_FS_E_INVALID_NAME, "'.'");
	is_err(fs_path_check_name(".."), ARBOR_FS_E_INVALID_NAME, "'..'");
	is_err(fs_path_check_name("a/b"), ARBOR_FS_E_INVALID_NAME, "'a/b'");
	is_err(fs_path_check_name("..."), 0, "'...' is a name");
	is_err(fs_path_terminated("abc", 4, 8), 0, "a field with its NUL");
	is_err(fs_path_terminated("abcdefgh", 8, 8), ARBOR_FS_E_NAME_TOO_LONG,
	       "a full field without NUL");
	is_err(fs_path_terminated("abcdefgh", 5, 8), ARBOR_FS_E_INVALID_NAME,
	       "a call ending inside the field");
}

static void resolve(struct fs_server *srv)
{
	const char *name;
	fs_ino ino, dir;

	is_err(fs_path_resolve(srv, 1, "/", &ino, &dir), 0, "'/'");
	ok(ino == 1 && dir == 1, "'/' is the start");
	is_err(fs_path_resolve(srv, 1, "/a/b/c", &ino, &dir), 0, "/a/b/c");
	ok(ino == 4 && dir == 3, "/a/b/c is 4 in 3");
	is_err(fs_path_resolve(srv, 2, "/b", &ino, NULL), 0, "/b from /a");
	ok(ino == 3, "is 3");
	is_err(fs_path_resolve(srv, 2, "/d", &ino, NULL), ARBOR_FS_E_LOOKUP_FAILED,
	       "/d from /a: outside");
	lookups = 0;
	is_err(fs_path_resolve(srv, 2, "/b/../../d", &ino, NULL), ARBOR_FS_E_INVALID_NAME,
	       "/b/../../d from /a");
	ok(lookups == 0, "nothing looked up before the whole path was checked");
	is_err(fs_path_resolve(srv, 1, "/a/l/x", &ino, NULL), ARBOR_FS_E_LOOKUP_FAILED,
	       "through a symlink");
	is_err(fs_path_resolve(srv, 1, "/a/f/x", &ino, NULL), ARBOR_FS_E_LOOKUP_FAILED,
	       "through a file");
	is_err(fs_path_resolve(srv, 1, "/a/l", &ino, NULL), 0, "the symlink itself");
	ok(ino == 6, "is 6");
	is_err(fs_path_resolve(srv, 1, "a", &ino, NULL), ARBOR_FS_E_INVALID_NAME, "relative");
	is_err(fs_path_resolve(srv, 1, "/a/", &ino, NULL), ARBOR_FS_E_INVALID_NAME, "trailing '/'");
	is_err(fs_path_resolve(srv, 1, "//a", &ino, NULL), ARBOR_FS_E_INVALID_NAME, "'//'");
	is_err(fs_path_resolve(srv, 1, "/./a", &ino, NULL), ARBOR_FS_E_INVALID_NAME, "'.'");
	is_err(fs_path_resolve(srv, 1, "", &ino, NULL), ARBOR_FS_E_INVALID_NAME, "''");
	is_err(fs_path_resolve_parent(srv, 1, "/a/b/new", &dir, &name), 0, "parent of /a/b/new");
	ok(dir == 3 && !strcmp(name, "new"), "is 3, name 'new'");
	is_err(fs_path_resolve_parent(srv, 1, "/new", &dir, &name), 0, "parent of /new");
	ok(dir == 1 && !strcmp(name, "new"), "is 1, name 'new'");
	is_err(fs_path_resolve_parent(srv, 1, "/", &dir, &name), ARBOR_FS_E_INVALID_NAME,
	       "'/' has no parent here");
	is_err(fs_path_resolve_parent(srv, 1, "/a/f/new", &dir, &name), ARBOR_FS_E_LOOKUP_FAILED,
	       "a file as the parent");
}

static void below(struct fs_server *srv, const char *how)
{
	ok(fs_path_is_below(srv, 4, 2) == 1, "%s: /a/b/c is below /a", how);
	ok(fs_path_is_below(srv, 2, 2) == 1, "%s: /a is (at) /a", how);
	ok(fs_path_is_below(srv, 7, 2) == 0, "%s: /d is not below /a", how);
	ok(fs_path_is_below(srv, 2, 4) == 0, "%s: /a is not below /a/b/c", how);
	ok(fs_path_is_below(srv, 4, 1) == 1, "%s: everything is below /", how);
}

int main(void)
{
	struct fs_server srv = { .ops = &ops };

	names();
	resolve(&srv);
	below(&srv, "by search");
	ops.parent = t_parent;
	below(&srv, "by parents");
	return done_testing();
}
