/*
 * The Timer session's client library (lib/timer): a connection, the
 * session's operations (session/timer.h) and blocking sleeps. All calls
 * block the calling thread until the server answered; none needs the
 * entrypoint to run, so they work inside component_construct() too.
 */
#ifndef TIMER_TIMER_CLIENT_H
#define TIMER_TIMER_CLIENT_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <session/timer.h>

struct timer_connection {
	struct arbor_env *env;
	struct arbor_connection conn;
	struct arbor_cap *sigh;        /* the client's context (a reference), restored after sleeps */
	struct arbor_cap *sleep_sigh;  /* private context of timer_msleep(), made on first use */
};

/*
 * Open a Timer session labeled label (may be "") with the donation of
 * session/timer.h, raised as the parents ask. Returns 0 or an error of
 * arbor_connection_open() (ARBOR_E_DENIED: no route to a timer).
 */
int timer_connection_open(struct arbor_env *env, struct timer_connection *t, const char *label);

/* Close the session (its donation returns) and drop the contexts. */
void timer_connection_close(struct timer_connection *t);

/*
 * Signal timeouts to sigh (borrowed; the connection keeps a reference),
 * NULL to stop. Returns 0, ARBOR_E_INVALID_CAP or an RPC error
 * (ARBOR_E_OBJECT_GONE when the timer went away).
 */
int timer_sigh(struct timer_connection *t, struct arbor_cap *sigh);

/* One signal us microseconds from now. ARBOR_E_INVALID (us too large) or an RPC error. */
int timer_trigger_once(struct timer_connection *t, uint64_t us);

/* A signal every us microseconds (0 stops; raised to 1000). ARBOR_E_INVALID or an RPC error. */
int timer_trigger_periodic(struct timer_connection *t, uint64_t us);

/* Time since the session was created, into *ms / *us (0 on error). Returns 0 or an RPC error. */
int timer_elapsed_ms(struct timer_connection *t, uint64_t *ms);
int timer_elapsed_us(struct timer_connection *t, uint64_t *us);

/*
 * Block the calling thread for at least us microseconds / ms
 * milliseconds: trigger_once with a private signal context, then poll on
 * that context's eventfd (a stale signal only makes it check the session's
 * clock and wait on; so does a second without signal, which is how a timer
 * that went away is noticed). The session has one timeout: a sleep
 * replaces a pending trigger_once or trigger_periodic, which is not
 * restored; the client's own sigh is registered again afterwards. Use a
 * connection of its own for sleeping beside other timeouts. Not for
 * concurrent use on one connection. Returns 0, ARBOR_E_INVALID (longer
 * than ARBOR_TIMER_TIMEOUT_MAX_US), -EMFILE (no fd for the context), or an
 * RPC error (ARBOR_E_OBJECT_GONE: the timer went away).
 */
int timer_usleep(struct timer_connection *t, uint64_t us);
int timer_msleep(struct timer_connection *t, uint64_t ms);

#endif
