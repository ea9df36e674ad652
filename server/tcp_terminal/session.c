/*
 * tcp_terminal's root: a Terminal session per client, on the endpoint its
 * policy names, each with a Host_tcp session of its own. A session starts
 * disconnected and never waits for a peer; the peer's comings and goings
 * are the connected signal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rpc.h>
#include <session/host_tcp.h>
#include "tcp_terminal.h"

/*
 * What a session needs beside the terminal's own: a Host_tcp session,
 * paid from the client's donation. Its RAM fits in the part of
 * ARBOR_TERMINAL_SESSION_COST meant for an output backlog, which this
 * server does not keep (the socket's buffer is the backlog); its caps do
 * not, so they must arrive on top.
 */
#define SESSION_COST_CAPS (ARBOR_TERMINAL_SESSION_COST_CAPS + ARBOR_HOST_TCP_SESSION_CAPS)

/* ---- Host_tcp ---- */

int session_host_socket(struct tcp_session *s, unsigned op, int *fd)
{
	struct arbor_msg reply;
	struct arbor_cap *cap = NULL;
	int err = arbor_rpc_call(s->host_tcp.cap, op, NULL, 0, NULL, 0, &reply);

	*fd = -1;
	if (err >= 0) {
		cap = arbor_msg_take_cap(&reply, 0);
		err = cap ? 0 : ARBOR_E_BAD_MESSAGE;
	}
	arbor_msg_release(&reply);
	if (err < 0)
		return err;
	/* our own fd, so that the socket is closed exactly when we say */
	*fd = fcntl(arbor_cap_fd(cap), F_DUPFD_CLOEXEC, 0);
	err = *fd < 0 ? -errno : 0;
	arbor_cap_unref(cap);
	return err;
}

static int open_host_tcp(struct tcp_session *s)
{
	char extra[sizeof(s->endpoint.text) + 16];

	snprintf(extra, sizeof(extra), "%s=\"%s\"", s->endpoint.outgoing ? "connect" : "listen",
	         s->endpoint.text);
	return arbor_connection_open(s->tt->env, &s->host_tcp, ARBOR_HOST_TCP_SERVICE, s->label,
	                             ARBOR_HOST_TCP_SESSION_RAM, ARBOR_HOST_TCP_SESSION_CAPS, extra);
}

/* ---- the retry timer ---- */

static void timer_expired(struct arbor_io *io, uint32_t events)
{
	struct tcp_session *s = container_of(io, struct tcp_session, timer_io);
	uint64_t expirations;

	if (read(io->fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return;
	if (s->endpoint.outgoing)
		dialer_dial(s);
	else
		listener_resume(s);
}

void session_retry_later(struct tcp_session *s)
{
	struct itimerspec when = {
		.it_value = { .tv_sec = TCP_TERMINAL_RETRY_MS / 1000,
		              .tv_nsec = (TCP_TERMINAL_RETRY_MS % 1000) * 1000000L },
	};

	if (s->timer_io.fd < 0) {
		int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		int err = fd < 0 ? -errno : 0;

		if (!err) {
			s->timer_io.fd = fd;
			s->timer_io.fn = timer_expired;
			err = arbor_io_watch(s->tt->env->ep, &s->timer_io, EPOLLIN);
			if (err) {
				close(fd);
				s->timer_io.fd = -1;
			}
		}
		if (err) {
			arbor_warning("'%s': no timer to try again: %s", s->label, arbor_strerror(err));
			return;
		}
	}
	timerfd_settime(s->timer_io.fd, 0, &when, NULL);
}

static void timer_close(struct tcp_session *s)
{
	if (s->timer_io.fd < 0)
		return;
	arbor_io_unwatch(&s->timer_io);
	close(s->timer_io.fd);
	s->timer_io.fd = -1;
}

/* ---- the peer ---- */

void session_peer_name(int fd, char *buf, size_t size)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	char host[INET_ADDRSTRLEN] = "?";

	if (getpeername(fd, (struct sockaddr *)&addr, &len) || addr.sin_family != AF_INET ||
	    !inet_ntop(AF_INET, &addr.sin_addr, host, sizeof(host))) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, "%s:%u", host, ntohs(addr.sin_port));
}

