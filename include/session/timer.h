/*
 * Timer session: a client's source of time and timeouts. Each session has
 * one timeout at a time (one-shot or periodic, a new trigger replaces the
 * old one), signalled through the signal context the client registered,
 * and a clock that starts at zero when the session is created.
 */
#ifndef ARBOR_SESSION_TIMER_H
#define ARBOR_SESSION_TIMER_H

#include <stdint.h>

#define ARBOR_TIMER_SERVICE      "Timer"

/*
 * What a client donates: 8 KiB and 2 caps. The server needs
 * ARBOR_TIMER_SESSION_COST of it to arrive (its session state and its
 * share of the deadline heap); the rest leaves room for what each parent on
 * the way keeps (ARBOR_SESSION_STATE_RAM), so four hops need no retry.
 * Less than the cost is answered with ARBOR_E_INSUFFICIENT_RAM /
 * ARBOR_E_INSUFFICIENT_CAPS, and the client raises its donation.
 */
#define ARBOR_TIMER_SESSION_RAM   (8u * 1024)
#define ARBOR_TIMER_SESSION_CAPS  2u
#define ARBOR_TIMER_SESSION_COST  (4u * 1024)
#define ARBOR_TIMER_SESSION_COST_CAPS 1u

/*
 * A period below this is raised to it: it bounds the signals (and the
 * server's wake-ups) one client can cause to 1000 per second.
 */
#define ARBOR_TIMER_PERIOD_MIN_US 1000u

/* The longest timeout or period: 2^40 us, about 12.7 days. */
#define ARBOR_TIMER_TIMEOUT_MAX_US (1ull << 40)

enum arbor_timer_op {
	/*
	 * sigh(cap: signal context, or invalid to unregister): where timeouts
	 * are signalled. A timeout without a context passes unnoticed.
	 * Errors: ARBOR_E_INVALID_CAP (the cap is not a signal context).
	 */
	ARBOR_TIMER_SIGH = 0,
	/*
	 * trigger_once(struct arbor_timer_trigger_args): one signal us
	 * microseconds from now (0: at once), replacing the session's pending
	 * timeout, one-shot or periodic. Errors: ARBOR_E_INVALID (us above
	 * ARBOR_TIMER_TIMEOUT_MAX_US; the pending timeout stays).
	 */
	ARBOR_TIMER_TRIGGER_ONCE,
	/*
	 * trigger_periodic(struct arbor_timer_trigger_args): a signal every us
	 * microseconds, the first one period from now, replacing the pending
	 * timeout; us = 0 stops it, a period below ARBOR_TIMER_PERIOD_MIN_US is
	 * raised to it. A server running late submits the number of periods
	 * that passed, so the client's signal count stays the tick count.
	 * Errors: ARBOR_E_INVALID (us above ARBOR_TIMER_TIMEOUT_MAX_US).
	 */
	ARBOR_TIMER_TRIGGER_PERIODIC,
	/* elapsed_ms() -> struct arbor_timer_elapsed: milliseconds since the session was created. */
	ARBOR_TIMER_ELAPSED_MS,
	/* elapsed_us() -> struct arbor_timer_elapsed: microseconds since the session was created. */
	ARBOR_TIMER_ELAPSED_US,
	ARBOR_TIMER_NOPS
};

struct arbor_timer_trigger_args {
	uint64_t us;
};

/* Monotonic: never decreases within a session. */
struct arbor_timer_elapsed {
	uint64_t value;
};

#endif
