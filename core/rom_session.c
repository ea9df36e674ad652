/*
 * ROM service: files of the scenario's ROM directories, served as sealed
 * memfds. A module is loaded once and shared by every session; its content
 * can never change under a client, so update() reports "current" and a
 * registered signal handler is kept but never fires.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

struct rom_module {
	char name[ARBOR_ROM_NAME_MAX];
	int fd;               /* sealed memfd, read-write file: core only */
	int ro_fd;            /* what sessions hand out */
	struct rom_module *next;
};

struct rom_session {
	struct arbor_rpc_object obj;
	char label[ARBOR_LABEL_MAX];
	struct rom_module *module;
	struct arbor_cap *sigh;
};

static struct rom_module *modules;

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

static int load_module(const char *name, struct rom_module **out)
{
	struct rom_module *m;
	struct stat st;
	int file = -1, err = ARBOR_E_NOT_FOUND;

	for (unsigned i = 0; i < core.nrom_dirs && file < 0; i++) {
		int dir = open(core.rom_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (dir < 0)
			continue;
		/* names hold no '/': a module is an entry of the directory, or a symlink the scenario's author put there */
		file = openat(dir, name, O_RDONLY | O_CLOEXEC);
		close(dir);
	}
	if (file < 0)
		return ARBOR_E_NOT_FOUND;
	if (fstat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
		err = ARBOR_E_NOT_FOUND;
		goto fail_file;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		err = -ENOMEM;
		goto fail_file;
	}
	strcpy(m->name, name);
	m->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (m->fd < 0 && errno == EINVAL)
		m->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (m->fd < 0) {
		err = -errno;
		goto fail_module;
	}
	err = copy_file(file, m->fd, st.st_size);
	if (!err && fcntl(m->fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		err = -errno;
	if (err)
		goto fail_memfd;
	m->ro_fd = ram_reopen_read_only(m->fd);
	if (m->ro_fd < 0) {
		err = m->ro_fd;
		goto fail_memfd;
	}
	/*
	 * Execute-only from now on: a component started from a binary it
	 * cannot read is not dumpable (the fds core holds keep their access).
	 */
	fchmod(m->fd, 0111);
	close(file);
	m->next = modules;
	modules = m;
	*out = m;
	return 0;

fail_memfd:
	close(m->fd);
fail_module:
	free(m);
fail_file:
	close(file);
	return err;
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
	struct arbor_cap *sigh = arbor_msg_take_cap(req->in, 0);

	if (sigh && arbor_cap_kind(sigh) != ARBOR_CAP_SIGNAL) {
		arbor_cap_unref(sigh);
		return ARBOR_E_INVALID_CAP;
	}
	arbor_cap_unref(s->sigh);
	s->sigh = sigh;
	return 0;
}

static int rom_update(struct arbor_rpc_request *req)
{
	struct arbor_rom_update u = { .changed = 0 };

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
	err = arbor_rpc_object_manage(core.ep, &s->obj, &rom_iface);
	if (err) {
		free(s);
		return err;
	}
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->obj.label = s->label;
	*obj = s;
	*cap = arbor_rpc_object_cap(&s->obj);
	return 0;
}

static void rom_destroy(void *obj)
{
	struct rom_session *s = obj;

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
