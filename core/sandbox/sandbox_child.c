/*
 * The child half of a spawn, in the order that matters: wait for core,
 * take the component's ids, build the root while still privileged in the
 * namespace, then give up capabilities and fds, and install the seccomp
 * filter right before exec.
 */
#include "sandbox_child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mounts.h"

/* Where the fds sit just before exec; the last two close on exec. */
enum {
	FD_STDIN = 0,
	FD_STDOUT = 1,
	FD_STDERR = 2,
	FD_PARENT = 3,     /* ARBOR_PARENT_FD */
	FD_BINARY = 4,
	FD_STATUS = 5,
	FD_COUNT = 6,
};

/* Every capability is an fd: a parent of hundreds of children needs thousands. */
#define NOFILE_LIMIT 65536

static _Noreturn void child_fail(int status_fd, const char *step, int err)
{
	struct sandbox_child_status st = { .err = err ? err : -EIO, .step = step };
	ssize_t n;

	n = write(status_fd, &st, sizeof st);
	(void)n;
	_exit(127);
}

/* close_range(), or a loop where the kernel predates it (5.9). */
static int close_from_to(unsigned lo, unsigned hi)
{
	long max;
	unsigned fd;

	if (close_range(lo, hi, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	max = sysconf(_SC_OPEN_MAX);
	for (fd = lo; fd <= hi && (long)fd < max; fd++)
		close((int)fd);
	return 0;
}

/*
 * Close every fd of core's at or above FD_COUNT but the sources. Done
 * first, so the child finds free slots below its limit however many fds
 * core holds.
 */
static int close_all_but(const int *src, int n)
{
	int keep[FD_COUNT], k = 0, i, j, fd, err;
	unsigned lo = FD_COUNT;

	for (i = 0; i < n; i++) {
		if (src[i] < FD_COUNT)
			continue;
		for (j = k; j > 0 && keep[j - 1] > src[i]; j--)
			keep[j] = keep[j - 1];
		keep[j] = src[i];
		k++;
	}
	for (i = 0; i < k; i++) {
		fd = keep[i];
		if ((unsigned)fd > lo) {
			err = close_from_to(lo, (unsigned)fd - 1);
			if (err)
				return err;
		}
		if ((unsigned)fd >= lo)
			lo = (unsigned)fd + 1;
	}
	return close_from_to(lo, ~0U);
}

/*
 * Put every fd in its place: close what core had open, duplicate all
 * sources above the targets (a source may itself sit on a target number),
 * move them down, and close the duplicates.
 */
static int place_fds(const struct sandbox_child_args *a, const char **step)
{
	int src[FD_COUNT], tmp[FD_COUNT];
	int devnull, i, err;

	src[FD_STDIN] = -1;
	src[FD_STDOUT] = a->stdout_fd;
	src[FD_STDERR] = a->stderr_fd;
	src[FD_PARENT] = a->parent_fd;
	src[FD_BINARY] = a->binary_fd;
	src[FD_STATUS] = a->status_fd;
	*step = "close inherited fds";
	err = close_all_but(src, FD_COUNT);
	if (err)
		return err;

	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		*step = "open /dev/null";
		return -errno;
	}
	src[FD_STDIN] = devnull;
	if (src[FD_STDOUT] < 0)
		src[FD_STDOUT] = devnull;
	if (src[FD_STDERR] < 0)
		src[FD_STDERR] = devnull;

	*step = "duplicate fds";
	for (i = 0; i < FD_COUNT; i++) {
		tmp[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, FD_COUNT);
		if (src[i] >= 0 && tmp[i] < 0)
			return -errno;
	}
	for (i = 0; i < FD_COUNT; i++) {
		if (tmp[i] < 0)
			close(i);
		else if (dup3(tmp[i], i, i >= FD_BINARY ? O_CLOEXEC : 0) < 0)
			return -errno;
	}
	*step = "close inherited fds";
	return close_from_to(FD_COUNT, ~0U);
}

static int set_limit(int resource, rlim_t value)
{
	struct rlimit rl = { value, value };

	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/* After the fds are closed: RLIMIT_NOFILE only bounds new descriptors. */
static int set_limits(const struct sandbox_child_args *a, const char **step)
{
	struct rlimit rl;
	int err;

	*step = "set rlimits";
	err = set_limit(RLIMIT_CORE, 0);
	if (!err)
		err = set_limit(RLIMIT_MEMLOCK, 0);
	if (!err && getrlimit(RLIMIT_NOFILE, &rl) < 0)
		err = -errno;
	if (!err)
		err = set_limit(RLIMIT_NOFILE, rl.rlim_max < NOFILE_LIMIT ? rl.rlim_max : NOFILE_LIMIT);
	if (!err && a->as_limit)
		err = set_limit(RLIMIT_AS, a->as_limit);
	if (!err && a->nproc)
		err = set_limit(RLIMIT_NPROC, a->nproc);
	return err;
}

/*
 * Take the component's ids first: files created in the new root must be
 * owned by an id mapped in its user namespace (a root core's uid 0 is not).
 * The capabilities the clone gave us in the namespace survive this, since
 * uid 0 is unmapped there and the kernel's setuid-from-root rule never fires.
 */
static int switch_ids(const struct sandbox_child_args *a, const char **step)
{
	*step = "setgroups";
	if (a->drop_groups && setgroups(0, NULL) < 0)
		return -errno;
	*step = "setresgid";
	if (setresgid(a->gid, a->gid, a->gid) < 0)
		return -errno;
	*step = "setresuid";
	if (setresuid(a->uid, a->uid, a->uid) < 0)
		return -errno;
	return 0;
}

/* With the root built, the capabilities go, explicitly. */
static int drop_capabilities(const char **step)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { { 0, 0, 0 } };

	*step = "capset";
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	/*
	 * The id change cleared the parent-death signal and dumpability; core
	 * traces us with PTRACE_O_EXITKILL already, this is the second line.
	 */
	*step = "prctl";
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/*
 * Handlers are reset by exec, but ignored signals and the mask are
 * inherited: reset what core ignores (the host recorded which) and unblock.
 */
static int reset_signals(const sigset_t *ignored, const char **step)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;
	int sig;

	for (sig = 1; sig < NSIG; sig++)
		if (sigismember(ignored, sig) == 1)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	*step = "sigprocmask";
	return sigprocmask(SIG_SETMASK, &none, NULL) < 0 ? -errno : 0;
}

/*
 * Wait for the spec on the release channel and take it into *a: fds,
 * argv (stored in buf), limits. EOF or anything malformed: give up.
 */
static void receive_spec(struct sandbox_child_args *a, char *buf, char **argv)
{
	union { char buf[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr align; } ctl;
	struct sandbox_child_spec spec;
	struct iovec iov[2] = {
		{ .iov_base = &spec, .iov_len = sizeof spec },
		{ .iov_base = buf, .iov_len = SANDBOX_ARGV_BYTES },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2,
	                     .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
	int fds[4], nfds = 0, want;
	ssize_t n;

	do
		n = recvmsg(a->release_fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)sizeof spec || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		_exit(127);
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fds, CMSG_DATA(cm), (size_t)nfds * sizeof(int));
		}
	}
	want = 1 + spec.has_parent + spec.has_stdout + spec.has_stderr;
	if (nfds != want || spec.argc == 0 || spec.argc > SANDBOX_ARGV_MAX)
		_exit(127);

	nfds = 0;
	a->binary_fd = fds[nfds++];
	a->parent_fd = spec.has_parent ? fds[nfds++] : -1;
	a->stdout_fd = spec.has_stdout ? fds[nfds++] : -1;
	a->stderr_fd = spec.has_stderr ? fds[nfds++] : -1;
	a->as_limit = spec.as_limit;
	a->nproc = spec.nproc;
	a->host_libs = spec.host_libs;

	size_t len = (size_t)n - sizeof spec, off = 0;
	for (uint32_t i = 0; i < spec.argc; i++) {
		const char *end = memchr(buf + off, '\0', len - off);
		if (off >= len || !end)
			_exit(127);
		argv[i] = buf + off;
		off = (size_t)(end - buf) + 1;
	}
	argv[spec.argc] = NULL;
	a->argv = argv;
}

