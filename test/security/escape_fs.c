/*
 * Escape attempts on the file system: reading host files, writing outside
 * the (read-only, empty) root, filling a disk, host devices, /proc tricks
 * and running host binaries.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "escape.h"

static void open_must_fail(struct verdict *v, const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd >= 0) {
		close(fd);
		verdict_escaped(v, "%s opened", path);
		return;
	}
	verdict_denied(v, "%s", verdict_errno_name(errno));
}

static void read_passwd(struct verdict *v) { open_must_fail(v, "/etc/passwd", O_RDONLY); }
static void read_shadow(struct verdict *v) { open_must_fail(v, "/etc/shadow", O_RDONLY); }
static void open_home(struct verdict *v) { open_must_fail(v, "/home", O_RDONLY | O_DIRECTORY); }
static void open_kvm(struct verdict *v) { open_must_fail(v, "/dev/kvm", O_RDWR); }

static void open_devices(struct verdict *v)
{
	static const char *const paths[] = {
		"/dev/net/tun", "/dev/fuse", "/dev/mem", "/dev/kmsg", "/dev/tty", "/dev/console",
		"/dev/sda", "/dev/vda", "/dev/loop-control", "/dev/ptmx",
	};
	verdict_none_opens(v, paths, sizeof(paths) / sizeof(paths[0]), O_RDWR);
}

/* The root holds only dev (with null, zero, urandom): nothing of the host. */
static void list_root(struct verdict *v)
{
	char names[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0, foreign = 0;
	DIR *d = opendir("/");
	struct dirent *e;

	if (!d) {
		verdict_denied(v, "opendir: %s", verdict_errno_name(errno));
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (strcmp(e->d_name, "dev"))
			foreign++;
		if (len < sizeof(names))
			len += (unsigned)snprintf(names + len, sizeof(names) - len, "%s%s",
			                          len ? " " : "", e->d_name);
	}
	closedir(d);
	if (foreign)
		verdict_escaped(v, "/ holds: %s", names);
	else
		verdict_denied(v, "/ holds only: %s", names[0] ? names : "(nothing)");
}

static void create_in(struct verdict *v, const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/escape-%d", dir, (int)getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		verdict_escaped(v, "created %s", path);
		return;
	}
	verdict_denied(v, "%s", verdict_errno_name(errno));
}

static void create_root(struct verdict *v) { create_in(v, ""); }
static void create_tmp(struct verdict *v) { create_in(v, "/tmp"); }
static void create_shm(struct verdict *v) { create_in(v, "/dev/shm"); }

static void make_dir(struct verdict *v)
{
	int r = mkdir("/escape-dir", 0700);

	if (r == 0)
		rmdir("/escape-dir");
	verdict_syscall(v, r, errno, "created /escape-dir");
}

/* Links from the writable-looking /dev to host files. */
static void link_in_dev(struct verdict *v)
{
	int r = symlink("/etc/passwd", "/dev/escape-link");

	if (r == 0) {
		unlink("/dev/escape-link");
		verdict_escaped(v, "symlink /dev/escape-link created");
		return;
	}
	int e1 = errno;
	r = link("/dev/null", "/dev/escape-hardlink");
	if (r == 0) {
		unlink("/dev/escape-hardlink");
		verdict_escaped(v, "hard link /dev/escape-hardlink created");
		return;
	}
	verdict_denied(v, "symlink %s, link %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

/* A device node of the host's disk would be a way to every file. */
static void make_node(struct verdict *v)
{
	int r = mknod("/dev/escape-sda", S_IFBLK | 0600, makedev(8, 0));

	if (r == 0)
		unlink("/dev/escape-sda");
	verdict_syscall(v, r, errno, "block device node /dev/escape-sda created");
}

/* Write until the disk is full, into any place that takes a file: there is none. */
static void fill_disk(struct verdict *v)
{
	static const char *const dirs[] = {
		".", "/", "/tmp", "/dev", "/dev/shm", "/var/tmp", "/run", "/home", "/root", "/mnt",
	};
	static char block[1 << 16];
	char buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/escape-fill-%d", dirs[i], (int)getpid());
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (len < sizeof(buf))
				len += (unsigned)snprintf(buf + len, sizeof(buf) - len, "%s%s %s",
				                          len ? ", " : "", dirs[i], verdict_errno_name(errno));
			continue;
		}
		/* it took a file: see how much it takes, bounded by the memory cap */
		uint64_t written = 0;
		ssize_t n;
		while (written < ESCAPE_MEM_CAP && (n = write(fd, block, sizeof(block))) > 0)
			written += (uint64_t)n;
		close(fd);
		unlink(path);
		verdict_escaped(v, "wrote %llu MiB into %s", (unsigned long long)(written >> 20), path);
		return;
	}
	verdict_denied(v, "%s", buf);
}

