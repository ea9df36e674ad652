/*
 * One Block session on the server side: the INFO, TX and TX_SIGH calls and
 * the packet stream. Each packet is decoded (may fail: acked with the
 * error) before it becomes a request for the backend (cannot fail); a
 * broken stream revokes the session; request records come from a pool of
 * one per queue slot, so a session never allocates while it serves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/signal.h>
#include "block_server_internal.h"

/* Bulk buffers are handed out in 64-byte units (arbor/packet_stream.h). */
#define BLOCK_ALIGN_LOG2 6u

/* ---- request records -------------------------------------------------- */

static struct block_request *record_take(struct block_session *s)
{
	struct block_request *req = s->free;

	if (req)
		s->free = req->next;
	return req;
}

static void record_give(struct block_session *s, struct block_request *req)
{
	req->next = s->free;
	s->free = req;
	if (s->stalled && s->open) {
		/* the session stopped for want of a record: go on, but not from inside the backend */
		s->stalled = 0;
		block_session_kick(s);
	}
}

/* ---- lifetimes ---------------------------------------------------------- */

static void session_free(struct block_session *s)
{
	arbor_packet_session_server_fini(&s->ps);
	free(s);
}

/*
 * Stop serving the client: its calls and waits fail with
 * ARBOR_E_OBJECT_GONE. The stream stays mapped for the requests the
 * backend still holds; their acks, and those still waiting, are dropped.
 */
static void session_revoke(struct block_session *s)
{
	if (!s->open)
		return;
	s->open = 0;
	arbor_rpc_object_dissolve(&s->obj);
	arbor_signal_handler_fini(&s->ps.packet_avail);
	arbor_signal_handler_fini(&s->ps.ready_to_ack);
	if (s->parked) {
		record_give(s, s->parked);
		s->parked = NULL;
	}
	while (s->done_head) {
		struct block_request *req = s->done_head;

		s->done_head = req->next;
		record_give(s, req);
	}
	s->done_tail = NULL;
}

static void session_broken(struct block_session *s, const char *what)
{
	arbor_warning("'%s': %s, Block session closed", s->label, what);
	session_revoke(s);
}

void block_session_close(struct block_session *s)
{
	session_revoke(s);
	/*
	 * The backend may complete what it holds from inside closed() (then
	 * the session goes with this close, its memory with the close's
	 * answer), so the session is marked closed, free on the last
	 * completion, only afterwards.
	 */
	if (s->srv->backend->closed)
		s->srv->backend->closed(s->srv->priv, s);
	s->closed = 1;
	if (!s->in_backend)
		session_free(s);
}

void block_session_kick(struct block_session *s)
{
	if (s->open)
		(void)arbor_signal_submit(arbor_signal_handler_cap(&s->ps.packet_avail), 1);
}

/* ---- acks ---------------------------------------------------------------- */

/* Ack req, or queue it while the ack ring is full. Returns 0, or ARBOR_E_AGAIN when queued. */
static int ack(struct block_session *s, struct block_request *req, int result)
{
	int err;

	req->packet.result = result;
	if (!s->done_head) {
		err = arbor_ps_ack(&s->ps.sink, &req->packet);
		if (!err) {
			record_give(s, req);
			return 0;
		}
		if (err != ARBOR_E_AGAIN) {
			record_give(s, req);
			session_broken(s, "corrupt ack ring");
			return err;
		}
	}
	req->next = NULL;
	if (s->done_tail)
		s->done_tail->next = req;
	else
		s->done_head = req;
	s->done_tail = req;
	return ARBOR_E_AGAIN;
}

/* Ack what waited for room, in completion order. Returns 0 when none waits any more. */
static int flush_acks(struct block_session *s)
{
	while (s->done_head && s->open) {
		struct block_request *req = s->done_head;
		int err = arbor_ps_ack(&s->ps.sink, &req->packet);

		if (err == ARBOR_E_AGAIN)
			return err;
		s->done_head = req->next;
		if (!s->done_head)
			s->done_tail = NULL;
		record_give(s, req);
		if (err) {
			session_broken(s, "corrupt ack ring");
			return err;
		}
	}
	return s->done_head ? ARBOR_E_AGAIN : 0;
}

void block_request_complete(struct block_request *req, int result)
{
	struct block_session *s = req->session;

	s->in_backend--;
	if (!s->open) {
		record_give(s, req);
		if (s->closed && !s->in_backend)
			session_free(s);
		return;
	}
	(void)ack(s, req, result);
}

/* ---- packets --------------------------------------------------------------- */

/* Check pkt against the view and the session's rights, and fill req (decode: may fail). */
static int decode(struct block_session *s, const struct arbor_packet *pkt,
                  struct block_request *req)
{
	uint64_t block = pkt->arg[0], count = pkt->arg[1], view = s->info.block_count;
	uint32_t bs = s->info.block_size;

	memset(req, 0, sizeof(*req));
	req->packet = *pkt;
	req->session = s;
	switch (pkt->op) {
	case ARBOR_BLOCK_READ:
	case ARBOR_BLOCK_SYNC:
		break;
	case ARBOR_BLOCK_WRITE:
	case ARBOR_BLOCK_TRIM:
		if (!(s->info.flags & ARBOR_BLOCK_WRITEABLE))
			return ARBOR_E_DENIED;
		break;
	default:
		return ARBOR_E_UNKNOWN_OPCODE;
	}
	if (pkt->op == ARBOR_BLOCK_SYNC && count == 0) {
		block = 0;
		count = view;
	} else if (count == 0 || block >= view || count > view - block) {
		return ARBOR_E_INVALID;
	}
	if (pkt->op == ARBOR_BLOCK_READ || pkt->op == ARBOR_BLOCK_WRITE) {
		if (count > UINT32_MAX / bs || pkt->size != count * bs)
			return ARBOR_E_INVALID;
		req->data = arbor_ps_sink_content(&s->ps.sink, pkt);
		req->size = pkt->size;
	}
	req->op = pkt->op;
	req->block = s->first_block + block;
	req->count = count;
	return 0;
}

