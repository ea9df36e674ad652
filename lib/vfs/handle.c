/* Open files: position, access mode, and the plugin's file behind them. */
#include <stdlib.h>
#include <arbor/error.h>
#include "vfs_internal.h"

static int readable(const struct vfs_handle *h)
{
	return (h->flags & O_ACCMODE) != O_WRONLY;
}

static int writeable(const struct vfs_handle *h)
{
	return (h->flags & O_ACCMODE) != O_RDONLY;
}

int vfs_close(struct vfs_handle *h)
{
	int err;

	if (!h)
		return 0;
	err = h->file->ops->close(h->file);
	free(h);
	return err;
}

ssize_t vfs_pread(struct vfs_handle *h, void *dst, size_t len, uint64_t pos)
{
	if (!readable(h) || !h->file->ops->read)
		return -EBADF;
	if (pos > INT64_MAX)
		return -EINVAL;
	return h->file->ops->read(h->file, dst, len, pos);
}

ssize_t vfs_pwrite(struct vfs_handle *h, const void *src, size_t len, uint64_t pos)
{
	if (!writeable(h) || !h->file->ops->write)
		return -EBADF;
	if (pos > INT64_MAX || len > INT64_MAX - pos)
		return -EFBIG;
	return h->file->ops->write(h->file, src, len, pos);
}

ssize_t vfs_read(struct vfs_handle *h, void *dst, size_t len)
{
	ssize_t n = vfs_pread(h, dst, len, h->pos);

	if (n > 0)
		h->pos += (uint64_t)n;
	return n;
}

ssize_t vfs_write(struct vfs_handle *h, const void *src, size_t len)
{
	ssize_t n;

	if (h->flags & O_APPEND) {
		struct vfs_stat st;
		int err = writeable(h) ? vfs_fstat(h, &st) : -EBADF;

		if (err)
			return err;
		h->pos = st.size;
	}
	n = vfs_pwrite(h, src, len, h->pos);
	if (n > 0)
		h->pos += (uint64_t)n;
	return n;
}

int64_t vfs_seek(struct vfs_handle *h, int64_t offset, int whence)
{
	struct vfs_stat st;
	int64_t base;
	int err;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)h->pos;
		break;
	case SEEK_END:
		if ((err = vfs_fstat(h, &st)))
			return err;
		base = (int64_t)st.size;
		break;
	default:
		return -EINVAL;
	}
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	h->pos = (uint64_t)(base + offset);
	return (int64_t)h->pos;
}

int vfs_fstat(struct vfs_handle *h, struct vfs_stat *st)
{
	return h->file->ops->stat(h->file, st);
}

int vfs_ftruncate(struct vfs_handle *h, uint64_t size)
{
	if (!writeable(h))
		return -EBADF;
	if (size > INT64_MAX)
		return -EFBIG;
	return h->file->ops->truncate ? h->file->ops->truncate(h->file, size) : -EINVAL;
}

int vfs_fsync(struct vfs_handle *h)
{
	return h->file->ops->sync ? h->file->ops->sync(h->file) : 0;
}
