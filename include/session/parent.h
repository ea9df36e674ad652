/*
 * The parent interface: what a component asks of its parent. The parent
 * capability sits on fd ARBOR_PARENT_FD of every component.
 *
 * As a client, a component opens sessions in its own id space: ids 1..15
 * are reserved, and 1..4 name the environment sessions its parent created
 * for it before the start (fetch them with SESSION_CAP). Session creation,
 * upgrade and close may be answered later: the reply ARBOR_E_PENDING means
 * "wait for the SESSION signal, then ask again with SESSION_CAP".
 *
 * As a server, a component announces its services; its parent then hands
 * it session requests one at a time (NEXT_REQUEST, after a REQUESTS
 * signal) and the server answers each with DELIVER (a session capability)
 * or RESPONSE. Server ids are chosen by the parent.
 *
 * Resources: a component short of quota asks with RESOURCE_REQUEST and
 * waits for the RESOURCE_AVAIL signal; a parent that wants quota back
 * signals YIELD, the child reads how much with YIELD_REQUEST, frees what it
 * can and says so with YIELD_RESPONSE. A parent watching liveness sends
 * HEARTBEAT signals; lib/base answers them on the entrypoint.
 */
#ifndef ARBOR_SESSION_PARENT_H
#define ARBOR_SESSION_PARENT_H

#include <stdint.h>

#define ARBOR_PARENT_FD           3
#define ARBOR_SERVICE_NAME_MAX    64
#define ARBOR_SESSION_ARGS_MAX    1024
#define ARBOR_LABEL_MAX           512

/*
 * What each parent on the way keeps of a session's RAM donation for its
 * own bookkeeping (the session state it holds); the rest goes on.
 */
#define ARBOR_SESSION_STATE_RAM   1024u

enum arbor_env_session_id {
	ARBOR_ENV_PD  = 1,
	ARBOR_ENV_CPU = 2,
	ARBOR_ENV_LOG = 3,
	ARBOR_ENV_ROM = 4,    /* the binary */
	ARBOR_ENV_IDS_END = 16, /* first id a child may choose */
};

enum arbor_parent_op {
	/*
	 * session(id, service, args) -> session cap, or ARBOR_E_PENDING (no
	 * cap yet: wait for the SESSION signal and ask with SESSION_CAP).
	 * args: "label=\"...\", ram_quota=N, cap_quota=M, ..." The donation is
	 * charged to the child and flows back on close.
	 * Errors: ARBOR_E_DENIED (no route / no policy), ARBOR_E_EXISTS (id in
	 * use), ARBOR_E_INVALID (bad id or args), ARBOR_E_OUT_OF_RAM /
	 * ARBOR_E_OUT_OF_CAPS (the child cannot pay), ARBOR_E_INSUFFICIENT_RAM /
	 * ARBOR_E_INSUFFICIENT_CAPS (the donation does not cover the session).
	 */
	ARBOR_PARENT_SESSION = 0,
	/*
	 * session_cap(id) -> cap of a session. ARBOR_E_PENDING (still waiting),
	 * ARBOR_E_NOT_FOUND; after a late DENIED or INSUFFICIENT_* answer the
	 * error is returned once and the session discarded (donation refunded).
	 */
	ARBOR_PARENT_SESSION_CAP,
	/* upgrade(id, ram, caps): donate more. ARBOR_E_PENDING, OUT_OF_RAM/CAPS, NOT_FOUND. */
	ARBOR_PARENT_UPGRADE,
	/*
	 * close(id): the session's donation returns to the child. ARBOR_E_PENDING
	 * (the server has yet to confirm; the id stays taken until then),
	 * ARBOR_E_NOT_FOUND, ARBOR_E_DENIED for environment sessions.
	 */
	ARBOR_PARENT_CLOSE,
	/* exit(code): the child is done; its parent decides what follows. */
	ARBOR_PARENT_EXIT,
	/* sigh(which, cap: signal context): where to signal enum arbor_parent_signal. */
	ARBOR_PARENT_SIGH,
	/* announce(service): this child serves it. ARBOR_E_DENIED (not in its <provides>). */
	ARBOR_PARENT_ANNOUNCE,
	/* next_request() -> struct arbor_parent_request. ARBOR_E_NOT_FOUND when none is left. */
	ARBOR_PARENT_NEXT_REQUEST,
	/*
	 * deliver(server_id, cap: the new session): answer a CREATE.
	 * ARBOR_E_NOT_FOUND (no such request outstanding).
	 */
	ARBOR_PARENT_DELIVER,
	/*
	 * response(server_id, result): answer a request with enum
	 * arbor_session_result. ARBOR_E_NOT_FOUND, ARBOR_E_INVALID.
	 */
	ARBOR_PARENT_RESPONSE,
	/* resource_request(ram, caps): the quota the child lacks, a hint. */
	ARBOR_PARENT_RESOURCE_REQUEST,
	/* yield_request() -> struct arbor_parent_quota: what the parent wants back. */
	ARBOR_PARENT_YIELD_REQUEST,
	/* yield_response(): the child freed what it could. */
	ARBOR_PARENT_YIELD_RESPONSE,
	/* heartbeat_response(): the child's entrypoint is alive. */
	ARBOR_PARENT_HEARTBEAT_RESPONSE,
	ARBOR_PARENT_NOPS
};

