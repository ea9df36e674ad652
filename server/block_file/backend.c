/*
 * block_file's Block backend: a client's policy names its device (image.c);
 * its requests become file I/O (io.h) at the device's byte offsets and
 * complete in whatever order the page cache and the disk allow.
 */
#include <stdlib.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "block_file.h"

static enum io_op io_op_of(uint32_t op)
{
	switch (op) {
	case ARBOR_BLOCK_READ:  return IO_READ;
	case ARBOR_BLOCK_WRITE: return IO_WRITE;
	case ARBOR_BLOCK_SYNC:  return IO_SYNC;
	default:                return IO_TRIM;
	}
}

static struct file_request *request_alloc(struct block_file *bf)
{
	struct file_request *r = bf->free_requests;

	if (r) {
		bf->free_requests = r->next_free;
		return r;
	}
	if (bf->requests == FILE_REQUESTS_MAX)
		return NULL;
	r = malloc(sizeof(*r));
	if (r)
		bf->requests++;
	return r;
}

/* Records are kept for the next request: the pool's size is the most ever in flight. */
static void request_free(struct block_file *bf, struct file_request *r)
{
	r->next_free = bf->free_requests;
	bf->free_requests = r;
	if (bf->waiting) {
		bf->waiting = 0;
		block_server_wakeup(&bf->server);
	}
}

static void request_done(struct io_request *io)
{
	struct file_request *r = container_of(io, struct file_request, io);
	struct block_file *bf = io->priv;

	block_request_complete(r->block, io->result ? -EIO : 0);
	request_free(bf, r);
}

static int submit(void *priv, struct block_request *req)
{
	struct block_file *bf = priv;
	struct device *dev = block_session_device_priv(req->session);
	struct file_request *r;

	if (!dev)
		return ARBOR_E_INVALID;
	r = request_alloc(bf);
	if (!r) {
		bf->waiting = 1;
		return ARBOR_E_AGAIN;
	}
	r->block = req;
	r->io = (struct io_request){
		.op = io_op_of(req->op),
		.fd = dev->image->fd,
		.buf = req->data,
		.len = req->op == ARBOR_BLOCK_SYNC ? 0 : (size_t)(req->count * dev->info.block_size),
		.offset = req->block * dev->info.block_size,
		.done = request_done,
		.priv = bf,
	};
	io_submit(&bf->io, &r->io);
	return 0;
}

static int of_session(const struct io_request *io, void *session)
{
	return container_of(io, struct file_request, io)->block->session == session;
}

/*
 * A client that went away does not need what it asked for: its requests no
 * worker has started yet are dropped, and the running ones waited for, so
 * that its session (and the stream's memory) is freed before the close is
 * answered and the donation can go back.
 */
static void closed(void *priv, struct block_session *s)
{
	struct block_file *bf = priv;
	const struct io_stats *st = &bf->io.stats;

	io_cancel(&bf->io, of_session, s);
	if (config_stats(&bf->config))
		arbor_log("stats: %llu done inline, %llu in part, %llu by the workers (%llu large "
		          "reads among them), %llu completion rounds",
		          (unsigned long long)st->inline_done, (unsigned long long)st->inline_partial,
		          (unsigned long long)st->queued, (unsigned long long)st->parallel,
		          (unsigned long long)st->wakeups);
}

static int policy(void *priv, const char *label, struct block_policy *policy)
{
	struct block_file *bf = priv;
	struct image_spec spec;
	struct device *dev;
	int err = config_image_for(&bf->config, label, &spec);

	if (!err)
		err = image_device_for(bf, &spec, label, &dev);
	if (err)
		return err;
	policy->writeable = spec.writeable;
	policy->device = &dev->info;
	policy->device_priv = dev;
	return 0;
}

static const struct block_backend backend = {
	.policy = policy, .submit = submit, .closed = closed,
};

int backend_announce(struct block_file *bf)
{
	/*
	 * Every session gets its device from its policy; this one only stands
	 * for "any block size, any length" to the library.
	 */
	static const struct block_device_info any = {
		.block_count = UINT64_MAX / 65536, .block_size = 512, .writeable = 1,
	};

	return block_server_announce(&bf->server, bf->env, &any, &backend, bf);
}
