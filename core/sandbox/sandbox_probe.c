/*
 * A static test program that reports what it finds inside the sandbox
 * (ids, fds, files, limits, which system calls are denied) and can exercise
 * the quotas: sandbox-probe [report | sleep S | alloc MIB | forkbomb |
 * threads N | exit N].
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void result(const char *what, long rc)
{
	if (rc < 0)
		printf("%-44s -> %s\n", what, strerrorname_np(errno) ? strerrorname_np(errno) : "?");
	else
		printf("%-44s -> ok (%ld)\n", what, rc);
}

static void report_identity(void)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cap[2];
	char host[64] = "";
	gid_t groups[16];
	int n, i;

	gethostname(host, sizeof host);
	printf("uid %d euid %d gid %d egid %d pid %d ppid %d hostname %s\n", (int)getuid(),
	       (int)geteuid(), (int)getgid(), (int)getegid(), (int)getpid(), (int)getppid(), host);
	n = getgroups(16, groups);
	printf("groups:");
	for (i = 0; i < n; i++)
		printf(" %d", (int)groups[i]);
	printf("\n");
	if (syscall(SYS_capget, &hdr, cap) == 0)
		printf("capabilities: effective %08x%08x permitted %08x%08x\n", cap[1].effective,
		       cap[0].effective, cap[1].permitted, cap[0].permitted);
	printf("no_new_privs %d seccomp %d dumpable %d session %d\n",
	       prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), prctl(PR_GET_SECCOMP, 0, 0, 0, 0),
	       prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), (int)getsid(0));
}

static void list_dir(const char *path)
{
	struct dirent *e;
	DIR *d = opendir(path);

	printf("ls %s:", path);
	if (!d) {
		printf(" (%s)\n", strerrorname_np(errno));
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			printf(" %s", e->d_name);
	closedir(d);
	printf("\n");
}

static void report_files(void)
{
	char buf[16];
	int fd, i;

	printf("open fds:");
	for (i = 0; i <= 20; i++)
		if (fcntl(i, F_GETFD) >= 0)
			printf(" %d", i);
	printf("\n");
	list_dir("/");
	list_dir("/dev");
	printf("/proc exists: %s, /sys exists: %s, /tmp exists: %s\n",
	       access("/proc", F_OK) == 0 ? "yes" : "no", access("/sys", F_OK) == 0 ? "yes" : "no",
	       access("/tmp", F_OK) == 0 ? "yes" : "no");
	result("open(\"/new\", O_CREAT)", open("/new", O_CREAT | O_WRONLY, 0644));
	result("mkdir(\"/dev/x\")", mkdir("/dev/x", 0755));
	fd = open("/dev/null", O_WRONLY);
	result("write(/dev/null)", write(fd, "x", 1));
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	result("read(/dev/urandom)", read(fd, buf, sizeof buf));
	close(fd);
}

static void report_limits(void)
{
	static const struct { int res; const char *name; } limits[] = {
		{ RLIMIT_NOFILE, "NOFILE" }, { RLIMIT_AS, "AS" }, { RLIMIT_CORE, "CORE" },
		{ RLIMIT_MEMLOCK, "MEMLOCK" }, { RLIMIT_NPROC, "NPROC" },
	};
	struct rlimit rl;
	unsigned i;

	printf("rlimits:");
	for (i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		getrlimit(limits[i].res, &rl);
		if (rl.rlim_cur == RLIM_INFINITY)
			printf(" %s=inf", limits[i].name);
		else
			printf(" %s=%llu", limits[i].name, (unsigned long long)rl.rlim_cur);
	}
	printf("\n");
	result("mmap 1 TiB", (long)(intptr_t)mmap(NULL, 1ULL << 40, PROT_READ | PROT_WRITE,
	                                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == -1 ? -1 : 0);
}

static void report_syscalls(void)
{
	struct clone_args ca = { .flags = 0, .exit_signal = SIGCHLD };
	int sv[2], efd, one = 1;
	pid_t pid;

	result("socket(AF_INET)", socket(AF_INET, SOCK_STREAM, 0));
	result("socket(AF_UNIX)", socket(AF_UNIX, SOCK_STREAM, 0));
	result("socket(AF_NETLINK)", socket(AF_NETLINK, SOCK_RAW, 0));
	result("socketpair(AF_UNIX)", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	result("socketpair(AF_INET)", socketpair(AF_INET, SOCK_STREAM, 0, sv));
	result("ptrace(PTRACE_TRACEME)", syscall(SYS_ptrace, 0, 0, 0, 0));
	result("mount(tmpfs)", syscall(SYS_mount, "x", "/", "tmpfs", 0, NULL));
	result("umount2(/)", syscall(SYS_umount2, "/", 0));
	result("unshare(CLONE_NEWUSER)", syscall(SYS_unshare, CLONE_NEWUSER));
	result("setns(0, 0)", syscall(SYS_setns, 0, 0));
	result("chroot(/)", syscall(SYS_chroot, "/"));
	result("pivot_root", syscall(SYS_pivot_root, "/", "/"));
	result("bpf", syscall(SYS_bpf, 0, NULL, 0));
	result("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0));
	result("userfaultfd", syscall(SYS_userfaultfd, 0));
	result("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
	result("keyctl", syscall(SYS_keyctl, 0, 0, 0, 0, 0));
	result("add_key", syscall(SYS_add_key, "user", "x", "y", 1, 0));
	result("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0));
	result("init_module", syscall(SYS_init_module, NULL, 0, ""));
	result("iopl(3)", syscall(SYS_iopl, 3));
	result("reboot", syscall(SYS_reboot, 0, 0, 0, NULL));
	result("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME, NULL));
	result("pidfd_open(1)", syscall(SYS_pidfd_open, 1, 0));
	result("process_vm_readv", syscall(SYS_process_vm_readv, 1, NULL, 0, NULL, 0, 0));
	result("kcmp", syscall(SYS_kcmp, 1, 1, 0, 0, 0));
	result("mknod(/dev/x)", syscall(SYS_mknod, "/dev/x", S_IFCHR | 0600, 0));
	result("sethostname", sethostname("x", 1));
	result("personality(PER_LINUX32)", syscall(SYS_personality, PER_LINUX32));
	result("personality(0xffffffff)", syscall(SYS_personality, 0xffffffffUL));
	result("prctl(PR_SET_DUMPABLE, 1)", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	result("prctl(PR_SET_NAME)", prctl(PR_SET_NAME, "probe", 0, 0, 0));
	result("prctl(PR_SET_NAME | 1<<32)", syscall(SYS_prctl, (1UL << 32) | PR_SET_NAME, "p", 0, 0, 0));
	result("ioctl(0, TIOCSTI | 1<<32)", syscall(SYS_ioctl, 0, (1UL << 32) | TIOCSTI, "x"));
	result("ioctl(0, TIOCSTI)", syscall(SYS_ioctl, 0, TIOCSTI, "x"));
	efd = eventfd(0, EFD_NONBLOCK);
	result("ioctl(eventfd, FIONBIO)", ioctl(efd, FIONBIO, &one));
	result("fcntl(eventfd, F_SETFL, 0)", fcntl(efd, F_SETFL, 0));
	result("fcntl(eventfd, F_SETFL, O_NONBLOCK)", fcntl(efd, F_SETFL, O_NONBLOCK));
	result("fcntl(F_SETFL|1<<32, 0)", syscall(SYS_fcntl, efd, (1UL << 32) | F_SETFL, 0));
	result("clone(CLONE_NEWUSER)", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, NULL, NULL, 0));
	result("clone(CLONE_NEWNET)", syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, NULL, NULL, 0));
	result("clone3", syscall(SYS_clone3, &ca, sizeof ca));
	result("unknown syscall 1000", syscall(1000));
	pid = fork();
	if (pid == 0)
		_exit(7);
	result("fork", pid);
	if (pid > 0) {
		int st = 0;

		waitpid(pid, &st, 0);
		printf("child exit value %d\n", WEXITSTATUS(st));
	}
}

static void *sleeper(void *arg)
{
	sleep(1);
	return arg;
}

static int run_threads(int n)
{
	pthread_t *t = calloc((size_t)n, sizeof *t);
	int i, made = 0;

	for (i = 0; i < n; i++) {
		int err = pthread_create(&t[i], NULL, sleeper, NULL);

		if (err) {
			printf("pthread_create %d failed: %s\n", i, strerrorname_np(err));
			break;
		}
		made++;
	}
	printf("%d threads running\n", made);
	for (i = 0; i < made; i++)
		pthread_join(t[i], NULL);
	printf("%d threads joined\n", made);
	free(t);
	return 0;
}

static int forkbomb(void)
{
	int n = 0;

	for (;;) {
		pid_t pid = fork();

		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			printf("fork failed after %d children: %s\n", n, strerrorname_np(errno));
			return 0;
		}
		n++;
	}
}

static int alloc(long mib)
{
	long i;

	for (i = 1; i <= mib; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("malloc failed at %ld MiB\n", i);
			return 1;
		}
		memset(p, 0x5a, 1 << 20);
		if (i % 32 == 0)
			printf("touched %ld MiB\n", i);
	}
	printf("allocated %ld MiB\n", mib);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "report";
	long arg = argc > 2 ? strtol(argv[2], NULL, 0) : 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "sleep")) {
		sleep((unsigned)arg);
		return 0;
	}
	if (!strcmp(mode, "alloc"))
		return alloc(arg);
	if (!strcmp(mode, "forkbomb"))
		return forkbomb();
	if (!strcmp(mode, "threads"))
		return run_threads((int)arg);
	if (!strcmp(mode, "exit"))
		return (int)arg;
	report_identity();
	report_files();
	report_limits();
	report_syscalls();
	return 0;
}
