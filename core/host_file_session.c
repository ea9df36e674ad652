/*
 * Host_file service: one regular file of the host per session, opened by
 * core beneath its file directory and handed over as a capability
 * (components have an empty root). What a session reaches is fixed here,
 * when core opens the file: the kernel resolves the path beneath the
 * directory without following any symbolic link, and the access mode is
 * the one the arguments asked for; the component can read (and write) that
 * file and nothing else.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <session/host_file.h>
#include "core.h"

struct host_file_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
	int fd;
	int writeable;
};

/* The directory every path is resolved beneath: -1 until host_file_session_dir() opened one. */
static int file_dir = -1;

int host_file_session_dir(const char *dir)
{
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (file_dir >= 0)
		close(file_dir);
	file_dir = fd;
	return 0;
}

/* glibc 2.36 has no wrapper; the one place that calls it. */
static int sys_openat2(int dirfd, const char *path, const struct open_how *how)
{
	long fd = syscall(SYS_openat2, dirfd, path, how, sizeof(*how));

	return fd < 0 ? -errno : (int)fd;
}

/*
 * Why path cannot name a file beneath the directory, or NULL. The kernel
 * enforces the same (RESOLVE_BENEATH); checking the text first gives the
 * client's operator a message that says what is wrong.
 */
static const char *bad_path(const char *path)
{
	if (path[0] == '/')
		return "an absolute path";
	for (const char *p = path; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL)
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return "a \"..\" component";
	return NULL;
}

/* What an openat2() failure means for the person reading core's log. */
static const char *open_error(int err)
{
	switch (err) {
	case -ELOOP:  return "it is, or passes, a symbolic link";
	case -EXDEV:  return "it leads out of core's file directory";
	case -ENOENT: return "no such file";
	case -EISDIR: return "not a regular file";
	case -EACCES:
	case -EPERM:  return "core may not open it so";
	case -EROFS:  return "it is on a read-only file system";
	default:      return strerror(-err);
	}
}

/* Open path as the session asks; a regular file only. Logs the denial. */
static int open_file(struct host_file_session *s, const char *path)
{
	struct open_how how = {
		/* O_NONBLOCK: a FIFO must not stall core's entrypoint before it is refused */
		.flags = (uint64_t)((s->writeable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY |
		                    O_NONBLOCK),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	const char *why = bad_path(path);
	struct stat st;
	int fd = -1;

	if (!why && file_dir < 0)
		why = "core has no file directory (--file-dir)";
	if (!why) {
		fd = sys_openat2(file_dir, path, &how);
		if (fd < 0)
			why = open_error(fd);
	}
	if (!why && (fstat(fd, &st) || !S_ISREG(st.st_mode)))
		why = "not a regular file";
	/* the description is shared with the client: it sees a plain blocking file */
	if (!why && fcntl(fd, F_SETFL, 0))
		why = strerror(errno);
	if (why) {
		core_warning("Host_file for \"%s\" denied: %s: %s", s->label, path, why);
		if (fd >= 0)
			close(fd);
		return ARBOR_E_DENIED;
	}
	s->fd = fd;
	return 0;
}

static int op_file(struct arbor_rpc_request *req)
{
	struct host_file_session *s = container_of(req->object, struct host_file_session, obj);
	struct arbor_host_file_info info = { .flags = s->writeable ? ARBOR_HOST_FILE_WRITEABLE : 0 };
	struct stat st;
	int err;

	if (fstat(s->fd, &st))
		return -EIO;
	info.size = (uint64_t)st.st_size;
	err = core_reply_device(req, s->fd);
	if (err)
		return err;
	memcpy(req->out->payload, &info, sizeof(info));
	req->out->size = sizeof(info);
	return 0;
}

static const struct arbor_rpc_op host_file_ops[ARBOR_HOST_FILE_NOPS] = {
	[ARBOR_HOST_FILE_FILE] = { "file", 0, 0, 0, op_file },
};

static const struct arbor_rpc_interface host_file_iface = {
	"Host_file", host_file_ops, ARBOR_HOST_FILE_NOPS
};

static int host_file_create(struct core_client *owner, const char *label, const char *args,
                            void **obj, struct arbor_cap **cap)
{
	struct host_file_session *s = calloc(1, sizeof(*s));
	char path[ARBOR_HOST_FILE_PATH_MAX + 1] = "", writeable[8] = "";
	int err, werr;

	if (!s)
		return -ENOMEM;
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->fd = -1;
	err = arbor_args_get(args, "path", path, sizeof(path));
	werr = arbor_args_get(args, "writeable", writeable, sizeof(writeable));
	if (werr == ARBOR_E_NOT_FOUND)
		snprintf(writeable, sizeof(writeable), "no");
	else if (werr)
		writeable[0] = '\0';
	if (err == ARBOR_E_TOO_LARGE) {
		core_warning("Host_file for \"%s\" denied: the path is longer than %u bytes", label,
		             ARBOR_HOST_FILE_PATH_MAX);
		free(s);
		return ARBOR_E_DENIED;
	}
	if (err || !path[0]) {
		core_warning("Host_file for \"%s\" denied: it needs path=\"NAME\", a file in core's "
		             "file directory", label);
		free(s);
		return ARBOR_E_DENIED;
	}
	if (strcmp(writeable, "yes") && strcmp(writeable, "no")) {
		core_warning("Host_file for \"%s\" denied: writeable=\"%s\" is neither yes nor no",
		             label, writeable);
		free(s);
		return ARBOR_E_DENIED;
	}
	s->writeable = !strcmp(writeable, "yes");
	err = open_file(s, path);
	if (err) {
		free(s);
		return err;
	}
	err = arbor_rpc_object_manage(core.ep, &s->obj, &host_file_iface);
	if (err) {
		close(s->fd);
		free(s);
		return err;
	}
	s->obj.label = s->label;
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

/* The client's copies of the file stay open: core cannot revoke an fd, only its own. */
static void host_file_destroy(void *obj)
{
	struct host_file_session *s = obj;

	arbor_rpc_object_dissolve(&s->obj);
	close(s->fd);
	free(s);
}

const struct core_service host_file_service = {
	.name = ARBOR_HOST_FILE_SERVICE,
	.ram = ARBOR_HOST_FILE_SESSION_COST,
	.caps = ARBOR_HOST_FILE_SESSION_CAPS,
	.create = host_file_create,
	.destroy = host_file_destroy,
};
