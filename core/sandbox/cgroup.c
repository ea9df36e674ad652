/*
 * Finds the cgroups core sits in, keeps core's arbor-<pid>.<ns> directory below
 * them and one c<N> directory with limits per component.
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where one hierarchy is mounted and which of its cgroups core is in. */
struct hierarchy {
	char mnt[PATH_MAX];   /* mount point, "" when not mounted */
	char root[PATH_MAX];  /* the mount's root inside the hierarchy */
	char cg[PATH_MAX];    /* core's cgroup, "" when unknown */
	char dir[PATH_MAX];   /* mnt + cg: core's cgroup directory, "" if not visible */
};

struct probe {
	struct hierarchy v2, mem, pids;
	char name[64];        /* core's directory: arbor-<pid>.<pid namespace inode> */
	unsigned long pidns;
};

static void set_why(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!n)
		return;
	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
}

/* Write `text` into the cgroup file dirfd/path: one open, one write. */
static int write_at(int dirfd, const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd, err = 0;

	fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

static int write_path(const char *dir, const char *file, const char *text)
{
	char path[PATH_MAX];

	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path)
		return -ENAMETOOLONG;
	return write_at(AT_FDCWD, path, text);
}

static int join(char *out, const char *a, const char *b)
{
	if ((size_t)snprintf(out, PATH_MAX, "%s/%s", a, b) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* True when the whitespace/comma separated `list` holds the word `word`. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		bool start = p == list || p[-1] == ' ' || p[-1] == ',';
		bool end = p[n] == '\0' || p[n] == ' ' || p[n] == ',' || p[n] == '\n';
		if (start && end)
			return true;
		p += n;
	}
	return false;
}

static void copy_path(char *dst, const char *src)
{
	snprintf(dst, PATH_MAX, "%s", src);
}

/* /proc/self/cgroup: "id:controllers:path" per hierarchy, "0::path" for v2. */
static void read_self_cgroups(struct probe *p)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *ctl = strchr(line, ':');
		char *path = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!path)
			continue;
		*ctl++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!*ctl && !strcmp(line, "0"))
			copy_path(p->v2.cg, path);
		if (has_word(ctl, "memory"))
			copy_path(p->mem.cg, path);
		if (has_word(ctl, "pids"))
			copy_path(p->pids.cg, path);
	}
	free(line);
	fclose(f);
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

static void note_mount(struct hierarchy *hy, const char *root, const char *mnt)
{
	if (hy->mnt[0])
		return;   /* the first mount of a hierarchy wins */
	copy_path(hy->mnt, mnt);
	copy_path(hy->root, root);
	unescape(hy->mnt);
	unescape(hy->root);
}

/*
 * /proc/self/mountinfo: "id parent maj:min root mountpoint opts... - fstype
 * source superopts". v1 hierarchies name their controllers in superopts.
 */
static void read_mounts(struct probe *p)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *field[5], *save = NULL, *tail, *fstype, *source, *opts;
		int i;

		tail = strstr(line, " - ");
		if (!tail)
			continue;
		*tail = '\0';
		tail += 3;
		for (i = 0; i < 5; i++) {
			field[i] = strtok_r(i ? NULL : line, " ", &save);
			if (!field[i])
				break;
		}
		if (i < 5)
			continue;
		save = NULL;
		fstype = strtok_r(tail, " ", &save);
		source = fstype ? strtok_r(NULL, " ", &save) : NULL;
		opts = source ? strtok_r(NULL, " \n", &save) : NULL;
		if (!opts)
			continue;
		if (!strcmp(fstype, "cgroup2"))
			note_mount(&p->v2, field[3], field[4]);
		else if (!strcmp(fstype, "cgroup") && has_word(opts, "memory"))
			note_mount(&p->mem, field[3], field[4]);
		else if (!strcmp(fstype, "cgroup") && has_word(opts, "pids"))
			note_mount(&p->pids, field[3], field[4]);
	}
	free(line);
	fclose(f);
}

/* Core's cgroup directory: the mount point plus the cgroup path below the mount's root. */
static void locate(struct hierarchy *hy)
{
	const char *rel = hy->cg;
	size_t rlen = strlen(hy->root);

	hy->dir[0] = '\0';
	if (!hy->mnt[0] || !hy->cg[0])
		return;
	if (strcmp(hy->root, "/")) {
		if (strncmp(rel, hy->root, rlen) || (rel[rlen] && rel[rlen] != '/'))
			return;   /* core's cgroup lies outside what is mounted */
		rel += rlen;
	}
	if (!strcmp(rel, "/"))
		rel = "";
	if ((size_t)snprintf(hy->dir, PATH_MAX, "%s%s", hy->mnt, rel) >= PATH_MAX)
		hy->dir[0] = '\0';
}

