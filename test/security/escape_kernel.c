/*
 * Escape attempts on the kernel's attack surface: namespaces and mounts,
 * keyrings, bpf, perf, userfaultfd, io_uring, personality, terminal
 * injection and the administrator's syscalls. Each must fail (EPERM or
 * ENOSYS from the filter, or the kernel's own refusal).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "escape.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void mount_tmpfs(struct verdict *v)
{
	static const struct { const char *src, *target, *type; unsigned long flags; } m[] = {
		{ "none", "/tmp", "tmpfs", 0 },
		{ "none", "/dev", "tmpfs", 0 },
		{ "proc", "/dev", "proc", 0 },
		{ NULL, "/", NULL, MS_REMOUNT | MS_BIND },
		{ "/dev", "/dev", NULL, MS_BIND },
	};
	char buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (mount(m[i].src, m[i].target, m[i].type, m[i].flags, NULL) == 0) {
			verdict_escaped(v, "mount %s on %s succeeded", m[i].type ? m[i].type : "(bind)",
			                m[i].target);
			return;
		}
		if (len < sizeof(buf))
			len += (unsigned)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ", " : "",
			                          verdict_errno_name(errno));
	}
	if (umount2("/dev", MNT_DETACH) == 0) {
		verdict_escaped(v, "umount of /dev succeeded");
		return;
	}
	verdict_denied(v, "%s; umount %s", buf, verdict_errno_name(errno));
}

static void change_root(struct verdict *v)
{
	if (chroot("/dev") == 0) {
		verdict_escaped(v, "chroot(\"/dev\") succeeded");
		return;
	}
	int e1 = errno;
	long r = syscall(SYS_pivot_root, "/dev", "/dev");
	if (r == 0) {
		verdict_escaped(v, "pivot_root succeeded");
		return;
	}
	verdict_denied(v, "chroot %s, pivot_root %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

static void unshare_user(struct verdict *v)
{
	verdict_syscall(v, unshare(CLONE_NEWUSER), errno, "unshare(CLONE_NEWUSER) succeeded");
}

static void unshare_other(struct verdict *v)
{
	static const struct { int flag; const char *name; } f[] = {
		{ CLONE_NEWNS, "NEWNS" }, { CLONE_NEWNET, "NEWNET" }, { CLONE_NEWPID, "NEWPID" },
		{ CLONE_NEWIPC, "NEWIPC" }, { CLONE_NEWUTS, "NEWUTS" },
		{ CLONE_NEWCGROUP, "NEWCGROUP" }, { CLONE_NEWTIME, "NEWTIME" },
		{ CLONE_FS, "FS" }, { CLONE_FILES, "FILES" }, { CLONE_SYSVSEM, "SYSVSEM" },
	};
	char buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		int r = unshare(f[i].flag);
		/* unsharing what this process alone holds creates nothing new */
		int harmless = f[i].flag == CLONE_FS || f[i].flag == CLONE_FILES ||
		               f[i].flag == CLONE_SYSVSEM;
		if (r == 0 && !harmless) {
			verdict_escaped(v, "unshare(CLONE_%s) succeeded", f[i].name);
			return;
		}
		if (len < sizeof(buf))
			len += (unsigned)snprintf(buf + len, sizeof(buf) - len, "%s%s %s",
			                          len ? ", " : "", f[i].name,
			                          r == 0 ? "ok (no new namespace)" : verdict_errno_name(errno));
	}
	verdict_denied(v, "%s", buf);
}

/* Joining a namespace needs an fd of one: /proc is gone, and fds 0-3 are none. */
static void join_namespace(struct verdict *v)
{
	static const char *const paths[] = {
		"/proc/1/ns/mnt", "/proc/self/ns/user", "/proc/thread-self/ns/net",
	};
	char buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			int r = setns(fd, 0);
			close(fd);
			if (r == 0) {
				verdict_escaped(v, "setns through %s succeeded", paths[i]);
				return;
			}
		}
	}
	len = (unsigned)snprintf(buf, sizeof(buf), "ns files %s", verdict_errno_name(errno));
	for (int fd = 0; fd <= 3; fd++) {
		if (setns(fd, 0) == 0) {
			verdict_escaped(v, "setns(%d) succeeded", fd);
			return;
		}
		if (len < sizeof(buf))
			len += (unsigned)snprintf(buf + len, sizeof(buf) - len, ", setns(%d) %s", fd,
			                          verdict_errno_name(errno));
	}
	verdict_denied(v, "%s", buf);
}

