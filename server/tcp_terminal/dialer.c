/*
 * An outgoing session (a policy with ip=): core makes a connection under
 * way to ip:port per CONNECT call; it is settled once the socket turns
 * writable, SO_ERROR says how. A failure, or a peer that leaves, tries
 * again after TCP_TERMINAL_RETRY_MS; only the first failure of a series is
 * logged, so that a peer that is down for an hour does not fill the log.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <session/host_tcp.h>
#include "tcp_terminal.h"

/* How the connection attempt on fd ended: 0 connected, or a negative errno. */
static int sock_outcome(int fd)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(int), alen = sizeof(addr);
	int error = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len))
		return -errno;
	if (error)
		return -error;
	/* a connect that failed at once leaves no SO_ERROR, just an unconnected socket */
	if (getpeername(fd, (struct sockaddr *)&addr, &alen))
		return -errno;
	return 0;
}

static void failed(struct tcp_session *s, int err)
{
	if (!s->failures++)
		arbor_warning("'%s': cannot connect to %s: %s; trying again every %u ms", s->label,
		              s->endpoint.text, arbor_strerror(err), TCP_TERMINAL_RETRY_MS);
	session_retry_later(s);
}

static void close_attempt(struct tcp_session *s)
{
	arbor_io_unwatch(&s->dial_io);
	close(s->dial_io.fd);
	s->dial_io.fd = -1;
}

static void settled(struct arbor_io *io, uint32_t events)
{
	struct tcp_session *s = container_of(io, struct tcp_session, dial_io);
	int fd = io->fd, one = 1;
	int err = sock_outcome(fd);

	if (err) {
		close_attempt(s);
		failed(s, err);
		return;
	}
	arbor_io_unwatch(&s->dial_io);
	s->dial_io.fd = -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	err = peer_attach(&s->peer, fd);      /* takes fd */
	if (err) {
		failed(s, err);
		return;
	}
	s->failures = 0;
	arbor_log("'%s': connected to %s", s->label, s->endpoint.text);
}

void dialer_dial(struct tcp_session *s)
{
	int fd, err;

	if (s->dial_io.fd >= 0 || peer_present(&s->peer))
		return;
	err = session_host_socket(s, ARBOR_HOST_TCP_CONNECT, &fd);
	if (err) {
		failed(s, err);
		return;
	}
	s->dial_io.fd = fd;
	s->dial_io.fn = settled;
	err = arbor_io_watch(s->tt->env->ep, &s->dial_io, EPOLLOUT);
	if (err) {
		close(fd);
		s->dial_io.fd = -1;
		failed(s, err);
	}
}

void dialer_stop(struct tcp_session *s)
{
	if (s->dial_io.fd >= 0)
		close_attempt(s);
}
