/*
 * A parent's view of one child: its environment sessions (PD, CPU, LOG,
 * binary ROM) obtained from the parent's own parent, its quota, its
 * process, and the parent capability it is started with. Session requests
 * of the child go to the policy first (services the parent provides
 * itself); everything else is forwarded upwards with the child's name
 * prefixed to the label and the donation charged to the child's PD.
 *
 * This is the mechanism init's routing policy (lib/sandbox) builds on.
 * All functions run on the parent's entrypoint thread.
 */
#ifndef ARBOR_CHILD_H
#define ARBOR_CHILD_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <session/pd.h>

struct arbor_child;

struct arbor_child_policy {
	/*
	 * A session the parent serves itself: return 0 with *cap (a new
	 * reference), ARBOR_E_NOT_FOUND to forward the request upwards, or an
	 * error to deny it. NULL: forward everything.
	 */
	int (*session)(struct arbor_child *child, const char *service, const char *args,
	               struct arbor_cap **cap);
	/* The child's process ended; st says how. NULL: log it. */
	void (*exited)(struct arbor_child *child, const struct arbor_pd_exit_state *st);
};

struct arbor_child_config {
	const char *name;                 /* the label element the child is known by */
	const char *binary;               /* ROM module; NULL: name */
	uint64_t ram, caps;               /* quota moved to the child's PD */
	const char *const *argv;          /* NULL: just the name */
	const struct arbor_child_policy *policy;   /* may be NULL */
	void *priv;
};

/*
 * Create the child's sessions, move its quota and start it. On failure
 * everything obtained so far is returned. Errors: those of the parent
 * interface and PD session (ARBOR_E_DENIED for a missing ROM module,
 * ARBOR_E_OUT_OF_RAM when the parent cannot pay), -ENOMEM.
 */
int arbor_child_start(struct arbor_env *env, const struct arbor_child_config *cfg,
                      struct arbor_child **out);

/*
 * Tear the child down in order: its parent capability is revoked, its CPU
 * session closed first, then every session it opened (donations return),
 * its PD last (its process dies, its quota returns to this parent).
 */
void arbor_child_destroy(struct arbor_child *child);

const char *arbor_child_name(const struct arbor_child *child);
void *arbor_child_priv(const struct arbor_child *child);
/* The child's PD session capability (borrowed). */
struct arbor_cap *arbor_child_pd(const struct arbor_child *child);
/* Non-zero once the child's process has ended. */
int arbor_child_exited(const struct arbor_child *child);

/* A fresh id for a session this component opens at its parent. */
uint32_t arbor_session_id_alloc(void);

#endif
