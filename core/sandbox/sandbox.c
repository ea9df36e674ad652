/*
 * The parent half of the sandbox: probes the host once, then per component
 * clones into fresh namespaces, maps ids, applies cgroups, attaches the
 * tracer and releases the child, and cleans up after it.
 */
#include "sandbox.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mounts.h"
#include "sandbox_child.h"
#include "seccomp_policy.h"
#include "tracer.h"

/* Plus CLONE_NEWNET unless the shared empty network namespace is used. */
#define SANDBOX_CLONE_FLAGS (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | \
                             CLONE_NEWUTS | CLONE_NEWCGROUP)

/*
 * Outside ids for a root core: each component gets one of its own from a
 * range no account or container tool uses, so it shares its uid with no
 * host process (which could signal it) and with no sibling.
 */
#define OUTER_ID_BASE  0x70000000u
#define OUTER_ID_RANGE (1u << 20)

/* Address space beyond the RAM quota: stacks, guard gaps and reservations. */
#define AS_HEADROOM (4ULL << 30)
#define AS_UNLIMITED_RAM (64ULL << 30)

static char *const empty_env[] = { NULL };

static void pool_drain(struct sandbox_host *h);

static void set_why(char *why, size_t size, const char *text, int err)
{
	if (size)
		snprintf(why, size, "%s: %s", text, strerror(-err));
}

/*
 * clone3 with CLONE_PIDFD where the kernel has it, else plain clone. Fork
 * semantics (no CLONE_VM): the child gets a copy of core and returns 0.
 */
static pid_t clone_sandboxed(unsigned long flags, int *pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)pidfd,
		.exit_signal = SIGCHLD,
	};
	long pid;

	*pidfd = -1;
	pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid >= 0 || errno != ENOSYS)
		return (pid_t)pid;
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
}

/* Creating one sandbox-shaped set of namespaces is the only reliable probe. */
static int probe_namespaces(void)
{
	int pidfd, status;
	pid_t pid;

	pid = clone_sandboxed(SANDBOX_CLONE_FLAGS | CLONE_NEWNET, &pidfd);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	if (pidfd >= 0)
		close(pidfd);
	while (waitpid(pid, &status, __WALL) < 0 && errno == EINTR)
		;
	return 0;
}

/*
 * Creating and destroying a network namespace costs about a millisecond of
 * kernel work (and a backlog of asynchronous cleanup) per component. A root
 * core makes one, empty and without interfaces configured, and lets each
 * child inherit it: the spawning thread enters it just for the clone. The
 * namespace belongs to the initial user namespace, so no component holds
 * any capability over it. Without root, setns is not allowed: components
 * get a network namespace of their own instead.
 */
static void make_empty_netns(struct sandbox_host *h)
{
	h->netns_core = h->netns_empty = -1;
	if (!h->privileged)
		return;
	h->netns_core = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (h->netns_core < 0)
		return;
	if (unshare(CLONE_NEWNET) == 0) {
		h->netns_empty = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		/*
		 * Cannot fail for root with a valid fd; if it did, core would stay
		 * in the empty namespace, which costs it nothing: core talks to
		 * no network, only to components over socketpairs.
		 */
		(void)setns(h->netns_core, CLONE_NEWNET);
	}
	if (h->netns_empty < 0) {
		close(h->netns_core);
		h->netns_core = -1;
	}
}

static void close_netns(struct sandbox_host *h)
{
	if (h->netns_empty >= 0)
		close(h->netns_empty);
	if (h->netns_core >= 0)
		close(h->netns_core);
	h->netns_core = h->netns_empty = -1;
}

/*
 * A root core builds the component root once (mounts_make_template()); a
 * child cloned from inside it copies four mounts and mounts nothing itself.
 */
static void make_root_template(struct sandbox_host *h)
{
	const char *step;

	h->mntns_core = h->cwd_core = h->mntns_template = -1;
	if (!h->privileged)
		return;
	h->mntns_core = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	h->cwd_core = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->mntns_core >= 0 && h->cwd_core >= 0) {
		int tpl = mounts_make_template(&step);
		if (tpl >= 0) {
			h->mntns_template = tpl;
			return;
		}
	}
	if (h->mntns_core >= 0)
		close(h->mntns_core);
	if (h->cwd_core >= 0)
		close(h->cwd_core);
	h->mntns_core = h->cwd_core = -1;
}

static void close_root_template(struct sandbox_host *h)
{
	if (h->mntns_template >= 0) {
		close(h->mntns_template);
		close(h->mntns_core);
		close(h->cwd_core);
	}
	h->mntns_core = h->cwd_core = h->mntns_template = -1;
}

/*
 * Clone the child, in the shared empty network namespace and from the root
 * template when there are those. Returns its pid or a negative errno; 0 in
 * the child, with *templated telling whether its root is built already.
 */
