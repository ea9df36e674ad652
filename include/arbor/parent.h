/*
 * Client side of the parent interface (see session/parent.h for the
 * operations and their errors).
 */
#ifndef ARBOR_PARENT_H
#define ARBOR_PARENT_H

#include <stdint.h>
#include <arbor/cap.h>

/* Open a session; *out is the session capability (owned by the caller). */
int arbor_parent_session(struct arbor_cap *parent, uint32_t id, const char *service,
                         const char *args, struct arbor_cap **out);

/* The capability of an existing session (e.g. the env sessions 1..4). */
int arbor_parent_session_cap(struct arbor_cap *parent, uint32_t id, struct arbor_cap **out);

/* Close a session; its donation flows back. */
int arbor_parent_close(struct arbor_cap *parent, uint32_t id);

/* Report the exit value (a hint: the parent decides what follows). */
int arbor_parent_exit(struct arbor_cap *parent, int code);

#endif
