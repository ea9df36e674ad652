/*
 * The Terminal session's client library (lib/terminal): open a session,
 * move bytes of any length through its I/O buffer, ask for its state and
 * register signal contexts. Calls block until the server answered (a write
 * also until the server took the bytes); none needs the entrypoint to run.
 */
#ifndef TERMINAL_TERMINAL_CLIENT_H
#define TERMINAL_TERMINAL_CLIENT_H

#include <stddef.h>
#include <sys/types.h>
#include <arbor/cap.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <session/terminal.h>

struct terminal_connection {
	struct arbor_env *env;
	struct arbor_connection conn;
	char *io;                      /* the I/O buffer, mapped writeable */
	size_t mapped;
};

/*
 * Open a Terminal session labeled label (may be "") and map its I/O
 * buffer. Returns 0 or an error of arbor_connection_open() (ARBOR_E_DENIED:
 * no route, or no policy at the server), of the DATASPACE call or of
 * mapping it.
 */
int terminal_connection_open(struct arbor_env *env, struct terminal_connection *t,
                             const char *label);

/* Unmap the buffer and close the session; its donation returns. */
void terminal_connection_close(struct terminal_connection *t);

/*
 * Read up to max bytes of input into dst, without waiting: returns the
 * count (0: nothing there) or a negative error (ARBOR_E_OBJECT_GONE when
 * the server went away).
 */
ssize_t terminal_read(struct terminal_connection *t, void *dst, size_t max);

/*
 * Write len bytes from src, in buffer-sized calls, waiting while the
 * server's backlog is full. Returns len, fewer when the session is or
 * becomes disconnected, or a negative error.
 */
ssize_t terminal_write(struct terminal_connection *t, const void *src, size_t len);

/* Input bytes ready into *n. Returns 0 or an error. */
int terminal_avail(struct terminal_connection *t, size_t *n);

/* The window size (0 x 0: unknown). Returns 0 or an error. */
int terminal_size(struct terminal_connection *t, struct arbor_terminal_size *size);

/* 1 while connected, 0 while not, or a negative error. */
int terminal_connected(struct terminal_connection *t);

/*
 * Register a signal context (borrowed; NULL to unregister) for the session
 * becoming connected or disconnected, for input, for a new window size.
 * Returns 0, ARBOR_E_INVALID_CAP or an RPC error.
 */
int terminal_connected_sigh(struct terminal_connection *t, struct arbor_cap *sigh);
int terminal_read_avail_sigh(struct terminal_connection *t, struct arbor_cap *sigh);
int terminal_size_changed_sigh(struct terminal_connection *t, struct arbor_cap *sigh);

#endif