static int open_dir(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

/* mkdir that accepts a leftover of an earlier core with the same pid. */
static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static bool exists_at(int dirfd, const char *path)
{
	return faccessat(dirfd, path, F_OK, 0) == 0;
}

static int read_small(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	err = join(path, dir, file);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return err;
}

/* Remove the empty child cgroups of parent/name, then the directory itself. */
static void remove_tree(int parent, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd;

	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			remove_tree(dirfd(d), e->d_name);
	closedir(d);
	unlinkat(parent, name, AT_REMOVEDIR);
}

/*
 * A core that was killed could not clean up: remove the directories of
 * cores of our pid namespace that no longer run (the namespace in the name
 * keeps us off those of cores elsewhere sharing the hierarchy). Their
 * components died with them (PTRACE_O_EXITKILL), so the cgroups are empty.
 */
static void sweep_stale(const char *dir, unsigned long pidns)
{
	unsigned long ns;
	struct dirent *e;
	long pid;
	int used;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		used = 0;
		if (sscanf(e->d_name, "arbor-%ld.%lu%n", &pid, &ns, &used) != 2 ||
		    e->d_name[used] || ns != pidns || pid <= 0 || pid == getpid())
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		remove_tree(dirfd(d), e->d_name);
	}
	closedir(d);
}

/*
 * cgroup v2 forbids processes in a cgroup that hands controllers to its
 * children, so unless core sits in the root, core moves itself into
 * arbor-<pid>.<ns>/core first; then its old cgroup and arbor-<pid>.<ns> can enable
 * memory (and pids) for the component directories beside core's leaf.
 */
static int try_v2(struct cgroup_host *h, const struct probe *p, char *why, size_t n)
{
	const struct hierarchy *hy = &p->v2;
	char controllers[256], arbor[PATH_MAX], leaf[PATH_MAX], pid[32];
	bool root = !strcmp(hy->cg, "/");
	bool moved = false, enabled = false;
	const char *ctl;
	int err;

	err = read_small(hy->dir, "cgroup.controllers", controllers, sizeof controllers);
	if (err || !has_word(controllers, "memory")) {
		set_why(why, n, "v2: no memory controller for %s", hy->dir);
		return -EOPNOTSUPP;
	}
	h->pids = has_word(controllers, "pids");
	ctl = h->pids ? "+memory +pids" : "+memory";
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	if (join(arbor, hy->dir, p->name) || join(leaf, arbor, "core"))
		return -ENAMETOOLONG;

	sweep_stale(hy->dir, p->pidns);
	if (root) {
		err = write_path(hy->dir, "cgroup.subtree_control", ctl);
		if (err)
			goto fail;
	}
	err = make_dir(arbor);
	if (err)
		goto fail;
	if (!root) {
		err = make_dir(leaf);
		if (!err)
			err = write_path(leaf, "cgroup.procs", pid);
		if (err)
			goto fail_arbor;
		moved = true;
		err = write_path(hy->dir, "cgroup.subtree_control", ctl);
		if (err)
			goto fail_arbor;
		enabled = true;
	}
	err = write_path(arbor, "cgroup.subtree_control", ctl);
	if (err)
		goto fail_arbor;
	err = open_dir(arbor, &h->mem_dirfd);
	if (err)
		goto fail_arbor;

	h->pids_dirfd = h->pids ? h->mem_dirfd : -1;
	h->version = CGROUP_V2;
	h->mem = true;
	copy_path(h->mem_path, arbor);
	if (moved) {
		copy_path(h->v2_origin, hy->dir);
		copy_path(h->v2_leaf, leaf);
		h->v2_origin_enabled = enabled;
	}
	return 0;

fail_arbor:
	if (enabled)
		write_path(hy->dir, "cgroup.subtree_control", h->pids ? "-memory -pids" : "-memory");
	if (moved)
		write_path(hy->dir, "cgroup.procs", pid);
	rmdir(leaf);
	rmdir(arbor);
fail:
	set_why(why, n, "v2: cannot set up below %s: %s%s", hy->dir, strerror(-err),
	        err == -EBUSY ? " (other processes share core's cgroup)" : "");
	h->pids = false;
	return err;
}

/* v1: one hierarchy per controller; arbor-<pid>.<ns> goes below core's cgroup. */
static int try_v1(const struct probe *p, const struct hierarchy *hy, const char *probe_file,
                  char *path, int *dirfd)
{
	int err;

	*dirfd = -1;
	if (!hy->dir[0])
		return -ENOENT;
	if (join(path, hy->dir, p->name))
		return -ENAMETOOLONG;
	sweep_stale(hy->dir, p->pidns);
	err = make_dir(path);
	if (err)
		return err;
	err = open_dir(path, dirfd);
	if (!err && !exists_at(*dirfd, probe_file))
		err = -EOPNOTSUPP;
	if (err) {
		if (*dirfd >= 0)
			close(*dirfd);
		*dirfd = -1;
		rmdir(path);
	}
	return err;
}

