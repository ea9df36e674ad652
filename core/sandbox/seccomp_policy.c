/*
 * The system-call policy of every component as one table: what ordinary
 * static glibc, musl and busybox programs need is allowed, what could reach
 * beyond the sandbox fails with EPERM, anything else with ENOSYS.
 */
#include "seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif

/*
 * Unknown calls fail with ENOSYS, the answer libc expects from an older
 * kernel, so it falls back to what it knows instead of giving up.
 */
#define POLICY_DEFAULT SCMP_ACT_ERRNO(ENOSYS)

struct policy_rule {
	int nr;
	uint32_t action;
	unsigned argc;
	struct scmp_arg_cmp arg[2];
};

#define ALLOW(sys)  { .nr = SCMP_SYS(sys), .action = SCMP_ACT_ALLOW }
#define DENY(sys)   { .nr = SCMP_SYS(sys), .action = SCMP_ACT_ERRNO(EPERM) }
#define NOSYS(sys)  { .nr = SCMP_SYS(sys), .action = SCMP_ACT_ERRNO(ENOSYS) }
#define ALLOW_IF(sys, a) \
	{ .nr = SCMP_SYS(sys), .action = SCMP_ACT_ALLOW, .argc = 1, .arg = { a } }
#define DENY_IF(sys, a) \
	{ .nr = SCMP_SYS(sys), .action = SCMP_ACT_ERRNO(EPERM), .argc = 1, .arg = { a } }
/* Handed to core's tracer, which decides (tracer_set_gate()). */
#define TRACE_IF(sys, a) \
	{ .nr = SCMP_SYS(sys), .action = SCMP_ACT_TRACE(0), .argc = 1, .arg = { a } }
#define DENY_IF2(sys, a, b) \
	{ .nr = SCMP_SYS(sys), .action = SCMP_ACT_ERRNO(EPERM), .argc = 2, .arg = { a, b } }

/*
 * Argument conditions. The kernel truncates int-typed arguments (ioctl and
 * fcntl commands, prctl options, personality) to 32 bits, so those compare
 * the low half only: garbage in the high half must not slip past a rule.
 */
#define LOW32_IS(n, v) \
	{ .arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu, .datum_b = (v) }
#define BITS_SET(n, m)   { .arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = (m), .datum_b = (m) }
#define BITS_CLEAR(n, m) { .arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = (m), .datum_b = 0 }
/* Always true: the "everything else" branch after more specific rules of a call. */
#define ANY(n)           { .arg = (n), .op = SCMP_CMP_GE, .datum_a = 0 }

#define CLONE_NEW_ANY (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
                       CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)

