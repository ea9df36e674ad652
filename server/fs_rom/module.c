/*
 * fs_rom's modules: one per file name that has readers. Each keeps the
 * file's content as a read-only dataspace of its own (readers holding an
 * older version keep it intact) and a watch on the file, or on its
 * nearest existing directory while the file is missing, so that any
 * change brings a new version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/signal.h>
#include "fs_rom.h"

static int valid_name(const char *name)
{
	char copy[ARBOR_ROM_NAME_MAX];
	char *save = NULL;
	size_t len = strlen(name);

	if (!len || len >= sizeof(copy) || name[0] == '/' || name[len - 1] == '/' ||
	    strstr(name, "//"))
		return 0;
	memcpy(copy, name, len + 1);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
		if (!strcmp(c, ".") || !strcmp(c, "..") || strlen(c) > ARBOR_FS_NAME_MAX)
			return 0;
	return 1;
}

static void gone(struct fs_rom *fr, int err)
{
	if (err != ARBOR_E_OBJECT_GONE || fr->fs_gone)
		return;
	fr->fs_gone = 1;
	arbor_error("fs_rom: the File_system server is gone; modules keep their last content");
}

/*
 * Watch the file, or while it is missing its nearest existing directory
 * (which changes when the file appears). Opened before the file is read,
 * so that a change in between is reported.
 */
static void rewatch(struct fs_rom *fr, struct rom_module *m)
{
	char path[ARBOR_FS_PATH_MAX + 1];
	int w;

	if (m->watch >= 0)
		fs_close(&fr->fs, (uint32_t)m->watch);
	m->watch = -1;
	snprintf(path, sizeof(path), "%s", m->path);
	for (;;) {
		w = fs_watch(&fr->fs, path);
		if (w >= 0)
			break;
		gone(fr, w);
		if (w != ARBOR_FS_E_LOOKUP_FAILED || !strcmp(path, "/"))
			return;
		char *slash = strrchr(path, '/');
		slash[slash == path ? 1 : 0] = 0;
	}
	m->watch = w;
	gone(fr, fs_watch_arm(&fr->fs, (uint32_t)w));
}

/* The file at m->path into a new dataspace: 0 and *ds (NULL: missing or empty), or an error. */
static int load(struct fs_rom *fr, struct rom_module *m, struct arbor_cap **ds, size_t *length)
{
	char dir_path[ARBOR_FS_PATH_MAX + 1];
	const char *slash = strrchr(m->path, '/');
	struct arbor_cap *pd = arbor_env_pd(fr->env);
	struct arbor_fs_status st;
	void *addr;
	size_t mapped;
	ssize_t n;
	int dir, file, err;

	*ds = NULL;
	*length = 0;
	snprintf(dir_path, sizeof(dir_path), "%.*s", (int)(slash - m->path), m->path);
	dir = fs_dir(&fr->fs, dir_path[0] ? dir_path : "/", 0);
	if (dir < 0)
		return dir == ARBOR_FS_E_LOOKUP_FAILED ? 0 : dir;
	file = fs_file(&fr->fs, (uint32_t)dir, slash + 1, ARBOR_FS_READ_ONLY, 0);
	fs_close(&fr->fs, (uint32_t)dir);
	if (file < 0)
		return file == ARBOR_FS_E_LOOKUP_FAILED ? 0 : file;
	err = fs_status(&fr->fs, (uint32_t)file, &st);
	if (err || !st.size)
		goto out;
	if (st.size > FS_ROM_FILE_MAX) {
		arbor_warning("fs_rom: '%s' has %llu bytes, more than %u: served empty", m->path,
		              (unsigned long long)st.size, FS_ROM_FILE_MAX);
		goto out;
	}
	/* one byte more: text readers find a NUL at the end */
	err = arbor_pd_alloc_ram(pd, (size_t)st.size + 1, ds);
	if (err)
		goto out;
	err = arbor_ds_attach(*ds, ARBOR_DS_WRITE, &addr, &mapped);
	if (err)
		goto fail_ds;
	n = fs_read(&fr->fs, (uint32_t)file, 0, addr, (size_t)st.size);
	arbor_ds_detach(addr, mapped);
	if (n < 0) {
		err = (int)n;
		goto fail_ds;
	}
	*length = (size_t)n;
	goto out;

fail_ds:
	arbor_pd_free_ram(pd, *ds);
	arbor_cap_unref(*ds);
	*ds = NULL;
out:
	fs_close(&fr->fs, (uint32_t)file);
	return err;
}