static const char *who(void)
{
	return geteuid() == 0 ? "no usable memory controller"
	                      : "core is not root and has no delegated cgroup v2 subtree";
}

void cgroup_host_init(struct cgroup_host *h, char *why, size_t why_size)
{
	char v2why[256] = "";
	struct probe *p;
	struct stat st;
	int err;

	memset(h, 0, sizeof *h);
	h->mem_dirfd = h->pids_dirfd = -1;
	if (why_size)
		why[0] = '\0';

	p = calloc(1, sizeof *p);
	if (!p) {
		set_why(why, why_size, "RAM quotas are not enforced: out of memory probing cgroups");
		return;
	}
	if (stat("/proc/self/ns/pid", &st) == 0)
		p->pidns = (unsigned long)st.st_ino;
	snprintf(p->name, sizeof p->name, "arbor-%d.%lu", (int)getpid(), p->pidns);
	read_self_cgroups(p);
	read_mounts(p);
	locate(&p->v2);
	locate(&p->mem);
	locate(&p->pids);

	if (p->v2.dir[0] && try_v2(h, p, v2why, sizeof v2why) == 0)
		goto out;

	err = try_v1(p, &p->mem, "memory.limit_in_bytes", h->mem_path, &h->mem_dirfd);
	if (!err) {
		h->mem = true;
		h->memsw = exists_at(h->mem_dirfd, "memory.memsw.limit_in_bytes");
	} else {
		char v1why[PATH_MAX + 64];

		if (!p->mem.dir[0])
			snprintf(v1why, sizeof v1why, "v1: no memory hierarchy holds core");
		else
			snprintf(v1why, sizeof v1why, "v1: cannot create %s: %s", h->mem_path,
			         strerror(-err));
		set_why(why, why_size, "RAM quotas are not enforced by a memory cgroup: %s (%s%s%s)",
		        who(), v2why, v2why[0] ? "; " : "", v1why);
	}
	if (try_v1(p, &p->pids, "pids.max", h->pids_path, &h->pids_dirfd) == 0)
		h->pids = true;
	if (h->mem || h->pids)
		h->version = CGROUP_V1;
	if (!h->mem)
		h->mem_path[0] = '\0';
	if (!h->pids)
		h->pids_path[0] = '\0';
	if (h->mem && !h->pids)
		set_why(why, why_size, "task quotas fall back to RLIMIT_NPROC: no usable pids cgroup");
out:
	free(p);
}

void cgroup_host_fini(struct cgroup_host *h)
{
	char pid[32];

	if (h->pids_dirfd >= 0 && h->pids_dirfd != h->mem_dirfd)
		close(h->pids_dirfd);
	if (h->mem_dirfd >= 0)
		close(h->mem_dirfd);
	h->mem_dirfd = h->pids_dirfd = -1;

	if (h->version == CGROUP_V2 && h->v2_origin[0]) {
		const char *off = h->pids ? "-memory -pids" : "-memory";

		/* Controllers off bottom-up, then core may live in its old cgroup again. */
		write_path(h->mem_path, "cgroup.subtree_control", off);
		if (h->v2_origin_enabled)
			write_path(h->v2_origin, "cgroup.subtree_control", off);
		snprintf(pid, sizeof pid, "%d", (int)getpid());
		write_path(h->v2_origin, "cgroup.procs", pid);
		rmdir(h->v2_leaf);
	}
	if (h->mem_path[0])
		rmdir(h->mem_path);
	if (h->version == CGROUP_V1 && h->pids_path[0])
		rmdir(h->pids_path);
	memset(h, 0, sizeof *h);
	h->mem_dirfd = h->pids_dirfd = -1;
}

static void proc_name(const struct cgroup_proc *p, char *name, size_t size)
{
	snprintf(name, size, "c%u", p->serial);
}

/* Create dirfd/name; a stale empty directory of the same name is replaced. */
static int make_proc_dir(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 || mkdirat(dirfd, name, 0755) < 0)
		return -errno;
	return 0;
}

static int write_proc(int dirfd, const struct cgroup_proc *p, const char *file, const char *text)
{
	char path[64];

	snprintf(path, sizeof path, "c%u/%s", p->serial, file);
	return write_at(dirfd, path, text);
}

static int write_proc_optional(int dirfd, const struct cgroup_proc *p, const char *file,
                               const char *text)
{
	int err = write_proc(dirfd, p, file, text);

	return err == -ENOENT ? 0 : err;
}

static void format_limit(char *buf, size_t size, uint64_t value, const char *unlimited)
{
	if (value)
		snprintf(buf, size, "%llu", (unsigned long long)value);
	else
		snprintf(buf, size, "%s", unlimited);
}

