/*
 * block_file_host_file: asks core's Host_file service for files with good
 * and bad arguments (test/storage/block_file_test.py, case host_file). The
 * test prepares core's file directory: disk.img (4 KiB of a known text),
 * sub/inner.img, sub/ itself, link -> disk.img, linkdir -> sub, a FIFO
 * fifo. A relative path beneath the directory opens; "..", an absolute
 * path, a symbolic link (last or on the way), a directory, a FIFO and a
 * missing file are denied (core logs why, the test checks that); a
 * read-only session's file refuses writes, a writeable one takes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <session/host_file.h>

#define TEXT "arbor host file\n"

static struct arbor_env *env;
static unsigned checks;

static void check(int ok, const char *what)
{
	if (!ok) {
		arbor_error("host_file: FAILED: %s", what);
		arbor_exit(env, 1);
	}
	checks++;
}

static int open_session(struct arbor_connection *c, const char *extra)
{
	return arbor_connection_open(env, c, ARBOR_HOST_FILE_SERVICE, "",
	                             ARBOR_HOST_FILE_SESSION_RAM, ARBOR_HOST_FILE_SESSION_CAPS,
	                             extra);
}

static void denied(const char *extra)
{
	struct arbor_connection c;
	char what[200];
	int err = open_session(&c, extra);

	snprintf(what, sizeof(what), "Host_file with '%s' denied (got %s)", extra,
	         arbor_strerror(err));
	check(err == ARBOR_E_DENIED, what);
}

/* The session's file (ours) in *fd and what core says of it in *info. */
static int file_op(struct arbor_connection *c, struct arbor_host_file_info *info, int *fd)
{
	struct arbor_msg reply;
	struct arbor_cap *cap = NULL;
	int err = arbor_rpc_call(c->cap, ARBOR_HOST_FILE_FILE, NULL, 0, NULL, 0, &reply);

	*fd = -1;
	memset(info, 0, sizeof(*info));
	if (err >= 0 && reply.size == sizeof(*info)) {
		memcpy(info, reply.payload, sizeof(*info));
		cap = arbor_msg_take_cap(&reply, 0);
	}
	arbor_msg_release(&reply);
	if (cap) {
		*fd = dup(arbor_cap_fd(cap));
		arbor_cap_unref(cap);
	}
	return err < 0 ? err : cap ? 0 : ARBOR_E_BAD_MESSAGE;
}

static void read_only(void)
{
	struct arbor_connection c;
	struct arbor_host_file_info info;
	struct stat st;
	char buf[sizeof(TEXT)] = "";
	int fd;

	check(!open_session(&c, "path=\"disk.img\""), "disk.img opens (read-only by default)");
	check(!file_op(&c, &info, &fd) && fd >= 0, "FILE hands out the file");
	check(info.size == 4096 && !(info.flags & ARBOR_HOST_FILE_WRITEABLE),
	      "FILE says 4096 bytes, not writeable");
	check(!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size == 4096,
	      "the cap is the regular file");
	check(pread(fd, buf, sizeof(TEXT) - 1, 0) == sizeof(TEXT) - 1 && !strcmp(buf, TEXT),
	      "it reads the test's text");
	check(pwrite(fd, "x", 1, 0) < 0 && errno == EBADF, "a write to a read-only file fails");
	check((fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDONLY, "the file is O_RDONLY");
	close(fd);
	arbor_connection_close(env, &c);

	check(!open_session(&c, "path=\"disk.img\", writeable=\"no\""), "writeable=no opens");
	check(!file_op(&c, &info, &fd) && fd >= 0, "FILE again");
	check(pwrite(fd, "x", 1, 0) < 0 && errno == EBADF, "writeable=no refuses writes too");
	close(fd);
	arbor_connection_close(env, &c);
}

static void writeable(void)
{
	struct arbor_connection c;
	struct arbor_host_file_info info;
	int fd;

	check(!open_session(&c, "path=\"sub/inner.img\", writeable=\"yes\""),
	      "sub/inner.img opens writeable");
	check(!file_op(&c, &info, &fd) && fd >= 0, "FILE hands out the file");
	check(info.flags & ARBOR_HOST_FILE_WRITEABLE, "FILE says writeable");
	check(pwrite(fd, "written through Host_file\n", 26, 0) == 26, "a write goes through");
	check(!fdatasync(fd), "fdatasync on it works");
	close(fd);
	arbor_connection_close(env, &c);
}

void component_construct(struct arbor_env *e)
{
	env = e;
	denied("");
	denied("path=\"\"");
	denied("path=\"../disk.img\"");
	denied("path=\"sub/../disk.img\"");
	denied("path=\"/etc/passwd\"");
	denied("path=\"link\"");
	denied("path=\"linkdir/inner.img\"");
	denied("path=\"sub\"");
	denied("path=\"fifo\"");
	denied("path=\"missing.img\"");
	denied("path=\"disk.img\", writeable=\"maybe\"");
	arbor_log("host_file: bad arguments denied");
	read_only();
	writeable();
	arbor_log("host_file: all %u checks passed", checks);
	arbor_exit(env, 0);
}
