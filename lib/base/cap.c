/*
 * Capabilities: reference-counted fd owners. For RPC capabilities this is
 * also where private connections are minted and pooled: a caller never
 * calls on the door itself but on a connection of its own, so concurrent
 * callers each get their own reply.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arbor/error.h>
#include "internal.h"

struct arbor_cap *cap_alloc(int fd, enum arbor_cap_kind kind)
{
	struct arbor_cap *cap = calloc(1, sizeof(*cap));

	if (!cap)
		return NULL;
	atomic_init(&cap->refs, 1);
	cap->kind = (uint8_t)kind;
	cap->fd = fd;
	pthread_mutex_init(&cap->lock, NULL);
	return cap;
}

int arbor_cap_from_fd(int fd, enum arbor_cap_kind kind, struct arbor_cap **out)
{
	struct stat st;

	*out = NULL;
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return ARBOR_E_INVALID_CAP;
	}
	if ((kind == ARBOR_CAP_RPC && !S_ISSOCK(st.st_mode)) ||
	    (kind == ARBOR_CAP_DATASPACE && !S_ISREG(st.st_mode)) ||
	    (kind == ARBOR_CAP_DEVICE && !S_ISCHR(st.st_mode) && !S_ISSOCK(st.st_mode) &&
	     !S_ISREG(st.st_mode)) ||
	    (kind != ARBOR_CAP_RPC && kind != ARBOR_CAP_DATASPACE && kind != ARBOR_CAP_SIGNAL &&
	     kind != ARBOR_CAP_DEVICE)) {
		close(fd);
		return ARBOR_E_INVALID_CAP;
	}
	if (kind == ARBOR_CAP_RPC)
		return cap_import_rpc(fd, out);
	*out = cap_alloc(fd, kind);
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

int cap_import_rpc(int fd, struct arbor_cap **out)
{
	struct stat st;
	struct arbor_cap *local;

	*out = NULL;
	if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode)) {
		close(fd);
		return ARBOR_E_INVALID_CAP;
	}
	/*
	 * One of our own objects coming back: the fd names the same socket
	 * as the door we keep, so use the object's cap and drop the fd. The
	 * identity is the kernel's inode, never a number from the sender.
	 */
	local = rpc_local_find_cap((uint64_t)st.st_ino);
	if (local) {
		close(fd);
		*out = local;
		return 0;
	}
	*out = cap_alloc(fd, ARBOR_CAP_RPC);
	if (!*out) {
		close(fd);
		return -ENOMEM;
	}
	(*out)->ino = (uint64_t)st.st_ino;
	return 0;
}

struct arbor_cap *arbor_cap_ref(struct arbor_cap *cap)
{
	if (cap)
		atomic_fetch_add_explicit(&cap->refs, 1, memory_order_relaxed);
	return cap;
}

void arbor_cap_unref(struct arbor_cap *cap)
{
	if (!cap || atomic_fetch_sub_explicit(&cap->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < cap->nidle; i++)
		close(cap->idle[i]);
	if (cap->fd >= 0)
		close(cap->fd);
	pthread_mutex_destroy(&cap->lock);
	free(cap);
}

enum arbor_cap_kind arbor_cap_kind(const struct arbor_cap *cap)
{
	return cap ? (enum arbor_cap_kind)cap->kind : ARBOR_CAP_INVALID;
}

int arbor_cap_fd(const struct arbor_cap *cap)
{
	return cap ? cap->fd : -1;
}

int arbor_cap_is_local(const struct arbor_cap *cap)
{
	return cap && cap->local != NULL;
}

void arbor_cap_trim(struct arbor_cap *cap)
{
	int idle[CAP_IDLE_MAX];
	unsigned n;

	if (!cap)
		return;
	pthread_mutex_lock(&cap->lock);
	n = cap->nidle;
	memcpy(idle, cap->idle, n * sizeof(int));
	cap->nidle = 0;
	pthread_mutex_unlock(&cap->lock);
	for (unsigned i = 0; i < n; i++)
		close(idle[i]);
}

int cap_conn_take(struct arbor_cap *cap, int *conn, int *pooled)
{
	int sv[2], err;

	*conn = -1;
	*pooled = 0;
	pthread_mutex_lock(&cap->lock);
	if (cap->nidle) {
		*conn = cap->idle[--cap->nidle];
		*pooled = 1;
		pthread_mutex_unlock(&cap->lock);
		return 0;
	}
	pthread_mutex_unlock(&cap->lock);

	/*
	 * Mint a connection. The server makes it: we send one end of a
	 * scratch socket pair through the door, and the server answers on it
	 * with one end of a pair it created itself. A server therefore never
	 * adopts a socket a client chose (which could be some other object's
	 * door, never hanging up), and the request carries no reply on the
	 * door itself, so the door is safe to share among holders.
	 */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return errno == EMFILE || errno == ENFILE ? ARBOR_E_OUT_OF_CAPS : -errno;
	err = wire_send_fd(cap->fd, WIRE_CLONE, sv[1], 0);
	close(sv[1]);
	if (!err) {
		struct arbor_msg grant;
		err = wire_recv(sv[0], WIRE_GRANT, &grant, 0, conn);
	}
	close(sv[0]);
	return err;
}

void cap_conn_give(struct arbor_cap *cap, int conn)
{
	pthread_mutex_lock(&cap->lock);
	if (cap->nidle < CAP_IDLE_MAX) {
		cap->idle[cap->nidle++] = conn;
		conn = -1;
	}
	pthread_mutex_unlock(&cap->lock);
	if (conn >= 0)
		close(conn);
}
