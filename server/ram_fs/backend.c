/*
 * ram_fs's backend for lib/file_system: the operations of fs_backend on
 * the node store, with inode numbers turned into nodes and back.
 */
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include "ram_fs.h"

static struct ram_store *store_of(void *be)
{
	return &((struct ram_fs *)be)->store;
}

static fs_ino be_root(void *be)
{
	return RAM_STORE_ROOT;
}

static int be_lookup(void *be, fs_ino dir, const char *name, fs_ino *out)
{
	struct ram_store *st = store_of(be);
	struct ram_node *d = ram_store_node(st, dir), *n;

	*out = 0;
	n = d ? ram_store_lookup(st, d, name) : NULL;
	if (!n)
		return ARBOR_FS_E_LOOKUP_FAILED;
	*out = n->ino;
	return 0;
}

static unsigned rwx_of(const struct ram_node *n)
{
	return n->type == ARBOR_FS_DIRECTORY ? ARBOR_FS_R | ARBOR_FS_W | ARBOR_FS_X
	                                     : ARBOR_FS_R | ARBOR_FS_W;
}

static int be_status(void *be, fs_ino ino, struct arbor_fs_status *s)
{
	struct ram_node *n = ram_store_node(store_of(be), ino);

	memset(s, 0, sizeof(*s));
	if (!n)
		return ARBOR_FS_E_LOOKUP_FAILED;
	s->size = n->type == ARBOR_FS_DIRECTORY ? n->count * sizeof(struct arbor_fs_dirent) : n->size;
	s->inode = n->ino;
	s->modification_time = n->mtime;
	s->type = n->type;
	s->rwx = rwx_of(n);
	return 0;
}

static int be_create(void *be, fs_ino dir, const char *name, unsigned type, fs_ino *out)
{
	struct ram_store *st = store_of(be);
	struct ram_node *d = ram_store_node(st, dir), *n;
	int err;

	*out = 0;
	if (!d)
		return ARBOR_FS_E_LOOKUP_FAILED;
	err = ram_store_create(st, d, name, type, &n);
	if (!err)
		*out = n->ino;
	return err;
}

static int be_unlink(void *be, fs_ino dir, const char *name)
{
	struct ram_store *st = store_of(be);
	struct ram_node *d = ram_store_node(st, dir);

	return d ? ram_store_unlink(st, d, name) : ARBOR_FS_E_LOOKUP_FAILED;
}

static int be_move(void *be, fs_ino from_dir, const char *from_name, fs_ino to_dir,
                   const char *to_name)
{
	struct ram_store *st = store_of(be);
	struct ram_node *from = ram_store_node(st, from_dir), *to = ram_store_node(st, to_dir);

	if (!from || !to)
		return ARBOR_FS_E_LOOKUP_FAILED;
	return ram_store_move(st, from, from_name, to, to_name);
}

static ssize_t be_read(void *be, fs_ino ino, uint64_t pos, void *dst, size_t len)
{
	struct ram_store *st = store_of(be);
	struct ram_node *n = ram_store_node(st, ino);

	return n ? ram_store_read(st, n, pos, dst, len) : ARBOR_FS_E_INVALID_HANDLE;
}

static ssize_t be_write(void *be, fs_ino ino, uint64_t pos, const void *src, size_t len)
{
	struct ram_store *st = store_of(be);
	struct ram_node *n = ram_store_node(st, ino);

	return n ? ram_store_write(st, n, pos, src, len) : ARBOR_FS_E_INVALID_HANDLE;
}

static int be_truncate(void *be, fs_ino ino, uint64_t size)
{
	struct ram_store *st = store_of(be);
	struct ram_node *n = ram_store_node(st, ino);

	return n ? ram_store_truncate(st, n, size) : ARBOR_FS_E_INVALID_HANDLE;
}

static int be_readdir(void *be, fs_ino dir, uint64_t index, struct arbor_fs_dirent *ent)
{
	struct ram_node *d = ram_store_node(store_of(be), dir), *n;

	if (!d || d->type != ARBOR_FS_DIRECTORY)
		return ARBOR_FS_E_INVALID_HANDLE;
	if (index >= d->count)
		return 0;
	n = d->entries[index].node;
	ent->inode = n->ino;
	ent->type = n->type;
	ent->rwx = rwx_of(n);
	snprintf(ent->name, sizeof(ent->name), "%s", d->entries[index].name);
	return 1;
}

static void be_opened(void *be, fs_ino ino)
{
	struct ram_node *n = ram_store_node(store_of(be), ino);

	if (n)
		ram_store_hold(n);
}

static void be_closed(void *be, fs_ino ino)
{
	struct ram_store *st = store_of(be);
	struct ram_node *n = ram_store_node(st, ino);

	if (n)
		ram_store_release(st, n);
}

static int be_parent(void *be, fs_ino dir, fs_ino *out)
{
	struct ram_node *d = ram_store_node(store_of(be), dir);

	*out = 0;
	if (!d || (!d->parent && d->ino != RAM_STORE_ROOT))
		return ARBOR_FS_E_LOOKUP_FAILED;
	*out = d->parent ? d->parent->ino : RAM_STORE_ROOT;
	return 0;
}

const struct fs_backend ram_fs_backend = {
	.root = be_root,
	.lookup = be_lookup,
	.status = be_status,
	.create = be_create,
	.unlink = be_unlink,
	.move = be_move,
	.read = be_read,
	.write = be_write,
	.truncate = be_truncate,
	.readdir = be_readdir,
	.sync = NULL,
	.opened = be_opened,
	.closed = be_closed,
	.parent = be_parent,
};
