/*
 * Host_tcp session (core): a TCP endpoint on the host's network stack, for
 * the few components meant to reach it (tcp_terminal). Components live in
 * an empty network namespace and may not create sockets; core creates the
 * socket in its own namespace, as the session's arguments say, and hands
 * it over. Routing decides who may have one. See doc/sessions/host_tcp.md.
 *
 * Session arguments, exactly one of:
 *   listen="ADDR:PORT"   a listening socket (SO_REUSEADDR, non-blocking)
 *   connect="ADDR:PORT"  connections out to ADDR:PORT, one per CONNECT call
 * ADDR is a dotted IPv4 address. A socket core cannot bind is a denial,
 * logged by core with the reason.
 */
#ifndef ARBOR_SESSION_HOST_TCP_H
#define ARBOR_SESSION_HOST_TCP_H

#define ARBOR_HOST_TCP_SERVICE "Host_tcp"

#define ARBOR_HOST_TCP_SESSION_COST (4u * 1024)
#define ARBOR_HOST_TCP_SESSION_RAM  (ARBOR_HOST_TCP_SESSION_COST + 4u * 1024)
#define ARBOR_HOST_TCP_SESSION_CAPS 2u

enum arbor_host_tcp_op {
	/*
	 * listener() -> cap (ARBOR_CAP_DEVICE): the listening socket, the same
	 * one on every call; accept4() on it. Errors: ARBOR_E_INVALID (a
	 * connect session).
	 */
	ARBOR_HOST_TCP_LISTENER = 0,
	/*
	 * connect() -> cap (ARBOR_CAP_DEVICE): a new non-blocking socket whose
	 * connection to the session's address is under way: writable once it
	 * is settled, SO_ERROR says how. Errors: ARBOR_E_INVALID (a listen
	 * session), ARBOR_E_OUT_OF_CAPS (core is out of fds).
	 */
	ARBOR_HOST_TCP_CONNECT,
	ARBOR_HOST_TCP_NOPS
};

#endif