/* clone() with namespace flags; a child that got through leaves at once. */
static void clone_flags(struct verdict *v, unsigned long flags, const char *name)
{
	long r = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);

	if (r == 0)
		_exit(0);
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		verdict_escaped(v, "clone(%s) created pid %ld", name, r);
		return;
	}
	verdict_denied(v, "%s", verdict_errno_name(errno));
}

static void clone_newns(struct verdict *v) { clone_flags(v, CLONE_NEWNS, "CLONE_NEWNS"); }
static void clone_newuser(struct verdict *v) { clone_flags(v, CLONE_NEWUSER, "CLONE_NEWUSER"); }

struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void clone3_newuser(struct verdict *v)
{
	struct clone3_args a = { .flags = CLONE_NEWUSER | CLONE_NEWNS, .exit_signal = SIGCHLD };
	long r = syscall(SYS_clone3, &a, sizeof(a));

	if (r == 0)
		_exit(0);
	if (r > 0) {
		waitpid((pid_t)r, NULL, 0);
		verdict_escaped(v, "clone3(CLONE_NEWUSER|CLONE_NEWNS) created pid %ld", r);
		return;
	}
	verdict_denied(v, "%s", verdict_errno_name(errno));
}

static void keyrings(struct verdict *v)
{
	long r = syscall(SYS_add_key, "user", "arbor-escape", "x", 1, -2 /* process keyring */);
	if (r >= 0) {
		verdict_escaped(v, "add_key created key %ld", r);
		return;
	}
	int e1 = errno;
	r = syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, "arbor-escape");
	if (r >= 0) {
		verdict_escaped(v, "keyctl joined session keyring %ld", r);
		return;
	}
	verdict_denied(v, "add_key %s, keyctl %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

static void bpf_map(struct verdict *v)
{
	/* BPF_MAP_CREATE of a 1-entry array map: map_type, key, value, entries */
	uint32_t attr[32] = { 2, 4, 4, 1 };
	long r = syscall(SYS_bpf, 0, attr, sizeof(attr));

	if (r >= 0)
		close((int)r);
	verdict_syscall(v, r, errno, "bpf map created");
}

static void perf_event(struct verdict *v)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_SOFTWARE, .size = sizeof(a), .config = PERF_COUNT_SW_TASK_CLOCK,
		.exclude_kernel = 1, .exclude_hv = 1,
	};
	long r = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);

	if (r >= 0)
		close((int)r);
	verdict_syscall(v, r, errno, "perf event opened on itself");
}

