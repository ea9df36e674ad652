/*
 * The set-up every packet-stream session shares (Block, File_system, later
 * Nic), in both directions of one stream where the client is the source:
 *
 *   server: allocates the stream's dataspace from its PD (paid for by the
 *           session's donation), formats it, attaches the sink and serves
 *           two signal contexts, packet_avail and ready_to_ack;
 *   client: fetches the dataspace and the server's two contexts with the
 *           session's TX call, attaches the source, and registers its own
 *           ack_avail and ready_to_submit contexts with the TX_SIGH call.
 *
 * A session interface reserves two opcodes for this (Block: ARBOR_BLOCK_TX
 * and ARBOR_BLOCK_TX_SIGH) and hands their requests to the server helpers
 * below. Implemented in lib/base/packet_session.c.
 */
#ifndef ARBOR_PACKET_SESSION_H
#define ARBOR_PACKET_SESSION_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/entrypoint.h>
#include <arbor/env.h>
#include <arbor/packet_stream.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>

/* ---- server side ----------------------------------------------------- */

struct arbor_packet_session_server;

/* Called on the entrypoint when the client signalled packet_avail or ready_to_ack. */
typedef void (*arbor_packet_session_fn)(struct arbor_packet_session_server *ps);

struct arbor_packet_session_server {
	struct arbor_ps_sink sink;
	struct arbor_cap *pd;                 /* the PD the dataspace came from (borrowed) */
	struct arbor_cap *ds;                 /* the stream's dataspace */
	void *mem;
	size_t size;
	struct arbor_signal_handler packet_avail, ready_to_ack;
	struct arbor_cap *ack_avail, *ready_to_submit;   /* the client's, once registered */
	arbor_packet_session_fn fn;
	void *priv;
};

/*
 * Allocate and format a stream of geometry g from env's PD, attach the sink
 * and serve the two contexts on env's entrypoint; fn runs on each signal.
 * Returns 0, ARBOR_E_INVALID (g invalid) or an allocation error.
 */
int arbor_packet_session_server_init(struct arbor_packet_session_server *ps,
                                     struct arbor_env *env,
                                     const struct arbor_ps_geometry *g,
                                     arbor_packet_session_fn fn, void *priv);

/* Stop the contexts, drop the client's, unmap and free the dataspace. */
void arbor_packet_session_server_fini(struct arbor_packet_session_server *ps);

/* Handlers for the session's TX and TX_SIGH requests (payload sizes 0). */
int arbor_packet_session_tx(struct arbor_packet_session_server *ps,
                            struct arbor_rpc_request *req);
int arbor_packet_session_tx_sigh(struct arbor_packet_session_server *ps,
                                 struct arbor_rpc_request *req);

/* ---- client side ----------------------------------------------------- */

struct arbor_packet_session_client;

/* Called on the entrypoint when the server signalled ack_avail or ready_to_submit. */
typedef void (*arbor_packet_session_client_fn)(struct arbor_packet_session_client *pc);

struct arbor_packet_session_client {
	struct arbor_ps_source source;
	struct arbor_ps_geometry geo;
	struct arbor_cap *packet_avail, *ready_to_ack;   /* the server's */
	struct arbor_cap *session;   /* borrowed: its door hangs up when the server is gone */
	void *mem;
	size_t size;
	/* the client's contexts: handled on the entrypoint when fn is set, else waited on directly */
	struct arbor_signal_handler ack_avail, ready_to_submit;
	arbor_packet_session_client_fn fn;
	void *priv;
};

/*
 * Fetch the stream with the call tx_op on session, attach the source,
 * create the client's two contexts on ep and register them with the call
 * sigh_op. geo_expected is what the client asked for in its session
 * arguments; a server answer that differs is ARBOR_E_BAD_MESSAGE. With fn
 * set, fn runs on ep's thread on each of the server's signals (a server
 * that is also a client, like fs_rom, reacts there); with fn NULL the
 * client waits with arbor_packet_session_client_wait() and ep may be idle.
 */
int arbor_packet_session_client_init(struct arbor_packet_session_client *pc,
                                     struct arbor_cap *session, struct arbor_ep *ep,
                                     uint32_t tx_op, uint32_t sigh_op,
                                     const struct arbor_ps_geometry *geo_expected,
                                     arbor_packet_session_client_fn fn, void *priv);
void arbor_packet_session_client_fini(struct arbor_packet_session_client *pc);

/*
 * Block until the server acked something or made room in the submit ring,
 * or timeout_ms passed (-1: no limit). Returns 0 (woken, or timed out:
 * the caller looks at the rings either way), ARBOR_E_OBJECT_GONE when
 * the server went away (or closed the session), or ARBOR_E_INVALID for
 * a client initialised with fn (its entrypoint takes the signals).
 * session must outlive pc.
 */
int arbor_packet_session_client_wait(struct arbor_packet_session_client *pc, int timeout_ms);

#endif
