/*
 * Escape attempts on other processes: a sibling component or core, reached
 * by guessed pids through ptrace, process_vm_readv, pidfds and signals.
 * Only this component's own processes are visible (own pid namespace);
 * whatever is reached beyond those is an escape.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "escape.h"

static volatile char probe_byte = 'A';

/* The suite's process when the attempt runs forked (its parent), else itself. */
static pid_t suite_pid(void)
{
	pid_t ppid = getppid();
	return ppid > 0 ? ppid : getpid();
}

static void ptrace_scan(struct verdict *v)
{
	struct verdict_tally t = { 0 };
	char buf[VERDICT_DETAIL_MAX];

	for (pid_t pid = 1; pid <= ESCAPE_PID_SCAN; pid++) {
		if (pid == getpid())
			continue;
		long r = ptrace(PTRACE_ATTACH, pid, NULL, NULL);
		verdict_tally_add(&t, r, errno);
		if (r == 0) {
			waitpid(pid, NULL, __WALL);
			ptrace(PTRACE_DETACH, pid, NULL, NULL);
			verdict_escaped(v, "PTRACE_ATTACH to pid %d succeeded", (int)pid);
			return;
		}
	}
	verdict_tally_format(&t, buf, sizeof(buf));
	verdict_denied(v, "%s", buf);
}

static void ptrace_parent(struct verdict *v)
{
	pid_t target = suite_pid();
	long r = ptrace(PTRACE_SEIZE, target, NULL, NULL);

	if (r == 0) {
		ptrace(PTRACE_DETACH, target, NULL, NULL);
		verdict_escaped(v, "PTRACE_SEIZE of pid %d succeeded", (int)target);
		return;
	}
	verdict_denied(v, "pid %d: %s", (int)target, verdict_errno_name(errno));
}

static void vm_read_scan(struct verdict *v)
{
	struct verdict_tally t = { 0 };
	char buf[VERDICT_DETAIL_MAX], byte;

	for (pid_t pid = 1; pid <= ESCAPE_PID_SCAN; pid++) {
		if (pid == getpid())
			continue;
		struct iovec local = { .iov_base = &byte, .iov_len = 1 };
		struct iovec remote = { .iov_base = (void *)&probe_byte, .iov_len = 1 };
		ssize_t r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		verdict_tally_add(&t, r, errno);
		if (r == 1) {
			verdict_escaped(v, "read the memory of pid %d", (int)pid);
			return;
		}
	}
	verdict_tally_format(&t, buf, sizeof(buf));
	verdict_denied(v, "%s", buf);
}

/* pidfd_open on guessed pids, then pidfd_getfd of their fd 3 (a parent capability). */
static void pidfd_scan(struct verdict *v)
{
	struct verdict_tally t = { 0 }, g = { 0 };
	char buf[VERDICT_DETAIL_MAX / 2], gbuf[VERDICT_DETAIL_MAX / 2];

	for (pid_t pid = 1; pid <= ESCAPE_PID_SCAN; pid++) {
		if (pid == getpid())
			continue;
		long pfd = syscall(SYS_pidfd_open, pid, 0);
		verdict_tally_add(&t, pfd, errno);
		if (pfd < 0)
			continue;
		long fd = syscall(SYS_pidfd_getfd, (int)pfd, 3, 0);
		verdict_tally_add(&g, fd, errno);
		close((int)pfd);
		if (fd >= 0) {
			close((int)fd);
			verdict_escaped(v, "took fd 3 of pid %d with pidfd_getfd", (int)pid);
			return;
		}
	}
	verdict_tally_format(&t, buf, sizeof(buf));
	verdict_tally_format(&g, gbuf, sizeof(gbuf));
	verdict_denied(v, "pidfd_open: %s; pidfd_getfd: %s", buf,
	               gbuf[0] ? gbuf : "never reached");
}

/* Which pids answer kill(pid, 0): only the suite and this child may. */
static void visible_pids(struct verdict *v)
{
	char list[VERDICT_DETAIL_MAX] = "";
	unsigned len = 0, foreign = 0;
	pid_t self = getpid(), suite = suite_pid();

	for (pid_t pid = 1; pid <= ESCAPE_PID_SCAN; pid++) {
		if (kill(pid, 0) < 0 && errno != EPERM)
			continue;
		if (pid != self && pid != suite)
			foreign++;
		if (len < sizeof(list))
			len += (unsigned)snprintf(list + len, sizeof(list) - len, "%s%d", len ? "," : "",
			                          (int)pid);
	}
	if (foreign)
		verdict_escaped(v, "%u processes of others visible: %s", foreign, list);
	else
		verdict_denied(v, "visible pids: %s (own processes only)", list[0] ? list : "none");
}

/*
 * kill(-1, SIGKILL) reaches every process the caller may signal except
 * itself and its namespace's init. Only safe to try when the suite is that
 * init (pid 1); otherwise it would kill the suite, so probe with signal 0.
 */
static void kill_all(struct verdict *v)
{
	int sig = suite_pid() == 1 ? SIGKILL : 0;
	int r = kill(-1, sig);

	if (r < 0)
		verdict_denied(v, "%s", verdict_errno_name(errno));
	else
		verdict_denied(v, "kill(-1, %s) returned 0: only this component's own processes "
		               "are in reach (siblings are checked by the scenario)",
		               sig ? "SIGKILL" : "0 (suite is not pid 1)");
}

/* pid 1 of the namespace is the suite itself; core's pid is outside it. */
static void kill_init(struct verdict *v)
{
	int sig = suite_pid() == 1 ? SIGKILL : 0;
	int r = kill(1, sig);

	if (r < 0)
		verdict_denied(v, "%s", verdict_errno_name(errno));
	else if (kill(suite_pid(), 0) == 0)
		verdict_denied(v, "returned 0, but pid 1 is this component's own init and survived");
	else
		verdict_escaped(v, "pid 1 was killed");
}

const struct attempt escape_proc_attempts[] = {
	{ "ptrace PTRACE_ATTACH pids 1..4096 (siblings, core)", ptrace_scan, ATTEMPT_FORKED },
	{ "ptrace PTRACE_SEIZE of the parent process", ptrace_parent, ATTEMPT_FORKED },
	{ "process_vm_readv pids 1..4096", vm_read_scan, ATTEMPT_FORKED },
	{ "pidfd_open + pidfd_getfd pids 1..4096", pidfd_scan, ATTEMPT_FORKED },
	{ "see other processes (kill(pid, 0) for pids 1..4096)", visible_pids, ATTEMPT_FORKED },
	{ "kill everything: kill(-1, SIGKILL)", kill_all, ATTEMPT_FORKED },
	{ "kill pid 1 (core or init): kill(1, SIGKILL)", kill_init, ATTEMPT_FORKED },
	{ NULL, NULL, 0 },
};