static void peer_gone(struct peer *p)
{
	struct tcp_session *s = container_of(p, struct tcp_session, peer);

	arbor_log("'%s': peer left", s->label);
	if (s->endpoint.outgoing)
		session_retry_later(s);
}

/* ---- the root ---- */

/* The session already on this endpoint, if any: one peer per port. */
static struct tcp_session *holder_of(struct tcp_terminal *tt, const struct tcp_endpoint *ep)
{
	for (struct tcp_session *s = tt->sessions; s; s = s->next)
		if (s->endpoint.outgoing == ep->outgoing && !strcmp(s->endpoint.text, ep->text))
			return s;
	return NULL;
}

static void session_free(struct tcp_session *s)
{
	listener_stop(s);
	dialer_stop(s);
	timer_close(s);
	peer_detach(&s->peer);
	if (s->terminal)
		terminal_session_destroy(s->terminal);
	if (s->host_tcp.id)
		arbor_connection_close(s->tt->env, &s->host_tcp);
	free(s);
}

static int create(struct arbor_root *root, const struct arbor_root_request *req,
                  void **session, struct arbor_cap **cap)
{
	struct tcp_terminal *tt = root->priv;
	struct tcp_endpoint ep;
	struct tcp_session *s, *holder;
	int err = config_endpoint_for(&tt->config, req->label, &ep);

	if (err)
		return err;
	if (req->caps < SESSION_COST_CAPS)
		return ARBOR_E_INSUFFICIENT_CAPS;
	holder = holder_of(tt, &ep);
	if (holder) {
		arbor_warning("'%s' denied: %s is taken by '%s'", req->label, ep.text, holder->label);
		return ARBOR_E_DENIED;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		arbor_warning("'%s' denied: out of memory", req->label);
		return ARBOR_E_DENIED;
	}
	s->tt = tt;
	s->endpoint = ep;
	snprintf(s->label, sizeof(s->label), "%s", req->label);
	s->listener_io.fd = s->dial_io.fd = s->timer_io.fd = -1;
	peer_init(&s->peer, tt->env->ep, peer_gone);
	err = terminal_session_create(tt->env, req, &peer_backend, &s->peer, &s->terminal);
	if (err) {
		free(s);
		return err;
	}
	s->peer.terminal = s->terminal;
	err = open_host_tcp(s);
	if (err) {
		/* core said why (a port in use, a bad address); this names the client */
		arbor_warning("'%s' denied: no Host_tcp session for %s (%s)", s->label, ep.text,
		              arbor_strerror(err));
		session_free(s);
		return ARBOR_E_DENIED;
	}
	if (ep.outgoing) {
		arbor_log("'%s' connects to %s", s->label, ep.text);
		dialer_dial(s);
	} else if ((err = listener_start(s))) {
		session_free(s);
		return ARBOR_E_DENIED;
	} else {
		arbor_log("'%s' listens on %s", s->label, ep.text);
	}
	s->next = tt->sessions;
	tt->sessions = s;
	*session = s;
	*cap = arbor_cap_ref(terminal_session_cap(s->terminal));
	return 0;
}

static void close_session(struct arbor_root *root, void *session)
{
	struct tcp_terminal *tt = root->priv;
	struct tcp_session *s = session;

	for (struct tcp_session **link = &tt->sessions; *link; link = &(*link)->next) {
		if (*link == s) {
			*link = s->next;
			break;
		}
	}
	session_free(s);
}

static const struct arbor_root_ops terminal_root_ops = { .create = create, .close = close_session };

int session_announce(struct tcp_terminal *tt)
{
	return arbor_root_announce(tt->env, &tt->root, ARBOR_TERMINAL_SERVICE, &terminal_root_ops, tt);
}