static const struct policy_rule policy[] = {
	/* Descriptor I/O: components talk through the fds they were given. */
	ALLOW(read), ALLOW(write), ALLOW(readv), ALLOW(writev), ALLOW(pread64),
	ALLOW(pwrite64), ALLOW(preadv), ALLOW(pwritev), ALLOW(preadv2), ALLOW(pwritev2),
	ALLOW(lseek), ALLOW(close), ALLOW(close_range), ALLOW(dup), ALLOW(dup2), ALLOW(dup3),
	ALLOW(pipe), ALLOW(pipe2), ALLOW(splice), ALLOW(tee), ALLOW(vmsplice), ALLOW(sendfile),
	ALLOW(copy_file_range), ALLOW(fsync), ALLOW(fdatasync), ALLOW(flock), ALLOW(ftruncate),
	ALLOW(fallocate), ALLOW(fadvise64), ALLOW(readahead), ALLOW(memfd_create),

	/*
	 * Path calls: the root is an empty read-only tmpfs, so these can only
	 * look around or fail with EROFS; libc and busybox probe with them.
	 */
	ALLOW(open), ALLOW(openat), ALLOW(openat2), ALLOW(creat), ALLOW(stat), ALLOW(fstat),
	ALLOW(lstat), ALLOW(newfstatat), ALLOW(statx), ALLOW(statfs), ALLOW(fstatfs),
	ALLOW(access), ALLOW(faccessat), ALLOW(faccessat2), ALLOW(getdents), ALLOW(getdents64),
	ALLOW(getcwd), ALLOW(chdir), ALLOW(fchdir), ALLOW(readlink), ALLOW(readlinkat),
	ALLOW(umask), ALLOW(mkdir), ALLOW(mkdirat), ALLOW(rmdir), ALLOW(unlink), ALLOW(unlinkat),
	ALLOW(rename), ALLOW(renameat), ALLOW(renameat2), ALLOW(link), ALLOW(linkat),
	ALLOW(symlink), ALLOW(symlinkat), ALLOW(chmod), ALLOW(fchmod), ALLOW(fchmodat),
	ALLOW(chown), ALLOW(fchown), ALLOW(lchown), ALLOW(fchownat), ALLOW(truncate),
	ALLOW(utime), ALLOW(utimes), ALLOW(utimensat), ALLOW(futimesat), ALLOW(sync),
	ALLOW(syncfs), ALLOW(sync_file_range),

	/* Memory of the own address space; RLIMIT_AS and the memory cgroup bound it. */
	ALLOW(brk), ALLOW(mmap), ALLOW(munmap), ALLOW(mremap), ALLOW(mprotect), ALLOW(madvise),
	ALLOW(msync), ALLOW(mincore), ALLOW(mlock), ALLOW(mlock2), ALLOW(munlock),
	ALLOW(mlockall), ALLOW(munlockall), ALLOW(membarrier), ALLOW(pkey_alloc),
	ALLOW(pkey_free), ALLOW(pkey_mprotect),

	/*
	 * Threads and child processes inside the component's pid namespace;
	 * the pids cgroup bounds them. clone is filtered below.
	 */
	ALLOW(fork), ALLOW(vfork), ALLOW(execve), ALLOW(execveat), ALLOW(exit),
	ALLOW(exit_group), ALLOW(wait4), ALLOW(waitid), ALLOW(set_tid_address),
	ALLOW(set_robust_list), ALLOW(get_robust_list), ALLOW(futex), ALLOW(futex_waitv),
	ALLOW(rseq), ALLOW(arch_prctl), ALLOW(gettid), ALLOW(getpid), ALLOW(getppid),
	ALLOW(getpgid), ALLOW(setpgid), ALLOW(getpgrp), ALLOW(getsid), ALLOW(setsid),
	ALLOW(sched_yield), ALLOW(sched_getaffinity), ALLOW(sched_setaffinity),
	ALLOW(sched_getparam), ALLOW(sched_setparam), ALLOW(sched_getscheduler),
	ALLOW(sched_setscheduler), ALLOW(sched_get_priority_max),
	ALLOW(sched_get_priority_min), ALLOW(sched_rr_get_interval), ALLOW(getpriority),
	ALLOW(setpriority), ALLOW(getcpu),

	/* Identity: reading is harmless, changing fails without capabilities. */
	ALLOW(getuid), ALLOW(geteuid), ALLOW(getgid), ALLOW(getegid), ALLOW(getresuid),
	ALLOW(getresgid), ALLOW(getgroups), ALLOW(setuid), ALLOW(setgid), ALLOW(setreuid),
	ALLOW(setregid), ALLOW(setresuid), ALLOW(setresgid), ALLOW(setfsuid), ALLOW(setfsgid),
	ALLOW(setgroups), ALLOW(capget), ALLOW(capset),

	/* Limits and system facts a libc asks for. */
	ALLOW(getrlimit), ALLOW(setrlimit), ALLOW(prlimit64), ALLOW(getrusage), ALLOW(times),
	ALLOW(sysinfo), ALLOW(uname), ALLOW(getrandom),

	/* Signals; kill reaches only the component's own pid namespace. */
	ALLOW(rt_sigaction), ALLOW(rt_sigprocmask), ALLOW(rt_sigreturn), ALLOW(rt_sigpending),
	ALLOW(rt_sigtimedwait), ALLOW(rt_sigsuspend), ALLOW(rt_sigqueueinfo),
	ALLOW(rt_tgsigqueueinfo), ALLOW(sigaltstack), ALLOW(kill), ALLOW(tkill), ALLOW(tgkill),
	ALLOW(pause), ALLOW(alarm), ALLOW(getitimer), ALLOW(setitimer), ALLOW(timer_create),
	ALLOW(timer_settime), ALLOW(timer_gettime), ALLOW(timer_getoverrun),
	ALLOW(timer_delete), ALLOW(signalfd), ALLOW(signalfd4), ALLOW(restart_syscall),

	/* Time, read-only (setting it is denied below). */
	ALLOW(clock_gettime), ALLOW(clock_getres), ALLOW(clock_nanosleep), ALLOW(nanosleep),
	ALLOW(gettimeofday), ALLOW(time),

	/* Waiting for events: entrypoints block here, signal contexts are eventfds. */
	ALLOW(poll), ALLOW(ppoll), ALLOW(select), ALLOW(pselect6), ALLOW(epoll_create),
	ALLOW(epoll_create1), ALLOW(epoll_ctl), ALLOW(epoll_wait), ALLOW(epoll_pwait),
	ALLOW(epoll_pwait2), ALLOW(eventfd), ALLOW(eventfd2), ALLOW(timerfd_create),
	ALLOW(timerfd_settime), ALLOW(timerfd_gettime),

	/*
	 * Sockets come only as capabilities (socketpair ends, or sockets core
	 * made for a Host_tcp session) or from socketpair itself; using them
	 * is fine, accepting on a listener handed over too, but creating
	 * others, or pointing one somewhere else, is not.
	 */
	ALLOW(sendmsg), ALLOW(recvmsg), ALLOW(sendmmsg), ALLOW(recvmmsg), ALLOW(sendto),
	ALLOW(recvfrom), ALLOW(shutdown), ALLOW(getsockopt), ALLOW(setsockopt),
	ALLOW(getsockname), ALLOW(getpeername), ALLOW(accept), ALLOW(accept4),
	DENY(bind), DENY(connect), DENY(listen),
	ALLOW_IF(socketpair, LOW32_IS(0, AF_UNIX)),
	DENY_IF(socketpair, ANY(0)),
	DENY(socket),

	/* Threads and fork, but never a new namespace (a way back to capabilities). */
	DENY_IF(clone, BITS_SET(0, CLONE_NEWNS)),
	DENY_IF(clone, BITS_SET(0, CLONE_NEWCGROUP)),
	DENY_IF(clone, BITS_SET(0, CLONE_NEWUTS)),
	DENY_IF(clone, BITS_SET(0, CLONE_NEWIPC)),
	DENY_IF(clone, BITS_SET(0, CLONE_NEWUSER)),
	DENY_IF(clone, BITS_SET(0, CLONE_NEWPID)),
	DENY_IF(clone, BITS_SET(0, CLONE_NEWNET)),
	ALLOW_IF(clone, BITS_CLEAR(0, CLONE_NEW_ANY)),
	/* Its flags sit in memory a filter cannot read: ENOSYS makes libc use clone. */
	NOSYS(clone3),

	/*
	 * ioctl: TIOCSTI pushes input into a terminal (CVE-2019-10063 used the
	 * high bits to dodge a 64-bit compare), TIOCSETD/TIOCLINUX reach line
	 * disciplines and the console, FIONBIO could make a shared signal
	 * eventfd blocking for every holder. KVM_CREATE_VM goes to core, which
	 * allows one VM per VM session (core/vm_session.c). Everything else is
	 * the fd's business.
	 */
	DENY_IF(ioctl, LOW32_IS(1, TIOCSTI)),
	DENY_IF(ioctl, LOW32_IS(1, TIOCSETD)),
	DENY_IF(ioctl, LOW32_IS(1, TIOCLINUX)),
	DENY_IF(ioctl, LOW32_IS(1, FIONBIO)),
	TRACE_IF(ioctl, LOW32_IS(1, KVM_CREATE_VM)),
	ALLOW_IF(ioctl, ANY(1)),

	/* fcntl: all but F_SETFL clearing O_NONBLOCK (shared non-blocking eventfds). */
	DENY_IF2(fcntl, LOW32_IS(1, F_SETFL), BITS_CLEAR(2, O_NONBLOCK)),
	ALLOW_IF(fcntl, ANY(1)),

	/* prctl: naming, queries and the parent-death signal; no other knobs. */
	ALLOW_IF(prctl, LOW32_IS(0, PR_SET_NAME)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_GET_NAME)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_GET_DUMPABLE)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_GET_SECCOMP)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_GET_NO_NEW_PRIVS)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_SET_VMA)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_GET_TID_ADDRESS)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_CAPBSET_READ)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_SET_PDEATHSIG)),
	ALLOW_IF(prctl, LOW32_IS(0, PR_GET_PDEATHSIG)),
	DENY_IF(prctl, ANY(0)),

	/* personality: the query only; other personas relax ASLR and READ_IMPLIES_EXEC. */
	ALLOW_IF(personality, LOW32_IS(0, 0xffffffffu)),
	DENY_IF(personality, ANY(0)),

	/* Other processes: debugging or peeking into them. */
	DENY(ptrace), DENY(process_vm_readv), DENY(process_vm_writev), DENY(kcmp),
	DENY(pidfd_open), DENY(pidfd_getfd), DENY(pidfd_send_signal), DENY(process_madvise),
	DENY(process_mrelease),

	/* Namespaces and mounts: the sandbox itself. */
	DENY(mount), DENY(umount2), DENY(pivot_root), DENY(chroot), DENY(unshare), DENY(setns),
	DENY(open_tree), DENY(move_mount), DENY(fsopen), DENY(fsconfig), DENY(fsmount),
	DENY(fspick), DENY(mount_setattr), DENY(mknod), DENY(mknodat),
	DENY(name_to_handle_at), DENY(open_by_handle_at),

	/* Kernel attack surface no component needs. */
	DENY(bpf), DENY(perf_event_open), DENY(userfaultfd), DENY(io_uring_setup),
	DENY(io_uring_enter), DENY(io_uring_register), DENY(keyctl), DENY(add_key),
	DENY(request_key), DENY(fanotify_init), DENY(lookup_dcookie), DENY(modify_ldt),

	/* The machine: modules, kexec, I/O ports, power, swap, clock, kernel log. */
	DENY(kexec_load), DENY(kexec_file_load), DENY(init_module), DENY(finit_module),
	DENY(delete_module), DENY(iopl), DENY(ioperm), DENY(reboot), DENY(swapon),
	DENY(swapoff), DENY(acct), DENY(settimeofday), DENY(clock_settime), DENY(adjtimex),
	DENY(clock_adjtime), DENY(syslog), DENY(quotactl), DENY(quotactl_fd), DENY(vhangup),
	DENY(sethostname), DENY(setdomainname),
};

