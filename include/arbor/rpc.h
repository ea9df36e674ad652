/*
 * Synchronous RPC. A client calls an object through a capability; the
 * object's server dispatches the call on its entrypoint from a table that
 * states each operation's exact payload size and capability count, so a
 * handler only ever sees well-formed requests.
 *
 * A malformed request (truncated, oversized, wrong size for its opcode,
 * wrong number of fds, truncated control data) evicts the connection it came
 * on: that caller's call fails with ARBOR_E_OBJECT_GONE, everybody else is
 * served on. An unknown opcode is answered with ARBOR_E_UNKNOWN_OPCODE.
 */
#ifndef ARBOR_RPC_H
#define ARBOR_RPC_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/util.h>
#include <arbor/cap.h>
#include <arbor/msg.h>

struct arbor_ep;
struct arbor_rpc_object;
struct arbor_rpc_conn;

/* ---- client side ---------------------------------------------------- */

/*
 * Call opcode on the RPC object behind cap with a payload of args_size
 * bytes and ncaps capabilities (borrowed; NULL entries travel as invalid
 * caps). Blocks until the reply arrives in *reply, which the caller must
 * hand to arbor_msg_release() afterwards, whatever the result.
 *
 * Thread-safe: concurrent callers on one capability each use a private
 * connection and each receive their own reply.
 *
 * Returns the server's status (>= 0 on success), the handler's negative
 * error, or: ARBOR_E_OBJECT_GONE (object destroyed or connection evicted),
 * ARBOR_E_INVALID_CAP (cap is not an RPC capability), ARBOR_E_TOO_LARGE,
 * ARBOR_E_BAD_MESSAGE (malformed reply), -ENOMEM/-EMFILE (no fd for a
 * connection).
 */
int arbor_rpc_call(struct arbor_cap *cap, uint32_t opcode,
                   const void *args, size_t args_size,
                   struct arbor_cap *const caps[], unsigned ncaps,
                   struct arbor_msg *reply);

/*
 * arbor_rpc_call() for a reply whose payload is a struct: exactly out_size
 * bytes of it are copied to out, another size is ARBOR_E_BAD_MESSAGE (out
 * NULL: the payload is not looked at). The reply's caps are dropped.
 * Returns the server's status or an error.
 */
int arbor_rpc_call_out(struct arbor_cap *cap, uint32_t opcode,
                       const void *args, size_t args_size,
                       struct arbor_cap *const caps[], unsigned ncaps,
                       void *out, size_t out_size);

/* ---- server side ---------------------------------------------------- */

struct arbor_rpc_request {
	struct arbor_rpc_object *object;
	struct arbor_msg *in;    /* the call; take the caps you keep */
	struct arbor_msg *out;   /* the reply: fill payload/size, add caps (given refs) */
	struct arbor_rpc_conn *conn;
};

/* Returned by a handler that called arbor_rpc_defer(): no reply yet. */
#define ARBOR_RPC_DEFERRED 0x7ffffffe

typedef int (*arbor_rpc_handler_fn)(struct arbor_rpc_request *req);

struct arbor_rpc_op {
	const char *name;
	uint16_t size_min;        /* payload bounds; size_min == size_max: exact */
	uint16_t size_max;
	uint8_t  caps;            /* exact number of cap slots the call carries */
	arbor_rpc_handler_fn handler;
};

/* An interface: ops[opcode] for opcode < nops; a NULL handler is unknown. */
struct arbor_rpc_interface {
	const char *name;
	const struct arbor_rpc_op *ops;
	unsigned nops;
};

/*
 * Embed in the server's object struct and recover the outer struct with
 * container_of() in handlers. Fields are private to lib/base.
 */
struct arbor_rpc_object {
	const struct arbor_rpc_interface *iface;
	const char *label;                 /* optional, borrowed: names the client in warnings */
	struct arbor_ep *ep;
	struct arbor_cap *cap;             /* the door's client end, kind RPC */
	int door_fd;                       /* the door's server end */
	struct arbor_rpc_conn *conns;      /* live private connections */
	unsigned nconns;
	uint64_t door_ino;
	struct arbor_rpc_object *hash_next;
	void *io_door;                     /* entrypoint registration */
};

/*
 * Connections an object accepts at most; more clone requests are refused
 * (the caller's call fails with ARBOR_E_OBJECT_GONE). This bounds the fds
 * a server spends on one object; the holders of that object share it.
 */
#define ARBOR_RPC_CONNS_MAX 256u

/*
 * Serve obj with iface on ep. Afterwards arbor_rpc_object_cap() hands out
 * capabilities; set obj->label to name the object's client in warnings.
 * Must run on ep's thread, or before ep runs.
 * Returns 0, -ENOMEM or -EMFILE.
 */
int arbor_rpc_object_manage(struct arbor_ep *ep, struct arbor_rpc_object *obj,
                            const struct arbor_rpc_interface *iface);

/*
 * Revoke obj: close its door and every connection. Calls in flight and
 * every later call by any holder fail with ARBOR_E_OBJECT_GONE. Must run on
 * the entrypoint's thread.
 */
void arbor_rpc_object_dissolve(struct arbor_rpc_object *obj);

/* The object's capability, borrowed (arbor_cap_ref() to keep it). */
struct arbor_cap *arbor_rpc_object_cap(struct arbor_rpc_object *obj);

/*
 * The local object a capability refers to, if it is served by this
 * component on entrypoint ep and has interface iface; NULL otherwise. This
 * is how a server recognises its own objects passed back as arguments (a
 * PD given to transfer_quota): by the identity of the door, never by a
 * number the caller supplies.
 */
struct arbor_rpc_object *arbor_rpc_object_lookup(struct arbor_ep *ep, struct arbor_cap *cap,
                                                 const struct arbor_rpc_interface *iface);

/*
 * A signal-handler registration: take the call's cap i as a signal context
 * into *slot, dropping what *slot held; an invalid cap clears it. Returns
 * 0, or ARBOR_E_INVALID_CAP when the cap is of another kind (then *slot
 * stays as it was).
 */
int arbor_rpc_take_sigh(struct arbor_rpc_request *req, unsigned i, struct arbor_cap **slot);

/*
 * Keep the reply for later: returns a token (a reference to the caller's
 * connection); the handler then returns ARBOR_RPC_DEFERRED. Complete with
 * arbor_rpc_reply(), which consumes the token.
 */
struct arbor_rpc_conn *arbor_rpc_defer(struct arbor_rpc_request *req);
int arbor_rpc_reply(struct arbor_rpc_conn *token, int32_t status,
                    const void *payload, size_t size,
                    struct arbor_cap *const caps[], unsigned ncaps);

#endif