_Noreturn void sandbox_child_run(const struct sandbox_child_args *args)
{
	static char argbuf[SANDBOX_ARGV_BYTES];
	char *argv[SANDBOX_ARGV_MAX + 1];
	struct sandbox_child_args local = *args, *a = &local;
	const char *step = NULL;
	int status = a->status_fd;
	int err;

	close(a->release_peer);
	close(a->status_peer);
	/* Core could die before it traces us: then the release read sees EOF. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(status, "prctl", -errno);
	receive_spec(a, argbuf, argv);
	close(a->release_fd);

	err = switch_ids(a, &step);
	if (err)
		child_fail(status, step, err);
	if (!a->root_built)
		err = mounts_enter_root(a->host_libs, &step);
	if (err)
		child_fail(status, step, err);
	if (sethostname("arbor", 5) < 0)
		child_fail(status, "sethostname", -errno);
	/* A session of its own: no controlling terminal to inject input into. */
	if (setsid() < 0)
		child_fail(status, "setsid", -errno);
	err = drop_capabilities(&step);
	if (err)
		child_fail(status, step, err);
	err = place_fds(a, &step);
	if (err)
		child_fail(status, step, err);
	status = FD_STATUS;
	err = set_limits(a, &step);
	if (!err)
		err = reset_signals(a->ignored, &step);
	if (err)
		child_fail(status, step, err);

	/* Last: from here on only the allow-listed calls work, execveat among them. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, a->filter, 0, 0) < 0)
		child_fail(status, "install seccomp filter", -errno);
	syscall(SYS_execveat, FD_BINARY, "", a->argv, a->envp, AT_EMPTY_PATH);
	child_fail(status, "execveat", -errno);
}
