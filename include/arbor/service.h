/*
 * Sessions as a parent sees them: a session state per session a child
 * (or the parent itself, forwarding for its own parent) has at a service,
 * and the services a route can lead to. Three kinds of service exist:
 *
 *   parent service  forwarded to this component's own parent; answered
 *                   at once or, when pending there, on a later SESSION
 *                   signal (arbor_parent_service_*)
 *   child service   served by a child; requests queue until the child
 *                   takes them, answers arrive later (arbor_child_service_*)
 *   local service   served by this component itself, synchronously
 *                   (arbor_local_service_*)
 *
 * The session's donation moves with it: from the client to this
 * component (which keeps ARBOR_SESSION_STATE_RAM), and from here to the
 * server; on close it flows back the same way. All functions run on the
 * entrypoint.
 */
#ifndef ARBOR_SERVICE_H
#define ARBOR_SERVICE_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <session/parent.h>

struct arbor_child;
struct arbor_service;

/* Genode's session phases (base/session_state.h). */
enum arbor_session_phase {
	ARBOR_PHASE_CREATE_REQUESTED,
	ARBOR_PHASE_FAILED,            /* denied or insufficient: error says which */
	ARBOR_PHASE_AVAILABLE,         /* the cap is in, the client has not fetched it */
	ARBOR_PHASE_CAP_HANDED_OUT,
	ARBOR_PHASE_UPGRADE_REQUESTED,
	ARBOR_PHASE_CLOSE_REQUESTED,
	ARBOR_PHASE_CLOSED,
};

struct arbor_session {
	struct arbor_service *service;
	enum arbor_session_phase phase;
	int error;                        /* ARBOR_PHASE_FAILED: the server's answer */
	uint64_t ram, caps;               /* donated to the server so far */
	uint64_t upgrade_ram, upgrade_caps;   /* an upgrade under way */
	struct arbor_cap *cap;            /* once delivered; owned */
	char service_name[ARBOR_SERVICE_NAME_MAX];
	char label[ARBOR_LABEL_MAX];      /* as the server sees it */
	char args[ARBOR_SESSION_ARGS_MAX];/* as the server sees it */
	char *client_label;               /* as the client's parent routed it (owned), or NULL */

	/*
	 * The owner: a child's session (client, client_id) or one this
	 * component opened for its own parent's request. answered() runs
	 * after an asynchronous change of phase; NULL for an orphan whose
	 * owner is gone, which the service then just finishes.
	 */
	struct arbor_child *client;
	uint32_t client_id;
	void (*answered)(struct arbor_session *s);
	void *owner;

	/* private to the service */
	uint32_t server_id;
	void *server_obj;                 /* a local service's object */
	int handed_to_server;             /* the server has taken the current request */
	struct arbor_session *next_at_service;
	struct arbor_session *next_at_client;
};

struct arbor_service_ops {
	/*
	 * Act on s->phase (CREATE_, UPGRADE_ or CLOSE_REQUESTED), with the
	 * donation (s->ram/caps, or s->upgrade_*) in this component's PD. A
	 * synchronous answer sets the new phase before returning (and for a
	 * failed create returns the donation to this component's PD); an
	 * asynchronous one comes later through s->answered.
	 */
	void (*initiate)(struct arbor_service *svc, struct arbor_session *s);
	/* The owner gives s up: finish or drop it without telling anyone. */
	void (*orphan)(struct arbor_service *svc, struct arbor_session *s);
};

struct arbor_service {
	char name[ARBOR_SERVICE_NAME_MAX];
	const struct arbor_service_ops *ops;
	struct arbor_env *env;
	struct arbor_session *sessions;   /* sessions at this service */
	int abandoned;                    /* no new sessions: the server is going away */
	void *priv;
};

/* Allocate a session state for service name with server-side label and args. */
struct arbor_session *arbor_session_new(const char *service, const char *label,
                                        const char *args, uint64_t ram, uint64_t caps);
void arbor_session_free(struct arbor_session *s);

/* A create's outcome: available, or failed with err (s then leaves its service). */
void arbor_session_created(struct arbor_session *s, int err);
/* An upgrade went through: its donation is the session's now, the session established again. */
void arbor_session_upgraded(struct arbor_session *s);

/* Genode's name of a phase in state reports (CREATING, OK, CLOSING, ...). */
const char *arbor_session_phase_name(const struct arbor_session *s);

/* Start s at svc; the phase afterwards says how it went (see initiate). */
void arbor_service_initiate(struct arbor_service *svc, struct arbor_session *s);

/* Let s finish at its service without an owner (its client is gone). */
void arbor_service_orphan(struct arbor_session *s);

/* Unlink s from its service's list (the service does this when done). */
void arbor_service_forget(struct arbor_session *s);

/* ---- parent service: forward to this component's parent ---- */

/* A service forwarded upwards; name is the service name at the parent. */
int arbor_parent_service_new(struct arbor_env *env, const char *name,
                             struct arbor_service **out);
void arbor_parent_service_free(struct arbor_service *svc);

/* ---- local service: answered by this component itself ---- */

struct arbor_local_ops {
	/* Serve s (label, args, client): 0 with *cap (a new reference) and *obj, or an error. */
	int (*create)(struct arbor_service *svc, struct arbor_session *s,
	              void **obj, struct arbor_cap **cap);
	void (*close)(struct arbor_service *svc, void *obj);
};

int arbor_local_service_new(struct arbor_env *env, const char *name,
                            const struct arbor_local_ops *ops, void *priv,
                            struct arbor_service **out);
void arbor_local_service_free(struct arbor_service *svc);

#endif