static void user_fault_fd(struct verdict *v)
{
	long r = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (r >= 0) {
		close((int)r);
		verdict_escaped(v, "userfaultfd created");
		return;
	}
	int e1 = errno;
	r = syscall(SYS_userfaultfd, O_CLOEXEC | 1 /* UFFD_USER_MODE_ONLY */);
	if (r >= 0) {
		close((int)r);
		verdict_escaped(v, "userfaultfd(UFFD_USER_MODE_ONLY) created");
		return;
	}
	verdict_denied(v, "%s, user-mode-only %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

static void io_uring(struct verdict *v)
{
	uint32_t params[30] = { 0 };   /* struct io_uring_params, 120 bytes */
	long r = syscall(SYS_io_uring_setup, 4, params);

	if (r >= 0)
		close((int)r);
	verdict_syscall(v, r, errno, "io_uring instance created");
}

/* READ_IMPLIES_EXEC would make every readable mapping executable. */
static void read_implies_exec(struct verdict *v)
{
	int r = personality(READ_IMPLIES_EXEC);
	if (r < 0) {
		verdict_denied(v, "%s", verdict_errno_name(errno));
		return;
	}
	int now = personality(0xffffffff);
	if (now >= 0 && (now & READ_IMPLIES_EXEC))
		verdict_escaped(v, "personality is now 0x%x", now);
	else
		verdict_denied(v, "accepted but not in effect (personality 0x%x)", now);
}

/* Type into a terminal: fds 0-2 are no ttys, and high bits must not slip past the filter. */
static void tiocsti(struct verdict *v)
{
	char c = '#', buf[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0;

	for (int fd = 0; fd <= 2; fd++) {
		long r1 = syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI, &c);
		int e1 = errno;
		long r2 = syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI | 0xffffffff00000000ul, &c);
		int e2 = errno;
		if (r1 == 0 || r2 == 0) {
			verdict_escaped(v, "TIOCSTI on fd %d succeeded%s", fd, r1 ? " (high bits)" : "");
			return;
		}
		if (len < sizeof(buf))
			len += (unsigned)snprintf(buf + len, sizeof(buf) - len, "%sfd %d %s/%s",
			                          len ? ", " : "", fd, verdict_errno_name(e1), verdict_errno_name(e2));
	}
	verdict_denied(v, "%s", buf);
}

static void io_ports(struct verdict *v)
{
	if (iopl(3) == 0) {
		verdict_escaped(v, "iopl(3) succeeded");
		return;
	}
	int e1 = errno;
	if (ioperm(0x60, 1, 1) == 0) {
		verdict_escaped(v, "ioperm(0x60) succeeded");
		return;
	}
	verdict_denied(v, "iopl %s, ioperm %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

static void kernel_modules(struct verdict *v)
{
	long r = syscall(SYS_init_module, "", 0, "");
	int e1 = errno;
	long r2 = syscall(SYS_finit_module, 0, "", 0);
	int e2 = errno;
	long r3 = syscall(SYS_kexec_load, 0, 0, NULL, 0);

	if (r == 0 || r2 == 0 || r3 == 0)
		verdict_escaped(v, "a module or kexec call succeeded");
	else
		verdict_denied(v, "init_module %s, finit_module %s, kexec_load %s", verdict_errno_name(e1),
		               verdict_errno_name(e2), verdict_errno_name(errno));
}

static void host_admin(struct verdict *v)
{
	struct timespec ts;
	char buf[64];

	if (sethostname("escaped", 7) == 0) {
		verdict_escaped(v, "sethostname succeeded");
		return;
	}
	int e1 = errno;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (clock_settime(CLOCK_REALTIME, &ts) == 0) {
		verdict_escaped(v, "clock_settime succeeded");
		return;
	}
	int e2 = errno;
	if (klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf)) >= 0) {
		verdict_escaped(v, "read the kernel log");
		return;
	}
	int e3 = errno;
	if (reboot(RB_DISABLE_CAD) == 0) {
		verdict_escaped(v, "reboot(RB_DISABLE_CAD) succeeded");
		return;
	}
	verdict_denied(v, "sethostname %s, clock_settime %s, syslog %s, reboot %s",
	               verdict_errno_name(e1), verdict_errno_name(e2), verdict_errno_name(e3), verdict_errno_name(errno));
}

static void become_root(struct verdict *v)
{
	if (setresuid(0, 0, 0) == 0) {
		verdict_escaped(v, "setresuid(0) succeeded");
		return;
	}
	int e1 = errno;
	if (setresgid(0, 0, 0) == 0) {
		verdict_escaped(v, "setresgid(0) succeeded");
		return;
	}
	verdict_denied(v, "setresuid %s, setresgid %s", verdict_errno_name(e1), verdict_errno_name(errno));
}

const struct attempt escape_kernel_attempts[] = {
	{ "mount (tmpfs, proc, remount / read-write, bind) and umount", mount_tmpfs, ATTEMPT_FORKED },
	{ "chroot and pivot_root", change_root, ATTEMPT_FORKED },
	{ "unshare(CLONE_NEWUSER)", unshare_user, ATTEMPT_FORKED },
	{ "unshare other namespaces", unshare_other, ATTEMPT_FORKED },
	{ "setns into another namespace", join_namespace, ATTEMPT_FORKED },
	{ "clone(CLONE_NEWNS)", clone_newns, ATTEMPT_FORKED },
	{ "clone(CLONE_NEWUSER)", clone_newuser, ATTEMPT_FORKED },
	{ "clone3(CLONE_NEWUSER|CLONE_NEWNS)", clone3_newuser, ATTEMPT_FORKED },
	{ "keyctl / add_key", keyrings, ATTEMPT_FORKED },
	{ "bpf(BPF_MAP_CREATE)", bpf_map, ATTEMPT_FORKED },
	{ "perf_event_open", perf_event, ATTEMPT_FORKED },
	{ "userfaultfd", user_fault_fd, ATTEMPT_FORKED },
	{ "io_uring_setup", io_uring, ATTEMPT_FORKED },
	{ "personality(READ_IMPLIES_EXEC)", read_implies_exec, ATTEMPT_FORKED },
	{ "ioctl TIOCSTI on fds 0-2, plain and with high bits set", tiocsti, ATTEMPT_FORKED },
	{ "iopl / ioperm", io_ports, ATTEMPT_FORKED },
	{ "init_module / finit_module / kexec_load", kernel_modules, ATTEMPT_FORKED },
	{ "administer the host (hostname, clock, kernel log, reboot)", host_admin, ATTEMPT_FORKED },
	{ "become root (setresuid/setresgid 0)", become_root, ATTEMPT_FORKED },
	{ NULL, NULL, 0 },
};
