/*
 * fs_check's policy checks: a read-only session changes nothing (every
 * mutating operation answers PERMISSION_DENIED), and a session rooted at
 * a directory reaches nothing outside it by "..", ".", symlinks, long
 * names or moves.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include "fs_check.h"

#define R fs_check_result
#define DENIED ARBOR_FS_E_PERMISSION_DENIED

static struct fs_connection *fs(void)
{
	return fs_check.fs;
}

/*
 * <read_only dir="/etc" file="motd" content="..." symlink="link"/>: dir
 * holds the existing file (and symlink, if named) to try changing.
 */
void fs_check_read_only(void)
{
	const struct xml_node *n = xml_first_child(fs_check.session, "read_only");
	const char *dir_path = xml_attr(n, "dir"), *file = xml_attr(n, "file");
	const char *content = xml_attr(n, "content"), *link = xml_attr(n, "symlink");
	char path[ARBOR_FS_PATH_MAX + 1], buf[256] = "";
	int root, dir, ro, l;

	if (!dir_path || !file) {
		fs_check_that(0, "<read_only> needs dir and file");
		return;
	}
	root = fs_dir(fs(), "/", 0);
	dir = fs_dir(fs(), dir_path, 0);
	R(dir < 0 ? dir : 0, 0, "open the directory");
	R(fs_file(fs(), (uint32_t)dir, "new", ARBOR_FS_READ_WRITE, 1), DENIED, "create a file");
	R(fs_file(fs(), (uint32_t)dir, "new", ARBOR_FS_READ_ONLY, 1), DENIED,
	  "create a file to read");
	R(fs_file(fs(), (uint32_t)dir, file, ARBOR_FS_READ_WRITE, 0), DENIED,
	  "open a file read-write");
	R(fs_file(fs(), (uint32_t)dir, file, ARBOR_FS_WRITE_ONLY, 0), DENIED,
	  "open a file write-only");
	ro = fs_file(fs(), (uint32_t)dir, file, ARBOR_FS_READ_ONLY, 0);
	R(ro < 0 ? ro : 0, 0, "open a file read-only");
	struct arbor_fs_status st;
	R(fs_status(fs(), (uint32_t)ro, &st), 0, "status of the file");
	fs_check_that(!(st.rwx & ARBOR_FS_W), "its status says it is not writeable (rwx %u)",
	              st.rwx);
	R(fs_write(fs(), (uint32_t)ro, 0, "x", 1), DENIED, "write through it");
	R(fs_truncate(fs(), (uint32_t)ro, 0), DENIED, "truncate it");
	R(fs_dir(fs(), "/newdir", 1), DENIED, "create a directory");
	R(fs_symlink(fs(), (uint32_t)dir, "newlink", 1), DENIED, "create a symlink");
	R(fs_unlink(fs(), (uint32_t)dir, file), DENIED, "unlink the file");
	R(fs_unlink(fs(), (uint32_t)dir, "missing"), DENIED, "unlink a missing file");
	R(fs_move(fs(), (uint32_t)dir, file, (uint32_t)root, "moved"), DENIED, "move the file");
	if (link) {
		l = fs_symlink(fs(), (uint32_t)dir, link, 0);
		R(l < 0 ? l : 0, 0, "open the symlink");
		R(fs_write(fs(), (uint32_t)l, 0, "elsewhere", 9), DENIED, "rewrite the symlink");
		fs_close(fs(), (uint32_t)l);
	}
	R(fs_sync(fs()), 0, "sync is harmless");
	fs_close(fs(), (uint32_t)ro);
	snprintf(path, sizeof(path), "%s/%s", dir_path, file);
	long got = fs_check_read_path(fs(), path, buf, sizeof(buf) - 1);
	if (got >= 0)
		buf[got] = 0;
	fs_check_that(got >= 0 && (!content || !strcmp(buf, content)),
	              "the file is unchanged: '%s'", buf);
	R(fs_node(fs(), "/moved"), ARBOR_FS_E_LOOKUP_FAILED, "nothing was moved");
	fs_close(fs(), (uint32_t)dir);
	fs_close(fs(), (uint32_t)root);
}

/*
 * <escape secret="secret" sibling="b" entries="hello"/>: the session's
 * root has a sibling directory holding secret (a file there is
 * /<policy root>/../<sibling>/<secret>); entries lists the root's
 * entries, to show nothing else is visible.
 */
