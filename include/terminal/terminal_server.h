/*
 * The server side of the Terminal session (lib/terminal), shared by every
 * Terminal server: the I/O buffer, the operations of session/terminal.h,
 * the three signals and the waiting write. A server supplies a backend
 * (where input comes from and output goes) and reports its events; the
 * library does the rest on the entrypoint.
 */
#ifndef TERMINAL_TERMINAL_SERVER_H
#define TERMINAL_TERMINAL_SERVER_H

#include <stddef.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <arbor/root.h>
#include <session/terminal.h>

struct terminal_session;

struct terminal_backend {
	/* Copy up to max bytes of input to dst; return how many (0: none ready). */
	size_t (*read)(void *priv, void *dst, size_t max);
	/* Input bytes ready now. */
	size_t (*avail)(void *priv);
	/*
	 * Take up to len bytes of output; return how many were taken. Fewer
	 * than len makes the client's write wait until the backend calls
	 * terminal_session_output_ready(). Called only while connected.
	 */
	size_t (*write)(void *priv, const void *src, size_t len);
};

/*
 * A new session for the client of req: checks that req's donation covers
 * ARBOR_TERMINAL_SESSION_COST (ARBOR_E_INSUFFICIENT_RAM / _CAPS), allocates
 * the I/O buffer from the component's PD and serves the session on env's
 * entrypoint. It starts disconnected with size 0 x 0. Returns 0 or
 * ARBOR_E_DENIED (no memory, logged).
 */
int terminal_session_create(struct arbor_env *env, const struct arbor_root_request *req,
                            const struct terminal_backend *backend, void *priv,
                            struct terminal_session **out);

/* Revoke the session, complete a waiting write, free it. */
void terminal_session_destroy(struct terminal_session *s);

/* The session's capability, borrowed. */
struct arbor_cap *terminal_session_cap(struct terminal_session *s);

/* The label of the session's client. */
const char *terminal_session_label(const struct terminal_session *s);

/*
 * Events from the backend. Connected or not (signalled on each change; a
 * disconnect completes a waiting write with what was taken); input
 * arrived (read_avail signalled); the window size (size_changed
 * signalled when it differs); room for output (a waiting write goes on).
 */
void terminal_session_connected(struct terminal_session *s, int connected);
void terminal_session_input(struct terminal_session *s);
void terminal_session_size(struct terminal_session *s, unsigned columns, unsigned lines);
void terminal_session_output_ready(struct terminal_session *s);

#endif
