/*
 * block_file's images: a Host_file session per file and access mode, and
 * the devices (an image in blocks of one size) that sessions are served
 * from. Both are shared by every client whose policy names them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include "block_file.h"

/* The file of the image's Host_file session, into image->fd and ->size. */
static int fetch_file(struct image *image)
{
	struct arbor_host_file_info info;
	struct arbor_msg reply;
	struct arbor_cap *cap = NULL;
	int err = arbor_rpc_call(image->host_file.cap, ARBOR_HOST_FILE_FILE, NULL, 0, NULL, 0,
	                         &reply);

	if (err >= 0) {
		cap = reply.size == sizeof(info) ? arbor_msg_take_cap(&reply, 0) : NULL;
		err = cap ? 0 : ARBOR_E_BAD_MESSAGE;
		if (cap)
			memcpy(&info, reply.payload, sizeof(info));
	}
	arbor_msg_release(&reply);
	if (err < 0)
		return err;
	/* our own fd, so that the file is closed exactly when we say */
	image->fd = fcntl(arbor_cap_fd(cap), F_DUPFD_CLOEXEC, 0);
	err = image->fd < 0 ? -errno : 0;
	arbor_cap_unref(cap);
	if (!err && image->writeable && !(info.flags & ARBOR_HOST_FILE_WRITEABLE))
		err = ARBOR_E_DENIED;
	image->size = info.size;
	return err;
}

static void image_free(struct block_file *bf, struct image *image)
{
	if (image->fd >= 0)
		close(image->fd);
	if (image->host_file.id)
		arbor_connection_close(bf->env, &image->host_file);
	free(image);
}

static int image_open(struct block_file *bf, const struct image_spec *spec, const char *label,
                      struct image **out)
{
	struct image *image;
	char extra[ARBOR_HOST_FILE_PATH_MAX + 48];
	int err;

	for (image = bf->images; image; image = image->next) {
		if (!strcmp(image->file, spec->file) && image->writeable == spec->writeable) {
			*out = image;
			return 0;
		}
	}
	image = calloc(1, sizeof(*image));
	if (!image) {
		arbor_warning("'%s' denied: out of memory for image %s", label, spec->file);
		return ARBOR_E_DENIED;
	}
	snprintf(image->file, sizeof(image->file), "%s", spec->file);
	image->writeable = spec->writeable;
	image->fd = -1;
	snprintf(extra, sizeof(extra), "path=\"%s\", writeable=\"%s\"", spec->file,
	         spec->writeable ? "yes" : "no");
	/* labeled with the file: core's log and the routes see which image is meant */
	err = arbor_connection_open(bf->env, &image->host_file, ARBOR_HOST_FILE_SERVICE, spec->file,
	                            ARBOR_HOST_FILE_SESSION_RAM, ARBOR_HOST_FILE_SESSION_CAPS, extra);
	if (!err)
		err = fetch_file(image);
	if (err) {
		/* core said why it refused (a missing file, a symlink); this names the client */
		arbor_warning("'%s' denied: no Host_file session for %s (%s)", label, spec->file,
		              arbor_strerror(err));
		image_free(bf, image);
		return ARBOR_E_DENIED;
	}
	image->next = bf->images;
	bf->images = image;
	*out = image;
	return 0;
}

int image_device_for(struct block_file *bf, const struct image_spec *spec, const char *label,
                     struct device **out)
{
	struct image *image;
	struct device *dev;
	uint64_t rest;
	int err;

	*out = NULL;
	err = image_open(bf, spec, label, &image);
	if (err)
		return err;
	for (dev = bf->devices; dev; dev = dev->next) {
		if (dev->image == image && dev->info.block_size == spec->block_size) {
			*out = dev;
			return 0;
		}
	}
	if (image->size < spec->block_size) {
		arbor_warning("'%s' denied: %s holds no whole block of %u bytes", label, image->file,
		              spec->block_size);
		return ARBOR_E_DENIED;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		arbor_warning("'%s' denied: out of memory for image %s", label, spec->file);
		return ARBOR_E_DENIED;
	}
	dev->image = image;
	dev->info.block_size = spec->block_size;
	dev->info.block_count = image->size / spec->block_size;
	dev->info.writeable = image->writeable;
	rest = image->size % spec->block_size;
	if (rest)
		arbor_warning("%s: the last %llu bytes are no whole block of %u bytes and are not served",
		              image->file, (unsigned long long)rest, spec->block_size);
	arbor_log("%s: %llu blocks of %u bytes, %s", image->file,
	          (unsigned long long)dev->info.block_count, dev->info.block_size,
	          image->writeable ? "writeable" : "read-only");
	dev->next = bf->devices;
	bf->devices = dev;
	*out = dev;
	return 0;
}

void image_close_all(struct block_file *bf)
{
	while (bf->devices) {
		struct device *dev = bf->devices;
		bf->devices = dev->next;
		free(dev);
	}
	while (bf->images) {
		struct image *image = bf->images;
		bf->images = image->next;
		image_free(bf, image);
	}
}
