/*
 * Escape attempts on the inherited state: what a component finds at start
 * (fds, privileges, filter mode, ids) and what it can learn about the host
 * (host name, memory, network, parent).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "escape.h"

#define FD_SCAN 4096

/* Must run before the suite opens anything: exactly 0, 1, 2 and the parent cap 3. */
static void inherited_fds(struct verdict *v)
{
	char list[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0, extra = 0;

	for (int fd = 0; fd < FD_SCAN; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		if (len < sizeof(list))
			len += (unsigned)snprintf(list + len, sizeof(list) - len, "%s%d", len ? "," : "", fd);
		if (fd > 3)
			extra++;
	}
	int missing = fcntl(3, F_GETFD) < 0;
	if (extra)
		verdict_escaped(v, "%u unexpected fds inherited: %s", extra, list);
	else if (missing)
		verdict_escaped(v, "the parent capability on fd 3 is missing: %s", list);
	else
		verdict_denied(v, "only fds %s are open", list);
}

static void fd3_is_socket(struct verdict *v)
{
	struct stat st;

	if (fstat(3, &st) < 0)
		verdict_escaped(v, "fstat(3) failed with %s", verdict_errno_name(errno));
	else if (!S_ISSOCK(st.st_mode))
		verdict_escaped(v, "fd 3 is not a socket (mode 0%o)", st.st_mode);
	else
		verdict_denied(v, "fd 3 is a socket: the parent capability, nothing else");
}

static void no_new_privs(struct verdict *v)
{
	int r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	if (r == 1)
		verdict_denied(v, "no_new_privs=1");
	else if (r < 0)
		verdict_escaped(v, "PR_GET_NO_NEW_PRIVS failed with %s", verdict_errno_name(errno));
	else
		verdict_escaped(v, "no_new_privs=%d", r);
}

static void seccomp_mode(struct verdict *v)
{
	int r = prctl(PR_GET_SECCOMP, 0, 0, 0, 0);

	if (r == 2)
		verdict_denied(v, "seccomp mode 2 (filter)");
	else if (r < 0)
		verdict_escaped(v, "PR_GET_SECCOMP failed with %s", verdict_errno_name(errno));
	else
		verdict_escaped(v, "seccomp mode %d: no filter", r);
}

/* Root inside the user namespace, or any capability, would be a start. */
static void privileges(struct verdict *v)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	uid_t uid = getuid(), euid = geteuid();

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		if (uid && euid)
			verdict_denied(v, "uid %u, capget %s", (unsigned)uid, verdict_errno_name(errno));
		else
			verdict_escaped(v, "uid %u euid %u", (unsigned)uid, (unsigned)euid);
		return;
	}
	if (!uid || !euid || data[0].effective || data[1].effective || data[0].permitted ||
	    data[1].permitted)
		verdict_escaped(v, "uid %u euid %u, capabilities eff %08x%08x perm %08x%08x",
		                (unsigned)uid, (unsigned)euid, data[1].effective, data[0].effective,
		                data[1].permitted, data[0].permitted);
	else
		verdict_denied(v, "uid %u, no capabilities", (unsigned)uid);
}

static void host_name(struct verdict *v)
{
	struct utsname u;

	if (uname(&u) < 0)
		verdict_denied(v, "uname: %s", verdict_errno_name(errno));
	else if (strcmp(u.nodename, "arbor"))
		verdict_escaped(v, "nodename is \"%s\", not \"arbor\"", u.nodename);
	else
		verdict_denied(v, "nodename is \"arbor\"");
}

/* Paths that would tell the host's secrets; none may open. */
static void read_info_files(struct verdict *v)
{
	static const char *const paths[] = {
		"/proc/meminfo", "/proc/cpuinfo", "/proc/1/cmdline", "/sys/class/net",
		"/sys/kernel", "/etc/hostname", "/etc/machine-id", "/proc/self/mountinfo",
	};
	verdict_none_opens(v, paths, sizeof(paths) / sizeof(paths[0]), O_RDONLY);
}

static void meminfo(struct verdict *v)
{
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	verdict_syscall(v, fd, errno, "/proc/meminfo opened");
	if (fd >= 0)
		close(fd);
}

/* The parent (core, outside the pid namespace) must not have a visible pid. */
static void parent_pid(struct verdict *v)
{
	pid_t ppid = getppid();

	if (ppid == 0)
		verdict_denied(v, "getppid() = 0: the parent is outside the pid namespace");
	else
		verdict_escaped(v, "getppid() = %d: the parent is visible", (int)ppid);
}

/* Own session and process group: no tty, no group to join. */
static void own_session(struct verdict *v)
{
	pid_t pid = getpid(), sid = getsid(0), pgid = getpgid(0);

	if (sid == pid && pgid == pid)
		verdict_denied(v, "session and process group %d are its own", (int)pid);
	else
		verdict_escaped(v, "pid %d is in session %d, process group %d", (int)pid, (int)sid,
		                (int)pgid);
}

const struct attempt escape_state_attempts[] = {
	{ "inherit fds beyond 0-3 (scan 0..4095)", inherited_fds, ATTEMPT_INLINE },
	{ "use an inherited fd 3 that is not the parent capability", fd3_is_socket, ATTEMPT_INLINE },
	{ "run without no_new_privs (PR_GET_NO_NEW_PRIVS)", no_new_privs, ATTEMPT_INLINE },
	{ "run without a seccomp filter (PR_GET_SECCOMP)", seccomp_mode, ATTEMPT_INLINE },
	{ "run as root or hold capabilities", privileges, ATTEMPT_INLINE },
	{ "learn the host name (uname)", host_name, ATTEMPT_INLINE },
	{ "read /proc/meminfo", meminfo, ATTEMPT_INLINE },
	{ "read host info (/proc, /sys, /etc/hostname, machine-id)", read_info_files, ATTEMPT_INLINE },
	{ "see the parent's pid (getppid)", parent_pid, ATTEMPT_INLINE },
	{ "share a session or process group with the parent", own_session, ATTEMPT_INLINE },
	{ NULL, NULL, 0 },
};
