/* ext_fs as a backend of the shared File_system server (file_system/fs_server.h). */
#include "ext_fs.h"

static fs_ino be_root(void *be)
{
	return EXT2_ROOT_INO;
}

static int be_lookup(void *be, fs_ino dir, const char *name, fs_ino *out)
{
	return node_lookup(be, dir, name, out);
}

static int be_status(void *be, fs_ino ino, struct arbor_fs_status *st)
{
	return node_status(be, ino, st);
}

static int be_create(void *be, fs_ino dir, const char *name, unsigned type, fs_ino *out)
{
	return node_create(be, dir, name, type, out);
}

static int be_unlink(void *be, fs_ino dir, const char *name)
{
	return node_unlink(be, dir, name);
}

static int be_move(void *be, fs_ino from_dir, const char *from_name, fs_ino to_dir,
                   const char *to_name)
{
	return node_move(be, from_dir, from_name, to_dir, to_name);
}

static ssize_t be_read(void *be, fs_ino ino, uint64_t pos, void *dst, size_t len)
{
	return file_read(be, ino, pos, dst, len);
}

static ssize_t be_write(void *be, fs_ino ino, uint64_t pos, const void *src, size_t len)
{
	return file_write(be, ino, pos, src, len);
}

static int be_truncate(void *be, fs_ino ino, uint64_t size)
{
	return file_truncate(be, ino, size);
}

static int be_readdir(void *be, fs_ino dir, uint64_t index, struct arbor_fs_dirent *ent)
{
	return dir_readdir(be, dir, index, ent);
}

static int be_sync(void *be)
{
	return mount_sync(be);
}

static void be_opened(void *be, fs_ino ino)
{
	node_opened(be, ino);
}

static void be_closed(void *be, fs_ino ino)
{
	node_closed(be, ino);
}

const struct fs_backend backend_ops = {
	.root     = be_root,
	.lookup   = be_lookup,
	.status   = be_status,
	.create   = be_create,
	.unlink   = be_unlink,
	.move     = be_move,
	.read     = be_read,
	.write    = be_write,
	.truncate = be_truncate,
	.readdir  = be_readdir,
	.sync     = be_sync,
	.opened   = be_opened,
	.closed   = be_closed,
};
