/*
 * Capabilities: reference-counted fd owners. For RPC capabilities this is
 * also where private connections are minted and pooled: a caller never
 * calls on the door itself but on a connection of its own, so concurrent
 * callers each get their own reply.
 */
#include <stdlib.h>
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
	    (kind != ARBOR_CAP_RPC && kind != ARBOR_CAP_DATASPACE && kind != ARBOR_CAP_SIGNAL)) {
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
	local = local_find_cap((uint64_t)st.st_ino);
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

int cap_conn_take(struct arbor_cap *cap, int *conn)
{
	int sv[2], err;

	*conn = -1;
	pthread_mutex_lock(&cap->lock);
	if (cap->nidle) {
		*conn = cap->idle[--cap->nidle];
		pthread_mutex_unlock(&cap->lock);
		return 0;
	}
	pthread_mutex_unlock(&cap->lock);

	/*
	 * Mint a connection: one end stays with us, the other goes through
	 * the door. The clone request needs no reply, so it is safe on a door
	 * other holders share; calls queued on the new connection wait until
	 * the server has taken it in.
	 */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return errno == EMFILE || errno == ENFILE ? ARBOR_E_OUT_OF_CAPS : -errno;
	err = wire_send_clone(cap->fd, sv[1]);
	close(sv[1]);
	if (err) {
		close(sv[0]);
		return err;
	}
	*conn = sv[0];
	return 0;
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
