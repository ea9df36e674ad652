/*
 * The server side of RPC: objects, their doors and private connections,
 * and dispatch from each interface's table. Requests are decoded and
 * checked against the table (opcode, exact size, cap count) before a
 * handler sees them; a connection that sends garbage is closed, the rest
 * of the server carries on.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "internal.h"

struct arbor_rpc_conn {
	struct arbor_io io;
	struct arbor_rpc_object *obj;      /* NULL once closed */
	struct arbor_rpc_conn *next, *prev;
	unsigned refs;                     /* open + dispatch + deferred replies; ep thread only */
};

struct door {
	struct arbor_io io;
	struct arbor_rpc_object *obj;
};

/* ---- registry of local objects, by the inode of their door ---- */

#define LOCAL_BUCKETS 256

static pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;
static struct arbor_rpc_object *local_table[LOCAL_BUCKETS];
static atomic_uint local_count;

static unsigned bucket(uint64_t ino)
{
	return (unsigned)((ino * 0x9e3779b97f4a7c15ull) >> 56) % LOCAL_BUCKETS;
}

void rpc_local_register(struct arbor_rpc_object *obj)
{
	pthread_mutex_lock(&local_lock);
	unsigned b = bucket(obj->door_ino);
	obj->hash_next = local_table[b];
	local_table[b] = obj;
	atomic_fetch_add(&local_count, 1);
	pthread_mutex_unlock(&local_lock);
}

void rpc_local_unregister(struct arbor_rpc_object *obj)
{
	pthread_mutex_lock(&local_lock);
	for (struct arbor_rpc_object **p = &local_table[bucket(obj->door_ino)]; *p; p = &(*p)->hash_next) {
		if (*p == obj) {
			*p = obj->hash_next;
			atomic_fetch_sub(&local_count, 1);
			break;
		}
	}
	pthread_mutex_unlock(&local_lock);
}

struct arbor_cap *rpc_local_find_cap(uint64_t ino)
{
	struct arbor_cap *cap = NULL;

