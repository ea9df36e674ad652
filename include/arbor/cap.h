/*
 * Capabilities: unforgeable, reference-counted references to objects, each
 * backed by one file descriptor that travels only inside RPC messages.
 *
 *   RPC object   the client end of the object's "door" (a SOCK_SEQPACKET
 *                socket pair whose other end the server owns). Callers never
 *                call on the door: each calling thread mints a private
 *                connection through it (see rpc.h), so every call gets its
 *                own reply and the server knows the object by the
 *                connection a request arrives on, never by a number.
 *   dataspace    a sealed memfd; read-only holders get an O_RDONLY file.
 *   signal       an eventfd of the receiving component (see signal.h).
 */
#ifndef ARBOR_CAP_H
#define ARBOR_CAP_H

#include <stdint.h>

enum arbor_cap_kind {
	ARBOR_CAP_NONE      = 0,  /* empty message slot */
	ARBOR_CAP_INVALID   = 1,  /* an explicitly invalid capability (carries no fd) */
	ARBOR_CAP_RPC       = 2,
	ARBOR_CAP_DATASPACE = 3,
	ARBOR_CAP_SIGNAL    = 4,
	ARBOR_CAP_DEVICE    = 5,  /* a host device, socket or file core opened (/dev/kvm, a TCP socket, a Host_file image) */
};

struct arbor_cap;

/*
 * Wrap a file descriptor as a capability of the given kind. Takes the fd
 * (it is closed when the last reference goes, or right away on failure).
 * Returns 0 and *out, or ARBOR_E_INVALID_CAP when fd does not fit kind,
 * or -ENOMEM.
 */
int arbor_cap_from_fd(int fd, enum arbor_cap_kind kind, struct arbor_cap **out);

/* Add a reference; returns cap. NULL is passed through. */
struct arbor_cap *arbor_cap_ref(struct arbor_cap *cap);

/* Drop a reference; the last one closes the fd and every private connection. */
void arbor_cap_unref(struct arbor_cap *cap);

enum arbor_cap_kind arbor_cap_kind(const struct arbor_cap *cap);

/* The capability's fd, borrowed: valid while the caller holds a reference. */
int arbor_cap_fd(const struct arbor_cap *cap);

/*
 * Close the idle private connections of an RPC capability (they are minted
 * again on the next call). Frees fds after a burst of concurrent callers.
 */
void arbor_cap_trim(struct arbor_cap *cap);

/* Non-zero when cap refers to an RPC object served by this component. */
int arbor_cap_is_local(const struct arbor_cap *cap);

#endif
