/*
 * A raw disk image file as a block backend (vmm/block.h), the stand-alone
 * VMM's: pread and pwrite at sector * 512, fdatasync for a flush. A
 * read-only image is opened O_RDONLY, so the host file cannot change
 * through it; a writable one is locked against a second writer. A partial
 * last sector is not part of the disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vmm/block.h>
#include "virtio.h"

struct vmm_block_file {
	int fd;
	uint64_t sectors;
};

static int file_read(void *priv, uint64_t sector, void *buf, uint32_t count)
{
	struct vmm_block_file *f = priv;
	size_t len = (size_t)count * VMM_BLOCK_SECTOR, done = 0;

	while (done < len) {
		ssize_t n = pread(f->fd, (uint8_t *)buf + done, len - done,
		                  (off_t)(sector * VMM_BLOCK_SECTOR + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;   /* the file shrank under us */
		done += (size_t)n;
	}
	return 0;
}

static int file_write(void *priv, uint64_t sector, const void *buf, uint32_t count)
{
	struct vmm_block_file *f = priv;
	size_t len = (size_t)count * VMM_BLOCK_SECTOR, done = 0;

	while (done < len) {
		ssize_t n = pwrite(f->fd, (const uint8_t *)buf + done, len - done,
		                   (off_t)(sector * VMM_BLOCK_SECTOR + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_flush(void *priv)
{
	struct vmm_block_file *f = priv;

	return fdatasync(f->fd) ? -errno : 0;
}

static uint64_t file_size(void *priv)
{
	return ((struct vmm_block_file *)priv)->sectors;
}

const struct vmm_block_ops vmm_block_file_ops = {
	.read = file_read, .write = file_write, .flush = file_flush, .size = file_size,
};

int vmm_block_file_open(const char *path, int read_only, struct vmm_block_file **out)
{
	struct vmm_block_file *f;
	struct stat st;
	int fd, err;

	*out = NULL;
	fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto fail;
	}
	if (flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto fail;
	}
	f = malloc(sizeof(*f));
	if (!f) {
		err = -ENOMEM;
		goto fail;
	}
	f->fd = fd;
	f->sectors = (uint64_t)st.st_size / VMM_BLOCK_SECTOR;
	*out = f;
	return 0;

fail:
	close(fd);
	return err;
}

void vmm_block_file_close(struct vmm_block_file *f)
{
	if (!f)
		return;
	close(f->fd);
	free(f);
}
