/*
 * Signals: asynchronous notifications without payload. A signal context is
 * an eventfd owned by the receiving component and watched by its
 * entrypoint; its capability lets a holder submit. Submissions coalesce
 * into a count that the handler receives; the counter is reset on delivery.
 * Senders never block: a saturated counter just stays pending.
 */
#ifndef ARBOR_SIGNAL_H
#define ARBOR_SIGNAL_H

#include <stdint.h>
#include <arbor/cap.h>
#include <arbor/entrypoint.h>

struct arbor_signal_handler;

/* Runs on the entrypoint with the number of submissions since the last run. */
typedef void (*arbor_signal_fn)(struct arbor_signal_handler *sh, uint64_t count);

/* Embed in the receiving object; use container_of() in fn. */
struct arbor_signal_handler {
	struct arbor_io io;        /* private */
	arbor_signal_fn fn;
	struct arbor_cap *cap;     /* the context's capability, kind SIGNAL */
};

/* Create the context and watch it on ep. Returns 0, -ENOMEM or -EMFILE. */
int arbor_signal_handler_init(struct arbor_signal_handler *sh, struct arbor_ep *ep,
                              arbor_signal_fn fn);

/* Stop watching and drop the context; later submissions are lost harmlessly. */
void arbor_signal_handler_fini(struct arbor_signal_handler *sh);

/* The context's capability, borrowed (arbor_cap_ref() to keep it). */
struct arbor_cap *arbor_signal_handler_cap(struct arbor_signal_handler *sh);

/*
 * Submit count (>= 1) to a signal context. Never blocks. Returns 0,
 * ARBOR_E_INVALID_CAP for a cap of another kind, or 0 as well when the
 * counter is saturated (the signal is pending anyway).
 */
int arbor_signal_submit(struct arbor_cap *context, uint64_t count);

#endif
