/*
 * A server's Block session to the device below it (part_block's and
 * block_cache's backend), driven from the entrypoint: many requests in
 * flight, each told apart by a slot of the link (its tag), completions
 * delivered by callback in whatever order the backend acks them.
 *
 * lib/block's client waits on its own signal contexts (block_take_ack());
 * a server must not block its entrypoint, so the link watches the
 * client's ack_avail context on the entrypoint instead, and the session's
 * door for the backend going away. Nothing the backend acks is trusted: an
 * ack must name a request in flight with the bulk space it was given, and
 * a READ must come back whole; anything else breaks the link as if the
 * backend had gone.
 */
#ifndef BLOCK_BLOCK_LINK_H
#define BLOCK_BLOCK_LINK_H

#include <stdint.h>
#include <arbor/entrypoint.h>
#include <arbor/env.h>
#include <block/block_client.h>

#define BLOCK_LINK_SLOTS ARBOR_BLOCK_QUEUE_SLOTS

struct block_link;

/*
 * A request of the link completed: sent is the packet as it was submitted
 * (op, arg[0] block, arg[1] count), ctx what block_link_submit() was given,
 * result 0 or the error (-EIO for every request in flight when the backend
 * went away), data the READ's blocks (valid during the call only; NULL
 * unless result is 0). May submit again.
 */
typedef void (*block_link_done_fn)(struct block_link *l, void *ctx,
                                   const struct arbor_packet *sent, int result,
                                   const void *data);

/* Acks freed slots or bulk space (or the backend went away): waiting work may go on. */
typedef void (*block_link_room_fn)(struct block_link *l);

struct block_link {
	struct block_connection conn;
	struct arbor_block_info info;         /* the backend's geometry, checked at open */
	uint64_t max_blocks;                  /* the largest request the bulk buffer takes */
	block_link_done_fn done;
	block_link_room_fn room;
	void *priv;
	int gone;                             /* the backend went away or broke the stream */
	/* private */
	int broken;                           /* a submit failed: fail the link from the entrypoint */
	struct arbor_io ack_io, gone_io;
	unsigned in_flight;
	unsigned nfree;
	uint16_t free[BLOCK_LINK_SLOTS];
	struct block_link_slot {
		void *ctx;
		struct arbor_packet sent;
		int used;
	} slot[BLOCK_LINK_SLOTS];
};

/*
 * Open the Block session of args and watch it on env's entrypoint.
 * Returns 0 or an error of block_connection_open(), -EMFILE / -ENOMEM.
 * Until the first block_link_submit(), the blocking calls of
 * block_client.h may be used on l->conn (part_block reads its partition
 * table that way); afterwards only the link's.
 */
int block_link_open(struct block_link *l, struct arbor_env *env, const struct block_args *args,
                    block_link_done_fn done, block_link_room_fn room, void *priv);
void block_link_close(struct block_link *l);

/*
 * Submit a request of op (ARBOR_BLOCK_READ, _WRITE, _SYNC, _TRIM) on count
 * blocks from block; a WRITE's data is copied from src now. Returns 0,
 * ARBOR_E_AGAIN (no free slot or bulk space: wait for the room callback),
 * ARBOR_E_TOO_LARGE (count above max_blocks), or ARBOR_E_OBJECT_GONE.
 */
int block_link_submit(struct block_link *l, uint32_t op, uint64_t block, uint64_t count,
                      const void *src, void *ctx);

/* Requests in flight. */
static inline unsigned block_link_in_flight(const struct block_link *l)
{
	return l->in_flight;
}

#endif