static void content_free(struct fs_rom *fr, struct rom_module *m)
{
	if (!m->ds)
		return;
	arbor_ds_detach((void *)m->addr, m->mapped);
	arbor_pd_free_ram(arbor_env_pd(fr->env), m->ds);
	arbor_cap_unref(m->ds);
	arbor_cap_unref(m->ro);
	m->ds = m->ro = NULL;
	m->addr = NULL;
	m->mapped = m->length = 0;
}

static int same_content(const struct rom_module *m, const struct arbor_cap *ds,
                        const void *addr, size_t length)
{
	if (!m->ds || !ds)
		return !m->ds && !ds;
	return m->length == length && !memcmp(m->addr, addr, length);
}

void module_refresh(struct fs_rom *fr, struct rom_module *m)
{
	struct arbor_cap *ds, *ro = NULL;
	void *addr = NULL;
	size_t length, mapped = 0;
	int err;

	rewatch(fr, m);
	err = load(fr, m, &ds, &length);
	if (err) {
		gone(fr, err);
		if (err != ARBOR_E_OBJECT_GONE)
			arbor_warning("fs_rom: cannot read '%s': %s", m->path, arbor_strerror(err));
		return;
	}
	if (ds && (arbor_ds_attach(ds, ARBOR_DS_READ, &addr, &mapped) ||
	           arbor_pd_read_only(arbor_env_pd(fr->env), ds, &ro))) {
		if (addr)
			arbor_ds_detach(addr, mapped);
		arbor_pd_free_ram(arbor_env_pd(fr->env), ds);
		arbor_cap_unref(ds);
		arbor_warning("fs_rom: no room for the content of '%s'", m->path);
		return;
	}
	/* a watched directory also changes for other files: no new version then */
	if (same_content(m, ds, addr, length)) {
		if (ds) {
			arbor_ds_detach(addr, mapped);
			arbor_pd_free_ram(arbor_env_pd(fr->env), ds);
			arbor_cap_unref(ds);
			arbor_cap_unref(ro);
		}
		return;
	}
	content_free(fr, m);
	m->ds = ds;
	m->ro = ro;
	m->addr = addr;
	m->mapped = mapped;
	m->length = length;
	rom_versions_publish(&m->versions);
}

int module_get(struct fs_rom *fr, const char *name, struct rom_module **out)
{
	struct rom_module *m;

	*out = NULL;
	if (!valid_name(name))
		return ARBOR_E_INVALID;
	for (m = fr->modules; m; m = m->next) {
		if (!strcmp(m->name, name)) {
			*out = m;
			return 0;
		}
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->path, sizeof(m->path), "/%s", name);
	m->watch = -1;
	m->next = fr->modules;
	fr->modules = m;
	module_refresh(fr, m);
	*out = m;
	return 0;
}

void module_collect(struct fs_rom *fr, struct rom_module *m)
{
	if (m->versions.readers)
		return;
	for (struct rom_module **l = &fr->modules; *l; l = &(*l)->next) {
		if (*l == m) {
			*l = m->next;
			break;
		}
	}
	if (m->watch >= 0)
		fs_close(&fr->fs, (uint32_t)m->watch);
	content_free(fr, m);
	free(m);
}

struct arbor_cap *module_content(const struct fs_rom *fr, const struct rom_module *m)
{
	return m->ro ? m->ro : fr->empty_ro;
}

void module_changes(struct fs_connection *fs, void *priv)
{
	struct fs_rom *fr = priv;
	int h;

	while ((h = fs_watch_poll(fs, 0)) >= 0) {
		for (struct rom_module *m = fr->modules; m; m = m->next) {
			if (m->watch == h) {
				module_refresh(fr, m);
				break;
			}
		}
	}
	gone(fr, h);
}