/* Reopen the parent capability or the binary through /proc with more rights. */
static void proc_fd_reopen(struct verdict *v)
{
	static const char *const paths[] = {
		"/proc/self/fd/3", "/proc/self/fd/0", "/proc/self/exe", "/proc/self/root/etc/passwd",
	};

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int fd = open(paths[i], O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			verdict_escaped(v, "%s opened", paths[i]);
			return;
		}
	}
	verdict_denied(v, "%s", verdict_errno_name(errno));
}

/* Another process's memory through /proc (pids guessed). */
static void proc_pid_mem(struct verdict *v)
{
	struct verdict_tally t = { 0 };
	char path[64], buf[VERDICT_DETAIL_MAX];

	for (int pid = 1; pid <= 64; pid++) {
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		verdict_tally_add(&t, fd, errno);
		if (fd >= 0) {
			close(fd);
			verdict_escaped(v, "%s opened", path);
			return;
		}
	}
	verdict_tally_format(&t, buf, sizeof(buf));
	verdict_denied(v, "%s", buf);
}

static void exec_path(struct verdict *v, const char *path)
{
	char *const argv[] = { (char *)path, (char *)"-c", (char *)"echo ESCAPED via exec", NULL };
	char *const envp[] = { NULL };
	struct stat st;

	if (stat(path, &st) == 0) {
		verdict_escaped(v, "%s is visible (mode 0%o)", path, st.st_mode);
		return;
	}
	execve(path, argv, envp);
	/* still here: the exec failed */
	verdict_denied(v, "%s", verdict_errno_name(errno));
}

static void exec_sudo(struct verdict *v) { exec_path(v, "/usr/bin/sudo"); }
static void exec_sh(struct verdict *v) { exec_path(v, "/bin/sh"); }

const struct attempt escape_fs_attempts[] = {
	{ "read /etc/passwd", read_passwd, ATTEMPT_INLINE },
	{ "read /etc/shadow", read_shadow, ATTEMPT_INLINE },
	{ "open /home", open_home, ATTEMPT_INLINE },
	{ "list / (must hold only dev)", list_root, ATTEMPT_INLINE },
	{ "create a file in /", create_root, ATTEMPT_INLINE },
	{ "create a file in /tmp", create_tmp, ATTEMPT_INLINE },
	{ "create a file in /dev/shm", create_shm, ATTEMPT_INLINE },
	{ "create a directory in /", make_dir, ATTEMPT_INLINE },
	{ "link to a host file from /dev", link_in_dev, ATTEMPT_INLINE },
	{ "create a block device node (mknod)", make_node, ATTEMPT_INLINE },
	{ "fill a disk (write anywhere until full)", fill_disk, ATTEMPT_INLINE },
	{ "open /dev/kvm", open_kvm, ATTEMPT_INLINE },
	{ "open host devices (tun, fuse, mem, kmsg, tty, disks)", open_devices, ATTEMPT_INLINE },
	{ "reopen fds through /proc/self/fd", proc_fd_reopen, ATTEMPT_INLINE },
	{ "open /proc/<pid>/mem (pids 1..64)", proc_pid_mem, ATTEMPT_INLINE },
	{ "execve /usr/bin/sudo", exec_sudo, ATTEMPT_FORKED },
	{ "execve /bin/sh", exec_sh, ATTEMPT_FORKED },
	{ NULL, NULL, 0 },
};
