/*
 * part_block's backend: a client's policy names its partition, which
 * lib/block makes the session's view, so every request arrives in device
 * blocks inside that partition. Requests go down to the device as they
 * come, many in flight, in pieces of at most a quarter of the I/O buffer
 * so that one large request does not hold the device for everyone; each
 * piece carries its job, and the job completes when its last piece does.
 * A request that does not fit the device's queue waits, and lib/block
 * holds back further requests until it is submitted.
 */
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "part_block.h"

static int policy(void *priv, const char *label, struct block_policy *p)
{
	struct part_block *pb = priv;
	const struct partition *part;
	struct config_grant grant;
	int err = config_grant_for(&pb->config, label, &grant);

	if (err)
		return err;
	part = partition_table_find(&pb->table, grant.partition);
	if (!part) {
		arbor_warning("'%s' denied: partition %u does not exist", label, grant.partition);
		return ARBOR_E_DENIED;
	}
	/* the table's partitions lie on the device (partition_table.h): lib/block serves them as is */
	p->writeable = grant.writeable && pb->device_info.writeable;
	p->first_block = part->first;
	p->block_count = part->count;
	return 0;
}

/* ---- jobs ------------------------------------------------------------------- */

static struct forward_job *job_new(struct part_block *pb, struct block_request *req)
{
	struct forward_job *job = pb->free_jobs;

	if (job)
		pb->free_jobs = job->next;
	else
		job = malloc(sizeof(*job));
	if (job)
		*job = (struct forward_job){ .req = req };
	return job;
}

/* Complete the job's request once every piece is back. */
static void job_check(struct part_block *pb, struct forward_job *job)
{
	if (job->completed < job->req->count || job->issued < job->req->count)
		return;
	block_request_complete(job->req, job->result);
	job->next = pb->free_jobs;
	pb->free_jobs = job;
}

/* The piece size: a quarter of the I/O buffer, so that four requests can be in flight at once. */
static uint64_t piece_blocks(const struct part_block *pb)
{
	uint64_t n = pb->device.max_blocks / 4;

	return n ? n : 1;
}

/*
 * Submit the job's pieces that are not yet submitted. Returns 1 when none
 * is left (the job may even have completed), 0 when the device's queue or
 * buffer is full.
 */
static int job_pump(struct part_block *pb, struct forward_job *job)
{
	struct block_request *req = job->req;
	uint32_t bs = pb->device_info.block_size;

	while (job->issued < req->count) {
		int data = req->op == ARBOR_BLOCK_READ || req->op == ARBOR_BLOCK_WRITE;
		uint64_t left = req->count - job->issued;
		uint64_t n = data && left > piece_blocks(pb) ? piece_blocks(pb) : left;
		const void *src = req->op == ARBOR_BLOCK_WRITE
		                ? (const unsigned char *)req->data + job->issued * bs : NULL;
		int err = block_link_submit(&pb->device, req->op, req->block + job->issued, n, src, job);

		if (err == ARBOR_E_AGAIN)
			return 0;
		if (err) {
			/* the device is gone: what was not submitted fails now, the rest as it returns */
			job->result = job->result ? job->result : -EIO;
			job->completed += left;
			job->issued = req->count;
			job_check(pb, job);
			return 1;
		}
		job->issued += n;
	}
	return 1;
}

static int submit(void *priv, struct block_request *req)
{
	struct part_block *pb = priv;
	struct forward_job *job;

	/* first come, first served: nothing overtakes the request that waits */
	if (pb->waiting) {
		pb->refused = 1;
		return ARBOR_E_AGAIN;
	}
	job = job_new(pb, req);
	if (!job) {
		arbor_warning("'%s': out of memory for a request", block_session_label(req->session));
		block_request_complete(req, -EIO);
		return 0;
	}
	if (!job_pump(pb, job))
		pb->waiting = job;
	return 0;
}

const struct block_backend forward_backend = { .policy = policy, .submit = submit };

/* ---- the device's side ---------------------------------------------------------- */

void forward_done(struct block_link *l, void *ctx, const struct arbor_packet *sent, int result,
                  const void *data)
{
	struct part_block *pb = l->priv;
	struct forward_job *job = ctx;
	struct block_request *req = job->req;
	uint64_t block = sent->arg[0], count = sent->arg[1];

	if (!result && sent->op == ARBOR_BLOCK_READ)
		memcpy((unsigned char *)req->data + (block - req->block) * pb->device_info.block_size,
		       data, sent->size);
	if (result && !job->result)
		job->result = result;
	job->completed += count;
	job_check(pb, job);
}

void forward_room(struct block_link *l)
{
	struct part_block *pb = l->priv;

	if (pb->waiting && job_pump(pb, pb->waiting))
		pb->waiting = NULL;
	/* the refused requests come back through submit() from the entrypoint */
	if (!pb->waiting && pb->refused) {
		pb->refused = 0;
		block_server_wakeup(&pb->server);
	}
}