static int export_program(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	struct sock_filter *code;
	off_t size;
	int fd, err;

	/* libseccomp 2.5 exports to an fd only; a memfd keeps it in memory. */
	fd = memfd_create("arbor-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = seccomp_export_bpf(ctx, fd);
	if (err)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof *code || size / (off_t)sizeof *code > BPF_MAXINSNS) {
		err = -EINVAL;
		goto out;
	}
	code = malloc((size_t)size);
	if (!code) {
		err = -ENOMEM;
		goto out;
	}
	if (pread(fd, code, (size_t)size, 0) != size) {
		err = -EIO;
		free(code);
		goto out;
	}
	prog->filter = code;
	prog->len = (unsigned short)(size / (off_t)sizeof *code);
out:
	close(fd);
	return err;
}

int seccomp_policy_build(struct sock_fprog *prog)
{
	scmp_filter_ctx ctx;
	size_t i;
	int err;

	memset(prog, 0, sizeof *prog);
	ctx = seccomp_init(POLICY_DEFAULT);
	if (!ctx)
		return -ENOMEM;
	/* x32 or i386 entry points would bypass the numbers below: kill. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (err)
		goto out;
	/* A binary tree keeps the filter cheap on every system call; best effort. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	for (i = 0; i < sizeof policy / sizeof policy[0]; i++) {
		const struct policy_rule *r = &policy[i];

		/* Listed for the reader, but the default already says so. */
		if (r->action == POLICY_DEFAULT)
			continue;
		/* Not a system call on this architecture. */
		if (r->nr < 0)
			continue;
		err = seccomp_rule_add_array(ctx, r->action, r->nr, r->argc, r->argc ? r->arg : NULL);
		if (err)
			goto out;
	}
	err = export_program(ctx, prog);
out:
	seccomp_release(ctx);
	return err;
}

void seccomp_policy_free(struct sock_fprog *prog)
{
	free(prog->filter);
	memset(prog, 0, sizeof *prog);
}
