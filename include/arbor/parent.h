/*
 * Client side of the parent interface (see session/parent.h for the
 * operations and their errors). These are the raw calls: they never wait
 * for a pending answer. arbor/connection.h builds the usual blocking,
 * retrying session client on them; arbor/root.h the server side.
 */
#ifndef ARBOR_PARENT_H
#define ARBOR_PARENT_H

#include <stdint.h>
#include <arbor/cap.h>
#include <session/parent.h>

struct arbor_env;

/* A fresh id for a session this component opens at its parent. */
uint32_t arbor_session_id_alloc(void);

/*
 * Open a session; *out is the session capability (owned by the caller),
 * NULL when the answer is ARBOR_E_PENDING or an error.
 */
int arbor_parent_session(struct arbor_cap *parent, uint32_t id, const char *service,
                         const char *args, struct arbor_cap **out);

/* The capability of a session (e.g. the env sessions 1..4); ARBOR_E_PENDING. */
int arbor_parent_session_cap(struct arbor_cap *parent, uint32_t id, struct arbor_cap **out);

/* Donate more to a session. Returns 0, ARBOR_E_PENDING or an error. */
int arbor_parent_upgrade(struct arbor_cap *parent, uint32_t id, uint64_t ram, uint64_t caps);

/* Close a session; its donation flows back. Returns 0 or ARBOR_E_PENDING. */
int arbor_parent_close(struct arbor_cap *parent, uint32_t id);

/* Report the exit value (a hint: the parent decides what follows). */
int arbor_parent_exit(struct arbor_cap *parent, int code);

/* Where the parent signals which (enum arbor_parent_signal); context is borrowed. */
int arbor_parent_sigh(struct arbor_cap *parent, unsigned which, struct arbor_cap *context);

/* Declare that this component serves service. ARBOR_E_DENIED when not expected. */
int arbor_parent_announce(struct arbor_cap *parent, const char *service);

/* The next session request for this server. ARBOR_E_NOT_FOUND when none is left. */
int arbor_parent_next_request(struct arbor_cap *parent, struct arbor_parent_request *out);

/* Answer a CREATE with the session's capability (borrowed). */
int arbor_parent_deliver(struct arbor_cap *parent, uint32_t server_id, struct arbor_cap *session);

/* Answer a request with enum arbor_session_result or an ARBOR_E_* error. */
int arbor_parent_response(struct arbor_cap *parent, uint32_t server_id, int result);

int arbor_parent_resource_request(struct arbor_cap *parent, uint64_t ram, uint64_t caps);
int arbor_parent_yield_request(struct arbor_cap *parent, struct arbor_parent_quota *out);
int arbor_parent_yield_response(struct arbor_cap *parent);
int arbor_parent_heartbeat_response(struct arbor_cap *parent);

/* ---- the parent's signals, received on the component's entrypoint ---- */

typedef void (*arbor_parent_signal_fn)(struct arbor_env *env, unsigned which);

/*
 * Run fn on the entrypoint whenever the parent signals which. The signal
 * context is created and registered with the parent on first use; one
 * handler per kind (a later call replaces it; NULL removes it). Returns 0
 * or an error of arbor_signal_handler_init() or the SIGH call.
 */
int arbor_parent_signal_handle(struct arbor_env *env, unsigned which, arbor_parent_signal_fn fn);

/*
 * Create and register the signal context for which now (it is done on
 * first use otherwise): before a request whose answer is that signal, so
 * that a quick answer finds it. Returns 0 or an error as above.
 */
int arbor_parent_signal_register(struct arbor_env *env, unsigned which);

/*
 * Block the calling thread until the parent signals which or timeout_ms
 * passes (-1: forever). A handler registered for which still runs later on
 * the entrypoint. Returns 0 (signalled), ARBOR_E_AGAIN (timeout) or an
 * error registering the context.
 */
int arbor_parent_signal_wait(struct arbor_env *env, unsigned which, int timeout_ms);

/*
 * Answer heartbeats from the entrypoint (lib/base's main does this for
 * every component before component_construct()).
 */
int arbor_parent_heartbeat_enable(struct arbor_env *env);

#endif