/* Hand req to the backend (apply). Returns 0, or ARBOR_E_AGAIN when it was parked. */
static int dispatch(struct block_session *s, struct block_request *req)
{
	int err;

	s->in_backend++;
	err = s->srv->backend->submit(s->srv->priv, req);
	if (!err)
		return 0;
	s->in_backend--;
	if (err == ARBOR_E_AGAIN) {
		s->parked = req;
		return err;
	}
	/* outside the contract, but the client deserves an answer */
	(void)ack(s, req, err);
	return 0;
}

void block_session_take(struct block_session *s)
{
	unsigned budget = BLOCK_SESSION_BATCH;

	if (!s->open || s->taking)
		return;
	s->taking = 1;
	/* The ack ring has room for no more: take nothing until ready_to_ack. */
	if (flush_acks(s))
		goto out;
	while (s->open && budget) {
		struct arbor_packet pkt;
		struct block_request *req = s->parked;
		int err;

		if (req) {
			s->parked = NULL;
			if (dispatch(s, req))
				break;
			continue;
		}
		if (s->done_head)
			break;
		if (!s->free) {
			s->stalled = 1;
			break;
		}
		err = arbor_ps_get_packet(&s->ps.sink, &pkt);
		if (err == ARBOR_E_AGAIN)
			break;
		if (err) {
			session_broken(s, "descriptor outside the bulk buffer or corrupt submit ring");
			break;
		}
		budget--;
		req = record_take(s);
		err = decode(s, &pkt, req);
		if (err)
			(void)ack(s, req, err);
		else if (dispatch(s, req))
			break;
	}
	/* A full batch leaves the rest for the next round, after the other sessions. */
	if (!budget && s->open)
		block_session_kick(s);
out:
	s->taking = 0;
}

static void stream_ready(struct arbor_packet_session_server *ps)
{
	block_session_take(ps->priv);
}

/* ---- RPC ------------------------------------------------------------------- */

static struct block_session *session_of(struct arbor_rpc_request *req)
{
	return container_of(req->object, struct block_session, obj);
}

static int op_info(struct arbor_rpc_request *req)
{
	struct block_session *s = session_of(req);

	memcpy(req->out->payload, &s->info, sizeof(s->info));
	req->out->size = sizeof(s->info);
	return 0;
}

static int op_tx(struct arbor_rpc_request *req)
{
	return arbor_packet_session_tx(&session_of(req)->ps, req);
}

static int op_tx_sigh(struct arbor_rpc_request *req)
{
	struct block_session *s = session_of(req);
	int err = arbor_packet_session_tx_sigh(&s->ps, req);

	/* packets submitted before the client could be woken are looked at now */
	if (!err)
		block_session_kick(s);
	return err;
}

static const struct arbor_rpc_op block_ops[ARBOR_BLOCK_NOPS] = {
	[ARBOR_BLOCK_INFO]    = { "info", 0, 0, 0, op_info },
	[ARBOR_BLOCK_TX]      = { "tx", 0, 0, 0, op_tx },
	[ARBOR_BLOCK_TX_SIGH] = { "tx_sigh", 0, 0, 2, op_tx_sigh },
};

static const struct arbor_rpc_interface block_iface = { "Block", block_ops, ARBOR_BLOCK_NOPS };

int block_session_new(struct block_server *srv, const char *label,
                      const struct arbor_ps_geometry *g,
                      const struct block_device_info *device, void *device_priv,
                      uint64_t first_block, uint64_t block_count, int writeable,
                      struct block_session **out)
{
	struct block_session *s = calloc(1, sizeof(*s));
	int err;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->srv = srv;
	s->device = device;
	s->device_priv = device_priv;
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->first_block = first_block;
	s->info.block_count = block_count;
	s->info.block_size = device->block_size;
	s->info.align_log2 = BLOCK_ALIGN_LOG2;
	s->info.flags = writeable ? ARBOR_BLOCK_WRITEABLE : 0;
	for (unsigned i = ARBOR_BLOCK_QUEUE_SLOTS; i-- > 0; ) {
		s->pool[i].next = s->free;
		s->free = &s->pool[i];
	}
	err = arbor_packet_session_server_init(&s->ps, srv->env, g, stream_ready, s);
	if (err)
		goto fail;
	err = arbor_rpc_object_manage(srv->env->ep, &s->obj, &block_iface);
	if (err)
		goto fail_stream;
	s->obj.label = s->label;
	s->open = 1;
	*out = s;
	return 0;

fail_stream:
	arbor_packet_session_server_fini(&s->ps);
fail:
	free(s);
	return err;
}

const char *block_session_label(const struct block_session *s)
{
	return s->label;
}

void *block_session_device_priv(const struct block_session *s)
{
	return s->device_priv;
}

uint64_t block_session_first_block(const struct block_session *s)
{
	return s->first_block;
}

uint64_t block_session_block_count(const struct block_session *s)
{
	return s->info.block_count;
}

int block_session_writeable(const struct block_session *s)
{
	return !!(s->info.flags & ARBOR_BLOCK_WRITEABLE);
}
