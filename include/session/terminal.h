/*
 * Terminal session: a bidirectional character stream to a person or a
 * peer, as Genode's Terminal session. Bytes travel through an I/O buffer
 * the server shares with its client (a dataspace); a read or write call
 * carries only a length. A session may become usable later (a TCP peer
 * connects, a host terminal attaches): creating it never waits for that,
 * the connected signal tells. See doc/sessions/terminal.md.
 */
#ifndef ARBOR_SESSION_TERMINAL_H
#define ARBOR_SESSION_TERMINAL_H

#include <stdint.h>

#define ARBOR_TERMINAL_SERVICE "Terminal"

/*
 * The shared I/O buffer: the most one read or write call moves. 64 KiB
 * rather than 16: bulk output costs a call per buffer, and at 16 KiB
 * tcp_terminal moved a quarter of what a plain loopback socket does, at
 * 64 KiB two thirds (bench/README.md, tcp_terminal_throughput).
 */
#define ARBOR_TERMINAL_IO_BUFFER (64u * 1024)

/*
 * What a session costs its server (its state, the I/O buffer and as much
 * again for output the peer has not taken yet), and what a client donates:
 * that plus the share each parent on the way keeps.
 */
#define ARBOR_TERMINAL_SESSION_COST  (2u * ARBOR_TERMINAL_IO_BUFFER + 8u * 1024)
#define ARBOR_TERMINAL_SESSION_RAM   (ARBOR_TERMINAL_SESSION_COST + 8u * 1024)
#define ARBOR_TERMINAL_SESSION_CAPS  4u
#define ARBOR_TERMINAL_SESSION_COST_CAPS 2u

enum arbor_terminal_op {
	/* dataspace() -> cap: the I/O buffer, ARBOR_TERMINAL_IO_BUFFER bytes, writeable. */
	ARBOR_TERMINAL_DATASPACE = 0,
	/*
	 * read(struct arbor_terminal_len: at most this many bytes) -> status n:
	 * n bytes of input now at the start of the I/O buffer, 0 when there is
	 * none (never waits). Errors: ARBOR_E_TOO_LARGE (more than the buffer).
	 */
	ARBOR_TERMINAL_READ,
	/*
	 * write(struct arbor_terminal_len: this many bytes from the start of
	 * the I/O buffer) -> status n: bytes taken. All of them while connected:
	 * the reply waits while the server's output backlog is full (the server
	 * serves others meanwhile); 0 while not connected (the bytes are
	 * dropped) or when the peer left before it took them. Errors:
	 * ARBOR_E_TOO_LARGE (more than the buffer), ARBOR_E_AGAIN (a write
	 * of this session is still waiting).
	 */
	ARBOR_TERMINAL_WRITE,
	/* avail() -> struct arbor_terminal_len: input bytes ready (a read gets at least one if > 0). */
	ARBOR_TERMINAL_AVAIL,
	/* size() -> struct arbor_terminal_size: the window; 0 x 0 when unknown. */
	ARBOR_TERMINAL_SIZE,
	/* connected() -> status: 1 while a peer or host terminal is there, 0 otherwise. */
	ARBOR_TERMINAL_CONNECTED,
	/*
	 * connected_sigh(cap: signal context, or invalid to unregister):
	 * signalled whenever the session becomes connected or disconnected,
	 * and at once when it registers on a connected session.
	 */
	ARBOR_TERMINAL_CONNECTED_SIGH,
	/* read_avail_sigh(cap): signalled when input arrives (at once if some is waiting). */
	ARBOR_TERMINAL_READ_AVAIL_SIGH,
	/* size_changed_sigh(cap): signalled when the window size changes. */
	ARBOR_TERMINAL_SIZE_CHANGED_SIGH,
	ARBOR_TERMINAL_NOPS
};

struct arbor_terminal_len {
	uint32_t bytes;
};

struct arbor_terminal_size {
	uint32_t columns;
	uint32_t lines;
};

#endif
