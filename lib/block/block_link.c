/* A Block session driven from the entrypoint (see block_link.h). */
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <block/block_link.h>

/* Complete everything in flight with -EIO and refuse what comes: the backend is no more. */
static void link_fail(struct block_link *l, const char *why)
{
	if (l->gone)
		return;
	arbor_error("backend Block session: %s", why);
	l->gone = 1;
	arbor_io_unwatch(&l->ack_io);
	arbor_io_unwatch(&l->gone_io);
	for (unsigned i = 0; i < BLOCK_LINK_SLOTS; i++) {
		struct block_link_slot *s = &l->slot[i];

		if (!s->used)
			continue;
		s->used = 0;
		l->in_flight--;
		l->done(l, s->ctx, &s->sent, -EIO, NULL);
	}
	if (l->room)
		l->room(l);
}

/* Check an ack against what its slot sent; returns the slot or NULL (a broken backend). */
static struct block_link_slot *ack_slot(struct block_link *l, const struct arbor_packet *ack)
{
	struct block_link_slot *s;

	if (ack->tag >= BLOCK_LINK_SLOTS)
		return NULL;
	s = &l->slot[ack->tag];
	if (!s->used || s->sent.offset != ack->offset || s->sent.op != ack->op)
		return NULL;
	/* a READ that comes back short would leave blocks unread */
	if (s->sent.op == ARBOR_BLOCK_READ && !ack->result && ack->size != s->sent.size)
		return NULL;
	return s;
}

static void acks_ready(struct arbor_io *io, uint32_t events)
{
	struct block_link *l = container_of(io, struct block_link, ack_io);
	uint64_t count;
	unsigned taken = 0;

	/* reset the context first: an ack after the last look signals again */
	if (read(io->fd, &count, sizeof(count)) < 0 && errno != EAGAIN) {
		link_fail(l, "ack context failed");
		return;
	}
	if (l->broken) {
		link_fail(l, "cannot submit to the backend");
		return;
	}
	for (;;) {
		struct arbor_packet ack, sent;
		struct block_link_slot *s;
		int err = block_take_ack(&l->conn, &ack, 0);

		if (err == ARBOR_E_AGAIN)
			break;
		if (err) {
			link_fail(l, "the backend broke the ack ring");
			return;
		}
		s = ack_slot(l, &ack);
		if (!s) {
			block_release(&l->conn, &ack);
			link_fail(l, "the backend acked what it was not asked");
			return;
		}
		/* the slot is reused only after its bulk space is released */
		sent = s->sent;
		s->used = 0;
		l->in_flight--;
		l->done(l, s->ctx, &sent, ack.result,
		        ack.result ? NULL : block_content(&l->conn, &sent));
		block_release(&l->conn, &sent);
		l->free[l->nfree++] = (uint16_t)(s - l->slot);
		taken++;
		if (l->gone)
			return;
	}
	if (taken && l->room)
		l->room(l);
}

/* The session's door hung up: the backend dissolved the session or died. */
static void door_closed(struct arbor_io *io, uint32_t events)
{
	struct block_link *l = container_of(io, struct block_link, gone_io);

	if (events & (EPOLLHUP | EPOLLERR))
		link_fail(l, "the backend went away");
}

int block_link_open(struct block_link *l, struct arbor_env *env, const struct block_args *args,
                    block_link_done_fn done, block_link_room_fn room, void *priv)
{
	int err;

	memset(l, 0, sizeof(*l));
	l->ack_io.fd = l->gone_io.fd = -1;
	err = block_connection_open(env, &l->conn, args);
	if (err)
		return err;
	l->info = l->conn.info;
	l->max_blocks = l->conn.tx.geo.bulk_size / l->info.block_size;
	if (!l->max_blocks || l->info.block_count == 0) {
		block_connection_close(&l->conn);
		return ARBOR_E_BAD_MESSAGE;
	}
	l->done = done;
	l->room = room;
	l->priv = priv;
	for (unsigned i = BLOCK_LINK_SLOTS; i-- > 0;)
		l->free[l->nfree++] = (uint16_t)i;
	/*
	 * lib/block's client made its ack context an eventfd nobody watches
	 * (it polls it in block_take_ack()); the link is its only reader.
	 */
	l->ack_io.fd = l->conn.tx.ack_avail.io.fd;
	l->ack_io.fn = acks_ready;
	err = arbor_io_watch(env->ep, &l->ack_io, EPOLLIN);
	if (err)
		goto fail;
	l->gone_io.fd = arbor_cap_fd(l->conn.conn.cap);
	l->gone_io.fn = door_closed;
	err = arbor_io_watch(env->ep, &l->gone_io, 0);
	if (err)
		goto fail_ack;
	return 0;

fail_ack:
	arbor_io_unwatch(&l->ack_io);
fail:
	block_connection_close(&l->conn);
	return err;
}

void block_link_close(struct block_link *l)
{
	if (!l->gone) {
		arbor_io_unwatch(&l->ack_io);
		arbor_io_unwatch(&l->gone_io);
	}
	block_connection_close(&l->conn);
}

int block_link_submit(struct block_link *l, uint32_t op, uint64_t block, uint64_t count,
                      const void *src, void *ctx)
{
	struct block_link_slot *s;
	struct arbor_packet pkt;
	uint16_t i;
	int err;

	if (l->gone || l->broken)
		return ARBOR_E_OBJECT_GONE;
	if ((op == ARBOR_BLOCK_READ || op == ARBOR_BLOCK_WRITE) && count > l->max_blocks)
		return ARBOR_E_TOO_LARGE;
	if (!l->nfree)
		return ARBOR_E_AGAIN;
	i = l->free[l->nfree - 1];
	err = block_alloc(&l->conn, &pkt, op, block, count, i);
	if (err)
		return err == ARBOR_E_TOO_LARGE ? err : ARBOR_E_AGAIN;
	if (op == ARBOR_BLOCK_WRITE)
		memcpy(block_content(&l->conn, &pkt), src, pkt.size);
	err = block_submit(&l->conn, &pkt);
	if (err) {
		uint64_t one = 1;

		block_release(&l->conn, &pkt);
		/*
		 * The ring has a slot per link slot: a full one means a broken
		 * stream. Fail the link from the entrypoint, not under the
		 * caller, who is in the middle of its own work.
		 */
		l->broken = 1;
		if (write(l->ack_io.fd, &one, sizeof(one)) < 0)
			arbor_warning("backend Block session: cannot wake the entrypoint");
		return ARBOR_E_OBJECT_GONE;
	}
	l->nfree--;
	s = &l->slot[i];
	s->ctx = ctx;
	s->sent = pkt;
	s->used = 1;
	l->in_flight++;
	return 0;
}