/*
 * v1 keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes at every
 * moment, so the order of the two writes depends on the direction.
 */
static int set_ram_v1(struct cgroup_host *h, const struct cgroup_proc *p, uint64_t ram)
{
	char value[32];
	int err;

	format_limit(value, sizeof value, ram, "-1");
	err = write_proc(h->mem_dirfd, p, "memory.limit_in_bytes", value);
	if (err == -EINVAL && h->memsw) {
		err = write_proc(h->mem_dirfd, p, "memory.memsw.limit_in_bytes", value);
		if (!err)
			err = write_proc(h->mem_dirfd, p, "memory.limit_in_bytes", value);
		return err;
	}
	if (!err && h->memsw)
		err = write_proc(h->mem_dirfd, p, "memory.memsw.limit_in_bytes", value);
	return err;
}

static int set_ram_v2(struct cgroup_host *h, const struct cgroup_proc *p, uint64_t ram)
{
	char value[32];
	int err;

	format_limit(value, sizeof value, ram, "max");
	err = write_proc(h->mem_dirfd, p, "memory.max", value);
	/* A quota is RAM: swapping would let a component exceed it. */
	if (!err)
		err = write_proc_optional(h->mem_dirfd, p, "memory.swap.max", ram ? "0" : "max");
	return err;
}

int cgroup_proc_set_pids(struct cgroup_host *h, const struct cgroup_proc *p, unsigned pids)
{
	char value[32];

	if (!p->pids)
		return -EOPNOTSUPP;
	format_limit(value, sizeof value, pids, "max");
	return write_proc(h->pids_dirfd, p, "pids.max", value);
}

int cgroup_proc_set_ram(struct cgroup_host *h, const struct cgroup_proc *p, uint64_t ram)
{
	if (!p->mem)
		return -EOPNOTSUPP;
	return h->version == CGROUP_V2 ? set_ram_v2(h, p, ram) : set_ram_v1(h, p, ram);
}

int cgroup_proc_create(struct cgroup_host *h, struct cgroup_proc *p, uint64_t ram,
                       unsigned pids)
{
	char name[32], value[32];
	bool mem_dir = false, pids_dir = false;
	int err;

	memset(p, 0, sizeof *p);
	if (!h->mem && !h->pids)
		return 0;
	if (++h->next_serial == 0)
		h->next_serial = 1;
	p->serial = h->next_serial;
	proc_name(p, name, sizeof name);

	if (h->mem) {
		err = make_proc_dir(h->mem_dirfd, name);
		if (err)
			goto fail;
		mem_dir = true;
		p->mem = true;
	}
	if (h->pids && h->pids_dirfd != h->mem_dirfd) {
		err = make_proc_dir(h->pids_dirfd, name);
		if (err)
			goto fail;
		pids_dir = true;
	}
	p->pids = h->pids;

	/* A fresh cgroup is unlimited: only limits need a write. */
	if (ram) {
		err = cgroup_proc_set_ram(h, p, ram);
		if (err)
			goto fail;
	}
	if (h->version == CGROUP_V2) {
		/* An OOM kill takes the whole component, never one thread of it. */
		err = write_proc_optional(h->mem_dirfd, p, "memory.oom.group", "1");
		if (err)
			goto fail;
	}
	if (pids && p->pids) {
		format_limit(value, sizeof value, pids, "max");
		err = write_proc(h->pids_dirfd, p, "pids.max", value);
		if (err)
			goto fail;
	}
	return 0;

fail:
	if (pids_dir)
		unlinkat(h->pids_dirfd, name, AT_REMOVEDIR);
	if (mem_dir)
		unlinkat(h->mem_dirfd, name, AT_REMOVEDIR);
	memset(p, 0, sizeof *p);
	return err;
}

int cgroup_proc_attach(struct cgroup_host *h, const struct cgroup_proc *p, pid_t pid)
{
	char value[32];
	int err = 0;

	snprintf(value, sizeof value, "%d", (int)pid);
	if (p->mem)
		err = write_proc(h->mem_dirfd, p, "cgroup.procs", value);
	if (!err && p->pids && h->pids_dirfd != h->mem_dirfd)
		err = write_proc(h->pids_dirfd, p, "cgroup.procs", value);
	return err;
}

void cgroup_proc_destroy(struct cgroup_host *h, struct cgroup_proc *p)
{
	char name[32];

	if (!p->serial)
		return;
	proc_name(p, name, sizeof name);
	if (p->mem)
		unlinkat(h->mem_dirfd, name, AT_REMOVEDIR);
	if (p->pids && h->pids_dirfd != h->mem_dirfd)
		unlinkat(h->pids_dirfd, name, AT_REMOVEDIR);
	memset(p, 0, sizeof *p);
}
