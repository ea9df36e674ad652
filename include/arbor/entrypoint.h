/*
 * An entrypoint: one thread that waits on an epoll set and serialises
 * everything a component serves: RPC requests, signal handlers and (for
 * components bridging to the host) raw file-descriptor events.
 */
#ifndef ARBOR_ENTRYPOINT_H
#define ARBOR_ENTRYPOINT_H

#include <stdint.h>
#include <arbor/util.h>

struct arbor_ep;
struct arbor_io;

/* Called on the entrypoint with the epoll events that fired. */
typedef void (*arbor_io_fn)(struct arbor_io *io, uint32_t events);

/* A raw fd watched by the entrypoint; embed it and use container_of(). */
struct arbor_io {
	int fd;              /* borrowed: the owner closes it after arbor_io_unwatch() */
	arbor_io_fn fn;
	uint32_t kind;       /* private */
	struct arbor_ep *ep; /* private */
};

/* A new entrypoint (not yet running). Returns 0, -ENOMEM or -EMFILE. */
int arbor_ep_new(struct arbor_ep **out);

/* Free an entrypoint that no longer runs; objects must be dissolved first. */
void arbor_ep_free(struct arbor_ep *ep);

/*
 * Dispatch until arbor_ep_stop(). Returns 0 after a stop, or a negative
 * errno if epoll itself fails.
 */
int arbor_ep_run(struct arbor_ep *ep);

/*
 * Wait up to timeout_ms (-1: forever) and dispatch what is ready.
 * Returns the number of events dispatched, or a negative errno.
 */
int arbor_ep_dispatch(struct arbor_ep *ep, int timeout_ms);

/* Make arbor_ep_run() return. Thread-safe and async-signal-safe. */
void arbor_ep_stop(struct arbor_ep *ep);

/*
 * Watch io->fd for events (EPOLLIN, ...), level-triggered; io->fn runs on
 * the entrypoint. Returns 0 or a negative errno.
 */
int arbor_io_watch(struct arbor_ep *ep, struct arbor_io *io, uint32_t events);
void arbor_io_unwatch(struct arbor_io *io);

#endif
