/*
 * The hostile client: targets (objects it holds a capability of), the
 * batches of malformed traffic it sends them, and the bookkeeping of what
 * came back.
 */
#ifndef ARBOR_TEST_HOSTILE_H
#define ARBOR_TEST_HOSTILE_H

#include <stddef.h>
#include <stdint.h>
#include "raw_wire.h"

#define HOSTILE_WAIT_MS 2000   /* how long a malformed message may take to be answered */

/* An object under attack, described by one well-formed call it accepts. */
struct target {
	const char *name;
	int door;                 /* the capability's fd, borrowed */
	int32_t valid_op;         /* a call that must succeed ... */
	const void *valid_args;   /* ... with this payload */
	size_t valid_size;
	int32_t sized_op;         /* an opcode with payload bounds ... */
	size_t size_min, size_max;/* ... these */
	int32_t cap_op;           /* an opcode taking exactly one capability, or -1 */
};

/* Log one outcome: "hostile: sent <what> to <target>: <outcome>", counting the unexpected. */
void hostile_check(const struct target *t, const char *what, enum raw_outcome got,
                   const struct raw_reply *reply, enum raw_outcome want);

/* The door of another object than t's (each target has a different one). */
int hostile_foreign_door(const struct target *t);

/* A well-formed call on a fresh connection; 1 when the answer is a success. */
int hostile_valid_call(const struct target *t);

/* The batches; each sends its messages to t and checks every answer. */
typedef void (*batch_fn)(const struct target *t);

struct batch {
	const char *name;
	batch_fn fn;
};

/* All batches in order, terminated by { NULL, NULL }. */
extern const struct batch hostile_batches[];
/* Attacks that hand the server a connection it cannot tell from a real one. */
extern const struct batch hostile_injections[];

/* Clone requests the flood sends (above ARBOR_RPC_CONNS_MAX); lowered to fit the fd limit. */
extern unsigned hostile_flood_size;

#endif