enum arbor_parent_signal {
	ARBOR_SIGNAL_SESSION = 0,      /* a pending session, upgrade or close was answered */
	ARBOR_SIGNAL_REQUESTS,         /* session requests wait for this server */
	ARBOR_SIGNAL_RESOURCE_AVAIL,   /* the parent granted more quota */
	ARBOR_SIGNAL_YIELD,            /* the parent wants quota back */
	ARBOR_SIGNAL_HEARTBEAT,        /* answer with HEARTBEAT_RESPONSE */
	ARBOR_SIGNAL_KINDS
};

enum arbor_request_kind {
	ARBOR_REQUEST_CREATE = 1,
	ARBOR_REQUEST_UPGRADE,
	ARBOR_REQUEST_CLOSE,
};

/* Answers a server gives with RESPONSE; errors use the ARBOR_E_* values. */
enum arbor_session_result {
	ARBOR_SESSION_OK     = 0,      /* upgrade done */
	ARBOR_SESSION_CLOSED = 1,      /* close done */
	/* ARBOR_E_DENIED, ARBOR_E_INSUFFICIENT_RAM, ARBOR_E_INSUFFICIENT_CAPS: create refused */
};

struct arbor_parent_session_args {
	uint32_t id;
	char service[ARBOR_SERVICE_NAME_MAX];    /* NUL-terminated */
	char args[ARBOR_SESSION_ARGS_MAX];       /* NUL-terminated */
};

struct arbor_parent_id_args {
	uint32_t id;
};

struct arbor_parent_upgrade_args {
	uint32_t id;
	uint32_t reserved;
	uint64_t ram, caps;
};

struct arbor_parent_exit_args {
	int32_t code;
};

struct arbor_parent_sigh_args {
	uint32_t which;                           /* enum arbor_parent_signal */
};

struct arbor_parent_announce_args {
	char service[ARBOR_SERVICE_NAME_MAX];     /* NUL-terminated */
};

/*
 * One request for a server. CREATE carries the service, the arguments as
 * the server is to see them (the label prefixed by every parent and
 * rewritten by the route) and the donation that reached the server;
 * UPGRADE carries the additional donation; CLOSE just the id.
 */
struct arbor_parent_request {
	uint32_t kind;                            /* enum arbor_request_kind */
	uint32_t server_id;
	uint64_t ram, caps;
	char service[ARBOR_SERVICE_NAME_MAX];
	char args[ARBOR_SESSION_ARGS_MAX];
};

struct arbor_parent_deliver_args {
	uint32_t server_id;
};

struct arbor_parent_response_args {
	uint32_t server_id;
	int32_t result;                           /* enum arbor_session_result or ARBOR_E_* */
};

struct arbor_parent_quota {
	uint64_t ram, caps;
};

#endif
