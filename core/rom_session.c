/*
 * ROM service: files of the scenario's ROM directories, served as sealed
 * memfds. A module is loaded once and shared by every session; the sealed
 * content never changes under a client. When the file changes on disk
 * (inotify on its directory), the module is loaded anew as a new memfd:
 * its sessions are signalled, update() reports the change once, and the
 * next dataspace() hands out the new content. This is how a scenario's
 * configuration edited on the host reaches init.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <libgen.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arbor/args.h>
#include <arbor/error.h>
#include <session/parent.h>
#include <session/rom.h>
#include "core.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

struct rom_session;

struct rom_module {
	char name[ARBOR_ROM_NAME_MAX];
	int fd;               /* sealed memfd, read-write file: core only */
	int ro_fd;            /* what sessions hand out */
	unsigned version;     /* counts reloads */
	int watch;            /* inotify watch of the file's directory, -1 if none */
	char file[NAME_MAX + 1];   /* the file's name in that directory (symlinks resolved) */
	struct rom_session *sessions;
	struct rom_module *next;
};

struct rom_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
	struct rom_module *module;
	struct arbor_cap *sigh;
	unsigned version;     /* of the content last handed out */
	struct rom_session *next;
};

static struct rom_module *modules;

/* Changes of module files on disk, watched by the entrypoint. */
static struct {
	struct arbor_io io;
	int fd;
} watcher = { .fd = -1 };

static int valid_name(const char *name)
{
	size_t len = strlen(name);
	return len && len < ARBOR_ROM_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

static int copy_file(int from, int to, off_t size)
{
	char buf[65536];
	off_t done = 0;

	while (done < size) {
		ssize_t n = read(from, buf, sizeof(buf));
		if (n <= 0)
			return n < 0 ? -errno : ARBOR_E_INVALID;
		for (ssize_t off = 0; off < n; ) {
			ssize_t w = write(to, buf + off, (size_t)(n - off));
			if (w < 0)
				return -errno;
			off += w;
		}
		done += n;
	}
	return 0;
}

/* Open the module's file in the first ROM directory that has it; *path: its real path. */
static int open_module_file(const char *name, char path[PATH_MAX])
{
	int file = -1;

	for (unsigned i = 0; i < core.nrom_dirs && file < 0; i++) {
		int dir = open(core.rom_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			continue;
		/* names hold no '/': a module is an entry of the directory, or a symlink the scenario's author put there */
		file = openat(dir, name, O_RDONLY | O_CLOEXEC);
		if (file >= 0) {
			char at[PATH_MAX + 32];
			snprintf(at, sizeof(at), "%s/%s", core.rom_dirs[i], name);
			if (!realpath(at, path))
				path[0] = '\0';
		}
		close(dir);
	}
	return file;
}

/* The file's content as a sealed memfd and its read-only reopening. */
static int seal_content(const char *name, int file, int *fd, int *ro_fd)
{
	struct stat st;
	int err;

	if (fstat(file, &st) < 0 || !S_ISREG(st.st_mode))
		return ARBOR_E_NOT_FOUND;
	*fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (*fd < 0 && errno == EINVAL)
		*fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (*fd < 0)
		return -errno;
	err = copy_file(file, *fd, st.st_size);
	if (!err && fcntl(*fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		err = -errno;
	if (!err) {
		*ro_fd = ram_reopen_read_only(*fd);
		if (*ro_fd < 0)
			err = *ro_fd;
	}
	if (err) {
		close(*fd);
		return err;
	}
	/*
	 * Execute-only from now on: a component started from a binary it
	 * cannot read is not dumpable (the fds core holds keep their access).
	 */
	fchmod(*fd, 0111);
	return 0;
}

/* Follow the file: watch its directory for writes and renames onto it. */
static void watch_module(struct rom_module *m, const char *path)
{
	char dir[PATH_MAX], base[PATH_MAX];

	m->watch = -1;
	if (watcher.fd < 0 || !path[0])
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	snprintf(m->file, sizeof(m->file), "%s", basename(base));
	m->watch = inotify_add_watch(watcher.fd, dirname(dir),
	                             IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
}

static int load_module(const char *name, struct rom_module **out)
{
	struct rom_module *m;
	char path[PATH_MAX] = "";
	int file = open_module_file(name, path), err;

	if (file < 0)
		return ARBOR_E_NOT_FOUND;
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(file);
		return -ENOMEM;
	}
	strcpy(m->name, name);
	err = seal_content(name, file, &m->fd, &m->ro_fd);
	close(file);
	if (err) {
		free(m);
		return err;
	}
	watch_module(m, path);
	m->next = modules;
	modules = m;
	*out = m;
	return 0;
}

/* The file of m changed: load it anew and tell the sessions. */
static void reload_module(struct rom_module *m)
{
	char path[PATH_MAX] = "";
	int file = open_module_file(m->name, path), fd, ro_fd;

	if (file < 0)
		return;          /* gone for now: keep the content we have */
	if (seal_content(m->name, file, &fd, &ro_fd)) {
		close(file);
		return;
	}
	close(file);
	close(m->fd);
	close(m->ro_fd);
	m->fd = fd;
	m->ro_fd = ro_fd;
	m->version++;
	for (struct rom_session *s = m->sessions; s; s = s->next)
		if (s->sigh)
			arbor_signal_submit(s->sigh, 1);
}

static void files_changed(struct arbor_io *io, uint32_t events)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n = read(watcher.fd, buf, sizeof(buf));

	for (char *p = buf; n > 0 && p < buf + n; ) {
		struct inotify_event *ev = (struct inotify_event *)p;
		for (struct rom_module *m = modules; m; m = m->next)
			if (ev->len && m->watch == ev->wd && !strcmp(m->file, ev->name))
				reload_module(m);
		p += sizeof(*ev) + ev->len;
	}
}

int rom_session_watch_init(void)
{
	watcher.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watcher.fd < 0)
		return -errno;
	watcher.io.fd = watcher.fd;
	watcher.io.fn = files_changed;
	return arbor_io_watch(core.ep, &watcher.io, EPOLLIN);
}

static int find_module(const char *name, struct rom_module **out)
{
	*out = NULL;
	if (!valid_name(name))
		return ARBOR_E_NOT_FOUND;
	for (struct rom_module *m = modules; m; m = m->next) {
		if (!strcmp(m->name, name)) {
			*out = m;
			return 0;
		}
	}
	return load_module(name, out);
}

int rom_session_module_fd(const char *name, int *fd)
{
	struct rom_module *m;
	int err = find_module(name, &m);

	*fd = err ? -1 : m->fd;
	return err;
}

void rom_session_modules_fini(void)
{
	while (modules) {
		struct rom_module *m = modules;
		modules = m->next;
		close(m->fd);
		close(m->ro_fd);
		free(m);
	}
	if (watcher.fd >= 0) {
		arbor_io_unwatch(&watcher.io);
		close(watcher.fd);
		watcher.fd = -1;
	}
}

/* ---- the session ---- */

static struct rom_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct rom_session, obj);
}

