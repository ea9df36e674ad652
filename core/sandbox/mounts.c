/*
 * Builds a component's root: a small tmpfs with three device binds, made the
 * root with pivot_root, the host's tree detached, then remounted read-only.
 */
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The tmpfs is mounted over this host directory of the private mount
 * namespace before it becomes the root; any existing directory would do.
 */
#define ROOT_MOUNTPOINT "/tmp"

/* Room for a few directories and mount points, nothing to store data in. */
#define ROOT_OPTIONS "size=64k,nr_inodes=32,mode=0755"

static const char *const devices[] = { "null", "zero", "urandom" };

/* Host library directories a dynamically linked binary may need. */
static const char *const lib_dirs[] = { "lib", "lib64", "usr/lib" };

static int fail(const char **step, const char *what)
{
	int err = -errno;

	*step = what;
	return err ? err : -EIO;
}

/*
 * Add mount flags without restating the ones the host locked on the mounts
 * we bind (atime flags, nodev...), which an old-style remount would have to.
 */
static int add_mount_attrs(const char *path, unsigned attrs, bool recursive)
{
	struct mount_attr attr = { .attr_set = attrs };

	if (mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &attr, sizeof attr) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* Before Linux 5.12: read-only is what matters for library binds. */
	if (!(attrs & MOUNT_ATTR_RDONLY))
		return 0;
	if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return -errno;
	return 0;
}

static int bind_devices(const char **step)
{
	char src[32] = "/dev/", dst[32] = "dev/";
	unsigned i;

	if (mkdir("dev", 0755) < 0)
		return fail(step, "mkdir /dev");
	for (i = 0; i < sizeof devices / sizeof devices[0]; i++) {
		/* A regular file is enough as a mount point for a device bind. */
		strcpy(src + 5, devices[i]);
		strcpy(dst + 4, devices[i]);
		if (mknod(dst, S_IFREG | 0644, 0) < 0)
			return fail(step, "create device mount point");
		if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
			return fail(step, "bind device");
	}
	return 0;
}

static int bind_libs(const char **step)
{
	char src[32];
	unsigned i;
	int err;

	if (mkdir("usr", 0755) < 0)
		return fail(step, "mkdir /usr");
	for (i = 0; i < sizeof lib_dirs / sizeof lib_dirs[0]; i++) {
		src[0] = '/';
		strcpy(src + 1, lib_dirs[i]);
		if (access(src, F_OK) < 0)
			continue;
		if (mkdir(lib_dirs[i], 0755) < 0)
			return fail(step, "mkdir library directory");
		if (mount(src, lib_dirs[i], NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail(step, "bind library directory");
		err = add_mount_attrs(lib_dirs[i], MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
		                      MOUNT_ATTR_NODEV, true);
		if (err) {
			*step = "make library directory read-only";
			return err;
		}
	}
	return 0;
}

int mounts_enter_root(bool host_libs, const char **step)
{
	int err;

	*step = NULL;
	/* Nothing we mount may propagate back into core's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail(step, "make mounts private");
	if (mount("arbor", ROOT_MOUNTPOINT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	          ROOT_OPTIONS) < 0)
		return fail(step, "mount root tmpfs");
	if (chdir(ROOT_MOUNTPOINT) < 0)
		return fail(step, "chdir to new root");
	err = bind_devices(step);
	if (err)
		return err;
	/* Recursive, before the library binds: those must stay executable. */
	err = add_mount_attrs(".", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, true);
	if (err) {
		*step = "restrict device binds";
		return err;
	}
	if (host_libs) {
		err = bind_libs(step);
		if (err)
			return err;
	}
	/*
	 * pivot_root(".", ".") stacks the old root on top of the new one; the
	 * detach then drops the whole host tree from this namespace.
	 */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(step, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return fail(step, "detach old root");
	if (chdir("/") < 0)
		return fail(step, "chdir /");
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
	          MS_NOEXEC, NULL) < 0)
		return fail(step, "remount root read-only");
	return 0;
}

int mounts_enter(int ns_fd, int cwd_fd)
{
	if (setns(ns_fd, CLONE_NEWNS) < 0)
		return -errno;
	/* entering a mount namespace moves the working directory to its root */
	if (cwd_fd >= 0 && fchdir(cwd_fd) < 0)
		return -errno;
	return 0;
}

int mounts_make_template(const char **step)
{
	int self, cwd, tpl = -1, err;

	*step = "open mount namespace";
	self = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0 || cwd < 0) {
		err = -errno;
		goto out;
	}
	*step = "unshare mount namespace";
	if (unshare(CLONE_NEWNS) < 0) {
		err = -errno;
		goto out;
	}
	tpl = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	err = tpl < 0 ? -errno : mounts_enter_root(false, step);
	if (mounts_enter(self, cwd) < 0) {
		/* cannot happen for root with valid fds; core must not stay in the template */
		*step = "return to core's mount namespace";
		_exit(126);
	}
out:
	if (err && tpl >= 0)
		close(tpl);
	if (self >= 0)
		close(self);
	if (cwd >= 0)
		close(cwd);
	return err ? err : tpl;
}

