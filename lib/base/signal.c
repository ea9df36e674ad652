/*
 * Signal contexts as non-blocking eventfds: a submit adds to the counter,
 * the entrypoint reads and resets it and runs the handler with the count.
 * Core's seccomp policy keeps any holder from clearing O_NONBLOCK, so a
 * sender never blocks and a receiver never hangs in read.
 */
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/signal.h>
#include "internal.h"

static void signal_ready(struct arbor_io *io, uint32_t events)
{
	struct arbor_signal_handler *sh = container_of(io, struct arbor_signal_handler, io);
	uint64_t count;

	if (read(io->fd, &count, sizeof(count)) != sizeof(count) || !count)
		return;
	sh->fn(sh, count);
}

int arbor_signal_handler_init(struct arbor_signal_handler *sh, struct arbor_ep *ep,
                              arbor_signal_fn fn)
{
	int fd, err;

	sh->fn = fn;
	sh->cap = NULL;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return errno == EMFILE || errno == ENFILE ? ARBOR_E_OUT_OF_CAPS : -errno;
	sh->cap = cap_alloc(fd, ARBOR_CAP_SIGNAL);
	if (!sh->cap) {
		close(fd);
		return -ENOMEM;
	}
	sh->io.fd = fd;
	sh->io.fn = signal_ready;
	err = arbor_io_watch(ep, &sh->io, EPOLLIN);
	if (err) {
		arbor_cap_unref(sh->cap);
		sh->cap = NULL;
	}
	return err;
}

void arbor_signal_handler_fini(struct arbor_signal_handler *sh)
{
	if (!sh->cap)
		return;
	arbor_io_unwatch(&sh->io);
	arbor_cap_unref(sh->cap);
	sh->cap = NULL;
}

struct arbor_cap *arbor_signal_handler_cap(struct arbor_signal_handler *sh)
{
	return sh->cap;
}

int arbor_signal_submit(struct arbor_cap *context, uint64_t count)
{
	if (!context || context->kind != ARBOR_CAP_SIGNAL)
		return ARBOR_E_INVALID_CAP;
	if (count == 0)
		return 0;
	if (count > UINT64_MAX - 1)
		count = UINT64_MAX - 1;
	if (write(context->fd, &count, sizeof(count)) == sizeof(count))
		return 0;
	return errno == EAGAIN ? 0 : ARBOR_E_INVALID_CAP;
}