static int rom_dataspace(struct arbor_rpc_request *req)
{
	struct rom_session *s = session_of(req);
	struct arbor_cap *ds;
	int fd = dup(s->module->ro_fd);
	int err;

	if (fd < 0)
		return ARBOR_E_OUT_OF_CAPS;
	s->version = s->module->version;
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	err = arbor_cap_from_fd(fd, ARBOR_CAP_DATASPACE, &ds);
	if (err)
		return err;
	arbor_msg_add_cap(req->out, ds);
	arbor_cap_unref(ds);
	return 0;
}

static int rom_sigh(struct arbor_rpc_request *req)
{
	struct rom_session *s = session_of(req);
	int err = arbor_rpc_take_sigh(req, 0, &s->sigh);

	if (err)
		return err;
	return 0;
}

static int rom_update(struct arbor_rpc_request *req)
{
	struct rom_session *s = session_of(req);
	struct arbor_rom_update u = { .changed = s->version != s->module->version };

	memcpy(req->out->payload, &u, sizeof(u));
	req->out->size = sizeof(u);
	return 0;
}

static const struct arbor_rpc_op rom_ops[ARBOR_ROM_NOPS] = {
	[ARBOR_ROM_DATASPACE] = { "dataspace", 0, 0, 0, rom_dataspace },
	[ARBOR_ROM_SIGH]      = { "sigh", 0, 0, 1, rom_sigh },
	[ARBOR_ROM_UPDATE]    = { "update", 0, 0, 0, rom_update },
};

static const struct arbor_rpc_interface rom_iface = { "ROM", rom_ops, ARBOR_ROM_NOPS };

int rom_session_fd_of(struct arbor_cap *cap)
{
	struct arbor_rpc_object *obj = arbor_rpc_object_lookup(core.ep, cap, &rom_iface);

	return obj ? container_of(obj, struct rom_session, obj)->module->fd : -1;
}

static int rom_create(struct core_client *owner, const char *label, const char *args,
                      void **obj, struct arbor_cap **cap)
{
	struct rom_session *s;
	struct rom_module *m;
	int err = find_module(arbor_label_last(label), &m);

	if (err) {
		core_warning("ROM module \"%s\" not found (label=\"%s\")", arbor_label_last(label), label);
		return ARBOR_E_DENIED;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->module = m;
	s->version = m->version;
	err = arbor_rpc_object_manage(core.ep, &s->obj, &rom_iface);
	if (err) {
		free(s);
		return err;
	}
	s->next = m->sessions;
	m->sessions = s;
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->obj.label = s->label;
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

static void rom_destroy(void *obj)
{
	struct rom_session *s = obj;

	for (struct rom_session **l = &s->module->sessions; *l; l = &(*l)->next) {
		if (*l == s) {
			*l = s->next;
			break;
		}
	}
	arbor_rpc_object_dissolve(&s->obj);
	arbor_cap_unref(s->sigh);
	free(s);
}

const struct core_service rom_service = {
	.name = ARBOR_ROM_SERVICE,
	.ram = ARBOR_ROM_SESSION_RAM,
	.caps = ARBOR_ROM_SESSION_CAPS,
	.create = rom_create,
	.destroy = rom_destroy,
};
