/*
 * lib/block's server side, shared between its two modules: the root
 * (block_server.c: session arguments, policy, donation, lifetimes) and the
 * session (block_session.c: the RPC calls and the packet stream).
 */
#ifndef LIB_BLOCK_BLOCK_SERVER_INTERNAL_H
#define LIB_BLOCK_BLOCK_SERVER_INTERNAL_H

#include <arbor/packet_session.h>
#include <arbor/rpc.h>
#include <block/block_server.h>
#include <session/parent.h>

/* Packets one round of the entrypoint takes from a session before the others get a turn. */
#define BLOCK_SESSION_BATCH 64u

struct block_session {
	struct arbor_rpc_object obj;
	struct block_server *srv;
	struct block_session *next;          /* in srv->sessions while the root knows it */
	struct arbor_packet_session_server ps;
	const struct block_device_info *device;   /* the server's, or the policy's */
	void *device_priv;                   /* the policy's handle for it */
	struct arbor_block_info info;        /* the view, as INFO answers it */
	uint64_t first_block;                /* the view's first device block */
	int open;                            /* served: not revoked, not closed */
	int closed;                          /* the root closed it: free once the backend is done */
	int taking;                          /* inside block_session_take() */
	int stalled;                         /* stopped for want of a request record */
	unsigned in_backend;                 /* requests the backend holds */
	struct block_request *free;          /* request records not in use */
	struct block_request *parked;        /* refused by the backend with ARBOR_E_AGAIN */
	struct block_request *done_head, *done_tail;   /* completed, waiting for room to ack */
	char label[ARBOR_LABEL_MAX];
	struct block_request pool[ARBOR_BLOCK_QUEUE_SLOTS];
};

_Static_assert(sizeof(struct block_session) + 4096 <= ARBOR_BLOCK_SESSION_COST,
               "a session's state fits in what the client pays for it");

/*
 * A served session for the view [first_block, first_block + block_count)
 * of device (borrowed, with the backend's device_priv) with a stream of
 * geometry g. Returns 0, or an error of allocating the stream or serving
 * the object.
 */
int block_session_new(struct block_server *srv, const char *label,
                      const struct arbor_ps_geometry *g,
                      const struct block_device_info *device, void *device_priv,
                      uint64_t first_block, uint64_t block_count, int writeable,
                      struct block_session **out);

/* The root closed the session: revoke it, and free it once the backend holds no request. */
void block_session_close(struct block_session *s);

/* Take and dispatch the session's packets (also after a wake-up). */
void block_session_take(struct block_session *s);

/* Have the entrypoint run block_session_take() soon (never from inside the backend). */
void block_session_kick(struct block_session *s);

#endif
