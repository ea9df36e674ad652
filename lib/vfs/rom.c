/*
 * <rom name="…" label="…" binary="yes"/>: a ROM module as a read-only
 * file named name (the module is label, or name). Opening it and asking
 * its status fetch the module's newest version, so a reader that opens
 * again sees an update, as in Genode; every handle reads the version
 * fetched last. binary="no" ends the content at its first NUL byte.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/rom.h>
#include <arbor/rpc.h>
#include <arbor/util.h>
#include <session/rom.h>
#include "single.h"

struct rom_fs {
	struct vfs_single s;
	struct arbor_rom rom;
	int binary;
};

static size_t content_size(struct rom_fs *r)
{
	return r->binary ? r->rom.size : r->rom.len;
}

/* Map the newest version if the module changed since. */
static int update(struct rom_fs *r)
{
	struct arbor_rom_update u = { 0 };
	struct arbor_msg reply;
	int err = arbor_rpc_call(r->rom.conn.cap, ARBOR_ROM_UPDATE, NULL, 0, NULL, 0, &reply);

	if (err >= 0 && reply.size >= sizeof(u))
		memcpy(&u, reply.payload, sizeof(u));
	arbor_msg_release(&reply);
	if (err < 0)
		return err;
	return u.changed ? arbor_rom_refresh(&r->rom) : 0;
}

static struct rom_fs *rom_of(struct vfs_single *s)
{
	return container_of(s, struct rom_fs, s);
}

static ssize_t rom_read(struct vfs_file *f, void *dst, size_t len, uint64_t pos)
{
	struct rom_fs *r = rom_of(vfs_single_file_node(f));
	size_t size = content_size(r);

	if (pos >= size)
		return 0;
	if (len > size - pos)
		len = size - (size_t)pos;
	memcpy(dst, (const char *)r->rom.text + pos, len);
	return (ssize_t)len;
}

static const struct vfs_file_ops rom_file_ops = {
	.read = rom_read,
	.stat = vfs_single_file_stat,
	.close = vfs_single_file_close,
};

static int rom_stat(struct vfs_single *s, struct vfs_stat *st)
{
	struct rom_fs *r = rom_of(s);
	int err = update(r);

	st->rwx = VFS_R | VFS_X;
	st->size = content_size(r);
	return err;
}

static int rom_open(struct vfs_single *s, int flags, struct vfs_file **out)
{
	int err;

	*out = NULL;
	if ((flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	if ((err = update(rom_of(s))))
		return err;
	return vfs_single_file_new(s, &rom_file_ops, out);
}

static const struct vfs_single_ops rom_single_ops = { .stat = rom_stat, .open = rom_open };

static void rom_free(struct vfs_fs *fs)
{
	struct rom_fs *r = rom_of(vfs_single_of(fs));

	arbor_rom_close(&r->rom);
	free(r);
}

static const struct vfs_fs_ops rom_ops = {
	.type = "rom",
	.stat = vfs_single_stat,
	.list = vfs_single_list,
	.open = vfs_single_open,
	.unlink = vfs_single_unlink,
	.rename = vfs_single_rename,
	.free = rom_free,
};

int vfs_rom_new(const struct vfs_plugin_args *a, struct vfs_fs **out)
{
	struct rom_fs *r = calloc(1, sizeof(*r));
	char label[ARBOR_ROM_NAME_MAX + 1];
	int err;

	*out = NULL;
	if (!r)
		return ARBOR_E_OUT_OF_RAM;
	r->s.fs.ops = &rom_ops;
	err = vfs_single_init(&r->s, a, NULL, VFS_FILE, &rom_single_ops);
	if (!err)
		err = vfs_config_string(a, "label", r->s.name, label, sizeof(label));
	if (!err && xml_attr_bool(a->node, "binary", 1, &r->binary)) {
		vfs_config_error(a->cfg, a->node, "binary is neither yes nor no");
		err = ARBOR_E_INVALID;
	}
	if (!err && !a->env) {
		vfs_config_error(a->cfg, a->node, "needs a component environment");
		err = ARBOR_E_INVALID;
	}
	if (err)
		goto fail;
	err = arbor_rom_open(a->env, &r->rom, label, NULL);
	if (err) {
		vfs_config_error(a->cfg, a->node, "no ROM '%s': %s", label, arbor_strerror(err));
		goto fail;
	}
	*out = &r->s.fs;
	return 0;

fail:
	free(r);
	return err;
}