static pid_t clone_child(struct sandbox_host *h, bool host_libs, int *pidfd, bool *templated,
                         const char **step)
{
	unsigned long flags = SANDBOX_CLONE_FLAGS;
	bool shared = h->netns_empty >= 0 && setns(h->netns_empty, CLONE_NEWNET) == 0;
	pid_t pid;
	int err;

	/* a dynamically linked binary (sanitizer builds) needs library binds of its own */
	*templated = !host_libs && h->mntns_template >= 0 && mounts_enter(h->mntns_template, -1) == 0;
	if (!shared)
		flags |= CLONE_NEWNET;
	pid = clone_sandboxed(flags, pidfd);
	if (pid == 0)
		return 0;
	err = pid < 0 ? -errno : 0;
	*step = "clone";
	if (shared)
		(void)setns(h->netns_core, CLONE_NEWNET);   /* see make_empty_netns() */
	if (*templated && mounts_enter(h->mntns_core, h->cwd_core) < 0)
		_exit(126);   /* core must not stay in the template: cannot happen for root */
	return err ? err : pid;
}

int sandbox_host_init(struct sandbox_host *h, char *why, size_t why_size)
{
	int err;

	memset(h, 0, sizeof *h);
	h->netns_core = h->netns_empty = -1;
	h->mntns_core = h->cwd_core = h->mntns_template = -1;
	if (why_size)
		why[0] = '\0';
	h->privileged = geteuid() == 0;
	h->outer_uid = h->privileged ? OUTER_ID_BASE : geteuid();
	h->outer_gid = h->privileged ? OUTER_ID_BASE : getegid();

	err = probe_namespaces();
	if (err) {
		set_why(why, why_size, "cannot create the namespaces of a sandbox", err);
		return err;
	}
	err = seccomp_policy_build(&h->filter);
	if (err) {
		set_why(why, why_size, "cannot build the seccomp filter", err);
		return err;
	}
	make_empty_netns(h);
	make_root_template(h);
	/* ignored signals survive exec: the child resets just those */
	sigemptyset(&h->ignored);
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			sigaddset(&h->ignored, sig);
	}
	cgroup_host_init(&h->cg, why, why_size);
	return 0;
}

void sandbox_host_fini(struct sandbox_host *h)
{
	pool_drain(h);   /* its children hold cgroups too */
	cgroup_host_fini(&h->cg);
	seccomp_policy_free(&h->filter);
	close_netns(h);
	close_root_template(h);
}

/*
 * A binary with PT_INTERP needs a loader and shared libraries from the host
 * (sanitizer builds); static components get an empty root.
 */
static bool needs_interpreter(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[64];
	size_t n, i;

	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof ph[0])
		return false;
	n = eh.e_phnum < 64 ? eh.e_phnum : 64;
	if (pread(fd, ph, n * sizeof ph[0], (off_t)eh.e_phoff) != (ssize_t)(n * sizeof ph[0]))
		return false;
	for (i = 0; i < n; i++)
		if (ph[i].p_type == PT_INTERP)
			return true;
	return false;
}

static int write_proc_file(pid_t pid, const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd, err = 0;

	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

/*
 * SANDBOX_UID inside is an id of its own outside for a root core (from a
 * range no account uses) and core's own ids otherwise (all an unprivileged
 * user namespace may map). An unprivileged
 * gid_map requires setgroups to be denied; a root core leaves it allowed so
 * the child can drop core's supplementary groups entirely instead of
 * carrying them (root's gid 0 among them) into the sandbox.
 */
static int map_ids(struct sandbox_host *h, pid_t pid, const char **step)
{
	unsigned uid = h->outer_uid, gid = h->outer_gid;
	char map[64];
	int err = 0;

	if (h->privileged) {
		unsigned id = h->next_id++ % OUTER_ID_RANGE;
		uid += id;
		gid += id;
	}
	if (!h->privileged) {
		*step = "write setgroups";
		err = write_proc_file(pid, "setgroups", "deny");
	}
	if (!err) {
		*step = "write uid_map";
		snprintf(map, sizeof map, "%u %u 1\n", SANDBOX_UID, uid);
		err = write_proc_file(pid, "uid_map", map);
	}
	if (!err) {
		*step = "write gid_map";
		snprintf(map, sizeof map, "%u %u 1\n", SANDBOX_GID, gid);
		err = write_proc_file(pid, "gid_map", map);
	}
	return err;
}

/* What every child gets before its spec: the same for all components. */
static void prepare_child(struct sandbox_host *h, bool host_libs, struct sandbox_child_args *a)
{
	a->binary_fd = a->parent_fd = a->stdout_fd = a->stderr_fd = -1;
	a->envp = empty_env;
	a->filter = &h->filter;
	a->uid = SANDBOX_UID;
	a->gid = SANDBOX_GID;
	a->drop_groups = h->privileged;
	a->host_libs = host_libs;
	a->ignored = &h->ignored;
}

/* Kill a child that never got to run anything and release what it held. */
static void discard(struct sandbox_host *h, struct sandbox_proc *p, int release)
{
	int wstatus;

	if (release >= 0)
		close(release);
	if (p->pid > 0) {
		tracer_forget(p->pid);
		sandbox_kill(p);
		while (waitpid(p->pid, &wstatus, __WALL) < 0 && errno == EINTR)
			;
	}
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->status_fd >= 0)
		close(p->status_fd);
	cgroup_proc_destroy(&h->cg, &p->cg);
	memset(p, 0, sizeof *p);
	p->pidfd = p->status_fd = -1;
}

