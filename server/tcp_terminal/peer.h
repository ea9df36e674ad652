/*
 * The TCP peer of one Terminal session: its connected socket as the
 * session's backend (struct terminal_backend). Input goes straight from
 * the socket into the client's I/O buffer, output straight from it into
 * the socket; the kernel's socket buffers are the only queue, so a slow
 * peer holds up its own client (its write waits) and costs the server
 * nothing.
 */
#ifndef TCP_TERMINAL_PEER_H
#define TCP_TERMINAL_PEER_H

#include <stdint.h>
#include <arbor/entrypoint.h>
#include <terminal/terminal_server.h>

struct peer;

/*
 * A peer that stopped sending while its input is still unread stays until
 * the client read it (it may still take output), but no longer than this:
 * a client that never reads must not keep a departed peer, and with it the
 * port, forever.
 */
#define PEER_LINGER_MS 1000

/* The peer left (end of stream or error); its socket is closed already. */
typedef void (*peer_gone_fn)(struct peer *p);

struct peer {
	int fd;                            /* the connected socket, -1: no peer */
	struct arbor_io io;
	struct arbor_ep *ep;
	uint32_t watching;                 /* events io is watched for; 0: not watched */
	int input_pending;                 /* the client was told of input it has not drained */
	int eof;                           /* the peer will send no more */
	int broken;                        /* a send failed: the peer goes on the next event */
	int output_waits;                  /* a write waits for room in the socket */
	struct arbor_io linger;            /* a timerfd: how long unread input keeps a peer; -1 */
	struct terminal_session *terminal;
	peer_gone_fn gone;
};

/* The backend for terminal_session_create(), with the struct peer as priv. */
extern const struct terminal_backend peer_backend;

/* A peer slot without a peer, reporting to terminal (set later) and gone. */
void peer_init(struct peer *p, struct arbor_ep *ep, peer_gone_fn gone);

/*
 * Make the connected socket fd (taken; closed on failure) the peer and
 * signal the session connected. Returns 0 or the error of watching it.
 */
int peer_attach(struct peer *p, int fd);

/* Close the peer's socket, if any, without telling the session (it is closing). */
void peer_detach(struct peer *p);

static inline int peer_present(const struct peer *p)
{
	return p->fd >= 0;
}

#endif
