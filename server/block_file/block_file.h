/*
 * block_file: the Block service on host image files. Each client's policy
 * names an image (a file in core's file directory), its block size and
 * whether the client may write; the file comes from core's Host_file
 * service, one session per image and access mode, shared by every client
 * whose policy names it. Requests run through io.h: the page cache at once,
 * the rest on worker threads, completing out of order. Shared by its
 * modules: image.c (images and the devices over them), backend.c (the
 * Block backend: policy and requests).
 */
#ifndef BLOCK_FILE_H
#define BLOCK_FILE_H

#include <stdint.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <block/block_server.h>
#include "config.h"
#include "io.h"

/* One open image file: a Host_file session and the file it handed over. */
struct image {
	struct image *next;
	char file[ARBOR_HOST_FILE_PATH_MAX + 1];
	int writeable;                    /* opened O_RDWR */
	int fd;                           /* ours, closed with the image */
	uint64_t size;                    /* bytes, when it was opened */
	struct arbor_connection host_file;
};

/* An image seen in blocks of one size: what a session's client gets. */
struct device {
	struct device *next;
	struct image *image;
	struct block_device_info info;
};

/*
 * Requests in flight at once, over all sessions: block_file's own memory
 * for them is bounded up front (about 100 KiB); beyond it, lib/block holds
 * a session's next packet until one completes.
 */
#define FILE_REQUESTS_MAX 1024u

/* A Block request on its way through the I/O pool. */
struct file_request {
	struct io_request io;
	struct block_request *block;
	struct file_request *next_free;
};

struct block_file {
	struct arbor_env *env;
	struct config config;
	struct io_pool io;
	struct block_server server;
	struct image *images;
	struct device *devices;
	struct file_request *free_requests;
	unsigned requests;                /* allocated, at most FILE_REQUESTS_MAX */
	int waiting;                      /* a submit was refused for lack of memory */
};

/*
 * The device for spec: an image opened before, or a new Host_file session
 * (its path and access mode as spec says). Images and devices stay until
 * the server ends. Returns 0, or ARBOR_E_DENIED after a warning naming
 * label (core refused the file, or it holds no whole block).
 */
int image_device_for(struct block_file *bf, const struct image_spec *spec, const char *label,
                     struct device **out);

/* Close every image and its Host_file session. */
void image_close_all(struct block_file *bf);

/* Announce the Block service. Returns 0 or the error of announcing. */
int backend_announce(struct block_file *bf);

#endif
