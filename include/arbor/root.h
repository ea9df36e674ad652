/*
 * The server side of sessions: a component announces a service with a
 * root, and lib/base feeds it the session requests its parent routes here,
 * on the entrypoint: upgrades first, then closes, then creates (so that a
 * single-session server can take a new client in the round that closes the
 * old one).
 *
 * Each create carries the label (prefixed by every parent on the way), the
 * arguments and the donation that reached this server. A root checks that
 * the donation covers what the session costs it and answers
 * ARBOR_E_INSUFFICIENT_RAM / _CAPS otherwise: the client raises its
 * donation and asks again.
 */
#ifndef ARBOR_ROOT_H
#define ARBOR_ROOT_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>

struct arbor_root;

struct arbor_root_request {
	uint32_t server_id;          /* names the session towards the parent */
	const char *label;           /* borrowed for the call */
	const char *args;
	uint64_t ram, caps;          /* the donation that reached this server */
};

struct arbor_root_ops {
	/*
	 * Create a session: return 0 with *session (the root's handle, passed
	 * to upgrade/close) and *cap (a new reference, given to the parent),
	 * ARBOR_E_PENDING to answer later with arbor_root_deliver() or
	 * arbor_root_refuse(), or ARBOR_E_DENIED / ARBOR_E_INSUFFICIENT_RAM /
	 * ARBOR_E_INSUFFICIENT_CAPS.
	 */
	int (*create)(struct arbor_root *root, const struct arbor_root_request *req,
	              void **session, struct arbor_cap **cap);
	/* The client donated more. NULL: accepted without action. */
	void (*upgrade)(struct arbor_root *root, void *session, uint64_t ram, uint64_t caps);
	/* The client closed the session: release it. */
	void (*close)(struct arbor_root *root, void *session);
};

struct arbor_root {
	const struct arbor_root_ops *ops;
	char service[64];
	void *priv;
	struct arbor_root *next;     /* private */
};

/*
 * Serve service with root: announce it to the parent and take its
 * requests from now on. root must live as long as the component serves.
 * Returns 0, ARBOR_E_DENIED (the parent does not expect this service) or
 * an error of the parent interface.
 */
int arbor_root_announce(struct arbor_env *env, struct arbor_root *root, const char *service,
                        const struct arbor_root_ops *ops, void *priv);

/* Complete a create that returned ARBOR_E_PENDING. cap is borrowed. */
int arbor_root_deliver(struct arbor_root *root, uint32_t server_id, void *session,
                       struct arbor_cap *cap);
int arbor_root_refuse(struct arbor_root *root, uint32_t server_id, int error);

#endif
