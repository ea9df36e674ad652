/*
 * A listen session's listening socket (made by core, see session/host_tcp.h):
 * the first peer becomes the session's; while it is there, a further peer
 * is told that the port is busy and closed, and the first goes on.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <session/host_tcp.h>
#include "tcp_terminal.h"

/* Connections taken per wake-up: a flood of them must not starve the other sessions. */
#define ACCEPT_BATCH 16

/* accept4(), non-blocking: an fd, or a negative errno. */
static int sock_accept(int listener)
{
	int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Failures of one connection that accept(2) reports on the listener; the next may do. */
static int transient(int err)
{
	switch (-err) {
	case EINTR: case ECONNABORTED: case EPROTO: case ENETDOWN: case ENOPROTOOPT:
	case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case EOPNOTSUPP: case ENETUNREACH:
	case EPERM:
		return 1;
	default:
		return 0;
	}
}

/*
 * Say why, then close. The peer gets the line and an orderly end of
 * stream: whatever it already sent is read first, since closing on
 * unread bytes would reset the connection and could lose the line.
 */
static void refuse(struct tcp_session *s, int fd)
{
	char line[64], name[64], sink[512];
	int len = snprintf(line, sizeof(line), "tcp_terminal: port %u is busy\r\n", s->endpoint.port);

	session_peer_name(fd, name, sizeof(name));
	arbor_log("'%s': refused %s, port %u is busy", s->label, name, s->endpoint.port);
	send(fd, line, (size_t)len, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 8 && recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;                            /* bounded: a peer that keeps sending gets its reset */
	close(fd);
}

static void adopt(struct tcp_session *s, int fd)
{
	char name[64];
	int one = 1;
	int err;

	/* keystrokes and echoes are small: send each at once rather than wait for more */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	session_peer_name(fd, name, sizeof(name));
	err = peer_attach(&s->peer, fd);
	if (err)
		arbor_warning("'%s': cannot take peer %s: %s", s->label, name, arbor_strerror(err));
	else
		arbor_log("'%s': peer %s connected", s->label, name);
}

static void pause_listener(struct tcp_session *s)
{
	if (s->listener_watched)
		arbor_io_unwatch(&s->listener_io);
	s->listener_watched = 0;
}

static void incoming(struct arbor_io *io, uint32_t events)
{
	struct tcp_session *s = container_of(io, struct tcp_session, listener_io);

	for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
		int fd = sock_accept(io->fd);

		if (fd == -EAGAIN)
			return;
		if (fd < 0 && transient(fd))
			continue;
		if (fd < 0) {
			/* out of fds or memory: a level-triggered listener would spin; wait instead */
			arbor_warning("'%s': cannot accept on port %u: %s; trying again shortly", s->label,
			              s->endpoint.port, arbor_strerror(fd));
			pause_listener(s);
			session_retry_later(s);
			return;
		}
		if (peer_present(&s->peer))
			refuse(s, fd);
		else
			adopt(s, fd);
	}
}

void listener_resume(struct tcp_session *s)
{
	int err;

	if (s->listener_watched || s->listener_io.fd < 0)
		return;
	err = arbor_io_watch(s->tt->env->ep, &s->listener_io, EPOLLIN);
	if (err) {
		arbor_warning("'%s': cannot watch port %u: %s", s->label, s->endpoint.port,
		              arbor_strerror(err));
		session_retry_later(s);
		return;
	}
	s->listener_watched = 1;
}

int listener_start(struct tcp_session *s)
{
	int fd, err = session_host_socket(s, ARBOR_HOST_TCP_LISTENER, &fd);

	if (err) {
		arbor_warning("'%s' denied: no listener for %s: %s", s->label, s->endpoint.text,
		              arbor_strerror(err));
		return err;
	}
	s->listener_io.fd = fd;
	s->listener_io.fn = incoming;
	err = arbor_io_watch(s->tt->env->ep, &s->listener_io, EPOLLIN);
	if (err) {
		arbor_warning("'%s' denied: cannot watch %s: %s", s->label, s->endpoint.text,
		              arbor_strerror(err));
		close(fd);
		s->listener_io.fd = -1;
		return err;
	}
	s->listener_watched = 1;
	return 0;
}

void listener_stop(struct tcp_session *s)
{
	if (s->listener_io.fd < 0)
		return;
	pause_listener(s);
	close(s->listener_io.fd);
	s->listener_io.fd = -1;
}
