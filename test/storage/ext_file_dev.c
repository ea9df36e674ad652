/* ext_fs's device on a plain file, for the host-side tests (see ext_file_dev.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ext_file_dev.h"

static void note(struct ext_file_dev *d, uint64_t what)
{
	if (d->logged < EXT_FILE_DEV_LOG)
		d->log[d->logged++] = what;
}

static int move(struct ext_file_dev *d, const struct dev_run *r, int write)
{
	size_t len = r->count * d->dev.block_size, done = 0;
	off_t off = (off_t)(r->block * d->dev.block_size);

	if (r->block > d->dev.block_count || r->count > d->dev.block_count - r->block)
		return -EINVAL;
	while (done < len) {
		ssize_t n = write ? pwrite(d->fd, (char *)r->buf + done, len - done, off + done)
		                  : pread(d->fd, (char *)r->buf + done, len - done, off + done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_readv(void *priv, const struct dev_run *runs, size_t n)
{
	struct ext_file_dev *d = priv;
	size_t i;
	int err = 0;

	for (i = 0; i < n && !err; i++, d->reads++)
		err = move(d, &runs[i], 0);
	return err;
}

static int file_writev(void *priv, const struct dev_run *runs, size_t n)
{
	struct ext_file_dev *d = priv;
	size_t i;
	int err = 0;

	if (!d->dev.writeable)
		return -EACCES;
	for (i = 0; i < n && !err; i++, d->writes++) {
		note(d, runs[i].block);
		err = move(d, &runs[i], 1);
	}
	return err;
}

static int file_sync(void *priv)
{
	struct ext_file_dev *d = priv;

	d->syncs++;
	note(d, UINT64_MAX);
	return fdatasync(d->fd) ? -errno : 0;
}

static int file_trim(void *priv, uint64_t block, uint64_t count)
{
	struct ext_file_dev *d = priv;

	d->trims++;
	d->trimmed_blocks += count;
	if (fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	              (off_t)(block * d->dev.block_size), (off_t)(count * d->dev.block_size)))
		return -errno;
	return 0;
}

static const struct dev_ops file_ops = {
	.readv = file_readv, .writev = file_writev, .sync = file_sync, .trim = file_trim,
};

int ext_file_dev_open(struct ext_file_dev *d, const char *path, uint32_t block_size,
                      int writeable)
{
	struct stat st;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, (writeable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (d->fd < 0)
		return -errno;
	if (fstat(d->fd, &st)) {
		close(d->fd);
		return -errno;
	}
	d->dev.ops = &file_ops;
	d->dev.priv = d;
	d->dev.block_size = block_size;
	d->dev.block_count = (uint64_t)st.st_size / block_size;
	d->dev.writeable = writeable;
	return 0;
}

void ext_file_dev_close(struct ext_file_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}
