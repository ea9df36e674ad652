/*
 * Host_terminal session (core): a person's terminal on the host, reached
 * from inside the tree. Core attaches a host terminal to a session, either
 * the terminal `arbor run` was started on (to the first session that asks,
 * and after it closes to the next) or one brought by `arbor attach LABEL`.
 * The session never gets the terminal's file: it gets a stream, one end of
 * a SOCK_SEQPACKET pair whose other end the arbor tool holds, which keeps
 * the terminal in raw mode, forwards window sizes and restores the
 * terminal however the session ends. The server `terminal` turns a
 * Host_terminal session into a Terminal session.
 * See doc/sessions/host_terminal.md.
 */
#ifndef ARBOR_SESSION_HOST_TERMINAL_H
#define ARBOR_SESSION_HOST_TERMINAL_H

#include <stdint.h>

#define ARBOR_HOST_TERMINAL_SERVICE "Host_terminal"

#define ARBOR_HOST_TERMINAL_SESSION_COST (4u * 1024)
#define ARBOR_HOST_TERMINAL_SESSION_RAM  (ARBOR_HOST_TERMINAL_SESSION_COST + 4u * 1024)
#define ARBOR_HOST_TERMINAL_SESSION_CAPS 2u

enum arbor_host_terminal_op {
	/*
	 * attached_sigh(cap: signal context, or invalid): signalled whenever a
	 * host terminal attaches to the session or leaves it, and at once when
	 * registered on an attached session.
	 */
	ARBOR_HOST_TERMINAL_ATTACHED_SIGH = 0,
	/*
	 * stream() -> cap (ARBOR_CAP_DEVICE): the stream of the terminal
	 * attached now. Errors: ARBOR_E_NOT_FOUND (none is attached).
	 */
	ARBOR_HOST_TERMINAL_STREAM,
	ARBOR_HOST_TERMINAL_NOPS
};

/*
 * The stream: SOCK_SEQPACKET messages of a type byte and a payload of at
 * most ARBOR_HOST_TERMINAL_MSG_MAX bytes. End of stream (or an error) means
 * the terminal left; core shuts the stream down when the session closes.
 */
#define ARBOR_HOST_TERMINAL_MSG_MAX 4096u

enum arbor_host_terminal_msg {
	ARBOR_HOST_TERMINAL_INPUT  = 'i',   /* tool -> session: bytes typed */
	ARBOR_HOST_TERMINAL_WINDOW = 'w',   /* tool -> session: struct arbor_host_terminal_window */
	ARBOR_HOST_TERMINAL_OUTPUT = 'o',   /* session -> tool: bytes for the screen */
};

struct arbor_host_terminal_window {
	uint16_t columns;
	uint16_t lines;
};

/*
 * Core and the arbor tool (not components): how a terminal reaches core.
 * SOCK_SEQPACKET messages of a type byte and text of at most
 * ARBOR_HOST_TERMINAL_CTL_MAX bytes (no NUL). `arbor run` passes core one
 * end of a pair (--terminal-fd); core sends STREAM on it each time it
 * attaches the run's terminal. `arbor attach` connects to
 * ARBOR_HOST_TERMINAL_SOCKET in core's run directory, sends ATTACH and gets
 * STREAM or ERROR back.
 */
#define ARBOR_HOST_TERMINAL_SOCKET  "terminal.sock"
#define ARBOR_HOST_TERMINAL_CTL_MAX 1024u

enum arbor_host_terminal_ctl {
	ARBOR_HOST_TERMINAL_CTL_ATTACH = 'a',  /* tool -> core: the label wanted ("": the only free one) */
	ARBOR_HOST_TERMINAL_CTL_STREAM = 's',  /* core -> tool: the session's label, one fd: the stream */
	ARBOR_HOST_TERMINAL_CTL_ERROR  = 'e',  /* core -> tool: why not, a line for the person */
};

#endif
