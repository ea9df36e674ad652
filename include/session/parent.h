/*
 * The parent interface: what a component asks of its parent. The parent
 * capability sits on fd ARBOR_PARENT_FD of every component.
 *
 * Session ids are chosen by the child in its own id space; ids 1..15 are
 * reserved, and 1..4 name the environment sessions its parent created for
 * it before the start (fetch them with SESSION_CAP).
 */
#ifndef ARBOR_SESSION_PARENT_H
#define ARBOR_SESSION_PARENT_H

#include <stdint.h>

#define ARBOR_PARENT_FD           3
#define ARBOR_SERVICE_NAME_MAX    64
#define ARBOR_SESSION_ARGS_MAX    1024
#define ARBOR_LABEL_MAX           512

enum arbor_env_session_id {
	ARBOR_ENV_PD  = 1,
	ARBOR_ENV_CPU = 2,
	ARBOR_ENV_LOG = 3,
	ARBOR_ENV_ROM = 4,    /* the binary */
	ARBOR_ENV_IDS_END = 16, /* first id a child may choose */
};

enum arbor_parent_op {
	/*
	 * session(id, service, args) -> session cap.
	 * args: "label=\"...\", ram_quota=N, cap_quota=M, ..." The donated
	 * quota is charged to the child and flows back on close.
	 * Errors: ARBOR_E_DENIED (no route / no policy), ARBOR_E_EXISTS (id in
	 * use), ARBOR_E_INVALID (bad id or args), ARBOR_E_OUT_OF_RAM /
	 * ARBOR_E_OUT_OF_CAPS (the child cannot pay), ARBOR_E_INSUFFICIENT_RAM /
	 * ARBOR_E_INSUFFICIENT_CAPS (the donation does not cover the session).
	 */
	ARBOR_PARENT_SESSION = 0,
	/* session_cap(id) -> cap of an existing session. ARBOR_E_NOT_FOUND. */
	ARBOR_PARENT_SESSION_CAP,
	/* close(id): the session's donation returns to the child. ARBOR_E_NOT_FOUND. */
	ARBOR_PARENT_CLOSE,
	/* exit(code): the child is done; its parent decides what follows. */
	ARBOR_PARENT_EXIT,
	ARBOR_PARENT_NOPS
};

struct arbor_parent_session_args {
	uint32_t id;
	char service[ARBOR_SERVICE_NAME_MAX];    /* NUL-terminated */
	char args[ARBOR_SESSION_ARGS_MAX];       /* NUL-terminated */
};

struct arbor_parent_id_args {
	uint32_t id;
};

struct arbor_parent_exit_args {
	int32_t code;
};

#endif
