/*
 * A parent's view of one child: its environment sessions (PD, CPU, LOG,
 * binary ROM), its quota, its process, the parent interface served to it,
 * and the services it provides. Every session the child asks for is routed
 * by the policy to a service (arbor/service.h); without a resolve() hook,
 * the policy's session() hook serves it locally and everything else goes to
 * this component's own parent. The child's environment sessions are routed
 * the same way, and the child starts once all four are there (a child
 * waiting for one is "incomplete").
 *
 * This is the mechanism init's engine (lib/sandbox) builds on. All
 * functions run on the parent's entrypoint thread.
 */
#ifndef ARBOR_CHILD_H
#define ARBOR_CHILD_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <arbor/service.h>
#include <session/cpu.h>
#include <session/log.h>
#include <session/pd.h>
#include <session/rom.h>

struct arbor_child;

struct arbor_child_policy {
	/*
	 * Route a session: service is the service name, label the label as
	 * prefixed with the child's name. Return 0 with *svc and the label the
	 * server is to see in server_label, or ARBOR_E_DENIED (the policy
	 * logs why). NULL: see session().
	 */
	int (*resolve)(struct arbor_child *child, const char *service, const char *label,
	               struct arbor_service **svc, char *server_label, size_t size);
	/*
	 * Without resolve(): a session the parent serves itself. Return 0
	 * with *cap (a new reference), ARBOR_E_NOT_FOUND to forward the
	 * request upwards, or an error to deny it. NULL: forward everything.
	 */
	int (*session)(struct arbor_child *child, const char *service, const char *args,
	               struct arbor_cap **cap);
	/* The child's process ended; st says how. NULL: log it. */
	void (*exited)(struct arbor_child *child, const struct arbor_pd_exit_state *st);
	/* The child announced a service. Return 0 or ARBOR_E_DENIED. NULL: deny. */
	int (*announce)(struct arbor_child *child, const char *service);
	/* Something of interest changed (a session, a request, a state): for reports. */
	void (*changed)(struct arbor_child *child);
	/* The child asks for resources (logged by the child module already). */
	void (*resource_request)(struct arbor_child *child, uint64_t ram, uint64_t caps);
	/* The child answered a yield request. */
	void (*yield_response)(struct arbor_child *child);
};

struct arbor_child_config {
	const char *name;                 /* the label element the child is known by */
	const char *binary;               /* ROM module; NULL: name */
	uint64_t ram, caps;               /* what the child costs in all, env sessions included */
	const char *const *argv;          /* NULL: just the name */
	const struct arbor_child_policy *policy;   /* may be NULL */
	void *priv;
};

/*
 * What a child's environment sessions cost: taken from its configured
 * quota before the rest goes to its PD.
 */
#define ARBOR_CHILD_ENV_RAM  (ARBOR_PD_SESSION_RAM + ARBOR_CPU_SESSION_RAM + \
                              ARBOR_LOG_SESSION_RAM + ARBOR_ROM_SESSION_RAM)
#define ARBOR_CHILD_ENV_CAPS (ARBOR_PD_SESSION_CAPS + ARBOR_CPU_SESSION_CAPS + \
                              ARBOR_LOG_SESSION_CAPS + ARBOR_ROM_SESSION_CAPS)

/*
 * Create the child without starting anything: add the services it
 * provides (arbor_child_service_new()) before arbor_child_launch().
 * Errors: ARBOR_E_DENIED (no parent), ARBOR_E_INVALID (quota below
 * ARBOR_CHILD_ENV_*), -ENOMEM, -EMFILE.
 */
int arbor_child_new(struct arbor_env *env, const struct arbor_child_config *cfg,
                    struct arbor_child **out);

/*
 * Route and open the child's environment sessions, move its quota, start
 * it once they are all there. A child whose environment is pending starts
 * when the sessions arrive (arbor_child_incomplete() says what it waits
 * for). Errors: an environment session refused at once (ARBOR_E_DENIED,
 * ARBOR_E_OUT_OF_RAM: the parent cannot pay...); the child then stays
 * incomplete.
 */
int arbor_child_launch(struct arbor_child *child);

/* arbor_child_new() and arbor_child_launch(); on failure nothing is left. */
int arbor_child_start(struct arbor_env *env, const struct arbor_child_config *cfg,
                      struct arbor_child **out);

/*
 * Tear the child down in order: its parent capability is revoked, its CPU
 * session closed first, the services it provides abandoned (their sessions
 * closed, the clients told), every session it opened closed, its PD last
 * (its process dies, its quota returns to this parent).
 */
void arbor_child_destroy(struct arbor_child *child);

const char *arbor_child_name(const struct arbor_child *child);
void *arbor_child_priv(const struct arbor_child *child);
/* The child's PD session capability (borrowed), NULL before it is there. */
struct arbor_cap *arbor_child_pd(const struct arbor_child *child);
/* Non-zero once the child's process has ended. */
int arbor_child_exited(const struct arbor_child *child);
/* The process's end (valid once arbor_child_exited()). */
const struct arbor_pd_exit_state *arbor_child_exit_state(const struct arbor_child *child);
/* Non-zero once the child's quota is in its PD (just before the start). */
int arbor_child_quota_moved(const struct arbor_child *child);
/* Non-zero once the process runs (or ran). */
int arbor_child_started(const struct arbor_child *child);
/* NULL, or why the child has not started: "waiting for LOG session", "denied ROM session". */
const char *arbor_child_incomplete(const struct arbor_child *child);

/* Environment session i (0 PD, 1 CPU, 2 LOG, 3 ROM) or NULL. */
struct arbor_session *arbor_child_env_session(const struct arbor_child *child, unsigned i);
/* The sessions the child opened (first; then s->next_at_client). */
struct arbor_session *arbor_child_sessions(const struct arbor_child *child);
/* The last resource request (0/0 when none is open). */
void arbor_child_requested(const struct arbor_child *child, uint64_t *ram, uint64_t *caps);
/* Forget the resource request (the parent granted it) and signal RESOURCE_AVAIL. */
void arbor_child_resource_avail(struct arbor_child *child);
/* Ask the child to give back ram/caps: stored and signalled (YIELD). */
void arbor_child_yield(struct arbor_child *child, uint64_t ram, uint64_t caps);
/* Send a heartbeat; returns the beats the child has not answered (skipped + 1). */
unsigned arbor_child_heartbeat(struct arbor_child *child);

/* ---- the child as a server ---- */

/*
 * A service the child provides (from its <provides>): requests queue here
 * until the child announces and takes them. Owned by the child; abandoned
 * and freed with it.
 */
int arbor_child_service_new(struct arbor_child *child, const char *name,
                            struct arbor_service **out);
/* Has the child announced it? */
int arbor_child_service_announced(const struct arbor_service *svc);
/* The child providing svc (NULL for other kinds of service). */
struct arbor_child *arbor_child_service_child(const struct arbor_service *svc);
/* The child's services (first; NULL-terminated through arbor_child_service_next). */
struct arbor_service *arbor_child_services(const struct arbor_child *child);
struct arbor_service *arbor_child_service_next(const struct arbor_service *svc);

#endif