/*
 * Clone a child into its namespaces and cgroups, map its ids and trace
 * it; it then waits for its spec on *release (see arm()). Nothing about the
 * component it will become is known yet, which is what lets a child be
 * prepared ahead of time.
 */
static int prepare_vessel(struct sandbox_host *h, bool host_libs, struct sandbox_proc *out,
                          int *release_out)
{
	struct sandbox_child_args a = { 0 };
	int release[2], status[2], err;
	sigset_t all, old;
	const char *step = NULL;
	pid_t pid;

	memset(out, 0, sizeof *out);
	out->pidfd = out->status_fd = -1;
	*release_out = -1;
	prepare_child(h, host_libs, &a);

	/* unlimited until arm() knows the component's quota */
	step = "create cgroups";
	err = cgroup_proc_create(&h->cg, &out->cg, 0, 0);
	if (err)
		goto fail;
	/*
	 * The release channel is a socketpair so that releasing a child that
	 * died meanwhile fails with EPIPE instead of raising SIGPIPE in core,
	 * and so that it can carry the spec's fds.
	 */
	step = "pipe";
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, release) < 0) {
		err = -errno;
		goto fail_cgroup;
	}
	/* Non-blocking: sandbox_setup_result() peeks; the child's one write fits. */
	if (pipe2(status, O_CLOEXEC | O_NONBLOCK) < 0) {
		err = -errno;
		goto fail_release;
	}
	a.release_fd = release[0];
	a.release_peer = release[1];
	a.status_fd = status[1];
	a.status_peer = status[0];

	/* Core's signal handlers must never run in the child's copy of core. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone_child(h, host_libs, &out->pidfd, &a.root_built, &step);
	if (pid == 0)
		sandbox_child_run(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(release[0]);
	close(status[1]);
	out->status_fd = status[0];
	if (pid < 0) {
		err = pid;
		discard(h, out, release[1]);
		goto fail;
	}
	out->pid = pid;

	err = map_ids(h, pid, &step);
	if (!err) {
		step = "attach cgroups";
		err = cgroup_proc_attach(&h->cg, &out->cg, pid);
	}
	if (!err) {
		step = "ptrace";
		err = tracer_attach(pid);
	}
	if (err) {
		discard(h, out, release[1]);
		goto fail;
	}
	*release_out = release[1];
	return 0;

fail_release:
	close(release[0]);
	close(release[1]);
fail_cgroup:
	cgroup_proc_destroy(&h->cg, &out->cg);
fail:
	out->failed_step = step;
	return err;
}

/* Give a prepared child its component: quotas, then the spec it waits for. */
static int arm(struct sandbox_host *h, struct sandbox_proc *p, int release,
               const struct sandbox_spec *spec, bool host_libs, const char **step)
{
	char argbuf[SANDBOX_ARGV_BYTES];
	const char *label_argv[2] = { spec->label, NULL };
	const char *const *argv = spec->argv ? (const char *const *)spec->argv : label_argv;
	struct sandbox_child_spec cs = { 0 };
	union { char buf[CMSG_SPACE(4 * sizeof(int))]; struct cmsghdr align; } ctl;
	int fds[4], nfds = 0, err;
	size_t len = 0;

	*step = "set quotas";
	if (spec->ram_limit && p->cg.mem) {
		err = cgroup_proc_set_ram(&h->cg, &p->cg, spec->ram_limit);
		if (err)
			return err;
	}
	if (spec->pids_limit && p->cg.pids) {
		err = cgroup_proc_set_pids(&h->cg, &p->cg, spec->pids_limit);
		if (err)
			return err;
	}

	*step = "send spec";
	for (cs.argc = 0; argv[cs.argc]; cs.argc++) {
		size_t n = strlen(argv[cs.argc]) + 1;
		if (cs.argc == SANDBOX_ARGV_MAX || len + n > sizeof argbuf)
			return -E2BIG;
		memcpy(argbuf + len, argv[cs.argc], n);
		len += n;
	}
	/*
	 * RLIMIT_AS stops a 1 TiB mmap long before the cgroup would notice.
	 * Sanitizer runtimes reserve terabytes of shadow, so they go without.
	 */
	if (!host_libs)
		cs.as_limit = spec->ram_limit ? spec->ram_limit + AS_HEADROOM : AS_UNLIMITED_RAM;
	p->as_limited = cs.as_limit != 0;
	/* Without a pids cgroup the per-namespace RLIMIT_NPROC does the job. */
	if (!h->cg.pids)
		cs.nproc = spec->pids_limit;
	cs.host_libs = host_libs;
	fds[nfds++] = spec->binary_fd;
	if ((cs.has_parent = spec->parent_fd >= 0))
		fds[nfds++] = spec->parent_fd;
	if ((cs.has_stdout = spec->stdout_fd >= 0))
		fds[nfds++] = spec->stdout_fd;
	if ((cs.has_stderr = spec->stderr_fd >= 0))
		fds[nfds++] = spec->stderr_fd;

	struct iovec iov[2] = { { &cs, sizeof cs }, { argbuf, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
	                     .msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
	if (sendmsg(release, &mh, MSG_NOSIGNAL) < 0)
		return -errno;
	close(release);
	return 0;
}

void sandbox_pool_fill(struct sandbox_host *h)
{
	while (h->npool < SANDBOX_POOL_SIZE) {
		struct sandbox_pooled *m = &h->pool[h->npool];
		if (prepare_vessel(h, false, &m->proc, &m->release))
			return;
		h->npool++;
	}
}

static void pool_drain(struct sandbox_host *h)
{
	while (h->npool) {
		struct sandbox_pooled *m = &h->pool[--h->npool];
		discard(h, &m->proc, m->release);
	}
}

int sandbox_spawn(struct sandbox_host *h, const struct sandbox_spec *spec,
                  struct sandbox_proc *out)
{
	bool host_libs;
	const char *step = NULL;
	int release, err;

	memset(out, 0, sizeof *out);
	out->pidfd = out->status_fd = -1;
	if (!spec->label || spec->binary_fd < 0)
		return -EINVAL;
	host_libs = needs_interpreter(spec->binary_fd);

	/* A prepared child comes from the template: fine unless the binary needs host libraries. */
	if (!host_libs && h->npool) {
		struct sandbox_pooled *m = &h->pool[--h->npool];
		*out = m->proc;
		release = m->release;
		err = arm(h, out, release, spec, host_libs, &step);
		if (!err)
			return 0;
		/* it died meanwhile (or the spec would not fit): start afresh */
		discard(h, out, release);
	}
	err = prepare_vessel(h, host_libs, out, &release);
	if (err)
		return err;
	err = arm(h, out, release, spec, host_libs, &step);
	if (err) {
		discard(h, out, release);
		out->failed_step = step;
	}
	return err;
}

int sandbox_set_ram_limit(struct sandbox_host *h, struct sandbox_proc *p, uint64_t bytes)
{
	struct rlimit rl;
	int err;

	err = cgroup_proc_set_ram(&h->cg, &p->cg, bytes);
	/* Without a memory cgroup the address-space limit is the only bound: keep it in step. */
	if (p->as_limited) {
		/* Raising a hard limit needs CAP_SYS_RESOURCE: best effort for non-root cores. */
		rl.rlim_cur = rl.rlim_max = bytes ? bytes + AS_HEADROOM : AS_UNLIMITED_RAM;
		prlimit(p->pid, RLIMIT_AS, &rl, NULL);
	}
	return err;
}

void sandbox_kill(struct sandbox_proc *p)
{
	if (p->pidfd >= 0 && pidfd_send_signal(p->pidfd, SIGKILL, NULL, 0) == 0)
		return;
	if (p->pid > 0)
		kill(p->pid, SIGKILL);
}

int sandbox_setup_result(struct sandbox_proc *p, const char **step)
{
	struct sandbox_child_status st;
	ssize_t n;

	if (p->status_fd >= 0) {
		n = read(p->status_fd, &st, sizeof st);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			*step = NULL;
			return -EINPROGRESS;
		}
		/* EOF alone: the exec closed the pipe (or the child died before saying more). */
		if (n == (ssize_t)sizeof st) {
			p->setup_err = st.err < 0 ? st.err : -EIO;
			p->failed_step = st.step;
		} else if (n != 0) {
			p->setup_err = n < 0 ? -errno : -EIO;
			p->failed_step = "read child status";
		}
		close(p->status_fd);
		p->status_fd = -1;
	}
	*step = p->failed_step;
	return p->setup_err;
}

void sandbox_release(struct sandbox_host *h, struct sandbox_proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->status_fd >= 0)
		close(p->status_fd);
	cgroup_proc_destroy(&h->cg, &p->cg);
	memset(p, 0, sizeof *p);
	p->pidfd = p->status_fd = -1;
}