	if (!atomic_load_explicit(&local_count, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&local_lock);
	for (struct arbor_rpc_object *o = local_table[bucket(ino)]; o; o = o->hash_next) {
		if (o->door_ino == ino) {
			cap = arbor_cap_ref(o->cap);
			break;
		}
	}
	pthread_mutex_unlock(&local_lock);
	return cap;
}

/* ---- connections ---- */

static void conn_unref(struct arbor_rpc_conn *conn)
{
	if (--conn->refs == 0)
		free(conn);
}

static void conn_close(struct arbor_rpc_conn *conn)
{
	struct arbor_rpc_object *obj = conn->obj;

	if (!obj)
		return;
	ep_unwatch(&conn->io);
	close(conn->io.fd);
	conn->io.fd = -1;
	if (conn->prev)
		conn->prev->next = conn->next;
	else
		obj->conns = conn->next;
	if (conn->next)
		conn->next->prev = conn->prev;
	obj->nconns--;
	conn->obj = NULL;
	conn_unref(conn);
}

static void conn_evict(struct arbor_rpc_conn *conn, const char *why)
{
	struct arbor_rpc_object *obj = conn->obj;

	if (obj->label)
		arbor_warning("%s (\"%s\"): closing a client connection: %s", obj->iface->name,
		              obj->label, why);
	else
		arbor_warning("%s: closing a client connection: %s", obj->iface->name, why);
	conn_close(conn);
}

static int conn_add(struct arbor_rpc_object *obj, int fd)
{
	struct arbor_rpc_conn *conn = calloc(1, sizeof(*conn));
	int err;

	if (!conn)
		return -ENOMEM;
	conn->io.fd = fd;
	conn->obj = obj;
	conn->refs = 1;
	err = ep_watch(obj->ep, &conn->io, EPOLLIN, IO_CONN);
	if (err) {
		free(conn);
		return err;
	}
	conn->next = obj->conns;
	if (obj->conns)
		obj->conns->prev = conn;
	obj->conns = conn;
	obj->nconns++;
	return 0;
}

/* ---- objects ---- */

int arbor_rpc_object_manage(struct arbor_ep *ep, struct arbor_rpc_object *obj,
                            const struct arbor_rpc_interface *iface)
{
	struct door *door;
	struct stat st;
	int sv[2], err;

	memset(obj, 0, sizeof(*obj));
	obj->iface = iface;
	obj->ep = ep;
	obj->door_fd = -1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return errno == EMFILE || errno == ENFILE ? ARBOR_E_OUT_OF_CAPS : -errno;
	if (fstat(sv[1], &st) < 0) {
		err = -errno;
		goto fail_pair;
	}
	door = calloc(1, sizeof(*door));
	obj->cap = door ? cap_alloc(sv[1], ARBOR_CAP_RPC) : NULL;
	if (!obj->cap) {
		err = -ENOMEM;
		goto fail_door;
	}
	obj->cap->ino = obj->door_ino = (uint64_t)st.st_ino;
	obj->cap->local = obj;
	obj->door_fd = sv[0];

	door->io.fd = sv[0];
	door->obj = obj;
	err = ep_watch(ep, &door->io, EPOLLIN, IO_DOOR);
	if (err)
		goto fail_cap;
	obj->io_door = door;
	rpc_local_register(obj);
	return 0;

fail_cap:
	obj->cap->local = NULL;
	arbor_cap_unref(obj->cap);   /* closes sv[1] */
	obj->cap = NULL;
	free(door);
	close(sv[0]);
	return err;
fail_door:
	free(door);
fail_pair:
	close(sv[0]);
	close(sv[1]);
	return err;
}

void arbor_rpc_object_dissolve(struct arbor_rpc_object *obj)
{
	struct door *door = obj->io_door;

	if (!door)
		return;
	rpc_local_unregister(obj);
	ep_unwatch(&door->io);
	close(obj->door_fd);
	obj->door_fd = -1;
	free(door);
	obj->io_door = NULL;

	while (obj->conns)
		conn_close(obj->conns);

	obj->cap->local = NULL;
	arbor_cap_unref(obj->cap);
	obj->cap = NULL;
}

struct arbor_cap *arbor_rpc_object_cap(struct arbor_rpc_object *obj)
{
	return obj->cap;
}

struct arbor_rpc_object *arbor_rpc_object_lookup(struct arbor_ep *ep, struct arbor_cap *cap,
                                                 const struct arbor_rpc_interface *iface)
{
	struct arbor_rpc_object *obj;

	if (!cap || cap->kind != ARBOR_CAP_RPC)
		return NULL;
	obj = cap->local;
	if (!obj || obj->ep != ep || obj->iface != iface)
		return NULL;
	return obj;
}

/* ---- dispatch ---- */

#define DOOR_BATCH 16

void rpc_door_ready(struct arbor_io *io, uint32_t events)
{
	struct door *door = container_of(io, struct door, io);
	struct arbor_rpc_object *obj = door->obj;
	struct arbor_msg msg;

	for (int i = 0; i < DOOR_BATCH && obj->io_door == door; i++) {
		int reply_to, sv[2];
		int err = wire_recv(io->fd, WIRE_CLONE, &msg, 1, &reply_to);

		if (err == ARBOR_E_AGAIN || err == ARBOR_E_OBJECT_GONE)
			return;
		/* Garbage on a shared door is dropped: one holder must not revoke the others. */
		if (err)
			continue;
		/*
		 * The connection is ours: one end goes back through the socket
		 * the caller sent. If that is not the caller's (another door, say),
		 * the grant is refused there, our end hangs up and is closed.
		 */
		if (obj->nconns >= ARBOR_RPC_CONNS_MAX ||
		    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
			close(reply_to);   /* the caller sees the request refused */
			continue;
		}
		if (conn_add(obj, sv[0])) {
			close(sv[0]);
			close(sv[1]);
			close(reply_to);
			continue;
		}
		err = wire_send_fd(reply_to, WIRE_GRANT, sv[1], 1);
		close(sv[1]);
		close(reply_to);
		if (err)
			conn_close(obj->conns);   /* conn_add put it first */
	}
}

static int check_request(const struct arbor_rpc_op *op, const struct arbor_msg *in,
                         const char **why)
{
	if (in->size < op->size_min || in->size > op->size_max) {
		*why = "wrong payload size";
		return -1;
	}
	if (in->ncaps != op->caps) {
		*why = "wrong number of capabilities";
		return -1;
	}
	return 0;
}

void rpc_conn_ready(struct arbor_io *io, uint32_t events)
{
	struct arbor_rpc_conn *conn = container_of(io, struct arbor_rpc_conn, io);
	struct arbor_rpc_object *obj = conn->obj;
	const struct arbor_rpc_interface *iface = obj->iface;
	const struct arbor_rpc_op *op = NULL;
	struct arbor_msg in, out;
	const char *why;
	int status, err;

	err = wire_recv(io->fd, WIRE_CALL, &in, 1, NULL);
	if (err == ARBOR_E_AGAIN)
		return;
	if (err == ARBOR_E_OBJECT_GONE || err == ARBOR_E_INVALID_CAP) {
		conn_close(conn);
		return;
	}
	if (err) {
		conn_evict(conn, err == ARBOR_E_BAD_MESSAGE ? "malformed message" : arbor_strerror(err));
		return;
	}

	if (in.word >= 0 && (uint32_t)in.word < iface->nops && iface->ops[in.word].handler)
		op = &iface->ops[in.word];
	if (!op) {
		arbor_msg_release(&in);
		if (wire_send(io->fd, WIRE_REPLY, ARBOR_E_UNKNOWN_OPCODE, NULL, 0, NULL, 0, 1))
			conn_close(conn);
		return;
	}
	if (check_request(op, &in, &why)) {
		arbor_msg_release(&in);
		conn_evict(conn, why);
		return;
	}

	struct arbor_rpc_request req = { .object = obj, .in = &in, .out = &out, .conn = conn };
	arbor_msg_init(&out);
	conn->refs++;
	status = op->handler(&req);
	arbor_msg_release(&in);

	if (status != ARBOR_RPC_DEFERRED && conn->obj) {
		err = wire_send(conn->io.fd, WIRE_REPLY, status, out.payload, out.size, out.caps,
		                out.ncaps, 1);
		if (err)
			conn_close(conn);
	}
	arbor_msg_release(&out);
	conn_unref(conn);
}

struct arbor_rpc_conn *arbor_rpc_defer(struct arbor_rpc_request *req)
{
	req->conn->refs++;
	return req->conn;
}

int arbor_rpc_reply(struct arbor_rpc_conn *conn, int32_t status,
                    const void *payload, size_t size,
                    struct arbor_cap *const caps[], unsigned ncaps)
{
	int err = ARBOR_E_OBJECT_GONE;

	if (conn->obj) {
		err = wire_send(conn->io.fd, WIRE_REPLY, status, payload, size, caps, ncaps, 1);
		if (err)
			conn_close(conn);
	}
	conn_unref(conn);
	return err;
}

int arbor_rpc_take_sigh(struct arbor_rpc_request *req, unsigned i, struct arbor_cap **slot)
{
	struct arbor_cap *sigh = arbor_msg_take_cap(req->in, i);

	if (sigh && arbor_cap_kind(sigh) != ARBOR_CAP_SIGNAL) {
		arbor_cap_unref(sigh);
		return ARBOR_E_INVALID_CAP;
	}
	arbor_cap_unref(*slot);
	*slot = sigh;
	return 0;
}