void fs_check_escape(const struct xml_node *node)
{
	const char *secret = xml_attr(node, "secret"), *sibling = xml_attr(node, "sibling");
	char path[ARBOR_FS_PATH_MAX + 64], target[64], buf[64] = "";
	char long_path[ARBOR_FS_PATH_MAX + 2];
	int root, l;

	if (!secret || !sibling) {
		fs_check_that(0, "<escape> needs secret and sibling");
		return;
	}
	root = fs_dir(fs(), "/", 0);
	snprintf(path, sizeof(path), "/../%s/%s", sibling, secret);
	R(fs_node(fs(), path), ARBOR_FS_E_INVALID_NAME, "node: /../SIBLING/SECRET");
	snprintf(path, sizeof(path), "/./../%s", sibling);
	R(fs_dir(fs(), path, 0), ARBOR_FS_E_INVALID_NAME, "dir: /./../SIBLING");
	R(fs_dir(fs(), "/..", 0), ARBOR_FS_E_INVALID_NAME, "dir: /..");
	R(fs_dir(fs(), "/..", 1), ARBOR_FS_E_INVALID_NAME, "dir: create /..");
	snprintf(path, sizeof(path), "/%s/%s", sibling, secret);
	R(fs_node(fs(), path), ARBOR_FS_E_LOOKUP_FAILED, "node: /SIBLING/SECRET (not ours)");
	R(fs_file(fs(), (uint32_t)root, "..", ARBOR_FS_READ_ONLY, 0), ARBOR_FS_E_INVALID_NAME,
	  "file: '..' in the root");
	R(fs_unlink(fs(), (uint32_t)root, ".."), ARBOR_FS_E_INVALID_NAME, "unlink '..'");

	/* a symlink is content: the server never follows it */
	snprintf(target, sizeof(target), "../%s/%s", sibling, secret);
	l = fs_symlink(fs(), (uint32_t)root, "esc", 1);
	R(l < 0 ? l : 0, 0, "symlink: create /esc");
	R(fs_write(fs(), (uint32_t)l, 0, target, strlen(target)), (long)strlen(target),
	  "write its target ../SIBLING/SECRET");
	R(fs_read(fs(), (uint32_t)l, 0, buf, sizeof(buf) - 1), (long)strlen(target),
	  "reading it gives the target");
	fs_check_that(!strcmp(buf, target), "which is just text: '%s'", buf);
	fs_close(fs(), (uint32_t)l);
	R(fs_file(fs(), (uint32_t)root, "esc", ARBOR_FS_READ_ONLY, 0), ARBOR_FS_E_LOOKUP_FAILED,
	  "file: open /esc (a symlink) as a file");
	R(fs_dir(fs(), "/esc", 0), ARBOR_FS_E_LOOKUP_FAILED, "dir: /esc");
	l = fs_symlink(fs(), (uint32_t)root, "up", 1);
	fs_write(fs(), (uint32_t)l, 0, "..", 2);
	fs_close(fs(), (uint32_t)l);
	snprintf(path, sizeof(path), "/up/%s/%s", sibling, secret);
	R(fs_node(fs(), path), ARBOR_FS_E_LOOKUP_FAILED, "node: /up/SIBLING/SECRET, up -> ..");
	R(fs_move(fs(), (uint32_t)root, "esc", (uint32_t)root, ".."), ARBOR_FS_E_INVALID_NAME,
	  "move /esc to '..'");

	/* long names neither truncate into something else nor reach out */
	memset(long_path, 'a', sizeof(long_path));
	long_path[0] = '/';
	snprintf(long_path + 300, sizeof(long_path) - 300, "/../%s/%s", sibling, secret);
	R(fs_node(fs(), long_path), ARBOR_FS_E_NAME_TOO_LONG,
	  "node: a 299-byte component, then ../SIBLING/SECRET");
	memset(long_path, 'a', sizeof(long_path));
	for (size_t i = 0; i < ARBOR_FS_PATH_MAX + 1; i += 100)
		long_path[i] = '/';
	long_path[ARBOR_FS_PATH_MAX + 1] = 0;
	R(fs_dir(fs(), long_path, 0), ARBOR_FS_E_NAME_TOO_LONG, "dir: a path of 1025 bytes");

	fs_unlink(fs(), (uint32_t)root, "esc");
	fs_unlink(fs(), (uint32_t)root, "up");
	fs_close(fs(), (uint32_t)root);
}
