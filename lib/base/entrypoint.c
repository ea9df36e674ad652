/*
 * The entrypoint: one thread, one epoll set. Everything a component serves
 * (RPC doors and connections, signal contexts, raw fds) is dispatched from
 * here, one event at a time, so handlers never run concurrently.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include "internal.h"

#define EP_BATCH 32

struct arbor_ep {
	int epfd;
	struct arbor_io stop;
	atomic_int stopping;
	/* the batch being dispatched: entries are cleared when unwatched */
	struct epoll_event batch[EP_BATCH];
	int batch_len;
	int batch_pos;
};

int arbor_ep_new(struct arbor_ep **out)
{
	struct arbor_ep *ep;
	int err;

	*out = NULL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ep->epfd < 0) {
		err = -errno;
		goto fail_free;
	}
	ep->stop.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ep->stop.fd < 0) {
		err = -errno;
		goto fail_epoll;
	}
	err = ep_watch(ep, &ep->stop, EPOLLIN, IO_STOP);
	if (err)
		goto fail_stop;
	*out = ep;
	return 0;

fail_stop:
	close(ep->stop.fd);
fail_epoll:
	close(ep->epfd);
fail_free:
	free(ep);
	return err;
}

void arbor_ep_free(struct arbor_ep *ep)
{
	if (!ep)
		return;
	close(ep->stop.fd);
	close(ep->epfd);
	free(ep);
}

int ep_watch(struct arbor_ep *ep, struct arbor_io *io, uint32_t events, enum io_kind kind)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	io->ep = ep;
	io->kind = kind;
	if (epoll_ctl(ep->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0)
		return -errno;
	return 0;
}

void ep_unwatch(struct arbor_io *io)
{
	struct arbor_ep *ep = io->ep;

	if (!ep)
		return;
	epoll_ctl(ep->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	/* The io may be freed right after: forget it in the batch in flight. */
	for (int i = ep->batch_pos; i < ep->batch_len; i++)
		if (ep->batch[i].data.ptr == io)
			ep->batch[i].data.ptr = NULL;
	io->ep = NULL;
}

int arbor_io_watch(struct arbor_ep *ep, struct arbor_io *io, uint32_t events)
{
	return ep_watch(ep, io, events, IO_RAW);
}

void arbor_io_unwatch(struct arbor_io *io)
{
	ep_unwatch(io);
}

static void dispatch_one(struct arbor_io *io, uint32_t events)
{
	switch (io->kind) {
	case IO_DOOR: rpc_door_ready(io, events); break;
	case IO_CONN: rpc_conn_ready(io, events); break;
	case IO_STOP: break;
	default:      io->fn(io, events); break;
	}
}

int arbor_ep_dispatch(struct arbor_ep *ep, int timeout_ms)
{
	int n;

	do
		n = epoll_wait(ep->epfd, ep->batch, EP_BATCH, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;

	ep->batch_len = n;
	for (ep->batch_pos = 0; ep->batch_pos < ep->batch_len; ) {
		struct epoll_event *ev = &ep->batch[ep->batch_pos++];
		if (ev->data.ptr)
			dispatch_one(ev->data.ptr, ev->events);
	}
	ep->batch_len = ep->batch_pos = 0;
	return n;
}

int arbor_ep_run(struct arbor_ep *ep)
{
	while (!atomic_load(&ep->stopping)) {
		int err = arbor_ep_dispatch(ep, -1);
		if (err < 0)
			return err;
	}
	atomic_store(&ep->stopping, 0);
	uint64_t v;
	while (read(ep->stop.fd, &v, sizeof(v)) == sizeof(v))
		;
	return 0;
}

void arbor_ep_stop(struct arbor_ep *ep)
{
	uint64_t one = 1;

	atomic_store(&ep->stopping, 1);
	if (write(ep->stop.fd, &one, sizeof(one)) < 0) {
		/* counter saturated: the wakeup is pending anyway */
	}
}
