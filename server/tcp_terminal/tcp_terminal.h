/*
 * tcp_terminal: the Terminal service over TCP, one connection per session.
 * A session listens on the port its policy names (or connects out to
 * ip:port) through a Host_tcp session of core, since the component itself
 * may not create sockets. Shared by its modules: session.c (the root, the
 * Host_tcp session, the retry timer), listener.c (accepting, refusing a
 * second peer) and dialer.c (connecting out, again after a failure).
 */
#ifndef TCP_TERMINAL_H
#define TCP_TERMINAL_H

#include <arbor/connection.h>
#include <arbor/entrypoint.h>
#include <arbor/env.h>
#include <arbor/root.h>
#include <session/parent.h>
#include <terminal/terminal_server.h>
#include "config.h"
#include "peer.h"

/* How long a failed connect out, or a listener out of fds, waits before it tries again. */
#define TCP_TERMINAL_RETRY_MS 1000

struct tcp_terminal {
	struct arbor_env *env;
	struct config config;
	struct arbor_root root;
	struct tcp_session *sessions;
};

struct tcp_session {
	struct tcp_terminal *tt;
	struct tcp_session *next;
	char label[ARBOR_LABEL_MAX];
	struct tcp_endpoint endpoint;
	struct terminal_session *terminal;
	struct arbor_connection host_tcp;
	struct peer peer;
	struct arbor_io listener_io;       /* listen sessions: fd -1 when none */
	int listener_watched;
	struct arbor_io dial_io;           /* outgoing: the connection under way, fd -1 when none */
	unsigned failures;                 /* outgoing: failed attempts since the last success */
	struct arbor_io timer_io;          /* the retry timer (a timerfd), fd -1 until needed */
};

/* Announce the Terminal service. Returns 0 or the error of announcing. */
int session_announce(struct tcp_terminal *tt);

/*
 * A new socket from the session's Host_tcp session: op is
 * ARBOR_HOST_TCP_LISTENER or _CONNECT; *fd is ours. Returns 0 or an error
 * of the call (ARBOR_E_BAD_MESSAGE: no socket in the reply).
 */
int session_host_socket(struct tcp_session *s, unsigned op, int *fd);

/* Run the session's retry (listener_resume() or dialer_dial()) after TCP_TERMINAL_RETRY_MS. */
void session_retry_later(struct tcp_session *s);

/* "ADDR:PORT" of the socket's other end into buf (at least 32 bytes). */
void session_peer_name(int fd, char *buf, size_t size);

/* Listen sessions: get the listener and watch it; returns 0 or an error (logged). */
int listener_start(struct tcp_session *s);
void listener_stop(struct tcp_session *s);
/* Watch the listener again after it was paused for lack of fds. */
void listener_resume(struct tcp_session *s);

/* Outgoing sessions: start connecting (a failure retries later, it is never fatal). */
void dialer_dial(struct tcp_session *s);
void dialer_stop(struct tcp_session *s);

#endif
