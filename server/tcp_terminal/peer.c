/*
 * A Terminal session's TCP peer (see peer.h). The socket is watched
 * level-triggered, so each event is watched only while it means work:
 * EPOLLIN while the client has drained what it was told about (otherwise
 * unread input would wake us forever), EPOLLOUT while a write waits for
 * room in the socket, EPOLLRDHUP until the peer's end of stream was seen.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include "peer.h"

/* ---- the syscalls, each wrapped once: 0 / a count, or a negative errno ---- */

static ssize_t sock_recv(int fd, void *dst, size_t max, int flags)
{
	ssize_t n = recv(fd, dst, max, flags | MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

static ssize_t sock_send(int fd, const void *src, size_t len)
{
	/* MSG_NOSIGNAL: a peer that left is an error here, not a SIGPIPE for the server */
	ssize_t n = send(fd, src, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	return n < 0 ? -errno : n;
}

static size_t sock_pending(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) < 0 || n < 0 ? 0 : (size_t)n;
}

/* ---- the watch ---- */

static uint32_t wanted(const struct peer *p)
{
	uint32_t events = 0;

	if (!p->input_pending && !p->eof)
		events |= EPOLLIN;       /* after the end of stream, EPOLLIN would fire for ever */
	if (!p->eof)
		events |= EPOLLRDHUP;
	if (p->output_waits || p->broken)
		events |= EPOLLOUT;      /* a broken socket is writable at once: the next event */
	return events;
}

/*
 * Watch for what the state asks; the entrypoint has no "modify", so a
 * change re-adds. Returns 0 or the error of watching (then unwatched).
 */
static int rewatch(struct peer *p)
{
	uint32_t events = wanted(p);
	int err;

	if (events == p->watching)
		return 0;
	if (p->watching)
		arbor_io_unwatch(&p->io);
	p->watching = 0;
	/*
	 * Nothing asked for: input waits for the client and the peer's end was
	 * seen; the client's read or the linger timer moves on. (Watching for
	 * no events would register the fd while p->watching says it is not.)
	 */
	if (!events)
		return 0;
	/* EPOLLERR and EPOLLHUP come anyway, even with no event asked for */
	err = arbor_io_watch(p->ep, &p->io, events);
	if (err)
		arbor_warning("cannot watch a peer's socket: %s", arbor_strerror(err));
	else
		p->watching = events;
	return err;
}

static void linger_stop(struct peer *p)
{
	if (p->linger.fd < 0)
		return;
	arbor_io_unwatch(&p->linger);
	close(p->linger.fd);
	p->linger.fd = -1;
}

static void close_socket(struct peer *p)
{
	linger_stop(p);
	if (p->watching)
		arbor_io_unwatch(&p->io);
	close(p->fd);
	p->fd = -1;
	p->io.fd = -1;
	p->watching = 0;
	p->input_pending = p->eof = p->broken = p->output_waits = 0;
}

/* The peer left: the session becomes disconnected (a waiting write completes), the owner hears. */
static void gone(struct peer *p)
{
	close_socket(p);
	terminal_session_connected(p->terminal, 0);
	p->gone(p);
}

static void linger_expired(struct arbor_io *io, uint32_t events)
{
	struct peer *p = container_of(io, struct peer, linger);

	if (peer_present(p))
		gone(p);
}

/*
 * The peer stopped sending (it may still read): the client has
 * PEER_LINGER_MS to read what is left and answer, then the peer is gone.
 */
static void linger_start(struct peer *p)
{
	struct itimerspec when = {
		.it_value = { .tv_sec = PEER_LINGER_MS / 1000,
		              .tv_nsec = (PEER_LINGER_MS % 1000) * 1000000L },
	};
	int fd;

	if (p->linger.fd >= 0)
		return;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0 || timerfd_settime(fd, 0, &when, NULL) < 0) {
		if (fd >= 0)
			close(fd);
		gone(p);                 /* no way to bound the wait: do not wait */
		return;
	}
	p->linger.fd = fd;
	p->linger.fn = linger_expired;
	if (arbor_io_watch(p->ep, &p->linger, EPOLLIN)) {
		close(fd);
		p->linger.fd = -1;
		gone(p);
	}
}

/* The client asked for input and got less than it could take: tell it of the next. */
static void rearm_input(struct peer *p)
{
	p->input_pending = 0;
	rewatch(p);
}

static void events_ready(struct arbor_io *io, uint32_t events)
{
	struct peer *p = container_of(io, struct peer, io);
	size_t pending;
	char byte;

	if (events & (EPOLLERR | EPOLLHUP) || p->broken) {
		gone(p);
		return;
	}
	if (events & EPOLLOUT) {
		p->output_waits = 0;
		rewatch(p);
		terminal_session_output_ready(p->terminal);   /* may wait again, never closes */
	}
	if (!(events & (EPOLLIN | EPOLLRDHUP)))
		return;
	if (events & EPOLLRDHUP)
		p->eof = 1;
	pending = sock_pending(p->fd);
	if (pending) {
		p->input_pending = 1;
		rewatch(p);
		terminal_session_input(p->terminal);
		if (p->eof)
			linger_start(p);     /* may end the peer */
		return;
	}
	/* readable with nothing to read: the end of stream, unless it was a false alarm */
	if (!p->eof && sock_recv(p->fd, &byte, 1, MSG_PEEK) == 0)
		p->eof = 1;
	rewatch(p);
	if (p->eof)
		linger_start(p);         /* the peer may still read the answer to its last line */
}

/* ---- the backend ---- */

static size_t backend_read(void *priv, void *dst, size_t max)
{
	struct peer *p = priv;
	ssize_t n;

	if (!peer_present(p) || !max)
		return 0;                /* recv() of 0 bytes would read as end of stream */
	n = sock_recv(p->fd, dst, max, 0);
	if (n > 0) {
		/* a full read may leave more: the client asks again without a signal */
		if ((size_t)n < max)
			rearm_input(p);
		return (size_t)n;
	}
	if (n == -EAGAIN || n == -EINTR)
		rearm_input(p);
	else
		gone(p);                 /* 0: end of stream; otherwise reset */
	return 0;
}

static size_t backend_avail(void *priv)
{
	struct peer *p = priv;

	return peer_present(p) ? sock_pending(p->fd) : 0;
}

static size_t backend_write(void *priv, const void *src, size_t len)
{
	struct peer *p = priv;
	ssize_t n;

	if (!peer_present(p))
		return len;              /* closing: the bytes have nowhere to go */
	n = sock_send(p->fd, src, len);
	if (n == -EAGAIN || n == -EINTR)
		n = 0;
	if (n < 0) {
		/*
		 * The peer is gone, but we are inside the client's write: leaving
		 * now would strand it. The socket's next event (EPOLLOUT, at once)
		 * disconnects, which answers the write with what was taken.
		 */
		p->broken = 1;
		n = 0;
	} else if ((size_t)n < len) {
		p->output_waits = 1;     /* the rest when the socket has room */
	}
	if (n < (ssize_t)len)
		rewatch(p);
	return (size_t)n;
}

const struct terminal_backend peer_backend = {
	.read = backend_read,
	.avail = backend_avail,
	.write = backend_write,
};

/* ---- attach and detach ---- */

void peer_init(struct peer *p, struct arbor_ep *ep, peer_gone_fn gone_fn)
{
	p->fd = -1;
	p->io.fd = -1;
	p->linger.fd = -1;
	p->io.fn = events_ready;
	p->ep = ep;
	p->watching = 0;
	p->input_pending = p->eof = p->broken = p->output_waits = 0;
	p->gone = gone_fn;
}

int peer_attach(struct peer *p, int fd)
{
	int err;

	p->fd = fd;
	p->io.fd = fd;
	err = rewatch(p);
	if (err) {
		close(fd);
		p->fd = p->io.fd = -1;
		return err;
	}
	terminal_session_connected(p->terminal, 1);
	return 0;
}

void peer_detach(struct peer *p)
{
	if (peer_present(p))
		close_socket(p);
}
