/*
 * lib/base internals shared between its modules: the capability struct,
 * the wire format and the entrypoint's registration kinds.
 */
#ifndef ARBOR_BASE_INTERNAL_H
#define ARBOR_BASE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <arbor/cap.h>
#include <arbor/msg.h>
#include <arbor/rpc.h>
#include <arbor/entrypoint.h>
#include <arbor/util.h>


/* Idle private connections a capability keeps for reuse. */
#define CAP_IDLE_MAX 8

struct arbor_cap {
	atomic_uint refs;
	uint8_t kind;
	int fd;
	uint64_t ino;                     /* RPC: inode of the door's client end */
	struct arbor_rpc_object *local;   /* RPC: the object when served here */
	pthread_mutex_t lock;             /* guards idle[] */
	unsigned nidle;
	int idle[CAP_IDLE_MAX];
};

/* ---- wire format (wire.c) ---- */

/*
 * Every message says what it is, so a server never mistakes a reply for a
 * call (a client cannot wire two of a server's connections to each other
 * and have it answer itself) and a door never takes anything but a clone
 * request. The values double as a magic number against garbage.
 */
enum wire_type {
	WIRE_CALL  = 0x41524331,   /* "ARC1": a call on a private connection */
	WIRE_REPLY = 0x41525231,   /* "ARR1": its reply */
	WIRE_CLONE = 0x41524e31,   /* "ARN1": "connect me", the one message a door accepts */
	WIRE_GRANT = 0x41524731,   /* "ARG1": the server's answer: the new connection */
};

struct wire_header {
	uint32_t type;
	int32_t word;
	uint8_t kinds[ARBOR_MSG_CAPS_MAX];
};

_Static_assert(sizeof(struct wire_header) == ARBOR_MSG_HEADER_SIZE, "wire header size");

/*
 * Send one message of the given type on a connection. caps are borrowed.
 * Never raises SIGPIPE; with dontwait the send never blocks. Returns 0,
 * ARBOR_E_OBJECT_GONE (peer closed), ARBOR_E_AGAIN or a negative errno.
 */
int wire_send(int fd, enum wire_type type, int32_t word, const void *payload, size_t size,
              struct arbor_cap *const caps[], unsigned ncaps, int dontwait);

/* Send a clone request or a grant (type) carrying passed_fd. */
int wire_send_fd(int fd, enum wire_type type, int passed_fd, int dontwait);

/*
 * Receive one message of the expected type into msg (which then owns its
 * caps). Received fds are closed on every error. Returns 0, ARBOR_E_AGAIN
 * (dontwait and nothing there), ARBOR_E_OBJECT_GONE (peer closed),
 * ARBOR_E_BAD_MESSAGE (another type, truncated, oversized, control data
 * cut, fds not matching the kinds). A clone request or a grant must carry
 * exactly one fd and nothing else; it is returned in *raw_fd.
 */
int wire_recv(int fd, enum wire_type type, struct arbor_msg *msg, int dontwait, int *raw_fd);

/* ---- capabilities (cap.c) ---- */

/* Wrap an fd received for an RPC cap, resolving local objects by inode. */
int cap_import_rpc(int fd, struct arbor_cap **out);

/* A new cap struct for fd (taken). */
struct arbor_cap *cap_alloc(int fd, enum arbor_cap_kind kind);

/* Take an idle private connection of an RPC cap (*pooled = 1), or mint one. */
int cap_conn_take(struct arbor_cap *cap, int *conn, int *pooled);
/* Return a connection after a completed call. */
void cap_conn_give(struct arbor_cap *cap, int conn);

/*
 * Call op on obj and take the one capability the reply carries into *out
 * (cleared on entry, owned by the caller). Returns 0, the error of
 * arbor_rpc_call() or ARBOR_E_BAD_MESSAGE (the reply carries no cap).
 * Shared by the session clients of lib/base (rpc_client.c).
 */
int rpc_call_for_cap(struct arbor_cap *obj, uint32_t op, const void *args, size_t size,
                     struct arbor_cap *const caps[], unsigned ncaps, struct arbor_cap **out);

/* Registry of local objects by door inode (rpc_server.c). */
void rpc_local_register(struct arbor_rpc_object *obj);
void rpc_local_unregister(struct arbor_rpc_object *obj);
/* A new reference to the cap of the local object whose door has inode ino, or NULL. */
struct arbor_cap *rpc_local_find_cap(uint64_t ino);

/* ---- entrypoint (entrypoint.c) ---- */

enum io_kind {
	IO_RAW = 0,
	IO_DOOR,
	IO_CONN,
	IO_STOP,
};

int ep_watch(struct arbor_ep *ep, struct arbor_io *io, uint32_t events, enum io_kind kind);
void ep_unwatch(struct arbor_io *io);

/* Dispatch of RPC traffic (rpc_server.c). */
void rpc_door_ready(struct arbor_io *io, uint32_t events);
void rpc_conn_ready(struct arbor_io *io, uint32_t events);


#endif
