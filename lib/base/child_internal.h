/*
 * The child module's shared state: lib/base/child.c (life cycle and
 * environment), child_client.c (the child's sessions) and child_server.c
 * (the services the child provides).
 */
#ifndef ARBOR_BASE_CHILD_INTERNAL_H
#define ARBOR_BASE_CHILD_INTERNAL_H

#include <arbor/child.h>
#include <arbor/rpc.h>
#include <arbor/signal.h>
#include <session/parent.h>

/*
 * Sessions a child may hold through its parent: a child that is a parent
 * itself needs room for its children's environments. The bound keeps a
 * child from making its parent's state grow without limit.
 */
#define CHILD_SESSIONS_MAX 4096u

#define CHILD_ENV_SESSIONS 4             /* PD, CPU, LOG, ROM: ids 1..4 */
#define ENV_ATTEMPTS_MAX   16            /* raising an env donation, then give up */

struct arbor_child {
	struct arbor_env *env;
	char name[ARBOR_LABEL_MAX];
	char binary[ARBOR_LABEL_MAX];
	const struct arbor_child_policy *policy;
	void *priv;
	uint64_t ram, caps;
	char **argv;

	struct arbor_rpc_object parent_obj;
	struct arbor_signal_handler exit_handler;
	struct arbor_session *env_sessions[CHILD_ENV_SESSIONS];
	uint64_t env_ram[CHILD_ENV_SESSIONS], env_caps[CHILD_ENV_SESSIONS];   /* donations */
	unsigned env_attempts[CHILD_ENV_SESSIONS];
	int env_ready;                       /* PD set up, quota moved */
	int started, exited;
	struct arbor_pd_exit_state exit_state;
	char incomplete[160];

	struct arbor_session *sessions;      /* opened by the child */
	unsigned nsessions;
	struct arbor_service *services;      /* provided by the child (child services) */

	struct arbor_cap *sighs[ARBOR_SIGNAL_KINDS];
	uint64_t requested_ram, requested_caps;
	struct arbor_parent_quota yield;
	unsigned heartbeats;                 /* sent and not answered */
	int destroying;
};

/* The private part of a child service. */
struct child_service {
	struct arbor_service svc;
	struct arbor_child *child;
	int announced;
	struct child_service *next;
};

/* Signal the child (no-op when it has not registered a context for which). */
void child_signal(struct arbor_child *c, unsigned which);
void child_changed(struct arbor_child *c);

/* The route of a session: default routing without a resolve() hook. */
int child_resolve(struct arbor_child *c, const char *service, const char *label,
                  struct arbor_service **svc, char *server_label, size_t size);

/* Start s at svc, forwarding upwards what a policy's session() hook passes on. */
void child_initiate(struct arbor_child *c, struct arbor_service *svc, struct arbor_session *s);

/* The parent-interface handlers, by role. */
int child_op_session(struct arbor_rpc_request *req);
int child_op_session_cap(struct arbor_rpc_request *req);
int child_op_upgrade(struct arbor_rpc_request *req);
int child_op_close(struct arbor_rpc_request *req);
int child_op_announce(struct arbor_rpc_request *req);
int child_op_next_request(struct arbor_rpc_request *req);
int child_op_deliver(struct arbor_rpc_request *req);
int child_op_response(struct arbor_rpc_request *req);

/* Close every session the child opened (orphaning those still pending). */
void child_close_sessions(struct arbor_child *c);

/* Abandon the child's services; after its PD is gone, finish their sessions. */
void child_abandon_services(struct arbor_child *c);
void child_free_services(struct arbor_child *c);

#endif
