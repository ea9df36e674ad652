/*
 * A session as its client sees it: opened through the parent with a label
 * and a donation, used through its capability, upgraded when the server
 * needs more, closed to get the donation back. The calls block until the
 * parent answers, retrying as Genode's clients do: an insufficient
 * donation is raised (RAM by 4 KiB, caps by 4) and tried again; a client
 * that cannot pay asks its parent for resources and waits for them; a
 * pending answer is awaited.
 */
#ifndef ARBOR_CONNECTION_H
#define ARBOR_CONNECTION_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/env.h>
#include <session/parent.h>

struct arbor_connection {
	uint32_t id;                 /* in this component's id space at its parent */
	struct arbor_cap *cap;       /* the session; owned by the connection */
	uint64_t ram, caps;          /* donated so far */
	char service[ARBOR_SERVICE_NAME_MAX];
};

/*
 * Open a session of service with the given label (may be "") and initial
 * donation; extra holds further "key=value" arguments or is NULL.
 * Returns 0 or: ARBOR_E_DENIED (logged as Genode's "stop because parent
 * denied ..."), ARBOR_E_TOO_LARGE (arguments truncated), the error of an
 * upstream failure.
 */
int arbor_connection_open(struct arbor_env *env, struct arbor_connection *c,
                          const char *service, const char *label,
                          uint64_t ram, uint64_t caps, const char *extra);

/* Donate more; waits for the server. Returns 0 or an error. */
int arbor_connection_upgrade(struct arbor_env *env, struct arbor_connection *c,
                             uint64_t ram, uint64_t caps);

/* Close the session and wait until its donation is back. */
void arbor_connection_close(struct arbor_env *env, struct arbor_connection *c);

#endif
